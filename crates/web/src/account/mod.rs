//! "My account" (issue 2 point 7): one's own profile, password, two-factor login and API tokens.
//! The changes themselves are the shared login logic of [`crate::session`] (also behind
//! `/api/v1/auth`), so the page and the API follow the same rules and write the same audit entries;
//! this module only gathers what the page shows.

pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use shegong_domain::Msg;
use shegong_domain::org::OrgCode;
use shegong_domain::scope::Scope;
use shegong_store::audit::{self, Outcome};
use shegong_store::query::Page;
use shegong_store::tokens::{self, ApiToken};
use shegong_store::{org, users};

/// The account as its owner sees it.
pub struct Profile {
    pub username: String,
    pub display_name: String,
    pub role: Msg,
    pub org_code: String,
    pub org_name: String,
    /// This login (set when the password was accepted).
    pub last_login_at: Option<i64>,
    /// The successful login before this one, with its address, so a user notices a login that
    /// was not theirs.
    pub previous_login: Option<(i64, String)>,
    pub password_changed_at: i64,
    pub two_factor_enabled: bool,
    /// The role must use two-factor login (`Role::requires_two_factor`), so it cannot be turned off.
    pub two_factor_required: bool,
    pub tokens: Vec<ApiToken>,
}

pub async fn load(st: &AppState, info: &AuthInfo) -> Result<Profile, AppError> {
    let uid = info.user.id;
    st.read(move |c| {
        let user = users::get_self(c, uid)?;
        let org_name = org::get_unscoped(c, &user.org_code)?
            .map(|u| u.name)
            .unwrap_or_default();
        // One's own login events, which carry one's own org: that node is the scope to read.
        let own = Scope::new(OrgCode::parse(&user.org_code).into_iter().collect());
        let f = audit::Filter {
            actor: Some(user.username.clone()),
            action_prefix: Some("auth.login".into()),
            outcome: Some(Outcome::Ok.id().into()),
            ..Default::default()
        };
        let logins = audit::list(c, &own, &f, Page::new(Some(1), Some(2)))?;
        let previous_login = logins
            .items
            .into_iter()
            .filter(|e| e.action == "auth.login")
            .nth(1)
            .map(|e| (e.at, e.ip));
        let tokens = tokens::list_for_user(c, uid)?;
        let role = user.role();
        Ok(Profile {
            username: user.username,
            display_name: user.display_name,
            role: role.label(),
            org_code: user.org_code,
            org_name,
            last_login_at: user.last_login_at,
            previous_login,
            password_changed_at: user.password_changed_at,
            two_factor_enabled: user.totp_enabled,
            two_factor_required: role.requires_two_factor(),
            tokens,
        })
    })
    .await
}
