use super::*;
use shegong_domain::case::intake::IntakeInput;
use shegong_domain::case::needs::{NeedInput, NeedsInput};
use shegong_domain::case::plan::{GoalInput, InterventionInput, PlanInput};
use shegong_domain::case::{self, Actor as CaseActor, Event, Facts, Stage};
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::person::{self, PersonInput};
use shegong_domain::policy::Sensitivity;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::cases::{self as store, Filter, Kind, NewCase};
use shegong_store::persons::{self, Viewer};
use shegong_store::query::Page;
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_store::{StoreError, db_test};

const STATION: &str = "430202001";

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
        name: format!("u{uid}"),
        ip: "t".into(),
    }
}

/// (worker, co-worker, other worker, head) of 430202001, and a person there.
pub(crate) fn seed(t: &TestDb) -> ([i64; 4], i64) {
    load_hetang(&t.db);
    let ids =
        t.db.write(|c| {
            let mut mk = |u: &str, role: Role| {
                users::create(
                    c,
                    &NewUser {
                        username: u,
                        display_name: u,
                        role,
                        org_code: STATION,
                        password_hash: "h",
                        must_change_password: false,
                        two_factor_exempt: true,
                    },
                    0,
                )
            };
            Ok([
                mk("worker", Role::SocialWorker)?,
                mk("co", Role::SocialWorker)?,
                mk("other", Role::SocialWorker)?,
                mk("head", Role::StationHead)?,
            ])
        })
        .unwrap();
    let f = person::validate(
        &PersonInput {
            name: "张秀英".into(),
            birth_date: Some("1944-03-01".into()),
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

fn intake() -> IntakeInput {
    IntakeInput {
        source: "walk_in".into(),
        received_on: dates::iso(dates::today()),
        presenting_problem: "独居,情绪低落".into(),
        consent: true,
        eligible: true,
        ..Default::default()
    }
}

pub(crate) fn open(t: &TestDb, ids: [i64; 4], pid: i64, sensitivity: Sensitivity) -> i64 {
    let i = intake();
    t.db.write(|c| {
        store::open(
            c,
            &t.keys,
            &NewCase {
                person_id: pid,
                household_id: None,
                title: None,
                org_code: STATION,
                sensitivity,
                lead_worker: ids[0],
                co_workers: &[ids[1]],
                opened_on: dates::today(),
                intake: Some(&i),
            },
            &actor(ids[0]),
            10,
        )
    })
    .unwrap()
}

/// Applies `event` by `uid` the way the web layer does: the domain decides, the store writes.
fn step(t: &TestDb, uid: i64, head: bool, id: i64, event: Event) -> Result<(), StoreError> {
    let v = viewer(uid, STATION, head);
    t.db.write(move |c| {
        let k = store::get(c, &v, id)?;
        let state = k.case.state()?;
        let rows = store::records(c, id)?;
        let facts = Facts {
            actor: CaseActor {
                user_id: uid,
                head,
                on_case: k.on_case(uid),
            },
            today: dates::today(),
            on_file: store::on_file(c, id, &rows)?,
        };
        let (next, s) = case::transition(&state, &event, &facts)
            .map_err(|r| StoreError::Conflict(r.message().clone()))?;
        store::apply(c, &t.keys, &k.case, &next, &s, &actor(uid), 20)
    })
}

pub(crate) fn save<T: serde::Serialize + Sync>(
    t: &TestDb,
    uid: i64,
    id: i64,
    kind: Kind,
    input: &T,
) {
    let v = viewer(uid, STATION, false);
    t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        store::save_record(
            c,
            &t.keys,
            &k.case,
            kind,
            dates::today(),
            input,
            &actor(uid),
            30,
        )
    })
    .unwrap();
}

fn needs() -> NeedsInput {
    NeedsInput {
        assessed_on: dates::iso(dates::today()),
        individual: "82 岁,独居".into(),
        family: "儿子在外务工".into(),
        community: "村里有老年协会".into(),
        strengths: "性格开朗".into(),
        problem_summary: "缺少照料".into(),
        needs: vec![NeedInput {
            need: "日常生活照料".into(),
            priority: "high".into(),
        }],
        worker_signature: "王芳".into(),
        head_opinion: None,
    }
}

fn plan() -> PlanInput {
    PlanInput {
        planned_on: dates::iso(dates::today()),
        goals: vec![GoalInput {
            goal: "缓解孤独感".into(),
            indicator: "每周参加活动 2 次".into(),
            target_date: dates::iso(dates::today() + time::Duration::days(90)),
            needs: vec![1],
        }],
        interventions: vec![InterventionInput {
            action: "每月入户一次".into(),
            items: vec!["8.2.5".into()],
        }],
        resources: None,
    }
}

pub(crate) fn audit_actions(t: &TestDb) -> Vec<String> {
    use diesel::prelude::*;
    use shegong_store::schema::audit_log;
    t.db.read(|c| {
        Ok(audit_log::table
            .filter(audit_log::target_kind.eq("case"))
            .order(audit_log::seq)
            .select(audit_log::action)
            .load::<String>(c)?)
    })
    .unwrap()
}

db_test!(fn a_case_is_opened_walked_and_its_plan_approved(t) {
    let (ids, pid) = seed(t);
    let id = open(t, ids, pid, Sensitivity::Ordinary);
    step(t, ids[0], false, id, Event::Accept).unwrap();
    save(t, ids[0], id, Kind::Needs, &needs());
    step(t, ids[0], false, id, Event::Advance).unwrap();
    save(t, ids[0], id, Kind::Plan, &plan());
    // The plan is rewritten, not added to.
    save(t, ids[0], id, Kind::Plan, &plan());
    step(t, ids[0], false, id, Event::SubmitPlan).unwrap();

    let head = viewer(ids[3], STATION, true);
    let waiting = t.db.read(|c| store::list(c, &head, &Filter {
        review: Some("submitted"), author_not: Some(ids[3]), ..Filter::default()
    }, Page::default())).unwrap();
    assert_eq!(waiting.total, 1);
    assert_eq!(waiting.items[0].person_name, "张秀英");

    step(t, ids[3], true, id, Event::Approve).unwrap();
    let k = t.db.read(|c| store::get(c, &head, id)).unwrap();
    assert_eq!(k.case.state().unwrap().stage(), Stage::Intervention);
    assert_eq!(k.co_workers.len(), 1);
    let rows = t.db.read(|c| store::records(c, id)).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "plan").count(), 1);
    let p: PlanInput = store::record(&rows, Kind::Plan).unwrap().unwrap();
    assert_eq!(p.goals[0].needs, vec![1]);
    let hist = t.db.read(|c| store::history(c, id)).unwrap();
    let events: Vec<&str> = hist.iter().map(|h| h.event.as_str()).collect();
    assert_eq!(events, ["open", "accept", "advance", "submit_plan", "approve"]);
    assert_eq!(hist[4].by_user, Some(ids[3]));
    assert_eq!(
        audit_actions(t),
        ["case.create", "case.accept", "case.needs.create", "case.advance",
         "case.plan.create", "case.plan.update", "case.submit_plan", "case.approve"]
    );
    let timeline = t.db.read(|c| persons::timeline(c, &head, pid)).unwrap();
    assert!(timeline.iter().filter(|e| e.kind.starts_with("case.")).count() >= 8);
    // A person can have several cases.
    open(t, ids, pid, Sensitivity::Ordinary);
    let theirs = t.db.read(|c| store::of_person(c, &head, pid)).unwrap();
    assert_eq!(theirs.len(), 2);
});

