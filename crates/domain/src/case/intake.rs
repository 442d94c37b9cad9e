//! 接案 intake (MZ/T 094): how the case came, the presenting problem, consent and eligibility. A
//! case the station cannot take is declined with a referral (domain-rules.md § Service process).

use super::{Event, past_date, required_notes};
use crate::care::choose;
use crate::{Choice, Invalid, Msg, text};
use time::Date;

/// 个案来源.
pub const SOURCES: [Choice; 4] = [
    ("walk_in", "主动求助", "walk-in"),
    ("home_visit", "走访发现", "found on a home visit"),
    ("assigned", "部门交办", "assigned by a department"),
    ("referral_in", "外部转介", "referred in"),
];

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct IntakeInput {
    pub source: String,
    /// The department or organisation that assigned or referred the case.
    pub referrer: Option<String>,
    pub received_on: String,
    pub presenting_problem: String,
    /// 知情同意 to case work.
    pub consent: bool,
    /// Who consented: required for a person under 14 (a guardian, 个人信息保护法 Art. 31).
    pub consent_by: Option<String>,
    pub eligible: bool,
    pub eligibility_notes: Option<String>,
    /// When not eligible (or the station cannot meet the need): where the person is referred.
    pub referral_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    pub source: &'static str,
    pub referrer: String,
    pub received_on: Date,
    pub presenting_problem: String,
    pub consent: bool,
    pub consent_by: String,
    pub eligible: bool,
    pub eligibility_notes: String,
    pub referral_to: String,
}

impl Intake {
    /// Consent and eligibility are on file: the case can be accepted.
    pub fn complete(&self) -> bool {
        self.consent && self.eligible
    }

    /// A declined intake ends in a referral: the event to apply.
    pub fn decline(&self) -> Option<Event> {
        (!self.eligible).then(|| Event::Refer {
            to: self.referral_to.clone(),
            reason: self.eligibility_notes.clone(),
        })
    }
}

/// Checks an intake for a person of `age` (when known).
pub fn validate(input: &IntakeInput, today: Date, age: Option<i32>) -> Result<Intake, Invalid> {
    let mut inv = Invalid::new();
    let source = choose(
        &mut inv,
        "source",
        &SOURCES,
        &input.source,
        ("个案来源", "source"),
    );
    let referrer = inv
        .check(
            "referrer",
            text::one_line(input.referrer.as_deref().unwrap_or_default(), 100),
        )
        .unwrap_or_default();
    if matches!(source, Some("assigned" | "referral_in")) && referrer.is_empty() {
        inv.add(
            "referrer",
            Msg::new(
                "部门交办或外部转介的个案须写明来源单位",
                "name the department or organisation the case came from",
            ),
        );
    }
    let received_on = past_date(&mut inv, "received_on", &input.received_on, today, None);
    let problem = required_notes(&mut inv, "presenting_problem", &input.presenting_problem);
    let consent_by = inv
        .check(
            "consent_by",
            text::one_line(input.consent_by.as_deref().unwrap_or_default(), 50),
        )
        .unwrap_or_default();
    if input.consent && consent_by.is_empty() && crate::person::consent_needs_guardian(age) {
        inv.add(
            "consent_by",
            Msg::new(
                "未满 14 周岁,须写明同意的监护人(个人信息保护法第三十一条)",
                "under 14: name the guardian who consented (PIPL Art. 31)",
            ),
        );
    }
    let notes = inv
        .check(
            "eligibility_notes",
            text::notes(
                input.eligibility_notes.as_deref().unwrap_or_default(),
                super::TEXT_MAX,
            ),
        )
        .unwrap_or_default();
    let referral_to = inv
        .check(
            "referral_to",
            text::one_line(input.referral_to.as_deref().unwrap_or_default(), 100),
        )
        .unwrap_or_default();
    if !input.eligible {
        if referral_to.is_empty() {
            inv.add(
                "referral_to",
                Msg::new(
                    "不予接案时须写明转介的单位",
                    "a declined case is referred: name where to",
                ),
            );
        }
        if notes.is_empty() {
            inv.add(
                "eligibility_notes",
                Msg::new(
                    "不予接案时须写明原因",
                    "give the reason the case is declined",
                ),
            );
        }
    }
    inv.clone().into_result()?;
    Ok(Intake {
        source: source.unwrap_or("walk_in"),
        referrer,
        received_on: received_on.unwrap_or(today),
        presenting_problem: problem.unwrap_or_default(),
        consent: input.consent,
        consent_by,
        eligible: input.eligible,
        eligibility_notes: notes,
        referral_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn good() -> IntakeInput {
        IntakeInput {
            source: "walk_in".into(),
            received_on: "2026-11-28".into(),
            presenting_problem: "独居老人,近期情绪低落".into(),
            consent: true,
            eligible: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_intake_can_be_accepted() {
        let i = validate(&good(), TODAY, Some(78)).unwrap();
        assert!(i.complete());
        assert_eq!(i.decline(), None);
        let mut no_consent = good();
        no_consent.consent = false;
        assert!(!validate(&no_consent, TODAY, Some(78)).unwrap().complete());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = IntakeInput {
            source: "phone".into(),
            received_on: "2026-12-01".into(),
            eligible: false,
            ..Default::default()
        };
        let err = validate(&bad, TODAY, None).unwrap_err();
        for f in [
            "source",
            "received_on",
            "presenting_problem",
            "referral_to",
            "eligibility_notes",
        ] {
            assert!(err.message_for(f).is_some(), "{f}: {err}");
        }
        assert!(err.message_for("source").unwrap().zh.contains("部门交办"));
    }

    #[test]
    fn an_assigned_case_names_its_department() {
        let mut i = good();
        i.source = "部门交办".into();
        let err = validate(&i, TODAY, None).unwrap_err();
        assert!(err.message_for("referrer").is_some());
        i.referrer = Some("街道民政办".into());
        assert_eq!(validate(&i, TODAY, None).unwrap().source, "assigned");
    }

    #[test]
    fn a_child_under_14_needs_the_guardian_named() {
        let err = validate(&good(), TODAY, Some(10)).unwrap_err();
        assert!(err.message_for("consent_by").unwrap().zh.contains("监护人"));
        let mut i = good();
        i.consent_by = Some("奶奶 李桂兰".into());
        assert!(validate(&i, TODAY, Some(10)).is_ok());
    }

    #[test]
    fn a_declined_intake_becomes_a_referral() {
        let mut i = good();
        i.eligible = false;
        i.eligibility_notes = Some("需要长期医疗康复".into());
        i.referral_to = Some("区康复中心".into());
        let intake = validate(&i, TODAY, None).unwrap();
        assert_eq!(
            intake.decline(),
            Some(Event::Refer {
                to: "区康复中心".into(),
                reason: "需要长期医疗康复".into()
            })
        );
    }
}
