//! Demo cases (issue 4; section 10 read with MZ/T 094): at every station of a generated county,
//! cases in every stage — plans and closings waiting for the station head, some returned with
//! comments, service records with their section-8 items (10.3), closed cases with follow-ups
//! (10.4, some overdue), a few household cases — and at the demo station 430202001 one case with
//! exactly [`LONG_CASE_RECORDS`] service records, titled [`LONG_CASE_TITLE`] (the PDF benchmark).
//!
//! Everything goes through the state machine (`case::transition`), the stage validators and
//! `store::cases`, as the web layer does, so the demo holds only what a user could have entered.
//! Deterministic from the seed: the same seed on the same people gives the same cases.

use anyhow::{Context, Result, anyhow};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use shegong_domain::case::closing::{self, ClosingInput, ContactInput};
use shegong_domain::case::evaluation::{self, EvaluationInput, GoalScoreInput};
use shegong_domain::case::intake::{self, IntakeInput};
use shegong_domain::case::needs::{self, NeedInput, NeedsInput};
use shegong_domain::case::plan::{self, GoalInput, InterventionInput, PlanInput};
use shegong_domain::case::service::{self, CaseFacts, ServiceInput};
use shegong_domain::case::{self, Event, Facts, State};
use shegong_domain::dates;
use shegong_domain::org::OrgCode;
use shegong_domain::policy::Sensitivity;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::audit::Actor;
use shegong_store::cases::{self as store, Kind, NewCase};
use shegong_store::keys::Keys;
use shegong_store::persons::Viewer;
use shegong_store::query::Page;
use shegong_store::users::{self, NewUser};
use shegong_store::{Db, DbConn, StoreError};
use time::{Date, Duration};

/// The title of the demo case with [`LONG_CASE_RECORDS`] service records
/// (`GET /api/v1/cases?q=演示长个案`).
pub const LONG_CASE_TITLE: &str = "演示长个案";
pub const LONG_CASE_RECORDS: usize = 50;
/// The station of the demo accounts `worker` and `head`: more cases there, and the long case.
const DEMO_STATION: &str = "430202001";

/// A generated person: (id, station code, household id).
pub type Served = (i64, String, Option<i64>, Sensitivity);

/// How far a case is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    Intake,
    Assessment,
    Planning,
    PlanWaiting,
    PlanReturned,
    Intervention,
    ClosingWaiting,
    ClosingReturned,
    /// Closed; the first follow-up overdue.
    ClosedOverdue,
    /// Closed; the first follow-up made, the next one due soon.
    ClosedFollowed,
    Referred,
    Terminated,
}

/// One station's round of cases: every stage, the approvals both ways.
const ROUND: [Goal; 14] = [
    Goal::Intake,
    Goal::Assessment,
    Goal::Planning,
    Goal::PlanWaiting,
    Goal::PlanWaiting,
    Goal::PlanReturned,
    Goal::Intervention,
    Goal::Intervention,
    Goal::ClosingWaiting,
    Goal::ClosingReturned,
    Goal::ClosedOverdue,
    Goal::ClosedFollowed,
    Goal::Referred,
    Goal::Terminated,
];
/// Household cases per station, in intervention.
const HOUSEHOLD_CASES: usize = 2;

const PROBLEMS: [&str; 6] = [
    "独居老人,子女长期在外务工,近期情绪低落,很少出门。",
    "低保家庭,主要劳动力患病,家庭收入不稳定,孩子面临辍学。",
    "留守儿童,由年迈的祖父母照看,学习困难,与同学交往少。",
    "残疾人,行动不便,出行和就医困难,希望获得康复服务。",
    "失能老人,家庭照料负担重,照料者身心疲惫。",
    "困境家庭,夫妻矛盾突出,孩子情绪受影响。",
];
const NEEDS: [(&str, &str); 6] = [
    ("日常生活照料", "8.2.3"),
    ("情绪疏导与陪伴", "8.2.5"),
    ("救助政策咨询与申请", "8.1.2"),
    ("链接社区资源", "8.1.3"),
    ("家庭关系调适", "8.2.4"),
    ("儿童学业与心理支持", "8.3.3"),
];
const CONTENT: [&str; 6] = [
    "入户探访,了解近况,陪伴聊天并进行情绪疏导。",
    "电话回访,确认送餐服务到位,提醒按时服药。",
    "陪同前往街道办理救助申请,协助准备材料。",
    "联系村医上门测量血压,指导家属照料技巧。",
    "组织家庭会谈,协助家庭成员沟通照料安排。",
    "链接志愿者开展学业辅导,并与学校老师沟通。",
];
const MODES: [&str; 5] = ["home_visit", "phone", "office", "online", "accompanied"];
const RETURN_COMMENTS: [&str; 3] = [
    "目标需写明可测量的指标和完成时间。",
    "请补充资源链接的具体单位和联系人。",
    "结案小结请写明目标达成情况和服务对象的意见。",
];