db_test!(fn a_stale_or_refused_step_changes_nothing(t) {
    let (ids, pid) = seed(t);
    let id = open(t, ids, pid, Sensitivity::Ordinary);
    // Out of order: no needs assessment yet.
    step(t, ids[0], false, id, Event::Accept).unwrap();
    assert!(step(t, ids[0], false, id, Event::Advance).is_err());
    let v = viewer(ids[0], STATION, false);
    let before = t.db.read(|c| store::get(c, &v, id)).unwrap().case;
    save(t, ids[0], id, Kind::Needs, &needs());
    // The case read before the record was saved is stale now.
    let next = case::State::Planning { plan: case::Review::Drafting };
    let s = case::Step { from: Stage::Assessment, to: Stage::Planning, event: "advance", note: None };
    let err = t.db.write(|c| store::apply(c, &t.keys, &before, &next, &s, &actor(ids[0]), 5)).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    let after = t.db.read(|c| store::get(c, &v, id)).unwrap().case;
    assert_eq!(after.stage, "assessment");
    assert_eq!(t.db.read(|c| store::history(c, id)).unwrap().len(), 2);
});

db_test!(fn cases_are_scoped_and_confidential_ones_kept_to_their_workers(t) {
    let (ids, pid) = seed(t);
    let open_id = open(t, ids, pid, Sensitivity::Ordinary);
    let secret = open(t, ids, pid, Sensitivity::Confidential);
    let outside = viewer(ids[0], "430203", true);
    assert!(matches!(t.db.read(|c| store::get(c, &outside, open_id)), Err(StoreError::NotFound)));
    assert_eq!(t.db.read(|c| store::list(c, &outside, &Filter::default(), Page::default())).unwrap().total, 0);
    let other = viewer(ids[2], STATION, false);
    assert!(t.db.read(|c| store::get(c, &other, open_id)).is_ok());
    assert!(matches!(t.db.read(|c| store::get(c, &other, secret)), Err(StoreError::NotFound)));
    assert!(t.db.read(|c| store::get(c, &viewer(ids[1], STATION, false), secret)).is_ok());
    assert!(t.db.read(|c| store::get(c, &viewer(ids[3], STATION, true), secret)).is_ok());
    let mine = t.db.read(|c| store::list(c, &other, &Filter { worker: Some(ids[0]), ..Filter::default() }, Page::default())).unwrap();
    assert_eq!(mine.total, 1);
    let load = t.db.read(|c| store::caseload(c, &viewer(ids[3], STATION, true))).unwrap();
    assert_eq!(load.len(), 2);
    assert_eq!((load[0].user_id, load[0].lead, load[0].co), (ids[0], 2, 0));
    assert_eq!((load[1].user_id, load[1].lead, load[1].co), (ids[1], 0, 2));
});

