//! Case work (issue 4 points 1-3 and the approvals of point 7; section 10 read with MZ/T 094,
//! decision 0014). Every change is read, decided by `domain::case` (`transition`, `may_record`
//! and the stage validators) and then written by `store::cases`, which refuses it as stale (409)
//! when the case changed in between: the rules live in the domain only, and a refusal changes
//! nothing. A refusal answers with the domain's reason: not allowed 403, wrong state 409,
//! incomplete 422.

pub mod api;
pub mod archive;
pub mod pages;

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
use shegong_domain::case::{self, Actor, Event, Facts, OnFile, Refusal, Stage, State};
use shegong_domain::policy::{Action, Target};
use shegong_domain::role::Role;
use shegong_domain::{Msg, clock, dates};
use shegong_store::StoreError;
use shegong_store::audit::{self, Actor as AuditActor, Event as AuditEvent};
use shegong_store::cases::{self as store, Case, FollowUpRow, Kind, NewCase, RecordRow, StepRow};
use shegong_store::db::DbConn;
use shegong_store::keys::Keys;
use shegong_store::persons::Viewer;

/// A case as one page shows it: the people on it, its records, history and follow-ups.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub case: Case,
    pub state: State,
    pub records: Vec<RecordRow>,
    pub history: Vec<StepRow>,
    pub follow_ups: Vec<FollowUpRow>,
    /// What the records show, for the state machine.
    pub on_file: OnFile,
}

