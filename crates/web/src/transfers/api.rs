//! `/api/v1/transfers`.

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::moves::Status;
use shegong_store::query::Page;
use shegong_store::transfers::{Listed, TransferRow};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(by_id_number))
        .routes(routes!(decision))
}

#[derive(Serialize, ToSchema)]
pub struct TransferOut {
    id: i64,
    /// `send` (the holding station sends) or `request` (a station asks, by ID number).
    direction: String,
    /// `pending`, `accepted`, `declined`, `cancelled`.
    status: String,
    from_org: String,
    to_org: String,
    reason: String,
    requested_by: String,
    requested_at: i64,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    note: String,
    /// Given when the caller may see the person (or was sent them).
    #[serde(skip_serializing_if = "Option::is_none")]
    person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    id_number_masked: Option<String>,
}

impl TransferOut {
    fn from(t: TransferRow, name: Option<String>, masked: Option<String>) -> Self {
        TransferOut {
            person_id: name.as_ref().map(|_| t.person_id),
            name,
            id_number_masked: masked,
            id: t.id,
            direction: t.direction,
            status: t.status,
            from_org: t.from_org,
            to_org: t.to_org,
            reason: t.reason,
            requested_by: t.requested_by,
            requested_at: t.requested_at,
            decided_by: t.decided_by,
            decided_at: t.decided_at,
            note: t.note,
        }
    }

    fn listed(l: Listed) -> Self {
        let name = Some(l.name).filter(|n| !n.is_empty());
        TransferOut::from(l.t, name, l.id_number_masked)
    }

    /// What the caller of a settle or a request is told: the transfer, not the person.
    fn bare(t: TransferRow) -> Self {
        TransferOut::from(t, None, None)
    }
}

#[derive(Serialize, ToSchema)]
pub struct TransferList {
    items: Vec<TransferOut>,
    total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `to_decide` (waiting for the caller's station), `asked` (asked by it) or `all` (default).
    #[serde(rename = "box")]
    which: Option<String>,
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Transfers touching the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "persons", params(ListQuery),
    responses((status = 200, body = TransferList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<TransferList>> {
    let (which, status) = super::filters(q.which.as_deref(), q.status.as_deref())?;
    let l = super::list(&st, &info, which, status, Page::new(q.page, q.per_page)).await?;
    Ok(Json(TransferList {
        total: l.total,
        items: l.items.into_iter().map(TransferOut::listed).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendIn {
    person_id: i64,
    /// The receiving station or one of its villages.
    to_org: String,
    #[serde(default)]
    reason: String,
}

/// The holding station sends a person to another station, which accepts or declines.
#[utoipa::path(post, path = "/api/v1/transfers", tag = "persons", request_body = SendIn,
    responses((status = 201, body = TransferOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn send(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<SendIn>,
) -> ApiResult<(StatusCode, Json<TransferOut>)> {
    let id = super::send(&st, &info, b.person_id, &b.to_org, &b.reason).await?;
    created(&st, &info, id).await
}

async fn created(
    st: &AppState,
    info: &crate::auth::AuthInfo,
    id: i64,
) -> ApiResult<(StatusCode, Json<TransferOut>)> {
    let scope = info.principal.scope.clone();
    let t = st
        .read(move |c| shegong_store::transfers::get(c, &scope, id))
        .await?;
    Ok((StatusCode::CREATED, Json(TransferOut::bare(t))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ByIdNumberIn {
    id_number: String,
    /// The caller's station or village that would take the person.
    to_org: String,
    #[serde(default)]
    reason: String,
}

/// Ask for a person registered at another station, by ID number (after a 409 on registering).
/// The answer names neither the person nor the station holding them.
#[utoipa::path(post, path = "/api/v1/transfers/by-id-number", tag = "persons", request_body = ByIdNumberIn,
    responses((status = 201, body = TransferOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn by_id_number(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<ByIdNumberIn>,
) -> ApiResult<(StatusCode, Json<TransferOut>)> {
    let id = super::request_by_id_number(&st, &info, &b.id_number, &b.to_org, &b.reason).await?;
    let (status, Json(mut out)) = created(&st, &info, id).await?;
    // The holding station stays unnamed to the asking one.
    out.from_org = String::new();
    Ok((status, Json(out)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `accept` or `decline` (the deciding station), `cancel` (the asking one).
    decision: String,
    #[serde(default)]
    note: String,
}

/// Settle a pending transfer. Accepting moves the record, with its history, to the destination.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/decision", tag = "persons", params(("id" = i64, Path)), request_body = DecisionIn,
    responses((status = 200, body = TransferOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn decision(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<Json<TransferOut>> {
    let d = super::parse_decision(&b.decision)?;
    let mut t = super::settle(&st, &info, id, d, &b.note).await?;
    if t.direction == "request"
        && !info.principal.scope.contains(&t.from_org)
        && t.status != Status::Accepted.id()
    {
        t.from_org = String::new();
    }
    Ok(Json(TransferOut::bare(t)))
}
