//! Case work (个案工作, 9.1 and section 10 read with MZ/T 094): the lifecycle as a state machine
//! ([`machine`]) and what each stage records, each as a validated input type.

pub mod closing;
pub mod evaluation;
pub mod intake;
pub mod machine;
pub mod needs;
pub mod plan;
pub mod protection;
pub mod records;
pub mod row;
pub mod service;
pub mod stage;
pub mod target;

pub use machine::{
    Actor, Event, Facts, OnFile, Refusal, Review, State, Step, Submission, transition,
};
pub use records::{Record, may_record};
pub use row::Row;
pub use stage::Stage;
pub use target::event_to;

use crate::{Invalid, Msg, content, dates, text};
use time::Date;

/// The longest free text of a case record (a home-visit note, an assessment section).
pub const TEXT_MAX: usize = 5000;

/// The longest case title.
pub const TITLE_MAX: usize = 100;

/// A case's optional title (a short label for lists, e.g. 独居老人情绪支持): one line, at most
/// [`TITLE_MAX`] characters; empty when not given.
pub fn title(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let v = text::one_line(value.unwrap_or_default(), TITLE_MAX)
        .map_err(|m| Invalid::one("title", m))?;
    Ok((!v.is_empty()).then_some(v))
}

/// A required multi-line text.
pub(crate) fn required_notes(
    inv: &mut Invalid,
    field: &'static str,
    value: &str,
) -> Option<String> {
    let v = inv.check(field, text::notes(value, TEXT_MAX))?;
    if v.is_empty() {
        inv.add(field, Msg::new("必填", "required"));
        return None;
    }
    Some(v)
}

/// An optional multi-line text (empty when not given).
pub(crate) fn optional_notes(
    inv: &mut Invalid,
    field: &'static str,
    value: Option<&str>,
) -> String {
    inv.check(field, text::notes(value.unwrap_or_default(), TEXT_MAX))
        .unwrap_or_default()
}

/// A date something happened: real, not in the future, not before `not_before` (the case's
/// opening, the closing of a case) when given.
pub(crate) fn past_date(
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

/// Reads section-8 items: at least one, each known, each once, in the standard's order.
fn items(inv: &mut Invalid, field: &'static str, given: &[String]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = given
        .iter()
        .filter_map(|s| inv.check(field, content::parse(s)).map(|i| i.code))
        .collect();
    if given.is_empty() {
        inv.add(
            field,
            Msg::new(
                "至少选择一项第 8 章服务内容",
                "choose at least one service-content item of section 8",
            ),
        );
    }
    codes.sort_by_key(|c| content::ITEMS.iter().position(|i| i.code == *c));
    codes.dedup();
    codes
}

/// Ids linked to a record: at least one, each among `known`, each once.
fn links(
    inv: &mut Invalid,
    field: &'static str,
    given: &[i64],
    known: &[i64],
    what: (&str, &str),
) -> Vec<i64> {
    if given.is_empty() {
        inv.add(
            field,
            Msg::owned(
                format!("至少关联一项{}", what.0),
                format!("link at least one {}", what.1),
            ),
        );
    }
    if let Some(bad) = given.iter().find(|id| !known.contains(id)) {
        inv.add(
            field,
            Msg::owned(
                format!("{}编号 {bad} 不属于本个案", what.0),
                format!("{} {bad} is not one of this case's", what.1),
            ),
        );
    }
    let mut ids = given.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}
