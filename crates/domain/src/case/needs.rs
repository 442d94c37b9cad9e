//! 需求评估 needs assessment (10.1, 预估 in MZ/T 094), in the shape of the form Hunan stations use:
//! the individual, the family system, the community system, strengths and resources, the problem
//! summary, the needs with their priority, the worker's signature and the station head's opinion.

use super::{past_date, required_notes};
use crate::care::choose;
use crate::{Choice, Invalid, Msg, text};
use time::Date;

/// 优先级 of a need.
pub const PRIORITIES: [Choice; 3] = [
    ("high", "高", "high"),
    ("medium", "中", "medium"),
    ("low", "低", "low"),
];

/// At most this many needs per assessment.
pub const MAX_NEEDS: usize = 20;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NeedInput {
    pub need: String,
    pub priority: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NeedsInput {
    pub assessed_on: String,
    pub individual: String,
    /// Economy, other pressures, strengths and resources of the family.
    pub family: String,
    /// Resources, problems and outside resources of the community.
    pub community: String,
    pub strengths: String,
    pub problem_summary: String,
    pub needs: Vec<NeedInput>,
    /// The worker signs with their name.
    pub worker_signature: String,
    /// Written by the station head when they review it.
    pub head_opinion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub need: String,
    pub priority: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsAssessment {
    pub assessed_on: Date,
    pub individual: String,
    pub family: String,
    pub community: String,
    pub strengths: String,
    pub problem_summary: String,
    pub needs: Vec<Need>,
    pub worker_signature: String,
    pub head_opinion: String,
}

/// Checks a needs assessment of a case opened on `opened_on`.
pub fn validate(
    input: &NeedsInput,
    today: Date,
    opened_on: Date,
) -> Result<NeedsAssessment, Invalid> {
    let mut inv = Invalid::new();
    let on = past_date(
        &mut inv,
        "assessed_on",
        &input.assessed_on,
        today,
        Some(opened_on),
    );
    let individual = required_notes(&mut inv, "individual", &input.individual);
    let family = required_notes(&mut inv, "family", &input.family);
    let community = required_notes(&mut inv, "community", &input.community);
    let strengths = required_notes(&mut inv, "strengths", &input.strengths);
    let summary = required_notes(&mut inv, "problem_summary", &input.problem_summary);
    if input.needs.is_empty() {
        inv.add(
            "needs",
            Msg::new("至少列出一项需求", "list at least one need"),
        );
    } else if input.needs.len() > MAX_NEEDS {
        inv.add("needs", Msg::new("需求最多 20 项", "at most 20 needs"));
    }
    let mut needs = Vec::new();
    for n in input.needs.iter().take(MAX_NEEDS) {
        let need = inv.check("needs", text::required_line(&n.need, 200));
        let priority = choose(
            &mut inv,
            "needs",
            &PRIORITIES,
            &n.priority,
            ("需求优先级", "priority"),
        );
        if let (Some(need), Some(priority)) = (need, priority) {
            needs.push(Need { need, priority });
        }
    }
    let signature = inv.check("worker_signature", text::name(&input.worker_signature, 50));
    let opinion = super::optional_notes(&mut inv, "head_opinion", input.head_opinion.as_deref());
    inv.clone().into_result()?;
    Ok(NeedsAssessment {
        assessed_on: on.unwrap_or(today),
        individual: individual.unwrap_or_default(),
        family: family.unwrap_or_default(),
        community: community.unwrap_or_default(),
        strengths: strengths.unwrap_or_default(),
        problem_summary: summary.unwrap_or_default(),
        needs,
        worker_signature: signature.unwrap_or_default(),
        head_opinion: opinion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn good() -> NeedsInput {
        NeedsInput {
            assessed_on: "2026-11-20".into(),
            individual: "82 岁,独居,高血压".into(),
            family: "儿子在广东务工,每月寄 500 元".into(),
            community: "村里有老年协会".into(),
            strengths: "性格开朗,邻居关系好".into(),
            problem_summary: "独居缺少照料,情绪低落".into(),
            needs: vec![NeedInput {
                need: "日常生活照料".into(),
                priority: "高".into(),
            }],
            worker_signature: "王芳".into(),
            head_opinion: None,
        }
    }

    #[test]
    fn a_full_assessment_passes_with_priorities_as_codes() {
        let a = validate(&good(), date!(2026 - 11 - 29), date!(2026 - 11 - 1)).unwrap();
        assert_eq!(a.needs[0].priority, "high");
        assert_eq!(a.head_opinion, "");
    }

    #[test]
    fn every_missing_section_is_named() {
        let err = validate(
            &NeedsInput::default(),
            date!(2026 - 11 - 29),
            date!(2026 - 11 - 1),
        )
        .unwrap_err();
        for f in [
            "assessed_on",
            "individual",
            "family",
            "community",
            "strengths",
            "problem_summary",
            "needs",
            "worker_signature",
        ] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn a_date_before_the_case_and_a_bad_priority_are_refused() {
        let mut i = good();
        i.assessed_on = "2026-10-01".into();
        i.needs[0].priority = "urgent".into();
        let err = validate(&i, date!(2026 - 11 - 29), date!(2026 - 11 - 1)).unwrap_err();
        assert!(
            err.message_for("assessed_on")
                .unwrap()
                .zh
                .contains("2026-11-01")
        );
        assert!(err.message_for("needs").unwrap().zh.contains("高、中、低"));
    }
}
