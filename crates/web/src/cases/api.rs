//! `/api/v1/persons/{id}/cases` and `/api/v1/cases…` (issue 4 points 1-3, section 10, 10.4); the
//! work list moved to `work::api`. Stage records are sent as `domain::case`'s input types.

use super::Input;
use crate::auth::Authed;
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::persons::viewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::Msg;
use shegong_domain::case::closing::{ClosingInput, ContactInput};
use shegong_domain::case::evaluation::EvaluationInput;
use shegong_domain::case::intake::IntakeInput;
use shegong_domain::case::needs::NeedsInput;
use shegong_domain::case::plan::PlanInput;
use shegong_domain::case::service::ServiceInput;
use shegong_domain::case::{Event, Stage};
use shegong_domain::role::Role;
use shegong_store::cases::{self as store, CaseLine, Filter, Load};
use shegong_store::query::Page;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(open_case, person_cases))
        .routes(routes!(open_household_case))
        .routes(routes!(list))
        .routes(routes!(caseload))
        .routes(routes!(get_case))
        .routes(routes!(post_step))
        .routes(routes!(post_transition))
        .routes(routes!(put_intake))
        .routes(routes!(put_needs))
        .routes(routes!(put_plan))
        .routes(routes!(post_service))
        .routes(routes!(put_evaluation))
        .routes(routes!(put_closing))
        .routes(routes!(post_follow_up))
        .routes(routes!(post_contact))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIn {
    /// The person: required on `POST /api/v1/cases`; on a household, the member the case is
    /// registered to (default: the household's head); on `/persons/{id}/cases`, that id if given.
    person_id: Option<i64>,
    /// A short label for lists (at most 100 characters).
    title: Option<String>,
    /// The intake (接案): `source` walk_in|home_visit|assigned|referral_in, `received_on`,
    /// `presenting_problem`, `consent`, `consent_by` (under 14), `eligible`,
    /// `eligibility_notes`, `referral_to` (when not eligible: the case is referred at once).
    /// Without it the case waits at intake until `PUT /api/v1/cases/{id}/intake`.
    #[schema(value_type = Option<Object>)]
    intake: Option<IntakeInput>,
    /// Co-workers (协同社工): accounts of the caller's station.
    #[serde(default)]
    co_workers: Vec<i64>,
}

impl OpenIn {
    fn opening(self) -> super::Opening {
        super::Opening {
            title: self.title,
            intake: self.intake,
            co_workers: self.co_workers,
        }
    }
}

fn choose_person() -> AppError {
    AppError::invalid("person_id", Msg::new("请选择服务对象", "choose the person"))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Opens the case and answers it as `GET /api/v1/cases/{id}` does (201).
async fn opened(
    st: &AppState,
    info: &crate::auth::AuthInfo,
    whose: super::Whose,
    b: OpenIn,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let id = super::open_case(st, info, whose, b.opening()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CaseOut::of(super::load(st, info, id).await?)),
    ))
}

/// Open a case (接案) for a person: `{"person_id", "title"?}` → 201 with `"state": "intake"`
/// (or `referred` when the intake sent declines it); the caller leads it at their station.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = OpenIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<OpenIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let pid = b.person_id.ok_or_else(choose_person)?;
    opened(&st, &info, super::Whose::Person(pid), b).await
}

/// Open a case for a person at intake (接案); the caller leads it.
#[utoipa::path(post, path = "/api/v1/persons/{id}/cases", tag = "cases", params(("id" = i64, Path)), request_body = OpenIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn open_case(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<OpenIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    if b.person_id.is_some_and(|p| p != id) {
        return Err(choose_person());
    }
    opened(&st, &info, super::Whose::Person(id), b).await
}

#[derive(Serialize, ToSchema)]
pub struct PersonCases {
    /// The person's own cases and their household's, newest first.
    #[schema(value_type = Vec<Object>)]
    items: Vec<store::CaseRow>,
    total: i64,
}

/// A person's cases the caller may see: their own and their household's (issue 4 point 3).
#[utoipa::path(get, path = "/api/v1/persons/{id}/cases", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = PersonCases), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn person_cases(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<PersonCases>> {
    crate::care::open(&st, &info, id).await?;
    let v = viewer(&info);
    let items = st.read(move |c| store::of_person(c, &v, id)).await?;
    Ok(Json(PersonCases {
        total: items.len() as i64,
        items,
    }))
}

/// Open a household-level case (家庭个案, issue 4 point 3): registered to a member (default the
/// head), listed for and on the timeline of every member, classified as its strictest member.
#[utoipa::path(post, path = "/api/v1/households/{id}/cases", tag = "cases", params(("id" = i64, Path)), request_body = OpenIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn open_household_case(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<OpenIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let whose = super::Whose::Household {
        id,
        person: b.person_id,
    };
    opened(&st, &info, whose, b).await
}

