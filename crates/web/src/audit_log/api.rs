//! `GET /api/v1/audit`: the audit log in the caller's scope, newest first.

use super::{AuditQuery, EntryOut};
use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::Q;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    items: Vec<EntryOut>,
    /// All entries matching the filters in the caller's scope.
    total: i64,
}

/// Audit entries in the caller's scope, newest first (system admins, purchasers, station heads).
/// Entries of no org (system events, failed logins of unknown names) are listed only for system
/// admins of the whole province. Dates are China-time days; `until` includes its day. Reading the
/// log is not itself recorded in it.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, description = "a filter is invalid, e.g. a date not YYYY-MM-DD", body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    super::check_access(&info)?;
    let c = super::criteria(&info, &q)?;
    let listing = super::load(&st, c).await?;
    Ok(Json(AuditList {
        total: listing.total,
        items: listing.items.into_iter().map(Into::into).collect(),
    }))
}
