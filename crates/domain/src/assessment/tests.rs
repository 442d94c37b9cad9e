use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use time::macros::date;

fn def(code: &str) -> &'static Definition {
    latest(code).unwrap()
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every item answered with its option at `pick(i)`.
fn all(d: &Definition, pick: impl Fn(usize, &Item) -> usize) -> BTreeMap<String, String> {
    d.items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.code.clone(), item.options[pick(i, item)].code.clone()))
        .collect()
}

fn input(answers: BTreeMap<String, String>) -> AssessmentInput {
    AssessmentInput {
        assessed_on: "2026-08-31".into(),
        answers,
        assessors: vec!["王芳".into(), "李强".into()],
        notes: Some("观察记录".into()),
        referral_to: None,
        supports: vec![],
    }
}

const TODAY: time::Date = date!(2026 - 11 - 29);

#[test]
fn every_shipped_definition_parses_and_is_consistent() {
    let all = definitions();
    assert_eq!(all.len(), FILES.len());
    for d in all {
        assert_eq!(find(&d.code, d.version), Some(d));
        assert!(d.clause.starts_with('8'), "{}", d.code);
        let file = format!("{}.v{}.toml", d.code, d.version);
        assert!(
            FILES.iter().any(|(f, _)| *f == file),
            "{file} named after its code and version"
        );
    }
    assert_eq!(def("barthel").range(), (0, 100));
    assert_eq!(def("lsns6").range(), (0, 30));
    assert_eq!(def("tekun_self_care").range(), (0, 6));
    assert!(latest("phq9").is_none());
}

/// FNV-1a, to notice an edit to a published definition.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn published_definitions_are_never_edited() {
    // Stored assessments are read with the version they were made with. To change an
    // instrument, add `<code>.v<next>.toml` and pin it here; never edit a pinned file.
    let pinned: [(&str, u64); 5] = [
        ("tekun_self_care.v1.toml", 0x5d81d1fc152c4902),
        ("barthel.v1.toml", 0xa99fca02a98c81b2),
        ("lsns6.v1.toml", 0x888d12e894f4c851),
        ("child_safety.v1.toml", 0xfb52d545b4f187c7),
        ("emotional_screening.v1.toml", 0xc97e1eb5dfcee2c4),
    ];
    for (file, text) in FILES {
        let want = pinned.iter().find(|(f, _)| *f == file).map(|p| p.1);
        assert_eq!(Some(fnv(text)), want, "{file} was edited or is not pinned");
    }
}

#[test]
fn tekun_self_care_counts_the_items_not_met() {
    let d = def("tekun_self_care");
    let band = |not_met: usize| {
        let a = all(d, |i, _| usize::from(i < not_met));
        let s = d.score(&a).unwrap();
        assert_eq!(s.score, not_met as i32);
        d.bands[s.band].zh.clone()
    };
    assert_eq!(band(0), "具备生活自理能力");
    assert_eq!(band(1), "部分丧失生活自理能力");
    assert_eq!(band(3), "部分丧失生活自理能力");
    assert_eq!(band(4), "完全丧失生活自理能力");
    assert_eq!(band(6), "完全丧失生活自理能力");
    // Answers may be given as worded.
    let a = answers(&[
        ("eating", "不能"),
        ("dressing", "能"),
        ("bed", "能"),
        ("toilet", "能"),
        ("walking", "能"),
        ("bathing", "能"),
    ]);
    assert_eq!(d.score(&a).unwrap().score, 1);
}

fn barthel(points: [&str; 10]) -> BTreeMap<String, String> {
    let d = def("barthel");
    d.items
        .iter()
        .zip(points)
        .map(|(i, p)| (i.code.clone(), p.to_string()))
        .collect()
}

#[test]
fn barthel_scores_and_bands_as_mz_t_039() {
    let d = def("barthel");
    for (points, score, band) in [
        (
            ["10", "5", "5", "10", "10", "10", "10", "15", "15", "10"],
            100,
            "能力完好",
        ),
        (
            ["10", "5", "5", "10", "10", "10", "10", "15", "15", "5"],
            95,
            "轻度受损",
        ),
        (
            ["5", "0", "5", "5", "10", "5", "5", "10", "10", "0"],
            55,
            "中度受损",
        ),
        (
            ["5", "5", "0", "5", "5", "5", "5", "5", "5", "0"],
            40,
            "重度受损",
        ),
    ] {
        let s = d.score(&barthel(points)).unwrap();
        assert_eq!((s.score, d.bands[s.band].zh.as_str()), (score, band));
    }
}

