//! 儿童保护 (8.3.4, R-8.3.4). A worker who finds that a child is harmed, suspected to be harmed or
//! in danger of harm reports it to the police at once (8.3.4.1; 未成年人保护法 Art. 11, 强制报告).
//! Recording it makes the case 机密 there and then, and the report to the police (time, unit,
//! officer, method) is recorded in the same step — or the record stands as an unfinished report,
//! which the product shows on every page of the worker and the head until it is completed.

use crate::care::choose;
use crate::policy::Sensitivity;
use crate::{Choice, Invalid, Msg, clock, dates, text};
use time::Time;

/// What was found (8.3.4.1: 遭受或者疑似遭受不法侵害以及面临不法侵害危险).
pub const FINDINGS: [Choice; 3] = [
    ("actual", "已遭受侵害", "harmed"),
    ("suspected", "疑似遭受侵害", "suspected harm"),
    ("at_risk", "面临侵害危险", "in danger of harm"),
];

/// Kinds of harm.
pub const HARMS: [Choice; 6] = [
    ("physical", "身体伤害", "physical abuse"),
    ("sexual", "性侵害", "sexual abuse"),
    ("neglect", "遗弃、忽视", "abandonment or neglect"),
    ("domestic_violence", "家庭暴力", "domestic violence"),
    ("bullying", "欺凌", "bullying"),
    ("other", "其他", "other"),
];