#[derive(Serialize, ToSchema)]
pub struct WorkerOut {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    id: i64,
    /// intake, needs, plan, service, evaluation, closing.
    kind: String,
    recorded_on: String,
    /// The record as it was sent and checked.
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct StepOut {
    at: i64,
    by: String,
    event: String,
    from: Option<String>,
    to: String,
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpOut {
    id: i64,
    due_on: String,
    contacted_on: Option<String>,
    mode: Option<String>,
    outcome: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    id: i64,
    /// The state's name, as `POST /api/v1/cases/{id}/transitions` takes it (the stage).
    state: String,
    title: Option<String>,
    person_id: i64,
    /// Set on a household-level case, which covers every member of the household.
    household_id: Option<i64>,
    person_name: String,
    org_code: String,
    sensitivity: String,
    stage: String,
    stage_label: String,
    /// `submitted` (waiting for the head) or `returned` (with `comments`).
    review: Option<String>,
    comments: Option<String>,
    lead: WorkerOut,
    co_workers: Vec<WorkerOut>,
    opened_on: String,
    version: i64,
    records: Vec<RecordOut>,
    history: Vec<StepOut>,
    follow_ups: Vec<FollowUpOut>,
}

impl CaseOut {
    fn of(l: super::Loaded) -> CaseOut {
        let c = l.case.case;
        CaseOut {
            id: c.id,
            state: l.state.stage().id().into(),
            title: c.title,
            person_id: c.person_id,
            household_id: c.household_id,
            person_name: l.case.person_name,
            org_code: c.org_code,
            sensitivity: c.sensitivity,
            stage: l.state.stage().id().into(),
            stage_label: l.state.stage().label().zh.into(),
            review: c.review,
            comments: c.comments,
            lead: WorkerOut {
                id: c.lead_worker,
                name: l.case.lead_name,
            },
            co_workers: l
                .case
                .co_workers
                .into_iter()
                .map(|(id, name)| WorkerOut { id, name })
                .collect(),
            opened_on: c.opened_on,
            version: c.version,
            records: l
                .records
                .into_iter()
                .map(|r| RecordOut {
                    body: serde_json::from_str(&r.body).unwrap_or_default(),
                    id: r.id,
                    kind: r.kind,
                    recorded_on: r.recorded_on,
                })
                .collect(),
            history: l
                .history
                .into_iter()
                .map(|h| StepOut {
                    at: h.at,
                    by: h.by_name,
                    event: h.event,
                    from: h.from_stage,
                    to: h.to_stage,
                    note: h.note,
                })
                .collect(),
            follow_ups: l
                .follow_ups
                .into_iter()
                .map(|f| FollowUpOut {
                    id: f.id,
                    due_on: f.due_on,
                    contacted_on: f.contacted_on,
                    mode: f.mode,
                    outcome: f.outcome,
                })
                .collect(),
        }
    }
}

/// A case with its whole story: records, history, follow-ups (7.6.4 服务过程记录).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_case(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(CaseOut::of(super::load(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// accept, advance, skip, revise, submit_plan, submit_closing, withdraw, approve, return,
    /// refer, terminate, reopen.
    event: String,
    /// The stage to skip to or revise back to.
    to: Option<String>,
    /// Required for skip, revise, refer, terminate, reopen.
    reason: Option<String>,
    /// The head's comments on a return.
    comments: Option<String>,
    /// Where a referral goes.
    referred_to: Option<String>,
}

impl StepIn {
    fn event(self) -> Result<Event, AppError> {
        super::step_event(
            &self.event,
            self.to,
            self.reason,
            self.comments,
            self.referred_to,
        )
    }
}

/// Move a case on: the state machine of decision 0014 decides (403 not allowed, 409 out of order,
/// 422 a reason missing); approvals and returns are the station head's (10.2, own plan refused).
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", tag = "cases", params(("id" = i64, Path)), request_body = StepIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_step(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<StepIn>,
) -> ApiResult<Json<CaseOut>> {
    super::step(&st, &info, id, b.event()?).await?;
    Ok(Json(CaseOut::of(super::load(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// intake, assessment, planning, intervention, evaluation, closed, referred, terminated.
    to: String,
    /// Required to skip ahead, go back, refer, terminate or reopen.
    reason: Option<String>,
    /// Where a case moved to `referred` goes.
    referred_to: Option<String>,
}

/// Move a case to a state (contract route): the state machine of decision 0014 reads the move
/// as its event — the next stage, the head's approval of a waiting plan (10.2) or closing, a skip
/// or a revision (with a reason), a referral, a termination, a reopening — and decides: 403 not
/// allowed (approvals are the head's, never of one's own submission), 409 not possible from the
/// current state, 422 a reason or record missing.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transitions", tag = "cases", params(("id" = i64, Path)), request_body = TransitionIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_transition(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<TransitionIn>,
) -> ApiResult<Json<CaseOut>> {
    let to = Stage::from_id(&b.to)
        .ok_or_else(|| AppError::invalid("to", Msg::new("未知的个案状态", "unknown state")))?;
    super::move_to(&st, &info, id, to, b.reason, b.referred_to).await?;
    Ok(Json(CaseOut::of(super::load(&st, &info, id).await?)))
}

async fn saved(
    st: &AppState,
    info: &crate::auth::AuthInfo,
    id: i64,
    input: Input,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let rid = super::save(st, info, id, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: rid })))
}

