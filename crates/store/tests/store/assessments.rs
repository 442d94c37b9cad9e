//! Standard assessments (issue 4 point 4): kept with their definition's version, score and band;
//! a person's assessments over time; re-assessments due (Barthel every 6 months, 8.2.3.1).

use super::care::{actor, add, day, seed, viewer};
use shegong_domain::assessment::{self, AssessmentInput};
use shegong_domain::dates;
use shegong_store::assessments::{self as store, DueFilter};
use shegong_store::db_test;
use shegong_store::persons;
use shegong_store::query::Page;
use shegong_store::testing::TestDb;

/// A Barthel assessment on `on` with every item at the answer of index `pick`.
fn barthel(t: &TestDb, uid: i64, id: i64, on: time::Date, pick: usize) -> i64 {
    let d = assessment::latest("barthel").unwrap();
    let input = AssessmentInput {
        assessed_on: dates::iso(on),
        answers: d
            .items
            .iter()
            .map(|i| {
                (
                    i.code.clone(),
                    i.options[pick.min(i.options.len() - 1)].code.clone(),
                )
            })
            .collect(),
        assessors: vec!["王芳".into(), "李强".into()],
        ..Default::default()
    };
    let a = assessment::validate(d, &input, day(0)).unwrap();
    t.db.write(|c| store::record(c, id, &a, &actor(uid), 5))
        .unwrap()
}

db_test!(fn assessments_are_kept_over_time_and_the_last_one_sets_the_due_date(t) {
    let (w, wb) = seed(t);
    let a = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    let b = add(t, w, "430202001", "李爷爷", "1940-03-01", "ordinary");
    let hidden = add(t, w, "430202001", "赵奶奶", "1940-03-01", "confidential");
    let other = add(t, w, "430202002", "钱爷爷", "1940-03-01", "ordinary");
    // a: 7 months ago (overdue alone), then 2 months ago: no longer due.
    barthel(t, w, a, day(-213), 0);
    let last = barthel(t, w, a, day(-61), 1);
    // b: 170 days ago → due within 30 days; hidden and other: long overdue.
    barthel(t, w, b, day(-170), 2);
    barthel(t, w, hidden, day(-300), 0);
    barthel(t, w, other, day(-300), 0);
    let v = viewer(w, "430202001", false);
    let mine = t.db.read(|c| store::of_person(c, &v, a)).unwrap();
    assert_eq!(mine.iter().map(|r| r.score).collect::<Vec<_>>(), [100, 50], "oldest first");
    let r = &mine[1];
    assert_eq!((r.id, r.code.as_str(), r.version, r.band.as_str()), (last, "barthel", 1, "moderate"));
    assert_eq!(r.answers.len(), 10);
    assert_eq!(r.answers[0].item, "feeding");
    assert_eq!(r.answers[0].points, 5);
    assert_eq!(r.assessors, ["王芳", "李强"]);
    assert_eq!(r.recorded_by, "worker");
    let d = assessment::latest("barthel").unwrap();
    assert_eq!(r.next_due.as_deref(), Some(dates::iso(d.next_due(day(-61)).unwrap()).as_str()));
    // Out of scope: the other station's person shows nothing.
    assert!(t.db.read(|c| store::of_person(c, &v, other)).unwrap().is_empty());
    // Due list: hidden (assigned to w as its creator) and b; a's last assessment is recent.
    let all = t.db.read(|c| store::due(c, &v, DueFilter::All, day(0), Page::default())).unwrap();
    assert_eq!(all.items.iter().map(|r| r.person_id).collect::<Vec<_>>(), [hidden, b]);
    let overdue = t.db.read(|c| store::due(c, &v, DueFilter::Overdue, day(0), Page::default())).unwrap();
    assert_eq!((overdue.total, overdue.items[0].person_id), (1, hidden));
    let soon = t.db.read(|c| store::due(c, &v, DueFilter::Soon, day(0), Page::default())).unwrap();
    assert_eq!((soon.total, soon.items[0].person_id), (1, b));
    // A colleague not assigned does not see the confidential person, in either query.
    let colleague = viewer(wb, "430202001", false);
    let l = t.db.read(|c| store::due(c, &colleague, DueFilter::All, day(0), Page::default())).unwrap();
    assert_eq!((l.total, l.items[0].person_id), (1, b));
    assert!(t.db.read(|c| store::of_person(c, &colleague, hidden)).unwrap().is_empty());
    // The head of the station sees it; paging keeps the total.
    let head = viewer(wb, "430202001", true);
    let p = t.db.read(|c| store::due(c, &head, DueFilter::All, day(0), Page::new(Some(2), Some(1)))).unwrap();
    assert_eq!((p.total, p.items.len()), (2, 1));
    // An older assessment recorded late does not bring back a due date.
    barthel(t, w, a, day(-400), 0);
    assert_eq!(t.db.read(|c| store::due(c, &v, DueFilter::All, day(0), Page::default())).unwrap().total, 2);
    // The timeline names the instrument, score and band.
    let tl = t.db.read(|c| persons::timeline(c, &v, a)).unwrap();
    assert!(tl.iter().any(|e| e.kind == "assessment" && e.summary.contains("50 分") && e.summary.contains("中度受损")));
});

db_test!(fn merged_records_take_their_assessments_along(t) {
    let (w, _) = seed(t);
    let a = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    let b = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    barthel(t, w, a, day(-10), 0);
    t.db.write(|c| store::move_records(c, a, b)).unwrap();
    let v = viewer(w, "430202001", false);
    assert!(t.db.read(|c| store::of_person(c, &v, a)).unwrap().is_empty());
    assert_eq!(t.db.read(|c| store::of_person(c, &v, b)).unwrap().len(), 1);
});
