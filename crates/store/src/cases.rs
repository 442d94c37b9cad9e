//! Case work (issue 4 points 1-3; section 10 read with MZ/T 094; decision 0014): cases with their
//! lead and co-workers, the records of each stage, the history of steps and the follow-ups (10.4).
//!
//! The rules live in `domain::case`: callers decide a change with `case::transition` /
//! `case::may_record` on the state read here, then write it with [`apply`] or [`save_record`].
//! Every write appends its audit entry and a line on the person's timeline in the same
//! transaction; every read filters by the viewer's scope (and hides a confidential case from
//! workers not on it, R-7.4g).

use crate::audit::{self, Actor, Event};
use crate::db::{DbConn, MultiBackend};
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::households::all_member_ids;
use crate::keys::Keys;
use crate::persons::{self, Viewer};
use crate::query::{Listing, Page};
use crate::schema::{household_members, persons as persons_t, users};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use shegong_domain::case::{self, OnFile, Stage, State, Step};
use shegong_domain::policy::Sensitivity;
use shegong_domain::{Msg, dates};
use time::Date;

diesel::table! {
    cases (id) {
        id -> BigInt,
        person_id -> BigInt,
        household_id -> Nullable<BigInt>,
        org_code -> Text,
        sensitivity -> Text,
        lead_worker -> BigInt,
        opened_on -> Text,
        stage -> Text,
        review -> Nullable<Text>,
        author -> Nullable<BigInt>,
        head -> Nullable<BigInt>,
        on_date -> Nullable<Text>,
        comments -> Nullable<Text>,
        referred_to -> Nullable<Text>,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        title -> Nullable<Text>,
    }
}