db_test!(fn a_co_worker_of_another_station_is_refused_and_nothing_written(t) {
    let (ids, pid) = seed(t);
    let outsider = t.db.write(|c| users::create(c, &NewUser {
        username: "far", display_name: "far", role: Role::SocialWorker, org_code: "430203",
        password_hash: "h", must_change_password: false, two_factor_exempt: true,
    }, 0)).unwrap();
    let i = intake();
    let err = t.db.write(|c| store::open(c, &t.keys, &NewCase {
        person_id: pid, household_id: None, title: None, org_code: STATION, sensitivity: Sensitivity::Ordinary,
        lead_worker: ids[0], co_workers: &[outsider], opened_on: dates::today(), intake: Some(&i),
    }, &actor(ids[0]), 1)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    assert_eq!(t.db.read(|c| store::list(c, &viewer(ids[3], STATION, true), &Filter::default(), Page::default())).unwrap().total, 0);
    assert!(audit_actions(t).is_empty());
});

db_test!(fn follow_ups_are_listed_when_due_and_recorded_once(t) {
    use shegong_domain::case::closing::Contact;
    let (ids, pid) = seed(t);
    let id = open(t, ids, pid, Sensitivity::Ordinary);
    step(t, ids[0], false, id, Event::Refer { to: "区民政局".into(), reason: "不符合条件".into() }).unwrap();
    let v = viewer(ids[1], STATION, false);
    let today = dates::today();
    let (soon, later) = t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        Ok((
            store::schedule_follow_up(c, &t.keys, &k.case, today, &actor(ids[0]), 40)?,
            store::schedule_follow_up(c, &t.keys, &k.case, today + time::Duration::days(60), &actor(ids[0]), 40)?,
        ))
    }).unwrap();
    let due = t.db.read(|c| store::follow_ups_due(c, &v, ids[1], today)).unwrap();
    assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), [soon]);
    assert!(t.db.read(|c| store::follow_ups_due(c, &v, ids[2], today)).unwrap().is_empty());
    let contact = Contact { contacted_on: today, mode: "phone", outcome: "stable", notes: String::new() };
    let record = |fid: i64| t.db.write(|c| {
        let k = store::get(c, &v, id)?;
        store::record_contact(c, &t.keys, &k.case, fid, &contact, &actor(ids[1]), 50)
    });
    record(soon).unwrap();
    assert!(matches!(record(soon), Err(StoreError::NotFound)));
    let all = t.db.read(|c| store::follow_ups(c, id)).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].outcome.as_deref(), Some("stable"));
    assert!(all.iter().any(|f| f.id == later && f.contacted_on.is_none()));
    assert!(t.db.read(|c| store::follow_ups_due(c, &v, ids[1], today)).unwrap().is_empty());
});

/// A person registered at the station, with `sensitivity`.
fn add_person(t: &TestDb, uid: i64, name: &str, sensitivity: &str) -> i64 {
    let f = person::validate(
        &PersonInput {
            name: name.into(),
            sensitivity: Some(sensitivity.into()),
            ..Default::default()
        },
        dates::today(),
        &|_| false,
    )
    .unwrap();
    t.db.write(|c| persons::create(c, &t.keys, &f, STATION, &actor(uid), 1))
        .unwrap()
}

