//! Case work (issue 4 points 1-3 and the approvals of point 7; section 10 read with MZ/T 094,
//! decision 0014). Every change is read, decided by `domain::case` (`transition`, `may_record`
//! and the stage validators) and then written by `store::cases`, which refuses it as stale (409)
//! when the case changed in between: the rules live in the domain only, and a refusal changes
//! nothing. A refusal answers with the domain's reason: not allowed 403, wrong state 409,
//! incomplete 422.

pub mod api;
pub mod archive;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::{ensure_reader, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::case::closing::{self, ClosingInput, ContactInput};
use shegong_domain::case::evaluation::{self, EvaluationInput};
use shegong_domain::case::intake::{self, IntakeInput};
use shegong_domain::case::needs::{self, NeedsInput};
use shegong_domain::case::plan::{self, PlanInput};
use shegong_domain::case::service::{self, CaseFacts, ServiceInput};
use shegong_domain::case::{self, Actor, Event, Facts, Refusal, State};
use shegong_domain::policy::{Action, Target};
use shegong_domain::role::Role;
use shegong_domain::{clock, dates};
use shegong_store::StoreError;
use shegong_store::audit::{self, Event as AuditEvent};
use shegong_store::cases::{self as store, Case, FollowUpRow, Kind, NewCase, RecordRow, StepRow};

/// A case as one page shows it: the people on it, its records, history and follow-ups.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub case: Case,
    pub state: State,
    pub records: Vec<RecordRow>,
    pub history: Vec<StepRow>,
    pub follow_ups: Vec<FollowUpRow>,
}

impl Loaded {
    /// The policy target for `user_id`: a worker on the case counts as assigned (R-7.4g).
    fn target(&self, user_id: i64) -> Target<'_> {
        Target {
            org_code: &self.case.case.org_code,
            sensitivity: self.sensitivity(),
            assigned: self.case.on_case(user_id),
        }
    }

    fn sensitivity(&self) -> shegong_domain::policy::Sensitivity {
        shegong_domain::policy::Sensitivity::from_id(&self.case.case.sensitivity)
            .unwrap_or_default()
    }

    /// The ids of the needs assessed (10.1), which the plan's goals link to.
    fn need_ids(&self) -> Result<Vec<i64>, AppError> {
        let n: Option<NeedsInput> = store::record(&self.records, Kind::Needs)?;
        Ok(store::numbered(n.map_or(0, |n| n.needs.len())))
    }

    /// The ids of the plan's goals (10.2), which service records and the evaluation refer to.
    fn goal_ids(&self) -> Result<Vec<i64>, AppError> {
        let p: Option<PlanInput> = store::record(&self.records, Kind::Plan)?;
        Ok(store::numbered(p.map_or(0, |p| p.goals.len())))
    }
}

/// The domain's refusal as the answer: 403, 409 or 422 with its reason.
pub fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::NotAllowed(m) => AppError::Forbidden(m),
        Refusal::WrongState(m) => AppError::Conflict(m),
        Refusal::Incomplete { field, message } => AppError::invalid(field, message),
    }
}

/// Opens a case the user may read (out of scope or hidden → 404, a role that reads no records →
/// 403). Reading a sensitive or confidential case is audited.
pub async fn load(st: &AppState, info: &AuthInfo, id: i64) -> Result<Loaded, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let l = st
        .read(move |c| {
            let case = store::get(c, &v, id)?;
            Ok(Loaded {
                state: case.case.state()?,
                case,
                records: store::records(c, id)?,
                history: store::history(c, id)?,
                follow_ups: store::follow_ups(c, id)?,
            })
        })
        .await?;
    info.check(Action::ReadRecord, &l.target(info.user.id))?;
    let sensitivity = l.sensitivity();
    if Action::ReadRecord.audited(sensitivity) {
        let keys = st.keys.clone();
        let actor = info.actor();
        let org = l.case.case.org_code.clone();
        st.write(move |c| {
            audit::append(
                c,
                &keys,
                &AuditEvent::new(&actor, "case.read", "case", id)
                    .org(org)
                    .detail(json!({"sensitivity": sensitivity.id()})),
            )
            .map(|_| ())
        })
        .await?;
    }
    Ok(l)
}

/// A case to write on: the user needs `WriteRecord` on it (403).
async fn load_for_writing(st: &AppState, info: &AuthInfo, id: i64) -> Result<Loaded, AppError> {
    let l = load(st, info, id).await?;
    info.check(Action::WriteRecord, &l.target(info.user.id))?;
    Ok(l)
}

fn facts(info: &AuthInfo, l: &Loaded) -> Result<Facts, AppError> {
    Ok(Facts {
        actor: Actor {
            user_id: info.user.id,
            head: info.user.role() == Role::StationHead,
            on_case: l.case.on_case(info.user.id),
        },
        today: dates::today(),
        on_file: store::on_file(&l.records)?,
    })
}

