//! Service quality (服务质量监控, 7.5.2.2 and 10.5; ): supervision records
//! ([`supervision`]) and quality reviews: a random sample of closed cases drawn with a recorded
//! seed (so anyone can draw it again and check it), each case scored on a versioned checklist,
//! the findings, and improvement actions tracked to done.

pub mod supervision;

use crate::case::evaluation::SATISFACTION;
use crate::case::{past_date, required_notes};
use crate::{Invalid, Msg, dates, text};
use time::{Date, Duration};

/// One item of a quality checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// The clause the item checks.
    pub clause: &'static str,
}

/// A version of the checklist. Reviews keep the version they were scored with; a new version is
/// added, never edited, so old scores keep their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checklist {
    pub version: u32,
    pub items: &'static [Item],
}

/// Each item scores 0 not met, 1 partly met, 2 met.
pub const MAX_ITEM_SCORE: u8 = 2;

pub const ITEM_SCORES: [(u8, &str, &str); 3] = [
    (2, "达到", "met"),
    (1, "部分达到", "partly met"),
    (0, "未达到", "not met"),
];

/// The checklists, oldest first (section 10 read with MZ/T 094; 7.5.2.2; R-7.4g).
pub const CHECKLISTS: [Checklist; 1] = [Checklist {
    version: 1,
    items: &[
        Item {
            code: "intake",
            zh: "接案记录完整(来源、问题、资格判断)",
            en: "intake recorded (source, problem, eligibility)",
            clause: "10 / MZ/T 094",
        },
        Item {
            code: "needs",
            zh: "需求评估完成(个人、家庭、社区系统)",
            en: "needs assessed (individual, family, community)",
            clause: "10.1",
        },
        Item {
            code: "plan",
            zh: "服务计划经站长审批,目标可衡量",
            en: "plan approved by the head, measurable goals",
            clause: "10.2",
        },
        Item {
            code: "services",
            zh: "服务记录与计划目标相符",
            en: "service records match the plan's goals",
            clause: "10.3",
        },
        Item {
            code: "evaluation",
            zh: "服务评价完成(目标达成、满意度)",
            en: "evaluation done (goal attainment, satisfaction)",
            clause: "10.5",
        },
        Item {
            code: "closing",
            zh: "结案经审批并安排跟进",
            en: "closing approved and follow-up planned",
            clause: "10.4",
        },
        Item {
            code: "consent",
            zh: "知情同意已记录",
            en: "informed consent recorded",
            clause: "R-7.4g",
        },
        Item {
            code: "confidentiality",
            zh: "保密与信息密级得当",
            en: "confidentiality and classification kept",
            clause: "7.4 g",
        },
    ],
}];

pub fn checklist(version: u32) -> Option<&'static Checklist> {
    CHECKLISTS.iter().find(|c| c.version == version)
}

/// The checklist new reviews use.
pub fn latest() -> &'static Checklist {
    &CHECKLISTS[CHECKLISTS.len() - 1]
}

/// 评分等级 of a case's total, as a percentage of the checklist's maximum.
pub const GRADES: [(u32, &str, &str); 4] = [
    (90, "优秀", "excellent"),
    (75, "良好", "good"),
    (60, "合格", "adequate"),
    (0, "不合格", "inadequate"),
];

/// A case's scores on a checklist, summed by the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    /// (item code, score) in the checklist's order.
    pub items: Vec<(&'static str, u8)>,
    pub total: u32,
    pub max: u32,
}

impl Scored {
    pub fn percent(&self) -> u32 {
        percent(self.total, self.max)
    }

    pub fn grade(&self) -> Msg {
        grade(self.percent())
    }
}

pub fn percent(total: u32, max: u32) -> u32 {
    (total * 100).checked_div(max).unwrap_or(0)
}

pub fn grade(percent: u32) -> Msg {
    let g = GRADES
        .iter()
        .find(|g| percent >= g.0)
        .unwrap_or(&GRADES[GRADES.len() - 1]);
    Msg::new(g.1, g.2)
}

