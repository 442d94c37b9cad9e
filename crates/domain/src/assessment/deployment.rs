//! A deployment's own bands for the instruments that allow them (8.2.3.1: the Barthel index's
//! items are firm, its bands configurable — MZ/T 039 bands 100 / 65–95 / 45–60 / ≤40, other
//! sources 100 / 61–99 / 41–60 / ≤40). Read from the configuration file and checked when the
//! server starts, so a bad band table stops the start instead of mis-banding a person.

use super::{Band, Definition};
use crate::Msg;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The bands of one instrument as the configuration file gives them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandsConfig {
    /// Where the figures come from (a local rule, a guideline), shown with the instrument.
    pub source: String,
    /// From the lowest scores up; together they must hold every score the items allow.
    pub bands: Vec<Band>,
}

/// The instruments new assessments use: the shipped definitions, with a deployment's bands where
/// it configured them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instruments {
    configured: Vec<Definition>,
}

impl Instruments {
    /// Applies `configs` (instrument code → bands) to the latest version of each instrument. The
    /// refusal is one line naming the instrument: an unknown code, an instrument whose bands are
    /// fixed, a gap or overlap, a band past the instrument's scores.
    pub fn configure(configs: &BTreeMap<String, BandsConfig>) -> Result<Instruments, Msg> {
        let mut configured = Vec::new();
        for (code, cfg) in configs {
            let Some(base) = super::latest(code) else {
                return Err(Msg::owned(
                    format!("assessments.{code}:没有这个评估量表"),
                    format!("assessments.{code}: no such instrument"),
                ));
            };
            let d = base
                .with_bands(cfg.bands.clone(), &cfg.source)
                .map_err(|i| {
                    let (zh, en): (Vec<_>, Vec<_>) = i
                        .errors
                        .iter()
                        .map(|e| (e.message.zh.to_string(), e.message.en.to_string()))
                        .unzip();
                    Msg::owned(
                        format!("assessments.{code}:{}", zh.join(";")),
                        format!("assessments.{code}: {}", en.join("; ")),
                    )
                })?;
            configured.push(d);
        }
        Ok(Instruments { configured })
    }

    /// The definition new assessments of `code` use.
    pub fn latest(&self, code: &str) -> Option<&Definition> {
        self.configured
            .iter()
            .find(|d| d.code == code)
            .or_else(|| super::latest(code))
    }

    /// The latest definition of every instrument, in the shipped order.
    pub fn all(&self) -> Vec<&Definition> {
        let mut codes: Vec<&str> = Vec::new();
        for d in super::definitions() {
            if !codes.contains(&d.code.as_str()) {
                codes.push(&d.code);
            }
        }
        codes.into_iter().filter_map(|c| self.latest(c)).collect()
    }
}

/// A band as a line: `0–40 重度受损`.
pub fn describe(b: &Band) -> Msg {
    let range = match (b.min, b.max) {
        (Some(lo), Some(hi)) if lo == hi => lo.to_string(),
        (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
        _ => String::new(),
    };
    let join = |label: &str| {
        if range.is_empty() {
            label.to_string()
        } else {
            format!("{range} {label}")
        }
    };
    Msg::owned(join(&b.zh), join(&b.en))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<Instruments, Msg> {
        let map: BTreeMap<String, BandsConfig> = toml::from_str(text).unwrap();
        Instruments::configure(&map)
    }

    const HUNAN: &str = r#"
        [barthel]
        source = "地方评估细则"
        bands = [
          { code = "severe", zh = "重度依赖", en = "severe", min = 0, max = 40 },
          { code = "moderate", zh = "中度依赖", en = "moderate", min = 41, max = 60 },
          { code = "mild", zh = "轻度依赖", en = "mild", min = 61, max = 99 },
          { code = "intact", zh = "无需依赖", en = "independent", min = 100, max = 100 },
        ]
    "#;

    #[test]
    fn configured_bands_replace_the_shipped_ones_for_new_assessments() {
        let i = cfg(HUNAN).unwrap();
        let d = i.latest("barthel").unwrap();
        assert_eq!(d.bands[2].zh, "轻度依赖");
        assert!(d.source.contains("地方评估细则"));
        // 65 is 轻度 under both; 60 is 中度 under both; the others keep the shipped definition.
        assert_eq!(d.bands[d.band_for(60).unwrap()].code, "moderate");
        assert_eq!(i.latest("lsns6"), super::super::latest("lsns6"));
        assert_eq!(i.all().len(), super::super::definitions().len());
        assert_eq!(describe(&d.bands[0]).zh, "0–40 重度依赖");
        assert_eq!(describe(&d.bands[3]).en, "100 independent");
        assert_eq!(
            Instruments::default().latest("barthel"),
            super::super::latest("barthel")
        );
    }

    #[test]
    fn bands_that_do_not_hold_every_score_from_0_to_100_are_refused_in_one_line() {
        let gap = cfg(&HUNAN.replace("min = 41", "min = 50")).unwrap_err();
        assert!(
            gap.zh
                .starts_with("assessments.barthel:45 分不在任何分级内"),
            "{}",
            gap.zh
        );
        assert!(gap.en.contains("45"));
        let overlap = cfg(&HUNAN.replace("min = 41", "min = 40")).unwrap_err();
        assert!(overlap.zh.contains("重叠"));
        let past = cfg(&HUNAN.replace("min = 100, max = 100", "min = 100, max = 120")).unwrap_err();
        assert!(past.zh.contains("超出了 0–100 分"), "{}", past.zh);
        let below = cfg(&HUNAN.replace("min = 0, max = 40", "min = -5, max = 40")).unwrap_err();
        assert!(below.zh.contains("超出"));
        let fixed = cfg("[tekun_self_care]\nsource = \"x\"\nbands = [{ code = \"a\", zh = \"a\", en = \"a\", min = 0, max = 6 }]").unwrap_err();
        assert!(fixed.zh.contains("不可更改"));
        let unknown = cfg("[nope]\nsource = \"x\"\nbands = []").unwrap_err();
        assert!(unknown.zh.contains("没有这个评估量表"));
        assert!(!gap.zh.contains('\n') && !gap.en.contains('\n'));
    }
}