db_test!(fn a_household_case_covers_every_member(t) {
    use shegong_domain::household::{self as dh, HouseholdInput};
    use shegong_store::households as hs;
    let (ids, pid) = seed(t);
    let spouse = add_person(t, ids[0], "李桂兰", "ordinary");
    let outsider = add_person(t, ids[0], "王五", "ordinary");
    let head = viewer(ids[3], STATION, true);
    let f = dh::validate_household(&HouseholdInput { address: Some("文化路 1 号".into()), ..Default::default() }).unwrap();
    let hh = t.db.write(|c| {
        let h = hs::create(c, STATION, &f, 1)?;
        let row = hs::get(c, &head.scope, h)?;
        hs::add_member(c, &head, &row, pid, "head", &actor(ids[0]), 1)?;
        let row = hs::get(c, &head.scope, h)?;
        hs::add_member(c, &head, &row, spouse, "spouse", &actor(ids[0]), 1)?;
        Ok(h)
    }).unwrap();
    let new = |person_id: i64| NewCase {
        person_id, household_id: Some(hh), title: Some("家庭照料支持"), org_code: STATION,
        sensitivity: Sensitivity::Ordinary, lead_worker: ids[0], co_workers: &[], opened_on: dates::today(), intake: None,
    };
    // The person it is registered to must be a member.
    let err = t.db.write(|c| store::open(c, &t.keys, &new(outsider), &actor(ids[0]), 1)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    let id = t.db.write(|c| store::open(c, &t.keys, &new(pid), &actor(ids[0]), 1)).unwrap();
    // Listed for each member, not for others; on each member's timeline.
    for p in [pid, spouse] {
        let theirs = t.db.read(|c| store::of_person(c, &head, p)).unwrap();
        assert_eq!(theirs.iter().map(|c| c.id).collect::<Vec<_>>(), [id], "{p}");
        assert_eq!(theirs[0].title.as_deref(), Some("家庭照料支持"));
        let tl = t.db.read(|c| persons::timeline(c, &head, p)).unwrap();
        assert!(tl.iter().any(|e| e.kind == "case.open"), "{p}");
    }
    assert!(t.db.read(|c| store::of_person(c, &head, outsider)).unwrap().is_empty());
    // Without an intake record it waits at intake; the accept is refused until one is written.
    assert!(step(t, ids[0], false, id, Event::Accept).is_err());
    save(t, ids[0], id, Kind::Intake, &intake());
    step(t, ids[0], false, id, Event::Accept).unwrap();
    let tl = t.db.read(|c| persons::timeline(c, &head, spouse)).unwrap();
    assert!(tl.iter().any(|e| e.kind == "case.step"));
    // Out of scope: nothing.
    let far = viewer(ids[0], "430203", true);
    assert!(t.db.read(|c| store::of_person(c, &far, spouse)).unwrap().is_empty());
    // Its classification is the strictest member's.
    assert_eq!(t.db.read(|c| store::household_sensitivity(c, hh)).unwrap(), Sensitivity::Ordinary);
    let secret = add_person(t, ids[0], "赵六", "confidential");
    t.db.write(|c| {
        let row = hs::get(c, &head.scope, hh)?;
        hs::add_member(c, &head, &row, secret, "child", &actor(ids[0]), 1).map(|_| ())
    }).unwrap();
    assert_eq!(t.db.read(|c| store::household_sensitivity(c, hh)).unwrap(), Sensitivity::Confidential);
});

db_test!(fn cases_are_found_by_title(t) {
    let (ids, pid) = seed(t);
    open(t, ids, pid, Sensitivity::Ordinary);
    let titled = t.db.write(|c| store::open(c, &t.keys, &NewCase {
        person_id: pid, household_id: None, title: Some("演示长个案"), org_code: STATION,
        sensitivity: Sensitivity::Ordinary, lead_worker: ids[0], co_workers: &[], opened_on: dates::today(), intake: None,
    }, &actor(ids[0]), 1)).unwrap();
    let v = viewer(ids[3], STATION, true);
    let find = |q: &str| t.db.read(|c| store::list(c, &v, &Filter { q: Some(q.into()), ..Filter::default() }, Page::default())).unwrap();
    let l = find("长个案");
    assert_eq!(l.items.iter().map(|c| c.id).collect::<Vec<_>>(), [titled]);
    assert_eq!(l.items[0].title.as_deref(), Some("演示长个案"));
    // LIKE wildcards are matched as themselves.
    assert_eq!(find("%").total, 0);
    assert_eq!(find("").total, 2);
});
