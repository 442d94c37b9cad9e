//! Logging in and the steps after the password, shared by the HTML pages and the JSON API so both
//! follow one set of rules (lockout, second factor, forced password change, audit).

pub mod api;
pub mod pages;
pub mod two_factor;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use shegong_domain::Msg;
use shegong_domain::account::{self, Lockout, LoginNeeds, LoginStage, pending_stage};
use shegong_domain::clock;
use shegong_store::audit::{self, Actor, Event, Outcome};
use shegong_store::users::{self, Credentials, User};
use shegong_store::{sessions, tokens};

pub struct LoggedIn {
    pub token: String,
    pub csrf: String,
    pub user: User,
    pub stage: LoginStage,
}

fn bad_credentials(left: Option<i32>) -> AppError {
    match left {
        Some(n) if n <= 3 => AppError::Unauthorized(Msg::owned(
            format!("用户名或密码错误,再错 {n} 次账户将被锁定"),
            format!("wrong username or password; {n} more failures lock the account"),
        )),
        _ => AppError::Unauthorized(Msg::new("用户名或密码错误", "wrong username or password")),
    }
}

fn locked(until: i64) -> AppError {
    AppError::TooMany(Msg::owned(
        format!(
            "登录失败次数过多,账户已锁定至 {},请稍后再试或联系管理员解锁",
            clock::display(until)
        ),
        format!(
            "too many failed logins; the account is locked until {}; try later or ask an administrator",
            clock::display(until)
        ),
    ))
}

fn needs(u: &User) -> LoginNeeds {
    LoginNeeds {
        two_factor_enabled: u.totp_enabled,
        must_change_password: u.must_change_password,
        must_set_up_two_factor: u.needs_two_factor_setup(),
    }
}

/// Checks username and password (and, for API clients that send it at once, the TOTP code),
/// applies the lockout rule and opens a session at the first step still owed.
pub async fn login(
    st: &AppState,
    previous: Option<&AuthInfo>,
    username: &str,
    password: &str,
    totp_code: Option<&str>,
    ip: &str,
    user_agent: &str,
) -> Result<LoggedIn, AppError> {
    let now = clock::now();
    let name = account::username(username).ok();
    let creds = match &name {
        Some(n) => {
            let n = n.clone();
            st.read(move |c| users::credentials_by_username(c, &n))
                .await?
        }
        None => None,
    };
    let actor = Actor {
        user_id: creds.as_ref().map(|c| c.user.id),
        name: name.clone().unwrap_or_else(|| "(invalid)".into()),
        ip: ip.to_string(),
    };
    let Some(mut creds) = creds.filter(|c| c.user.active) else {
        st.verify_password(password.to_string(), None).await?;
        record(
            st,
            Event::new(&actor, "auth.login", "user", "-")
                .outcome(Outcome::Failed)
                .detail(json!({"reason": "unknown_or_inactive"})),
        )
        .await?;
        return Err(bad_credentials(None));
    };
    if creds.user.is_locked(now) {
        let ev = Event::new(&actor, "auth.login", "user", creds.user.id)
            .org(creds.user.org_code.clone());
        record(
            st,
            ev.outcome(Outcome::Denied)
                .detail(json!({"reason": "locked"})),
        )
        .await?;
        return Err(locked(creds.user.locked_until.unwrap_or(now)));
    }
    if !st
        .verify_password(password.to_string(), Some(creds.password_hash.clone()))
        .await?
    {
        return Err(count_failure(st, &creds, &actor, "auth.login", "password", now).await?);
    }
    let mut stage = pending_stage(needs(&creds.user), false);
    let mut step = None;
    open_secret(st, &mut creds)?;
    if stage == LoginStage::TwoFactor
        && let Some(code) = totp_code
    {
        step = accept_code(&creds, code, now);
        if step.is_none() {
            return Err(count_failure(st, &creds, &actor, "auth.login", "two_factor", now).await?);
        }
        stage = pending_stage(needs(&creds.user), true);
    }
    let uid = creds.user.id;
    let ua = user_agent.to_string();
    let ipc = ip.to_string();
    let keys = st.keys.clone();
    let org = creds.user.org_code.clone();
    let previous = previous
        .and_then(|p| p.session.as_ref())
        .map(|s| s.id.clone());
    let (token, csrf) = st
        .write(move |c| {
            // A new session id at every login; the one this browser had before ends.
            if let Some(old) = &previous {
                sessions::delete(c, old)?;
            }
            users::record_login_success(c, uid, now)?;
            if let Some(s) = step {
                users::set_totp_step(c, uid, s)?;
            }
            let pair = sessions::create(c, uid, stage, &ipc, &ua, now)?;
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "auth.login", "user", uid)
                    .org(org)
                    .detail(json!({"next_step": stage.id()})),
            )?;
            Ok(pair)
        })
        .await?;
    Ok(LoggedIn {
        token,
        csrf,
        user: creds.user,
        stage,
    })
}

