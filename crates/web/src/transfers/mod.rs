//! Moving a person to another station (issue 3 points 2 and 8, R-7.6.4): the holding station sends
//! them, or another station asks for them by ID number; the other side accepts or declines. A
//! request by ID number tells the asking station nothing about the record until it is accepted.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::{self, viewer};
use crate::state::AppState;
use serde_json::json;
use shegong_domain::id_number::IdNumber;
use shegong_domain::moves::{Decision, Direction, Status, check_destination};
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::policy::{Action, Target, role_may};
use shegong_domain::{Invalid, Msg, dates, text};
use shegong_store::audit::{self, Event};
use shegong_store::persons::Viewer;
use shegong_store::query::{Listing, Page};
use shegong_store::transfers::{self, Listed, NewTransfer, TransferRow, Which};
use shegong_store::{DbConn, StoreError, StoreResult, org};

fn reason(r: &str, inv: &mut Invalid) -> String {
    inv.check("reason", text::notes(r, 500)).unwrap_or_default()
}

fn destination(code: &str, inv: &mut Invalid) -> Option<OrgCode> {
    let code = inv.check("to_org", OrgCode::parse(code.trim()))?;
    if !matches!(code.level(), OrgLevel::Township | OrgLevel::Village) {
        inv.add(
            "to_org",
            Msg::new(
                "转入地应为乡镇(街道)社工站或村(社区)",
                "the destination is a station or a village",
            ),
        );
        return None;
    }
    Some(code)
}

fn unknown_place() -> StoreError {
    StoreError::Invalid(Invalid::one(
        "to_org",
        Msg::new("没有这个社工站或村(社区)", "no such station or village"),
    ))
}

/// The holding station sends a person it may change to another station.
pub async fn send(
    st: &AppState,
    info: &AuthInfo,
    person_id: i64,
    to_org: &str,
    why: &str,
) -> Result<i64, AppError> {
    let d = persons::get(st, info, person_id).await?;
    if !d.may_write {
        return Err(AppError::forbidden());
    }
    let mut inv = Invalid::new();
    let to = destination(to_org, &mut inv);
    let why = reason(why, &mut inv);
    let from = OrgCode::parse(&d.person.org_code)
        .map_err(|m| AppError::Invalid(Invalid::one("org_code", m)))?;
    if let Some(to) = &to
        && let Err(m) = check_destination(&from, to)
    {
        inv.add("to_org", m);
    }
    inv.into_result()?;
    let Some(to) = to else {
        return Err(AppError::forbidden());
    };
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        if org::get_unscoped(c, to.as_str())?.is_none() {
            return Err(unknown_place());
        }
        let n = NewTransfer {
            person_id,
            from_org: from.as_str(),
            to_org: to.as_str(),
            direction: Direction::Send,
            reason: &why,
        };
        let id = transfers::create(c, &n, &actor, now)?;
        shegong_store::persons::add_timeline(
            c,
            person_id,
            "transfer.sent",
            Some(id),
            &format!("申请转移到 {}", to.as_str()),
            &actor,
            now,
        )?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "transfer.create", "transfer", id)
                .org(from.as_str())
                .detail(json!({"person": person_id, "direction": "send"})),
        )?;
        Ok(id)
    })
    .await
}

/// A station asks for the person holding an ID number, registered at another station. The answer
/// is the same whichever station holds the record; no name, place or id is given back.
pub async fn request_by_id_number(
    st: &AppState,
    info: &AuthInfo,
    id_number: &str,
    to_org: &str,
    why: &str,
) -> Result<i64, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    let mut inv = Invalid::new();
    let idn = inv.check("id_number", IdNumber::parse(id_number, dates::today()));
    let to = destination(to_org, &mut inv);
    let why = reason(why, &mut inv);
    inv.into_result()?;
    let (Some(idn), Some(to)) = (idn, to) else {
        return Err(AppError::forbidden());
    };
    info.check(Action::WriteRecord, &Target::at(to.as_str()))?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let scope = info.principal.scope.clone();
    let now = shegong_domain::clock::now();
    st.write(move |c| {
        if org::get_unscoped(c, to.as_str())?.is_none() {
            return Err(unknown_place());
        }
        let Some((person_id, holder_org)) =
            shegong_store::persons::holder_of_id_number(c, &keys, &idn)?
        else {
            return Err(StoreError::Invalid(Invalid::one(
                "id_number",
                Msg::new(
                    "系统中没有登记此身份证号,请直接登记",
                    "no record holds this ID number; register the person directly",
                ),
            )));
        };
        if scope.contains(&holder_org) {
            return Err(StoreError::Conflict(Msg::new(
                "此人已在您的管理范围内登记,请直接查找",
                "this person is registered within your scope already",
            )));
        }
        let from = OrgCode::parse(&holder_org).map_err(|_| StoreError::NotFound)?;
        check_destination(&from, &to)
            .map_err(|m| StoreError::Invalid(Invalid::one("to_org", m)))?;
        let n = NewTransfer {
            person_id,
            from_org: &holder_org,
            to_org: to.as_str(),
            direction: Direction::Request,
            reason: &why,
        };
        let id = transfers::create(c, &n, &actor, now)?;
        shegong_store::persons::add_timeline(
            c,
            person_id,
            "transfer.requested",
            Some(id),
            &format!("{} 申请接收此人", to.as_str()),
            &actor,
            now,
        )?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, "transfer.create", "transfer", id)
                .org(to.as_str())
                .detail(json!({"direction": "request"})),
        )?;
        Ok(id)
    })
    .await
}

