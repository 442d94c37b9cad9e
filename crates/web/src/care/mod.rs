//! Care archives (issue 3 points 4 and 5): the elderly archive and visits of 8.2.1.1, the
//! children's guardianship archive of 8.3.1 and its gap alerts (8.3.1.2). The same rules for the
//! pages and the API: a person is opened as `persons` opens it (out of scope or hidden → 404),
//! writing needs `WriteRecord` on the person (403), every change is audited with the change, and
//! every read of a guardianship archive is audited.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::{ensure_reader, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::care::{self, ElderlyInput, GuardianshipInput, ReportInput, VisitInput};
use shegong_domain::policy::{Action, Target, decide};
use shegong_domain::{clock, dates, text};
use shegong_store::StoreError;
use shegong_store::audit::{self, Event};
use shegong_store::care::{
    self as store, AlertListRow, AlertRow, DueFilter, DueRow, Elderly, Guardianship, Saved,
};
use shegong_store::persons::{self, CategoryRow, PersonRow};
use shegong_store::query::{Listing, Page};

/// A person opened for a care archive, and whether the user may change it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub person: PersonRow,
    pub categories: Vec<CategoryRow>,
    pub may_write: bool,
    /// May show carers' full phone numbers (`Action::RevealIdentity`).
    pub may_reveal: bool,
}

impl Opened {
    pub fn age(&self) -> Option<i32> {
        self.person.age(dates::today())
    }

    pub fn birth_date(&self) -> Option<time::Date> {
        self.person
            .birth_date
            .as_deref()
            .and_then(|b| dates::parse(b).ok())
    }

    /// Category codes current today.
    pub fn current_categories(&self) -> Vec<&str> {
        let day = dates::iso(dates::today());
        self.categories
            .iter()
            .filter(|c| c.current(&day))
            .map(|c| c.category.as_str())
            .collect()
    }
}

/// Opens a person as `persons::get` does: 403 for a role that reads no records, 404 when out of
/// scope or hidden by its classification.
pub async fn open(st: &AppState, info: &AuthInfo, id: i64) -> Result<Opened, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let role = info.principal.clone();
    st.read(move |c| {
        let (p, cats) = persons::get(c, &v, id)?;
        let assigned = persons::assigned(c, id, v.user_id)?;
        let t = Target {
            org_code: &p.org_code,
            sensitivity: p.sensitivity(),
            assigned,
        };
        if !decide(&role, Action::ReadRecord, &t).allowed() {
            return Err(StoreError::NotFound);
        }
        let may_write = decide(&role, Action::WriteRecord, &t).allowed();
        let may_reveal = decide(&role, Action::RevealIdentity, &t).allowed();
        Ok(Opened {
            person: p,
            categories: cats,
            may_write,
            may_reveal,
        })
    })
    .await
}

pub(crate) async fn open_for_writing(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Opened, AppError> {
    let o = open(st, info, id).await?;
    if !o.may_write {
        return Err(AppError::forbidden());
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------ elderly

/// A person's elderly archive (None: not opened yet). Reading a sensitive person's is audited.
pub async fn elderly(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(Opened, Option<Elderly>), AppError> {
    let o = open(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let sensitivity = o.person.sensitivity();
    let org = o.person.org_code.clone();
    let e = st
        .write(move |c| {
            let e = store::elderly(c, id)?;
            if Action::ReadRecord.audited(sensitivity) {
                audit::append(
                    c,
                    &keys,
                    &Event::new(&actor, "care.elderly.read", "person", id)
                        .org(org)
                        .detail(json!({"sensitivity": sensitivity.id()})),
                )?;
            }
            Ok(e)
        })
        .await?;
    Ok((o, e))
}

pub async fn save_elderly(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    version: Option<i64>,
    input: ElderlyInput,
) -> Result<Saved, AppError> {
    let o = open_for_writing(st, info, id).await?;
    let fields = care::validate_elderly(&input, o.age(), &o.current_categories())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    st.write(move |c| {
        let saved = store::save_elderly(
            c,
            &keys,
            id,
            &fields,
            version,
            dates::today(),
            &actor,
            clock::now(),
        )?;
        let action = match saved {
            Saved::Created => "care.elderly.create",
            Saved::Updated => "care.elderly.update",
        };
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "person", id)
                .org(org)
                .detail(json!({
                    "living_arrangement": fields.living_arrangement,
                    "visit_interval_days": fields.visit_interval_days,
                    "carers": fields.carers.len(),
                })),
        )?;
        Ok(saved)
    })
    .await
}

pub async fn record_visit(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    input: VisitInput,
) -> Result<i64, AppError> {
    let o = open_for_writing(st, info, id).await?;
    let visit = care::validate_visit(&input, dates::today(), o.birth_date())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    st.write(move |c| {
        let vid = store::record_visit(c, id, &visit, &actor, clock::now())?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "care.visit.create", "person", id)
                .org(org)
                .detail(json!({"visit_id": vid, "mode": visit.mode})),
        )?;
        Ok(vid)
    })
    .await
}

/// A visit of a person the user may change (404 when it is not this person's or was deleted).
async fn writable_visit(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    visit_id: i64,
) -> Result<Opened, AppError> {
    let o = open_for_writing(st, info, id).await?;
    st.read(move |c| store::visit(c, id, visit_id)).await?;
    Ok(o)
}

/// Corrects a visit (8.2.1.1) with a reason; the next visit due is computed again. Returns the
/// fields changed.
pub async fn update_visit(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    visit_id: i64,
    input: VisitInput,
    reason: &str,
) -> Result<Vec<String>, AppError> {
    let o = writable_visit(st, info, id, visit_id).await?;
    let (visit, reason) = text::corrected(
        care::validate_visit(&input, dates::today(), o.birth_date()),
        reason,
    )?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let changed = store::update_visit(c, id, visit_id, &visit, &reason, &actor, clock::now())?;
        if !changed.is_empty() {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "care.visit.update", "person", id)
                    .org(o.person.org_code.clone())
                    .detail(json!({"visit_id": visit_id, "fields": changed})),
            )?;
        }
        Ok(changed)
    })
    .await
}