fn accept_code(creds: &Credentials, code: &str, now: i64) -> Option<i64> {
    two_factor::accept(
        creds.totp_secret.as_deref()?,
        code,
        creds.totp_last_step,
        now,
    )
}

/// Decrypts a stored TOTP secret (kept encrypted at rest like other secrets).
fn open_secret(st: &AppState, creds: &mut Credentials) -> Result<(), AppError> {
    if let Some(enc) = creds.totp_secret.take() {
        creds.totp_secret = Some(st.keys.decrypt(&enc)?);
    }
    Ok(())
}

/// Counts a failed password or code toward the lockout and answers accordingly. `action` is the
/// audit action the failure is recorded under (`auth.login`, or the step that asked for a code).
async fn count_failure(
    st: &AppState,
    creds: &Credentials,
    actor: &Actor,
    action: &'static str,
    what: &str,
    now: i64,
) -> Result<AppError, AppError> {
    let lockout: Lockout = st.cfg.lockout;
    let after = lockout.after_failure(creds.user.failed_logins, now);
    let uid = creds.user.id;
    let keys = st.keys.clone();
    let actor = actor.clone();
    let org = creds.user.org_code.clone();
    let what = what.to_string();
    st.write(move |c| {
        users::record_login_failure(c, uid, after.failures, after.locked_until)?;
        if after.locked_until.is_some() {
            // A locked account keeps no open sessions.
            sessions::delete_for_user(c, uid, None)?;
        }
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "user", uid)
                .org(org)
                .outcome(Outcome::Failed)
                .detail(json!({"reason": what, "locked": after.locked_until.is_some()})),
        )?;
        Ok(())
    })
    .await?;
    Ok(match after.locked_until {
        Some(until) => locked(until),
        None => bad_credentials(Some(lockout.max_failures - after.failures)),
    })
}

async fn record(st: &AppState, ev: Event<'_>) -> Result<(), AppError> {
    let keys = st.keys.clone();
    let ev = OwnedEvent::from(&ev);
    st.write(move |c| audit::append(c, &keys, &ev.borrow()))
        .await?;
    Ok(())
}

/// An audit event that can move to the blocking pool.
pub struct OwnedEvent {
    actor: Actor,
    action: String,
    target_kind: String,
    target_id: String,
    org_code: Option<String>,
    outcome: Outcome,
    detail: serde_json::Value,
}

impl From<&Event<'_>> for OwnedEvent {
    fn from(e: &Event<'_>) -> Self {
        OwnedEvent {
            actor: e.actor.clone(),
            action: e.action.to_string(),
            target_kind: e.target_kind.to_string(),
            target_id: e.target_id.clone(),
            org_code: e.org_code.clone(),
            outcome: e.outcome,
            detail: e.detail.clone(),
        }
    }
}

impl OwnedEvent {
    pub fn borrow(&self) -> Event<'_> {
        Event {
            actor: &self.actor,
            action: &self.action,
            target_kind: &self.target_kind,
            target_id: self.target_id.clone(),
            org_code: self.org_code.clone(),
            outcome: self.outcome,
            detail: self.detail.clone(),
        }
    }
}

fn session_id(info: &AuthInfo) -> Result<String, AppError> {
    info.session.as_ref().map(|s| s.id.clone()).ok_or_else(|| {
        AppError::BadRequest(Msg::new("此操作需要登录会话", "this needs a login session"))
    })
}

