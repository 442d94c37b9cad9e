//! The one scoring engine, and an assessment as a worker records it: the answers, the assessors
//! (as many different people as the rule asks), the date, a note, the referral a band calls for,
//! and — for the social-network scale — the formal and informal supports.

use super::Definition;
use crate::care::choose;
use crate::{Choice, Invalid, Msg, dates, text};
use std::collections::BTreeMap;
use time::{Date, Month};

/// The answers scored: each item's chosen answer code and points, the total and the band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    /// (item code, answer code, points), in the definition's order.
    pub answers: Vec<(String, String, i32)>,
    pub score: i32,
    /// Index into the definition's bands.
    pub band: usize,
}

impl Definition {
    /// Scores `answers` (item code → answer code, or the answer's Chinese wording). Every item must
    /// be answered with one of its answers; every problem is reported, naming the item.
    pub fn score(&self, answers: &BTreeMap<String, String>) -> Result<Scored, Invalid> {
        let mut inv = Invalid::new();
        let mut chosen = Vec::new();
        for item in &self.items {
            let given = answers
                .get(&item.code)
                .map(|s| s.trim())
                .unwrap_or_default();
            if given.is_empty() {
                inv.add(
                    "answers",
                    Msg::owned(
                        format!("“{}”未作答", item.zh),
                        format!("“{}” is not answered", item.en),
                    ),
                );
                continue;
            }
            match item
                .options
                .iter()
                .find(|o| o.code == given || o.zh == given)
            {
                Some(o) => chosen.push(o),
                None => {
                    let zh: Vec<String> = item
                        .options
                        .iter()
                        .map(|o| format!("{}({})", o.code, o.zh))
                        .collect();
                    let en: Vec<&str> = item.options.iter().map(|o| o.code.as_str()).collect();
                    inv.add(
                        "answers",
                        Msg::owned(
                            format!("“{}”的答案“{given}”无效,应为:{}", item.zh, zh.join("、")),
                            format!("“{}”: “{given}” is not one of {}", item.en, en.join(", ")),
                        ),
                    );
                }
            }
        }
        if let Some(unknown) = answers
            .keys()
            .find(|k| !self.items.iter().any(|i| &i.code == *k))
        {
            inv.add(
                "answers",
                Msg::owned(
                    format!("“{unknown}”不是本量表的项目"),
                    format!("“{unknown}” is not an item of this instrument"),
                ),
            );
        }
        inv.clone().into_result()?;
        let score = chosen.iter().map(|o| o.points).sum();
        let raised = chosen
            .iter()
            .filter_map(|o| o.raises_to.as_deref().and_then(|b| self.band_index(b)))
            .max();
        // `check` guarantees every reachable score has a band.
        let by_score = self.band_for(score).unwrap_or(0);
        Ok(Scored {
            answers: self
                .items
                .iter()
                .zip(&chosen)
                .map(|(i, o)| (i.code.clone(), o.code.clone(), o.points))
                .collect(),
            score,
            band: raised.map_or(by_score, |r| r.max(by_score)),
        })
    }

    /// When the next assessment is due after one on `on` (the same day `reassess_months` later,
    /// or the month's last day).
    pub fn next_due(&self, on: Date) -> Option<Date> {
        let months = i32::from(self.reassess_months?);
        let total = on.year() * 12 + i32::from(u8::from(on.month())) - 1 + months;
        let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
        let month = Month::try_from(month).ok()?;
        let day = on.day().min(month.length(year));
        Date::from_calendar_date(year, month, day).ok()
    }
}

/// 正式支持 (government, organisations) or 非正式支持 (family, neighbours, friends), 8.2.6.1.
pub const SUPPORT_KINDS: [Choice; 2] = [
    (
        "formal",
        "正式支持(政府、组织)",
        "formal (government, organisations)",
    ),
    (
        "informal",
        "非正式支持(家人、邻里、朋友)",
        "informal (family, neighbours, friends)",
    ),
];

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SupportInput {
    pub kind: String,
    /// Who gives it (村委会, 女儿, 邻居王大娘).
    pub source: String,
    /// What they give.
    pub what: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    pub kind: &'static str,
    pub source: String,
    pub what: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AssessmentInput {
    pub assessed_on: String,
    /// Item code → answer code.
    pub answers: BTreeMap<String, String>,
    /// The assessors' names; the first is the worker recording it.
    pub assessors: Vec<String>,
    pub notes: Option<String>,
    /// Where the person is referred, when the band calls for it.
    pub referral_to: Option<String>,
    pub supports: Vec<SupportInput>,
}

/// An assessment that passed every rule, ready to keep with its definition's code and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub code: String,
    pub version: u32,
    pub assessed_on: Date,
    pub scored: Scored,
    /// The band's code and wording, kept so that the result as shown then stays as it was (a
    /// deployment may change its bands later, 8.2.3.1).
    pub band: String,
    pub band_label: Msg,
    pub assessors: Vec<String>,
    pub notes: String,
    pub referral_to: Option<String>,
    pub supports: Vec<Support>,
    pub next_due: Option<Date>,
}

