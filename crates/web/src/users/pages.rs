//! The account pages: `/users` (list with live filter), `/users/new`, `/users/{id}` and its
//! actions. Every action is a plain POST form carrying `_csrf`, so everything works without
//! JavaScript; htmx only refreshes the list while typing.

use super::{Changes, ListParams, Place};
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Page, Pager, Results, list_href, wants_fragment};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::role::Role;
use shegong_domain::{Msg, clock};
use shegong_store::org;
use shegong_store::users::{AccountInput, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/new", get(new_form).post(new_submit))
        .route("/users/{id}", get(detail).post(edit_submit))
        .route("/users/{id}/password-reset", post(password_reset))
        .route("/users/{id}/unlock", post(unlock))
        .route("/users/{id}/two-factor-reset", post(two_factor_reset))
        .route("/users/{id}/deactivate", post(deactivate))
        .route("/users/{id}/reactivate", post(reactivate))
}

/// A role in a select.
pub struct RoleOpt {
    pub id: &'static str,
    pub label: String,
    pub selected: bool,
}

fn role_opts(l: Lang, roles: &[Role], selected: &str) -> Vec<RoleOpt> {
    roles
        .iter()
        .map(|r| RoleOpt {
            id: r.id(),
            label: l.m(&r.label()).to_string(),
            selected: r.id() == selected,
        })
        .collect()
}

/// An account as the pages show it.
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub org_code: String,
    pub org_name: String,
    pub locked: bool,
    pub locked_until: String,
    pub failed_logins: i32,
    pub active: bool,
    pub totp: bool,
    pub must_change: bool,
    pub last_login: String,
    pub created: String,
    pub password_changed: String,
}

impl UserView {
    fn new(u: &User, l: Lang, org_name: String, now: i64) -> UserView {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            role_label: l.m(&u.role().label()).to_string(),
            org_code: u.org_code.clone(),
            org_name,
            locked: u.is_locked(now),
            locked_until: u.locked_until.map(clock::display).unwrap_or_default(),
            failed_logins: u.failed_logins,
            active: u.active,
            totp: u.totp_enabled,
            must_change: u.must_change_password,
            last_login: u.last_login_at.map(clock::display).unwrap_or_default(),
            created: clock::display(u.created_at),
            password_changed: clock::display(u.password_changed_at),
        }
    }
}

async fn view(st: &AppState, u: &User, l: Lang) -> Result<UserView, AppError> {
    let code = u.org_code.clone();
    let name = st
        .read(move |c| {
            Ok(org::get_unscoped(c, &code)?
                .map(|o| o.name)
                .unwrap_or_default())
        })
        .await?;
    Ok(UserView::new(u, l, name, clock::now()))
}

// ---------------------------------------------------------------- list

/// The filter values as typed, to fill the form again.
pub struct FilterView {
    pub q: String,
    pub role: String,
    pub org_code: String,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "users_list.html")]
struct ListPage {
    c: Chrome,
    f: FilterView,
    roles: Vec<RoleOpt>,
    can_create: bool,
    export_href: Option<String>,
    r: Results<UserView>,
}

/// Just the results, for htmx's live filter.
#[derive(Template)]
#[template(path = "users_results.html")]
struct ListFragment {
    c: Chrome,
    r: Results<UserView>,
}

fn page_href(p: &ListParams, page: i64) -> String {
    let per_page = p.per_page.map(|n| n.to_string());
    let mut params = filters(p).to_vec();
    params.push(("per_page", per_page.as_deref()));
    list_href("/users", &params, page)
}

