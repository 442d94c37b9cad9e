//! Staff and volunteer accounts (issue 2 point 4). Password hashing happens in the web layer on
//! the blocking pool; this module only stores the PHC string.

use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::query::{Listing, Page, like_contains};
use crate::schema::users;
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::Msg;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;

/// An account as shown and checked; never carries the password hash or the TOTP secret.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_code: String,
    pub must_change_password: bool,
    pub password_changed_at: i64,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub totp_enabled: bool,
    pub two_factor_exempt: bool,
    pub active: bool,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl User {
    pub fn role(&self) -> Role {
        // Roles are written only from the `Role` enum; an unknown value is treated as the least
        // privileged role rather than crashing a page.
        Role::from_id(&self.role).unwrap_or(Role::Volunteer)
    }

    pub fn is_locked(&self, now: i64) -> bool {
        shegong_domain::account::Lockout::is_locked(self.locked_until, now)
    }

    /// Whether the next login must set up a second factor before going further.
    pub fn needs_two_factor_setup(&self) -> bool {
        self.role().requires_two_factor() && !self.two_factor_exempt && !self.totp_enabled
    }
}

/// What login needs beyond [`User`].
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
}

/// A user with the password hash, the (encrypted) TOTP secret and the last TOTP step used.
type CredentialRow = (User, String, Option<Vec<u8>>, Option<i64>);

pub fn credentials_by_username(
    conn: &mut DbConn,
    username: &str,
) -> StoreResult<Option<Credentials>> {
    let row: Option<CredentialRow> = users::table
        .filter(users::username.eq(username))
        .select((
            User::as_select(),
            users::password_hash,
            users::totp_secret,
            users::totp_last_step,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(user, password_hash, totp_secret, totp_last_step)| Credentials {
            user,
            password_hash,
            totp_secret,
            totp_last_step,
        },
    ))
}

pub fn credentials_by_id(conn: &mut DbConn, id: i64) -> StoreResult<Credentials> {
    let (user, password_hash, totp_secret, totp_last_step) = users::table
        .find(id)
        .select((
            User::as_select(),
            users::password_hash,
            users::totp_secret,
            users::totp_last_step,
        ))
        .first(conn)
        .found()?;
    Ok(Credentials {
        user,
        password_hash,
        totp_secret,
        totp_last_step,
    })
}

/// An account by id without a scope check: for the session's own user only.
pub fn get_self(conn: &mut DbConn, id: i64) -> StoreResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .found()
}

/// An account in scope; [`StoreError::NotFound`] otherwise.
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> StoreResult<User> {
    users::table
        .find(id)
        .filter(crate::scope_filter!(users::org_code, scope))
        .select(User::as_select())
        .first(conn)
        .found()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the username or display name.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub org_code: Option<String>,
    pub locked_only: bool,
}

pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    f: &Filter,
    page: Page,
    now: i64,
) -> StoreResult<Listing<User>> {
    let build = || {
        let mut b = users::table
            .into_boxed()
            .filter(crate::scope_filter!(users::org_code, scope));
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pat = like_contains(q);
            b = b.filter(
                users::username
                    .like(pat.clone())
                    .escape('\\')
                    .or(users::display_name.like(pat).escape('\\')),
            );
        }
        if let Some(r) = f.role {
            b = b.filter(users::role.eq(r.id()));
        }
        if let Some(o) = &f.org_code {
            b = b.filter(users::org_code.eq(o.clone()));
        }
        if f.locked_only {
            b = b.filter(users::locked_until.gt(now));
        }
        b
    };
    let total = build().count().get_result(conn)?;
    let items = build()
        .order((users::org_code, users::username))
        .limit(page.per_page)
        .offset(page.offset())
        .select(User::as_select())
        .load(conn)?;
    Ok(Listing { items, total })
}

