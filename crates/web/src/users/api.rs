//! `/api/v1/users`: accounts within the caller's scope.

use super::{Changes, ListParams, UserOut};
use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::clock;
use shegong_store::users::AccountInput;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch))
        .routes(routes!(password_reset))
        .routes(routes!(unlock))
        .routes(routes!(two_factor_reset))
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    items: Vec<UserOut>,
    /// Accounts matching the filters in the caller's scope.
    total: i64,
}

/// Accounts in the caller's scope (needs the right to see accounts: station staff, operator and
/// system admins, the purchaser).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListParams),
    responses((status = 200, body = UserList), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(params): Q<ListParams>,
) -> ApiResult<Json<UserList>> {
    let l = super::list(&st, &info, &params).await?;
    let now = clock::now();
    Ok(Json(UserList {
        items: l.items.iter().map(|u| UserOut::from(u, now)).collect(),
        total: l.total,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// 3–32 lower-case letters, digits, `.`, `_`, `-`.
    #[serde(default)]
    username: String,
    /// The person's name (defaults to the username).
    #[serde(default)]
    display_name: Option<String>,
    /// A role id the caller may give, e.g. `social_worker`.
    #[serde(default)]
    role: String,
    /// Where the role is held: a station code for station roles, an operator code for
    /// supervisors and operator admins, a county or higher for purchasers and system admins.
    #[serde(default)]
    org_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedAnswer {
    user: UserOut,
    /// Shown once: hand it to the user, who must change it at the first login.
    initial_password: String,
}

/// Open an account with a one-time initial password.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = CreatedAnswer), (status = 403, body = Problem), (status = 404, description = "the place is outside the caller's scope", body = Problem),
        (status = 409, description = "username taken", body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<CreatedAnswer>)> {
    let input = AccountInput {
        username: b.username,
        display_name: b.display_name.unwrap_or_default(),
        role: b.role,
        org_code: b.org_code,
    };
    let c = super::create(&st, &info, input).await?;
    let user = UserOut::from(&c.user, clock::now());
    Ok((
        StatusCode::CREATED,
        Json(CreatedAnswer {
            user,
            initial_password: c.initial_password,
        }),
    ))
}

/// One account in scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<UserOut>> {
    let u = super::get(&st, &info, id).await?;
    Ok(Json(UserOut::from(&u, clock::now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    display_name: Option<String>,
    role: Option<String>,
    org_code: Option<String>,
    /// `false` deactivates the account (it can no longer log in; its sessions end).
    active: Option<bool>,
}

/// Change an account's name, role, place or whether it may log in. A new role or place must be
/// one the caller may give; nobody changes their own role or place or deactivates themselves.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn patch(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<UserPatch>,
) -> ApiResult<Json<UserOut>> {
    let ch = Changes {
        display_name: b.display_name,
        role: b.role,
        org_code: b.org_code,
        active: b.active,
    };
    let u = super::update(&st, &info, id, ch).await?;
    Ok(Json(UserOut::from(&u, clock::now())))
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetAnswer {
    /// Shown once; the user must change it at the next login.
    initial_password: String,
}

/// Give the account a new initial password (it must be changed at the next login; the account's
/// sessions end).
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = PasswordResetAnswer), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn password_reset(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<PasswordResetAnswer>> {
    let (_, initial_password) = super::reset_password(&st, &info, id).await?;
    Ok(Json(PasswordResetAnswer { initial_password }))
}

/// Lift a lock after too many failed logins.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn unlock(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<UserOut>> {
    let u = super::unlock(&st, &info, id).await?;
    Ok(Json(UserOut::from(&u, clock::now())))
}

/// Clear the account's second factor so the user sets it up again (lost phone); its sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/two-factor-reset", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn two_factor_reset(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<UserOut>> {
    let u = super::reset_two_factor(&st, &info, id).await?;
    Ok(Json(UserOut::from(&u, clock::now())))
}