impl Loaded {
    /// The policy target for `user_id`: a worker on the case counts as assigned (R-7.4g).
    pub(crate) fn target(&self, user_id: i64) -> Target<'_> {
        Target {
            org_code: &self.case.case.org_code,
            sensitivity: self.sensitivity(),
            assigned: self.case.on_case(user_id),
        }
    }

    pub(crate) fn sensitivity(&self) -> shegong_domain::policy::Sensitivity {
        shegong_domain::policy::Sensitivity::from_id(&self.case.case.sensitivity)
            .unwrap_or_default()
    }

    /// The ids of the needs assessed (10.1), which the plan's goals link to.
    pub(crate) fn need_ids(&self) -> Result<Vec<i64>, AppError> {
        let n: Option<NeedsInput> = store::record(&self.records, Kind::Needs)?;
        Ok(store::numbered(n.map_or(0, |n| n.needs.len())))
    }

    /// The ids of the plan's goals (10.2), which service records and the evaluation refer to.
    pub(crate) fn goal_ids(&self) -> Result<Vec<i64>, AppError> {
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
            let records = store::records(c, id)?;
            Ok(Loaded {
                state: case.case.state()?,
                case,
                on_file: store::on_file(c, id, &records)?,
                records,
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
pub(crate) async fn load_for_writing(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Loaded, AppError> {
    let l = load(st, info, id).await?;
    info.check(Action::WriteRecord, &l.target(info.user.id))?;
    Ok(l)
}

pub(crate) fn facts(info: &AuthInfo, l: &Loaded) -> Result<Facts, AppError> {
    Ok(Facts {
        actor: Actor {
            user_id: info.user.id,
            head: info.user.role() == Role::StationHead,
            on_case: l.case.on_case(info.user.id),
        },
        today: dates::today(),
        on_file: l.on_file,
    })
}

/// Whose case it is.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    Person(i64),
    /// A household case, registered to one member (`None`: the household's head).
    Household {
        id: i64,
        person: Option<i64>,
    },
}

/// What a case is opened with: the contract's `{"person_id", "title"?}`, the intake when the
/// worker has it at hand (otherwise written before the case is accepted), co-workers.
#[derive(Debug, Default)]
pub struct Opening {
    pub title: Option<String>,
    pub intake: Option<IntakeInput>,
    pub co_workers: Vec<i64>,
}

/// Opens a case at intake for a person, or for a household through one of its members (issue 4
/// point 3: the household case covers every member); the user leads it at their station. A
/// declined intake is referred at once. Every way of opening a case comes through here.
pub async fn open_case(
    st: &AppState,
    info: &AuthInfo,
    whose: Whose,
    o: Opening,
) -> Result<i64, AppError> {
    // A role that reads no records is refused as such (403) before any lookup.
    ensure_reader(info)?;
    let (person_id, household_id) = match whose {
        Whose::Person(p) => (p, None),
        Whose::Household { id, person } => {
            let hh = crate::households::load(st, info, id).await?;
            info.check(Action::WriteRecord, &Target::at(&hh.org_code))?;
            let p = person.or(hh.head_person_id).ok_or_else(|| {
                AppError::invalid(
                    "person_id",
                    Msg::new(
                        "本户未登记户主,请选择个案登记在哪位成员名下",
                        "the household has no head: choose the member the case is registered to",
                    ),
                )
            })?;
            (p, Some(id))
        }
    };
    let p = crate::care::open(st, info, person_id).await?;
    if !p.may_write {
        return Err(AppError::forbidden());
    }
    let today = dates::today();
    let title = case::title(o.title.as_deref())?;
    let checked = o
        .intake
        .as_ref()
        .map(|i| intake::validate(i, today, p.age()))
        .transpose()?;
    let decline = checked.as_ref().and_then(|c| c.decline());
    let opened_on = checked.map_or(today, |c| c.received_on);
    let keys = st.keys.clone();
    let actor = info.actor();
    let lead = info.user.id;
    let station = info.user.org_code.clone();
    let person_class = p.person.sensitivity();
    let v = viewer(info);
    let head = info.user.role() == Role::StationHead;
    st.write(move |c| {
        let sensitivity = match household_id {
            Some(h) => person_class.max(store::household_sensitivity(c, h)?),
            None => person_class,
        };
        let id = store::open(
            c,
            &keys,
            &NewCase {
                person_id,
                household_id,
                title: title.as_deref(),
                org_code: &station,
                sensitivity,
                lead_worker: lead,
                co_workers: &o.co_workers,
                opened_on,
                intake: o.intake.as_ref(),
            },
            &actor,
            clock::now(),
        )?;
        if let Some(event) = decline {
            refer_declined(c, &keys, &v, id, head, &event, &actor)?;
        }
        Ok(id)
    })
    .await
}

/// A declined intake ends in a referral in the same step (domain-rules.md § Service process):
/// decided by the state machine like any other event.
fn refer_declined(
    c: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    id: i64,
    head: bool,
    event: &Event,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    let k = store::get(c, v, id)?;
    let records = store::records(c, id)?;
    let facts = Facts {
        actor: Actor {
            user_id: v.user_id,
            head,
            on_case: k.on_case(v.user_id),
        },
        today: dates::today(),
        on_file: store::on_file(c, id, &records)?,
    };
    let (next, s) = case::transition(&k.case.state()?, event, &facts)
        .map_err(|r| StoreError::Conflict(r.message().clone()))?;
    store::apply(c, keys, &k.case, &next, &s, actor, clock::now())
}

/// Applies an event to a case: the domain decides, the store writes (with the step in the
/// history). The approval of a closing schedules its first follow-up (10.4).
pub async fn step(st: &AppState, info: &AuthInfo, id: i64, event: Event) -> Result<(), AppError> {
    let l = load_for_writing(st, info, id).await?;
    decide_and_write(st, info, l, &event).await
}

/// Moves a case to the state `to` (the contract's `transitions`): the domain reads the move as
/// its event (`case::event_to`), then it goes as [`step`].
pub async fn move_to(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    to: Stage,
    reason: Option<String>,
    referred_to: Option<String>,
) -> Result<(), AppError> {
    let l = load_for_writing(st, info, id).await?;
    let event =
        case::event_to(&l.state, to, reason.as_deref(), referred_to.as_deref()).map_err(refused)?;
    // Here `to` names the state asked for; the referral's destination is `referred_to`.
    decide_and_write(st, info, l, &event)
        .await
        .map_err(|e| match e {
            AppError::Invalid(inv) => match inv.message_for("to") {
                Some(m) => AppError::invalid("referred_to", m.clone()),
                None => AppError::Invalid(inv),
            },
            e => e,
        })
}

async fn decide_and_write(
    st: &AppState,
    info: &AuthInfo,
    l: Loaded,
    event: &Event,
) -> Result<(), AppError> {
    let (next, s) = case::transition(&l.state, event, &facts(info, &l)?).map_err(refused)?;
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
    Intake(IntakeInput),
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
        Input::Intake(_) => Kind::Intake,
        Input::Needs(_) => Kind::Needs,
        Input::Plan(_) => Kind::Plan,
        Input::Service(_) => Kind::Service,
        Input::Evaluation(_) => Kind::Evaluation,
        Input::Closing(_) => Kind::Closing,
    };
    case::may_record(&l.state, kind.record()).map_err(refused)?;
    let mut decline = None;
    let (on, body): (time::Date, serde_json::Value) = match &mut input {
        Input::Intake(i) => {
            let age = crate::care::open(st, info, l.case.case.person_id)
                .await?
                .age();
            let checked = intake::validate(i, today, age)?;
            decline = checked.decline();
            (checked.received_on, to_json(i)?)
        }
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
    let v = viewer(info);
    let head = info.user.role() == Role::StationHead;
    st.write(move |c| {
        let rid = store::save_record(
            c,
            &keys,
            &l.case.case,
            kind,
            on,
            &body,
            &actor,
            clock::now(),
        )?;
        if let Some(event) = decline {
            refer_declined(c, &keys, &v, l.case.case.id, head, &event, &actor)?;
        }
        Ok(rid)
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

/// The step a form or a request names (`accept`, `skip` …) as the state machine's event; the
/// domain then decides whether it may happen.
pub(crate) fn step_event(
    event: &str,
    to: Option<String>,
    reason: Option<String>,
    comments: Option<String>,
    referred_to: Option<String>,
) -> Result<Event, AppError> {
    let stage = |s: Option<String>| {
        s.as_deref()
            .and_then(Stage::from_id)
            .ok_or_else(|| AppError::invalid("to", Msg::new("请选择环节", "choose the stage")))
    };
    let reason = reason.unwrap_or_default();
    Ok(match event {
        "accept" => Event::Accept,
        "advance" => Event::Advance,
        "skip" => Event::Skip {
            to: stage(to)?,
            reason,
        },
        "revise" => Event::Revise {
            to: stage(to)?,
            reason,
        },
        "submit_plan" => Event::SubmitPlan,
        "submit_closing" => Event::SubmitClosing,
        "withdraw" => Event::Withdraw,
        "approve" => Event::Approve,
        "return" => Event::Return {
            comments: comments.unwrap_or_default(),
        },
        "refer" => Event::Refer {
            to: referred_to.unwrap_or_default(),
            reason,
        },
        "terminate" => Event::Terminate { reason },
        "reopen" => Event::Reopen { reason },
        _ => {
            return Err(AppError::invalid(
                "event",
                Msg::new("未知的操作", "unknown event"),
            ));
        }
    })
}
