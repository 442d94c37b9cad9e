//! The audit log viewer (issue 2 points 6–8; R-7.4g; 网络安全法 Art. 21): who did what, when, from
//! where and with what outcome, in the caller's scope only. The page and the API share the query
//! rules below, so both accept and refuse the same filters.
//!
//! Reading the audit log is deliberately *not* itself audited: every page view, filter change and
//! htmx refresh would append an entry, an auditor paging through a busy day would flood the very
//! log they are reading, and the entries that matter (logins of the people who may read it) are
//! recorded anyway. Only roles with `Action::ViewAudit` reach it.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::policy::{Action, Target};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_domain::{Invalid, Msg, clock};
use shegong_store::audit::{self, Entry};
use shegong_store::query::{Listing, Page};
use utoipa::{IntoParams, ToSchema};

/// The filters of the viewer, as they come from the query string (page and API alike). Empty
/// values mean "any", so a plain HTML form can send every field.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Username of whoever acted (exact), e.g. `head`; `system:…` for the command line.
    pub actor: Option<String>,
    /// Action or action prefix, e.g. `auth.login` or `user.` (a trailing `*` is allowed: `user.*`).
    pub action: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: Option<String>,
    /// Only this org node and the nodes below it (must be in the caller's scope to match anything).
    pub org_code: Option<String>,
    /// First day, `YYYY-MM-DD`, China time.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, China time, inclusive.
    pub until: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// Entries per page, at most 200 (default 50).
    pub per_page: Option<i64>,
}

