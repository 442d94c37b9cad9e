use super::*;
use diesel::prelude::*;
use shegong_domain::care::{self, ElderlyInput, GuardianshipInput, ReportInput, Visit, VisitInput};
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, PersonInput};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::care::{self as store, DueFilter};
use shegong_store::persons::{self, Viewer};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test};
use time::Duration;

pub(crate) fn viewer(user_id: i64, code: &str, head: bool) -> Viewer {
    Viewer {
        user_id,
        scope: Scope::new(vec![OrgCode::parse(code).unwrap()]),
        all_confidential: head,
    }
}

pub(crate) fn actor(uid: i64) -> Actor {
    Actor {
        user_id: Some(uid),
        name: "worker".into(),
        ip: "t".into(),
    }
}

pub(crate) fn seed(t: &TestDb) -> (i64, i64) {
    load_hetang(&t.db);
    t.db.write(|c| {
        let mk = |c: &mut shegong_store::DbConn, u: &str| {
            users::create(
                c,
                &NewUser {
                    username: u,
                    display_name: u,
                    role: Role::SocialWorker,
                    org_code: "430202001",
                    password_hash: "h",
                    must_change_password: false,
                    two_factor_exempt: true,
                },
                0,
            )
        };
        Ok((mk(c, "worker")?, mk(c, "worker_b")?))
    })
    .unwrap()
}

pub(crate) fn add(
    t: &TestDb,
    uid: i64,
    org: &str,
    name: &str,
    birth: &str,
    sensitivity: &str,
) -> i64 {
    let input = PersonInput {
        name: name.into(),
        birth_date: Some(birth.into()),
        sensitivity: Some(sensitivity.into()),
        ..Default::default()
    };
    let f = person::validate(&input, dates::today(), &|_| false).unwrap();
    let org = org.to_string();
    t.db.write(move |c| persons::create(c, &t.keys, &f, &org, &actor(uid), 100))
        .unwrap()
}

pub(crate) fn day(offset: i64) -> time::Date {
    dates::today() + Duration::days(offset)
}

fn open_elderly(t: &TestDb, uid: i64, id: i64, living: &str, phone: Option<&str>) {
    let f = care::validate_elderly(
        &ElderlyInput {
            living_arrangement: living.into(),
            carers: vec![care::CarerInput {
                id: None,
                name: "李红".into(),
                relation: "女儿".into(),
                phone: phone.map(Into::into),
            }],
            ..Default::default()
        },
        Some(80),
        &[],
    )
    .unwrap();
    t.db.write(|c| store::save_elderly(c, &t.keys, id, &f, None, day(0), &actor(uid), 1))
        .unwrap();
}

fn visit(t: &TestDb, uid: i64, id: i64, on: time::Date) -> Result<i64, StoreError> {
    let v = care::validate_visit(
        &VisitInput {
            visited_on: dates::iso(on),
            visitor: "王社工".into(),
            mode: "home".into(),
            ..Default::default()
        },
        day(0),
        None,
    )
    .unwrap();
    t.db.write(|c| store::record_visit(c, id, &v, &actor(uid), 2))
}

