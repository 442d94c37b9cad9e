//! 结案 closing and 服务跟进 follow-up (10.4). A closing names its reason, sums up the work, and
//! plans the follow-up; once the head approves it the first follow-up is scheduled a set number of
//! days after the closing. Follow-ups are contacts after the case ended: none may be due before it.

use super::{State, optional_notes, past_date, required_notes};
use crate::care::choose;
use crate::{Choice, Invalid, Msg, dates};
use time::{Date, Duration};

/// 结案原因 (domain-rules.md § Service process).
pub const REASONS: [Choice; 5] = [
    ("goals_met", "服务目标达成", "goals met"),
    ("persons_wish", "服务对象要求结束", "the person's wish"),
    ("referred", "转介其他机构", "referred elsewhere"),
    (
        "situation_changed",
        "服务对象或社工情况变化",
        "situation changed",
    ),
    ("other", "其他", "other"),
];

/// The longest wait before the first follow-up.
pub const MAX_FOLLOW_UP_DAYS: i64 = 365;
/// When none is given, the first follow-up is a month after closing.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 30;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ClosingInput {
    pub reason: String,
    /// Required when the reason is `other`.
    pub reason_note: Option<String>,
    pub summary: String,
    /// Whether the closing was talked through with the person beforehand (textbook practice).
    pub reviewed_with_person: bool,
    pub follow_up_plan: String,
    /// Days after the closing the first follow-up is due.
    pub first_follow_up_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub reason: &'static str,
    pub reason_note: String,
    pub summary: String,
    pub reviewed_with_person: bool,
    pub follow_up_plan: String,
    pub first_follow_up_days: i64,
}

impl Closing {
    /// The first follow-up of a case closed on `closed_on`.
    pub fn first_follow_up(&self, closed_on: Date) -> Date {
        closed_on + Duration::days(self.first_follow_up_days)
    }
}

pub fn validate(input: &ClosingInput) -> Result<Closing, Invalid> {
    let mut inv = Invalid::new();
    let reason = choose(
        &mut inv,
        "reason",
        &REASONS,
        &input.reason,
        ("结案原因", "closing reason"),
    );
    let note = optional_notes(&mut inv, "reason_note", input.reason_note.as_deref());
    if reason == Some("other") && note.is_empty() {
        inv.add(
            "reason_note",
            Msg::new("结案原因为“其他”时须说明", "explain the “other” reason"),
        );
    }
    let summary = required_notes(&mut inv, "summary", &input.summary);
    let plan = required_notes(&mut inv, "follow_up_plan", &input.follow_up_plan);
    let days = input.first_follow_up_days.unwrap_or(DEFAULT_FOLLOW_UP_DAYS);
    if !(1..=MAX_FOLLOW_UP_DAYS).contains(&days) {
        inv.add(
            "first_follow_up_days",
            Msg::new(
                "首次跟进应在结案后 1 至 365 天内",
                "the first follow-up is 1 to 365 days after closing",
            ),
        );
    }
    inv.clone().into_result()?;
    Ok(Closing {
        reason: reason.unwrap_or("other"),
        reason_note: note,
        summary: summary.unwrap_or_default(),
        reviewed_with_person: input.reviewed_with_person,
        follow_up_plan: plan.unwrap_or_default(),
        first_follow_up_days: days,
    })
}

// ---------------------------------------------------------------------------------- follow-up

/// 跟进方式.
pub use super::service::MODES as FOLLOW_UP_MODES;

/// 跟进结果.
pub const OUTCOMES: [Choice; 4] = [
    ("stable", "情况稳定", "stable"),
    ("needs_service", "需要再次服务", "needs service again"),
    ("unreachable", "未能联系上", "could not be reached"),
    ("other", "其他", "other"),
];

/// The day the case ended, which no follow-up may precede; a follow-up of an open or terminated
/// case is refused with the reason.
fn ended_on(state: &State) -> Result<Date, Msg> {
    super::may_record(state, super::Record::FollowUp).map_err(|r| r.message().clone())?;
    state
        .ended_on()
        .ok_or_else(|| Msg::new("个案尚未结束", "the case has not ended"))
}