#[test]
fn answers_out_of_range_name_the_item() {
    let d = def("barthel");
    let mut a = barthel(["7", "5", "5", "10", "10", "10", "10", "15", "15", "10"]);
    a.remove("stairs");
    a.insert("hearing".into(), "10".into());
    let err = d.score(&a).unwrap_err();
    let msgs: Vec<&str> = err.errors.iter().map(|e| e.message.zh.as_ref()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("“进食”的答案“7”无效") && m.contains("10(可独立进食)")),
        "{msgs:?}"
    );
    assert!(msgs.contains(&"“上下楼梯”未作答"), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("hearing")), "{msgs:?}");
}

#[test]
fn barthel_needs_two_different_assessors_and_is_due_again_in_six_months() {
    let d = def("barthel");
    let a = barthel(["10", "5", "5", "10", "10", "10", "10", "15", "15", "10"]);
    let mut i = input(a);
    let ok = validate(d, &i, TODAY).unwrap();
    assert_eq!(ok.next_due, Some(date!(2027 - 02 - 28)));
    assert_eq!(
        (ok.code.as_str(), ok.version, ok.band.as_str()),
        ("barthel", 1, "intact")
    );
    i.assessors = vec!["王芳".into(), " 王芳 ".into()];
    let err = validate(d, &i, TODAY).unwrap_err();
    assert!(
        err.message_for("assessors")
            .unwrap()
            .zh
            .contains("2 名不同的评估人")
    );
    i.assessors = vec!["王芳".into()];
    assert!(validate(d, &i, TODAY).is_err());
    // One assessor is enough where the rule asks for one.
    let t = def("tekun_self_care");
    let mut ti = input(all(t, |_, _| 0));
    ti.assessors = vec!["王芳".into()];
    assert!(validate(t, &ti, TODAY).is_ok());
    assert_eq!(t.next_due(TODAY), None);
}

#[test]
fn barthel_bands_are_configurable_and_checked() {
    let d = def("barthel");
    let band = |code: &str, min, max| Band {
        code: code.into(),
        zh: code.into(),
        en: code.into(),
        min: Some(min),
        max: Some(max),
        referral: false,
    };
    let other = d
        .with_bands(
            vec![
                band("severe", 0, 40),
                band("moderate", 41, 60),
                band("mild", 61, 99),
                band("intact", 100, 100),
            ],
            "地方评估细则",
        )
        .unwrap();
    let s = other
        .score(&barthel([
            "10", "5", "5", "10", "10", "10", "10", "15", "15", "5",
        ]))
        .unwrap();
    assert_eq!(other.bands[s.band].code, "mild");
    assert!(other.source.contains("地方评估细则"));
    let gap = d
        .with_bands(vec![band("a", 0, 40), band("b", 50, 100)], "x")
        .unwrap_err();
    assert!(
        gap.message_for("bands")
            .unwrap()
            .zh
            .contains("45 分不在任何分级内")
    );
    let overlap = d
        .with_bands(vec![band("a", 0, 60), band("b", 60, 100)], "x")
        .unwrap_err();
    assert!(overlap.message_for("bands").unwrap().zh.contains("重叠"));
    assert!(
        d.with_bands(vec![band("a", 0, 100)], " ").is_err(),
        "the source is required"
    );
    let fixed = def("tekun_self_care")
        .with_bands(vec![band("a", 0, 6)], "x")
        .unwrap_err();
    assert!(fixed.message_for("bands").unwrap().zh.contains("不可更改"));
}

#[test]
fn lsns6_below_12_is_at_risk_and_supports_are_listed() {
    let d = def("lsns6");
    let s = d.score(&all(d, |_, _| 2)).unwrap();
    assert_eq!((s.score, d.bands[s.band].code.as_str()), (12, "connected"));
    let s = d.score(&all(d, |i, _| if i == 0 { 1 } else { 2 })).unwrap();
    assert_eq!((s.score, d.bands[s.band].code.as_str()), (11, "at_risk"));
    let mut i = input(all(d, |_, _| 2));
    i.supports = vec![
        SupportInput {
            kind: "formal".into(),
            source: "村委会".into(),
            what: Some("每月探访".into()),
        },
        SupportInput {
            kind: "家人".into(),
            source: "".into(),
            what: None,
        },
    ];
    let err = validate(d, &i, TODAY).unwrap_err();
    assert_eq!(
        err.errors.iter().filter(|e| e.field == "supports").count(),
        2
    );
    i.supports.pop();
    assert_eq!(validate(d, &i, TODAY).unwrap().supports[0].kind, "formal");
}

#[test]
fn signs_of_harm_make_the_child_check_high_risk_and_call_for_a_referral() {
    let d = def("child_safety");
    let mut a = all(d, |_, _| 0);
    assert_eq!(d.bands[d.score(&a).unwrap().band].code, "low");
    a.insert("harm_signs".into(), "yes".into());
    let s = d.score(&a).unwrap();
    assert_eq!((s.score, d.bands[s.band].code.as_str()), (1, "high"));
    let mut i = input(a);
    let err = validate(d, &i, TODAY).unwrap_err();
    assert!(
        err.message_for("referral_to")
            .unwrap()
            .zh
            .contains("高风险")
    );
    i.referral_to = Some("区未成年人救助保护中心".into());
    assert_eq!(validate(d, &i, TODAY).unwrap().band, "high");
}

