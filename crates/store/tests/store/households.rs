use super::*;
use shegong_domain::dates;
use shegong_domain::household::{
    self as dh, AmountInput, CommunityInput, HouseholdInput, InvestigationInput, MemberInput,
    ReviewInput,
};
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, PersonInput};
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::households::{self as hs, Added, DueFilter};
use shegong_store::persons::{self, Viewer};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::{StoreError, communities, db_test};

fn viewer(codes: &[&str]) -> Viewer {
    Viewer {
        user_id: 1,
        scope: Scope::new(codes.iter().map(|c| OrgCode::parse(c).unwrap()).collect()),
        all_confidential: true,
    }
}

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "worker".into(),
        ip: "t".into(),
    }
}

fn add_person(t: &TestDb, name: &str, org: &str) -> i64 {
    let f = person::validate(
        &PersonInput {
            name: name.into(),
            ..Default::default()
        },
        dates::today(),
        &|_| false,
    )
    .unwrap();
    let org = org.to_string();
    t.db.write(move |c| persons::create(c, &t.keys, &f, &org, &actor(), 100))
        .unwrap()
}

fn new_household(t: &TestDb, org: &str) -> i64 {
    let f = dh::validate_household(&HouseholdInput {
        address: Some("文化路 1 号".into()),
        ..Default::default()
    })
    .unwrap();
    let org = org.to_string();
    t.db.write(move |c| hs::create(c, &org, &f, 100)).unwrap()
}

fn day(offset: i64) -> String {
    dates::iso(dates::today() + time::Duration::days(offset))
}

db_test!(fn members_heads_and_search(t) {
    load_hetang(&t.db);
    let v = viewer(&["430202001"]);
    let a = add_person(t, "王建国", "430202001001");
    let b = add_person(t, "李秀英", "430202001002");
    let far = add_person(t, "外站人", "430202002002");
    let id = new_household(t, "430202001001");
    let v2 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        assert_eq!(hs::add_member(c, &v2, &hh, a, "head", &actor(), 1)?, Added::New);
        let hh = hs::get(c, &v2.scope, id)?;
        assert_eq!(hs::add_member(c, &v2, &hh, b, "spouse", &actor(), 1)?, Added::New);
        assert_eq!(hs::add_member(c, &v2, &hh, b, "spouse", &actor(), 1)?, Added::Unchanged);
        assert_eq!(hs::add_member(c, &v2, &hh, b, "child", &actor(), 1)?, Added::RelationChanged);
        // Out of the viewer's scope: not found; another household: conflict.
        assert!(matches!(hs::add_member(c, &v2, &hh, far, "child", &actor(), 1), Err(StoreError::NotFound)));
        Ok(())
    })
    .unwrap();
    let other = new_household(t, "430202001");
    let v3 = v.clone();
    let r = t.db.write(move |c| {
        let hh = hs::get(c, &v3.scope, other)?;
        hs::add_member(c, &v3, &hh, a, "head", &actor(), 1)
    });
    assert!(matches!(r, Err(StoreError::Conflict(_))));
    let (hh, members, list, by_name, of_b) = t.db.read(|c| {
        Ok((
            hs::get(c, &v.scope, id)?,
            hs::members(c, &v, id)?,
            hs::list(c, &v, None, Page::default())?,
            hs::list(c, &v, Some("建国"), Page::default())?,
            hs::household_of(c, &v, b)?,
        ))
    }).unwrap();
    assert_eq!(hh.head_person_id, Some(a));
    assert_eq!(members.iter().map(|m| (m.person_id, m.relation_code())).collect::<Vec<_>>(), [(a, "head"), (b, "child")]);
    assert_eq!(list.total, 2);
    assert_eq!(by_name.total, 1);
    assert_eq!(by_name.items[0].head_name.as_deref(), Some("王建国"));
    assert_eq!(by_name.items[0].member_count, 2);
    assert_eq!(of_b, Some(id));
    // Another station sees nothing of it.
    let v2 = viewer(&["430202002"]);
    let r = t.db.read(move |c| hs::get(c, &v2.scope, id));
    assert!(matches!(r, Err(StoreError::NotFound)));
    let v2 = viewer(&["430202002"]);
    assert_eq!(t.db.read(move |c| hs::list(c, &v2, None, Page::default())).unwrap().total, 0);
    // Removing the head clears it.
    let v4 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v4.scope, id)?;
        hs::remove_member(c, &v4, &hh, a, &actor(), 2)
    }).unwrap();
    let hh = t.db.read(move |c| hs::get(c, &v.scope, id)).unwrap();
    assert_eq!(hh.head_person_id, None);
});