db_test!(fn visits_move_the_due_date_and_the_list_keeps_to_scope(t) {
    let (w, wb) = seed(t);
    let a = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    let b = add(t, w, "430202001", "李爷爷", "1941-03-01", "ordinary");
    let hidden = add(t, w, "430202001", "赵奶奶", "1942-03-01", "confidential");
    let other = add(t, w, "430202002", "钱爷爷", "1943-03-01", "ordinary");
    // No archive yet: a visit is a conflict and nothing is listed.
    assert!(matches!(visit(t, w, a, day(0)), Err(StoreError::Conflict(_))));
    for id in [a, b, hidden, other] {
        open_elderly(t, w, id, "alone", Some("13812345678"));
    }
    visit(t, w, a, day(-10)).unwrap();
    visit(t, w, b, day(-2)).unwrap();
    let e = t.db.read(|c| store::elderly(c, a)).unwrap().unwrap();
    assert_eq!(e.archive.next_visit_due, dates::iso(day(-3)));
    assert_eq!(e.carers[0].phone_masked.as_deref(), Some("138****5678"));
    let v = viewer(w, "430202001", false);
    let all = t.db.read(|c| store::due_visits(c, &v, DueFilter::All, day(0), Page::default())).unwrap();
    // a overdue (−3), hidden due today (assigned to w as its creator), b due in 5 days; other station not.
    assert_eq!(all.items.iter().map(|r| r.person_id).collect::<Vec<_>>(), [a, hidden, b]);
    let overdue = t.db.read(|c| store::due_visits(c, &v, DueFilter::Overdue, day(0), Page::default())).unwrap();
    assert_eq!(overdue.total, 1);
    let soon = t.db.read(|c| store::due_visits(c, &v, DueFilter::Soon, day(0), Page::default())).unwrap();
    assert_eq!(soon.total, 2);
    // A colleague not assigned does not see the confidential person, not even counted.
    let colleague = viewer(wb, "430202001", false);
    let l = t.db.read(|c| store::due_visits(c, &colleague, DueFilter::All, day(0), Page::default())).unwrap();
    assert_eq!((l.total, l.items.len()), (2, 2));
    assert!(l.items.iter().all(|r| r.person_id != hidden));
    // Phones are encrypted at rest.
    let raw: Vec<Option<Vec<u8>>> = t.db.read(|c| {
        use shegong_store::care::care_carers::dsl;
        Ok(dsl::care_carers.select(dsl::phone_enc).load(c)?)
    }).unwrap();
    assert!(raw.iter().all(|p| !String::from_utf8_lossy(p.as_ref().unwrap()).contains("13812345678")));
    // Paging.
    let p1 = t.db.read(|c| store::due_visits(c, &v, DueFilter::All, day(0), Page::new(Some(2), Some(2)))).unwrap();
    assert_eq!((p1.total, p1.items.len()), (3, 1));
});

db_test!(fn a_gap_alert_is_raised_once_and_closed_by_its_report(t) {
    let (w, wb) = seed(t);
    let child = add(t, w, "430202001001", "王小宝", &dates::iso(day(-6 * 365)), "sensitive");
    let f = care::validate_guardianship(&GuardianshipInput { living_situation: "alone".into(), ..Default::default() }, Some(5)).unwrap();
    let save = |version| t.db.write(|c| store::save_guardianship(c, child, &f, 5, version, day(0), &actor(w), 10));
    let first = save(None).unwrap();
    let (alert, gap) = first.alert.unwrap();
    assert_eq!(gap, care::Gap::AloneUnder16);
    assert!(save(Some(1)).unwrap().alert.is_none(), "still open: not raised again");
    assert!(matches!(save(Some(1)), Err(StoreError::Conflict(_))), "stale version");
    let v = viewer(w, "430202001", false);
    let open = t.db.read(|c| store::alerts(c, &v, true, Page::default())).unwrap();
    assert_eq!(open.total, 1);
    assert_eq!(open.items[0].id, alert);
    // Out of scope: not found.
    assert!(matches!(t.db.read(|c| store::alert(c, &viewer(wb, "430202002", false), alert)), Err(StoreError::NotFound)));
    assert_eq!(t.db.read(|c| store::alerts(c, &viewer(wb, "430202002", false), false, Page::default())).unwrap().total, 0);
    let r = care::validate_report(&ReportInput { reported_by: "王社工".into(), department: "荷塘区民政局".into(), reported_on: dates::iso(day(0)), method: "phone".into(), notes: None }, day(0), day(0)).unwrap();
    let row = t.db.write(|c| store::record_report(c, alert, &r, &actor(w), 20)).unwrap();
    assert!(!row.open());
    assert!(matches!(t.db.write(|c| store::record_report(c, alert, &r, &actor(w), 21)), Err(StoreError::Conflict(_))));
    assert_eq!(t.db.read(|c| store::alerts(c, &v, true, Page::default())).unwrap().total, 0);
    assert_eq!(t.db.read(|c| store::alerts(c, &v, false, Page::default())).unwrap().total, 1);
    let g = t.db.read(|c| store::guardianship(c, child)).unwrap().unwrap();
    assert_eq!(g.archive.version, 2);
    assert_eq!(g.alerts.len(), 1);
    let kinds: Vec<String> = t.db.read(|c| persons::timeline(c, &v, child)).unwrap().into_iter().map(|e| e.kind).collect();
    for k in ["care.guardianship.created", "care.guardianship.updated", "care.alert.raised", "care.alert.reported"] {
        assert!(kinds.iter().any(|x| x == k), "{k}");
    }
});

