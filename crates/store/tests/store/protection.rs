//! Child protection (8.3.4.1, R-8.3.4), notifications and work-list counts, on both databases.

use super::*;
use shegong_domain::case::intake::IntakeInput;
use shegong_domain::case::protection::{self, HarmInput, ReportInput};
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, PersonInput};
use shegong_domain::policy::Sensitivity;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_domain::{clock, dates};
use shegong_store::audit::Actor;
use shegong_store::cases::{self, NewCase};
use shegong_store::notifications;
use shegong_store::persons::{self, Viewer};
use shegong_store::protection::{self as store, Watcher};
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test, work};

const STATION: &str = "430202001";

fn actor(uid: i64) -> Actor {
    Actor {
        user_id: Some(uid),
        name: format!("u{uid}"),
        ip: "t".into(),
    }
}

/// Accounts: [lead, co-worker, other worker, head, head of 430202002, purchaser of 荷塘区,
/// purchaser of 芦淞区]; a child's case at 430202001 led by the first with the second on it.
fn seed(t: &TestDb) -> ([i64; 7], i64) {
    load_hetang(&t.db);
    let ids =
        t.db.write(|c| {
            let mut mk = |u: &str, role: Role, org: &str| {
                users::create(
                    c,
                    &NewUser {
                        username: u,
                        display_name: u,
                        role,
                        org_code: org,
                        password_hash: "h",
                        must_change_password: false,
                        two_factor_exempt: true,
                    },
                    0,
                )
            };
            Ok([
                mk("lead", Role::SocialWorker, STATION)?,
                mk("co", Role::SocialWorker, STATION)?,
                mk("other", Role::SocialWorker, STATION)?,
                mk("head", Role::StationHead, STATION)?,
                mk("head2", Role::StationHead, "430202002")?,
                mk("buyer", Role::Purchaser, "430202")?,
                mk("buyer2", Role::Purchaser, "430203")?,
            ])
        })
        .unwrap();
    let f = person::validate(
        &PersonInput {
            name: "李小明".into(),
            birth_date: Some("2017-05-01".into()),
            ..Default::default()
        },
        dates::today(),
        &|_| false,
    )
    .unwrap();
    let pid =
        t.db.write(|c| persons::create(c, &t.keys, &f, STATION, &actor(ids[0]), 1))
            .unwrap();
    let intake = IntakeInput {
        source: "walk_in".into(),
        received_on: dates::iso(dates::today()),
        presenting_problem: "监护缺失".into(),
        consent: true,
        consent_by: Some("奶奶".into()),
        eligible: true,
        ..Default::default()
    };
    let case_id =
        t.db.write(|c| {
            cases::open(
                c,
                &t.keys,
                &NewCase {
                    person_id: pid,
                    household_id: None,
                    org_code: STATION,
                    sensitivity: Sensitivity::Ordinary,
                    lead_worker: ids[0],
                    co_workers: &[ids[1]],
                    opened_on: dates::today(),
                    title: None,
                    intake: Some(&intake),
                },
                &actor(ids[0]),
                10,
            )
        })
        .unwrap();
    (ids, case_id)
}

fn scope(code: &str) -> Scope {
    Scope::new(vec![OrgCode::parse(code).unwrap()])
}

fn watcher(user_id: i64, role: Role, code: &str) -> Watcher {
    Watcher {
        user_id,
        role,
        scope: scope(code),
    }
}

fn harm(report: Option<ReportInput>) -> protection::Harm {
    let now = clock::now();
    let found = clock::display(now - 3600);
    protection::validate(
        &HarmInput {
            finding: "suspected".into(),
            harms: vec!["physical".into()],
            found_at: found,
            description: "手臂有淤青".into(),
            report,
        },
        Some(9),
        now,
    )
    .unwrap()
}

fn report() -> protection::PoliceReport {
    let now = clock::now();
    protection::validate_report(
        &ReportInput {
            reported_at: clock::display(now - 600),
            unit: "月塘派出所".into(),
            officer: "刘警官".into(),
            method: "call_110".into(),
        },
        now - 7200,
        now,
    )
    .unwrap()
}

fn record(t: &TestDb, uid: i64, case_id: i64, h: &protection::Harm) -> i64 {
    let v = Viewer {
        user_id: uid,
        scope: scope(STATION),
        all_confidential: false,
    };
    t.db.write(|c| {
        let k = cases::get(c, &v, case_id)?;
        store::record(c, &t.keys, &k.case, h, &actor(uid), 50)
    })
    .unwrap()
}

fn unfinished(t: &TestDb, w: Watcher) -> Vec<(i64, i64)> {
    t.db.read(|c| store::unfinished_for(c, &w)).unwrap()
}