/// A query checked and turned into a store filter.
#[derive(Debug, Clone)]
pub struct Criteria {
    pub filter: audit::Filter,
    /// The caller's scope, narrowed to `org_code` when one is given.
    pub scope: Scope,
    pub page: Page,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn day(field: &'static str, v: &Option<String>, bad: &mut Invalid) -> Option<i64> {
    let s = given(v)?;
    let t = clock::parse_day_start(s);
    if t.is_none() {
        bad.add(
            field,
            Msg::new(
                "日期格式应为 YYYY-MM-DD(例如 2026-11-29),且须为有效日期",
                "a date is YYYY-MM-DD (e.g. 2026-11-29) and must exist",
            ),
        );
    }
    t
}

/// Whether the caller sees entries that belong to no org (system events, failed logins of unknown
/// names): only a system admin whose scope is the whole province.
pub fn sees_unscoped(info: &AuthInfo) -> bool {
    info.user.role() == Role::SystemAdmin
        && info
            .principal
            .scope
            .roots()
            .iter()
            .any(|r| r.level() == OrgLevel::Province)
}

/// Checks every filter at once (all bad fields reported together) and builds the store query.
pub fn criteria(info: &AuthInfo, q: &AuditQuery) -> Result<Criteria, Invalid> {
    let mut bad = Invalid::new();
    let actor = given(&q.actor).map(str::to_lowercase);
    if actor.as_ref().is_some_and(|a| a.chars().count() > 64) {
        bad.add(
            "actor",
            Msg::new(
                "操作人用户名不能超过 64 个字符",
                "the username is at most 64 characters",
            ),
        );
    }
    let action = given(&q.action)
        .map(|a| a.trim_end_matches('*').to_string())
        .filter(|a| !a.is_empty());
    if action.as_ref().is_some_and(|a| {
        a.len() > 64
            || !a
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_'))
    }) {
        bad.add(
            "action",
            Msg::new(
                "操作类型只能包含小写字母、数字、“.”和“_”,例如 auth.login 或 user.",
                "an action has lower-case letters, digits, '.' and '_', e.g. auth.login or user.",
            ),
        );
    }
    let outcome = given(&q.outcome).map(str::to_string);
    if outcome
        .as_ref()
        .is_some_and(|o| !OUTCOMES.iter().any(|(id, _)| id == o))
    {
        bad.add(
            "outcome",
            Msg::new(
                "结果只能是 ok(成功)、denied(拒绝)或 failed(失败)",
                "the outcome is ok, denied or failed",
            ),
        );
    }
    let org = match given(&q.org_code).map(OrgCode::parse) {
        Some(Err(_)) => {
            bad.add(
                "org_code",
                Msg::new(
                    "组织代码格式不正确(如 430202001 或承接机构代码)",
                    "not an org code (e.g. 430202001 or an operator code)",
                ),
            );
            None
        }
        Some(Ok(c)) => Some(c),
        None => None,
    };
    let from = day("from", &q.from, &mut bad);
    // The last day counts in full: China time has no daylight saving, so a day is 86,400 s.
    let until = day("until", &q.until, &mut bad).map(|t| t + 86_400);
    if let (Some(f), Some(u)) = (from, until)
        && f >= u
    {
        bad.add(
            "until",
            Msg::new(
                "结束日期不能早于开始日期",
                "the last day cannot be before the first",
            ),
        );
    }
    bad.into_result()?;
    let own = &info.principal.scope;
    let (scope, include_unscoped) = match org {
        // A node in scope narrows the listing to its subtree. A node outside answers nothing —
        // the same as a node with no events, so the filter cannot probe what exists elsewhere.
        Some(code) if own.contains(code.as_str()) => (Scope::new(vec![code]), false),
        Some(_) => (Scope::empty(), false),
        None => (own.clone(), sees_unscoped(info)),
    };
    Ok(Criteria {
        filter: audit::Filter {
            actor,
            action_prefix: action,
            outcome,
            org_code: None,
            from,
            until,
            include_unscoped,
        },
        scope,
        page: Page::new(q.page, q.per_page),
    })
}

/// `Action::ViewAudit` on the caller's own node. A volunteer has no staff scope at all, which the
/// policy answers as "not found"; for a whole feature, "not allowed" is the honest answer.
pub fn check_access(info: &AuthInfo) -> Result<(), AppError> {
    match info.check(Action::ViewAudit, &Target::at(&info.user.org_code)) {
        Err(AppError::NotFound) => Err(AppError::forbidden()),
        other => other,
    }
}

/// One page of entries the caller may see, newest first.
pub async fn load(st: &AppState, c: Criteria) -> Result<Listing<Entry>, AppError> {
    st.read(move |conn| audit::list(conn, &c.scope, &c.filter, c.page))
        .await
}

pub const OUTCOMES: [(&str, Msg); 3] = [
    ("ok", Msg::new("成功", "ok")),
    ("denied", Msg::new("拒绝", "denied")),
    ("failed", Msg::new("失败", "failed")),
];

pub fn outcome_label(id: &str) -> Msg {
    OUTCOMES
        .iter()
        .find(|(o, _)| *o == id)
        .map(|(_, m)| m.clone())
        .unwrap_or_else(|| Msg::owned(id, id))
}

/// Actions the system records, with their names in both languages. Actions added by later
/// features without an entry here show their family name and their id.
const ACTIONS: [(&str, Msg); 16] = [
    ("auth.login", Msg::new("登录", "log in")),
    ("auth.logout", Msg::new("退出登录", "log out")),
    ("auth.two_factor", Msg::new("两步验证码", "two-factor code")),
    (
        "auth.two_factor_enabled",
        Msg::new("开启两步验证", "two-factor login on"),
    ),
    (
        "auth.two_factor_disabled",
        Msg::new("关闭两步验证", "two-factor login off"),
    ),
    (
        "auth.password_change",
        Msg::new("修改密码", "password change"),
    ),
    (
        "token.create",
        Msg::new("创建 API 令牌", "API token created"),
    ),
    (
        "token.revoke",
        Msg::new("撤销 API 令牌", "API token revoked"),
    ),
    ("user.create", Msg::new("创建账号", "account created")),
    ("user.update", Msg::new("修改账号", "account changed")),
    ("user.unlock", Msg::new("解锁账号", "account unlocked")),
    (
        "user.password_reset",
        Msg::new("重置密码", "password reset"),
    ),
    ("org.import", Msg::new("导入组织架构", "org tree imported")),
    (
        "org.operator",
        Msg::new("登记承接机构", "operator registered"),
    ),
    (
        "org.link",
        Msg::new("关联承接机构与社工站", "operator linked to a station"),
    ),
    (
        "audit.purge",
        Msg::new("清理到期审计记录", "expired audit entries purged"),
    ),
];

/// Families of actions, for entries without a name of their own and for the filter's choices.
const FAMILIES: [(&str, Msg); 7] = [
    ("auth.", Msg::new("登录与安全", "login and security")),
    ("user.", Msg::new("账号管理", "accounts")),
    ("org.", Msg::new("组织架构", "org tree")),
    ("token.", Msg::new("API 令牌", "API tokens")),
    ("audit.", Msg::new("审计日志维护", "audit log upkeep")),
    ("person.", Msg::new("服务对象档案", "service users")),
    ("case.", Msg::new("个案", "cases")),
];

pub fn action_label(action: &str) -> Msg {
    if let Some((_, m)) = ACTIONS.iter().find(|(a, _)| *a == action) {
        return m.clone();
    }
    match FAMILIES.iter().find(|(p, _)| action.starts_with(p)) {
        Some((_, m)) => Msg::owned(
            format!("{}({action})", m.zh),
            format!("{} ({action})", m.en),
        ),
        None => Msg::owned(action, action),
    }
}

/// The choices of the action filter: whole families and the actions people look for most.
pub fn action_choices() -> Vec<(&'static str, Msg)> {
    let one = |id: &'static str| {
        (
            id,
            ACTIONS
                .iter()
                .find(|(a, _)| *a == id)
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| Msg::owned(id, id)),
        )
    };
    let family = |p: &'static str| {
        let m = FAMILIES
            .iter()
            .find(|(f, _)| *f == p)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| Msg::owned(p, p));
        (
            p,
            Msg::owned(format!("{}(全部)", m.zh), format!("{} (all)", m.en)),
        )
    };
    vec![
        family("auth."),
        one("auth.login"),
        one("auth.logout"),
        one("auth.password_change"),
        (
            "auth.two_factor",
            Msg::new(
                "两步验证(验证码、开启、关闭)",
                "two-factor login (codes, on, off)",
            ),
        ),
        family("user."),
        family("org."),
        family("token."),
        family("audit."),
    ]
}

/// An entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryOut {
    /// Position in the hash chain.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Username, `system:…` for the command line, `(invalid)` for a malformed login name.
    pub actor: String,
    pub ip: String,
    pub action: String,
    /// The action's name in Chinese.
    pub action_label: String,
    pub target_kind: String,
    pub target_id: String,
    pub org_code: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// Ids and field names only, never personal data.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<Entry> for EntryOut {
    fn from(e: Entry) -> Self {
        EntryOut {
            detail: serde_json::from_str(&e.detail)
                .unwrap_or(serde_json::Value::String(e.detail.clone())),
            action_label: action_label(&e.action).zh.into_owned(),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            ip: e.ip,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            org_code: e.org_code,
            outcome: e.outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_action_sits_in_a_family() {
        for (a, _) in ACTIONS {
            assert!(FAMILIES.iter().any(|(p, _)| a.starts_with(p)), "{a}");
        }
        assert_eq!(action_label("auth.login").zh, "登录");
        assert_eq!(
            action_label("user.frobnicate").zh,
            "账号管理(user.frobnicate)"
        );
        assert_eq!(action_label("weird").zh, "weird");
    }
}