fn overdue_ids(t: &TestDb, v: &Viewer) -> Vec<i64> {
    let v = v.clone();
    t.db.read(move |c| store::due_visits(c, &v, DueFilter::Overdue, day(0), Page::default()))
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.person_id)
        .collect()
}

fn visit_fields(on: time::Date, visitor: &str) -> Visit {
    care::validate_visit(
        &VisitInput {
            visited_on: dates::iso(on),
            visitor: visitor.into(),
            mode: "phone".into(),
            ..Default::default()
        },
        day(0),
        None,
    )
    .unwrap()
}

// 8.2.1.1: correcting or deleting a visit recomputes the next visit due; a deleted visit stays in
// the database and in the person's history, with the reason.
db_test!(fn visit_corrections_recompute_the_next_visit_due(t) {
    let (w, _) = seed(t);
    let a = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    open_elderly(t, w, a, "alone", None); // every 7 days
    let early = visit(t, w, a, day(-10)).unwrap();
    let latest = visit(t, w, a, day(-2)).unwrap();
    let v = viewer(w, "430202001", false);
    assert!(overdue_ids(t, &v).is_empty());
    // Deleting the latest visit: the person is overdue again (−10 + 7 = −3).
    t.db.write(|c| store::delete_visit(c, a, latest, "记错了老人", &actor(w), 5)).unwrap();
    assert_eq!(overdue_ids(t, &v), [a]);
    let e = t.db.read(|c| store::elderly(c, a)).unwrap().unwrap();
    assert_eq!(e.visits.iter().map(|x| x.id).collect::<Vec<_>>(), [early]);
    assert_eq!((e.archive.last_visit_on, e.archive.next_visit_due), (Some(dates::iso(day(-10))), dates::iso(day(-3))));
    let kept: i64 = t.db.read(|c| {
        use shegong_store::care::care_visits::dsl;
        Ok(dsl::care_visits.filter(dsl::person_id.eq(a)).count().get_result(c)?)
    }).unwrap();
    assert_eq!(kept, 2, "a deleted visit stays in the database");
    assert!(matches!(t.db.write(|c| store::delete_visit(c, a, latest, "again", &actor(w), 6)), Err(StoreError::NotFound)));
    // Correcting the remaining visit's date moves the due date on.
    let changed = t.db.write(|c| store::update_visit(c, a, early, &visit_fields(day(-1), "王社工"), "日期填错", &actor(w), 7)).unwrap();
    assert_eq!(changed, [format!("visit:{early}.visited_on"), format!("visit:{early}.mode")]);
    assert!(overdue_ids(t, &v).is_empty());
    assert_eq!(t.db.read(|c| store::elderly(c, a)).unwrap().unwrap().archive.next_visit_due, dates::iso(day(6)));
    // Correcting it back into the past makes the person overdue again.
    t.db.write(|c| store::update_visit(c, a, early, &visit_fields(day(-20), "王社工"), "还是填错", &actor(w), 8)).unwrap();
    assert_eq!(overdue_ids(t, &v), [a]);
    // Another person's visit is not found through this person.
    let b = add(t, w, "430202001001", "李爷爷", "1941-03-01", "ordinary");
    assert!(matches!(t.db.write(|c| store::delete_visit(c, b, early, "x", &actor(w), 9)), Err(StoreError::NotFound)));
    let h = t.db.read(|c| persons::history(c, &v, a)).unwrap();
    let del = h.iter().find(|r| r.field == format!("visit:{latest}.deleted")).unwrap();
    assert_eq!(del.reason.as_deref(), Some("记错了老人"));
    let on = h.iter().find(|r| r.field == format!("visit:{early}.visited_on") && r.reason.as_deref() == Some("日期填错")).unwrap();
    assert_eq!((on.old_value.clone(), on.new_value.clone()), (Some(dates::iso(day(-10))), Some(dates::iso(day(-1)))));
});

