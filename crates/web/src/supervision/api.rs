//! `/api/v1/cases/{id}/supervision`, `/api/v1/supervision` (7.4 b; ).

use super::On;
use crate::auth::Authed;
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::Msg;
use shegong_domain::quality::supervision::SupervisionInput;
use shegong_store::query::Page;
use shegong_store::supervision::{Filter, Named};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_of_case, post_on_case))
        .routes(routes!(list_all, post_on_worker))
        .routes(routes!(get_one))
        .routes(routes!(post_response))
        .routes(routes!(post_follow_up_done))
}

/// A supervision record.
#[derive(Serialize, ToSchema)]
pub struct SupervisionOut {
    id: i64,
    org_code: String,
    /// Null for a record on a worker.
    case_id: Option<i64>,
    worker_id: i64,
    worker_name: String,
    supervisor_id: i64,
    supervisor_name: String,
    held_on: String,
    /// `individual`, `group`, `on_site`, `remote`, `case_conference`
    mode: String,
    mode_label: String,
    observations: String,
    advice: String,
    follow_up: String,
    follow_up_due: Option<String>,
    follow_up_done_on: Option<String>,
    /// The worker's response, once given.
    response: Option<String>,
    created_at: i64,
}

impl From<Named> for SupervisionOut {
    fn from(n: Named) -> Self {
        let r = n.row;
        SupervisionOut {
            mode_label: super::mode_label(&r.mode).zh.to_string(),
            id: r.id,
            org_code: r.org_code,
            case_id: r.case_id,
            worker_id: r.worker_id,
            worker_name: n.worker_name,
            supervisor_id: r.supervisor_id,
            supervisor_name: n.supervisor_name,
            held_on: r.held_on,
            mode: r.mode,
            observations: r.observations,
            advice: r.advice,
            follow_up: r.follow_up,
            follow_up_due: r.follow_up_due,
            follow_up_done_on: r.follow_up_done_on,
            response: r.response,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SupervisionList {
    items: Vec<SupervisionOut>,
    total: i64,
}

/// A supervision record as written by the supervisor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionIn {
    /// The worker's account id: required on `POST /api/v1/supervision`, not given on a case (the
    /// record is then on the case's lead worker).
    worker_id: Option<i64>,
    /// YYYY-MM-DD, not in the future.
    held_on: String,
    /// `individual` 个别督导, `group` 团体督导, `on_site` 现场督导, `remote` 线上督导,
    /// `case_conference` 个案研讨.
    mode: String,
    observations: String,
    advice: String,
    /// What is to follow, and by when (not before `held_on`).
    follow_up: Option<String>,
    follow_up_due: Option<String>,
}

impl From<SupervisionIn> for SupervisionInput {
    fn from(b: SupervisionIn) -> Self {
        SupervisionInput {
            held_on: b.held_on,
            mode: b.mode,
            observations: b.observations,
            advice: b.advice,
            follow_up: b.follow_up,
            follow_up_due: b.follow_up_due,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

fn out(l: shegong_store::query::Listing<Named>) -> Json<SupervisionList> {
    Json(SupervisionList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
    })
}

/// The supervision records of a case the user may read, newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/supervision", tag = "supervision", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = SupervisionList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_of_case(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Json<SupervisionList>> {
    let f = Filter {
        case_id: Some(id),
        ..Default::default()
    };
    let l = super::list(&st, &info, f, Page::new(q.page, q.per_page)).await?;
    Ok(out(l))
}

/// A supervisor writes a supervision record on a case of their stations (7.4 b). The record is on
/// the case's lead worker.
#[utoipa::path(post, path = "/api/v1/cases/{id}/supervision", tag = "supervision", params(("id" = i64, Path)), request_body = SupervisionIn,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_on_case(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<SupervisionIn>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    if b.worker_id.is_some() {
        return Err(AppError::invalid(
            "worker_id",
            Msg::new(
                "个案督导记录针对个案负责社工,不另指定社工",
                "a record on a case is on its lead worker; do not name one",
            ),
        ));
    }
    let id = super::write(&st, &info, On::Case(id), b.into()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the records on this worker.
    worker_id: Option<i64>,
    /// Only the records this supervisor wrote.
    supervisor_id: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The supervision records the user may read: a supervisor's and a head's of their scope, a
/// worker's on themselves and their cases.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "supervision", params(ListQuery),
    responses((status = 200, body = SupervisionList), (status = 403, body = Problem)))]
async fn list_all(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<SupervisionList>> {
    let f = Filter {
        case_id: None,
        worker_id: q.worker_id,
        supervisor_id: q.supervisor_id,
    };
    let l = super::list(&st, &info, f, Page::new(q.page, q.per_page)).await?;
    Ok(out(l))
}

/// A supervisor writes a supervision record on a worker of their stations (7.4 b).
#[utoipa::path(post, path = "/api/v1/supervision", tag = "supervision", request_body = SupervisionIn,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_on_worker(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<SupervisionIn>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let Some(worker) = b.worker_id else {
        return Err(AppError::invalid(
            "worker_id",
            Msg::new("请指定被督导的社工", "name the worker supervised"),
        ));
    };
    let id = super::write(&st, &info, On::Worker(worker), b.into()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One supervision record.
#[utoipa::path(get, path = "/api/v1/supervision/{id}", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, body = SupervisionOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<SupervisionOut>> {
    Ok(Json(super::get(&st, &info, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseIn {
    response: String,
}

/// The worker the record is on answers it, once (409 after).
#[utoipa::path(post, path = "/api/v1/supervision/{id}/response", tag = "supervision", params(("id" = i64, Path)), request_body = ResponseIn,
    responses((status = 200, body = SupervisionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_response(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ResponseIn>,
) -> ApiResult<Json<SupervisionOut>> {
    super::respond(&st, &info, id, &b.response).await?;
    Ok(Json(super::get(&st, &info, id).await?.into()))
}

/// The supervisor marks the follow-up done today (409 when there is none or it is done).
#[utoipa::path(post, path = "/api/v1/supervision/{id}/follow-up-done", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, body = SupervisionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn post_follow_up_done(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<SupervisionOut>> {
    super::finish_follow_up(&st, &info, id).await?;
    Ok(Json(super::get(&st, &info, id).await?.into()))
}
