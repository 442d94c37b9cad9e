//! 服务策划 the service plan (10.2): goals with a measurable indicator and a target date, each
//! linked to the needs of the assessment it answers; the interventions planned, each naming the
//! service content of section 8 it will deliver; the resources to be used.

use super::{items, links, past_date, required_notes};
use crate::{Invalid, Msg, dates, text};
use time::Date;

/// At most this many goals or interventions per plan.
pub const MAX_ENTRIES: usize = 20;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct GoalInput {
    pub goal: String,
    /// How attainment is measured (e.g. 每周外出参加活动 2 次以上).
    pub indicator: String,
    pub target_date: String,
    /// Ids of the needs (of the needs assessment) the goal answers.
    pub needs: Vec<i64>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct InterventionInput {
    pub action: String,
    /// Section-8 clauses the intervention delivers (`8.2.5`).
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct PlanInput {
    pub planned_on: String,
    pub goals: Vec<GoalInput>,
    pub interventions: Vec<InterventionInput>,
    pub resources: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub goal: String,
    pub indicator: String,
    pub target_date: Date,
    pub needs: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervention {
    pub action: String,
    /// Section-8 item codes, in the standard's order, each once.
    pub items: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub planned_on: Date,
    pub goals: Vec<Goal>,
    pub interventions: Vec<Intervention>,
    pub resources: String,
}

/// Checks a plan; `needs` are the ids of the case's assessed needs.
pub fn validate(input: &PlanInput, today: Date, needs: &[i64]) -> Result<Plan, Invalid> {
    let mut inv = Invalid::new();
    let on = past_date(&mut inv, "planned_on", &input.planned_on, today, None);
    if input.goals.is_empty() {
        inv.add(
            "goals",
            Msg::new("至少订立一个服务目标", "set at least one goal"),
        );
    }
    if input.goals.len() > MAX_ENTRIES || input.interventions.len() > MAX_ENTRIES {
        inv.add(
            "goals",
            Msg::new(
                "目标和介入措施各最多 20 项",
                "at most 20 goals and 20 interventions",
            ),
        );
    }
    let mut goals = Vec::new();
    for g in input.goals.iter().take(MAX_ENTRIES) {
        let goal = inv.check("goals", text::required_line(&g.goal, 200));
        let indicator = inv.check("goals", text::required_line(&g.indicator, 200));
        let target = inv.check("goals", dates::parse(&g.target_date));
        if let (Some(t), Some(p)) = (target, on)
            && t <= p
        {
            inv.add(
                "goals",
                Msg::new(
                    "目标日期须晚于计划日期",
                    "a goal's target date is after the plan's date",
                ),
            );
        }
        let needs = links(&mut inv, "goals", &g.needs, needs, ("需求", "need"));
        if let (Some(goal), Some(indicator), Some(target_date)) = (goal, indicator, target) {
            goals.push(Goal {
                goal,
                indicator,
                target_date,
                needs,
            });
        }
    }
    if input.interventions.is_empty() {
        inv.add(
            "interventions",
            Msg::new("至少计划一项介入措施", "plan at least one intervention"),
        );
    }
    let mut interventions = Vec::new();
    for i in input.interventions.iter().take(MAX_ENTRIES) {
        let action = required_notes(&mut inv, "interventions", &i.action);
        let items = items(&mut inv, "interventions", &i.items);
        if let Some(action) = action {
            interventions.push(Intervention { action, items });
        }
    }
    let resources = super::optional_notes(&mut inv, "resources", input.resources.as_deref());
    inv.clone().into_result()?;
    Ok(Plan {
        planned_on: on.unwrap_or(today),
        goals,
        interventions,
        resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn good() -> PlanInput {
        PlanInput {
            planned_on: "2026-11-29".into(),
            goals: vec![GoalInput {
                goal: "缓解孤独感".into(),
                indicator: "每周参加村老年协会活动 2 次以上".into(),
                target_date: "2027-02-28".into(),
                needs: vec![7, 7],
            }],
            interventions: vec![InterventionInput {
                action: "每周电话问候,每月入户一次".into(),
                items: vec!["8.2.5 精神慰藉".into(), "8.2.1".into(), "8.2.5".into()],
            }],
            resources: Some("老年协会、邻居".into()),
        }
    }

    #[test]
    fn a_plan_links_goals_to_needs_and_interventions_to_section_8() {
        let p = validate(&good(), TODAY, &[7, 8]).unwrap();
        assert_eq!(p.goals[0].needs, vec![7]);
        assert_eq!(p.interventions[0].items, vec!["8.2.1", "8.2.5"]);
    }

    #[test]
    fn a_goal_needs_an_indicator_a_later_target_and_a_need_of_this_case() {
        let mut i = good();
        i.goals[0].indicator = " ".into();
        i.goals[0].target_date = "2026-11-01".into();
        i.goals[0].needs = vec![99];
        let err = validate(&i, TODAY, &[7]).unwrap_err();
        let all: Vec<&str> = err.errors.iter().map(|e| e.message.zh.as_ref()).collect();
        assert!(all.contains(&"必填"), "{all:?}");
        assert!(all.contains(&"目标日期须晚于计划日期"), "{all:?}");
        assert!(all.iter().any(|m| m.contains("99")), "{all:?}");
    }

    #[test]
    fn an_empty_plan_names_what_is_missing() {
        let err = validate(&PlanInput::default(), TODAY, &[]).unwrap_err();
        for f in ["planned_on", "goals", "interventions"] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
        let mut i = good();
        i.interventions[0].items = vec!["9.1".into()];
        let err = validate(&i, TODAY, &[7]).unwrap_err();
        assert!(
            err.message_for("interventions")
                .unwrap()
                .zh
                .contains("第 8 章")
        );
    }
}
