//! Households (家庭/户, issue 3 point 3): members with their relation to the head, the household
//! investigation record (入户调查, 8.1.1.1) and social assistance reviews (复核, 8.1.1.2) with the
//! station's list of reviews due and overdue. The same rules for the pages and the API.
//!
//! Access: a household is a record at its village or station (`Target::at`); reading needs
//! `Action::ReadRecord`, changing `Action::WriteRecord`. Members the caller may not see
//! (confidential records not assigned to them) are left out everywhere, their investigation
//! details too. Creates and changes are audited in their transaction; reads are audited when a
//! member shown is sensitive or confidential (R-7.4g).

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::{ensure_reader, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::household::{self as dh, HouseholdInput, InvestigationInput, ReviewInput};
use shegong_domain::org::OrgCode;
use shegong_domain::policy::{Action, Sensitivity, Target, role_may};
use shegong_domain::{Invalid, Msg, dates, text};
use shegong_store::audit::{self, Event};
use shegong_store::households::{
    self as hs, DueFilter, DueRow, HouseholdRow, InvestigationRecord, Member, ReviewRow, Summary,
};
use shegong_store::query::{Listing, Page};
use shegong_store::{DbConn, StoreError, StoreResult, org};

/// A household and everything shown with it.
#[derive(Debug, Clone)]
pub struct Detail {
    pub household: HouseholdRow,
    pub org_name: String,
    pub members: Vec<Member>,
    pub investigations: Vec<InvestigationRecord>,
    pub reviews: Vec<ReviewRow>,
    pub may_write: bool,
}

fn may_write(info: &AuthInfo, org_code: &str) -> bool {
    info.check(Action::WriteRecord, &Target::at(org_code))
        .is_ok()
}

/// The place of a household: a village (community) or a station in the writer's scope.
/// The place and fields of a household, every bad field named at once.
fn checked(
    info: &AuthInfo,
    org_code: &str,
    input: &HouseholdInput,
) -> Result<(OrgCode, dh::HouseholdFields), AppError> {
    let mut inv = Invalid::new();
    let place = crate::persons::place(
        info,
        org_code,
        &mut inv,
        Msg::new(
            "家庭应登记在村(社区)或乡镇(街道)社工站",
            "register a household at a village or a station",
        ),
    )?;
    let fields = match dh::validate_household(input) {
        Ok(f) => Some(f),
        Err(e) => {
            inv.errors.extend(e.errors);
            None
        }
    };
    match (place, fields) {
        (Some(p), Some(f)) => Ok((p, f)),
        _ => Err(AppError::Invalid(inv)),
    }
}

fn org_exists(c: &mut DbConn, code: &str) -> StoreResult<()> {
    if org::get_unscoped(c, code)?.is_none() {
        return Err(StoreError::Invalid(Invalid::one(
            "org_code",
            Msg::new("没有这个村(社区)或社工站", "no such village or station"),
        )));
    }
    Ok(())
}

fn relation(v: &str) -> Result<&'static str, AppError> {
    dh::relation(v).map_err(|m| AppError::invalid("relation", m))
}

/// A household in scope that the caller may read (404 out of scope, 403 without the right).
pub async fn load(st: &AppState, info: &AuthInfo, id: i64) -> Result<HouseholdRow, AppError> {
    let scope = info.principal.scope.clone();
    let hh = st.read(move |c| hs::get(c, &scope, id)).await?;
    info.check(Action::ReadRecord, &Target::at(&hh.org_code))?;
    Ok(hh)
}

/// A household the caller may change.
async fn writable(st: &AppState, info: &AuthInfo, id: i64) -> Result<HouseholdRow, AppError> {
    let scope = info.principal.scope.clone();
    let hh = st.read(move |c| hs::get(c, &scope, id)).await?;
    info.check(Action::WriteRecord, &Target::at(&hh.org_code))?;
    Ok(hh)
}

/// The strictest class among members shown, for the read audit.
fn strictest(members: &[Member]) -> Sensitivity {
    members
        .iter()
        .map(Member::sensitivity)
        .max()
        .unwrap_or(Sensitivity::Ordinary)
}

/// Drops investigated members the viewer may not see.
fn only_visible(
    mut list: Vec<InvestigationRecord>,
    members: &[Member],
) -> Vec<InvestigationRecord> {
    for i in &mut list {
        i.members
            .retain(|m| members.iter().any(|x| x.person_id == m.person_id));
    }
    list
}