/// Accept or decline (the deciding side), or withdraw (the asking side) a pending transfer.
pub async fn settle(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    d: Decision,
    note: &str,
) -> Result<TransferRow, AppError> {
    let scope = info.principal.scope.clone();
    let t = st.read(move |c| transfers::get(c, &scope, id)).await?;
    let side = match d {
        Decision::Accept | Decision::Decline => t.deciding_org().to_string(),
        Decision::Cancel => t.asking_org().to_string(),
    };
    // The transfer is visible to both sides; the wrong side is refused, not told "not found".
    if !info.principal.scope.contains(&side) {
        return Err(AppError::forbidden());
    }
    info.check(Action::WriteRecord, &Target::at(&side))?;
    let mut inv = Invalid::new();
    let note = inv
        .check("note", text::notes(note, 500))
        .unwrap_or_default();
    inv.into_result()?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let now = shegong_domain::clock::now();
    let action = match d {
        Decision::Accept => "transfer.accept",
        Decision::Decline => "transfer.decline",
        Decision::Cancel => "transfer.cancel",
    };
    st.write(move |c| {
        let t = transfers::settle(c, id, d, &note, &actor, now)?;
        audit::append(
            c,
            &keys,
            &Event::new(&actor, action, "transfer", id).org(side.as_str()),
        )?;
        Ok(t)
    })
    .await
}

/// Transfers touching the user's scope.
pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    which: Which,
    status: Option<Status>,
    page: Page,
) -> Result<Listing<Listed>, AppError> {
    persons::ensure_reader(info)?;
    let v = viewer(info);
    st.read(move |c| listed(c, &v, which, status, page)).await
}

/// The list's query: a person's name shows only to whoever may see the record (or receives it).
pub fn listed(
    c: &mut DbConn,
    v: &Viewer,
    which: Which,
    status: Option<Status>,
    page: Page,
) -> StoreResult<Listing<Listed>> {
    let sees = |c: &mut DbConn, pid: i64| Ok(sees(c, v, pid));
    transfers::list(c, &v.scope, which, status, page, &sees)
}

/// Whether the viewer may see a person's record.
pub fn sees(c: &mut DbConn, v: &Viewer, person_id: i64) -> bool {
    shegong_store::persons::get(c, v, person_id).is_ok()
}

/// The list's filters: `box` (`to_decide`, `asked` or `all`, the default) and `status`.
pub fn filters(
    which: Option<&str>,
    status: Option<&str>,
) -> Result<(Which, Option<Status>), AppError> {
    let mut inv = Invalid::new();
    let which = match which.unwrap_or("all") {
        "to_decide" => Which::ToDecide,
        "asked" => Which::Asked,
        "all" | "" => Which::All,
        _ => {
            inv.add(
                "box",
                Msg::new(
                    "box 应为 to_decide、asked 或 all",
                    "box is to_decide, asked or all",
                ),
            );
            Which::All
        }
    };
    let status = match status.filter(|s| !s.is_empty()) {
        Some(s) => {
            let st = Status::from_id(s);
            if st.is_none() {
                inv.add("status", Msg::new("未知的状态", "unknown status"));
            }
            st
        }
        None => None,
    };
    inv.into_result()?;
    Ok((which, status))
}

pub fn parse_decision(s: &str) -> Result<Decision, AppError> {
    match s {
        "accept" => Ok(Decision::Accept),
        "decline" => Ok(Decision::Decline),
        "cancel" => Ok(Decision::Cancel),
        _ => Err(AppError::invalid(
            "decision",
            Msg::new(
                "处理方式应为 accept、decline 或 cancel",
                "decision is accept, decline or cancel",
            ),
        )),
    }
}
