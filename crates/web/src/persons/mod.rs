//! Service objects (服务对象, R-7.6.4, issue 3): registering, reading, changing and finding people,
//! and revealing an ID or phone number. The same rules for the pages and the API.

pub mod api;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::person::{self, PersonInput};
use shegong_domain::policy::{Action, Target, role_may};
use shegong_domain::role::Role;
use shegong_domain::{Invalid, Msg, dates};
use shegong_store::audit::{self, Event};
use shegong_store::persons::{self, CategoryRow, Filter, PersonRow, Secret, Viewer};
use shegong_store::query::{Listing, Page};
use shegong_store::{StoreError, org};

/// The viewer a user is to the store: their scope, and whether every confidential record of it is
/// open to them (the station head, R-7.4g).
pub fn viewer(info: &AuthInfo) -> Viewer {
    Viewer {
        user_id: info.user.id,
        scope: info.principal.scope.clone(),
        all_confidential: info.user.role() == Role::StationHead,
    }
}

/// The policy target of a stored person, for this user.
pub fn target<'a>(st_assigned: bool, p: &'a PersonRow) -> Target<'a> {
    Target {
        org_code: &p.org_code,
        sensitivity: p.sensitivity(),
        assigned: st_assigned,
    }
}

/// Lists need the right to read records at all (403 otherwise); which records, the store decides.
pub fn ensure_reader(info: &AuthInfo) -> Result<(), AppError> {
    if role_may(info.principal.role, Action::ReadRecord) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The place a person is registered at: a village (community) or a station in the writer's scope.
fn place(info: &AuthInfo, code: &str, inv: &mut Invalid) -> Result<Option<OrgCode>, AppError> {
    let Some(code) = inv.check("org_code", OrgCode::parse(code)) else {
        return Ok(None);
    };
    if !matches!(code.level(), OrgLevel::Township | OrgLevel::Village) {
        inv.add(
            "org_code",
            Msg::new(
                "服务对象应登记在村(社区)或乡镇(街道)社工站",
                "register a person at a village or a station",
            ),
        );
        return Ok(None);
    }
    info.check(Action::WriteRecord, &Target::at(code.as_str()))?;
    Ok(Some(code))
}

fn validate(st_known: &[String], input: &PersonInput) -> Result<person::PersonFields, Invalid> {
    person::validate(input, dates::today(), &|c| st_known.iter().any(|k| k == c))
}

async fn custom_codes(st: &AppState) -> Result<Vec<String>, AppError> {
    Ok(st
        .read(persons::custom_category_list)
        .await?
        .into_iter()
        .map(|(c, ..)| c)
        .collect())
}

/// A person and what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct Detail {
    pub person: PersonRow,
    pub categories: Vec<CategoryRow>,
    pub may_write: bool,
    pub may_reveal: bool,
}

pub async fn create(
    st: &AppState,
    info: &AuthInfo,
    org_code: &str,
    input: PersonInput,
) -> Result<PersonRow, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    let mut inv = Invalid::new();
    let place = place(info, org_code, &mut inv)?;
    let known = custom_codes(st).await?;
    let fields = match validate(&known, &input) {
        Ok(f) => Some(f),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    let (Some(place), Some(fields)) = (place, fields) else {
        return Err(AppError::Invalid(inv));
    };
    inv.into_result()?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        if org::get_unscoped(c, place.as_str())?.is_none() {
            return Err(StoreError::Invalid(Invalid::one(
                "org_code",
                Msg::new("没有这个村(社区)或社工站", "no such village or station"),
            )));
        }
        let id = persons::create(c, &keys, &fields, place.as_str(), &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "person.create", "person", id)
                .org(place.as_str())
                .detail(json!({"sensitivity": fields.sensitivity.id()})),
        )?;
        Ok(persons::get(c, &v, id)?.0)
    })
    .await
}

/// One person; reading a sensitive or confidential record is audited (R-7.4g).
pub async fn get(st: &AppState, info: &AuthInfo, id: i64) -> Result<Detail, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    let role = info.principal.clone();
    st.write(move |c| {
        let (p, cats) = persons::get(c, &v, id)?;
        let assigned = persons::assigned(c, id, v.user_id)?;
        let t = Target {
            org_code: &p.org_code,
            sensitivity: p.sensitivity(),
            assigned,
        };
        if !shegong_domain::policy::decide(&role, Action::ReadRecord, &t).allowed() {
            return Err(StoreError::NotFound);
        }
        if Action::ReadRecord.audited(p.sensitivity()) {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "person.read", "person", id)
                    .org(p.org_code.clone())
                    .detail(json!({"sensitivity": p.sensitivity})),
            )?;
        }
        let may_write = shegong_domain::policy::decide(&role, Action::WriteRecord, &t).allowed();
        let may_reveal =
            shegong_domain::policy::decide(&role, Action::RevealIdentity, &t).allowed();
        Ok(Detail {
            person: p,
            categories: cats,
            may_write,
            may_reveal,
        })
    })
    .await
}

pub async fn update(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    version: i64,
    org_code: &str,
    input: PersonInput,
) -> Result<(PersonRow, Vec<&'static str>), AppError> {
    let current = get(st, info, id).await?;
    if !current.may_write {
        return Err(AppError::forbidden());
    }
    let mut inv = Invalid::new();
    let place = place(info, org_code, &mut inv)?;
    let known = custom_codes(st).await?;
    let fields = match validate(&known, &input) {
        Ok(f) => Some(f),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    let (Some(place), Some(fields)) = (place, fields) else {
        return Err(AppError::Invalid(inv));
    };
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        if org::get_unscoped(c, place.as_str())?.is_none() {
            return Err(StoreError::Invalid(Invalid::one(
                "org_code",
                Msg::new("没有这个村(社区)或社工站", "no such village or station"),
            )));
        }
        let changed = persons::update(
            c,
            &keys,
            &v,
            id,
            version,
            &fields,
            place.as_str(),
            &actor,
            now,
        )?;
        if !changed.is_empty() {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "person.update", "person", id)
                    .org(place.as_str())
                    .detail(json!({"fields": changed})),
            )?;
        }
        Ok((persons::get(c, &v, id)?.0, changed))
    })
    .await
}

pub async fn search(
    st: &AppState,
    info: &AuthInfo,
    f: Filter,
    page: Page,
) -> Result<Listing<PersonRow>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let keys = st.keys.clone();
    st.read(move |c| persons::search(c, &keys, &v, &f, page))
        .await
}

/// Shows a full ID or phone number: a separate, audited action (issue 3 point 2).
pub async fn reveal(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    what: Secret,
) -> Result<Option<String>, AppError> {
    let d = get(st, info, id).await?;
    if !d.may_reveal {
        return Err(AppError::forbidden());
    }
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    let field = match what {
        Secret::IdNumber => "id_number",
        Secret::Phone => "phone",
    };
    st.write(move |c| {
        let value = persons::reveal(c, &keys, &v, id, what)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "person.reveal", "person", id)
                .org(d.person.org_code.clone())
                .detail(json!({"field": field})),
        )?;
        Ok(value)
    })
    .await
}

pub async fn history(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::HistoryRow>, AppError> {
    get(st, info, id).await?;
    let v = viewer(info);
    st.read(move |c| persons::history(c, &v, id)).await
}

pub async fn timeline(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::TimelineRow>, AppError> {
    get(st, info, id).await?;
    let v = viewer(info);
    st.read(move |c| persons::timeline(c, &v, id)).await
}