/// Write the intake (接案) of a case still at intake: source, presenting problem, consent,
/// eligibility. A declined intake refers the case at once.
#[utoipa::path(put, path = "/api/v1/cases/{id}/intake", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::intake::IntakeInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_intake(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<IntakeInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Intake(b)).await
}

/// Write the needs assessment (10.1); needs are numbered from 1 in the order sent.
#[utoipa::path(put, path = "/api/v1/cases/{id}/needs", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::needs::NeedsInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_needs(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<NeedsInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Needs(b)).await
}

/// Write the service plan (10.2): goals linked to the numbered needs; goals are numbered from 1.
#[utoipa::path(put, path = "/api/v1/cases/{id}/plan", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::plan::PlanInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_plan(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<PlanInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Plan(b)).await
}

/// Add a service record (10.3): date, minutes, mode, workers of the case, content, section-8 items.
#[utoipa::path(post, path = "/api/v1/cases/{id}/services", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::service::ServiceInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_service(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Service(b)).await
}

/// Write the evaluation (10.5): every goal scored −2…+2, satisfaction, reflection.
#[utoipa::path(put, path = "/api/v1/cases/{id}/evaluation", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::evaluation::EvaluationInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_evaluation(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<EvaluationInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Evaluation(b)).await
}

/// Write the closing record (reason, summary, follow-up plan, 10.4) before submitting the closing.
#[utoipa::path(put, path = "/api/v1/cases/{id}/closing", tag = "cases", params(("id" = i64, Path)), request_body(content = Object, description = "domain::case::closing::ClosingInput"),
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_closing(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ClosingInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    saved(&st, &info, id, Input::Closing(b)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpIn {
    /// YYYY-MM-DD, not before the day the case ended (10.4).
    due_on: String,
}

/// Schedule a follow-up of a closed or referred case (10.4).
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", tag = "cases", params(("id" = i64, Path)), request_body = FollowUpIn,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_follow_up(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<FollowUpIn>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let fid = super::schedule(&st, &info, id, &b.due_on).await?;
    Ok((StatusCode::CREATED, Json(Created { id: fid })))
}

/// Record the contact made for a follow-up (10.4): date, mode, outcome, notes.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups/{fid}", tag = "cases", params(("id" = i64, Path), ("fid" = i64, Path)), request_body(content = Object, description = "domain::case::closing::ContactInput"),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_contact(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, fid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ContactInput>,
) -> ApiResult<StatusCode> {
    super::contact(&st, &info, id, fid, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of the case's title.
    q: Option<String>,
    /// intake, assessment, planning, intervention, evaluation, closed, referred, terminated.
    stage: Option<String>,
    /// Cases this account leads or works on.
    worker: Option<i64>,
    /// `1`: the caller's own cases.
    mine: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    #[schema(value_type = Vec<Object>)]
    items: Vec<CaseLine>,
    total: i64,
}

/// Cases in the caller's scope, latest change first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = CaseList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<CaseList>> {
    crate::persons::ensure_reader(&info)?;
    crate::households::check_search(q.q.as_deref())?;
    let stage =
        match q.stage.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(Stage::from_id(s).ok_or_else(|| {
                AppError::invalid("stage", Msg::new("未知的环节", "unknown stage"))
            })?),
            None => None,
        };
    let worker = if q.mine.as_deref() == Some("1") {
        Some(info.user.id)
    } else {
        q.worker
    };
    let f = Filter {
        q: q.q,
        stage,
        worker,
        ..Filter::default()
    };
    let v = viewer(&info);
    let page = Page::new(q.page, q.per_page);
    let l = st.read(move |c| store::list(c, &v, &f, page)).await?;
    Ok(Json(CaseList {
        items: l.items,
        total: l.total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseloadOut {
    #[schema(value_type = Vec<Object>)]
    workers: Vec<Load>,
}

/// Open cases per worker (lead and co-worker), for the station head (issue 4 point 3).
#[utoipa::path(get, path = "/api/v1/cases/caseload", tag = "cases",
    responses((status = 200, body = CaseloadOut), (status = 403, body = Problem)))]
async fn caseload(
    State(st): State<AppState>,
    Authed(info): Authed,
) -> ApiResult<Json<CaseloadOut>> {
    if info.user.role() != Role::StationHead {
        return Err(AppError::forbidden());
    }
    let v = viewer(&info);
    let workers = st.read(move |c| store::caseload(c, &v)).await?;
    Ok(Json(CaseloadOut { workers }))
}
