//! Standard assessments scored by the system (issue 4 point 4): a worker picks an instrument from
//! `domain::assessment`'s definitions, answers its items, and the system scores it and keeps the
//! score and band (8.1.1.3, 8.2.3.1, 8.2.6.1, 8.3.4.2, 8.2.5.1, 8.3.3.1). The same rules for the
//! pages and the API: the person is opened as `care` opens it (out of scope or hidden → 404),
//! recording needs `WriteRecord` on the person (403), a refused assessment changes nothing, every
//! recording is audited with it, and reading a sensitive person's assessments (every child's) is
//! audited.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::care::{Opened, open, open_for_writing};
use crate::error::AppError;
use crate::persons::{ensure_reader, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::assessment::{self, Assessment, AssessmentInput, Band, Definition};
use shegong_domain::policy::Action;
use shegong_domain::{Msg, clock, dates};
use shegong_store::assessments::{self as store, DUE_SOON_DAYS, DueFilter, DueRow, Record};
use shegong_store::audit::{self, Event};
use shegong_store::query::{Listing, Page};

/// The instrument only a child is assessed with (8.3.4.2).
pub const CHILD_ONLY: &str = "child_safety";

/// The instruments offered for a person of this age (latest version of each, with the
/// deployment's bands, 8.2.3.1): the child check only for a person not known to be 18 or over.
pub fn offered(st: &AppState, age: Option<i32>) -> Vec<&Definition> {
    st.cfg
        .instruments
        .all()
        .into_iter()
        .filter(|d| d.code != CHILD_ONLY || age.is_none_or(|a| a < 18))
        .collect()
}

/// The definition new assessments of `code` use, if offered for this age (422 otherwise).
pub fn instrument<'a>(
    st: &'a AppState,
    code: &str,
    age: Option<i32>,
) -> Result<&'a Definition, AppError> {
    offered(st, age)
        .into_iter()
        .find(|d| d.code == code.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = offered(st, age).iter().map(|d| d.code.as_str()).collect();
            AppError::invalid(
                "code",
                Msg::owned(
                    format!(
                        "评估量表“{code}”不存在或不适用于此人,可选:{}",
                        known.join("、")
                    ),
                    format!(
                        "no instrument “{code}” for this person; one of {}",
                        known.join(", ")
                    ),
                ),
            )
        })
}

/// The band a stored assessment was given, read with the definition it was made with.
pub fn band_of(r: &Record) -> Option<(&'static Definition, &'static Band)> {
    let d = r.definition()?;
    Some((d, &d.bands[d.band_index(&r.band)?]))
}

/// The wording of the band a stored assessment was given: as kept with it, or (rows kept before
/// the wording was) as its definition words it, or its code.
pub fn band_label(r: &Record) -> Msg {
    r.band_label
        .clone()
        .or_else(|| band_of(r).map(|(_, b)| b.label()))
        .unwrap_or_else(|| Msg::owned(r.band.clone(), r.band.clone()))
}

/// A stored result that calls for a referral (high risk, a sign to refer): shown marked.
pub fn alarming(r: &Record) -> bool {
    band_of(r).is_some_and(|(_, b)| b.referral)
}

/// Scores and keeps an assessment of person `id` with the latest definition of `code`.
pub async fn record(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    code: &str,
    input: AssessmentInput,
) -> Result<(i64, Assessment), AppError> {
    let o = open_for_writing(st, info, id).await?;
    let def = instrument(st, code, o.age())?;
    let a = assessment::validate(def, &input, dates::today())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    let kept = a.clone();
    let aid = st
        .write(move |c| {
            let aid = store::record(c, id, &kept, &actor, clock::now())?;
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "assessment.create", "person", id)
                    .org(org)
                    .detail(json!({
                        "assessment_id": aid,
                        "code": kept.code,
                        "version": kept.version,
                        "score": kept.scored.score,
                        "band": kept.band,
                    })),
            )?;
            Ok(aid)
        })
        .await?;
    Ok((aid, a))
}

/// A person's assessments, oldest first. Reading a sensitive person's is audited.
pub async fn of_person(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(Opened, Vec<Record>), AppError> {
    let o = open(st, info, id).await?;
    let v = viewer(info);
    let sensitivity = o.person.sensitivity();
    if !Action::ReadRecord.audited(sensitivity) {
        let list = st.read(move |c| store::of_person(c, &v, id)).await?;
        return Ok((o, list));
    }
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = o.person.org_code.clone();
    let list = st
        .write(move |c| {
            let list = store::of_person(c, &v, id)?;
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "assessment.read", "person", id)
                    .org(org)
                    .detail(json!({"sensitivity": sensitivity.id(), "count": list.len()})),
            )?;
            Ok(list)
        })
        .await?;
    Ok((o, list))
}

/// `due` (within [`DUE_SOON_DAYS`] days), `overdue`, or empty for both.
pub fn due_filter(status: Option<&str>) -> Result<DueFilter, AppError> {
    DueFilter::parse(status, DUE_SOON_DAYS).map_err(|m| AppError::invalid("status", m))
}

/// Re-assessments due or overdue for people in the user's scope.
pub async fn due(
    st: &AppState,
    info: &AuthInfo,
    which: DueFilter,
    page: Page,
) -> Result<Listing<DueRow>, AppError> {
    ensure_reader(info)?;
    let v = viewer(info);
    st.read(move |c| store::due(c, &v, which, dates::today(), page))
        .await
}

/// Days past a due date (negative: days left).
pub fn days_overdue(due: &str) -> i64 {
    dates::parse(due)
        .map(|d| (dates::today() - d).whole_days())
        .unwrap_or_default()
}