/// Generates the demo cases of `people` (the stations they are registered at), one transaction
/// per station. Returns the number of cases and the id of the long case, when made (only at
/// 430202001).
pub fn generate(
    db: &Db,
    keys: &Keys,
    seed: u64,
    people: &[Served],
) -> Result<(usize, Option<i64>)> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x000c_a5e5);
    let mut stations: Vec<&str> = people.iter().map(|p| p.1.as_str()).collect();
    stations.sort_unstable();
    stations.dedup();
    let mut count = 0;
    let mut long = None;
    for station in stations {
        let mut here: Vec<&Served> = people.iter().filter(|p| p.1 == station).collect();
        // Household cases first (households with at least two members here), then the rounds.
        let mut households: Vec<i64> = here.iter().filter_map(|p| p.2).collect();
        households.sort_unstable();
        let mut multi: Vec<i64> = households
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        multi.dedup();
        let mut plan: Vec<(Goal, Option<i64>)> = multi
            .iter()
            .take(HOUSEHOLD_CASES)
            .map(|h| (Goal::Intervention, Some(*h)))
            .collect();
        let rounds = if station == DEMO_STATION { 2 } else { 1 };
        for _ in 0..rounds {
            plan.extend(ROUND.iter().map(|g| (*g, None)));
        }
        let code = OrgCode::parse(station).map_err(|m| anyhow!("demo station: {}", m.en))?;
        let (made, long_here) = db.write(|c| {
            let (worker, head) = staff(c, &code)?;
            let mut w = Work {
                c,
                keys,
                rng: &mut rng,
                today: dates::today(),
                station,
                viewer: Viewer {
                    user_id: worker.user_id.unwrap_or_default(),
                    scope: Scope::new(vec![code.clone()]),
                    all_confidential: true,
                },
                worker,
                head,
            };
            // The long case first, so a small demo has it too.
            let long = match here.first() {
                Some((pid, _, _, class)) if station == DEMO_STATION => {
                    let id = w
                        .case(
                            *pid,
                            None,
                            *class,
                            Goal::Intervention,
                            Some(LONG_CASE_RECORDS),
                        )
                        .map_err(|e| StoreError::Other(format!("demo case: {e:#}")))?;
                    here.remove(0);
                    Some(id)
                }
                _ => None,
            };
            let mut made = usize::from(long.is_some());
            // Each case is someone else's: people are drawn without repeating.
            for (goal, household) in &plan {
                let i = match household {
                    Some(h) => here.iter().position(|p| p.2 == Some(*h)),
                    None if here.is_empty() => None,
                    None => Some(w.rng.random_range(0..here.len())),
                };
                let Some(i) = i else { continue };
                let (pid, _, _, class) = here.swap_remove(i);
                w.case(*pid, *household, *class, *goal, None)
                    .map_err(|e| StoreError::Other(format!("demo case: {e:#}")))?;
                made += 1;
            }
            Ok((made, long))
        })?;
        count += made;
        long = long.or(long_here);
    }
    Ok((count, long))
}

