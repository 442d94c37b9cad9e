//! `/api/v1/cases/{id}/protection…` (8.3.4.1, R-8.3.4): list and record findings of harm to a
//! child with the report to the police, and complete an unfinished report.

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::case::protection::{HarmInput, ReportInput};
use shegong_store::protection::ProtectionRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, post_finding))
        .routes(routes!(put_report))
}

/// A finding of harm as sent: `finding` actual|suspected|at_risk, `harms` (physical, sexual,
/// neglect, domestic_violence, bullying, other), `found_at` `2026-11-29 14:00` (China time),
/// `description`, and `report` {`reported_at`, `unit`, `officer`, `method`
/// call_110|in_person|written|online} — left out or blank when the police are not told yet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingIn {
    finding: String,
    harms: Vec<String>,
    found_at: String,
    description: String,
    #[schema(value_type = Option<Object>)]
    report: Option<ReportInput>,
}

/// The report to the police: `reported_at` `2026-11-29 14:30`, `unit`, `officer`, `method`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    reported_at: String,
    unit: String,
    officer: String,
    method: String,
}

#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    id: i64,
    finding: String,
    harms: Vec<String>,
    /// Unix seconds.
    found_at: i64,
    description: String,
    /// False until the report to the police is recorded.
    reported: bool,
    reported_at: Option<i64>,
    unit: Option<String>,
    officer: Option<String>,
    method: Option<String>,
}

impl FindingOut {
    fn of(r: ProtectionRow) -> FindingOut {
        FindingOut {
            id: r.id,
            finding: r.finding.clone(),
            harms: r.harm_ids().into_iter().map(String::from).collect(),
            found_at: r.found_at,
            description: r.description,
            reported: r.reported_at.is_some(),
            reported_at: r.reported_at,
            unit: r.police_unit,
            officer: r.officer,
            method: r.method,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingList {
    items: Vec<FindingOut>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// The child-protection records of a case (机密: the read is audited), newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/protection", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = FindingList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<FindingList>> {
    let o = super::open(&st, &info, id).await?;
    Ok(Json(FindingList {
        items: o.rows.into_iter().map(FindingOut::of).collect(),
    }))
}

/// Record suspected or actual harm to a child (8.3.4.1) with the report to the police in the same
/// step; without it the report stands unfinished and the station head and county purchaser are
/// notified at once. The case becomes 机密.
#[utoipa::path(post, path = "/api/v1/cases/{id}/protection", tag = "cases", params(("id" = i64, Path)), request_body = FindingIn,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_finding(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<FindingIn>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let input = HarmInput {
        finding: b.finding,
        harms: b.harms,
        found_at: b.found_at,
        description: b.description,
        report: b.report,
    };
    let id = super::record(&st, &info, id, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Complete an unfinished report to the police (8.3.4.1). A report already recorded is 409.
#[utoipa::path(put, path = "/api/v1/cases/{id}/protection/{pid}/report", tag = "cases", params(("id" = i64, Path), ("pid" = i64, Path)), request_body = ReportIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_report(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, pid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ReportIn>,
) -> ApiResult<StatusCode> {
    let input = ReportInput {
        reported_at: b.reported_at,
        unit: b.unit,
        officer: b.officer,
        method: b.method,
    };
    super::complete(&st, &info, id, pid, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
