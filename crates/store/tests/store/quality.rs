//! Supervision records and quality reviews (7.4 b, 7.5.2.2, 10.5): scoped reads, one-time state
//! changes, the sample population, evidence and satisfaction read from the case's records.

use super::*;
use diesel::prelude::*;
use shegong_domain::case::evaluation::EvaluationInput;
use shegong_domain::case::intake::IntakeInput;
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, PersonInput};
use shegong_domain::policy::Sensitivity;
use shegong_domain::quality::supervision::{self, Reach, SupervisionInput};
use shegong_domain::quality::{self, ImprovementAction, SampleSize};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::cases::{self, Kind, NewCase};
use shegong_store::persons::{self, Viewer};
use shegong_store::query::Page;
use shegong_store::supervision::{self as sup, Filter, Reader};
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test, quality as store};
use time::Duration;

const STATION: &str = "430202001";

fn scope(code: &str) -> Scope {
    Scope::new(vec![OrgCode::parse(code).unwrap()])
}

fn actor(uid: i64) -> Actor {
    Actor {
        user_id: Some(uid),
        name: format!("u{uid}"),
        ip: "t".into(),
    }
}

/// (worker, other worker, head, supervisor at the county) and a person of 430202001.
fn seed(t: &TestDb) -> ([i64; 4], i64) {
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
                mk("worker", Role::SocialWorker, STATION)?,
                mk("other", Role::SocialWorker, STATION)?,
                mk("head", Role::StationHead, STATION)?,
                mk("sup", Role::Supervisor, "430202")?,
            ])
        })
        .unwrap();
    let f = person::validate(
        &PersonInput {
            name: "张秀英".into(),
            ..Default::default()
        },
        dates::today(),
        &|_| false,
    )
    .unwrap();
    let pid =
        t.db.write(|c| persons::create(c, &t.keys, &f, STATION, &actor(ids[0]), 1))
            .unwrap();
    (ids, pid)
}

/// A case led by `lead`, closed `days_ago` with an evaluation that recorded `satisfaction`.
fn closed_case(t: &TestDb, lead: i64, pid: i64, days_ago: i64, satisfaction: &str) -> i64 {
    let intake = IntakeInput {
        source: "walk_in".into(),
        received_on: dates::iso(dates::today() - Duration::days(days_ago + 30)),
        presenting_problem: "独居".into(),
        consent: true,
        eligible: true,
        ..Default::default()
    };
    let eval = EvaluationInput {
        evaluated_on: dates::iso(dates::today()),
        satisfaction: satisfaction.into(),
        reflection: "r".into(),
        ..Default::default()
    };
    let closed_on = dates::iso(dates::today() - Duration::days(days_ago));
    t.db.write(|c| {
        let id = cases::open(
            c,
            &t.keys,
            &NewCase {
                person_id: pid,
                household_id: None,
                org_code: STATION,
                sensitivity: Sensitivity::Ordinary,
                lead_worker: lead,
                co_workers: &[],
                opened_on: dates::today() - Duration::days(days_ago + 30),
                title: None,
                intake: Some(&intake),
            },
            &actor(lead),
            1,
        )?;
        let v = Viewer {
            user_id: lead,
            scope: scope(STATION),
            all_confidential: true,
        };
        let k = cases::get(c, &v, id)?;
        cases::save_record(
            c,
            &t.keys,
            &k.case,
            Kind::Evaluation,
            dates::today(),
            &eval,
            &actor(lead),
            2,
        )?;
        // Closed as the head's approval would leave it (the state machine is tested with cases).
        diesel::update(cases::cases::table.find(id))
            .set((
                cases::cases::stage.eq("closed"),
                cases::cases::on_date.eq(&closed_on),
                cases::cases::author.eq(lead),
                cases::cases::head.eq(lead),
            ))
            .execute(c)?;
        Ok(id)
    })
    .unwrap()
}

fn record() -> supervision::Supervision {
    supervision::validate(
        &SupervisionInput {
            held_on: dates::iso(dates::today()),
            mode: "individual".into(),
            observations: "评估详实".into(),
            advice: "补充家庭系统".into(),
            follow_up: Some("补写".into()),
            follow_up_due: None,
        },
        dates::today(),
    )
    .unwrap()
}