/// Checks the due date of a follow-up to schedule.
pub fn validate_due(due_on: &str, state: &State) -> Result<Date, Invalid> {
    let ended = ended_on(state).map_err(|m| Invalid::one("due_on", m))?;
    let due = dates::parse(due_on).map_err(|m| Invalid::one("due_on", m))?;
    if due < ended {
        return Err(Invalid::one(
            "due_on",
            Msg::owned(
                format!("跟进日期不能早于结案日期 {}", dates::iso(ended)),
                format!(
                    "a follow-up cannot be due before the closing on {}",
                    dates::iso(ended)
                ),
            ),
        ));
    }
    Ok(due)
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ContactInput {
    pub contacted_on: String,
    pub mode: String,
    pub outcome: String,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub contacted_on: Date,
    pub mode: &'static str,
    pub outcome: &'static str,
    pub notes: String,
}

/// Checks a follow-up contact made after the case ended.
pub fn validate_contact(
    input: &ContactInput,
    state: &State,
    today: Date,
) -> Result<Contact, Invalid> {
    let mut inv = Invalid::new();
    let ended = inv.check("contacted_on", ended_on(state));
    let on = past_date(&mut inv, "contacted_on", &input.contacted_on, today, ended);
    let mode = choose(
        &mut inv,
        "mode",
        &FOLLOW_UP_MODES,
        &input.mode,
        ("跟进方式", "mode"),
    );
    let outcome = choose(
        &mut inv,
        "outcome",
        &OUTCOMES,
        &input.outcome,
        ("跟进结果", "outcome"),
    );
    let notes = if matches!(outcome, Some("other" | "needs_service")) {
        required_notes(
            &mut inv,
            "notes",
            input.notes.as_deref().unwrap_or_default(),
        )
    } else {
        Some(optional_notes(&mut inv, "notes", input.notes.as_deref()))
    };
    inv.clone().into_result()?;
    Ok(Contact {
        contacted_on: on.unwrap_or(today),
        mode: mode.unwrap_or("phone"),
        outcome: outcome.unwrap_or("other"),
        notes: notes.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const CLOSED: State = State::Closed {
        on: date!(2026 - 11 - 10),
        author: 1,
        approved_by: 9,
    };

    #[test]
    fn a_closing_names_reason_summary_and_follow_up() {
        let c = validate(&ClosingInput {
            reason: "服务目标达成".into(),
            summary: "老人已加入老年协会".into(),
            follow_up_plan: "一个月后电话回访".into(),
            reviewed_with_person: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.reason, "goals_met");
        assert_eq!(
            c.first_follow_up(date!(2026 - 11 - 10)),
            date!(2026 - 12 - 10)
        );
        let err = validate(&ClosingInput {
            reason: "other".into(),
            first_follow_up_days: Some(0),
            ..Default::default()
        })
        .unwrap_err();
        for f in [
            "reason_note",
            "summary",
            "follow_up_plan",
            "first_follow_up_days",
        ] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn a_follow_up_before_the_closing_is_refused() {
        let err = validate_due("2026-11-09", &CLOSED).unwrap_err();
        assert_eq!(
            err.message_for("due_on").unwrap().zh,
            "跟进日期不能早于结案日期 2026-11-10"
        );
        assert_eq!(
            validate_due("2026-12-10", &CLOSED).unwrap(),
            date!(2026 - 12 - 10)
        );
        let err = validate_due("2026-12-10", &State::Intervention).unwrap_err();
        assert!(err.message_for("due_on").unwrap().zh.contains("10.4"));
    }

    #[test]
    fn a_contact_records_mode_and_outcome_after_the_closing() {
        let c = validate_contact(
            &ContactInput {
                contacted_on: "2026-11-29".into(),
                mode: "phone".into(),
                outcome: "stable".into(),
                notes: None,
            },
            &CLOSED,
            date!(2026 - 11 - 29),
        )
        .unwrap();
        assert_eq!(c.outcome, "stable");
        let err = validate_contact(
            &ContactInput {
                contacted_on: "2026-11-01".into(),
                mode: "phone".into(),
                outcome: "needs_service".into(),
                notes: None,
            },
            &CLOSED,
            date!(2026 - 11 - 29),
        )
        .unwrap_err();
        assert!(err.message_for("contacted_on").is_some());
        assert!(err.message_for("notes").is_some());
    }

    proptest! {
        #[test]
        fn a_due_date_is_accepted_exactly_from_the_closing_on(offset in -400i64..400) {
            let due = date!(2026 - 11 - 10) + Duration::days(offset);
            let r = validate_due(&dates::iso(due), &CLOSED);
            prop_assert_eq!(r.is_ok(), offset >= 0);
        }
    }
}