db_test!(
    fn an_unreported_finding_is_confidential_raised_and_completed(t) {
        let (ids, case_id) = seed(t);
        let pid = record(t, ids[0], case_id, &harm(None));
        // Confidential in the same step: a worker not on the case no longer sees it.
        let other = Viewer {
            user_id: ids[2],
            scope: scope(STATION),
            all_confidential: false,
        };
        assert!(matches!(
            t.db.read(|c| cases::get(c, &other, case_id)),
            Err(StoreError::NotFound)
        ));
        let head = Viewer {
            user_id: ids[3],
            scope: scope(STATION),
            all_confidential: true,
        };
        let k = t.db.read(|c| cases::get(c, &head, case_id)).unwrap();
        assert_eq!(k.case.sensitivity, "confidential");

        // Told at once: the station head and the county purchaser, no one else.
        for (i, told) in [
            (0, false),
            (1, false),
            (2, false),
            (3, true),
            (4, false),
            (5, true),
            (6, false),
        ] {
            let n = t.db.read(|c| notifications::unread_count(c, ids[i])).unwrap();
            assert_eq!(n, i64::from(told), "account {i}");
        }
        let note = t
            .db
            .read(|c| notifications::of_user(c, ids[3], 10))
            .unwrap();
        assert_eq!(note[0].case_id, Some(case_id));
        assert!(note[0].text().0.contains(&format!("个案 #{case_id}")));

        // The banner: the workers on the case, the head, the purchaser.
        let one = vec![(case_id, 1)];
        assert_eq!(unfinished(t, watcher(ids[0], Role::SocialWorker, STATION)), one);
        assert_eq!(unfinished(t, watcher(ids[1], Role::SocialWorker, STATION)), one);
        assert!(unfinished(t, watcher(ids[2], Role::SocialWorker, STATION)).is_empty());
        assert_eq!(unfinished(t, watcher(ids[3], Role::StationHead, STATION)), one);
        assert!(unfinished(t, watcher(ids[4], Role::StationHead, "430202002")).is_empty());
        assert_eq!(unfinished(t, watcher(ids[5], Role::Purchaser, "430202")), one);
        assert!(unfinished(t, watcher(ids[6], Role::Purchaser, "430203")).is_empty());
        let list = t
            .db
            .read(|c| store::unfinished_list(c, &watcher(ids[5], Role::Purchaser, "430202")))
            .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, pid);
        assert!(t.db.read(|c| store::has_unfinished(c, case_id)).unwrap());

        // The head's counts: one unfinished report, one unread notification, red.
        let counts = t
            .db
            .read(|c| work::counts(c, &head, Role::StationHead, dates::today()))
            .unwrap();
        assert_eq!(counts.unfinished_reports(), 1);
        assert_eq!(counts.unread, 1);
        assert!(counts.urgent());
        assert!(counts.total() >= 2);

        // Completed: gone from every banner; completing again is a conflict, another case's id
        // not found.
        let k = t.db.read(|c| cases::get(c, &head, case_id)).unwrap();
        let r = report();
        t.db
            .write(|c| store::complete_report(c, &t.keys, &k.case, pid, &r, &actor(ids[0]), 60))
            .unwrap();
        assert!(unfinished(t, watcher(ids[3], Role::StationHead, STATION)).is_empty());
        assert!(!t.db.read(|c| store::has_unfinished(c, case_id)).unwrap());
        assert!(matches!(
            t.db
                .write(|c| store::complete_report(c, &t.keys, &k.case, pid, &r, &actor(ids[0]), 61)),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            t.db.write(|c| store::complete_report(
                c,
                &t.keys,
                &k.case,
                pid + 1000,
                &r,
                &actor(ids[0]),
                61
            )),
            Err(StoreError::NotFound)
        ));
        let rows = t.db.read(|c| store::of_case(c, case_id)).unwrap();
        assert_eq!(rows[0].method.as_deref(), Some("call_110"));
        assert_eq!(rows[0].harm_ids(), ["physical"]);
    }
);

db_test!(
    fn a_finding_reported_in_the_same_step_tells_no_one(t) {
        let (ids, case_id) = seed(t);
        record(t, ids[0], case_id, &harm(Some(ReportInput {
            reported_at: clock::display(clock::now() - 600),
            unit: "月塘派出所".into(),
            officer: "刘警官".into(),
            method: "call_110".into(),
        })));
        assert!(unfinished(t, watcher(ids[3], Role::StationHead, STATION)).is_empty());
        assert_eq!(t.db.read(|c| notifications::unread_count(c, ids[3])).unwrap(), 0);
        let rows = t.db.read(|c| store::of_case(c, case_id)).unwrap();
        assert!(!rows[0].unfinished());
    }
);

db_test!(
    fn notifications_are_read_by_their_recipient_only(t) {
        let (ids, case_id) = seed(t);
        record(t, ids[0], case_id, &harm(None));
        let n = t.db.read(|c| notifications::of_user(c, ids[5], 10)).unwrap();
        let id = n[0].id;
        assert!(matches!(
            t.db.write(|c| notifications::mark_read(c, ids[3], id, 70)),
            Err(StoreError::NotFound)
        ));
        t.db.write(|c| notifications::mark_read(c, ids[5], id, 70)).unwrap();
        t.db.write(|c| notifications::mark_read(c, ids[5], id, 80)).unwrap();
        let n = t.db.read(|c| notifications::of_user(c, ids[5], 10)).unwrap();
        assert_eq!(n[0].read_at, Some(70));
        assert_eq!(t.db.read(|c| notifications::unread_count(c, ids[5])).unwrap(), 0);
        assert_eq!(t.db.read(|c| notifications::unread_count(c, ids[3])).unwrap(), 1);
    }
);