pub async fn create(
    st: &AppState,
    info: &AuthInfo,
    org_code: &str,
    input: HouseholdInput,
    head: Option<i64>,
) -> Result<i64, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    let (place, fields) = checked(info, org_code, &input)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        org_exists(c, place.as_str())?;
        let id = hs::create(c, place.as_str(), &fields, now)?;
        if let Some(pid) = head {
            let hh = hs::get(c, &v.scope, id)?;
            hs::add_member(c, &v, &hh, pid, "head", &actor, now).map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid(Invalid::one(
                    "head_person_id",
                    Msg::new("找不到这位服务对象", "no such person"),
                )),
                other => other,
            })?;
        }
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "household.create", "household", id)
                .org(place.as_str())
                .detail(json!({"head_person_id": head})),
        )?;
        Ok(id)
    })
    .await
}

/// One household with members, investigations and reviews.
pub async fn get(st: &AppState, info: &AuthInfo, id: i64) -> Result<Detail, AppError> {
    ensure_reader(info)?;
    let hh = load(st, info, id).await?;
    let writer = may_write(info, &hh.org_code);
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    // Read in a read transaction (most households hold no sensitive member); the audit entry of a
    // sensitive read is written before anything is answered.
    let detail = st
        .read(move |c| {
            let members = hs::members(c, &v, id)?;
            let investigations = only_visible(hs::investigations(c, id)?, &members);
            let reviews = hs::reviews(c, id)?;
            let org_name = org::get_unscoped(c, &hh.org_code)?
                .map(|o| o.name)
                .unwrap_or_default();
            Ok(Detail {
                household: hh,
                org_name,
                members,
                investigations,
                reviews,
                may_write: writer,
            })
        })
        .await?;
    let s = strictest(&detail.members);
    if Action::ReadRecord.audited(s) {
        let org_code = detail.household.org_code.clone();
        st.write(move |c| {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "household.read", "household", id)
                    .org(org_code)
                    .detail(json!({"sensitivity": s.id()})),
            )
        })
        .await?;
    }
    Ok(detail)
}

pub async fn update(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    org_code: &str,
    input: HouseholdInput,
) -> Result<Vec<&'static str>, AppError> {
    ensure_reader(info)?;
    writable(st, info, id).await?;
    let (place, fields) = checked(info, org_code, &input)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let scope = info.principal.scope.clone();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        org_exists(c, place.as_str())?;
        let changed = hs::update(c, &scope, id, place.as_str(), &fields, now)?;
        if !changed.is_empty() {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "household.update", "household", id)
                    .org(place.as_str())
                    .detail(json!({"fields": changed})),
            )?;
        }
        Ok(changed)
    })
    .await
}

/// Adds a member or changes a member's relation.
pub async fn add_member(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    person_id: i64,
    relation_in: &str,
) -> Result<hs::Added, AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    let rel = relation(relation_in)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        let added =
            hs::add_member(c, &v, &hh, person_id, rel, &actor, now).map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid(Invalid::one(
                    "person_id",
                    Msg::new("找不到这位服务对象", "no such person"),
                )),
                other => other,
            })?;
        if added != hs::Added::Unchanged {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "household.member_add", "household", id)
                    .org(hh.org_code.clone())
                    .detail(json!({"person_id": person_id, "relation": rel})),
            )?;
        }
        Ok(added)
    })
    .await
}

pub async fn remove_member(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    person_id: i64,
) -> Result<(), AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        hs::remove_member(c, &v, &hh, person_id, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "household.member_remove", "household", id)
                .org(hh.org_code.clone())
                .detail(json!({"person_id": person_id})),
        )?;
        Ok(())
    })
    .await
}

/// Records an investigation (8.1.1.1) of the household's visible members.
pub async fn add_investigation(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    input: InvestigationInput,
) -> Result<i64, AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        let members: Vec<i64> = hs::members(c, &v, id)?
            .iter()
            .map(|m| m.person_id)
            .collect();
        let i = dh::validate_investigation(&input, dates::today(), &members)?;
        let iid = hs::add_investigation(c, &hh, &i, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "household.investigation", "household", id)
                .org(hh.org_code.clone())
                .detail(json!({"investigation_id": iid, "members": i.members.len()})),
        )?;
        Ok(iid)
    })
    .await
}

/// A household's investigations (visible members only); audited like reading the household.
pub async fn investigations(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Vec<InvestigationRecord>, AppError> {
    Ok(get(st, info, id).await?.investigations)
}

pub async fn add_review(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    input: ReviewInput,
) -> Result<i64, AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    let r = dh::validate_review(&input, dates::today())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        let rid = hs::add_review(c, &hh, &r, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "household.review", "household", id)
                .org(hh.org_code.clone())
                .detail(json!({"review_id": rid, "category": r.category, "result": r.result})),
        )?;
        Ok(rid)
    })
    .await
}

