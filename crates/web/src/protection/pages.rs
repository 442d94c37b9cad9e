//! `/cases/{id}/protection` (8.3.4.1, R-8.3.4): the child-protection records of a case, the form
//! that records a finding of harm together with the report to the police, and one form per
//! unfinished report to complete it. Works without JavaScript and on a phone.

use crate::auth::{AuthInfo, Authed};
use crate::care::pages::FormData;
use crate::error::AppError;
use crate::extract::{P, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, choices};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use shegong_domain::care::label;
use shegong_domain::case::protection::{FINDINGS, HARMS, HarmInput, REPORT_METHODS, ReportInput};
use shegong_domain::clock;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/protection", get(page).post(save))
        .route("/cases/{id}/protection/{pid}/report", post(save_report))
}

/// One record as shown.
pub struct RowView {
    pub id: i64,
    pub finding: String,
    pub harms: String,
    pub found_at: String,
    pub description: String,
    pub unfinished: bool,
    /// "2026-11-29 14:30 · 月塘派出所 · 刘警官 · 拨打 110".
    pub report: String,
    /// The completion form of an unfinished report: as typed when it was refused.
    pub typed: ReportForm,
    pub methods: Vec<Opt>,
    /// Why the completion form was refused.
    pub messages: Vec<String>,
}

/// The report fields as typed.
#[derive(Default, Clone)]
pub struct ReportForm {
    pub reported_at: String,
    pub unit: String,
    pub officer: String,
    pub method: String,
}

#[derive(Template)]
#[template(path = "protection.html")]
struct ProtectionPage {
    c: Chrome,
    case_id: i64,
    person_name: String,
    rows: Vec<RowView>,
    may_write: bool,
    findings: Vec<Opt>,
    harms: Vec<Opt>,
    found_at: String,
    description: String,
    report: ReportForm,
    methods: Vec<Opt>,
    /// Messages of the record form, or of the refused completion form (`RowView::refused`).
    errors: Errors,
}

/// What the record form held.
#[derive(Default)]
struct Typed {
    finding: String,
    harms: Vec<String>,
    found_at: String,
    description: String,
    report: ReportForm,
}

fn report_form(f: &FormData) -> ReportForm {
    ReportForm {
        reported_at: f.one("reported_at"),
        unit: f.one("unit"),
        officer: f.one("officer"),
        method: f.one("method"),
    }
}

fn report_input(r: &ReportForm) -> ReportInput {
    ReportInput {
        reported_at: r.reported_at.clone(),
        unit: r.unit.clone(),
        officer: r.officer.clone(),
        method: r.method.clone(),
    }
}

async fn render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Typed,
    errors: Errors,
    failed: Option<(i64, ReportForm)>,
) -> Result<ProtectionPage, AppError> {
    let o = super::open(st, info, id).await?;
    // A refused completion form shows its messages on its own card, not on the record form.
    let (errors, row_messages) = match &failed {
        Some(_) => (Errors::default(), errors.others(&[])),
        None => (errors, Vec::new()),
    };
    let rows = o
        .rows
        .iter()
        .map(|r| {
            let refused = failed.as_ref().filter(|f| f.0 == r.id).map(|f| f.1.clone());
            let typed = refused.clone().unwrap_or_default();
            RowView {
                id: r.id,
                methods: choices(l, &REPORT_METHODS, &typed.method),
                typed,
                messages: if refused.is_some() {
                    row_messages.clone()
                } else {
                    Vec::new()
                },
                finding: l.m(&label(&FINDINGS, &r.finding)).to_string(),
                harms: r
                    .harm_ids()
                    .iter()
                    .map(|h| l.m(&label(&HARMS, h)).to_string())
                    .collect::<Vec<_>>()
                    .join("、"),
                found_at: clock::display(r.found_at),
                description: r.description.clone(),
                unfinished: r.unfinished(),
                report: match (&r.reported_at, &r.police_unit, &r.officer, &r.method) {
                    (Some(at), Some(unit), Some(officer), Some(method)) => format!(
                        "{} · {unit} · {officer} · {}",
                        clock::display(*at),
                        l.m(&label(&REPORT_METHODS, method))
                    ),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let found_at = if typed.found_at.is_empty() {
        clock::display(clock::now())
    } else {
        typed.found_at
    };
    let mut harms = choices(l, &HARMS, "");
    for h in &mut harms {
        h.selected = typed.harms.contains(&h.code);
    }
    Ok(ProtectionPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}/protection")),
        case_id: id,
        person_name: o.case.case.person_name.clone(),
        rows,
        may_write: o.may_write,
        findings: choices(l, &FINDINGS, &typed.finding),
        harms,
        found_at,
        description: typed.description,
        methods: choices(l, &REPORT_METHODS, &typed.report.method),
        report: typed.report,
        errors,
    })
}

async fn page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let p = render(&st, l, &info, id, Typed::default(), Errors::default(), None).await?;
    Ok(Page(p).into_response())
}

async fn save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let typed = Typed {
        finding: f.one("finding"),
        harms: f.all("harms"),
        found_at: f.one("found_at"),
        description: f.one("description"),
        report: report_form(&f),
    };
    let input = HarmInput {
        finding: typed.finding.clone(),
        harms: typed.harms.clone(),
        found_at: typed.found_at.clone(),
        description: typed.description.clone(),
        report: Some(report_input(&typed.report)),
    };
    let (status, errors) = match super::record(&st, &info, id, input).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/cases/{id}/protection")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let p = render(&st, l, &info, id, typed, errors, None).await?;
    Ok((status, Page(p)).into_response())
}

async fn save_report(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, pid)): P<(i64, i64)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let typed = report_form(&FormData(f));
    let (status, errors) = match super::complete(&st, &info, id, pid, report_input(&typed)).await {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/cases/{id}/protection")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let p = render(
        &st,
        l,
        &info,
        id,
        Typed::default(),
        errors,
        Some((pid, typed)),
    )
    .await?;
    Ok((status, Page(p)).into_response())
}
