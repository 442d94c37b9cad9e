//! `/api/v1/org-units`: the org tree, operators and operator–station links.

use super::{Linked, ListParams};
use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_store::org::{NodeDetail, OrgNode, OrgUnit};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(create_operator))
        .routes(routes!(get_one))
        .routes(routes!(link_station))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of a name, or the start of a code.
    q: Option<String>,
    /// Direct children of this node only.
    parent: Option<String>,
    /// `province`, `city`, `county`, `township`, `village` or `operator`.
    level: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// At most 200 (default 50).
    per_page: Option<i64>,
}

/// A node in a list.
#[derive(Serialize, ToSchema)]
pub struct OrgNodeOut {
    code: String,
    name: String,
    /// `province`, `city`, `county`, `township` (one station each), `village` or `operator`.
    level: String,
    /// The level in Chinese, e.g. 乡镇(街道)社工站.
    level_label: String,
    parent_code: Option<String>,
    /// Number of direct children in the division tree.
    children: i64,
}

impl From<OrgNode> for OrgNodeOut {
    fn from(n: OrgNode) -> Self {
        let level_label = n.unit.level().label().zh.to_string();
        OrgNodeOut {
            code: n.unit.code,
            name: n.unit.name,
            level: n.unit.level,
            level_label,
            parent_code: n.unit.parent_code,
            children: n.children,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgList {
    items: Vec<OrgNodeOut>,
    /// All matching nodes in the caller's scope.
    total: i64,
}

/// List or search the org tree: with neither `q`, `parent` nor `level`, the top nodes of the
/// caller's scope. Only nodes in scope are listed or counted.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org", params(ListQuery),
    responses((status = 200, body = OrgList), (status = 401, body = Problem), (status = 403, description = "the role may not browse the org tree (volunteers)", body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<OrgList>> {
    let p = ListParams {
        q: q.q,
        parent: q.parent,
        level: q.level,
        page: q.page,
        per_page: q.per_page,
    };
    let l = super::list(&st, &info, &p).await?;
    Ok(Json(OrgList {
        items: l.items.into_iter().map(Into::into).collect(),
        total: l.total,
    }))
}

/// A node named in another: a breadcrumb step, an operator, a station.
#[derive(Serialize, ToSchema)]
pub struct OrgRef {
    code: String,
    name: String,
    level: String,
}

impl From<OrgUnit> for OrgRef {
    fn from(u: OrgUnit) -> Self {
        OrgRef {
            code: u.code,
            name: u.name,
            level: u.level,
        }
    }
}

/// One node of the tree.
#[derive(Serialize, ToSchema)]
pub struct OrgDetail {
    code: String,
    name: String,
    level: String,
    level_label: String,
    /// For a township: 街道, 镇, 乡 or 类似乡级单位 (from digits 7–9 of its code).
    township_kind: Option<String>,
    parent_code: Option<String>,
    /// Ancestors in the caller's scope, from the top down.
    path: Vec<OrgRef>,
    /// Number of direct children.
    children: i64,
    /// For a township station: the operator (承接方) that runs it.
    operator: Option<OrgRef>,
    /// For an operator: the stations it runs (in the caller's scope).
    stations: Vec<OrgRef>,
    /// Accounts held at this node; absent for roles that do not see accounts.
    accounts: Option<i64>,
}

fn detail_out(d: NodeDetail, sees_accounts: bool) -> OrgDetail {
    let (label, kind) = super::labels(&d.unit);
    OrgDetail {
        code: d.unit.code,
        name: d.unit.name,
        level: d.unit.level,
        level_label: label.zh.to_string(),
        township_kind: kind.map(|k| k.zh.to_string()),
        parent_code: d.unit.parent_code,
        path: d.path.into_iter().map(Into::into).collect(),
        children: d.children,
        operator: d.operator.map(Into::into),
        stations: d.stations.into_iter().map(Into::into).collect(),
        accounts: sees_accounts.then_some(d.accounts),
    }
}

/// One node with its breadcrumb, operator or stations and account count; 404 when unknown or out
/// of scope.
#[utoipa::path(get, path = "/api/v1/org-units/{code}", tag = "org", params(("code" = String, Path, description = "division code or operator code")),
    responses((status = 200, body = OrgDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(code): P<String>,
) -> ApiResult<Json<OrgDetail>> {
    let d = super::detail(&st, &info, &code).await?;
    Ok(Json(detail_out(d, super::sees_accounts(&info))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOperator {
    /// `OP` followed by 2–30 upper-case letters or digits, e.g. `430202OPHT01`.
    code: String,
    /// The organisation's registered name (at most 60 characters).
    name: String,
}

/// Register an operator organisation (承接方, DB43/T 2783—2023 7.4). Province-level system admins
/// only: an operator sits beside the division tree, so only the province's scope reaches it.
#[utoipa::path(post, path = "/api/v1/org-units/operators", tag = "org", request_body = NewOperator,
    responses((status = 201, body = OrgRef), (status = 403, body = Problem), (status = 409, description = "the code is taken", body = Problem), (status = 422, body = Problem)))]
async fn create_operator(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<NewOperator>,
) -> ApiResult<(StatusCode, Json<OrgRef>)> {
    let u = super::create_operator(&st, &info, &b.code, &b.name).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The operator that runs the station from now on.
    operator_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    station: OrgRef,
    operator: OrgRef,
    /// The operator that ran the station before, if another one did.
    previous_operator_code: Option<String>,
}

/// Link a township station to the operator that runs it (replaces an earlier operator). System
/// admins with the station in scope; the operator must be registered.
#[utoipa::path(put, path = "/api/v1/org-units/{code}/operator", tag = "org", request_body = LinkBody,
    params(("code" = String, Path, description = "the township (station) code")),
    responses((status = 200, body = LinkOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn link_station(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(code): P<String>,
    ApiJson(b): ApiJson<LinkBody>,
) -> ApiResult<Json<LinkOut>> {
    let Linked {
        station,
        operator,
        previous,
    } = super::link_station(&st, &info, &code, &b.operator_code).await?;
    let previous_operator_code = previous.filter(|p| *p != operator.code);
    Ok(Json(LinkOut {
        station: station.into(),
        operator: operator.into(),
        previous_operator_code,
    }))
}
