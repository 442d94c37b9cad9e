//! 服务评价 evaluation (10.5): how far each goal of the plan was attained, on the goal-attainment
//! scale −2 … +2 (−2 much worse than expected, 0 as expected, +2 much better), the person's
//! satisfaction, and the worker's reflection (the improvement half of 10.5).

use super::{past_date, required_notes};
use crate::care::choose;
use crate::{Choice, Invalid, Msg, text};
use time::Date;

/// 目标达成程度 (goal attainment scaling).
pub const ATTAINMENT: [(i8, &str, &str); 5] = [
    (-2, "远未达成", "much less than expected"),
    (-1, "部分未达成", "less than expected"),
    (0, "达成", "as expected"),
    (1, "超出预期", "more than expected"),
    (2, "远超预期", "much more than expected"),
];

/// 服务对象满意度.
pub const SATISFACTION: [Choice; 6] = [
    ("5", "非常满意", "very satisfied"),
    ("4", "满意", "satisfied"),
    ("3", "一般", "neutral"),
    ("2", "不满意", "dissatisfied"),
    ("1", "非常不满意", "very dissatisfied"),
    ("none", "未能表达", "could not say"),
];

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct GoalScoreInput {
    pub goal: i64,
    pub score: Option<i8>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct EvaluationInput {
    pub evaluated_on: String,
    pub goals: Vec<GoalScoreInput>,
    pub satisfaction: String,
    pub reflection: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalScore {
    pub goal: i64,
    pub score: i8,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub evaluated_on: Date,
    pub goals: Vec<GoalScore>,
    pub satisfaction: &'static str,
    pub reflection: String,
}

/// Checks an evaluation: every goal of the plan (`goals`) scored exactly once.
pub fn validate(
    input: &EvaluationInput,
    today: Date,
    opened_on: Date,
    goals: &[i64],
) -> Result<Evaluation, Invalid> {
    let mut inv = Invalid::new();
    let on = past_date(
        &mut inv,
        "evaluated_on",
        &input.evaluated_on,
        today,
        Some(opened_on),
    );
    let mut scored = Vec::new();
    for g in &input.goals {
        if !goals.contains(&g.goal) {
            inv.add(
                "goals",
                Msg::owned(
                    format!("目标编号 {} 不属于本个案的服务计划", g.goal),
                    format!("goal {} is not in this case's plan", g.goal),
                ),
            );
        } else if scored.iter().any(|s: &GoalScore| s.goal == g.goal) {
            inv.add(
                "goals",
                Msg::owned(
                    format!("目标编号 {} 评了两次", g.goal),
                    format!("goal {} is scored twice", g.goal),
                ),
            );
        }
        let score = match g.score {
            Some(s) if (-2..=2).contains(&s) => Some(s),
            _ => {
                inv.add(
                    "goals",
                    Msg::new(
                        "目标达成程度应为 −2 至 +2 的整数",
                        "attainment is a whole number from −2 to +2",
                    ),
                );
                None
            }
        };
        let note = inv
            .check(
                "goals",
                text::notes(g.note.as_deref().unwrap_or_default(), 1000),
            )
            .unwrap_or_default();
        if let Some(score) = score {
            scored.push(GoalScore {
                goal: g.goal,
                score,
                note,
            });
        }
    }
    let missing: Vec<String> = goals
        .iter()
        .filter(|id| !input.goals.iter().any(|g| g.goal == **id))
        .map(|id| id.to_string())
        .collect();
    if !missing.is_empty() {
        inv.add(
            "goals",
            Msg::owned(
                format!("每个目标都要评价,缺目标 {}", missing.join("、")),
                format!("score every goal; missing {}", missing.join(", ")),
            ),
        );
    }
    let satisfaction = choose(
        &mut inv,
        "satisfaction",
        &SATISFACTION,
        &input.satisfaction,
        ("满意度", "satisfaction"),
    );
    let reflection = required_notes(&mut inv, "reflection", &input.reflection);
    inv.clone().into_result()?;
    Ok(Evaluation {
        evaluated_on: on.unwrap_or(today),
        goals: scored,
        satisfaction: satisfaction.unwrap_or("none"),
        reflection: reflection.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn input(scores: &[(i64, Option<i8>)]) -> EvaluationInput {
        EvaluationInput {
            evaluated_on: "2026-11-29".into(),
            goals: scores
                .iter()
                .map(|(goal, score)| GoalScoreInput {
                    goal: *goal,
                    score: *score,
                    note: None,
                })
                .collect(),
            satisfaction: "满意".into(),
            reflection: "家人参与不足,下次早些邀请子女".into(),
        }
    }

    fn check(i: &EvaluationInput) -> Result<Evaluation, Invalid> {
        validate(i, date!(2026 - 11 - 29), date!(2026 - 9 - 1), &[1, 2])
    }

    #[test]
    fn every_goal_is_scored_once() {
        let e = check(&input(&[(1, Some(0)), (2, Some(-1))])).unwrap();
        assert_eq!(e.satisfaction, "4");
        let err = check(&input(&[(1, Some(0))])).unwrap_err();
        assert!(err.message_for("goals").unwrap().zh.contains("缺目标 2"));
        let err = check(&input(&[(1, Some(0)), (1, Some(1)), (2, Some(0))])).unwrap_err();
        assert!(err.message_for("goals").unwrap().zh.contains("两次"));
        let err = check(&input(&[(1, Some(0)), (2, Some(0)), (3, Some(0))])).unwrap_err();
        assert!(err.message_for("goals").unwrap().zh.contains("3"));
    }

    proptest! {
        #[test]
        fn attainment_outside_minus_two_to_two_is_refused(s in any::<i8>()) {
            let r = check(&input(&[(1, Some(s)), (2, Some(0))]));
            prop_assert_eq!(r.is_ok(), (-2..=2).contains(&s));
        }
    }
}