/// The second-factor step: checks the code and moves the session on.
pub async fn verify_second_factor(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
) -> Result<LoginStage, AppError> {
    if info.stage() != LoginStage::TwoFactor {
        return Err(AppError::Conflict(Msg::new(
            "当前不需要输入验证码",
            "no code is expected now",
        )));
    }
    let sid = session_id(info)?;
    let uid = info.user.id;
    let now = clock::now();
    let mut creds = st.read(move |c| users::credentials_by_id(c, uid)).await?;
    open_secret(st, &mut creds)?;
    let actor = info.actor();
    let Some(step) = accept_code(&creds, code, now) else {
        return Err(
            match count_failure(st, &creds, &actor, "auth.login", "two_factor", now).await? {
                AppError::Unauthorized(_) => AppError::invalid(
                    "code",
                    Msg::new("验证码不正确或已使用", "the code is wrong or already used"),
                ),
                other => other,
            },
        );
    };
    let stage = pending_stage(needs(&creds.user), true);
    let keys = st.keys.clone();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        users::set_totp_step(c, uid, step)?;
        sessions::set_stage(c, &sid, stage)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "auth.two_factor", "user", uid).org(org),
        )?;
        Ok(())
    })
    .await?;
    Ok(stage)
}

/// Changes the user's own password. The current password is required except at the forced
/// change right after logging in with it. Other sessions of the user end.
pub async fn change_password(
    st: &AppState,
    info: &AuthInfo,
    current: Option<&str>,
    new: &str,
) -> Result<LoginStage, AppError> {
    let stage = info.stage();
    if !matches!(stage, LoginStage::ChangePassword | LoginStage::Done) {
        return Err(AppError::StagePending(stage));
    }
    let uid = info.user.id;
    let creds = st.read(move |c| users::credentials_by_id(c, uid)).await?;
    if stage == LoginStage::Done {
        let cur = current.unwrap_or_default().to_string();
        if !st
            .verify_password(cur, Some(creds.password_hash.clone()))
            .await?
        {
            return Err(AppError::invalid(
                "current_password",
                Msg::new("当前密码不正确", "the current password is wrong"),
            ));
        }
    }
    account::check_password(new, &info.user.username, st.cfg.password_min_len)
        .map_err(|m| AppError::invalid("new_password", m))?;
    if st
        .verify_password(new.to_string(), Some(creds.password_hash.clone()))
        .await?
    {
        return Err(AppError::invalid(
            "new_password",
            Msg::new(
                "新密码不能与原密码相同",
                "the new password must differ from the old one",
            ),
        ));
    }
    let hash = st.hash_password(new.to_string()).await?;
    let now = clock::now();
    let mut after = creds.user.clone();
    after.must_change_password = false;
    let next = if stage == LoginStage::Done {
        LoginStage::Done
    } else {
        pending_stage(needs(&after), true)
    };
    let sid = info.session.as_ref().map(|s| s.id.clone());
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        users::set_password(c, uid, &hash, false, now)?;
        sessions::delete_for_user(c, uid, sid.as_deref())?;
        if let Some(sid) = &sid {
            sessions::set_stage(c, sid, next)?;
        }
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "auth.password_change", "user", uid).org(org),
        )?;
        Ok(())
    })
    .await?;
    Ok(next)
}

/// Material for setting up an authenticator app.
pub struct Setup {
    pub secret_base32: String,
    pub otpauth_url: String,
}

/// Starts (or restarts) setting up TOTP: a new secret is stored encrypted but not yet enabled.
pub async fn start_two_factor_setup(st: &AppState, info: &AuthInfo) -> Result<Setup, AppError> {
    let stage = info.stage();
    if !matches!(stage, LoginStage::SetUpTwoFactor | LoginStage::Done) {
        return Err(AppError::StagePending(stage));
    }
    if info.user.totp_enabled {
        return Err(AppError::Conflict(Msg::new(
            "两步验证已经开启",
            "two-factor login is already on",
        )));
    }
    let secret = two_factor::new_secret();
    let enc = st.keys.encrypt(&secret);
    let uid = info.user.id;
    let now = clock::now();
    st.write(move |c| users::set_totp(c, uid, Some(&enc), false, now))
        .await?;
    Ok(Setup {
        secret_base32: two_factor::base32(&secret),
        otpauth_url: two_factor::otpauth_url(&secret, &info.user.username),
    })
}