db_test!(fn supervision_is_read_by_scope_and_by_the_workers_on_it(t) {
    let ([worker, other, _head, sup_id], pid) = seed(t);
    let case = closed_case(t, worker, pid, 1, "4");
    let r = record();
    let on_case = t.db.write(|c| sup::create(c, &t.keys, &sup::New {
        org_code: STATION, case_id: Some(case), worker_id: worker, supervisor_id: sup_id, record: &r,
    }, &actor(sup_id), 5)).unwrap();
    let on_other = t.db.write(|c| sup::create(c, &t.keys, &sup::New {
        org_code: STATION, case_id: None, worker_id: other, supervisor_id: sup_id, record: &r,
    }, &actor(sup_id), 6)).unwrap();
    let reader = |uid, code: &str, reach| Reader { user_id: uid, scope: scope(code), reach };
    let all = |rd: &Reader, f: Filter| t.db.read(|c| sup::list(c, rd, f, Page::new(None, None))).unwrap();

    let head = reader(0, STATION, Reach::Scope);
    assert_eq!(all(&head, Filter::default()).total, 2);
    let mine = all(&reader(worker, STATION, Reach::Own), Filter::default());
    assert_eq!(mine.items.iter().map(|n| n.row.id).collect::<Vec<_>>(), vec![on_case]);
    assert_eq!(mine.items[0].supervisor_name, "sup");
    assert_eq!(all(&reader(other, STATION, Reach::Own), Filter::default()).items[0].row.id, on_other);
    let on_it = Filter { case_id: Some(case), ..Default::default() };
    assert_eq!(all(&head, on_it).total, 1);
    // Out of scope: not listed and not found.
    let far = reader(0, "430203", Reach::Scope);
    assert_eq!(all(&far, Filter::default()).total, 0);
    assert!(matches!(t.db.read(|c| sup::get(c, &far, on_case)), Err(StoreError::NotFound)));
    assert!(matches!(t.db.read(|c| sup::get(c, &reader(other, STATION, Reach::Own), on_case)), Err(StoreError::NotFound)));

    // The response and the follow-up change once.
    let row = t.db.read(|c| sup::get(c, &head, on_case)).unwrap().row;
    t.db.write(|c| sup::respond(c, &t.keys, &row, "已补写", &actor(worker), 7)).unwrap();
    assert!(matches!(t.db.write(|c| sup::respond(c, &t.keys, &row, "again", &actor(worker), 8)), Err(StoreError::Conflict(_))));
    t.db.write(|c| sup::finish_follow_up(c, &t.keys, &row, dates::today(), &actor(sup_id))).unwrap();
    assert!(matches!(t.db.write(|c| sup::finish_follow_up(c, &t.keys, &row, dates::today(), &actor(sup_id))), Err(StoreError::Conflict(_))));
    let row = t.db.read(|c| sup::get(c, &head, on_case)).unwrap().row;
    assert_eq!(row.response.as_deref(), Some("已补写"));
    assert!(row.follow_up_done_on.is_some());
});

