//! Case work (个案工作, 9.1 and section 10 read with MZ/T 094): the lifecycle as a state machine
//! ([`machine`]) and what each stage records, each as a validated input type.

pub mod closing;
pub mod evaluation;
pub mod intake;
pub mod machine;
pub mod needs;
pub mod plan;
pub mod protection;
pub mod row;
pub mod service;

pub use row::Row;
pub use machine::{
    Actor, Event, Facts, OnFile, Record, Refusal, Review, Stage, State, Step, Submission,
    may_record, transition,
};

use crate::{Invalid, Msg, dates, text};
use time::Date;

/// The longest free text of a case record (a home-visit note, an assessment section).
pub const TEXT_MAX: usize = 5000;

/// A required multi-line text.
fn required_notes(inv: &mut Invalid, field: &'static str, value: &str) -> Option<String> {
    let v = inv.check(field, text::notes(value, TEXT_MAX))?;
    if v.is_empty() {
        inv.add(field, Msg::new("必填", "required"));
        return None;
    }
    Some(v)
}

/// An optional multi-line text (empty when not given).
fn optional_notes(inv: &mut Invalid, field: &'static str, value: Option<&str>) -> String {
    inv.check(field, text::notes(value.unwrap_or_default(), TEXT_MAX))
        .unwrap_or_default()
}

/// A date something happened: real, not in the future, not before `not_before` (the case's
/// opening, the closing of a case) when given.
fn past_date(
    inv: &mut Invalid,
    field: &'static str,
    value: &str,
    today: Date,
    not_before: Option<Date>,
) -> Option<Date> {
    let d = inv.check(field, dates::parse(value))?;
    if d > today {
        inv.add(
            field,
            Msg::new("日期不能晚于今天", "the date cannot be in the future"),
        );
        return None;
    }
    if let Some(b) = not_before
        && d < b
    {
        inv.add(
            field,
            Msg::owned(
                format!("日期不能早于 {}", dates::iso(b)),
                format!("the date cannot be before {}", dates::iso(b)),
            ),
        );
        return None;
    }
    Some(d)
}
