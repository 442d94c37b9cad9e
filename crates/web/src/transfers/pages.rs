//! `/transfers` (waiting for my station, asked by it, settled), `/transfers/request` (ask for a
//! person by ID number) and `/persons/{id}/transfer` (send a person to another station).

use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, UiForm};
use crate::i18n::Lang;
use crate::persons::{Place, places};
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::clock;
use shegong_domain::moves::Status;
use shegong_domain::org::OrgCode;
use shegong_domain::policy::{Action, role_may};
use shegong_store::org::OrgUnit;
use shegong_store::query::Page as Paging;
use shegong_store::transfers::{Listed, Which};
use std::collections::HashMap;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/transfers", get(list))
        .route("/transfers/request", get(request_form).post(request_submit))
        .route("/transfers/{id}/decision", post(decision))
        .route("/persons/{id}/transfer", get(send_form).post(send_submit))
}

pub struct Row {
    pub id: i64,
    pub person: String,
    pub person_id: Option<i64>,
    pub id_masked: String,
    pub from_org: String,
    pub to_org: String,
    pub direction: String,
    pub reason: String,
    pub requested: String,
    pub status: String,
    pub status_class: &'static str,
    pub pending: bool,
    pub decided: String,
    pub note: String,
}

/// A place as a worker knows it: its name, with the code beside it.
fn place(names: &HashMap<String, String>, code: String) -> String {
    match names.get(&code) {
        Some(n) => format!("{n}({code})"),
        None => code,
    }
}

fn row(l: Lang, names: &HashMap<String, String>, x: Listed) -> Row {
    let status = x.t.status();
    Row {
        id: x.t.id,
        person_id: (!x.name.is_empty()).then_some(x.t.person_id),
        person: x.name,
        id_masked: x.id_number_masked.unwrap_or_default(),
        direction: match x.t.direction.as_str() {
            "request" => l.t("申请接收", "asked for"),
            _ => l.t("转出", "sent"),
        }
        .to_string(),
        from_org: place(names, x.t.from_org),
        to_org: place(names, x.t.to_org),
        reason: x.t.reason,
        requested: format!("{} {}", clock::display(x.t.requested_at), x.t.requested_by),
        status: l.m(&status.label()).to_string(),
        status_class: match status {
            Status::Pending => "warn",
            Status::Accepted => "ok",
            _ => "",
        },
        pending: status == Status::Pending,
        decided: match (x.t.decided_at, x.t.decided_by) {
            (Some(at), Some(by)) => format!("{} {by}", clock::display(at)),
            _ => String::new(),
        },
        note: x.t.note,
    }
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct ListPage {
    c: Chrome,
    to_decide: Vec<Row>,
    asked: Vec<Row>,
    settled: Vec<Row>,
    may_write: bool,
    export_href: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let page = Paging::new(Some(1), Some(200));
    let pending = Some(Status::Pending);
    let to_decide = super::list(&st, &info, Which::ToDecide, pending, page)
        .await?
        .items;
    let asked = super::list(&st, &info, Which::Asked, pending, page)
        .await?
        .items;
    let settled: Vec<Listed> = super::list(&st, &info, Which::All, None, page)
        .await?
        .items
        .into_iter()
        .filter(|x| x.t.status() != Status::Pending)
        .collect();
    let codes: Vec<String> = [&to_decide, &asked, &settled]
        .into_iter()
        .flatten()
        .flat_map(|x| [x.t.from_org.clone(), x.t.to_org.clone()])
        .filter(|c| !c.is_empty())
        .collect();
    let names = st
        .read(move |c| shegong_store::org::names(c, &codes))
        .await?;
    let rows = |v: Vec<Listed>| v.into_iter().map(|x| row(l, &names, x)).collect::<Vec<_>>();
    let (to_decide, asked, settled) = (rows(to_decide), rows(asked), rows(settled));
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/transfers"),
        to_decide,
        asked,
        settled,
        may_write: role_may(info.principal.role, Action::WriteRecord),
        export_href: crate::exports::href(&info, "/transfers/export.xlsx", &[]),
    })
    .into_response())
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decision(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<DecisionForm>,
) -> Result<Response, AppError> {
    let d = super::parse_decision(&f.decision)?;
    super::settle(&st, &info, id, d, &f.note).await?;
    Ok(Redirect::to("/transfers").into_response())
}

// ---------------------------------------------------------------- request by ID number

#[derive(Default, Deserialize)]
struct RequestForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    to_org: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "transfer_request.html")]
struct RequestPage {
    c: Chrome,
    v: RequestForm,
    places: Vec<Place>,
    errors: Errors,
}

async fn request_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    v: RequestForm,
    errors: Errors,
) -> Result<RequestPage, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    Ok(RequestPage {
        c: Chrome::for_user(l, info, "/transfers/request"),
        places: places(st, info).await?,
        v,
        errors,
    })
}

async fn request_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let page = request_page(&st, l, &info, RequestForm::default(), Errors::default()).await?;
    Ok(Page(page).into_response())
}

async fn request_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<RequestForm>,
) -> Result<Response, AppError> {
    match super::request_by_id_number(&st, &info, &f.id_number, &f.to_org, &f.reason).await {
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        Err(e) => refused(&st, l, &info, f, e).await,
    }
}

async fn refused(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    f: RequestForm,
    e: AppError,
) -> Result<Response, AppError> {
    let (errors, status) = match e {
        AppError::Invalid(i) => (Errors::from(&i, l), StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Conflict(m) => (Errors::one("id_number", &m, l), StatusCode::CONFLICT),
        other => return Err(other),
    };
    let page = request_page(st, l, info, f, errors).await?;
    Ok((status, Page(page)).into_response())
}

// ---------------------------------------------------------------- send a person

#[derive(Default, Deserialize)]
struct SendForm {
    #[serde(default)]
    to_org: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "transfer_send.html")]
struct SendPage {
    c: Chrome,
    id: i64,
    name: String,
    stations: Vec<OrgUnit>,
    v: SendForm,
    errors: Errors,
}

async fn send_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    v: SendForm,
    errors: Errors,
) -> Result<SendPage, AppError> {
    let d = crate::persons::get(st, info, id).await?;
    if !d.may_write {
        return Err(AppError::forbidden());
    }
    let own = OrgCode::parse(&d.person.org_code).ok();
    let county = own.as_ref().and_then(|c| c.county()).map(|c| c.to_string());
    let station = own
        .as_ref()
        .and_then(|c| c.station())
        .map(|c| c.to_string());
    let stations = match county {
        Some(county) => st
            .read(move |c| shegong_store::org::stations_of_county(c, &county))
            .await?
            .into_iter()
            .filter(|u| Some(&u.code) != station.as_ref())
            .collect(),
        None => Vec::new(),
    };
    Ok(SendPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/transfer")),
        id,
        name: d.person.name,
        stations,
        v,
        errors,
    })
}

async fn send_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = send_page(&st, l, &info, id, SendForm::default(), Errors::default()).await?;
    Ok(Page(page).into_response())
}

async fn send_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<SendForm>,
) -> Result<Response, AppError> {
    let (errors, status) = match super::send(&st, &info, id, &f.to_org, &f.reason).await {
        Ok(_) => return Ok(Redirect::to("/transfers").into_response()),
        Err(AppError::Invalid(i)) => (Errors::from(&i, l), StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict(m)) => (Errors::one("to_org", &m, l), StatusCode::CONFLICT),
        Err(e) => return Err(e),
    };
    let page = send_page(&st, l, &info, id, f, errors).await?;
    Ok((status, Page(page)).into_response())
}
