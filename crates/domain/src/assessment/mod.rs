//! Standard assessments with scoring done by the system (R-7.6.4; domain-rules.md): 特困人员生活
//! 自理能力评估 (8.1.1.3), the Barthel index (8.2.3.1), LSNS-6 (8.2.6.1), the child safety and
//! guardianship check (8.3.4.2) and the cognitive/emotional screening note (8.2.5.1, 8.3.3.1).
//!
//! Each instrument is data — a TOML file in `definitions/`, one per version, embedded in the
//! binary — and one engine ([`score`]) scores them all: the score is the sum of the points of the
//! options chosen, the band is the one whose range holds the score, raised when an option says so.
//! A stored assessment names its definition's code and version, so it is read and re-scored with
//! the definition it was made with; a published file is never edited (a test pins each).

pub mod deployment;
pub mod score;

pub use deployment::{BandsConfig, Instruments};
pub use score::{Assessment, AssessmentInput, Scored, Support, SupportInput, validate};

use crate::{Invalid, Msg};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The shipped definitions: (file name, text). Add a version by adding a file, never by editing.
const FILES: [(&str, &str); 5] = [
    (
        "tekun_self_care.v1.toml",
        include_str!("definitions/tekun_self_care.v1.toml"),
    ),
    (
        "barthel.v1.toml",
        include_str!("definitions/barthel.v1.toml"),
    ),
    ("lsns6.v1.toml", include_str!("definitions/lsns6.v1.toml")),
    (
        "child_safety.v1.toml",
        include_str!("definitions/child_safety.v1.toml"),
    ),
    (
        "emotional_screening.v1.toml",
        include_str!("definitions/emotional_screening.v1.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub code: String,
    pub version: u32,
    pub name_zh: String,
    pub name_en: String,
    /// The standard's clause the instrument serves.
    pub clause: String,
    /// Where the items and the default bands come from.
    pub source: String,
    /// How many different assessors the rule asks for.
    pub assessors: u8,
    /// Months until the next assessment is due, where the rule sets one.
    #[serde(default)]
    pub reassess_months: Option<u8>,
    /// Whether a deployment may replace the bands ([`Definition::with_bands`]).
    #[serde(default)]
    pub bands_configurable: bool,
    /// Whether formal and informal supports are listed with the answers (8.2.6.1).
    #[serde(default)]
    pub supports: bool,
    /// Whether the assessor's note is required (a screening note is mostly its note).
    #[serde(default)]
    pub notes_required: bool,
    pub items: Vec<Item>,
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub options: Vec<Answer>,
}

/// One answer an item offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub points: i32,
    /// Choosing this answer puts the result in at least this band (signs of harm → high risk).
    #[serde(default)]
    pub raises_to: Option<String>,
}

/// A band of scores, in order from the lowest scores up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// The scores the band holds; a band without a range is reached only through `raises_to`.
    #[serde(default)]
    pub min: Option<i32>,
    #[serde(default)]
    pub max: Option<i32>,
    /// A result in this band names where the person is referred.
    #[serde(default)]
    pub referral: bool,
}

impl Band {
    pub fn label(&self) -> Msg {
        Msg::owned(self.zh.clone(), self.en.clone())
    }

    fn holds(&self, score: i32) -> bool {
        matches!((self.min, self.max), (Some(lo), Some(hi)) if (lo..=hi).contains(&score))
    }
}

fn parse(file: &str, text: &str) -> Definition {
    let d: Definition = toml::from_str(text)
        .unwrap_or_else(|e| panic!("assessment definition {file} does not parse: {e}"));
    if let Err(e) = d.check() {
        panic!("assessment definition {file} is inconsistent: {e}");
    }
    d
}

/// Every shipped definition, every version. The files are embedded and checked by this module's
/// tests, so a broken one fails the build's tests, never a running server.
pub fn definitions() -> &'static [Definition] {
    static ALL: LazyLock<Vec<Definition>> =
        LazyLock::new(|| FILES.iter().map(|(f, t)| parse(f, t)).collect());
    &ALL
}

/// The definition an assessment was made with.
pub fn find(code: &str, version: u32) -> Option<&'static Definition> {
    definitions()
        .iter()
        .find(|d| d.code == code && d.version == version)
}

/// The version new assessments use.
pub fn latest(code: &str) -> Option<&'static Definition> {
    definitions()
        .iter()
        .filter(|d| d.code == code)
        .max_by_key(|d| d.version)
}

impl Definition {
    pub fn name(&self) -> Msg {
        Msg::owned(self.name_zh.clone(), self.name_en.clone())
    }