/// The station's social worker and head: the demo accounts where they exist, otherwise accounts
/// made for the demo that cannot log in (their password hash is no hash).
fn staff(c: &mut DbConn, code: &OrgCode) -> Result<(Actor, Actor), StoreError> {
    let station = code.as_str();
    let mut one = |role: Role, display: &str| -> Result<Actor, StoreError> {
        let found = users::list(
            c,
            &Scope::new(vec![code.clone()]),
            &users::Filter {
                role: Some(role),
                ..users::Filter::default()
            },
            Page::new(None, Some(1)),
            0,
        )?;
        let (id, name) = match found.items.first() {
            Some(u) => (u.id, u.display_name.clone()),
            None => {
                let username = format!("demo_{}_{station}", role.id());
                let id = users::create(
                    c,
                    &NewUser {
                        username: &username,
                        display_name: display,
                        role,
                        org_code: station,
                        password_hash: "!demo-account-without-login",
                        must_change_password: true,
                        two_factor_exempt: true,
                    },
                    shegong_domain::clock::now(),
                )?;
                (id, display.to_string())
            }
        };
        Ok(Actor {
            user_id: Some(id),
            name,
            ip: "demo".into(),
        })
    };
    Ok((
        one(Role::SocialWorker, "周社工")?,
        one(Role::StationHead, "谭站长")?,
    ))
}

struct Work<'a, 'c> {
    c: &'c mut DbConn,
    keys: &'a Keys,
    rng: &'a mut StdRng,
    today: Date,
    station: &'a str,
    worker: Actor,
    head: Actor,
    viewer: Viewer,
}

/// The instant of a day of the work (noon, China time), so histories read in order.
fn at(d: Date) -> i64 {
    d.with_hms(4, 0, 0)
        .map(|t| t.assume_utc().unix_timestamp())
        .unwrap_or_default()
}

impl Work<'_, '_> {
    fn row(&mut self, id: i64) -> Result<store::Case> {
        Ok(store::get(self.c, &self.viewer, id)?)
    }

    /// Applies `event` on `day` as `by` (the head when `head`): decided by the state machine.
    fn step(&mut self, id: i64, head: bool, event: Event, day: Date) -> Result<State> {
        let k = self.row(id)?;
        let records = store::records(self.c, id)?;
        let by = if head { &self.head } else { &self.worker };
        let uid = by.user_id.unwrap_or_default();
        let facts = Facts {
            actor: case::Actor {
                user_id: uid,
                head,
                on_case: k.on_case(uid),
            },
            today: day,
            on_file: store::on_file(self.c, id, &records)?,
        };
        let (next, s) = case::transition(&k.case.state()?, &event, &facts)
            .map_err(|r| anyhow!("{}: {}", event.id(), r.message().en))?;
        store::apply(self.c, self.keys, &k.case, &next, &s, by, at(day))?;
        Ok(next)
    }