/// Deletes a visit with a reason: it is kept, marked, and no longer counts for the next visit due.
pub async fn delete_visit(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    visit_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let o = writable_visit(st, info, id, visit_id).await?;
    let reason = text::reason(reason).map_err(|m| AppError::invalid("reason", m))?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::delete_visit(c, id, visit_id, &reason, &actor, clock::now())?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "care.visit.delete", "person", id)
                .org(o.person.org_code.clone())
                .detail(json!({"visit_id": visit_id})),
        )?;
        Ok(())
    })
    .await
}

/// Shows a carer's full phone number: revealed and audited as a person's own numbers are.
pub async fn reveal_carer_phone(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    carer_id: i64,
) -> Result<Option<String>, AppError> {
    crate::persons::reveal_of(
        st,
        info,
        id,
        "care.carer.reveal",
        json!({"carer_id": carer_id, "field": "phone"}),
        move |c, keys| store::carer_phone(c, keys, id, carer_id),
    )
    .await
}

/// `due` (within 7 days), `overdue`, or empty for both.
pub fn due_filter(status: Option<&str>) -> Result<DueFilter, AppError> {
    DueFilter::parse(status, care::DUE_SOON_DAYS).map_err(|m| AppError::invalid("status", m))
}

/// The station's visit list: old people in scope whose next visit is due within
/// [`care::DUE_SOON_DAYS`] days or overdue.
pub async fn due_visits(
    st: &AppState,
    info: &AuthInfo,
    which: DueFilter,
    page: Page,
) -> Result<Listing<DueRow>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    st.read(move |c| store::due_visits(c, &v, which, dates::today(), page))
        .await
}

// ----------------------------------------------------------------------------------- children

/// A child's guardianship archive (None: not opened yet). Every read is audited (敏感, 8.3.1).
pub async fn guardianship(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(Opened, Option<Guardianship>), AppError> {
    let o = open(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    let g = st
        .write(move |c| {
            let g = store::guardianship(c, id)?;
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "care.guardianship.read", "person", id)
                    .org(org)
                    .detail(json!({"exists": g.is_some()})),
            )?;
            Ok(g)
        })
        .await?;
    Ok((o, g))
}

/// What saving a guardianship archive did, for the answer.
pub struct GuardianshipResult {
    pub saved: Saved,
    pub alert_raised: Option<i64>,
}

pub async fn save_guardianship(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    version: Option<i64>,
    input: GuardianshipInput,
) -> Result<GuardianshipResult, AppError> {
    let o = open_for_writing(st, info, id).await?;
    let age = o.age();
    let fields = care::validate_guardianship(&input, age)?;
    let age = age.unwrap_or_default();
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    st.write(move |c| {
        let r = store::save_guardianship(
            c,
            id,
            &fields,
            age,
            version,
            dates::today(),
            &actor,
            clock::now(),
        )?;
        let action = match r.saved {
            Saved::Created => "care.guardianship.create",
            Saved::Updated => "care.guardianship.update",
        };
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "person", id)
                .org(org.clone())
                .detail(json!({
                    "living_situation": fields.living_situation,
                    "support": fields.support.id(),
                    "guardians": fields.guardians.len(),
                    "gap": fields.gap.map(|g| g.id()),
                })),
        )?;
        if let Some((alert_id, gap)) = r.alert {
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "care.alert.raise", "care_alert", alert_id)
                    .org(org)
                    .detail(json!({"person_id": id, "kind": gap.id()})),
            )?;
        }
        Ok(GuardianshipResult {
            saved: r.saved,
            alert_raised: r.alert.map(|a| a.0),
        })
    })
    .await
}

/// The station's guardianship-gap alerts: open ones, or all with `all`. The list names children
/// in a guardianship gap, so reading it is audited.
pub async fn alerts(
    st: &AppState,
    info: &AuthInfo,
    all: bool,
    page: Page,
) -> Result<Listing<AlertListRow>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let l = store::alerts(c, &v, !all, page)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "care.alert.list", "care_alert", "list")
                .detail(json!({"open_only": !all, "count": l.items.len()})),
        )?;
        Ok(l)
    })
    .await
}

/// An alert with its person, and whether the user may record its report.
pub async fn alert(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(AlertRow, PersonRow, bool), AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    let (a, p) = st.read(move |c| store::alert(c, &v, id)).await?;
    let o = open(st, info, p.id).await?;
    Ok((a, o.person, o.may_write))
}

pub async fn report(
    st: &AppState,
    info: &AuthInfo,
    alert_id: i64,
    input: ReportInput,
) -> Result<AlertRow, AppError> {
    let (a, p, may_write) = alert(st, info, alert_id).await?;
    if !may_write {
        return Err(AppError::forbidden());
    }
    let raised = dates::parse(&a.raised_on).unwrap_or_else(|_| dates::today());
    let r = care::validate_report(&input, dates::today(), raised)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let row = store::record_report(c, alert_id, &r, &actor, clock::now())?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "care.alert.report", "care_alert", alert_id)
                .org(p.org_code.clone())
                .detail(json!({"person_id": p.id, "method": r.method})),
        )?;
        Ok(row)
    })
    .await
}
