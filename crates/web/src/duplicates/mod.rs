//! Likely duplicate records and merging them (issue 3 point 8, R-7.6.4): the same rules for the
//! page and the API.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::{self, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::policy::{Action, role_may};
use shegong_store::audit::{self, Event};
use shegong_store::duplicates::{self, Pair};

pub(crate) fn ensure_writer(info: &AuthInfo) -> Result<(), AppError> {
    if role_may(info.principal.role, Action::WriteRecord) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Likely duplicates among the records the user may change.
pub async fn likely(st: &AppState, info: &AuthInfo) -> Result<Vec<Pair>, AppError> {
    ensure_writer(info)?;
    let v = viewer(info);
    st.read(move |c| duplicates::likely(c, &v)).await
}

/// Both records must be open to the user for writing (404 out of scope, 403 without the right).
async fn both_writable(st: &AppState, info: &AuthInfo, a: i64, b: i64) -> Result<String, AppError> {
    ensure_writer(info)?;
    let da = persons::get(st, info, a).await?;
    let db = persons::get(st, info, b).await?;
    if !da.may_write || !db.may_write {
        return Err(AppError::forbidden());
    }
    Ok(da.person.org_code)
}

/// Merges `gone` into `keep` (audited as `person.merge`).
pub async fn merge(st: &AppState, info: &AuthInfo, keep: i64, gone: i64) -> Result<(), AppError> {
    let org = both_writable(st, info, keep, gone).await?;
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        duplicates::merge(c, &v, keep, gone, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "person.merge", "person", keep)
                .org(org)
                .detail(json!({"merged": gone})),
        )?;
        Ok(())
    })
    .await
}

/// Records that two records are different people (audited as `person.not_duplicate`).
pub async fn dismiss(st: &AppState, info: &AuthInfo, a: i64, b: i64) -> Result<(), AppError> {
    let org = both_writable(st, info, a, b).await?;
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        duplicates::dismiss(c, &v, a, b, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "person.not_duplicate", "person", a)
                .org(org)
                .detail(json!({"other": b})),
        )?;
        Ok(())
    })
    .await
}