/// How the police were told.
pub const REPORT_METHODS: [Choice; 4] = [
    ("call_110", "拨打 110", "called 110"),
    ("in_person", "到公安机关报案", "in person at the police"),
    ("written", "书面报告", "in writing"),
    ("online", "网上报警", "online"),
];

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportInput {
    /// `2026-11-29 14:30` (China time).
    pub reported_at: String,
    /// The police unit told (e.g. 荷塘区公安分局月塘派出所).
    pub unit: String,
    pub officer: String,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliceReport {
    /// Unix seconds.
    pub reported_at: i64,
    pub unit: String,
    pub officer: String,
    pub method: &'static str,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct HarmInput {
    pub finding: String,
    pub harms: Vec<String>,
    /// When the worker found out: `2026-11-29 14:00`.
    pub found_at: String,
    pub description: String,
    /// Left out (or all blank) when the report is not yet recorded.
    pub report: Option<ReportInput>,
}

/// Where the report to the police stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportStatus {
    Reported(PoliceReport),
    /// Shown in red on every page of the worker and the head; the head and the county purchaser
    /// are told at once.
    Unfinished,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Harm {
    pub finding: &'static str,
    pub harms: Vec<&'static str>,
    pub found_at: i64,
    pub description: String,
    pub report: ReportStatus,
}

impl Harm {
    /// The case's classification from now on: 机密, whatever it was.
    pub fn sensitivity(&self) -> Sensitivity {
        Sensitivity::Confidential
    }
}

/// Reads `2026-11-29 14:30` (also `2026/11/29 14:30`, `2026年11月29日 14:30`, a `T` between)
/// as China time.
pub fn parse_instant(input: &str) -> Result<i64, Msg> {
    let bad = || {
        Msg::owned(
            format!("“{}”不是有效时间,请写成 2026-11-29 14:30", input.trim()),
            format!(
                "“{}” is not a valid time; write it as 2026-11-29 14:30",
                input.trim()
            ),
        )
    };
    let s = input.trim().replace('T', " ");
    let (day, hm) = s.split_once(' ').ok_or_else(bad)?;
    let date = dates::parse(day).map_err(|_| bad())?;
    let hm = crate::id_number::normalise_digits(hm.trim()).replace('\u{FF1A}', ":");
    let (h, m) = hm.split_once(':').ok_or_else(bad)?;
    let (Ok(h), Ok(m)) = (h.parse::<u8>(), m.parse::<u8>()) else {
        return Err(bad());
    };
    let t = Time::from_hms(h, m, 0).map_err(|_| bad())?;
    Ok(date
        .with_time(t)
        .assume_offset(clock::CHINA)
        .unix_timestamp())
}

fn instant(inv: &mut Invalid, field: &'static str, v: &str, now: i64) -> Option<i64> {
    let t = inv.check(field, parse_instant(v))?;
    if t > now + 60 {
        inv.add(
            field,
            Msg::new("时间不能晚于现在", "the time cannot be in the future"),
        );
        return None;
    }
    Some(t)
}

fn blank(r: &ReportInput) -> bool {
    [&r.reported_at, &r.unit, &r.officer, &r.method]
        .iter()
        .all(|s| s.trim().is_empty())
}

fn check_report(
    inv: &mut Invalid,
    r: &ReportInput,
    found_at: Option<i64>,
    now: i64,
) -> Option<PoliceReport> {
    let at = instant(inv, "reported_at", &r.reported_at, now);
    if let (Some(a), Some(f)) = (at, found_at)
        && a < f
    {
        inv.add(
            "reported_at",
            Msg::new(
                "报案时间不能早于发现时间",
                "the report cannot precede the finding",
            ),
        );
    }
    let unit = inv.check("unit", text::required_line(&r.unit, 100));
    let officer = inv.check("officer", text::name(&r.officer, 50));
    let method = choose(
        inv,
        "method",
        &REPORT_METHODS,
        &r.method,
        ("报案方式", "report method"),
    );
    Some(PoliceReport {
        reported_at: at?,
        unit: unit?,
        officer: officer?,
        method: method?,
    })
}

/// Checks a finding of harm to a child of `age` (under 18; unknown is not refused). `now` is the
/// current instant in Unix seconds.
pub fn validate(input: &HarmInput, age: Option<i32>, now: i64) -> Result<Harm, Invalid> {
    let mut inv = Invalid::new();
    if age.is_some_and(|a| a >= crate::care::CHILD_AGE) {
        inv.add(
            "finding",
            Msg::new(
                "儿童保护记录只适用于未满 18 周岁的儿童(8.3.4)",
                "child protection records are for children under 18 (8.3.4)",
            ),
        );
    }
    let finding = choose(
        &mut inv,
        "finding",
        &FINDINGS,
        &input.finding,
        ("发现情况", "finding"),
    );
    if input.harms.is_empty() {
        inv.add(
            "harms",
            Msg::new("请选择侵害类型", "choose the kind of harm"),
        );
    }
    let mut harms: Vec<&'static str> = input
        .harms
        .iter()
        .filter_map(|h| choose(&mut inv, "harms", &HARMS, h, ("侵害类型", "kind of harm")))
        .collect();
    harms.sort_by_key(|h| HARMS.iter().position(|c| c.0 == *h));
    harms.dedup();
    let found_at = instant(&mut inv, "found_at", &input.found_at, now);
    let description = super::required_notes(&mut inv, "description", &input.description);
    let report = match &input.report {
        Some(r) if !blank(r) => {
            check_report(&mut inv, r, found_at, now).map(ReportStatus::Reported)
        }
        _ => Some(ReportStatus::Unfinished),
    };
    inv.clone().into_result()?;
    Ok(Harm {
        finding: finding.unwrap_or("suspected"),
        harms,
        found_at: found_at.unwrap_or(now),
        description: description.unwrap_or_default(),
        report: report.unwrap_or(ReportStatus::Unfinished),
    })
}

/// Completes an unfinished report of a finding made at `found_at`.
pub fn validate_report(
    input: &ReportInput,
    found_at: i64,
    now: i64,
) -> Result<PoliceReport, Invalid> {
    let mut inv = Invalid::new();
    let r = check_report(&mut inv, input, Some(found_at), now);
    inv.clone().into_result()?;
    r.ok_or(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-29 15:00 China time.
    const NOW: i64 = 1_795_935_600;

    fn report() -> ReportInput {
        ReportInput {
            reported_at: "2026-11-29 14:30".into(),
            unit: "月塘派出所".into(),
            officer: "刘警官".into(),
            method: "拨打 110".into(),
        }
    }

    fn finding(report: Option<ReportInput>) -> HarmInput {
        HarmInput {
            finding: "suspected".into(),
            harms: vec!["physical".into()],
            found_at: "2026-11-29 14:00".into(),
            description: "手臂有多处淤青,孩子说是父亲打的".into(),
            report,
        }
    }

    #[test]
    fn harm_with_the_report_is_confidential_and_reported() {
        let h = validate(&finding(Some(report())), Some(9), NOW).unwrap();
        assert_eq!(h.sensitivity(), Sensitivity::Confidential);
        let ReportStatus::Reported(r) = h.report else {
            panic!("reported");
        };
        assert_eq!(clock::display(r.reported_at), "2026-11-29 14:30");
        assert_eq!(r.method, "call_110");
    }

    #[test]
    fn harm_without_the_report_stands_as_unfinished() {
        let h = validate(&finding(None), Some(9), NOW).unwrap();
        assert_eq!(h.report, ReportStatus::Unfinished);
        assert_eq!(h.sensitivity(), Sensitivity::Confidential);
        let blank = ReportInput::default();
        let h = validate(&finding(Some(blank)), Some(9), NOW).unwrap();
        assert_eq!(h.report, ReportStatus::Unfinished);
    }

    #[test]
    fn a_half_written_report_is_refused_not_dropped() {
        let r = ReportInput {
            unit: "月塘派出所".into(),
            reported_at: "2026-11-29 13:00".into(),
            ..Default::default()
        };
        let err = validate(&finding(Some(r)), Some(9), NOW).unwrap_err();
        assert!(err.message_for("officer").is_some());
        assert!(err.message_for("method").is_some());
        assert!(
            err.message_for("reported_at")
                .unwrap()
                .zh
                .contains("不能早于发现时间")
        );
    }

    #[test]
    fn completing_the_report_later() {
        let at = parse_instant("2026-11-29 14:00").unwrap();
        assert!(validate_report(&report(), at, NOW).is_ok());
        let mut future = report();
        future.reported_at = "2026-11-30 09:00".into();
        let err = validate_report(&future, at, NOW).unwrap_err();
        assert!(err.message_for("reported_at").is_some());
    }

    #[test]
    fn adults_and_bad_findings_are_refused() {
        let mut i = finding(None);
        i.finding = "maybe".into();
        i.harms = vec![];
        let err = validate(&i, Some(30), NOW).unwrap_err();
        assert!(err.message_for("finding").is_some());
        assert!(err.message_for("harms").is_some());
    }

    #[test]
    fn instants_as_people_write_them() {
        let t = parse_instant("2026-11-29 14:30").unwrap();
        for s in [
            "2026/11/29 14:30",
            "2026年11月29日 14:30",
            "2026-11-29T14:30",
            "2026-11-29 14:30",
        ] {
            assert_eq!(parse_instant(s).unwrap(), t, "{s}");
        }
        for s in [
            "2026-11-29",
            "14:30",
            "2026-11-29 25:00",
            "2026-02-30 10:00",
            "",
        ] {
            assert!(parse_instant(s).is_err(), "{s}");
        }
    }
}
