//! 督导记录 supervision records (7.4 b; docs/decisions/0020), shared by the pages and
//! the API. A supervisor writes on a case they may read (`cases::load`: out of scope or hidden →
//! 404) or on a worker of their stations; the policy's `WriteSupervision` decides who may (403
//! otherwise). Workers read the records on themselves and their cases, the head and supervisors
//! those of their scope (`domain::quality::supervision::reach`); only the worker a record is on
//! answers it, once (409 after); only a supervisor marks its follow-up done, once.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use shegong_domain::policy::{Action, Sensitivity, Target};
use shegong_domain::quality::supervision::{self, SupervisionInput};
use shegong_domain::role::Role;
use shegong_domain::{clock, dates};
use shegong_store::query::{Listing, Page};
use shegong_store::supervision::{self as store, Filter, Named, New, Reader};
use shegong_store::users;

/// Who may read supervision records, and how far (403 for other roles).
pub fn reader(info: &AuthInfo) -> Result<Reader, AppError> {
    let reach = supervision::reach(info.user.role()).ok_or_else(AppError::forbidden)?;
    Ok(Reader {
        user_id: info.user.id,
        scope: info.principal.scope.clone(),
        reach,
    })
}

/// Where a new record goes: on a case, or on a worker.
#[derive(Debug, Clone, Copy)]
pub enum On {
    Case(i64),
    Worker(i64),
}

/// Writes a supervision record. The case or worker is looked up first, so an out-of-scope one is
/// 404 whatever the role; then `WriteSupervision` (403); then the input (422).
pub async fn write(
    st: &AppState,
    info: &AuthInfo,
    on: On,
    input: SupervisionInput,
) -> Result<i64, AppError> {
    let (org_code, case_id, worker_id) = match on {
        On::Case(id) => {
            let l = crate::cases::load(st, info, id).await?;
            let c = &l.case.case;
            info.check(
                Action::WriteSupervision,
                &Target {
                    org_code: &c.org_code,
                    sensitivity: Sensitivity::from_id(&c.sensitivity).unwrap_or_default(),
                    assigned: l.case.on_case(info.user.id),
                },
            )?;
            (c.org_code.clone(), Some(id), c.lead_worker)
        }
        On::Worker(uid) => {
            let scope = info.principal.scope.clone();
            let w = st.read(move |c| users::get(c, &scope, uid)).await?;
            if !matches!(w.role(), Role::SocialWorker | Role::StationHead) {
                return Err(AppError::NotFound);
            }
            info.check(Action::WriteSupervision, &Target::at(&w.org_code))?;
            (w.org_code, None, uid)
        }
    };
    let checked = supervision::validate(&input, dates::today())?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let supervisor_id = info.user.id;
    st.write(move |c| {
        store::create(
            c,
            &keys,
            &New {
                org_code: &org_code,
                case_id,
                worker_id,
                supervisor_id,
                record: &checked,
            },
            &actor,
            clock::now(),
        )
    })
    .await
}

/// The records the user may read, narrowed by `f`. Listing a case's records opens the case first
/// (404 when the user may not see it).
pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    f: Filter,
    page: Page,
) -> Result<Listing<Named>, AppError> {
    let r = reader(info)?;
    if let Some(id) = f.case_id {
        crate::cases::load(st, info, id).await?;
    }
    st.read(move |c| store::list(c, &r, f, page)).await
}

pub async fn get(st: &AppState, info: &AuthInfo, id: i64) -> Result<Named, AppError> {
    let r = reader(info)?;
    st.read(move |c| store::get(c, &r, id)).await
}

/// The worker's response to a record on them (403 for anyone else, 409 when answered).
pub async fn respond(st: &AppState, info: &AuthInfo, id: i64, text: &str) -> Result<(), AppError> {
    let rec = get(st, info, id).await?;
    if rec.row.worker_id != info.user.id {
        return Err(AppError::forbidden());
    }
    let response = supervision::response(text)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::respond(c, &keys, &rec.row, &response, &actor, clock::now()))
        .await
}

/// A supervisor marks the follow-up done (403 for other roles, 409 when none or done).
pub async fn finish_follow_up(st: &AppState, info: &AuthInfo, id: i64) -> Result<(), AppError> {
    let rec = get(st, info, id).await?;
    info.check(Action::WriteSupervision, &Target::at(&rec.row.org_code))?;
    supervision::may_finish_follow_up(&rec.row.follow_up, rec.row.follow_up_done_on.as_deref())
        .map_err(AppError::Conflict)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| store::finish_follow_up(c, &keys, &rec.row, dates::today(), &actor))
        .await
}

/// The label of a mode code.
pub fn mode_label(code: &str) -> shegong_domain::Msg {
    shegong_domain::care::label(&supervision::MODES, code)
}
