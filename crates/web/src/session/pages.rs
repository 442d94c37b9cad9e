//! The login pages: password, code, forced password change, two-factor setup, logout, language.

use super::{LoggedIn, two_factor};
use crate::auth::{
    AnyStage, ClientIp, MaybeAuthed, SessionExpired, clear_session_cookie, session_cookie,
};
use crate::error::AppError;
use crate::extract::{Q, UiForm};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::state::AppState;
use crate::ui::{Chrome, Page, safe_next, stage_path};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use shegong_domain::account::LoginStage;

/// Double-submit token against login CSRF (someone logging a victim into the attacker's account).
const LOGIN_COOKIE: &str = "sg_login";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/login/code", get(code_page).post(code_submit))
        .route(
            "/login/password",
            get(forced_password_page).post(forced_password_submit),
        )
        .route(
            "/login/two-factor-setup",
            get(setup_page).post(setup_submit),
        )
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(switch_lang))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    login_token: String,
    next: String,
    username: String,
    error: Option<String>,
    expired: bool,
    demo: bool,
}

#[derive(Deserialize)]
struct NextQ {
    next: Option<String>,
}

async fn login_page(
    State(st): State<AppState>,
    l: Lang,
    MaybeAuthed(info): MaybeAuthed,
    expired: Option<axum::Extension<SessionExpired>>,
    jar: CookieJar,
    Q(q): Q<NextQ>,
) -> Response {
    if let Some(i) = &info {
        let to = if i.stage() == LoginStage::Done {
            safe_next(q.next.as_deref())
        } else {
            stage_path(i.stage()).to_string()
        };
        return Redirect::to(&to).into_response();
    }
    let token = shegong_store::keys::random_token(16);
    let cookie = Cookie::build((LOGIN_COOKIE, token.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(st.cfg.secure_cookies)
        .build();
    let page = LoginPage {
        c: Chrome::new(l, None, "/login"),
        login_token: token,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        expired: expired.is_some(),
        demo: st.cfg.demo,
    };
    (jar.add(cookie), Page(page)).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default, rename = "_login")]
    login_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(st): State<AppState>,
    l: Lang,
    MaybeAuthed(previous): MaybeAuthed,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    UiForm(f): UiForm<LoginForm>,
) -> Result<Response, AppError> {
    let expected = jar
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let next = safe_next(f.next.as_deref());
    let again = |status: StatusCode, msg: String, username: String| {
        let token = shegong_store::keys::random_token(16);
        let cookie = Cookie::build((LOGIN_COOKIE, token.clone()))
            .path("/login")
            .http_only(true)
            .same_site(SameSite::Strict)
            .build();
        let page = LoginPage {
            c: Chrome::new(l, None, "/login"),
            login_token: token,
            next: next.clone(),
            username,
            error: Some(msg),
            expired: false,
            demo: st.cfg.demo,
        };
        (status, jar.clone().add(cookie), Page(page)).into_response()
    };
    if expected.is_empty() || expected != f.login_token {
        let msg = l
            .t(
                "登录页面已过期,请重新输入。",
                "The login page expired; please enter your details again.",
            )
            .to_string();
        return Ok(again(StatusCode::FORBIDDEN, msg, String::new()));
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match super::login(
        &st,
        previous.as_deref(),
        &f.username,
        &f.password,
        None,
        &ip,
        &ua,
    )
    .await
    {
        Ok(LoggedIn { token, stage, .. }) => {
            let to = if stage == LoginStage::Done {
                next.clone()
            } else {
                stage_path(stage).to_string()
            };
            let jar = jar
                .add(session_cookie(token, st.cfg.secure_cookies))
                .remove(Cookie::build(LOGIN_COOKIE).path("/login"));
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(e @ (AppError::Unauthorized(_) | AppError::TooMany(_))) => {
            let (_, detail) = e.title_detail();
            let username: String = f.username.chars().take(64).collect();
            Ok(again(e.status(), l.m(&detail).to_string(), username))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    c: Chrome,
    error: Option<String>,
}

async fn code_page(l: Lang, AnyStage(info): AnyStage) -> Response {
    if info.stage() != LoginStage::TwoFactor {
        return Redirect::to(stage_path(info.stage())).into_response();
    }
    Page(CodePage {
        c: Chrome::for_user(l, &info, "/login/code"),
        error: None,
    })
    .into_response()
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn code_submit(
    State(st): State<AppState>,
    l: Lang,
    AnyStage(info): AnyStage,
    UiForm(f): UiForm<CodeForm>,
) -> Result<Response, AppError> {
    match super::verify_second_factor(&st, &info, &f.code).await {
        Ok(stage) => Ok(Redirect::to(stage_path(stage)).into_response()),
        Err(AppError::Invalid(i)) => {
            let msg = i.errors.first().map(|e| l.m(&e.message).to_string());
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Page(CodePage {
                    c: Chrome::for_user(l, &info, "/login/code"),
                    error: msg,
                }),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "password_form.html")]
pub struct PasswordPage {
    pub c: Chrome,
    pub forced: bool,
    pub done: bool,
    pub action: &'static str,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
}

async fn forced_password_page(l: Lang, AnyStage(info): AnyStage) -> Response {
    if info.stage() != LoginStage::ChangePassword {
        return Redirect::to(stage_path(info.stage())).into_response();
    }
    Page(PasswordPage {
        c: Chrome::for_user(l, &info, "/login/password"),
        forced: true,
        done: false,
        action: "/login/password",
        current_error: None,
        new_error: None,
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: Option<String>,
    #[serde(default)]
    pub new_password: String,
}

async fn forced_password_submit(
    State(st): State<AppState>,
    l: Lang,
    AnyStage(info): AnyStage,
    UiForm(f): UiForm<PasswordForm>,
) -> Result<Response, AppError> {
    if info.stage() != LoginStage::ChangePassword {
        return Ok(Redirect::to(stage_path(info.stage())).into_response());
    }
    match super::change_password(&st, &info, None, &f.new_password).await {
        Ok(stage) => Ok(Redirect::to(stage_path(stage)).into_response()),
        Err(AppError::Invalid(i)) => {
            let msg = |field| i.message_for(field).map(|m| l.m(m).to_string());
            let page = PasswordPage {
                c: Chrome::for_user(l, &info, "/login/password"),
                forced: true,
                done: false,
                action: "/login/password",
                current_error: None,
                new_error: msg("new_password"),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "two_factor_setup.html")]
pub struct SetupPage {
    pub c: Chrome,
    pub required: bool,
    pub qr_svg: String,
    pub secret: String,
    pub action: &'static str,
    pub error: Option<String>,
}

async fn setup_page(
    State(st): State<AppState>,
    l: Lang,
    AnyStage(info): AnyStage,
) -> Result<Response, AppError> {
    if info.stage() != LoginStage::SetUpTwoFactor {
        return Ok(Redirect::to(stage_path(info.stage())).into_response());
    }
    let setup = super::start_two_factor_setup(&st, &info).await?;
    Ok(Page(SetupPage {
        c: Chrome::for_user(l, &info, "/login/two-factor-setup"),
        required: true,
        qr_svg: two_factor::qr_svg(&setup.otpauth_url),
        secret: setup.secret_base32,
        action: "/login/two-factor-setup",
        error: None,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    pub code: String,
}

async fn setup_submit(
    State(st): State<AppState>,
    l: Lang,
    AnyStage(info): AnyStage,
    UiForm(f): UiForm<SetupForm>,
) -> Result<Response, AppError> {
    match super::confirm_two_factor_setup(&st, &info, &f.code).await {
        Ok(stage) => Ok(Redirect::to(stage_path(stage)).into_response()),
        Err(AppError::Invalid(i)) => {
            // Show a fresh secret: the user scans again, which is simpler than explaining reuse.
            let setup = super::start_two_factor_setup(&st, &info).await?;
            let page = SetupPage {
                c: Chrome::for_user(l, &info, "/login/two-factor-setup"),
                required: true,
                qr_svg: two_factor::qr_svg(&setup.otpauth_url),
                secret: setup.secret_base32,
                action: "/login/two-factor-setup",
                error: i.errors.first().map(|e| l.m(&e.message).to_string()),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    MaybeAuthed(info): MaybeAuthed,
) -> Result<Response, AppError> {
    if let Some(info) = info {
        super::logout(&st, &info).await?;
    }
    Ok((jar.add(clear_session_cookie()), Redirect::to("/login")).into_response())
}

async fn switch_lang(
    crate::extract::P(lang): crate::extract::P<String>,
    jar: CookieJar,
    Q(q): Q<NextQ>,
) -> Response {
    let value = if lang == "en" { "en" } else { "zh" };
    let cookie = Cookie::build((LANG_COOKIE, value))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .build();
    (jar.add(cookie), Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}