db_test!(fn investigations_and_reviews_due(t) {
    load_hetang(&t.db);
    let v = viewer(&["430202001"]);
    let a = add_person(t, "王建国", "430202001001");
    let id = new_household(t, "430202001001");
    let late = new_household(t, "430202001002");
    let input = InvestigationInput {
        date: day(0),
        investigators: vec!["张三".into(), "李四".into()],
        members: vec![MemberInput { person_id: a, hukou: Some("rural".into()), ..Default::default() }],
        incomes: vec![("pension".into(), AmountInput::Fen(1_000_000))],
        signed: true,
        ..Default::default()
    };
    let i = dh::validate_investigation(&input, dates::today(), &[a]).unwrap();
    let v2 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::add_member(c, &v2, &hh, a, "head", &actor(), 1)?;
        hs::add_investigation(c, &hh, &i, &actor(), 2)?;
        let review = |cat: &str, on: i64, next: i64| dh::validate_review(&ReviewInput {
            category: cat.into(), reviewed_on: day(on), result: "continue".into(), next_due: Some(day(next)), notes: None,
        }, dates::today()).unwrap();
        hs::add_review(c, &hh, &review("dibao", -300, 20), &actor(), 3)?;
        let late_hh = hs::get(c, &v2.scope, late)?;
        hs::add_review(c, &late_hh, &review("tekun", -400, -1), &actor(), 3)?;
        hs::add_review(c, &late_hh, &review("dibao", -10, 200), &actor(), 3)?;
        Ok(())
    }).unwrap();
    let v3 = v.clone();
    let (inv, due, overdue, all, timeline) = t.db.read(move |c| {
        let today = dates::today();
        Ok((
            hs::investigations(c, id)?,
            hs::reviews_due(c, &v3, DueFilter::Soon, today, Page::default())?,
            hs::reviews_due(c, &v3, DueFilter::Overdue, today, Page::default())?,
            hs::reviews_due(c, &v3, DueFilter::All, today, Page::default())?,
            persons::timeline(c, &v3, a)?,
        ))
    }).unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].per_capita_monthly_fen, 83_333, "10,000 元 ÷ 12");
    assert_eq!(inv[0].members[0].hukou, "rural");
    assert_eq!(due.total, 1);
    assert_eq!(due.items[0].review.household_id, id);
    assert_eq!(due.items[0].head_name.as_deref(), Some("王建国"));
    assert_eq!(overdue.total, 1);
    assert_eq!(overdue.items[0].review.category, "tekun");
    assert_eq!(all.total, 2);
    let kinds: Vec<_> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"household.investigation") && kinds.contains(&"household.review"));
    let v4 = viewer(&["430203"]);
    let none = t.db.read(move |c| hs::reviews_due(c, &v4, DueFilter::All, dates::today(), Page::default())).unwrap();
    assert_eq!(none.total, 0);
});

db_test!(fn community_profiles_keep_versions(t) {
    load_hetang(&t.db);
    let scope = Scope::new(vec![OrgCode::parse("430202001").unwrap()]);
    let f1 = dh::validate_community(&CommunityInput { history: Some("始建于 1958 年".into()), sources: Some("村志".into()), ..Default::default() }).unwrap();
    let f2 = dh::validate_community(&CommunityInput { history: Some("始建于 1958 年".into()), culture: Some("花鼓戏".into()), sources: Some("村志".into()), ..Default::default() }).unwrap();
    let s = scope.clone();
    let (v1, v2, same, stale) = t.db.write(move |c| {
        let v1 = communities::save(c, &s, "430202001001", &f1, None, &actor(), 1)?;
        let v2 = communities::save(c, &s, "430202001001", &f2, Some(1), &actor(), 2)?;
        let same = communities::save(c, &s, "430202001001", &f2, Some(2), &actor(), 3)?;
        let stale = communities::save(c, &s, "430202001001", &f1, Some(1), &actor(), 4).is_err();
        Ok((v1, v2, same, stale))
    }).unwrap();
    assert_eq!((v1, v2, same), ((1, true), (2, true), (2, false)));
    assert!(stale);
    let s = scope.clone();
    let (p, versions, list) = t.db.read(move |c| Ok((
        communities::get(c, &s, "430202001001")?,
        communities::versions(c, &s, "430202001001")?,
        communities::list(c, &s, None, Page::default())?,
    ))).unwrap();
    assert_eq!(p.unwrap().culture, "花鼓戏");
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(versions[1].culture, "");
    assert!(list.items.iter().any(|e| e.code == "430202001001" && e.version == Some(2)));
    assert!(list.items.iter().all(|e| e.code.len() == 12));
    // A station, or a village elsewhere, is not a community of this scope.
    let s = scope.clone();
    assert!(matches!(t.db.read(move |c| communities::get(c, &s, "430202001")), Err(StoreError::NotFound)));
    assert!(matches!(t.db.read(move |c| communities::get(c, &scope, "430202002002")), Err(StoreError::NotFound)));
});

