//! 督导记录 supervision records (7.4 b: the time, form and content of the supervision a station's
//! workers receive; service-quality monitoring records). A supervisor writes one on a case
//! or on a worker: when, how, what they saw, what they advise and what is to follow by when; the
//! worker answers it later; the supervisor marks the follow-up done.

use crate::care::choose;
use crate::case::{optional_notes, past_date, required_notes};
use crate::role::Role;
use crate::{Choice, Invalid, Msg, dates};
use time::Date;

/// 督导形式 (7.4 b "形式").
pub const MODES: [Choice; 5] = [
    ("individual", "个别督导", "individual"),
    ("group", "团体督导", "group"),
    ("on_site", "现场督导", "on-site"),
    ("remote", "线上督导", "remote"),
    ("case_conference", "个案研讨", "case conference"),
];

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SupervisionInput {
    pub held_on: String,
    pub mode: String,
    pub observations: String,
    pub advice: String,
    /// What is to be done after the supervision (optional).
    pub follow_up: Option<String>,
    /// By when; only with a follow-up, not before the supervision.
    pub follow_up_due: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervision {
    pub held_on: Date,
    pub mode: &'static str,
    pub observations: String,
    pub advice: String,
    pub follow_up: String,
    pub follow_up_due: Option<Date>,
}

/// Checks a supervision record held on or before `today`.
pub fn validate(input: &SupervisionInput, today: Date) -> Result<Supervision, Invalid> {
    let mut inv = Invalid::new();
    let held_on = past_date(&mut inv, "held_on", &input.held_on, today, None);
    let mode = choose(&mut inv, "mode", &MODES, &input.mode, ("督导形式", "mode"));
    let observations = required_notes(&mut inv, "observations", &input.observations);
    let advice = required_notes(&mut inv, "advice", &input.advice);
    let follow_up = optional_notes(&mut inv, "follow_up", input.follow_up.as_deref());
    let due = input
        .follow_up_due
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| inv.check("follow_up_due", dates::parse(s)));
    if due.is_some() && follow_up.is_empty() {
        inv.add(
            "follow_up",
            Msg::new(
                "填写了完成期限时须写明跟进事项",
                "say what is to follow when giving a due date",
            ),
        );
    }
    if let (Some(d), Some(h)) = (due, held_on)
        && d < h
    {
        inv.add(
            "follow_up_due",
            Msg::new(
                "跟进期限不能早于督导日期",
                "the follow-up cannot be due before the supervision",
            ),
        );
    }
    inv.into_result()?;
    Ok(Supervision {
        held_on: held_on.unwrap_or(today),
        mode: mode.unwrap_or("individual"),
        observations: observations.unwrap_or_default(),
        advice: advice.unwrap_or_default(),
        follow_up,
        follow_up_due: due,
    })
}

/// The worker's response to a supervision (required text).
pub fn response(text: &str) -> Result<String, Invalid> {
    let mut inv = Invalid::new();
    let r = required_notes(&mut inv, "response", text);
    inv.into_result()?;
    Ok(r.unwrap_or_default())
}

/// Which supervision records a role reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every record of its scope: the supervisors who write them, the head of the station.
    Scope,
    /// A worker: records on themselves and on the cases they work on.
    Own,
}

pub fn reach(role: Role) -> Option<Reach> {
    match role {
        Role::Supervisor | Role::StationHead => Some(Reach::Scope),
        Role::SocialWorker => Some(Reach::Own),
        _ => None,
    }
}

/// Whether the follow-up of a record may be marked done: there is one, and it is not done yet.
pub fn may_finish_follow_up(follow_up: &str, done_on: Option<&str>) -> Result<(), Msg> {
    if follow_up.is_empty() {
        return Err(Msg::new(
            "此督导记录没有跟进事项",
            "this supervision has no follow-up",
        ));
    }
    if done_on.is_some() {
        return Err(Msg::new("跟进事项已完成", "the follow-up is already done"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn input() -> SupervisionInput {
        SupervisionInput {
            held_on: "2026-11-20".into(),
            mode: "个别督导".into(),
            observations: "需求评估写得具体,家庭系统部分较弱".into(),
            advice: "补充家庭支持网络,邀请子女参与".into(),
            follow_up: Some("补写家庭系统评估".into()),
            follow_up_due: Some("2026-12-05".into()),
        }
    }

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn a_full_record_is_kept() {
        let s = validate(&input(), TODAY).unwrap();
        assert_eq!(s.mode, "individual");
        assert_eq!(s.follow_up_due, Some(date!(2026 - 12 - 05)));
    }

    #[test]
    fn observations_and_advice_are_required_and_all_errors_come_at_once() {
        let mut i = input();
        i.observations = "  ".into();
        i.advice = String::new();
        i.mode = "chat".into();
        let e = validate(&i, TODAY).unwrap_err();
        assert!(e.message_for("observations").is_some());
        assert!(e.message_for("advice").is_some());
        assert!(e.message_for("mode").is_some());
    }

    #[test]
    fn the_follow_up_is_due_after_the_supervision_and_says_what() {
        let mut i = input();
        i.follow_up_due = Some("2026-11-01".into());
        let e = validate(&i, TODAY).unwrap_err();
        assert!(e.message_for("follow_up_due").is_some());
        let mut i = input();
        i.follow_up = None;
        assert!(
            validate(&i, TODAY)
                .unwrap_err()
                .message_for("follow_up")
                .is_some()
        );
        let mut i = input();
        i.held_on = "2026-12-01".into();
        assert!(
            validate(&i, TODAY)
                .unwrap_err()
                .message_for("held_on")
                .is_some()
        );
    }

    #[test]
    fn who_reads_what() {
        assert_eq!(reach(Role::Supervisor), Some(Reach::Scope));
        assert_eq!(reach(Role::StationHead), Some(Reach::Scope));
        assert_eq!(reach(Role::SocialWorker), Some(Reach::Own));
        assert_eq!(reach(Role::Purchaser), None);
        assert_eq!(reach(Role::Volunteer), None);
    }

    #[test]
    fn a_follow_up_is_finished_once() {
        assert!(may_finish_follow_up("补写评估", None).is_ok());
        assert!(may_finish_follow_up("补写评估", Some("2026-11-29")).is_err());
        assert!(may_finish_follow_up("", None).is_err());
    }

    proptest! {
        #[test]
        fn a_due_date_before_the_supervision_is_always_refused(back in 1i64..400, fwd in 0i64..400) {
            let held = date!(2026 - 06 - 01);
            let mut i = input();
            i.held_on = dates::iso(held);
            i.follow_up_due = Some(dates::iso(held - time::Duration::days(back)));
            prop_assert!(validate(&i, TODAY).is_err());
            i.follow_up_due = Some(dates::iso(held + time::Duration::days(fwd)));
            prop_assert!(validate(&i, TODAY).is_ok());
        }
    }
}