db_test!(fn a_review_draws_closed_cases_scores_them_and_tracks_actions(t) {
    let ([worker, other, head, _], pid) = seed(t);
    let a = closed_case(t, worker, pid, 5, "满意");
    let b = closed_case(t, worker, pid, 10, "5");
    let _old = closed_case(t, worker, pid, 400, "3");
    let v = Viewer { user_id: head, scope: scope(STATION), all_confidential: true };
    let from = dates::today() - Duration::days(60);
    let mut pop = t.db.read(|c| store::closed_cases(c, &v, from, dates::today())).unwrap();
    pop.sort_unstable();
    assert_eq!(pop, vec![a, b]);
    // Another county sees none of them.
    let far = Viewer { user_id: head, scope: scope("430203"), all_confidential: true };
    assert!(t.db.read(|c| store::closed_cases(c, &far, from, dates::today())).unwrap().is_empty());

    let (e, s) = t.db.read(|c| store::evidence(c, a)).unwrap();
    assert!(e.intake_complete && e.consent && e.evaluation && !e.plan);
    assert_eq!(s, Some("4"));

    let drawn = quality::draw(&pop, SampleSize::Count(2), 7);
    let id = t.db.write(|c| store::create(c, &t.keys, &store::NewReview {
        org_code: STATION, from, to: dates::today(), size: SampleSize::Count(2), seed: 7,
        population: pop.len(), reviewed_on: dates::today(), drawn: &drawn,
    }, &actor(head), 10)).unwrap();
    let r = t.db.read(|c| store::get(c, &scope(STATION), id)).unwrap();
    assert_eq!(r.cases.iter().map(|c| c.case_id).collect::<Vec<_>>(), drawn);
    assert_eq!(r.review.seed, "7");
    assert!(matches!(t.db.read(|c| store::get(c, &scope("430203"), id)), Err(StoreError::NotFound)));
    assert_eq!(t.db.read(|c| store::list(c, &scope("430202"), Page::new(None, None))).unwrap().total, 1);

    // Completing needs every case scored; scores stop changing once completed.
    assert!(matches!(t.db.write(|c| store::complete(c, &t.keys, &r.review, "f", &actor(head), 11)), Err(StoreError::Conflict(_))));
    let l = quality::latest();
    let full: Vec<(String, i64)> = l.items.iter().map(|i| (i.code.to_string(), 2)).collect();
    let scored = quality::score(l, &full).unwrap();
    for case in &drawn {
        t.db.write(|c| store::score(c, &t.keys, &r.review, *case, &scored, "", &actor(head), 12)).unwrap();
    }
    assert!(matches!(t.db.write(|c| store::score(c, &t.keys, &r.review, 999_999, &scored, "", &actor(head), 12)), Err(StoreError::NotFound)));
    t.db.write(|c| store::complete(c, &t.keys, &r.review, "记录完整", &actor(head), 13)).unwrap();
    assert!(matches!(t.db.write(|c| store::complete(c, &t.keys, &r.review, "again", &actor(head), 14)), Err(StoreError::Conflict(_))));
    assert!(matches!(t.db.write(|c| store::score(c, &t.keys, &r.review, a, &scored, "", &actor(head), 15)), Err(StoreError::Conflict(_))));
    let r = t.db.read(|c| store::get(c, &scope(STATION), id)).unwrap();
    assert_eq!(r.cases[0].total, Some(16));
    assert_eq!(r.cases[0].items().len(), l.items.len());

    // Actions: an owner outside the review's org is refused; due ones listed for their owner.
    let act = |owner| ImprovementAction { description: "补齐知情同意书".into(), owner, due_on: dates::today() + Duration::days(3) };
    let lusong = t.db.write(|c| users::create(c, &NewUser { username: "ls", display_name: "ls", role: Role::SocialWorker,
        org_code: "430203001", password_hash: "h", must_change_password: false, two_factor_exempt: true }, 0)).unwrap();
    assert!(matches!(t.db.write(|c| store::add_action(c, &t.keys, &r.review, &act(lusong), &actor(head), 16)), Err(StoreError::Invalid(_))));
    let aid = t.db.write(|c| store::add_action(c, &t.keys, &r.review, &act(other), &actor(head), 16)).unwrap();
    assert_eq!(t.db.read(|c| store::actions_due(c, other, dates::today() + Duration::days(7))).unwrap().len(), 1);
    assert!(t.db.read(|c| store::actions_due(c, other, dates::today())).unwrap().is_empty());
    assert!(t.db.read(|c| store::actions_due(c, worker, dates::today() + Duration::days(7))).unwrap().is_empty());
    assert_eq!(t.db.read(|c| store::open_actions(c, &scope(STATION))).unwrap()[0].owner_name, "other");
    // The owner finds it even from a narrower scope; a stranger does not.
    let owner = Viewer { user_id: other, scope: scope("430202001001"), all_confidential: false };
    let row = t.db.read(|c| store::action(c, &owner, aid)).unwrap();
    let stranger = Viewer { user_id: worker, scope: scope("430203"), all_confidential: false };
    assert!(matches!(t.db.read(|c| store::action(c, &stranger, aid)), Err(StoreError::NotFound)));
    t.db.write(|c| store::finish_action(c, &t.keys, &row, dates::today(), "已补齐", &actor(other))).unwrap();
    assert!(matches!(t.db.write(|c| store::finish_action(c, &t.keys, &row, dates::today(), "x", &actor(other))), Err(StoreError::Conflict(_))));
    assert!(t.db.read(|c| store::open_actions(c, &scope(STATION))).unwrap().is_empty());
});