fn review_input(cat: &str, on: i64, next: i64) -> dh::Review {
    dh::validate_review(
        &ReviewInput {
            category: cat.into(),
            reviewed_on: day(on),
            result: "continue".into(),
            next_due: Some(day(next)),
            notes: None,
        },
        dates::today(),
    )
    .unwrap()
}

fn due_ids(t: &TestDb, v: &Viewer, which: DueFilter) -> Vec<i64> {
    let v = v.clone();
    t.db.read(move |c| hs::reviews_due(c, &v, which, dates::today(), Page::default()))
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.review.id)
        .collect()
}

fn history_of(t: &TestDb, v: &Viewer, person: i64) -> Vec<persons::HistoryRow> {
    let v = v.clone();
    t.db.read(move |c| persons::history(c, &v, person)).unwrap()
}

// 8.1.1.2: correcting or deleting a review recomputes which review of the category is due; a
// deleted review stays in the table and in the members' history.
db_test!(fn review_corrections_recompute_what_is_due(t) {
    load_hetang(&t.db);
    let v = viewer(&["430202001"]);
    let a = add_person(t, "王建国", "430202001001");
    let id = new_household(t, "430202001001");
    let v2 = v.clone();
    let (older, newer) = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::add_member(c, &v2, &hh, a, "head", &actor(), 1)?;
        let older = hs::add_review(c, &hh, &review_input("dibao", -400, -30), &actor(), 2)?;
        let newer = hs::add_review(c, &hh, &review_input("dibao", -10, 20), &actor(), 3)?;
        Ok((older, newer))
    }).unwrap();
    assert_eq!(due_ids(t, &v, DueFilter::All), [newer]);
    // Deleting the latest review: the one before it is current again, and overdue.
    let v2 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::delete_review(c, &hh, newer, "重复录入", &actor(), 4)
    }).unwrap();
    assert_eq!(due_ids(t, &v, DueFilter::Overdue), [older]);
    assert!(t.db.read(move |c| hs::reviews(c, id)).unwrap().iter().all(|r| r.id != newer));
    let kept: i64 = t.db.read(move |c| {
        use diesel::prelude::*;
        use shegong_store::households::assistance_reviews::dsl;
        Ok(dsl::assistance_reviews.filter(dsl::id.eq(newer)).filter(dsl::deleted_at.is_not_null()).count().get_result(c)?)
    }).unwrap();
    assert_eq!(kept, 1, "a deleted review stays in the database");
    let h = history_of(t, &v, a);
    let del = h.iter().find(|r| r.field == format!("review:{newer}.deleted")).expect("deletion in history");
    assert_eq!((del.new_value.as_deref(), del.reason.as_deref()), (Some("已删除"), Some("重复录入")));
    assert!(h.iter().any(|r| r.field == format!("review:{newer}.next_due") && r.old_value == Some(day(20)) && r.new_value.is_none()));
    // A deleted review can be neither corrected nor deleted again.
    let v2 = v.clone();
    let again = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::update_review(c, &hh, newer, &review_input("dibao", -10, 20), "x", &actor(), 5)
    });
    assert!(matches!(again, Err(StoreError::NotFound)));
    // Correcting the next due date moves the review off the overdue list; the change is in the history.
    let v2 = v.clone();
    let changed = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::update_review(c, &hh, older, &review_input("dibao", -400, 10), "日期填错", &actor(), 6)
    }).unwrap();
    assert_eq!(changed, [format!("review:{older}.next_due")]);
    assert!(due_ids(t, &v, DueFilter::Overdue).is_empty());
    assert_eq!(due_ids(t, &v, DueFilter::Soon), [older]);
    let row = history_of(t, &v, a).into_iter().find(|r| r.field == format!("review:{older}.next_due") && r.reason.as_deref() == Some("日期填错")).unwrap();
    assert_eq!((row.old_value, row.new_value), (Some(day(-30)), Some(day(10))));
    // A review of another household is not found through this one.
    let other = new_household(t, "430202001001");
    let v2 = v.clone();
    let wrong = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, other)?;
        hs::delete_review(c, &hh, older, "x", &actor(), 7)
    });
    assert!(matches!(wrong, Err(StoreError::NotFound)));
    // Moving the review to another category: both categories' current reviews are recomputed.
    let v2 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::update_review(c, &hh, older, &review_input("tekun", -400, 10), "类别填错", &actor(), 8)
    }).unwrap();
    let current: Vec<(String, bool)> = t.db.read(move |c| hs::reviews(c, id)).unwrap().into_iter().map(|r| (r.category, r.superseded)).collect();
    assert_eq!(current, [("tekun".to_string(), false)]);
});

