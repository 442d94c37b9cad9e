//! 儿童保护 on a case (8.3.4.1, R-8.3.4; decision 0019): a worker on the case (or the station
//! head) records a finding of harm and, in the same step, the report to the police; a finding
//! without the report stands as unfinished, is raised at once to the head and the county
//! purchaser, and is shown in red on every page until completed (`ui::Chrome`). Recording makes
//! the case 机密; every read of the case is audited by `cases::load`.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::cases::{Loaded, load};
use crate::error::AppError;
use crate::state::AppState;
use shegong_domain::case::protection::{self, HarmInput, ReportInput};
use shegong_domain::case::{self, Record};
use shegong_domain::clock;
use shegong_domain::policy::{Action, Sensitivity, Target};
use shegong_store::protection::{self as store, ProtectionRow};

/// A case with its findings, for a user who may read it (404 / 403 otherwise; audited).
pub struct Opened {
    pub case: Loaded,
    pub rows: Vec<ProtectionRow>,
    pub may_write: bool,
}

fn target<'a>(l: &'a Loaded, user_id: i64) -> Target<'a> {
    Target {
        org_code: &l.case.case.org_code,
        sensitivity: Sensitivity::from_id(&l.case.case.sensitivity).unwrap_or_default(),
        assigned: l.case.on_case(user_id),
    }
}

pub async fn open(st: &AppState, info: &AuthInfo, id: i64) -> Result<Opened, AppError> {
    let l = load(st, info, id).await?;
    let may_write = info
        .check(Action::WriteRecord, &target(&l, info.user.id))
        .is_ok();
    let rows = st.read(move |c| store::of_case(c, id)).await?;
    Ok(Opened {
        case: l,
        rows,
        may_write,
    })
}

async fn open_for_writing(st: &AppState, info: &AuthInfo, id: i64) -> Result<Loaded, AppError> {
    let l = load(st, info, id).await?;
    info.check(Action::WriteRecord, &target(&l, info.user.id))?;
    Ok(l)
}

/// Records a finding (with the report, or unfinished). The case must be open (`may_record`).
pub async fn record(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    input: HarmInput,
) -> Result<i64, AppError> {
    let l = open_for_writing(st, info, id).await?;
    case::may_record(&l.state, Record::Protection).map_err(crate::cases::refused)?;
    let person = l.case.case.person_id;
    let age = st
        .read(move |c| store::age_of(c, person, shegong_domain::dates::today()))
        .await?;
    let harm = protection::validate(&input, age, clock::now())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::record(c, &keys, &l.case.case, &harm, &actor, clock::now()))
        .await
}

/// Completes an unfinished report. Allowed on an ended case too: the duty to report stays.
pub async fn complete(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    pid: i64,
    input: ReportInput,
) -> Result<(), AppError> {
    let l = open_for_writing(st, info, id).await?;
    let row = st.read(move |c| store::get(c, id, pid)).await?;
    let report = protection::validate_report(&input, row.found_at, clock::now())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        store::complete_report(c, &keys, &l.case.case, pid, &report, &actor, clock::now())
    })
    .await
}