/// At most this many supports listed.
pub const MAX_SUPPORTS: usize = 30;

/// Checks and scores an assessment with definition `def` made on or before `today`.
pub fn validate(
    def: &Definition,
    input: &AssessmentInput,
    today: Date,
) -> Result<Assessment, Invalid> {
    let mut inv = Invalid::new();
    let on = inv.check("assessed_on", dates::parse(&input.assessed_on));
    if on.is_some_and(|d| d > today) {
        inv.add(
            "assessed_on",
            Msg::new(
                "评估日期不能晚于今天",
                "an assessment cannot be dated in the future",
            ),
        );
    }
    let scored = match def.score(&input.answers) {
        Ok(s) => Some(s),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    let mut assessors: Vec<String> = Vec::new();
    for a in &input.assessors {
        if let Some(name) = inv.check("assessors", text::name(a, 50))
            && !assessors.contains(&name)
        {
            assessors.push(name);
        }
    }
    let need = usize::from(def.assessors);
    if assessors.len() < need {
        inv.add(
            "assessors",
            if need == 1 {
                Msg::new("请填写评估人", "name the assessor")
            } else {
                Msg::owned(
                    format!("“{}”须由 {need} 名不同的评估人共同评估", def.name_zh),
                    format!("“{}” needs {need} different assessors", def.name_en),
                )
            },
        );
    }
    let notes = inv
        .check(
            "notes",
            text::notes(input.notes.as_deref().unwrap_or_default(), 5000),
        )
        .unwrap_or_default();
    if def.notes_required && notes.is_empty() {
        inv.add(
            "notes",
            Msg::new("请写明观察到的情况", "describe what was observed"),
        );
    }
    let referral_to = inv
        .check(
            "referral_to",
            text::one_line(input.referral_to.as_deref().unwrap_or_default(), 100),
        )
        .filter(|s| !s.is_empty());
    if let Some(s) = &scored
        && def.bands[s.band].referral
        && referral_to.is_none()
    {
        inv.add(
            "referral_to",
            Msg::owned(
                format!(
                    "评估结果为“{}”,须写明转介的专业人士或机构",
                    def.bands[s.band].zh
                ),
                format!(
                    "the result is “{}”: name the professional or organisation referred to",
                    def.bands[s.band].en
                ),
            ),
        );
    }
    let supports = if def.supports {
        supports(&mut inv, &input.supports)
    } else {
        Vec::new()
    };
    let Some(scored) = scored.filter(|_| inv.is_empty()) else {
        return Err(inv);
    };
    let on = on.unwrap_or(today);
    Ok(Assessment {
        code: def.code.clone(),
        version: def.version,
        assessed_on: on,
        band: def.bands[scored.band].code.clone(),
        band_label: def.bands[scored.band].label(),
        scored,
        assessors,
        notes,
        referral_to,
        supports,
        next_due: def.next_due(on),
    })
}

fn supports(inv: &mut Invalid, given: &[SupportInput]) -> Vec<Support> {
    if given.len() > MAX_SUPPORTS {
        inv.add(
            "supports",
            Msg::new("支持最多列 30 项", "at most 30 supports"),
        );
    }
    given
        .iter()
        .take(MAX_SUPPORTS)
        .filter_map(|s| {
            let kind = choose(
                inv,
                "supports",
                &SUPPORT_KINDS,
                &s.kind,
                ("支持类型", "support kind"),
            );
            let source = inv.check("supports", text::required_line(&s.source, 100));
            let what = inv.check(
                "supports",
                text::one_line(s.what.as_deref().unwrap_or_default(), 200),
            );
            Some(Support {
                kind: kind?,
                source: source?,
                what: what?,
            })
        })
        .collect()
}