    /// The lowest and highest score the items allow.
    pub fn range(&self) -> (i32, i32) {
        self.items.iter().fold((0, 0), |(lo, hi), i| {
            let pts = i.options.iter().map(|o| o.points);
            (
                lo + pts.clone().min().unwrap_or(0),
                hi + pts.max().unwrap_or(0),
            )
        })
    }

    /// Every score some set of answers gives, ascending.
    pub fn reachable(&self) -> Vec<i32> {
        let mut sums = std::collections::BTreeSet::from([0]);
        for item in &self.items {
            sums = sums
                .iter()
                .flat_map(|s| item.options.iter().map(move |o| s + o.points))
                .collect();
        }
        sums.into_iter().collect()
    }

    pub fn band_index(&self, code: &str) -> Option<usize> {
        self.bands.iter().position(|b| b.code == code)
    }

    /// The band whose range holds `score`.
    pub fn band_for(&self, score: i32) -> Option<usize> {
        self.bands.iter().position(|b| b.holds(score))
    }

    /// The same instrument with a deployment's bands (configurable instruments only), recording
    /// where their figures come from (domain-rules.md: other sources band the Barthel index 100 /
    /// 61–99 / 41–60 / ≤40).
    pub fn with_bands(&self, bands: Vec<Band>, source: &str) -> Result<Definition, Invalid> {
        if !self.bands_configurable {
            return Err(Invalid::one(
                "bands",
                Msg::owned(
                    format!("“{}”的分级不可更改", self.name_zh),
                    format!("the bands of “{}” are fixed", self.name_en),
                ),
            ));
        }
        let source =
            crate::text::required_line(source, 200).map_err(|m| Invalid::one("source", m))?;
        let d = Definition {
            bands,
            source: format!("{}(分级:{source})", self.source),
            ..self.clone()
        };
        d.check().map_err(|m| Invalid::one("bands", m))?;
        // A band past the scores the items allow is a typo (a 0–100 index banded up to 1000).
        let (lo, hi) = self.range();
        if let Some(b) = d
            .bands
            .iter()
            .find(|b| b.min.is_some_and(|m| m < lo) || b.max.is_some_and(|m| m > hi))
        {
            return Err(Invalid::one(
                "bands",
                Msg::owned(
                    format!("分级“{}”超出了 {lo}–{hi} 分的范围", b.zh),
                    format!("band {} goes beyond the scores {lo}–{hi}", b.code),
                ),
            ));
        }
        Ok(d)
    }

    /// The rules a definition keeps: options and codes unique, every reachable score in exactly
    /// one band, bands in ascending order, raises pointing at a band.
    fn check(&self) -> Result<(), Msg> {
        let bad = |zh: String, en: String| Err(Msg::owned(zh, en));
        if self.items.is_empty() || self.assessors == 0 {
            return bad(
                "没有评估项目或评估人".into(),
                "no items or assessors".into(),
            );
        }
        for (i, item) in self.items.iter().enumerate() {
            if self.items[..i].iter().any(|o| o.code == item.code) || item.options.is_empty() {
                return bad(
                    format!("项目“{}”重复或没有选项", item.zh),
                    format!("item {} repeated or without options", item.code),
                );
            }
            for (j, a) in item.options.iter().enumerate() {
                let dup = item.options[..j]
                    .iter()
                    .any(|o| o.code == a.code || o.zh == a.zh);
                let raise_unknown = a
                    .raises_to
                    .as_deref()
                    .is_some_and(|b| self.band_index(b).is_none());
                if dup || raise_unknown {
                    return bad(
                        format!("项目“{}”的选项“{}”重复或指向不存在的分级", item.zh, a.zh),
                        format!(
                            "item {} option {} repeated or raising to no band",
                            item.code, a.code
                        ),
                    );
                }
            }
        }
        let mut last_max = None;
        for b in &self.bands {
            match (b.min, b.max) {
                (Some(lo), Some(hi)) if lo <= hi && last_max.is_none_or(|m| lo > m) => {
                    last_max = Some(hi)
                }
                (None, None) => {}
                _ => {
                    return bad(
                        format!("分级“{}”的分数范围无效或与前一级重叠、顺序颠倒", b.zh),
                        format!(
                            "band {} has a bad, overlapping or out-of-order range",
                            b.code
                        ),
                    );
                }
            }
        }
        if let Some(s) = self
            .reachable()
            .into_iter()
            .find(|s| self.band_for(*s).is_none())
        {
            return bad(
                format!("{s} 分不在任何分级内"),
                format!("a score of {s} falls in no band"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
