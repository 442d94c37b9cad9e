//! `/account`: profile, voluntary password change, two-factor login on/off, API tokens, language.
//! Every change posts a form (with `_csrf`) and, when it worked, redirects back to the page with a
//! notice (post/redirect/get) — except a new API token, whose secret is shown once on the answer
//! itself and so never travels in an address.

use super::Profile;
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::session::pages::{PasswordForm, SetupForm, SetupPage};
use crate::session::{self, two_factor};
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::{Invalid, Msg, clock};
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/two-factor/setup", post(two_factor_start))
        .route("/account/two-factor/confirm", post(two_factor_confirm))
        .route("/account/two-factor/disable", post(two_factor_disable))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// What the forms of the page show after a post: inline errors, values typed, a notice.
#[derive(Default)]
pub struct Forms {
    notice: Option<&'static str>,
    current_error: Option<String>,
    new_error: Option<String>,
    code_error: Option<String>,
    token_name: String,
    token_days: String,
    name_error: Option<String>,
    days_error: Option<String>,
    /// A token just created: (name, secret), shown this once.
    new_token: Option<(String, String)>,
}

pub struct TokenRow {
    id: i64,
    name: String,
    created: String,
    expires: Option<String>,
    last_used: Option<String>,
    /// `active`, `expired` or `revoked`.
    status: &'static str,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    p: Profile,
    tokens: Vec<TokenRow>,
    f: Forms,
    last_login: Option<String>,
    previous_login: Option<(String, String)>,
    password_changed: String,
}

async fn render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    f: Forms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let p = super::load(st, info).await?;
    let now = clock::now();
    let tokens = p
        .tokens
        .iter()
        .map(|t| {
            let (status, status_label) = if t.revoked_at.is_some() {
                ("revoked", l.t("已撤销", "revoked"))
            } else if t.expires_at.is_some_and(|e| e <= now) {
                ("expired", l.t("已过期", "expired"))
            } else {
                ("active", l.t("有效", "active"))
            };
            TokenRow {
                id: t.id,
                name: t.name.clone(),
                created: clock::display(t.created_at),
                expires: t.expires_at.map(clock::display),
                last_used: t.last_used_at.map(clock::display),
                status,
                status_label,
            }
        })
        .collect();
    let page = AccountPage {
        c: Chrome::for_user(l, info, "/account"),
        last_login: p.last_login_at.map(clock::display),
        previous_login: p
            .previous_login
            .as_ref()
            .map(|(at, ip)| (clock::display(*at), ip.clone())),
        password_changed: clock::display(p.password_changed_at),
        p,
        tokens,
        f,
    };
    let mut r = Page(page).into_response();
    *r.status_mut() = status;
    Ok(r)
}

fn msg(l: Lang, i: &Invalid, field: &str) -> Option<String> {
    i.message_for(field).map(|m| l.m(m).to_string())
}

#[derive(Deserialize)]
struct DoneQ {
    done: Option<String>,
}

async fn account_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("password") => Some(l.t(
            "密码已修改,您在其他设备上的登录已全部退出。",
            "Password changed; you were logged out everywhere else.",
        )),
        Some("two_factor_on") => Some(l.t(
            "两步验证已开启,以后登录时需要输入验证器应用中的验证码。",
            "Two-factor login is on; logging in will ask for a code from your app.",
        )),
        Some("two_factor_off") => Some(l.t("两步验证已关闭。", "Two-factor login is off.")),
        Some("token_revoked") => Some(l.t(
            "API 令牌已撤销,使用它的程序将无法再访问系统。",
            "The API token was revoked; programs using it are shut out.",
        )),
        _ => None,
    };
    render(
        &st,
        l,
        &info,
        Forms {
            notice,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

async fn change_password(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<PasswordForm>,
) -> Result<Response, AppError> {
    match session::change_password(
        &st,
        &info,
        Some(f.current_password.as_deref().unwrap_or_default()),
        &f.new_password,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(AppError::Invalid(i)) => {
            let forms = Forms {
                current_error: msg(l, &i, "current_password"),
                new_error: msg(l, &i, "new_password"),
                ..Default::default()
            };
            render(&st, l, &info, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The setup page of the login flow, reused: scan, then confirm with a code.
async fn setup_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let setup = session::start_two_factor_setup(st, info).await?;
    let page = SetupPage {
        c: Chrome::for_user(l, info, "/account"),
        required: false,
        qr_svg: two_factor::qr_svg(&setup.otpauth_url),
        secret: setup.secret_base32,
        action: "/account/two-factor/confirm",
        error,
    };
    let mut r = Page(page).into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn two_factor_start(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    setup_page(&st, l, &info, None, StatusCode::OK).await
}

async fn two_factor_confirm(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<SetupForm>,
) -> Result<Response, AppError> {
    match session::confirm_two_factor_setup(&st, &info, &f.code).await {
        Ok(_) => Ok(Redirect::to("/account?done=two_factor_on").into_response()),
        // As in the login flow: a fresh key to scan rather than explaining the old one.
        Err(AppError::Invalid(i)) => {
            setup_page(
                &st,
                l,
                &info,
                msg(l, &i, "code"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn two_factor_disable(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<SetupForm>,
) -> Result<Response, AppError> {
    match session::disable_two_factor(&st, &info, &f.code).await {
        Ok(()) => Ok(Redirect::to("/account?done=two_factor_off").into_response()),
        Err(AppError::Invalid(i)) => {
            render(
                &st,
                l,
                &info,
                Forms {
                    code_error: msg(l, &i, "code"),
                    ..Default::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<TokenForm>,
) -> Result<Response, AppError> {
    let again = |i: &Invalid| Forms {
        token_name: f.name.chars().take(100).collect(),
        token_days: f.days.chars().take(10).collect(),
        name_error: msg(l, i, "name"),
        days_error: msg(l, i, "days"),
        ..Default::default()
    };
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                // Both fields at once: the name is checked by the same rule `create_token` applies.
                let mut i = Invalid::one(
                    "days",
                    Msg::new(
                        "有效天数应为 1 至 3650 之间的整数,留空表示永不过期",
                        "days is a whole number from 1 to 3650, or empty for no expiry",
                    ),
                );
                if let Err(m) = shegong_domain::text::required_line(&f.name, 60) {
                    i.add("name", m);
                }
                return render(&st, l, &info, again(&i), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    match session::create_token(&st, &info, &f.name, days).await {
        Ok((_, secret)) => {
            let forms = Forms {
                new_token: Some((f.name.trim().to_string(), secret)),
                ..Default::default()
            };
            render(&st, l, &info, forms, StatusCode::OK).await
        }
        Err(AppError::Invalid(i)) => {
            render(&st, l, &info, again(&i), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    session::revoke_token(&st, &info, id).await?;
    Ok(Redirect::to("/account?done=token_revoked").into_response())
}
