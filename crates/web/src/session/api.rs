//! `/api/v1/auth`: the login contract of interface.md, the login steps, and API tokens.

use super::LoggedIn;
use crate::auth::{AnyStage, Authed, ClientIp, MaybeAuthed, clear_session_cookie, session_cookie};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use shegong_domain::account::LoginStage;
use shegong_store::tokens::{self, ApiToken};
use shegong_store::users::User;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(code))
        .routes(routes!(change_password))
        .routes(routes!(two_factor_setup))
        .routes(routes!(two_factor_confirm))
        .routes(routes!(two_factor_disable))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// An account as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// `social_worker`, `station_head`, `supervisor`, `operator_admin`, `purchaser`, `township_liaison`, `system_admin`, `volunteer`
    pub role: String,
    pub org_code: String,
    pub must_change_password: bool,
    pub two_factor_enabled: bool,
    pub active: bool,
    pub locked: bool,
}

impl UserOut {
    pub fn from(u: &User, now: i64) -> UserOut {
        UserOut {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            org_code: u.org_code.clone(),
            must_change_password: u.must_change_password,
            two_factor_enabled: u.totp_enabled,
            active: u.active,
            locked: u.is_locked(now),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    username: String,
    password: String,
    /// The 6-digit code, for accounts with two-factor login (may also be sent later to `/auth/code`).
    totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    /// Send as `X-CSRF-Token` on every POST/PUT/PATCH/DELETE made with the session cookie.
    csrf_token: String,
    user: UserOut,
    /// The login step still owed: `two_factor`, `change_password`, `set_up_two_factor` or `done`.
    next_step: String,
}

/// Log in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = LoginAnswer), (status = 401, body = Problem), (status = 429, description = "account locked", body = Problem)))]
async fn login(
    State(st): State<AppState>,
    MaybeAuthed(previous): MaybeAuthed,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(b): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("api")
        .to_string();
    let LoggedIn {
        token,
        csrf,
        user,
        stage,
    } = super::login(
        &st,
        previous.as_deref(),
        &b.username,
        &b.password,
        b.totp.as_deref(),
        &ip,
        &ua,
    )
    .await?;
    let now = shegong_domain::clock::now();
    let answer = LoginAnswer {
        csrf_token: csrf,
        user: UserOut::from(&user, now),
        next_step: stage.id().to_string(),
    };
    Ok((
        jar.add(session_cookie(token, st.cfg.secure_cookies)),
        Json(answer),
    )
        .into_response())
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = Problem)))]
async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    AnyStage(info): AnyStage,
) -> ApiResult<Response> {
    super::logout(&st, &info).await?;
    Ok((jar.add(clear_session_cookie()), StatusCode::NO_CONTENT).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    org_code: String,
    next_step: String,
    two_factor_enabled: bool,
}

/// Who is logged in.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = Problem)))]
async fn me(AnyStage(info): AnyStage) -> Json<Me> {
    Json(Me {
        id: info.user.id,
        username: info.user.username.clone(),
        display_name: info.user.display_name.clone(),
        role: info.user.role.clone(),
        org_code: info.user.org_code.clone(),
        next_step: info.stage().id().to_string(),
        two_factor_enabled: info.user.totp_enabled,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct StepAnswer {
    next_step: String,
}

fn step(s: LoginStage) -> Json<StepAnswer> {
    Json(StepAnswer {
        next_step: s.id().to_string(),
    })
}

/// Give the two-factor code after the password.
#[utoipa::path(post, path = "/api/v1/auth/code", tag = "auth", request_body = CodeBody,
    responses((status = 200, body = StepAnswer), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn code(
    State(st): State<AppState>,
    AnyStage(info): AnyStage,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<Json<StepAnswer>> {
    Ok(step(
        super::verify_second_factor(&st, &info, &b.code).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// Required except for the forced change of an initial password.
    current_password: Option<String>,
    new_password: String,
}

/// Change one's own password (ends the user's other sessions).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordBody,
    responses((status = 200, body = StepAnswer), (status = 422, body = Problem)))]
async fn change_password(
    State(st): State<AppState>,
    AnyStage(info): AnyStage,
    ApiJson(b): ApiJson<PasswordBody>,
) -> ApiResult<Json<StepAnswer>> {
    Ok(step(
        super::change_password(&st, &info, b.current_password.as_deref(), &b.new_password).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SetupAnswer {
    /// Base32 key to type into an authenticator app.
    secret: String,
    otpauth_url: String,
}

/// Start setting up two-factor login (a new key; not active until confirmed).
#[utoipa::path(post, path = "/api/v1/auth/two-factor/setup", tag = "auth", responses((status = 200, body = SetupAnswer), (status = 409, body = Problem)))]
async fn two_factor_setup(
    State(st): State<AppState>,
    AnyStage(info): AnyStage,
) -> ApiResult<Json<SetupAnswer>> {
    let s = super::start_two_factor_setup(&st, &info).await?;
    Ok(Json(SetupAnswer {
        secret: s.secret_base32,
        otpauth_url: s.otpauth_url,
    }))
}

/// Confirm two-factor setup with a code from the app.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/confirm", tag = "auth", request_body = CodeBody,
    responses((status = 200, body = StepAnswer), (status = 422, body = Problem)))]
async fn two_factor_confirm(
    State(st): State<AppState>,
    AnyStage(info): AnyStage,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<Json<StepAnswer>> {
    Ok(step(
        super::confirm_two_factor_setup(&st, &info, &b.code).await?,
    ))
}

/// Turn two-factor login off with a current code. Refused (403) for roles that must use it
/// (system admins, purchasers); a wrong code counts toward the login lockout.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/disable", tag = "auth", request_body = CodeBody,
    responses((status = 204), (status = 403, body = Problem), (status = 409, description = "two-factor login is not on", body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn two_factor_disable(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<StatusCode> {
    super::disable_two_factor(&st, &info, &b.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: i64,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked: bool,
}

impl From<ApiToken> for TokenOut {
    fn from(t: ApiToken) -> Self {
        TokenOut {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    items: Vec<TokenOut>,
    total: i64,
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", responses((status = 200, body = TokenList)))]
async fn list_tokens(
    State(st): State<AppState>,
    Authed(info): Authed,
) -> ApiResult<Json<TokenList>> {
    let uid = info.user.id;
    let items: Vec<TokenOut> = st
        .read(move |c| tokens::list_for_user(c, uid))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(TokenList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. 低保系统对接.
    name: String,
    /// Days until it expires (1–3650); none for no expiry.
    days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenAnswer {
    id: i64,
    /// Shown once: store it now. Use as `Authorization: Bearer <token>`.
    token: String,
}

/// Create an API token for integrations.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = NewTokenAnswer), (status = 422, body = Problem)))]
async fn create_token(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<NewTokenAnswer>)> {
    let (id, token) = super::create_token(&st, &info, &b.name, b.days).await?;
    Ok((StatusCode::CREATED, Json(NewTokenAnswer { id, token })))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<StatusCode> {
    super::revoke_token(&st, &info, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
