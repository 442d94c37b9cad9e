//! Community profiles (村(社区)概况, 9.3.1.1, issue 3 point 6): for each village or community in
//! scope, its population structure, history, culture and customs, key resources and
//! organisations, with sources. Every save is kept as a version (who, when, what).
//!
//! Access: reading needs `Action::ReadRecord` at the village, saving `Action::WriteRecord`. A code
//! outside the caller's scope, or not a village/community, is "not found". Saves are audited in
//! their transaction; profiles hold no personal data, so reads are not.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::ensure_reader;
use crate::state::AppState;
use serde_json::json;
use shegong_domain::household::{self as dh, CommunityInput};
use shegong_domain::policy::{Action, Target};
use shegong_store::audit::{self, Event};
use shegong_store::communities::{self as cs, Entry, Profile, Version};
use shegong_store::query::{Listing, Page};

/// A village, its profile and the history of the profile.
pub struct Detail {
    pub code: String,
    pub name: String,
    pub profile: Option<Profile>,
    pub versions: Vec<Version>,
    pub may_write: bool,
}

pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    q: Option<String>,
    page: Page,
) -> Result<Listing<Entry>, AppError> {
    ensure_reader(info)?;
    let scope = info.principal.scope.clone();
    st.read(move |c| cs::list(c, &scope, q.as_deref(), page))
        .await
}

pub async fn get(st: &AppState, info: &AuthInfo, code: &str) -> Result<Detail, AppError> {
    ensure_reader(info)?;
    let scope = info.principal.scope.clone();
    let code = code.to_string();
    let (unit, profile, versions) = st
        .read(move |c| {
            let u = cs::village(c, &scope, &code)?;
            let p = cs::get(c, &scope, &code)?;
            let v = cs::versions(c, &scope, &code)?;
            Ok((u, p, v))
        })
        .await?;
    info.check(Action::ReadRecord, &Target::at(&unit.code))?;
    Ok(Detail {
        may_write: info
            .check(Action::WriteRecord, &Target::at(&unit.code))
            .is_ok(),
        code: unit.code,
        name: unit.name,
        profile,
        versions,
    })
}

/// Saves a profile; returns the version now current and whether anything changed.
pub async fn save(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
    input: CommunityInput,
    expected_version: Option<i64>,
) -> Result<(i64, bool), AppError> {
    let d = get(st, info, code).await?;
    info.check(Action::WriteRecord, &Target::at(&d.code))?;
    let f = dh::validate_community(&input)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let scope = info.principal.scope.clone();
    let now = shegong_domain::clock::now();
    let code = d.code.clone();
    st.write(move |c| {
        let (version, changed) = cs::save(c, &scope, &code, &f, expected_version, &actor, now)?;
        if changed {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "community.update", "community", &code)
                    .org(code.clone())
                    .detail(json!({"version": version})),
            )?;
        }
        Ok((version, changed))
    })
    .await
}