/// Opens a case for a person at intake; the user leads it. A declined intake is referred at once.
pub async fn open_case(
    st: &AppState,
    info: &AuthInfo,
    person_id: i64,
    input: IntakeInput,
    co_workers: Vec<i64>,
) -> Result<i64, AppError> {
    let o = crate::care::open(st, info, person_id).await?;
    if !o.may_write {
        return Err(AppError::forbidden());
    }
    let checked = intake::validate(&input, dates::today(), o.age())?;
    let decline = checked.decline();
    let keys = st.keys.clone();
    let actor = info.actor();
    let lead = info.user.id;
    let station = info.user.org_code.clone();
    let sensitivity = o.person.sensitivity();
    let v = viewer(info);
    let head = info.user.role() == Role::StationHead;
    st.write(move |c| {
        let id = store::open(
            c,
            &keys,
            &NewCase {
                person_id,
                household_id: None,
                org_code: &station,
                sensitivity,
                lead_worker: lead,
                co_workers: &co_workers,
                opened_on: checked.received_on,
                intake: &input,
            },
            &actor,
            clock::now(),
        )?;
        // A declined intake ends in a referral in the same step (domain-rules.md § Service
        // process): decided by the state machine like any other event.
        if let Some(event) = decline {
            let k = store::get(c, &v, id)?;
            let facts = Facts {
                actor: Actor {
                    user_id: lead,
                    head,
                    on_case: true,
                },
                today: dates::today(),
                on_file: store::on_file(&store::records(c, id)?)?,
            };
            let (next, s) = case::transition(&k.case.state()?, &event, &facts)
                .map_err(|r| StoreError::Conflict(r.message().clone()))?;
            store::apply(c, &keys, &k.case, &next, &s, &actor, clock::now())?;
        }
        Ok(id)
    })
    .await
}

/// Applies an event to a case: the domain decides, the store writes (with the step in the
/// history). The approval of a closing schedules its first follow-up (10.4).
pub async fn step(st: &AppState, info: &AuthInfo, id: i64, event: Event) -> Result<(), AppError> {
    let l = load_for_writing(st, info, id).await?;
    let (next, s) = case::transition(&l.state, &event, &facts(info, &l)?).map_err(refused)?;
    let first_follow_up = match &next {
        State::Closed { on, .. } => {
            let input: Option<ClosingInput> = store::record(&l.records, Kind::Closing)?;
            input
                .and_then(|i| closing::validate(&i).ok())
                .map(|c| c.first_follow_up(*on))
        }
        _ => None,
    };
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::apply(c, &keys, &l.case.case, &next, &s, &actor, clock::now())?;
        if let Some(due) = first_follow_up {
            store::schedule_follow_up(c, &keys, &l.case.case, due, &actor, clock::now())?;
        }
        Ok(())
    })
    .await
}

/// A record of a stage as sent.
pub enum Input {
    Needs(NeedsInput),
    Plan(PlanInput),
    Service(ServiceInput),
    Evaluation(EvaluationInput),
    Closing(ClosingInput),
}

/// Writes a stage record, when the state allows it (`case::may_record`) and its validator passes.
pub async fn save(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    mut input: Input,
) -> Result<i64, AppError> {
    let l = load_for_writing(st, info, id).await?;
    let today = dates::today();
    let opened = l.case.case.opened();
    // The state decides first: a record the stage does not take is refused as such (409), not
    // for its content.
    let kind = match &input {
        Input::Needs(_) => Kind::Needs,
        Input::Plan(_) => Kind::Plan,
        Input::Service(_) => Kind::Service,
        Input::Evaluation(_) => Kind::Evaluation,
        Input::Closing(_) => Kind::Closing,
    };
    case::may_record(&l.state, kind.record()).map_err(refused)?;
    let (on, body): (time::Date, serde_json::Value) = match &mut input {
        Input::Needs(i) => (needs::validate(i, today, opened)?.assessed_on, to_json(i)?),
        Input::Plan(i) => (
            plan::validate(i, today, &l.need_ids()?)?.planned_on,
            to_json(i)?,
        ),
        Input::Service(i) => {
            // A home visit entered on a phone names no one: the worker entering it did it.
            if i.workers.is_empty() {
                i.workers.push(info.user.id);
            }
            let workers = l.case.workers();
            let goals = l.goal_ids()?;
            let r = service::validate(
                i,
                today,
                CaseFacts {
                    opened_on: opened,
                    workers: &workers,
                    goals: &goals,
                },
            )?;
            (r.served_on, to_json(i)?)
        }
        Input::Evaluation(i) => (
            evaluation::validate(i, today, opened, &l.goal_ids()?)?.evaluated_on,
            to_json(i)?,
        ),
        Input::Closing(i) => {
            closing::validate(i)?;
            (today, to_json(i)?)
        }
    };
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::save_record(
            c,
            &keys,
            &l.case.case,
            kind,
            on,
            &body,
            &actor,
            clock::now(),
        )
    })
    .await
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(v).map_err(AppError::internal)
}

/// Schedules a follow-up (10.4): only on a case that ended, never before the day it ended.
pub async fn schedule(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    due_on: &str,
) -> Result<i64, AppError> {
    let l = load_for_writing(st, info, id).await?;
    let due = closing::validate_due(due_on, &l.state)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::schedule_follow_up(c, &keys, &l.case.case, due, &actor, clock::now()))
        .await
}

/// Records the contact made for a scheduled follow-up (10.4).
pub async fn contact(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    follow_up_id: i64,
    input: ContactInput,
) -> Result<(), AppError> {
    let l = load_for_writing(st, info, id).await?;
    let checked = closing::validate_contact(&input, &l.state, dates::today())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::record_contact(
            c,
            &keys,
            &l.case.case,
            follow_up_id,
            &checked,
            &actor,
            clock::now(),
        )
    })
    .await
}