    fn save<T: serde::Serialize>(
        &mut self,
        id: i64,
        kind: Kind,
        on: Date,
        input: &T,
    ) -> Result<()> {
        let k = self.row(id)?;
        store::save_record(
            self.c,
            self.keys,
            &k.case,
            kind,
            on,
            input,
            &self.worker,
            at(on),
        )?;
        Ok(())
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.random_range(0..from.len())]
    }

    /// One case of `pid` (of household `household`) taken to `goal`, with `services` service
    /// records when given (otherwise a few).
    fn case(
        &mut self,
        pid: i64,
        household: Option<i64>,
        class: Sensitivity,
        goal: Goal,
        services: Option<usize>,
    ) -> Result<i64> {
        let today = self.today;
        let long = services.is_some();
        let services = services.unwrap_or_else(|| self.rng.random_range(2..7));
        // Enough days for every record to fall in the past.
        let span = 30 + 4 * services as i64 + self.rng.random_range(0..60);
        let opened = today - Duration::days(span + 120);
        let problem = self.pick(&PROBLEMS);
        let intake = IntakeInput {
            source: self
                .pick(&["walk_in", "home_visit", "assigned", "referral_in"])
                .into(),
            referrer: Some("街道民政办".into()),
            received_on: dates::iso(opened),
            presenting_problem: problem.into(),
            consent: true,
            consent_by: Some("本人及监护人".into()),
            eligible: true,
            ..IntakeInput::default()
        };
        intake::validate(&intake, today, None).map_err(|e| anyhow!("intake: {e}"))?;
        let class = match household {
            Some(h) => class.max(store::household_sensitivity(self.c, h)?),
            None => class,
        };
        let title = long.then_some(LONG_CASE_TITLE);
        let id = store::open(
            self.c,
            self.keys,
            &NewCase {
                person_id: pid,
                household_id: household,
                title,
                org_code: self.station,
                sensitivity: class,
                lead_worker: self.worker.user_id.unwrap_or_default(),
                co_workers: &[],
                opened_on: opened,
                intake: Some(&intake),
            },
            &self.worker,
            at(opened),
        )
        .context("open")?;
        let ended = |g: Goal| matches!(g, Goal::Referred | Goal::Terminated);
        if goal == Goal::Intake {
            return Ok(id);
        }
        if ended(goal) && self.rng.random_bool(0.5) {
            self.end(id, goal, opened + Duration::days(2))?;
            return Ok(id);
        }
        let mut day = opened + Duration::days(1);
        self.step(id, false, Event::Accept, day)?;
        let need_count = self.rng.random_range(1..4usize);
        let first = self.rng.random_range(0..NEEDS.len());
        let picked: Vec<(&str, &str)> = (0..need_count)
            .map(|i| NEEDS[(first + i) % NEEDS.len()])
            .collect();
        day += Duration::days(3);
        let needs_in = NeedsInput {
            assessed_on: dates::iso(day),
            individual: format!("{problem}身体状况一般,能表达自己的意愿。"),
            family: "家庭支持较弱,亲属联系不多。".into(),
            community: "村(居)委会和邻里愿意提供帮助。".into(),
            strengths: "性格乐观,愿意配合服务。".into(),
            problem_summary: problem.into(),
            needs: picked
                .iter()
                .enumerate()
                .map(|(i, (n, _))| NeedInput {
                    need: (*n).into(),
                    priority: ["high", "medium", "low"][i % 3].into(),
                })
                .collect(),
            worker_signature: self.worker.name.clone(),
            head_opinion: Some("同意评估意见。".into()),
        };
        needs::validate(&needs_in, today, opened).map_err(|e| anyhow!("needs: {e}"))?;
        self.save(id, Kind::Needs, day, &needs_in)?;
        if goal == Goal::Assessment {
            return Ok(id);
        }
        if ended(goal) {
            self.end(id, goal, day + Duration::days(2))?;
            return Ok(id);
        }
        day += Duration::days(1);
        self.step(id, false, Event::Advance, day)?;
        day += Duration::days(3);
        let plan_in = PlanInput {
            planned_on: dates::iso(day),
            goals: picked
                .iter()
                .enumerate()
                .map(|(i, (n, _))| GoalInput {
                    goal: format!("改善{n}方面的状况"),
                    indicator: "每月服务不少于 2 次,服务对象自评改善".into(),
                    target_date: dates::iso(day + Duration::days(180)),
                    needs: vec![i as i64 + 1],
                })
                .collect(),
            interventions: picked
                .iter()
                .map(|(n, item)| InterventionInput {
                    action: format!("围绕{n}开展服务"),
                    items: vec![(*item).into()],
                })
                .collect(),
            resources: Some("村(居)委会、志愿服务队、卫生服务站".into()),
        };
        let need_ids = store::numbered(picked.len());
        plan::validate(&plan_in, today, &need_ids).map_err(|e| anyhow!("plan: {e}"))?;
        self.save(id, Kind::Plan, day, &plan_in)?;
        if goal == Goal::Planning {
            return Ok(id);
        }
        self.step(id, false, Event::SubmitPlan, day)?;
        if goal == Goal::PlanWaiting {
            return Ok(id);
        }
        day += Duration::days(1);
        if goal == Goal::PlanReturned {
            let comments = self.pick(&RETURN_COMMENTS[..2]).to_string();
            self.step(id, true, Event::Return { comments }, day)?;
            return Ok(id);
        }
        self.step(id, true, Event::Approve, day)?;
        let workers = vec![self.worker.user_id.unwrap_or_default()];
        let goal_ids = store::numbered(picked.len());
        for n in 0..services {
            day += Duration::days(if long { 2 } else { 4 });
            let g = n % picked.len();
            let s = ServiceInput {
                kind: "service".into(),
                served_on: dates::iso(day),
                minutes: Some(self.rng.random_range(2..9) * 10),
                mode: self.pick(&MODES).into(),
                workers: workers.clone(),
                content: format!("第 {} 次服务:{}", n + 1, self.pick(&CONTENT)),
                items: vec![picked[g].1.into(), "8.2.1".into()],
                goals: vec![g as i64 + 1],
                next_step: Some("按计划继续跟进。".into()),
                ..ServiceInput::default()
            };
            service::validate(
                &s,
                today,
                CaseFacts {
                    opened_on: opened,
                    workers: &workers,
                    goals: &goal_ids,
                },
            )
            .map_err(|e| anyhow!("service: {e}"))?;
            self.save(id, Kind::Service, day, &s)?;
        }
        if goal == Goal::Intervention {
            return Ok(id);
        }
        if ended(goal) {
            self.end(id, goal, day + Duration::days(1))?;
            return Ok(id);
        }
        day += Duration::days(2);
        self.step(id, false, Event::Advance, day)?;
        let eval = EvaluationInput {
            evaluated_on: dates::iso(day),
            goals: goal_ids
                .iter()
                .map(|g| GoalScoreInput {
                    goal: *g,
                    score: Some(self.rng.random_range(0..3)),
                    note: None,
                })
                .collect(),
            satisfaction: self.pick(&["5", "4", "4", "3"]).into(),
            reflection: "服务对象状况改善,家庭和社区支持有所加强。".into(),
        };
        evaluation::validate(&eval, today, opened, &goal_ids)
            .map_err(|e| anyhow!("evaluation: {e}"))?;
        self.save(id, Kind::Evaluation, day, &eval)?;
        let closing_in = ClosingInput {
            reason: "goals_met".into(),
            summary: "服务目标基本达成,服务对象情况稳定。".into(),
            reviewed_with_person: true,
            follow_up_plan: "结案后一个月电话回访,三个月后入户回访。".into(),
            first_follow_up_days: Some(30),
            ..ClosingInput::default()
        };
        let checked = closing::validate(&closing_in).map_err(|e| anyhow!("closing: {e}"))?;
        self.save(id, Kind::Closing, day, &closing_in)?;
        self.step(id, false, Event::SubmitClosing, day)?;
        if goal == Goal::ClosingWaiting {
            return Ok(id);
        }
        if goal == Goal::ClosingReturned {
            let comments = RETURN_COMMENTS[2].to_string();
            self.step(
                id,
                true,
                Event::Return { comments },
                day + Duration::days(1),
            )?;
            return Ok(id);
        }
        // Closed long enough ago that the first follow-up (30 days on) is past due.
        let closed_on = match goal {
            Goal::ClosedOverdue => today - Duration::days(40),
            _ => today - Duration::days(60),
        };
        let state = self.step(id, true, Event::Approve, closed_on.max(day))?;
        let closed_on = state.ended_on().unwrap_or(closed_on);
        let k = self.row(id)?;
        let due = checked.first_follow_up(closed_on);
        let fid = store::schedule_follow_up(
            self.c,
            self.keys,
            &k.case,
            due,
            &self.worker,
            at(closed_on),
        )?;
        if goal == Goal::ClosedFollowed && due <= today {
            let contact = ContactInput {
                contacted_on: dates::iso(due),
                mode: "phone".into(),
                outcome: "stable".into(),
                notes: Some("电话回访,情况稳定。".into()),
            };
            let checked = closing::validate_contact(&contact, &state, today)
                .map_err(|e| anyhow!("contact: {e}"))?;
            store::record_contact(
                self.c,
                self.keys,
                &k.case,
                fid,
                &checked,
                &self.worker,
                at(due),
            )?;
            store::schedule_follow_up(
                self.c,
                self.keys,
                &k.case,
                today + Duration::days(5),
                &self.worker,
                at(due),
            )?;
        }
        Ok(id)
    }

    /// Ends a case early: referred elsewhere or terminated.
    fn end(&mut self, id: i64, goal: Goal, day: Date) -> Result<()> {
        let event = if goal == Goal::Referred {
            Event::Refer {
                to: "区残疾人康复中心".into(),
                reason: "需要专业康复服务,超出本站服务能力。".into(),
            }
        } else {
            Event::Terminate {
                reason: "服务对象已迁居外地。".into(),
            }
        };
        self.step(id, false, event, day.min(self.today))?;
        Ok(())
    }
}
