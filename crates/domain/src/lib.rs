//! Types and rules of a township (street) social work station, per DB43/T 2783—2023.
//!
//! No I/O, no HTTP, no SQL: everything here is a value or a pure function, so every rule can be
//! unit- and property-tested on its own and reused by the UI, the API and the command line alike.

pub mod account;
pub mod assessment;
pub mod attachment;
pub mod care;
pub mod case;
pub mod clock;
pub mod content;
pub mod dates;
pub mod household;
pub mod id_number;
pub mod moves;
pub mod msg;
pub mod org;
pub mod person;
pub mod phone;
pub mod policy;
pub mod quality;
pub mod role;
pub mod roster;
pub mod scope;
pub mod search;
pub mod text;

pub use msg::{FieldError, Invalid, Msg};

/// A fixed choice: (code, Chinese label, English label).
pub type Choice = (&'static str, &'static str, &'static str);
