//! User administration within the manager's scope (issue 2 points 4, 5, 7): list, create, change,
//! deactivate, reset passwords and second factors, unlock. The pages and the API both call the
//! functions here, so one set of rules (scope, who may give which role, validation, audit) holds
//! for both — and for the command line, which validates with the same `users::validate_account`.
//!
//! Access: seeing accounts needs `Action::ViewUsers`; changing one needs
//! `policy::may_manage_account` for the account's current role and place *and* for the new ones.
//! An account outside the caller's scope is "not found" (404); one in scope that the caller may
//! not manage is "forbidden" (403). Nobody changes their own role or place, deactivates
//! themselves, or resets their own password or second factor here (that is "my account").

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde::Deserialize;
use serde_json::{Value, json};
use shegong_domain::clock;
use shegong_domain::org::OrgCode;
use shegong_domain::policy::{Action, Decision, Principal, may_manage_account, role_may};
use shegong_domain::role::Role;
use shegong_domain::{Invalid, Msg};
use shegong_store::audit::{self, Actor, Event};
use shegong_store::query::{Listing, Page};
use shegong_store::users::{self, AccountInput, NewUser, User};
use shegong_store::{DbConn, StoreError, StoreResult, org, passwords, sessions};

pub use crate::session::api::UserOut;

/// The outcome of checks made inside a transaction: `Err` aborts with that answer, and since
/// nothing was written before the check, the transaction commits nothing.
type Checked<T> = Result<T, AppError>;

fn decision(d: Decision) -> Result<(), AppError> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::forbidden()),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// May the caller give an account this role at this place? When the role or the code is
/// malformed the policy cannot be asked; validation will name the bad field (422), but an
/// out-of-scope code is still "not found" and a caller who manages nobody is still refused.
fn may_give(p: &Principal, role: &str, org_code: &str) -> Result<(), AppError> {
    let org = OrgCode::parse(org_code).ok();
    match (Role::from_id(role.trim()), &org) {
        (Some(r), Some(o)) => decision(may_manage_account(p, r, o.as_str())),
        _ if org.as_ref().is_some_and(|o| !p.scope.contains(o.as_str())) => Err(AppError::NotFound),
        _ if !role_may(p.role, Action::ManageUsers) => Err(AppError::forbidden()),
        _ => Ok(()),
    }
}

/// Roles the caller may give, in the order of `Role::ALL` (for the forms' role select).
pub fn assignable_roles(p: &Principal) -> Vec<Role> {
    if !role_may(p.role, Action::ManageUsers) {
        return Vec::new();
    }
    Role::ALL
        .into_iter()
        .filter(|r| p.role.may_assign(*r))
        .collect()
}

/// Whether the caller may change this account at all (for showing or hiding the forms).
pub fn may_manage(p: &Principal, u: &User) -> bool {
    may_manage_account(p, u.role(), &u.org_code).allowed()
}

/// The account in scope that the caller may manage, read inside a transaction.
fn managed(c: &mut DbConn, p: &Principal, id: i64) -> StoreResult<Checked<User>> {
    let u = users::get(c, &p.scope, id)?;
    Ok(decision(may_manage_account(p, u.role(), &u.org_code)).map(|_| u))
}

fn not_on_self(p: &Principal, id: i64, what: Msg) -> Result<(), AppError> {
    if p.user_id == id {
        Err(AppError::Forbidden(what))
    } else {
        Ok(())
    }
}

/// Validation as a value: invalid input is an answer, anything else a store failure.
fn validate(c: &mut DbConn, input: &AccountInput) -> StoreResult<Checked<users::ValidAccount>> {
    match users::validate_account(c, input) {
        Ok(v) => Ok(Ok(v)),
        Err(StoreError::Invalid(i)) => Ok(Err(AppError::Invalid(i))),
        Err(e) => Err(e),
    }
}

/// `GET /users` filters as typed in the address; empty values mean "any".
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Part of the username or the display name.
    pub q: Option<String>,
    /// A role id, e.g. `social_worker`.
    pub role: Option<String>,
    /// An org node: accounts held there and below.
    pub org_code: Option<String>,
    /// `1` or `true`: locked accounts only.
    pub locked: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1–200, default 50.
    pub per_page: Option<i64>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListParams {
    pub fn filter(&self) -> Result<(users::Filter, Page), Invalid> {
        let mut inv = Invalid::new();
        let q = given(&self.q).map(|q| q.chars().take(64).collect());
        let role = given(&self.role).and_then(|r| {
            inv.check(
                "role",
                Role::from_id(r).ok_or(Msg::new("未知的角色", "unknown role")),
            )
        });
        let org_code = given(&self.org_code).and_then(|o| inv.check("org_code", OrgCode::parse(o)));
        let locked_only = match given(&self.locked) {
            None | Some("0" | "false") => false,
            Some("1" | "true" | "on") => true,
            Some(_) => {
                inv.add("locked", Msg::new("应为 1 或 0", "must be 1 or 0"));
                false
            }
        };
        inv.into_result()?;
        Ok((
            users::Filter {
                q,
                role,
                org_code,
                locked_only,
            },
            Page::new(self.page, self.per_page),
        ))
    }

    pub fn locked_only(&self) -> bool {
        matches!(given(&self.locked), Some("1" | "true" | "on"))
    }
}

