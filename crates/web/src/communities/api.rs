//! `/api/v1/communities`: community profiles (9.3.1.1).

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use shegong_domain::household::{CommunityFields, CommunityInput};
use shegong_store::query::Page;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one, put_one))
}

#[derive(Serialize, ToSchema)]
pub struct CommunityEntryOut {
    code: String,
    name: String,
    /// The current version, absent when no profile was written yet.
    version: Option<i64>,
    updated_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    items: Vec<CommunityEntryOut>,
    total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of the name, or the start of the code.
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Villages and communities in scope, with whether each has a profile.
#[utoipa::path(get, path = "/api/v1/communities", tag = "communities", params(ListQuery),
    responses((status = 200, body = CommunityList), (status = 403, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<CommunityList>> {
    let l = super::list(&st, &info, q.q, Page::new(q.page, q.per_page)).await?;
    Ok(Json(CommunityList {
        total: l.total,
        items: l
            .items
            .into_iter()
            .map(|e| CommunityEntryOut {
                code: e.code,
                name: e.name,
                version: e.version,
                updated_at: e.updated_at,
            })
            .collect(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct ProfileFields {
    /// 人口结构
    population: String,
    /// 历史变迁
    history: String,
    /// 文化习俗
    culture: String,
    /// 重点资源
    resources: String,
    /// 社区组织
    organisations: String,
    /// 资料来源(文献、社区资料、媒体报道、走访 …)
    sources: String,
}

impl From<CommunityFields> for ProfileFields {
    fn from(f: CommunityFields) -> Self {
        ProfileFields {
            population: f.population,
            history: f.history,
            culture: f.culture,
            resources: f.resources,
            organisations: f.organisations,
            sources: f.sources,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    version: i64,
    updated_by: String,
    updated_at: i64,
    #[serde(flatten)]
    fields: ProfileFields,
}

#[derive(Serialize, ToSchema)]
pub struct CommunityOut {
    code: String,
    name: String,
    /// Absent when no profile was written yet.
    profile: Option<VersionOut>,
    /// Every saved version, newest first (the current one included).
    history: Vec<VersionOut>,
}

async fn out(st: &AppState, info: &crate::auth::AuthInfo, code: &str) -> ApiResult<CommunityOut> {
    let d = super::get(st, info, code).await?;
    Ok(CommunityOut {
        code: d.code,
        name: d.name,
        profile: d.profile.map(|p| VersionOut {
            version: p.version,
            updated_by: p.updated_by_name.clone(),
            updated_at: p.updated_at,
            fields: p.fields().into(),
        }),
        history: d
            .versions
            .into_iter()
            .map(|v| VersionOut {
                version: v.version,
                updated_by: v.updated_by_name.clone(),
                updated_at: v.updated_at,
                fields: v.fields().into(),
            })
            .collect(),
    })
}

/// A village's profile and its versions; 404 when out of scope or not a village/community.
#[utoipa::path(get, path = "/api/v1/communities/{code}", tag = "communities", params(("code" = String, Path)),
    responses((status = 200, body = CommunityOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(code): P<String>,
) -> ApiResult<Json<CommunityOut>> {
    Ok(Json(out(&st, &info, &code).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityIn {
    population: Option<String>,
    history: Option<String>,
    culture: Option<String>,
    resources: Option<String>,
    organisations: Option<String>,
    /// Required when anything is filled in.
    sources: Option<String>,
    /// The version read (0 or absent for a new profile); another save meanwhile answers 409.
    version: Option<i64>,
}

/// Write a village's profile; the previous version is kept.
#[utoipa::path(put, path = "/api/v1/communities/{code}", tag = "communities", params(("code" = String, Path)), request_body = CommunityIn,
    responses((status = 200, body = CommunityOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(code): P<String>,
    ApiJson(b): ApiJson<CommunityIn>,
) -> ApiResult<Json<CommunityOut>> {
    let input = CommunityInput {
        population: b.population,
        history: b.history,
        culture: b.culture,
        resources: b.resources,
        organisations: b.organisations,
        sources: b.sources,
    };
    super::save(&st, &info, &code, input, b.version).await?;
    Ok(Json(out(&st, &info, &code).await?))
}