// Changes to the care archives go to the person's edit history, carers' phones masked; a carer's
// full number is decrypted only for that person's own carer.
db_test!(fn archive_changes_go_to_the_history_and_carer_phones_decrypt(t) {
    let (w, _) = seed(t);
    let a = add(t, w, "430202001001", "张奶奶", "1940-03-01", "ordinary");
    let b = add(t, w, "430202001001", "李爷爷", "1941-03-01", "ordinary");
    open_elderly(t, w, a, "alone", Some("13812345678"));
    open_elderly(t, w, b, "alone", None);
    let e = t.db.read(|c| store::elderly(c, a)).unwrap().unwrap();
    let carer = e.carers[0].id;
    let f = care::validate_elderly(
        &ElderlyInput {
            living_arrangement: "with_children".into(),
            carers: vec![care::CarerInput { id: Some(carer), name: "李红".into(), relation: "女儿".into(), phone: Some("13912345678".into()) }],
            visit_interval_days: Some(14),
            ..Default::default()
        },
        Some(80),
        &[],
    )
    .unwrap();
    t.db.write(|c| store::save_elderly(c, &t.keys, a, &f, Some(1), day(0), &actor(w), 3)).unwrap();
    let v = viewer(w, "430202001", false);
    let h = t.db.read(|c| persons::history(c, &v, a)).unwrap();
    let get = |f: &str| h.iter().find(|r| r.field == f && r.at == 3).map(|r| (r.old_value.clone(), r.new_value.clone()));
    assert_eq!(get("elderly.living_arrangement"), Some((Some("独居".into()), Some("与子女同住".into()))));
    assert_eq!(get("elderly.visit_interval_days"), Some((Some("7 天".into()), Some("14 天".into()))));
    assert_eq!(get("elderly.carers"), Some((Some("李红(女儿) 138****5678".into()), Some("李红(女儿) 139****5678".into()))));
    assert!(h.iter().all(|r| !r.old_value.clone().unwrap_or_default().contains("13812345678") && !r.new_value.clone().unwrap_or_default().contains("13912345678")), "phones only masked");
    let carer = t.db.read(|c| store::elderly(c, a)).unwrap().unwrap().carers[0].id;
    assert_eq!(t.db.read(|c| store::carer_phone(c, &t.keys, a, carer)).unwrap().as_deref(), Some("13912345678"));
    assert!(matches!(t.db.read(|c| store::carer_phone(c, &t.keys, b, carer)), Err(StoreError::NotFound)));
    // Guardianship: every field that changed is in the history.
    let child = add(t, w, "430202001001", "王小宝", &dates::iso(day(-10 * 365)), "sensitive");
    let save = |school: &str, version| {
        let f = care::validate_guardianship(&GuardianshipInput { living_situation: "with_guardian".into(), school: Some(school.into()), ..Default::default() }, Some(10)).unwrap();
        t.db.write(move |c| store::save_guardianship(c, child, &f, 10, version, day(0), &actor(w), 11)).unwrap();
    };
    save("一小", None);
    save("二小", Some(1));
    let h = t.db.read(|c| persons::history(c, &v, child)).unwrap();
    assert!(h.iter().any(|r| r.field == "guardianship.school" && r.old_value.as_deref() == Some("一小") && r.new_value.as_deref() == Some("二小")));
    assert!(h.iter().any(|r| r.field == "guardianship.living_situation" && r.old_value.is_none()), "the archive's creation too");
});
