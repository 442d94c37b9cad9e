use super::*;
use proptest::prelude::*;
use time::macros::date;

fn all(list: &Checklist, s: i64) -> Vec<(String, i64)> {
    list.items.iter().map(|i| (i.code.to_string(), s)).collect()
}

#[test]
fn the_system_sums_the_scores_and_grades_them() {
    let l = latest();
    let full = score(l, &all(l, 2)).unwrap();
    assert_eq!((full.total, full.max, full.percent()), (16, 16, 100));
    assert_eq!(full.grade().zh, "优秀");
    let mut half = all(l, 1);
    half[0].1 = 2;
    let s = score(l, &half).unwrap();
    assert_eq!(s.total, 9);
    assert_eq!(s.grade().zh, "不合格");
    assert_eq!(grade(75).zh, "良好");
    assert_eq!(grade(60).zh, "合格");
}

#[test]
fn every_item_once_and_nothing_else() {
    let l = latest();
    let mut g = all(l, 2);
    g.pop();
    assert!(
        score(l, &g)
            .unwrap_err()
            .message_for("scores")
            .unwrap()
            .zh
            .contains("缺")
    );
    let mut g = all(l, 2);
    g.push(("intake".into(), 1));
    assert!(score(l, &g).is_err());
    let mut g = all(l, 2);
    g.push(("vibes".into(), 1));
    assert!(score(l, &g).is_err());
}

#[test]
fn checklists_are_versioned_with_unique_items() {
    assert_eq!(checklist(1).map(|c| c.version), Some(1));
    assert!(checklist(99).is_none());
    for c in CHECKLISTS {
        let mut codes: Vec<&str> = c.items.iter().map(|i| i.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), c.items.len());
    }
}

#[test]
fn the_file_suggests_what_it_proves() {
    let e = Evidence {
        intake_complete: true,
        needs: true,
        plan: false,
        services: 0,
        evaluation: true,
        closing: true,
        consent: true,
    };
    let s = suggested(latest(), &e);
    assert!(s.contains(&("plan", Some(0))));
    assert!(s.contains(&("services", Some(0))));
    assert!(s.contains(&("confidentiality", None)));
    let s = suggested(latest(), &Evidence { services: 3, ..e });
    assert!(s.contains(&("services", None)));
}

#[test]
fn a_review_needs_a_period_and_one_size() {
    let today = date!(2026 - 11 - 29);
    let ok = ReviewInput {
        from: "2026-01-01".into(),
        to: "2026-11-29".into(),
        percent: Some(10),
        ..Default::default()
    };
    assert_eq!(
        validate_review(&ok, today).unwrap().size,
        SampleSize::Percent(10)
    );
    let both = ReviewInput {
        count: Some(5),
        ..ok.clone()
    };
    assert!(validate_review(&both, today).is_err());
    let backwards = ReviewInput {
        from: "2026-11-01".into(),
        to: "2026-10-01".into(),
        ..ok.clone()
    };
    assert!(
        validate_review(&backwards, today)
            .unwrap_err()
            .message_for("to")
            .is_some()
    );
    let huge = ReviewInput {
        percent: Some(101),
        ..ok
    };
    assert!(validate_review(&huge, today).is_err());
}

#[test]
fn actions_are_due_after_the_review_and_finished_once() {
    let on = date!(2026 - 11 - 29);
    let a = ActionInput {
        description: "补齐知情同意书".into(),
        owner: Some(7),
        due_on: "2026-12-31".into(),
    };
    assert_eq!(validate_action(&a, on).unwrap().owner, 7);
    let early = ActionInput {
        due_on: "2026-11-28".into(),
        ..a.clone()
    };
    assert!(
        validate_action(&early, on)
            .unwrap_err()
            .message_for("due_on")
            .is_some()
    );
    let bad = ActionInput {
        description: " ".into(),
        owner: None,
        due_on: "2026-13-01".into(),
    };
    let e = validate_action(&bad, on).unwrap_err();
    assert!(e.message_for("description").is_some() && e.message_for("owner").is_some());
    assert!(finish_action(None, "已补齐").is_ok());
    assert!(matches!(finish_action(None, ""), Err(Refused::Invalid(_))));
    assert!(matches!(
        finish_action(Some("2026-12-01"), "again"),
        Err(Refused::State(_))
    ));
    assert!(overdue("2026-11-28", false, on));
    assert!(!overdue("2026-11-28", true, on));
    assert!(!overdue("2026-11-29", false, on));
}

#[test]
fn sample_sizes() {
    assert_eq!(SampleSize::Percent(10).of(31), 4);
    assert_eq!(SampleSize::Percent(1).of(5), 1);
    assert_eq!(SampleSize::Count(10).of(3), 3);
    assert_eq!(SampleSize::Count(10).of(0), 0);
}

#[test]
fn a_recorded_seed_draws_the_same_sample_again() {
    // Pinned: an audit years later must get this very draw.
    assert_eq!(
        draw(&[5, 1, 4, 2, 3], SampleSize::Count(2), 42),
        draw(&[1, 2, 3, 4, 5], SampleSize::Count(2), 42)
    );
    let a = draw(&(1..=100).collect::<Vec<_>>(), SampleSize::Count(5), 2026);
    assert_eq!(a.len(), 5);
    assert_ne!(
        a,
        draw(&(1..=100).collect::<Vec<_>>(), SampleSize::Count(5), 2027)
    );
}

proptest! {
    #[test]
    fn a_draw_is_a_reproducible_subset(
        pop in proptest::collection::vec(1i64..10_000, 0..300),
        n in 1u32..250,
        seed in any::<u64>(),
    ) {
        let s = draw(&pop, SampleSize::Count(n), seed);
        let mut distinct = pop.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(s.len(), (n as usize).min(distinct.len()));
        prop_assert!(s.iter().all(|id| pop.contains(id)));
        let mut d = s.clone();
        d.sort_unstable();
        d.dedup();
        prop_assert_eq!(d.len(), s.len());
        let mut reversed = pop.clone();
        reversed.reverse();
        prop_assert_eq!(draw(&reversed, SampleSize::Count(n), seed), s);
    }

    #[test]
    fn scores_outside_zero_to_two_are_refused(bad in any::<i64>()) {
        let l = latest();
        let mut g = all(l, 1);
        g[3].1 = bad;
        prop_assert_eq!(score(l, &g).is_ok(), (0..=2).contains(&bad));
    }
}

#[test]
fn satisfaction_is_read_from_the_evaluation_and_summed() {
    assert_eq!(satisfaction("满意"), Some("4"));
    assert_eq!(satisfaction("5"), Some("5"));
    assert_eq!(satisfaction("??"), None);
    let (counts, share) = satisfaction_summary(&["5", "4", "2", "none"]);
    assert_eq!(counts[0], ("5", 1));
    assert_eq!(share, Some(66));
    assert_eq!(satisfaction_summary(&["none"]).1, None);
}

#[test]
fn a_review_completes_once_every_case_is_scored() {
    assert!(may_score(false).is_ok());
    assert!(may_score(true).is_err());
    assert!(may_complete(false, 3, 3).is_ok());
    assert!(may_complete(false, 2, 3).unwrap_err().zh.contains("1 个"));
    assert!(may_complete(true, 3, 3).is_err());
}
