//! Service objects (服务对象, R-7.6.4, issue 3): registering, reading, changing and finding people,
//! and revealing an ID or phone number. The same rules for the pages and the API.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::person::{self, PersonInput};
use shegong_domain::policy::{Action, Sensitivity, Target, role_may};
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

/// The place a record is registered at: a village (community) or a station in the writer's
/// scope; `wrong_level` says so for this kind of record.
pub fn place(
    info: &AuthInfo,
    code: &str,
    inv: &mut Invalid,
    wrong_level: Msg,
) -> Result<Option<OrgCode>, AppError> {
    let Some(code) = inv.check("org_code", OrgCode::parse(code)) else {
        return Ok(None);
    };
    if !matches!(code.level(), OrgLevel::Township | OrgLevel::Village) {
        inv.add("org_code", wrong_level);
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

/// The place and the checked fields of a person's input, or every reason it is refused.
async fn checked(
    st: &AppState,
    info: &AuthInfo,
    org_code: &str,
    input: &PersonInput,
) -> Result<(OrgCode, person::PersonFields), AppError> {
    let mut inv = Invalid::new();
    let place = place(
        info,
        org_code,
        &mut inv,
        Msg::new(
            "服务对象应登记在村(社区)或乡镇(街道)社工站",
            "register a person at a village or a station",
        ),
    )?;
    let known = custom_codes(st).await?;
    let fields = match validate(&known, input) {
        Ok(f) => Some(f),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    match (place, fields) {
        (Some(p), Some(f)) if inv.errors.is_empty() => Ok((p, f)),
        _ => Err(AppError::Invalid(inv)),
    }
}

/// Every reason a person's input is refused, without writing anything: for forms that found
/// problems of their own first (a number that is not a number) and must still show all the others.
pub async fn problems(
    st: &AppState,
    info: &AuthInfo,
    org_code: &str,
    input: &PersonInput,
) -> Result<Invalid, AppError> {
    match checked(st, info, org_code, input).await {
        Ok(_) => Ok(Invalid::new()),
        Err(AppError::Invalid(i)) => Ok(i),
        Err(e) => Err(e),
    }
}

fn place_exists(c: &mut shegong_store::DbConn, place: &OrgCode) -> Result<(), StoreError> {
    if org::get_unscoped(c, place.as_str())?.is_none() {
        return Err(StoreError::Invalid(Invalid::one(
            "org_code",
            Msg::new("没有这个村(社区)或社工站", "no such village or station"),
        )));
    }
    Ok(())
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
    let (place, fields) = checked(st, info, org_code, &input).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        place_exists(c, &place)?;
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
    mut input: PersonInput,
) -> Result<(PersonRow, Vec<&'static str>), AppError> {
    let current = get(st, info, id).await?;
    if !current.may_write {
        return Err(AppError::forbidden());
    }
    // An omitted ID or phone number keeps the stored one (nobody re-types a number they only see
    // masked); an empty one removes it. Decrypted here only to be written back, never shown.
    if input.id_number.is_none() || input.phone.is_none() {
        let keys = st.keys.clone();
        let v = viewer(info);
        let (idn, phone) = st
            .read(move |c| {
                Ok((
                    persons::reveal(c, &keys, &v, id, Secret::IdNumber)?,
                    persons::reveal(c, &keys, &v, id, Secret::Phone)?,
                ))
            })
            .await?;
        input.id_number = input.id_number.or(idn);
        input.phone = input.phone.or(phone);
    }
    let (place, fields) = checked(st, info, org_code, &input).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        place_exists(c, &place)?;
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
    let field = match what {
        Secret::IdNumber => "id_number",
        Secret::Phone => "phone",
    };
    let v = viewer(info);
    reveal_of(
        st,
        info,
        id,
        "person.reveal",
        json!({"field": field}),
        move |c, keys| persons::reveal(c, keys, &v, id, what),
    )
    .await
}

/// Decrypts a number kept with a person (theirs, or a carer's): the person is opened and its read
/// audited as [`get`] does, the role must be allowed to reveal it (403), and the reveal is
/// audited as `action` on the person in the same transaction as the decryption (`detail` names
/// what was shown, never the value).
pub async fn reveal_of<F>(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    action: &'static str,
    detail: serde_json::Value,
    decrypt: F,
) -> Result<Option<String>, AppError>
where
    F: FnOnce(
            &mut shegong_store::DbConn,
            &shegong_store::keys::Keys,
        ) -> Result<Option<String>, StoreError>
        + Send
        + 'static,
{
    let d = get(st, info, id).await?;
    if !d.may_reveal {
        return Err(AppError::forbidden());
    }
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let value = decrypt(c, &keys)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "person", id)
                .org(d.person.org_code.clone())
                .detail(detail),
        )?;
        Ok(value)
    })
    .await
}