/// Corrects an investigation (8.1.1.1) with a reason. The members are checked against those the
/// user may see, as when recording; an investigation that covers a member hidden from the user is
/// left to someone who sees them all (it could not be corrected without losing that member).
pub async fn update_investigation(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    investigation_id: i64,
    input: InvestigationInput,
    reason: String,
) -> Result<Vec<String>, AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = viewer(info);
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        let old = hs::investigation(c, id, investigation_id)?;
        let members: Vec<i64> = hs::members(c, &v, id)?
            .iter()
            .map(|m| m.person_id)
            .collect();
        if old.members.iter().any(|m| !members.contains(&m.person_id)) {
            return Err(StoreError::Conflict(Msg::new(
                "这份调查包含您无权查看的成员,请由站长更正",
                "this investigation covers a member you may not see; ask the station head",
            )));
        }
        let (i, reason) = text::corrected(
            dh::validate_investigation(&input, dates::today(), &members),
            &reason,
        )?;
        let changed = hs::update_investigation(c, &hh, investigation_id, &i, &reason, &actor, now)?;
        if !changed.is_empty() {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "household.investigation.update", "household", id)
                    .org(hh.org_code.clone())
                    .detail(json!({"investigation_id": investigation_id, "fields": changed})),
            )?;
        }
        Ok(changed)
    })
    .await
}

/// Corrects a review (8.1.1.2) with a reason; the household's review due is computed again.
pub async fn update_review(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    review_id: i64,
    input: ReviewInput,
    reason: String,
) -> Result<Vec<String>, AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    st.read(move |c| hs::review(c, id, review_id)).await?;
    let (r, reason) = text::corrected(dh::validate_review(&input, dates::today()), &reason)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        let changed = hs::update_review(c, &hh, review_id, &r, &reason, &actor, now)?;
        if !changed.is_empty() {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "household.review.update", "household", id)
                    .org(hh.org_code.clone())
                    .detail(json!({"review_id": review_id, "fields": changed})),
            )?;
        }
        Ok(changed)
    })
    .await
}

/// A household record that can be deleted with a reason: an investigation (8.1.1.1) or a
/// social assistance review (8.1.1.2).
#[derive(Debug, Clone, Copy)]
pub enum Record {
    Investigation,
    Review,
}

impl Record {
    fn name(self) -> &'static str {
        match self {
            Record::Investigation => "investigation",
            Record::Review => "review",
        }
    }
}

/// Deletes an investigation or a review with a reason: it is kept, marked, and leaves the lists;
/// for a review, the one before it of the same category is due again.
pub async fn delete_record(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    record: Record,
    record_id: i64,
    reason: String,
) -> Result<(), AppError> {
    ensure_reader(info)?;
    let hh = writable(st, info, id).await?;
    st.read(move |c| match record {
        Record::Investigation => hs::investigation(c, id, record_id).map(drop),
        Record::Review => hs::review(c, id, record_id).map(drop),
    })
    .await?;
    let reason = text::reason(&reason).map_err(|m| AppError::invalid("reason", m))?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        match record {
            Record::Investigation => {
                hs::delete_investigation(c, &hh, record_id, &reason, &actor, now)?
            }
            Record::Review => hs::delete_review(c, &hh, record_id, &reason, &actor, now)?,
        }
        let name = record.name();
        audit::append(
            c,
            &keys,
            &Event::new(&actor, &format!("household.{name}.delete"), "household", id)
                .org(hh.org_code.clone())
                .detail(json!({ format!("{name}_id"): record_id })),
        )?;
        Ok(())
    })
    .await
}

pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    q: Option<String>,
    page: Page,
) -> Result<Listing<Summary>, AppError> {
    ensure_reader(info)?;
    check_search(q.as_deref())?;
    let v = viewer(info);
    st.read(move |c| hs::list(c, &v, q.as_deref(), page)).await
}

/// The list's search: at most 50 characters.
pub fn check_search(q: Option<&str>) -> Result<(), AppError> {
    if q.is_some_and(|q| q.chars().count() > 50) {
        return Err(AppError::invalid(
            "q",
            Msg::new(
                "搜索内容不能超过 50 个字",
                "a search is at most 50 characters",
            ),
        ));
    }
    Ok(())
}

/// The household of a person the caller may see, for a link from the person's page.
pub async fn of_person(
    st: &AppState,
    info: &AuthInfo,
    person_id: i64,
) -> Result<Option<i64>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    st.read(move |c| hs::household_of(c, &v, person_id)).await
}

/// `due`, `overdue` or both (empty).
pub fn due_filter(s: Option<&str>) -> Result<DueFilter, AppError> {
    DueFilter::parse(s, dh::DUE_WINDOW_DAYS).map_err(|m| AppError::invalid("status", m))
}

pub async fn due(
    st: &AppState,
    info: &AuthInfo,
    which: DueFilter,
    page: Page,
) -> Result<Listing<DueRow>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    st.read(move |c| hs::reviews_due(c, &v, which, dates::today(), page))
        .await
}