/// Accounts in scope per role.
pub fn count_by_role(conn: &mut DbConn, scope: &Scope) -> StoreResult<Vec<(Role, i64)>> {
    let rows: Vec<(String, i64)> = users::table
        .filter(crate::scope_filter!(users::org_code, scope))
        .filter(users::active.eq(true))
        .group_by(users::role)
        .select((users::role, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: Vec<(Role, i64)> = rows
        .into_iter()
        .filter_map(|(r, n)| Role::from_id(&r).map(|r| (r, n)))
        .collect();
    out.sort();
    Ok(out)
}

pub fn count_locked(conn: &mut DbConn, scope: &Scope, now: i64) -> StoreResult<i64> {
    Ok(users::table
        .filter(crate::scope_filter!(users::org_code, scope))
        .filter(users::locked_until.gt(now))
        .count()
        .get_result(conn)?)
}

/// A new account; the caller has checked the policy and hashed the password.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub org_code: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub two_factor_exempt: bool,
}

pub fn create(conn: &mut DbConn, u: &NewUser, now: i64) -> StoreResult<i64> {
    let taken: i64 = users::table
        .filter(users::username.eq(u.username))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(StoreError::Conflict(Msg::new(
            "用户名已被使用",
            "this username is taken",
        )));
    }
    let id = diesel::insert_into(users::table)
        .values((
            users::username.eq(u.username),
            users::display_name.eq(u.display_name),
            users::role.eq(u.role.id()),
            users::org_code.eq(u.org_code),
            users::password_hash.eq(u.password_hash),
            users::must_change_password.eq(u.must_change_password),
            users::password_changed_at.eq(now),
            users::two_factor_exempt.eq(u.two_factor_exempt),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(StoreError::from)
        .map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict(Msg::new("用户名已被使用", "this username is taken"))
            } else {
                e
            }
        })?;
    Ok(id)
}

/// Changes an account's name, role, place and whether it may log in.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    display_name: &str,
    role: Role,
    org_code: &str,
    active: bool,
    now: i64,
) -> StoreResult<()> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(display_name),
            users::role.eq(role.id()),
            users::org_code.eq(org_code),
            users::active.eq(active),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    hash: &str,
    must_change: bool,
    now: i64,
) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::password_changed_at.eq(now),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<i64>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_login_failure(
    conn: &mut DbConn,
    id: i64,
    failures: i32,
    locked_until: Option<i64>,
) -> StoreResult<()> {
    let target = diesel::update(users::table.find(id));
    match locked_until {
        Some(t) => target
            .set((users::failed_logins.eq(failures), users::locked_until.eq(t)))
            .execute(conn)?,
        None => target
            .set(users::failed_logins.eq(failures))
            .execute(conn)?,
    };
    Ok(())
}

pub fn record_login_success(conn: &mut DbConn, id: i64, now: i64) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<i64>),
            users::last_login_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn unlock(conn: &mut DbConn, id: i64, now: i64) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<i64>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores an (encrypted) TOTP secret; `enabled` only once the user proved they can read codes.
pub fn set_totp(
    conn: &mut DbConn,
    id: i64,
    secret: Option<&[u8]>,
    enabled: bool,
    now: i64,
) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(secret),
            users::totp_enabled.eq(enabled),
            users::totp_last_step.eq(None::<i64>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the time step of an accepted code so the same code cannot be used twice.
pub fn set_totp_step(conn: &mut DbConn, id: i64, step: i64) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::totp_last_step.eq(step))
        .execute(conn)?;
    Ok(())
}

pub fn exists_any(conn: &mut DbConn) -> StoreResult<bool> {
    Ok(users::table
        .select(users::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// An account's fields as typed in a form, the API or the command line.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_code: String,
}

/// An account that passed every rule.
#[derive(Debug, Clone)]
pub struct ValidAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_code: shegong_domain::org::OrgCode,
}

/// Checks an account against the rules: username and name format, a known role, an existing org
/// node at a level where the role can be held. All problems are reported at once.
pub fn validate_account(conn: &mut DbConn, input: &AccountInput) -> StoreResult<ValidAccount> {
    use shegong_domain::Invalid;
    use shegong_domain::org::OrgCode;
    let mut inv = Invalid::new();
    let username = inv.check(
        "username",
        shegong_domain::account::username(&input.username),
    );
    let display = if input.display_name.trim().is_empty() {
        input.username.trim().to_string()
    } else {
        input.display_name.clone()
    };
    let display_name = inv.check("display_name", shegong_domain::text::name(&display, 40));
    let role = inv.check(
        "role",
        Role::from_id(input.role.trim()).ok_or(Msg::new("未知的角色", "unknown role")),
    );
    let org = inv.check("org_code", OrgCode::parse(&input.org_code));
    if let (Some(role), Some(org)) = (role, &org) {
        match crate::org::get_unscoped(conn, org.as_str())? {
            None => inv.add("org_code", Msg::new("没有这个组织代码", "no such org code")),
            Some(_) if !role.allowed_at(org.level()) => inv.add(
                "org_code",
                Msg::owned(
                    format!("{}不能设在{}", role.label().zh, org.level().label().zh),
                    format!(
                        "a {} cannot be held at a {}",
                        role.label().en,
                        org.level().label().en
                    ),
                ),
            ),
            Some(_) => {}
        }
    }
    match (username, display_name, role, org) {
        (Some(username), Some(display_name), Some(role), Some(org_code)) if inv.is_empty() => {
            Ok(ValidAccount {
                username,
                display_name,
                role,
                org_code,
            })
        }
        _ => Err(StoreError::Invalid(inv)),
    }
}