// 8.1.1.1: an investigation can be corrected (per-capita income recomputed) and deleted; both go
// to the investigated members' history with the reason, and the record stays in the database.
db_test!(fn investigations_are_corrected_and_deleted_with_a_reason(t) {
    load_hetang(&t.db);
    let v = viewer(&["430202001"]);
    let a = add_person(t, "王建国", "430202001001");
    let id = new_household(t, "430202001001");
    let input = |fen: i64| InvestigationInput {
        date: day(0),
        investigators: vec!["张三".into(), "李四".into()],
        members: vec![MemberInput { person_id: a, hukou: Some("rural".into()), ..Default::default() }],
        incomes: vec![("pension".into(), AmountInput::Fen(fen))],
        signed: true,
        ..Default::default()
    };
    let first = dh::validate_investigation(&input(1_200_000), dates::today(), &[a]).unwrap();
    let fixed = dh::validate_investigation(&input(2_400_000), dates::today(), &[a]).unwrap();
    let v2 = v.clone();
    let iid = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::add_member(c, &v2, &hh, a, "head", &actor(), 1)?;
        hs::add_investigation(c, &hh, &first, &actor(), 2)
    }).unwrap();
    let v2 = v.clone();
    let f2 = fixed.clone();
    let changed = t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        let changed = hs::update_investigation(c, &hh, iid, &f2, "收入少算", &actor(), 3)?;
        let unchanged = hs::update_investigation(c, &hh, iid, &f2, "再存一次", &actor(), 4)?;
        assert!(unchanged.is_empty(), "nothing changed, nothing written");
        Ok(changed)
    }).unwrap();
    assert_eq!(changed, [format!("investigation:{iid}.incomes"), format!("investigation:{iid}.per_capita_monthly")]);
    let stored = t.db.read(move |c| hs::investigation(c, id, iid)).unwrap();
    assert_eq!(stored.per_capita_monthly_fen, 200_000);
    let h = history_of(t, &v, a);
    let pc = h.iter().find(|r| r.field == format!("investigation:{iid}.per_capita_monthly")).unwrap();
    assert_eq!((pc.old_value.as_deref(), pc.new_value.as_deref(), pc.reason.as_deref()), (Some("1000.00 元"), Some("2000.00 元"), Some("收入少算")));
    assert!(!h.iter().any(|r| r.reason.as_deref() == Some("再存一次")));
    let v2 = v.clone();
    t.db.write(move |c| {
        let hh = hs::get(c, &v2.scope, id)?;
        hs::delete_investigation(c, &hh, iid, "调查对象错误", &actor(), 5)
    }).unwrap();
    assert!(t.db.read(move |c| hs::investigations(c, id)).unwrap().is_empty());
    assert!(matches!(t.db.read(move |c| hs::investigation(c, id, iid)), Err(StoreError::NotFound)));
    let kept: i64 = t.db.read(move |c| {
        use diesel::prelude::*;
        use shegong_store::households::household_investigations::dsl;
        Ok(dsl::household_investigations.filter(dsl::id.eq(iid)).count().get_result(c)?)
    }).unwrap();
    assert_eq!(kept, 1);
    let del = history_of(t, &v, a).into_iter().find(|r| r.field == format!("investigation:{iid}.deleted")).unwrap();
    assert_eq!(del.reason.as_deref(), Some("调查对象错误"));
});