#[test]
fn the_screening_note_refers_any_sign_and_self_harm_at_once() {
    let d = def("emotional_screening");
    let mut i = input(all(d, |_, _| 0));
    i.notes = None;
    let err = validate(d, &i, TODAY).unwrap_err();
    assert!(err.message_for("notes").is_some());
    assert!(
        err.message_for("referral_to").is_none(),
        "no sign, no referral"
    );
    i.notes = Some("精神尚好".into());
    assert_eq!(validate(d, &i, TODAY).unwrap().band, "none");
    i.answers.insert("low_mood".into(), "有".into());
    assert!(
        validate(d, &i, TODAY)
            .unwrap_err()
            .message_for("referral_to")
            .is_some()
    );
    i.answers.insert("self_harm".into(), "yes".into());
    i.referral_to = Some("市第二人民医院心理科".into());
    assert_eq!(validate(d, &i, TODAY).unwrap().band, "urgent");
}

#[test]
fn a_future_date_and_every_other_problem_at_once() {
    let d = def("barthel");
    let i = AssessmentInput {
        assessed_on: "2026-12-01".into(),
        ..Default::default()
    };
    let err = validate(d, &i, TODAY).unwrap_err();
    assert!(err.message_for("assessed_on").is_some());
    assert!(err.message_for("assessors").is_some());
    assert_eq!(
        err.errors.iter().filter(|e| e.field == "answers").count(),
        10
    );
}

fn any_answers() -> impl Strategy<Value = (&'static Definition, Vec<usize>)> {
    (0..definitions().len()).prop_flat_map(|k| {
        let d = &definitions()[k];
        let picks: Vec<_> = d.items.iter().map(|i| 0..i.options.len()).collect();
        (Just(d), picks)
    })
}

fn raises(d: &Definition, picks: &[usize]) -> bool {
    d.items
        .iter()
        .zip(picks)
        .any(|(i, p)| i.options[*p].raises_to.is_some())
}

proptest! {
    #[test]
    fn scores_stay_within_the_range_and_land_in_their_band((d, picks) in any_answers()) {
        let s = d.score(&all(d, |i, _| picks[i])).unwrap();
        let (lo, hi) = d.range();
        prop_assert!(lo <= s.score && s.score <= hi);
        prop_assert!(d.reachable().contains(&s.score));
        let by_score = d.band_for(s.score).unwrap();
        if raises(d, &picks) {
            prop_assert!(s.band >= by_score);
        } else {
            prop_assert_eq!(s.band, by_score);
        }
    }

    #[test]
    fn the_band_never_falls_as_the_score_rises((d, a) in any_answers(), b in prop::collection::vec(0usize..6, 10)) {
        let b: Vec<usize> = d.items.iter().enumerate().map(|(i, it)| b[i % b.len()] % it.options.len()).collect();
        prop_assume!(!raises(d, &a) && !raises(d, &b));
        let sa = d.score(&all(d, |i, _| a[i])).unwrap();
        let sb = d.score(&all(d, |i, _| b[i])).unwrap();
        if sa.score <= sb.score {
            prop_assert!(sa.band <= sb.band);
        } else {
            prop_assert!(sa.band >= sb.band);
        }
    }

    #[test]
    fn an_answer_not_offered_is_refused_naming_the_item(
        (d, picks) in any_answers(), item in 0usize..10, bad in "[0-9a-z]{1,3}|\\PC{1,4}"
    ) {
        let it = &d.items[item % d.items.len()];
        prop_assume!(!it.options.iter().any(|o| o.code == bad.trim() || o.zh == bad.trim()) && !bad.trim().is_empty());
        let mut a = all(d, |i, _| picks[i]);
        a.insert(it.code.clone(), bad.clone());
        let err = d.score(&a).unwrap_err();
        let named = format!("“{}”", it.zh);
        prop_assert!(err.errors.iter().any(|e| e.message.zh.contains(&named)), "{err}");
    }

    #[test]
    fn next_due_is_months_later_on_the_same_or_last_day(y in 2000i32..2100, m in 1u8..=12, day in 1u8..=31) {
        let month = time::Month::try_from(m).unwrap();
        prop_assume!(day <= month.length(y));
        let on = time::Date::from_calendar_date(y, month, day).unwrap();
        let due = def("barthel").next_due(on).unwrap();
        prop_assert!(due > on);
        let months = (due.year() - on.year()) * 12 + i32::from(u8::from(due.month())) - i32::from(m);
        prop_assert_eq!(months, 6);
        prop_assert!(due.day() == day || due.day() == due.month().length(due.year()));
    }
}