/// The list's filters as query parameters (the export takes the same).
fn filters(p: &ListParams) -> [(&'static str, Option<&str>); 4] {
    [
        ("q", p.q.as_deref()),
        ("role", p.role.as_deref()),
        ("org_code", p.org_code.as_deref()),
        ("locked", p.locked.as_deref()),
    ]
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    headers: HeaderMap,
    Q(p): Q<ListParams>,
) -> Result<Response, AppError> {
    let now = clock::now();
    let (r, status) = match super::list(&st, &info, &p).await {
        Ok(listing) => {
            let (_, page) = p.filter().unwrap_or_default();
            let mut rows = Vec::with_capacity(listing.items.len());
            for u in &listing.items {
                // The org name is in the account's detail page; the list stays one query.
                rows.push(UserView::new(u, l, String::new(), now));
            }
            let pager = Pager::new(page, listing.total, None, |n| page_href(&p, n));
            let r = Results::new(rows, listing.total, pager);
            (r, StatusCode::OK)
        }
        Err(AppError::Invalid(i)) => {
            let r = Results::refused(l, &i);
            (r, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e),
    };
    let c = Chrome::for_user(l, &info, "/users");
    // htmx asks for the results only; a history restore or a plain request gets the whole page.
    if wants_fragment(&headers, "results") {
        return Ok((status, Page(ListFragment { c, r })).into_response());
    }
    let f = FilterView {
        q: p.q.clone().unwrap_or_default(),
        role: p.role.clone().unwrap_or_default(),
        org_code: p.org_code.clone().unwrap_or_default(),
        locked: p.locked_only(),
    };
    let page = ListPage {
        c,
        roles: role_opts(l, &Role::ALL, &f.role),
        f,
        can_create: !super::assignable_roles(&info.principal).is_empty(),
        export_href: crate::exports::href(&info, "/users/export.xlsx", &filters(&p)),
        r,
    };
    Ok((status, Page(page)).into_response())
}

// ---------------------------------------------------------------- create

/// Values of the account form as typed.
#[derive(Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub org_code: String,
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewPage {
    c: Chrome,
    v: AccountForm,
    roles: Vec<RoleOpt>,
    places: Vec<Place>,
    errors: Errors,
    /// The shared account fields ask for a username only on creation.
    is_edit: bool,
}

async fn new_page(
    st: &AppState,
    l: Lang,
    info: &std::sync::Arc<AuthInfo>,
    v: AccountForm,
    errors: Errors,
) -> Result<NewPage, AppError> {
    let roles = super::assignable_roles(&info.principal);
    if roles.is_empty() {
        return Err(AppError::forbidden());
    }
    let places = super::places(st, info).await?;
    Ok(NewPage {
        c: Chrome::for_user(l, info, "/users/new"),
        roles: role_opts(l, &roles, &v.role),
        places,
        v,
        errors,
        is_edit: false,
    })
}

async fn new_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let roles = super::assignable_roles(&info.principal);
    // A station head places accounts at their own station: fill it in.
    let org_code = match info.principal.scope.roots() {
        [only] if !only.is_operator() => only.to_string(),
        _ => String::new(),
    };
    let role = if roles.len() == 1 || roles.contains(&Role::SocialWorker) {
        Role::SocialWorker.id().to_string()
    } else {
        String::new()
    };
    let v = AccountForm {
        org_code,
        role,
        ..Default::default()
    };
    Ok(Page(new_page(&st, l, &info, v, Errors::default()).await?).into_response())
}

/// The one-time password, after creating an account or resetting its password.
#[derive(Template)]
#[template(path = "user_password.html")]
struct PasswordPage {
    c: Chrome,
    u: UserView,
    password: String,
    created: bool,
}

async fn new_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<AccountForm>,
) -> Result<Response, AppError> {
    let input = AccountInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        org_code: f.org_code.clone(),
    };
    match super::create(&st, &info, input).await {
        Ok(created) => {
            let u = view(&st, &created.user, l).await?;
            let page = PasswordPage {
                c: Chrome::for_user(l, &info, "/users/new"),
                u,
                password: created.initial_password,
                created: true,
            };
            Ok((StatusCode::CREATED, Page(page)).into_response())
        }
        Err(AppError::Invalid(i)) => {
            let page = new_page(&st, l, &info, f, Errors::from(&i, l)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(AppError::Conflict(m)) => {
            let page = new_page(&st, l, &info, f, Errors::one("username", &m, l)).await?;
            Ok((StatusCode::CONFLICT, Page(page)).into_response())
        }
        // The form stays, with the reason beside the field (the same words whether or not the
        // code exists elsewhere, so nothing leaks).
        Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => {
            let status = e.status();
            let page = new_page(&st, l, &info, f, refusal(&e, l)).await?;
            Ok((status, Page(page)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// A refused role or place as an inline message.
fn refusal(e: &AppError, l: Lang) -> Errors {
    match e {
        AppError::NotFound => Errors::one(
            "org_code",
            &Msg::new(
                "这个组织代码不在您的管理范围内",
                "this org code is outside your scope",
            ),
            l,
        ),
        _ => Errors::one(
            "role",
            &Msg::new(
                "您不能给账号设置这个角色或所属组织",
                "you cannot give this role at this place",
            ),
            l,
        ),
    }
}

// ---------------------------------------------------------------- one account

#[derive(Template)]
#[template(path = "user_detail.html")]
struct DetailPage {
    c: Chrome,
    u: UserView,
    can_manage: bool,
    is_self: bool,
    roles: Vec<RoleOpt>,
    places: Vec<Place>,
    v: AccountForm,
    errors: Errors,
    notice: Option<&'static str>,
    is_edit: bool,
}

#[derive(Deserialize)]
struct DoneQ {
    done: Option<String>,
}

fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => l.t("已保存。", "Saved."),
        "unlocked" => l.t("账号已解锁,可以重新登录。", "The account is unlocked and can log in again."),
        "two_factor_reset" => l.t("两步验证已重置,用户下次登录时需重新设置;其登录会话已结束。", "Two-factor login was reset; the user sets it up again at the next login. Their sessions ended."),
        "deactivated" => l.t("账号已停用,不能再登录;其登录会话已结束。", "The account is deactivated and cannot log in; its sessions ended."),
        "reactivated" => l.t("账号已重新启用。", "The account is active again."),
        _ => return None,
    })
}

async fn detail_page(
    st: &AppState,
    l: Lang,
    info: &std::sync::Arc<AuthInfo>,
    u: &User,
    v: Option<AccountForm>,
    errors: Errors,
    notice: Option<&'static str>,
) -> Result<DetailPage, AppError> {
    let can_manage = super::may_manage(&info.principal, u);
    let is_self = u.id == info.user.id;
    let view = view(st, u, l).await?;
    let v = v.unwrap_or_else(|| AccountForm {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        org_code: u.org_code.clone(),
    });
    let (roles, places) = if can_manage && !is_self {
        (
            role_opts(l, &super::assignable_roles(&info.principal), &v.role),
            super::places(st, info).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let path = format!("/users/{}", u.id);
    Ok(DetailPage {
        c: Chrome::for_user(l, info, &path),
        u: view,
        can_manage,
        is_self,
        roles,
        places,
        v,
        errors,
        notice,
        is_edit: true,
    })
}

async fn detail(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let u = super::get(&st, &info, id).await?;
    let page = detail_page(
        &st,
        l,
        &info,
        &u,
        None,
        Errors::default(),
        notice(l, q.done.as_deref()),
    )
    .await?;
    Ok(Page(page).into_response())
}

#[derive(Deserialize)]
struct EditForm {
    display_name: Option<String>,
    role: Option<String>,
    org_code: Option<String>,
}

async fn edit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<EditForm>,
) -> Result<Response, AppError> {
    let ch = Changes {
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        org_code: f.org_code.clone(),
        active: None,
    };
    let (status, errors, refused) = match super::update(&st, &info, id, ch).await {
        Ok(_) => return Ok(Redirect::to(&format!("/users/{id}?done=saved")).into_response()),
        Err(AppError::Invalid(i)) => (StatusCode::UNPROCESSABLE_ENTITY, Errors::from(&i, l), None),
        Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => {
            (e.status(), refusal(&e, l), Some(e))
        }
        Err(e) => return Err(e),
    };
    // The form again with the values as typed. A refusal because of the account itself (out of
    // scope, not the caller's to manage, one's own) is the error page instead.
    let u = super::get(&st, &info, id).await?;
    if let Some(e) = refused
        && (u.id == info.user.id || !super::may_manage(&info.principal, &u))
    {
        return Err(e);
    }
    let v = AccountForm {
        username: u.username.clone(),
        display_name: f.display_name.unwrap_or_else(|| u.display_name.clone()),
        role: f.role.unwrap_or_else(|| u.role.clone()),
        org_code: f.org_code.unwrap_or_else(|| u.org_code.clone()),
    };
    let page = detail_page(&st, l, &info, &u, Some(v), errors, None).await?;
    Ok((status, Page(page)).into_response())
}

async fn password_reset(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let (user, password) = super::reset_password(&st, &info, id).await?;
    let u = view(&st, &user, l).await?;
    let path = format!("/users/{id}");
    Ok(Page(PasswordPage {
        c: Chrome::for_user(l, &info, &path),
        u,
        password,
        created: false,
    })
    .into_response())
}

async fn unlock(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    super::unlock(&st, &info, id).await?;
    Ok(Redirect::to(&format!("/users/{id}?done=unlocked")).into_response())
}

async fn two_factor_reset(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    super::reset_two_factor(&st, &info, id).await?;
    Ok(Redirect::to(&format!("/users/{id}?done=two_factor_reset")).into_response())
}

async fn set_active(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    active: bool,
) -> Result<Response, AppError> {
    super::update(
        st,
        info,
        id,
        Changes {
            active: Some(active),
            ..Default::default()
        },
    )
    .await?;
    let done = if active { "reactivated" } else { "deactivated" };
    Ok(Redirect::to(&format!("/users/{id}?done={done}")).into_response())
}

async fn deactivate(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    set_active(&st, &info, id, false).await
}

async fn reactivate(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    set_active(&st, &info, id, true).await
}
