use super::*;
use diesel::prelude::*;
use shegong_domain::care::{self, ElderlyInput, GuardianshipInput, ReportInput, VisitInput};
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