/// Scores a case: every item of the checklist exactly once, each 0 … [`MAX_ITEM_SCORE`].
pub fn score(list: &Checklist, given: &[(String, i64)]) -> Result<Scored, Invalid> {
    let mut inv = Invalid::new();
    for (code, s) in given {
        if !list.items.iter().any(|i| i.code == code) {
            inv.add(
                "scores",
                Msg::owned(
                    format!("检查项“{code}”不在第 {} 版检查表中", list.version),
                    format!("“{code}” is not an item of checklist {}", list.version),
                ),
            );
        } else if given.iter().filter(|(c, _)| c == code).count() > 1 {
            inv.add(
                "scores",
                Msg::owned(
                    format!("检查项“{code}”评了两次"),
                    format!("“{code}” is scored twice"),
                ),
            );
        }
        if !(0..=i64::from(MAX_ITEM_SCORE)).contains(s) {
            inv.add(
                "scores",
                Msg::new("每项得分应为 0、1 或 2", "each item scores 0, 1 or 2"),
            );
        }
    }
    let missing: Vec<&str> = list
        .items
        .iter()
        .filter(|i| !given.iter().any(|(c, _)| c == i.code))
        .map(|i| i.zh)
        .collect();
    if !missing.is_empty() {
        inv.add(
            "scores",
            Msg::owned(
                format!("每项都要评分,缺:{}", missing.join("、")),
                format!("score every item; {} missing", missing.len()),
            ),
        );
    }
    inv.into_result()?;
    let items: Vec<(&'static str, u8)> = list
        .items
        .iter()
        .map(|i| {
            let s = given.iter().find(|(c, _)| c == i.code).map_or(0, |g| g.1);
            (i.code, s as u8)
        })
        .collect();
    Ok(Scored {
        total: items.iter().map(|i| u32::from(i.1)).sum(),
        max: list.items.len() as u32 * u32::from(MAX_ITEM_SCORE),
        items,
    })
}

/// What the records of a closed case show, for the scores the system suggests (the reviewer
/// decides; the suggestion only saves typing what the file already proves).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    pub intake_complete: bool,
    pub needs: bool,
    pub plan: bool,
    pub services: usize,
    pub evaluation: bool,
    pub closing: bool,
    pub consent: bool,
}

/// The score the file suggests for each item; `None` where only the reviewer can judge.
pub fn suggested(list: &Checklist, e: &Evidence) -> Vec<(&'static str, Option<u8>)> {
    let yes = |b: bool| Some(if b { MAX_ITEM_SCORE } else { 0 });
    list.items
        .iter()
        .map(|i| {
            let s = match i.code {
                "intake" => yes(e.intake_complete),
                "needs" => yes(e.needs),
                "plan" => yes(e.plan),
                "services" if e.services == 0 => Some(0),
                "evaluation" => yes(e.evaluation),
                "closing" => yes(e.closing),
                "consent" => yes(e.consent),
                _ => None,
            };
            (i.code, s)
        })
        .collect()
}

/// The person's satisfaction as the evaluation (10.5) kept it, read as its code (`5` … `1`,
/// `none`); `None` when the case has no evaluation or an unreadable answer.
pub fn satisfaction(stored: &str) -> Option<&'static str> {
    crate::care::pick(&SATISFACTION, stored)
}

/// How many of the cases answered each satisfaction level, in the scale's order, with the
/// share of satisfied answers (4 or 5) among those who could say.
pub fn satisfaction_summary(codes: &[&str]) -> (Vec<(&'static str, usize)>, Option<u32>) {
    let counts: Vec<(&'static str, usize)> = SATISFACTION
        .iter()
        .map(|c| (c.0, codes.iter().filter(|x| **x == c.0).count()))
        .collect();
    let said = codes.iter().filter(|c| **c != "none").count();
    let satisfied = codes.iter().filter(|c| matches!(**c, "4" | "5")).count();
    let share = (said > 0).then(|| (satisfied * 100 / said) as u32);
    (counts, share)
}

// ------------------------------------------------------------------------------------ sampling

/// How many cases to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleSize {
    Count(u32),
    /// Per cent of the closed cases of the period, rounded up.
    Percent(u32),
}

impl SampleSize {
    /// How many of `population` cases: at least one when there are any, never more than there are.
    pub fn of(self, population: usize) -> usize {
        let k = match self {
            SampleSize::Count(n) => n as usize,
            SampleSize::Percent(p) => (population * p as usize).div_ceil(100),
        };
        k.clamp(usize::from(population > 0), population)
    }
}

pub const MAX_SAMPLE: u32 = 200;

/// SplitMix64: a tiny, fully specified generator, so a recorded seed draws the same sample on any
/// machine and any version of any library.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Draws a sample of case ids: the population is sorted first, so only the set of cases and the
/// seed decide the draw (a partial Fisher–Yates shuffle). Returned in the order drawn.
pub fn draw(population: &[i64], size: SampleSize, seed: u64) -> Vec<i64> {
    let mut ids = population.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let k = size.of(ids.len());
    let mut state = seed;
    for i in 0..k {
        let span = (ids.len() - i) as u64;
        let j = i + (splitmix(&mut state) % span) as usize;
        ids.swap(i, j);
    }
    ids.truncate(k);
    ids
}

/// A sample to draw: the closed cases of a period in the reviewer's org.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ReviewInput {
    /// The org node the cases belong to (a station or higher); the reviewer's own when empty.
    pub org_code: Option<String>,
    /// Cases closed from … to (inclusive).
    pub from: String,
    pub to: String,
    pub count: Option<u32>,
    pub percent: Option<u32>,
    /// To draw again a sample drawn before; a fresh one when not given.
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub from: Date,
    pub to: Date,
    pub size: SampleSize,
}

