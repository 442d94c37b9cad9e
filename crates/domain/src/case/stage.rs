//! The stages of a case (MZ/T 094 read with section 10 of the standard; domain-rules.md § Service
//! process).

use crate::{Choice, Msg};
use serde::{Deserialize, Serialize};

/// The stage of a case, as stored in a column and listed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 接案
    #[default]
    Intake,
    /// 需求评估 / 预估 (10.1)
    Assessment,
    /// 服务策划 / 计划 (10.2)
    Planning,
    /// 服务执行 / 介入 (10.3)
    Intervention,
    /// 服务评价 / 评估 (10.5)
    Evaluation,
    /// 结案 (follow-ups of 10.4 come after)
    Closed,
    /// 转介
    Referred,
    /// 终止
    Terminated,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Intake,
        Stage::Assessment,
        Stage::Planning,
        Stage::Intervention,
        Stage::Evaluation,
        Stage::Closed,
        Stage::Referred,
        Stage::Terminated,
    ];

    /// The stages a case works through, in order.
    pub const OPEN: [Stage; 5] = [
        Stage::Intake,
        Stage::Assessment,
        Stage::Planning,
        Stage::Intervention,
        Stage::Evaluation,
    ];

    pub fn id(self) -> &'static str {
        self.choice().0
    }

    pub fn from_id(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.id() == s)
    }

    pub fn label(self) -> Msg {
        let (_, zh, en) = self.choice();
        Msg::new(zh, en)
    }

    fn choice(self) -> Choice {
        match self {
            Stage::Intake => ("intake", "接案", "intake"),
            Stage::Assessment => ("assessment", "需求评估", "needs assessment"),
            Stage::Planning => ("planning", "服务策划", "planning"),
            Stage::Intervention => ("intervention", "服务执行", "intervention"),
            Stage::Evaluation => ("evaluation", "服务评价", "evaluation"),
            Stage::Closed => ("closed", "已结案", "closed"),
            Stage::Referred => ("referred", "已转介", "referred"),
            Stage::Terminated => ("terminated", "已终止", "terminated"),
        }
    }

    pub fn is_open(self) -> bool {
        Stage::OPEN.contains(&self)
    }

    /// The next stage of the work, for an open stage.
    pub fn next(self) -> Option<Stage> {
        let i = Stage::OPEN.iter().position(|s| *s == self)?;
        Some(Stage::OPEN.get(i + 1).copied().unwrap_or(Stage::Closed))
    }
}
