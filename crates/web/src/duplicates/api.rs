//! `/api/v1/persons/duplicates`, `/api/v1/persons/merge`.

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::persons::api::PersonOut;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(merge))
        .routes(routes!(dismiss))
}

#[derive(Serialize, ToSchema)]
pub struct PairOut {
    a: PersonOut,
    b: PersonOut,
    /// `same_name` or `same_pinyin` (with the same birth date, in the same county).
    likeness: String,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct PairList {
    items: Vec<PairOut>,
    total: i64,
}

/// Likely duplicates without ID numbers among the records the caller may change (at most 500).
#[utoipa::path(get, path = "/api/v1/persons/duplicates", tag = "persons",
    responses((status = 200, body = PairList), (status = 403, body = Problem)))]
async fn list(State(st): State<AppState>, Authed(info): Authed) -> ApiResult<Json<PairList>> {
    let items: Vec<PairOut> = super::likely(&st, &info)
        .await?
        .into_iter()
        .map(|p| PairOut {
            likeness: p.likeness.id().to_string(),
            reason: p.likeness.label().zh.to_string(),
            a: PersonOut::from(p.a, None),
            b: PersonOut::from(p.b, None),
        })
        .collect();
    Ok(Json(PairList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The record kept.
    keep: i64,
    /// The record merged into it (kept, marked as merged, hidden from lists).
    merge: i64,
}

/// Merge two records of one person; both histories are kept on the record kept.
#[utoipa::path(post, path = "/api/v1/persons/merge", tag = "persons", request_body = MergeIn,
    responses((status = 200, body = PersonOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn merge(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<MergeIn>,
) -> ApiResult<Json<PersonOut>> {
    super::merge(&st, &info, b.keep, b.merge).await?;
    let d = crate::persons::get(&st, &info, b.keep).await?;
    Ok(Json(PersonOut::from(d.person, Some(d.categories))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissIn {
    a: i64,
    b: i64,
}

/// Record that two listed records are different people; the pair is not listed again.
#[utoipa::path(post, path = "/api/v1/persons/duplicates/dismiss", tag = "persons", request_body = DismissIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn dismiss(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<DismissIn>,
) -> ApiResult<StatusCode> {
    super::dismiss(&st, &info, b.a, b.b).await?;
    Ok(StatusCode::NO_CONTENT)
}