/// Who changed what (API): checked and audited like a read of the person.
pub async fn history(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::HistoryRow>, AppError> {
    get(st, info, id).await?;
    history_of(st, info, id).await
}

/// The edit history of a person already read through [`get`] (which checked and audited it).
pub async fn history_of(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::HistoryRow>, AppError> {
    let v = viewer(info);
    st.read(move |c| persons::history(c, &v, id)).await
}

/// Everything about a person across modules (API): checked and audited like a read.
pub async fn timeline(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::TimelineRow>, AppError> {
    get(st, info, id).await?;
    timeline_of(st, info, id).await
}

/// The timeline of a person already read through [`get`].
pub async fn timeline_of(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<persons::TimelineRow>, AppError> {
    let v = viewer(info);
    st.read(move |c| persons::timeline(c, &v, id)).await
}

/// The list and search parameters, the same for the page, its live results and the API.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Name or part of it, pinyin or initials (`zhangsan`, `zs`), full ID number, or phone.
    pub q: Option<String>,
    /// A category code (current on today's date).
    pub category: Option<String>,
    /// A village or station code: that node and below.
    pub org_code: Option<String>,
    /// Whole years, 0–150 (a form's empty field means no limit).
    #[param(value_type = Option<i32>)]
    pub age_min: Option<String>,
    #[param(value_type = Option<i32>)]
    pub age_max: Option<String>,
    /// `ordinary`, `sensitive` or `confidential`.
    pub sensitivity: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    /// The store filter, or every bad parameter at once.
    pub fn filter(&self) -> Result<Filter, Invalid> {
        let mut inv = Invalid::new();
        let sensitivity = given(&self.sensitivity).and_then(|s| {
            inv.check(
                "sensitivity",
                Sensitivity::from_id(s).ok_or(Msg::new(
                    "密级应为 ordinary、sensitive 或 confidential",
                    "unknown sensitivity",
                )),
            )
        });
        let mut age = |field: &'static str, v: &Option<String>| {
            given(v).and_then(|a| {
                let n = shegong_domain::id_number::normalise_digits(a);
                inv.check(
                    field,
                    n.parse::<i32>()
                        .ok()
                        .filter(|a| (0..=150).contains(a))
                        .ok_or(Msg::new(
                            "年龄应为 0 至 150 之间的整数",
                            "age is a whole number between 0 and 150",
                        )),
                )
            })
        };
        let age_min = age("age_min", &self.age_min);
        let age_max = age("age_max", &self.age_max);
        if given(&self.q).is_some_and(|q| q.chars().count() > 100) {
            inv.add(
                "q",
                Msg::new(
                    "搜索内容不能超过 100 个字",
                    "a search is at most 100 characters",
                ),
            );
        }
        inv.into_result()?;
        Ok(Filter {
            q: given(&self.q).map(str::to_string),
            category: given(&self.category).map(str::to_string),
            org_code: given(&self.org_code).map(str::to_string),
            age_min,
            age_max,
            sensitivity,
            include_merged: false,
        })
    }

    pub fn page(&self) -> Page {
        Page::new(self.page, self.per_page)
    }
}

/// A village or station a person can be registered at.
pub struct Place {
    pub code: String,
    pub name: String,
    pub is_station: bool,
}

/// The stations and villages in the user's scope, for the place select of forms and filters.
pub async fn places(st: &AppState, info: &AuthInfo) -> Result<Vec<Place>, AppError> {
    let scope = info.principal.scope.clone();
    st.read(move |c| {
        let mut out = Vec::new();
        for level in [OrgLevel::Township, OrgLevel::Village] {
            let q = org::Query {
                level: Some(level),
                ..Default::default()
            };
            for n in org::list(c, &scope, &q, Page::new(Some(1), Some(200)))?.items {
                out.push(Place {
                    code: n.unit.code,
                    name: n.unit.name,
                    is_station: level == OrgLevel::Township,
                });
            }
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    })
    .await
}

/// Every category of this deployment: built-in ones, then added ones (code, Chinese, English).
pub async fn all_categories(st: &AppState) -> Result<Vec<(String, String, String)>, AppError> {
    let mut out: Vec<(String, String, String)> = person::CATEGORIES
        .iter()
        .map(|c| (c.code.to_string(), c.zh.to_string(), c.en.to_string()))
        .collect();
    out.extend(st.read(persons::custom_category_list).await?);
    Ok(out)
}

/// Adds a deployment-defined category; system administrators only.
pub async fn add_category(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
    label_zh: &str,
    label_en: &str,
) -> Result<(String, String, String), AppError> {
    if !role_may(info.principal.role, Action::ManageSystem) {
        return Err(AppError::forbidden());
    }
    let (code, zh, en) = person::custom_category(code, label_zh, label_en)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        persons::add_custom_category(c, &code, &zh, &en, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "category.create", "category", &code).detail(json!({"code": code})),
        )?;
        Ok((code, zh, en))
    })
    .await
}