/// Turns TOTP on once the user shows a code from the new secret.
pub async fn confirm_two_factor_setup(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
) -> Result<LoginStage, AppError> {
    let stage = info.stage();
    if !matches!(stage, LoginStage::SetUpTwoFactor | LoginStage::Done) {
        return Err(AppError::StagePending(stage));
    }
    let uid = info.user.id;
    let mut creds = st.read(move |c| users::credentials_by_id(c, uid)).await?;
    if creds.user.totp_enabled {
        return Err(AppError::Conflict(Msg::new(
            "两步验证已经开启",
            "two-factor login is already on",
        )));
    }
    if creds.totp_secret.is_none() {
        return Err(AppError::Conflict(Msg::new(
            "请先生成密钥",
            "start the setup first",
        )));
    }
    open_secret(st, &mut creds)?;
    let now = clock::now();
    let Some(step) = accept_code(&creds, code, now) else {
        return Err(AppError::invalid(
            "code",
            Msg::new(
                "验证码不正确,请核对手机上的时间后重试",
                "the code is wrong; check the phone's clock and try again",
            ),
        ));
    };
    let enc = st
        .keys
        .encrypt(creds.totp_secret.as_deref().unwrap_or_default());
    let sid = info.session.as_ref().map(|s| s.id.clone());
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        users::set_totp(c, uid, Some(&enc), true, now)?;
        users::set_totp_step(c, uid, step)?;
        if let Some(sid) = &sid {
            sessions::set_stage(c, sid, LoginStage::Done)?;
        }
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "auth.two_factor_enabled", "user", uid).org(org),
        )?;
        Ok(())
    })
    .await?;
    Ok(LoginStage::Done)
}

/// Turns TOTP off, for roles that do not require it, once the user shows a current code (so a
/// session left open on a shared computer cannot quietly weaken the account). A wrong code counts
/// toward the lockout like a wrong login code: six digits must not be guessable through this form.
pub async fn disable_two_factor(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
) -> Result<(), AppError> {
    let stage = info.stage();
    if stage != LoginStage::Done {
        return Err(AppError::StagePending(stage));
    }
    if info.user.role().requires_two_factor() {
        return Err(AppError::Forbidden(Msg::new(
            "您的角色必须使用两步验证(等保 2.0 要求),不能关闭",
            "your role must use two-factor login; it cannot be turned off",
        )));
    }
    let uid = info.user.id;
    let mut creds = st.read(move |c| users::credentials_by_id(c, uid)).await?;
    if !creds.user.totp_enabled {
        return Err(AppError::Conflict(Msg::new(
            "两步验证尚未开启",
            "two-factor login is not on",
        )));
    }
    open_secret(st, &mut creds)?;
    let now = clock::now();
    let actor = info.actor();
    if accept_code(&creds, code, now).is_none() {
        return Err(
            match count_failure(
                st,
                &creds,
                &actor,
                "auth.two_factor_disabled",
                "two_factor",
                now,
            )
            .await?
            {
                AppError::Unauthorized(_) => AppError::invalid(
                    "code",
                    Msg::new("验证码不正确或已使用", "the code is wrong or already used"),
                ),
                other => other,
            },
        );
    }
    let keys = st.keys.clone();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        users::set_totp(c, uid, None, false, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "auth.two_factor_disabled", "user", uid).org(org),
        )?;
        Ok(())
    })
    .await
}

pub async fn logout(st: &AppState, info: &AuthInfo) -> Result<(), AppError> {
    let Some(sid) = info.session.as_ref().map(|s| s.id.clone()) else {
        return Ok(());
    };
    let keys = st.keys.clone();
    let actor = info.actor();
    let uid = info.user.id;
    let org = info.user.org_code.clone();
    st.write(move |c| {
        sessions::delete(c, &sid)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "auth.logout", "user", uid).org(org),
        )?;
        Ok(())
    })
    .await
}

/// Creates an API token for the user; the secret is returned once.
pub async fn create_token(
    st: &AppState,
    info: &AuthInfo,
    name: &str,
    days: Option<i64>,
) -> Result<(i64, String), AppError> {
    let name =
        shegong_domain::text::required_line(name, 60).map_err(|m| AppError::invalid("name", m))?;
    let now = clock::now();
    let expires = match days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(now + d * 86_400),
        Some(_) => {
            return Err(AppError::invalid(
                "days",
                Msg::new(
                    "有效天数应在 1 至 3650 之间",
                    "days must be between 1 and 3650",
                ),
            ));
        }
    };
    let uid = info.user.id;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        let (id, secret) = tokens::create(c, uid, &name, expires, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "token.create", "api_token", id).org(org),
        )?;
        Ok((id, secret))
    })
    .await
}

pub async fn revoke_token(st: &AppState, info: &AuthInfo, id: i64) -> Result<(), AppError> {
    let uid = info.user.id;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    st.write(move |c| {
        tokens::revoke(c, uid, id, clock::now())?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "token.revoke", "api_token", id).org(org),
        )?;
        Ok(())
    })
    .await
}
