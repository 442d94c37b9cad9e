//! Schema, migrations and queries over SQLite or PostgreSQL. Every query that returns records takes
//! the caller's scope and filters by it, so the web layer cannot forget to.

pub mod db;
pub mod error;
pub mod keys;
pub mod schema;

pub use db::{Backend, Db, DbConn, DbUrl, PoolSizes};
pub use error::{StoreError, StoreResult};
pub mod assessments;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod care;
pub mod cases;
pub mod communities;
pub mod duplicates;
pub mod exports;
pub mod files;
pub mod households;
pub mod imports;
pub mod notifications;
pub mod org;
pub mod passwords;
pub mod persons;
pub mod protection;
pub mod quality;
pub mod query;
pub mod sessions;
pub mod supervision;
pub mod tokens;
pub mod transfers;
pub mod users;
pub mod work;

#[cfg(feature = "test-support")]
pub mod testing;