diesel::table! {
    case_workers (case_id, user_id) {
        case_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    case_records (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        recorded_on -> Text,
        body -> Text,
        recorded_by -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    case_steps (id) {
        id -> BigInt,
        case_id -> BigInt,
        at -> BigInt,
        by_user -> Nullable<BigInt>,
        by_name -> Text,
        event -> Text,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    case_follow_ups (id) {
        id -> BigInt,
        case_id -> BigInt,
        due_on -> Text,
        contacted_on -> Nullable<Text>,
        mode -> Nullable<Text>,
        outcome -> Nullable<Text>,
        notes -> Text,
        recorded_by -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::joinable!(cases -> persons_t (person_id));
diesel::joinable!(case_follow_ups -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(cases, case_workers, case_follow_ups);
diesel::allow_tables_to_appear_in_same_query!(cases, persons_t);
diesel::allow_tables_to_appear_in_same_query!(cases, users);
diesel::allow_tables_to_appear_in_same_query!(case_workers, persons_t);
diesel::allow_tables_to_appear_in_same_query!(case_workers, users);
diesel::allow_tables_to_appear_in_same_query!(case_follow_ups, persons_t);
diesel::allow_tables_to_appear_in_same_query!(cases, household_members);

/// Narrows a boxed query over `cases` to the cases the viewer may see: in scope, and a
/// confidential case only for the head or a worker on it.
macro_rules! visible {
    ($q:expr, $v:expr) => {{
        let v: &Viewer = $v;
        let q = $q.filter(crate::scope_filter!(cases::org_code, &v.scope));
        if v.all_confidential {
            q
        } else {
            let mine = case_workers::table
                .filter(case_workers::user_id.eq(v.user_id))
                .select(case_workers::case_id);
            q.filter(
                cases::sensitivity
                    .ne(Sensitivity::Confidential.id())
                    .or(cases::lead_worker.eq(v.user_id))
                    .or(cases::id.eq_any(mine)),
            )
        }
    }};
}

// ------------------------------------------------------------------------------------ rows

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub org_code: String,
    pub sensitivity: String,
    pub lead_worker: i64,
    pub opened_on: String,
    pub stage: String,
    pub review: Option<String>,
    pub author: Option<i64>,
    pub head: Option<i64>,
    pub on_date: Option<String>,
    pub comments: Option<String>,
    pub referred_to: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub title: Option<String>,
}

impl CaseRow {
    /// The typed state; a row no state could produce is refused (409), never guessed at.
    pub fn state(&self) -> StoreResult<State> {
        let broken = || {
            StoreError::Conflict(Msg::new(
                "个案状态数据无法识别",
                "the stored case state is not recognised",
            ))
        };
        let on = match self.on_date.as_deref() {
            Some(d) => Some(dates::parse(d).map_err(|_| broken())?),
            None => None,
        };
        let row = case::Row {
            stage: Stage::from_id(&self.stage).ok_or_else(broken)?,
            review: self.review.clone(),
            author: self.author,
            head: self.head,
            on,
            comments: self.comments.clone(),
            referred_to: self.referred_to.clone(),
        };
        State::from_row(&row).map_err(StoreError::Conflict)
    }

    pub fn opened(&self) -> Date {
        dates::parse(&self.opened_on).unwrap_or(Date::MIN)
    }
}

/// A case with the people on it, as one page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub case: CaseRow,
    pub person_name: String,
    pub lead_name: String,
    /// Co-workers: (user id, display name).
    pub co_workers: Vec<(i64, String)>,
}

impl Case {
    /// The lead and the co-workers: who may be named on a service record (10.3).
    pub fn workers(&self) -> Vec<i64> {
        let mut w = vec![self.case.lead_worker];
        w.extend(self.co_workers.iter().map(|c| c.0));
        w
    }

    pub fn on_case(&self, user_id: i64) -> bool {
        self.workers().contains(&user_id)
    }
}

/// What a stored record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Intake,
    Needs,
    Plan,
    Service,
    Evaluation,
    Closing,
}

impl Kind {
    pub fn id(self) -> &'static str {
        match self {
            Kind::Intake => "intake",
            Kind::Needs => "needs",
            Kind::Plan => "plan",
            Kind::Service => "service",
            Kind::Evaluation => "evaluation",
            Kind::Closing => "closing",
        }
    }

    /// One per case (rewritten while the stage allows) or many (service records).
    fn single(self) -> bool {
        self != Kind::Service
    }

    pub fn record(self) -> case::Record {
        match self {
            Kind::Intake => case::Record::Intake,
            Kind::Needs => case::Record::NeedsAssessment,
            Kind::Plan => case::Record::Plan,
            Kind::Service => case::Record::Service,
            Kind::Evaluation => case::Record::Evaluation,
            Kind::Closing => case::Record::Closing,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Intake => "接案记录",
            Kind::Needs => "需求评估(10.1)",
            Kind::Plan => "服务计划(10.2)",
            Kind::Service => "服务记录(10.3)",
            Kind::Evaluation => "服务评价(10.5)",
            Kind::Closing => "结案记录(10.4)",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_records)]
pub struct RecordRow {
    pub id: i64,
    pub kind: String,
    pub recorded_on: String,
    pub body: String,
    pub recorded_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RecordRow {
    /// The stored input, read back into its type.
    pub fn input<T: DeserializeOwned>(&self) -> StoreResult<T> {
        serde_json::from_str(&self.body).map_err(|e| StoreError::Other(format!("case record: {e}")))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_steps)]
pub struct StepRow {
    pub id: i64,
    pub at: i64,
    pub by_user: Option<i64>,
    pub by_name: String,
    pub event: String,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_follow_ups)]
pub struct FollowUpRow {
    pub id: i64,
    pub case_id: i64,
    pub due_on: String,
    pub contacted_on: Option<String>,
    pub mode: Option<String>,
    pub outcome: Option<String>,
    pub notes: String,
}

// ------------------------------------------------------------------------------------ writes

/// A case to open, with its checked intake when given (a case opened with a person and a title
/// only gets its intake record later, before it can be accepted).
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub person_id: i64,
    /// A household-level case: listed for every member, on every member's timeline.
    pub household_id: Option<i64>,
    pub title: Option<&'a str>,
    pub org_code: &'a str,
    pub sensitivity: Sensitivity,
    pub lead_worker: i64,
    pub co_workers: &'a [i64],
    pub opened_on: Date,
    pub intake: Option<&'a case::intake::IntakeInput>,
}

/// Opens a case at intake (with its intake record when given). Co-workers must be accounts of
/// the case's station (422 otherwise); the person of a household case must be a member of it.
pub fn open(
    conn: &mut DbConn,
    keys: &Keys,
    n: &NewCase,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let mut team: Vec<i64> = n
        .co_workers
        .iter()
        .copied()
        .filter(|u| *u != n.lead_worker)
        .collect();
    team.sort_unstable();
    team.dedup();
    let mut wanted = team.clone();
    wanted.push(n.lead_worker);
    let known: i64 = users::table
        .filter(users::id.eq_any(&wanted))
        .filter(users::org_code.eq(n.org_code))
        .count()
        .get_result(conn)?;
    if known != wanted.len() as i64 {
        return Err(StoreError::Invalid(shegong_domain::Invalid::one(
            "co_workers",
            Msg::new(
                "负责社工和协同社工须是本站的账号",
                "the lead and co-workers must be accounts of this station",
            ),
        )));
    }
    if let Some(h) = n.household_id
        && !all_member_ids(conn, h)?.contains(&n.person_id)
    {
        return Err(StoreError::Invalid(shegong_domain::Invalid::one(
            "person_id",
            Msg::new("须是本户的成员", "must be a member of the household"),
        )));
    }
    let row = State::Intake.to_row();
    let id = diesel::insert_into(cases::table)
        .values((
            cases::person_id.eq(n.person_id),
            cases::household_id.eq(n.household_id),
            cases::title.eq(n.title),
            cases::org_code.eq(n.org_code),
            cases::sensitivity.eq(n.sensitivity.id()),
            cases::lead_worker.eq(n.lead_worker),
            cases::opened_on.eq(dates::iso(n.opened_on)),
            cases::stage.eq(row.stage.id()),
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .returning(cases::id)
        .get_result::<i64>(conn)?;
    for u in &team {
        diesel::insert_into(case_workers::table)
            .values((case_workers::case_id.eq(id), case_workers::user_id.eq(u)))
            .execute(conn)?;
    }
    if let Some(intake) = n.intake {
        insert_record(
            conn,
            id,
            Kind::Intake,
            n.opened_on,
            &body(intake)?,
            actor,
            now,
        )?;
    }
    insert_step(conn, id, None, Stage::Intake, "open", None, actor, now)?;
    let summary = if n.household_id.is_some() {
        "开案(接案,家庭个案)"
    } else {
        "开案(接案)"
    };
    timeline(
        conn,
        (n.person_id, n.household_id),
        "case.open",
        id,
        summary,
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.create", "case", id)
            .org(n.org_code)
            .detail(json!({
                "person_id": n.person_id,
                "household_id": n.household_id,
                "intake": n.intake.is_some(),
                "lead_worker": n.lead_worker,
                "co_workers": team,
                "sensitivity": n.sensitivity.id(),
            })),
    )?;
    Ok(id)
}

/// The strictest classification among a household's members: a household case is classified by
/// it, so a confidential member's details are never less protected on the family's case (R-7.4g).
pub fn household_sensitivity(conn: &mut DbConn, household_id: i64) -> StoreResult<Sensitivity> {
    let ids = all_member_ids(conn, household_id)?;
    let classes: Vec<String> = persons_t::table
        .filter(persons_t::id.eq_any(ids))
        .select(persons_t::sensitivity)
        .load(conn)?;
    Ok(classes
        .iter()
        .map(|c| Sensitivity::from_id(c).unwrap_or(Sensitivity::Confidential))
        .max()
        .unwrap_or_default())
}

/// A line on the timeline of the case's person and, for a household case, of every member
/// (issue 4 point 3: the case covers them).
fn timeline(
    conn: &mut DbConn,
    (person_id, household_id): (i64, Option<i64>),
    kind: &str,
    case_id: i64,
    summary: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let mut people = vec![person_id];
    if let Some(h) = household_id {
        people.extend(all_member_ids(conn, h)?);
    }
    people.sort_unstable();
    people.dedup();
    for p in people {
        persons::add_timeline(conn, p, kind, Some(case_id), summary, actor, now)?;
    }
    Ok(())
}

fn body<T: Serialize>(input: &T) -> StoreResult<String> {
    serde_json::to_string(input).map_err(|e| StoreError::Other(format!("case record: {e}")))
}

fn insert_record(
    conn: &mut DbConn,
    case_id: i64,
    kind: Kind,
    on: Date,
    body: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    Ok(diesel::insert_into(case_records::table)
        .values((
            case_records::case_id.eq(case_id),
            case_records::kind.eq(kind.id()),
            case_records::recorded_on.eq(dates::iso(on)),
            case_records::body.eq(body),
            case_records::recorded_by.eq(actor.user_id),
            case_records::created_at.eq(now),
            case_records::updated_at.eq(now),
        ))
        .returning(case_records::id)
        .get_result(conn)?)
}

#[allow(clippy::too_many_arguments)]
fn insert_step(
    conn: &mut DbConn,
    case_id: i64,
    from: Option<Stage>,
    to: Stage,
    event: &str,
    note: Option<&str>,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    diesel::insert_into(case_steps::table)
        .values((
            case_steps::case_id.eq(case_id),
            case_steps::at.eq(now),
            case_steps::by_user.eq(actor.user_id),
            case_steps::by_name.eq(&actor.name),
            case_steps::event.eq(event),
            case_steps::from_stage.eq(from.map(|s| s.id())),
            case_steps::to_stage.eq(to.id()),
            case_steps::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// The case was changed by someone else since it was read.
fn stale() -> StoreError {
    StoreError::Conflict(Msg::new(
        "个案已被他人修改,请刷新页面后再操作",
        "someone else changed this case; reload it and try again",
    ))
}

/// Writes a state `case::transition` accepted on `c` (as read: a case changed since is 409), with
/// its step in the history.
pub fn apply(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    next: &State,
    step: &Step,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let r = next.to_row();
    let n = diesel::update(cases::table.find(c.id).filter(cases::version.eq(c.version)))
        .set((
            cases::stage.eq(r.stage.id()),
            cases::review.eq(r.review),
            cases::author.eq(r.author),
            cases::head.eq(r.head),
            cases::on_date.eq(r.on.map(dates::iso)),
            cases::comments.eq(r.comments),
            cases::referred_to.eq(r.referred_to),
            cases::version.eq(c.version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n != 1 {
        return Err(stale());
    }
    insert_step(
        conn,
        c.id,
        Some(step.from),
        step.to,
        step.event,
        step.note.as_deref(),
        actor,
        now,
    )?;
    let summary = if step.from == step.to {
        format!("个案:{}", step_label(step.event))
    } else {
        format!("个案:{} → {}", step.from.label().zh, step.to.label().zh)
    };
    timeline(
        conn,
        (c.person_id, c.household_id),
        "case.step",
        c.id,
        &summary,
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, &format!("case.{}", step.event), "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"from": step.from.id(), "to": step.to.id()})),
    )?;
    Ok(())
}

/// The Chinese name of a history event.
pub fn step_label(event: &str) -> &'static str {
    match event {
        "open" => "开案",
        "accept" => "接案",
        "advance" => "进入下一环节",
        "skip" => "跳过环节",
        "revise" => "退回修订",
        "submit_plan" => "提交服务计划审批",
        "submit_closing" => "提交结案审批",
        "withdraw" => "撤回",
        "approve" => "站长批准",
        "return" => "站长退回",
        "refer" => "转介",
        "terminate" => "终止",
        "reopen" => "重新开启",
        _ => "其他",
    }
}

/// Writes a record `case::may_record` allowed on `c`, checked by its domain validator: a
/// single-per-case record replaces the stored one, a service record is added. The case's version
/// moves, so a transition decided on the old records is refused as stale.
#[allow(clippy::too_many_arguments)]
pub fn save_record<T: Serialize>(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    kind: Kind,
    on: Date,
    input: &T,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let body = body(input)?;
    let n = diesel::update(cases::table.find(c.id).filter(cases::version.eq(c.version)))
        .set((cases::version.eq(c.version + 1), cases::updated_at.eq(now)))
        .execute(conn)?;
    if n != 1 {
        return Err(stale());
    }
    let old: Option<i64> = if kind.single() {
        case_records::table
            .filter(case_records::case_id.eq(c.id))
            .filter(case_records::kind.eq(kind.id()))
            .select(case_records::id)
            .first(conn)
            .optional()?
    } else {
        None
    };
    let (id, action) = match old {
        Some(id) => {
            diesel::update(case_records::table.find(id))
                .set((
                    case_records::recorded_on.eq(dates::iso(on)),
                    case_records::body.eq(&body),
                    case_records::recorded_by.eq(actor.user_id),
                    case_records::updated_at.eq(now),
                ))
                .execute(conn)?;
            (id, "update")
        }
        None => (
            insert_record(conn, c.id, kind, on, &body, actor, now)?,
            "create",
        ),
    };
    timeline(
        conn,
        (c.person_id, c.household_id),
        &format!("case.{}", kind.id()),
        c.id,
        &format!("{}({})", kind.label(), dates::iso(on)),
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, &format!("case.{}.{action}", kind.id()), "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"record_id": id})),
    )?;
    Ok(id)
}

/// Schedules a follow-up on a case that ended; `due` was checked by `closing::validate_due`.
pub fn schedule_follow_up(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    due: Date,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let id = diesel::insert_into(case_follow_ups::table)
        .values((
            case_follow_ups::case_id.eq(c.id),
            case_follow_ups::due_on.eq(dates::iso(due)),
            case_follow_ups::created_at.eq(now),
        ))
        .returning(case_follow_ups::id)
        .get_result::<i64>(conn)?;
    timeline(
        conn,
        (c.person_id, c.household_id),
        "case.follow_up",
        c.id,
        &format!("安排跟进(10.4,{})", dates::iso(due)),
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.follow_up.create", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"follow_up_id": id, "due_on": dates::iso(due)})),
    )?;
    Ok(id)
}

/// Records the contact made for a scheduled follow-up of `c` (checked by
/// `closing::validate_contact`). An unknown follow-up, or one already made, is refused.
pub fn record_contact(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    follow_up_id: i64,
    contact: &case::closing::Contact,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let n = diesel::update(
        case_follow_ups::table
            .find(follow_up_id)
            .filter(case_follow_ups::case_id.eq(c.id))
            .filter(case_follow_ups::contacted_on.is_null()),
    )
    .set((
        case_follow_ups::contacted_on.eq(dates::iso(contact.contacted_on)),
        case_follow_ups::mode.eq(contact.mode),
        case_follow_ups::outcome.eq(contact.outcome),
        case_follow_ups::notes.eq(&contact.notes),
        case_follow_ups::recorded_by.eq(actor.user_id),
    ))
    .execute(conn)?;
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    timeline(
        conn,
        (c.person_id, c.household_id),
        "case.follow_up",
        c.id,
        &format!("跟进回访(10.4,{})", dates::iso(contact.contacted_on)),
        actor,
        now,
    )?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.follow_up.update", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"follow_up_id": follow_up_id, "outcome": contact.outcome})),
    )?;
    Ok(())
}

// ------------------------------------------------------------------------------------ reads

/// A case the viewer may see, with its people (404 otherwise).
pub fn get(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<Case> {
    let case: CaseRow = visible!(cases::table.into_boxed::<MultiBackend>(), v)
        .filter(cases::id.eq(id))
        .select(CaseRow::as_select())
        .first(conn)
        .found()?;
    let person_name = persons_t::table
        .find(case.person_id)
        .select(persons_t::name)
        .first(conn)?;
    let lead_name = users::table
        .find(case.lead_worker)
        .select(users::display_name)
        .first(conn)?;
    let co_workers = case_workers::table
        .inner_join(users::table.on(users::id.eq(case_workers::user_id)))
        .filter(case_workers::case_id.eq(id))
        .order(users::id)
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(Case {
        case,
        person_name,
        lead_name,
        co_workers,
    })
}

/// Every record of a case, in the order of the work (stage, then date).
pub fn records(conn: &mut DbConn, case_id: i64) -> StoreResult<Vec<RecordRow>> {
    Ok(case_records::table
        .filter(case_records::case_id.eq(case_id))
        .order((case_records::recorded_on, case_records::id))
        .select(RecordRow::as_select())
        .load(conn)?)
}

/// The stored input of a one-per-case record, if written.
pub fn record<T: DeserializeOwned>(rows: &[RecordRow], kind: Kind) -> StoreResult<Option<T>> {
    rows.iter()
        .find(|r| r.kind == kind.id())
        .map(RecordRow::input)
        .transpose()
}

pub fn history(conn: &mut DbConn, case_id: i64) -> StoreResult<Vec<StepRow>> {
    Ok(case_steps::table
        .filter(case_steps::case_id.eq(case_id))
        .order((case_steps::at, case_steps::id))
        .select(StepRow::as_select())
        .load(conn)?)
}

pub fn follow_ups(conn: &mut DbConn, case_id: i64) -> StoreResult<Vec<FollowUpRow>> {
    Ok(case_follow_ups::table
        .filter(case_follow_ups::case_id.eq(case_id))
        .order((case_follow_ups::due_on, case_follow_ups::id))
        .select(FollowUpRow::as_select())
        .load(conn)?)
}

/// What the records on file say, for `case::transition`.
/// What the case's records show when an event happens; `rows` are the case's records
/// ([`records`]), read by the caller who usually shows them too.
pub fn on_file(conn: &mut DbConn, case_id: i64, rows: &[RecordRow]) -> StoreResult<OnFile> {
    let intake: Option<case::intake::IntakeInput> = record(rows, Kind::Intake)?;
    let plan: Option<case::plan::PlanInput> = record(rows, Kind::Plan)?;
    let has = |k: Kind| rows.iter().any(|r| r.kind == k.id());
    Ok(OnFile {
        intake_complete: intake.is_some_and(|i| i.consent && i.eligible),
        assessment: has(Kind::Needs),
        plan: plan.is_some_and(|p| p.goals.iter().any(|g| !g.needs.is_empty())),
        evaluation: has(Kind::Evaluation),
        closing: has(Kind::Closing),
        // A case is not closed while a report to the police is owed (8.3.4.1).
        unfinished_police_report: crate::protection::has_unfinished(conn, case_id)?,
    })
}

/// One line of a case list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct CaseLine {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub org_code: String,
    pub stage: String,
    pub review: Option<String>,
    pub lead_worker: i64,
    pub lead_name: String,
    pub opened_on: String,
    pub updated_at: i64,
    pub title: Option<String>,
    pub household_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the title (e.g. the demo's 演示长个案).
    pub q: Option<String>,
    pub stage: Option<Stage>,
    /// Cases this user leads or works on.
    pub worker: Option<i64>,
    /// Only what waits for the head's decision (`submitted`) or came back (`returned`).
    pub review: Option<&'static str>,
    /// Only cases not led by this user (a head's approvals exclude what they submitted).
    pub author_not: Option<i64>,
}

/// The cases the viewer may see, newest change first.
pub fn list(
    conn: &mut DbConn,
    v: &Viewer,
    f: &Filter,
    page: Page,
) -> StoreResult<Listing<CaseLine>> {
    let build = || {
        let mut q = visible!(
            cases::table
                .inner_join(persons_t::table)
                .inner_join(users::table.on(users::id.eq(cases::lead_worker)))
                .into_boxed::<MultiBackend>(),
            v
        );
        if let Some(s) = f.stage {
            q = q.filter(cases::stage.eq(s.id()));
        }
        if let Some(t) = f.q.as_deref().filter(|t| !t.is_empty()) {
            q = q.filter(
                cases::title
                    .like(crate::query::like_contains(t))
                    .escape('\\'),
            );
        }
        if let Some(u) = f.worker {
            let theirs = case_workers::table
                .filter(case_workers::user_id.eq(u))
                .select(case_workers::case_id);
            q = q.filter(cases::lead_worker.eq(u).or(cases::id.eq_any(theirs)));
        }
        if let Some(r) = f.review {
            q = q.filter(cases::review.eq(r));
        }
        if let Some(u) = f.author_not {
            q = q.filter(cases::author.ne(u));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((cases::updated_at.desc(), cases::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            cases::id,
            cases::person_id,
            persons_t::name,
            cases::org_code,
            cases::stage,
            cases::review,
            cases::lead_worker,
            users::display_name,
            cases::opened_on,
            cases::updated_at,
            cases::title,
            cases::household_id,
        ))
        .load(conn)?;
    Ok(Listing { items, total })
}

/// A person's cases the viewer may see (several over time, issue 4 point 3), newest first: their
/// own and those of the household they are a member of.
pub fn of_person(conn: &mut DbConn, v: &Viewer, person_id: i64) -> StoreResult<Vec<CaseRow>> {
    let households = household_members::table
        .filter(household_members::person_id.eq(person_id))
        .select(household_members::household_id.nullable());
    Ok(visible!(cases::table.into_boxed::<MultiBackend>(), v)
        .filter(
            cases::person_id
                .eq(person_id)
                .or(cases::household_id.eq_any(households)),
        )
        .order(cases::id.desc())
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// One worker's caseload, for the head.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Load {
    pub user_id: i64,
    pub name: String,
    /// Open cases the worker leads.
    pub lead: i64,
    /// Open cases the worker works on as a co-worker.
    pub co: i64,
}

/// Open cases per worker of the viewer's scope, busiest first (issue 4 point 3).
pub fn caseload(conn: &mut DbConn, v: &Viewer) -> StoreResult<Vec<Load>> {
    let open: Vec<&str> = Stage::OPEN.iter().map(|s| s.id()).collect();
    let leads: Vec<(i64, String)> = visible!(
        cases::table
            .inner_join(users::table.on(users::id.eq(cases::lead_worker)))
            .into_boxed::<MultiBackend>(),
        v
    )
    .filter(cases::stage.eq_any(&open))
    .select((users::id, users::display_name))
    .load(conn)?;
    let open_cases = visible!(cases::table.into_boxed::<MultiBackend>(), v)
        .filter(cases::stage.eq_any(open))
        .select(cases::id)
        .load::<i64>(conn)?;
    let cos: Vec<(i64, String)> = case_workers::table
        .inner_join(users::table.on(users::id.eq(case_workers::user_id)))
        .filter(case_workers::case_id.eq_any(&open_cases))
        .select((users::id, users::display_name))
        .load(conn)?;
    let mut loads: Vec<Load> = Vec::new();
    let mut add = |(id, name): (i64, String), lead: bool| {
        let i = match loads.iter().position(|l| l.user_id == id) {
            Some(i) => i,
            None => {
                loads.push(Load {
                    user_id: id,
                    name,
                    lead: 0,
                    co: 0,
                });
                loads.len() - 1
            }
        };
        if lead {
            loads[i].lead += 1;
        } else {
            loads[i].co += 1;
        }
    };
    leads.into_iter().for_each(|l| add(l, true));
    cos.into_iter().for_each(|l| add(l, false));
    loads.sort_by(|a, b| (b.lead + b.co, a.user_id).cmp(&(a.lead + a.co, b.user_id)));
    Ok(loads)
}

/// A follow-up not yet made on a case the user works on, due by `by`.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct FollowUpDue {
    pub id: i64,
    pub case_id: i64,
    pub due_on: String,
    pub person_name: String,
}

/// Follow-ups due by `by` (overdue included) on the cases `user_id` leads or works on, oldest
/// first.
pub fn follow_ups_due(
    conn: &mut DbConn,
    v: &Viewer,
    user_id: i64,
    by: Date,
) -> StoreResult<Vec<FollowUpDue>> {
    let theirs = case_workers::table
        .filter(case_workers::user_id.eq(user_id))
        .select(case_workers::case_id);
    Ok(visible!(
        case_follow_ups::table
            .inner_join(cases::table.inner_join(persons_t::table))
            .into_boxed::<MultiBackend>(),
        v
    )
    .filter(case_follow_ups::contacted_on.is_null())
    .filter(case_follow_ups::due_on.le(dates::iso(by)))
    .filter(cases::lead_worker.eq(user_id).or(cases::id.eq_any(theirs)))
    .order((case_follow_ups::due_on, case_follow_ups::id))
    .select((
        case_follow_ups::id,
        case_follow_ups::case_id,
        case_follow_ups::due_on,
        persons_t::name,
    ))
    .load(conn)?)
}

/// The ids of a record's entries (the needs of an assessment, the goals of a plan): their
/// positions from 1, which plans, service records and evaluations link to.
pub fn numbered(count: usize) -> Vec<i64> {
    (1..=count as i64).collect()
}