/// Accounts in the caller's scope matching the filters; totals count in-scope accounts only.
pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    params: &ListParams,
) -> Result<Listing<User>, AppError> {
    ensure_viewer(info)?;
    let (filter, page) = params.filter()?;
    let scope = info.principal.scope.clone();
    let now = clock::now();
    st.read(move |c| users::list(c, &scope, &filter, page, now))
        .await
}

/// `Action::ViewUsers` for the user's role.
pub fn ensure_viewer(info: &AuthInfo) -> Result<(), AppError> {
    if role_may(info.principal.role, Action::ViewUsers) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// One account in scope.
pub async fn get(st: &AppState, info: &AuthInfo, id: i64) -> Result<User, AppError> {
    let scope = info.principal.scope.clone();
    let u = st.read(move |c| users::get(c, &scope, id)).await?;
    info.check(
        Action::ViewUsers,
        &shegong_domain::policy::Target::at(&u.org_code),
    )?;
    Ok(u)
}

/// A new account and its one-time initial password.
pub struct Created {
    pub user: User,
    pub initial_password: String,
}

/// Creates an account with a generated initial password that must be changed at first login.
pub async fn create(
    st: &AppState,
    info: &AuthInfo,
    input: AccountInput,
) -> Result<Created, AppError> {
    let p = info.principal.clone();
    may_give(&p, &input.role, &input.org_code)?;
    let checked = input.clone();
    st.read(move |c| validate(c, &checked)).await??;
    let password = passwords::generate();
    let hash = st.hash_password(password.clone()).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = clock::now();
    let user = st
        .write(move |c| {
            // Checked again in the transaction that writes, so nothing changed in between.
            let v = match validate(c, &input)? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let new = NewUser {
                username: &v.username,
                display_name: &v.display_name,
                role: v.role,
                org_code: v.org_code.as_str(),
                password_hash: &hash,
                must_change_password: true,
                two_factor_exempt: false,
            };
            let id = users::create(c, &new, now)?;
            let ev = Event::new(&actor, "user.create", "user", id)
                .org(v.org_code.as_str())
                .detail(json!({"role": v.role.id()}));
            audit::append(c, &keys, &ev)?;
            Ok(Ok(users::get_self(c, id)?))
        })
        .await??;
    Ok(Created {
        user,
        initial_password: password,
    })
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub org_code: Option<String>,
    pub active: Option<bool>,
}

/// Applies changes. Deactivating ends the account's sessions; so does a new role or place, so the
/// next login starts with what the new role owes (e.g. setting up a second factor).
pub async fn update(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    ch: Changes,
) -> Result<User, AppError> {
    let p = info.principal.clone();
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = clock::now();
    st.write(move |c| {
        let cur = match managed_or_self(c, &p, id)? {
            Ok(u) => u,
            Err(e) => return Ok(Err(e)),
        };
        apply(c, &p, &keys, &actor, cur, ch, now)
    })
    .await?
}

/// Like [`managed`], but an attempt to demote or deactivate oneself gets its own message.
fn managed_or_self(c: &mut DbConn, p: &Principal, id: i64) -> StoreResult<Checked<User>> {
    if p.user_id == id {
        let u = users::get(c, &p.scope, id)?;
        return Ok(Ok(u));
    }
    managed(c, p, id)
}

fn apply(
    c: &mut DbConn,
    p: &Principal,
    keys: &shegong_store::keys::Keys,
    actor: &Actor,
    cur: User,
    ch: Changes,
    now: i64,
) -> StoreResult<Checked<User>> {
    let role_changes = ch.role.as_deref().is_some_and(|r| r.trim() != cur.role);
    let org_changes = ch
        .org_code
        .as_deref()
        .is_some_and(|o| o.trim() != cur.org_code);
    let deactivates = ch.active == Some(false) && cur.active;
    if cur.id == p.user_id {
        if role_changes || org_changes || deactivates {
            return Ok(Err(AppError::Forbidden(Msg::new(
                "不能修改自己的角色或所属组织,也不能停用自己的账号,请由上级管理员办理",
                "you cannot change your own role or place or deactivate yourself; ask a higher administrator",
            ))));
        }
        // Only one's own display name is left, which the policy decides like for anyone else.
        if let Err(e) = decision(may_manage_account(p, cur.role(), &cur.org_code)) {
            return Ok(Err(e));
        }
    }
    let input = AccountInput {
        username: cur.username.clone(),
        display_name: ch
            .display_name
            .clone()
            .unwrap_or_else(|| cur.display_name.clone()),
        role: ch.role.clone().unwrap_or_else(|| cur.role.clone()),
        org_code: ch.org_code.clone().unwrap_or_else(|| cur.org_code.clone()),
    };
    if (role_changes || org_changes)
        && let Err(e) = may_give(p, &input.role, &input.org_code)
    {
        return Ok(Err(e));
    }
    let v = match validate(c, &input)? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let active = ch.active.unwrap_or(cur.active);
    let mut fields: Vec<&str> = Vec::new();
    let mut detail = serde_json::Map::new();
    if v.display_name != cur.display_name {
        // A name is personal data: the field, never the value.
        fields.push("display_name");
    }
    if v.role != cur.role() {
        fields.push("role");
        detail.insert("role".into(), json!({"from": cur.role, "to": v.role.id()}));
    }
    if v.org_code.as_str() != cur.org_code {
        fields.push("org_code");
        detail.insert(
            "org_code".into(),
            json!({"from": cur.org_code, "to": v.org_code.as_str()}),
        );
    }
    if active != cur.active {
        fields.push("active");
        detail.insert("active".into(), Value::Bool(active));
    }
    if fields.is_empty() {
        return Ok(Ok(cur));
    }
    users::update(
        c,
        cur.id,
        &v.display_name,
        v.role,
        v.org_code.as_str(),
        active,
        now,
    )?;
    let ended = if !active || v.role != cur.role() || v.org_code.as_str() != cur.org_code {
        sessions::delete_for_user(c, cur.id, None)?
    } else {
        0
    };
    detail.insert("fields".into(), json!(fields));
    detail.insert("sessions_ended".into(), json!(ended));
    let ev = Event::new(actor, "user.update", "user", cur.id)
        .org(v.org_code.as_str())
        .detail(Value::Object(detail));
    audit::append(c, keys, &ev)?;
    Ok(Ok(users::get_self(c, cur.id)?))
}

/// Sets a new generated password that must be changed at the next login, and ends the account's
/// sessions. Returns the password, to be shown once.
pub async fn reset_password(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(User, String), AppError> {
    let p = info.principal.clone();
    not_on_self(
        &p,
        id,
        Msg::new(
            "不能在这里重置自己的密码,请在“我的账户”中修改",
            "change your own password under My account",
        ),
    )?;
    let check = p.clone();
    st.read(move |c| managed(c, &check, id)).await??;
    let password = passwords::generate();
    let hash = st.hash_password(password.clone()).await?;
    let user = write_managed(st, info, id, "user.password_reset", move |c, u, now| {
        users::set_password(c, u.id, &hash, true, now)?;
        let ended = sessions::delete_for_user(c, u.id, None)?;
        Ok(json!({"sessions_ended": ended}))
    })
    .await?;
    Ok((user, password))
}

/// Lifts a login lock (and clears the failure count).
pub async fn unlock(st: &AppState, info: &AuthInfo, id: i64) -> Result<User, AppError> {
    write_managed(st, info, id, "user.unlock", |c, u, now| {
        users::unlock(c, u.id, now)?;
        Ok(json!({"was_locked": u.is_locked(now)}))
    })
    .await
}

/// Clears the second factor, so the user sets it up again (a lost or replaced phone). The
/// account's sessions end too: one of them may be on the lost phone.
pub async fn reset_two_factor(st: &AppState, info: &AuthInfo, id: i64) -> Result<User, AppError> {
    not_on_self(
        &info.principal,
        id,
        Msg::new(
            "不能在这里重置自己的两步验证",
            "you cannot reset your own second factor here",
        ),
    )?;
    write_managed(st, info, id, "user.two_factor_reset", move |c, u, now| {
        users::set_totp(c, u.id, None, false, now)?;
        let ended = sessions::delete_for_user(c, u.id, None)?;
        Ok(json!({"was_enabled": u.totp_enabled, "sessions_ended": ended}))
    })
    .await
}

/// One change to a managed account, audited in the same transaction.
async fn write_managed<F>(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    action: &'static str,
    f: F,
) -> Result<User, AppError>
where
    F: FnOnce(&mut DbConn, &User, i64) -> StoreResult<Value> + Send + 'static,
{
    let p = info.principal.clone();
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = clock::now();
    st.write(move |c| {
        let u = match managed(c, &p, id)? {
            Ok(u) => u,
            Err(e) => return Ok(Err(e)),
        };
        let detail = f(c, &u, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "user", u.id)
                .org(u.org_code.clone())
                .detail(detail),
        )?;
        Ok(Ok(users::get_self(c, u.id)?))
    })
    .await?
}

/// An org node the caller can place accounts at, for the form's hint.
pub struct Place {
    pub code: String,
    pub name: String,
}

/// The top nodes of the caller's scope (an operator's stations are among them), with names.
pub async fn places(st: &AppState, info: &AuthInfo) -> Result<Vec<Place>, AppError> {
    let codes: Vec<String> = info
        .principal
        .scope
        .roots()
        .iter()
        .map(|r| r.to_string())
        .collect();
    st.read(move |c| {
        let mut out = Vec::new();
        for code in codes {
            let name = org::get_unscoped(c, &code)?
                .map(|u| u.name)
                .unwrap_or_default();
            out.push(Place { code, name });
        }
        Ok(out)
    })
    .await
}