pub fn validate_review(input: &ReviewInput, today: Date) -> Result<Review, Invalid> {
    let mut inv = Invalid::new();
    let from = past_date(&mut inv, "from", &input.from, today, None);
    let to = past_date(&mut inv, "to", &input.to, today, from);
    let size = match (input.count, input.percent) {
        (Some(n), None) if (1..=MAX_SAMPLE).contains(&n) => Some(SampleSize::Count(n)),
        (None, Some(p)) if (1..=100).contains(&p) => Some(SampleSize::Percent(p)),
        (Some(_), None) => {
            inv.add(
                "count",
                Msg::owned(
                    format!("抽样数应为 1 至 {MAX_SAMPLE}"),
                    format!("the sample size is 1 to {MAX_SAMPLE}"),
                ),
            );
            None
        }
        (None, Some(_)) => {
            inv.add(
                "percent",
                Msg::new("抽样比例应为 1 至 100", "the share is 1 to 100 per cent"),
            );
            None
        }
        _ => {
            inv.add(
                "count",
                Msg::new(
                    "请填写抽样数或抽样比例(二选一)",
                    "give either a sample size or a share",
                ),
            );
            None
        }
    };
    inv.into_result()?;
    Ok(Review {
        from: from.unwrap_or(today),
        to: to.unwrap_or(today),
        size: size.unwrap_or(SampleSize::Count(1)),
    })
}

/// A completed review is closed to scoring (409).
pub fn may_score(completed: bool) -> Result<(), Msg> {
    if completed {
        return Err(Msg::new(
            "检查已完成,不能再评分",
            "the review is completed; scores can no longer change",
        ));
    }
    Ok(())
}

/// A review completes once, when every case drawn is scored (409 otherwise).
pub fn may_complete(completed: bool, scored: usize, drawn: usize) -> Result<(), Msg> {
    may_score(completed)?;
    if scored < drawn {
        return Err(Msg::owned(
            format!("还有 {} 个抽查个案未评分", drawn - scored),
            format!("{} sampled cases are not scored yet", drawn - scored),
        ));
    }
    Ok(())
}

/// The findings that complete a review (10.5: evaluation and improvement).
pub fn findings(text: &str) -> Result<String, Invalid> {
    let mut inv = Invalid::new();
    let f = required_notes(&mut inv, "findings", text);
    inv.into_result()?;
    Ok(f.unwrap_or_default())
}

// ------------------------------------------------------------------------------------ actions

/// The longest an improvement action may run.
pub const MAX_ACTION_DAYS: i64 = 366;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ActionInput {
    pub description: String,
    /// The account responsible.
    pub owner: Option<i64>,
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImprovementAction {
    pub description: String,
    pub owner: i64,
    pub due_on: Date,
}

/// Checks an improvement action of a review drawn on `review_on`: it is due on or after that day
/// and within [`MAX_ACTION_DAYS`].
pub fn validate_action(input: &ActionInput, review_on: Date) -> Result<ImprovementAction, Invalid> {
    let mut inv = Invalid::new();
    let description = inv.check("description", text::required_line(&input.description, 500));
    if input.owner.is_none() {
        inv.add(
            "owner",
            Msg::new("请选择负责人", "choose who is responsible"),
        );
    }
    let due_on = inv.check("due_on", dates::parse(&input.due_on));
    if let Some(d) = due_on {
        if d < review_on {
            inv.add(
                "due_on",
                Msg::owned(
                    format!("完成期限不能早于检查日期 {}", dates::iso(review_on)),
                    format!(
                        "cannot be due before the review ({})",
                        dates::iso(review_on)
                    ),
                ),
            );
        } else if d > review_on + Duration::days(MAX_ACTION_DAYS) {
            inv.add(
                "due_on",
                Msg::new(
                    "完成期限不能超过检查日期后一年",
                    "due within a year of the review",
                ),
            );
        }
    }
    inv.into_result()?;
    Ok(ImprovementAction {
        description: description.unwrap_or_default(),
        owner: input.owner.unwrap_or_default(),
        due_on: due_on.unwrap_or(review_on),
    })
}

/// The note that closes an action, once.
pub fn finish_action(done_on: Option<&str>, note: &str) -> Result<String, Refused> {
    if done_on.is_some() {
        return Err(Refused::State(Msg::new(
            "整改措施已完成",
            "the action is already done",
        )));
    }
    let mut inv = Invalid::new();
    let n = required_notes(&mut inv, "note", note);
    inv.into_result().map_err(Refused::Invalid)?;
    Ok(n.unwrap_or_default())
}

/// An open action past its due date.
pub fn overdue(due_on: &str, done: bool, today: Date) -> bool {
    !done && dates::parse(due_on).is_ok_and(|d| d < today)
}

/// Why a change is refused: the input (422) or the record's state (409).
#[derive(Debug, Clone)]
pub enum Refused {
    Invalid(Invalid),
    State(Msg),
}

#[cfg(test)]
mod tests;
