//! Care pages: `/persons/{id}/elderly` (archive, carers, schedule, record a visit),
//! `/persons/{id}/guardianship` (a child's guardianship archive), `/care/visits` (visits due and
//! overdue), `/care/alerts` and `/care/alerts/{id}` (guardianship-gap alerts and their reports).
//! Plain forms carrying `_csrf`, usable on a phone during a home visit, without JavaScript.

use super::api::all_alerts;
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, choices};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::care::{
    self, CarerInput, Choice, ElderlyInput, Gap, GuardianInput, GuardianshipInput, ReportInput,
    Support, VisitInput,
};
use shegong_domain::{Invalid, Msg, clock, dates};
use shegong_store::care::{Elderly, Guardianship};
use shegong_store::query::Page as Paging;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/care/visits", get(visits))
        .route("/care/alerts", get(alerts))
        .route("/care/alerts/{id}", get(alert_page))
        .route("/care/alerts/{id}/report", post(alert_report))
        .route(
            "/persons/{id}/elderly",
            get(elderly_page).post(elderly_save),
        )
        .route("/persons/{id}/visits", post(visit_save))
        .route(
            "/persons/{id}/visits/{vid}/edit",
            get(visit_edit_page).post(visit_edit_save),
        )
        .route("/persons/{id}/visits/{vid}/delete", post(visit_delete))
        .route(
            "/persons/{id}/elderly/carers/{cid}/reveal",
            post(carer_reveal),
        )
        .route(
            "/persons/{id}/guardianship",
            get(guardianship_page).post(guardianship_save),
        )
}

// ------------------------------------------------------------------------------------ shared

/// A form body with repeated fields (one per row of carers or guardians), in order.
pub(crate) struct FormData(pub(crate) Vec<(String, String)>);

impl FormData {
    pub(crate) fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn visit(&self) -> VisitInput {
        VisitInput {
            visited_on: self.one("visited_on"),
            visitor: self.one("visitor"),
            mode: self.one("mode"),
            findings: self.opt("findings"),
            notes: self.opt("notes"),
        }
    }

    /// The visit as typed, to show the form again.
    fn visit_form(&self) -> VisitForm {
        VisitForm {
            visited_on: self.one("visited_on"),
            visitor: self.one("visitor"),
            mode: self.one("mode"),
            findings: self.one("findings"),
            notes: self.one("notes"),
        }
    }

    pub(crate) fn opt(&self, key: &str) -> Option<String> {
        Some(self.one(key)).filter(|v| !v.trim().is_empty())
    }

    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Rows of repeated fields; rows left entirely blank are dropped.
    pub(crate) fn rows(&self, keys: &[&str]) -> Vec<Vec<String>> {
        let cols: Vec<Vec<String>> = keys.iter().map(|k| self.all(k)).collect();
        let n = cols.iter().map(Vec::len).max().unwrap_or(0);
        (0..n)
            .map(|i| {
                cols.iter()
                    .map(|c| c.get(i).cloned().unwrap_or_default())
                    .collect::<Vec<_>>()
            })
            .filter(|r: &Vec<String>| r.iter().any(|v| !v.trim().is_empty()))
            .collect()
    }

    /// A number field: empty is none; anything else not a number is an error.
    pub(crate) fn number(&self, key: &'static str, inv: &mut Invalid) -> Option<i64> {
        let v = self.one(key);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                inv.add(key, Msg::new("请填写整数", "enter a whole number"));
                None
            }
        }
    }
}

/// An option of a select.
fn label(l: Lang, list: &[Choice], code: &str) -> String {
    l.m(&care::label(list, code)).to_string()
}

/// The person a care page is about.
pub struct PersonHead {
    pub id: i64,
    pub name: String,
    pub age: String,
    pub org_code: String,
}

impl PersonHead {
    pub(crate) fn new(o: &super::Opened) -> PersonHead {
        PersonHead {
            id: o.person.id,
            name: o.person.name.clone(),
            age: o.age().map(|a| a.to_string()).unwrap_or_default(),
            org_code: o.person.org_code.clone(),
        }
    }
}

#[derive(Deserialize)]
struct DoneQ {
    done: Option<String>,
}

fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => l.t("已保存。", "Saved."),
        "visit" => l.t("走访已记录,下次走访日期已更新。", "The visit is recorded; the next visit date moved on."),
        "alert" => l.t("已产生监护缺失预警:请尽快向有关部门报告并在下方记录(8.3.1.2)。", "A guardianship-gap alert was raised: report it to the responsible department and record the report below (8.3.1.2)."),
        "reported" => l.t("报告已记录,预警已从待处理列表移除。", "The report is recorded; the alert left the open list."),
        "corrected" => l.t("走访记录已更正,下次走访日期已重新计算。", "The visit was corrected; the next visit date was computed again."),
        "deleted" => l.t("走访记录已删除(仍保存在档案库中,可在修改记录中查看),下次走访日期已重新计算。", "The visit was deleted (it stays in the archive; see the edit history); the next visit date was computed again."),
        _ => return None,
    })
}

// ------------------------------------------------------------------------------------ elderly

pub struct ElderlyView {
    pub living: String,
    pub interval: i64,
    pub opened_on: String,
    pub last_visit: String,
    pub next_due: String,
    pub overdue: bool,
    pub status: String,
    pub days_overdue: i64,
    pub notes: String,
}

pub struct CarerForm {
    pub id: String,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

pub struct VisitView {
    pub id: i64,
    pub visited_on: String,
    pub visitor: String,
    pub mode: String,
    pub findings: String,
    pub notes: String,
}

/// A carer as shown on the archive, the phone masked unless just revealed.
pub struct CarerView {
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub phone: String,
    pub revealed: bool,
}

#[derive(Default)]
pub struct VisitForm {
    pub visited_on: String,
    pub visitor: String,
    pub mode: String,
    pub findings: String,
    pub notes: String,
}

/// The archive form's values (as stored, or as typed).
#[derive(Default)]
struct ElderlyValues {
    living: String,
    interval: String,
    notes: String,
    carers: Vec<CarerForm>,
    version: String,
}

#[derive(Template)]
#[template(path = "care_elderly.html")]
struct ElderlyPage {
    c: Chrome,
    p: PersonHead,
    e: Option<ElderlyView>,
    may_write: bool,
    /// Not known to be under 60 (the archive's age rule, 8.2.1.1).
    old_enough: bool,
    living: Vec<Opt>,
    interval: String,
    notes: String,
    carers: Vec<CarerForm>,
    version: String,
    errors: Errors,
    modes: Vec<Opt>,
    visit: VisitForm,
    visit_errors: Errors,
    visits: Vec<VisitView>,
    notice: Option<&'static str>,
    shown_carers: Vec<CarerView>,
    may_reveal: bool,
}

fn elderly_values(e: &Option<Elderly>) -> ElderlyValues {
    match e {
        None => ElderlyValues::default(),
        Some(e) => ElderlyValues {
            living: e.archive.living_arrangement.clone(),
            interval: e.archive.visit_interval_days.to_string(),
            notes: e.archive.notes.clone(),
            carers: e
                .carers
                .iter()
                .map(|c| CarerForm {
                    id: c.id.to_string(),
                    name: c.name.clone(),
                    relation: c.relation.clone(),
                    phone: c.phone_masked.clone().unwrap_or_default(),
                })
                .collect(),
            version: e.archive.version.to_string(),
        },
    }
}

#[allow(clippy::too_many_arguments)]
async fn elderly_render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<ElderlyValues>,
    errors: Errors,
    visit: Option<VisitForm>,
    visit_errors: Errors,
    notice: Option<&'static str>,
    revealed: Option<(i64, String)>,
) -> Result<ElderlyPage, AppError> {
    let (o, e) = super::elderly(st, info, id).await?;
    let shown_carers = e
        .iter()
        .flat_map(|e| &e.carers)
        .map(|r| {
            let full = revealed.as_ref().filter(|(cid, _)| *cid == r.id);
            CarerView {
                id: r.id,
                name: r.name.clone(),
                relation: r.relation.clone(),
                phone: full
                    .map(|(_, p)| p.clone())
                    .or_else(|| r.phone_masked.clone())
                    .unwrap_or_default(),
                revealed: full.is_some(),
            }
        })
        .collect();
    let today = dates::today();
    let mut v = typed.unwrap_or_else(|| elderly_values(&e));
    // Two blank rows to add carers without JavaScript.
    for _ in 0..2 {
        v.carers.push(CarerForm {
            id: String::new(),
            name: String::new(),
            relation: String::new(),
            phone: String::new(),
        });
    }
    let view = e.as_ref().map(|e| {
        let due = dates::parse(&e.archive.next_visit_due).unwrap_or(today);
        let status = care::visit_status(due, today);
        ElderlyView {
            living: label(l, &care::LIVING_ARRANGEMENTS, &e.archive.living_arrangement),
            interval: e.archive.visit_interval_days,
            opened_on: e.archive.opened_on.clone(),
            last_visit: e.archive.last_visit_on.clone().unwrap_or_default(),
            next_due: e.archive.next_visit_due.clone(),
            overdue: status == care::VisitStatus::Overdue,
            status: l.m(&status.label()).to_string(),
            days_overdue: care::days_overdue(due, today),
            notes: e.archive.notes.clone(),
        }
    });
    let visits = e
        .as_ref()
        .map(|e| {
            e.visits
                .iter()
                .map(|v| VisitView {
                    id: v.id,
                    visited_on: v.visited_on.clone(),
                    visitor: v.visitor.clone(),
                    mode: label(l, &care::VISIT_MODES, &v.mode),
                    findings: v.findings.clone(),
                    notes: v.notes.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let visit = visit.unwrap_or_else(|| VisitForm {
        visited_on: dates::iso(today),
        visitor: info.user.display_name.clone(),
        mode: "home".into(),
        ..Default::default()
    });
    Ok(ElderlyPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/elderly")),
        p: PersonHead::new(&o),
        e: view,
        may_write: o.may_write,
        old_enough: o.age().is_none_or(|a| a >= care::ELDERLY_AGE),
        living: choices(l, &care::LIVING_ARRANGEMENTS, &v.living),
        interval: v.interval,
        notes: v.notes,
        carers: v.carers,
        version: v.version,
        errors,
        modes: choices(l, &care::VISIT_MODES, &visit.mode),
        visit,
        visit_errors,
        visits,
        notice,
        shown_carers,
        may_reveal: o.may_reveal,
    })
}

async fn elderly_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let page = elderly_render(
        &st,
        l,
        &info,
        id,
        None,
        Errors::default(),
        None,
        Errors::default(),
        notice(l, q.done.as_deref()),
        None,
    )
    .await?;
    Ok(Page(page).into_response())
}

async fn elderly_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let mut inv = Invalid::new();
    let interval = f.number("visit_interval_days", &mut inv);
    let version = f.one("version").trim().parse::<i64>().ok();
    let rows = f.rows(&["carer_id", "carer_name", "carer_relation", "carer_phone"]);
    let input = ElderlyInput {
        living_arrangement: f.one("living_arrangement"),
        carers: rows
            .iter()
            .map(|r| CarerInput {
                id: r[0].trim().parse().ok(),
                name: r[1].clone(),
                relation: r[2].clone(),
                phone: Some(r[3].clone()),
            })
            .collect(),
        visit_interval_days: interval,
        notes: f.opt("notes"),
    };
    let result = if inv.is_empty() {
        super::save_elderly(&st, &info, id, version, input).await
    } else {
        Err(AppError::Invalid(inv))
    };
    let (status, errors) = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/persons/{id}/elderly?done=saved")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let typed = ElderlyValues {
        living: f.one("living_arrangement"),
        interval: f.one("visit_interval_days"),
        notes: f.one("notes"),
        carers: rows
            .into_iter()
            .map(|r| CarerForm {
                id: r[0].clone(),
                name: r[1].clone(),
                relation: r[2].clone(),
                phone: r[3].clone(),
            })
            .collect(),
        version: f.one("version"),
    };
    let page = elderly_render(
        &st,
        l,
        &info,
        id,
        Some(typed),
        errors,
        None,
        Errors::default(),
        None,
        None,
    )
    .await?;
    Ok((status, Page(page)).into_response())
}

async fn visit_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let (status, errors) = match super::record_visit(&st, &info, id, f.visit()).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/persons/{id}/elderly?done=visit")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let typed = f.visit_form();
    let page = elderly_render(
        &st,
        l,
        &info,
        id,
        None,
        Errors::default(),
        Some(typed),
        errors,
        None,
        None,
    )
    .await?;
    Ok((status, Page(page)).into_response())
}

/// Shows one carer's full phone number on the archive page: a POST (never in a URL), audited as
/// `care.carer.reveal`, for roles that may reveal numbers.
async fn carer_reveal(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, cid)): P<(i64, i64)>,
) -> Result<Response, AppError> {
    let phone = super::reveal_carer_phone(&st, &info, id, cid)
        .await?
        .unwrap_or_default();
    let page = elderly_render(
        &st,
        l,
        &info,
        id,
        None,
        Errors::default(),
        None,
        Errors::default(),
        None,
        Some((cid, phone)),
    )
    .await?;
    Ok(Page(page).into_response())
}

#[derive(Template)]
#[template(path = "care_visit_edit.html")]
struct VisitEditPage {
    c: Chrome,
    p: PersonHead,
    visit_id: i64,
    visit: VisitForm,
    modes: Vec<Opt>,
    visit_errors: Errors,
    reason: String,
    delete_action: String,
    delete_reason: String,
    delete_errors: Errors,
}

/// The visit correction page: the saved visit (or the form as typed) and the delete form.
async fn visit_edit_render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    (id, vid): (i64, i64),
    typed: Option<(VisitForm, String, Errors)>,
    delete: Option<(String, Errors)>,
) -> Result<VisitEditPage, AppError> {
    let (o, e) = super::elderly(st, info, id).await?;
    if !o.may_write {
        return Err(AppError::forbidden());
    }
    let saved = e
        .iter()
        .flat_map(|e| &e.visits)
        .find(|v| v.id == vid)
        .ok_or(AppError::NotFound)?;
    let (visit, reason, visit_errors) = typed.unwrap_or_else(|| {
        let f = VisitForm {
            visited_on: saved.visited_on.clone(),
            visitor: saved.visitor.clone(),
            mode: saved.mode.clone(),
            findings: saved.findings.clone(),
            notes: saved.notes.clone(),
        };
        (f, String::new(), Errors::default())
    });
    let (delete_reason, delete_errors) = delete.unwrap_or_default();
    Ok(VisitEditPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/visits/{vid}/edit")),
        p: PersonHead::new(&o),
        visit_id: vid,
        modes: choices(l, &care::VISIT_MODES, &visit.mode),
        visit,
        visit_errors,
        reason,
        delete_action: format!("/persons/{id}/visits/{vid}/delete"),
        delete_reason,
        delete_errors,
    })
}

async fn visit_edit_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(ids): P<(i64, i64)>,
) -> Result<Response, AppError> {
    Ok(Page(visit_edit_render(&st, l, &info, ids, None, None).await?).into_response())
}

fn back_to_archive(id: i64, done: &str) -> Response {
    Redirect::to(&format!("/persons/{id}/elderly?done={done}")).into_response()
}

async fn visit_edit_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, vid)): P<(i64, i64)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let reason = f.one("reason");
    let (status, errors) = match super::update_visit(&st, &info, id, vid, f.visit(), &reason).await
    {
        Ok(_) => return Ok(back_to_archive(id, "corrected")),
        Err(e) => Errors::of_refusal(e, l, "visited_on")?,
    };
    let typed = Some((f.visit_form(), reason, errors));
    let page = visit_edit_render(&st, l, &info, (id, vid), typed, None).await?;
    Ok((status, Page(page)).into_response())
}

async fn visit_delete(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, vid)): P<(i64, i64)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let reason = FormData(f).one("reason");
    let (status, errors) = match super::delete_visit(&st, &info, id, vid, &reason).await {
        Ok(()) => return Ok(back_to_archive(id, "deleted")),
        Err(e) => Errors::of_refusal(e, l, "reason")?,
    };
    let page = visit_edit_render(&st, l, &info, (id, vid), None, Some((reason, errors))).await?;
    Ok((status, Page(page)).into_response())
}

// ------------------------------------------------------------------------------------ visit list

#[derive(Deserialize)]
struct VisitsQ {
    status: Option<String>,
    page: Option<i64>,
}

pub struct DueView {
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub living: String,
    pub last_visit: String,
    pub next_due: String,
    pub overdue: bool,
    pub days: i64,
}

pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "care_visits.html")]
struct VisitsPage {
    c: Chrome,
    tabs: Vec<Tab>,
    rows: Vec<DueView>,
    total: i64,
    pager: Pager,
    export_href: Option<String>,
}

async fn visits(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<VisitsQ>,
) -> Result<Response, AppError> {
    let status = q.status.clone().unwrap_or_default();
    let which = super::due_filter(Some(&status))?;
    let paging = Paging::new(q.page, Some(50));
    let listing = super::due_visits(&st, &info, which, paging).await?;
    let today = dates::today();
    let rows = listing
        .items
        .into_iter()
        .map(|r| {
            let due = dates::parse(&r.next_visit_due).unwrap_or(today);
            DueView {
                person_id: r.person_id,
                name: r.name,
                org_code: r.org_code,
                living: label(l, &care::LIVING_ARRANGEMENTS, &r.living_arrangement),
                last_visit: r.last_visit_on.unwrap_or_default(),
                next_due: r.next_visit_due,
                overdue: due < today,
                days: care::days_overdue(due, today),
            }
        })
        .collect();
    let href = |p: i64| format!("/care/visits?status={status}&page={p}");
    let tabs = [
        (
            "",
            "/care/visits",
            "全部(7 天内到期及逾期)",
            "All (due in 7 days or overdue)",
        ),
        (
            "overdue",
            "/care/visits?status=overdue",
            "已逾期",
            "Overdue",
        ),
        (
            "due",
            "/care/visits?status=due",
            "7 天内到期",
            "Due within 7 days",
        ),
    ]
    .into_iter()
    .map(|(s, href, zh, en)| Tab {
        href,
        label: l.t(zh, en),
        active: s == status.trim(),
    })
    .collect();
    Ok(Page(VisitsPage {
        c: Chrome::for_user(l, &info, "/care/visits"),
        export_href: crate::exports::href(
            &info,
            "/care/visits/export.xlsx",
            &[("status", Some(&status))],
        ),
        tabs,
        rows,
        total: listing.total,
        pager: Pager::new(paging, listing.total, None, href),
    })
    .into_response())
}

// ----------------------------------------------------------------------------------- children

pub struct GuardianForm {
    pub name: String,
    pub relations: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub notes: String,
}

pub struct AlertView {
    pub id: i64,
    pub label: String,
    pub age: i64,
    pub raised: String,
    pub open: bool,
    pub report: String,
}

#[derive(Default)]
struct GuardianshipValues {
    living: String,
    guardians: Vec<(String, String, String, String)>,
    school: String,
    grade: String,
    study: String,
    health: String,
    health_notes: String,
    social_support: String,
    notes: String,
    version: String,
}

#[derive(Template)]
#[template(path = "care_guardianship.html")]
struct GuardianshipPage {
    c: Chrome,
    p: PersonHead,
    is_child: bool,
    exists: bool,
    support: String,
    support_flag: bool,
    living_label: String,
    may_write: bool,
    living: Vec<Opt>,
    guardians: Vec<GuardianForm>,
    school: String,
    grade: String,
    studies: Vec<Opt>,
    healths: Vec<Opt>,
    health_notes: String,
    social_support: String,
    notes: String,
    version: String,
    alerts: Vec<AlertView>,
    errors: Errors,
    notice: Option<&'static str>,
}

fn guardianship_values(g: &Option<Guardianship>) -> GuardianshipValues {
    match g {
        None => GuardianshipValues::default(),
        Some(g) => GuardianshipValues {
            living: g.archive.living_situation.clone(),
            guardians: g
                .guardians
                .iter()
                .map(|x| {
                    (
                        x.name.clone(),
                        x.relation.clone(),
                        x.status.clone(),
                        x.notes.clone(),
                    )
                })
                .collect(),
            school: g.archive.school.clone(),
            grade: g.archive.grade.clone(),
            study: g.archive.study_status.clone().unwrap_or_default(),
            health: g.archive.health.clone().unwrap_or_default(),
            health_notes: g.archive.health_notes.clone(),
            social_support: g.archive.social_support.clone(),
            notes: g.archive.notes.clone(),
            version: g.archive.version.to_string(),
        },
    }
}

fn alert_view(l: Lang, a: &shegong_store::care::AlertRow) -> AlertView {
    AlertView {
        id: a.id,
        label: Gap::from_id(&a.kind)
            .map(|g| l.m(&g.label()).to_string())
            .unwrap_or_else(|| a.kind.clone()),
        age: a.age,
        raised: clock::display(a.raised_at),
        open: a.open(),
        report: match (&a.department, &a.reported_on, &a.method) {
            (Some(d), Some(on), Some(m)) => format!(
                "{on} {} {d}({})",
                a.reported_by.clone().unwrap_or_default(),
                label(l, &care::REPORT_METHODS, m)
            ),
            _ => String::new(),
        },
    }
}

async fn guardianship_render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<GuardianshipValues>,
    errors: Errors,
    notice: Option<&'static str>,
) -> Result<GuardianshipPage, AppError> {
    let (o, g) = super::guardianship(st, info, id).await?;
    let mut v = typed.unwrap_or_else(|| guardianship_values(&g));
    for _ in 0..2 {
        v.guardians.push(Default::default());
    }
    let support = g
        .as_ref()
        .map(|g| Support::from_id(&g.archive.support))
        .unwrap_or(Support::Unknown);
    Ok(GuardianshipPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/guardianship")),
        p: PersonHead::new(&o),
        is_child: o.age().is_some_and(|a| a < care::CHILD_AGE),
        exists: g.is_some(),
        support: l.m(&support.label()).to_string(),
        support_flag: support == Support::DeFactoUnsupported,
        living_label: g
            .as_ref()
            .map(|g| label(l, &care::LIVING_SITUATIONS, &g.archive.living_situation))
            .unwrap_or_default(),
        may_write: o.may_write,
        living: choices(l, &care::LIVING_SITUATIONS, &v.living),
        guardians: v
            .guardians
            .iter()
            .map(|(name, rel, status, notes)| GuardianForm {
                name: name.clone(),
                relations: choices(l, &care::RELATIONS, rel),
                statuses: choices(l, &care::GUARDIAN_STATUSES, status),
                notes: notes.clone(),
            })
            .collect(),
        school: v.school,
        grade: v.grade,
        studies: choices(l, &care::STUDY_STATUSES, &v.study),
        healths: choices(l, &care::CHILD_HEALTH, &v.health),
        health_notes: v.health_notes,
        social_support: v.social_support,
        notes: v.notes,
        version: v.version,
        alerts: g
            .as_ref()
            .map(|g| g.alerts.iter().map(|a| alert_view(l, a)).collect())
            .unwrap_or_default(),
        errors,
        notice,
    })
}

async fn guardianship_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let page = guardianship_render(
        &st,
        l,
        &info,
        id,
        None,
        Errors::default(),
        notice(l, q.done.as_deref()),
    )
    .await?;
    Ok(Page(page).into_response())
}

async fn guardianship_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let version = f.one("version").trim().parse::<i64>().ok();
    // Blank rows (every field empty, selects on "choose") are unused.
    let rows = f.rows(&["g_name", "g_relation", "g_status", "g_notes"]);
    let input = GuardianshipInput {
        living_situation: f.one("living_situation"),
        guardians: rows
            .iter()
            .map(|r| GuardianInput {
                name: r[0].clone(),
                relation: r[1].clone(),
                status: r[2].clone(),
                notes: Some(r[3].clone()),
            })
            .collect(),
        school: f.opt("school"),
        grade: f.opt("grade"),
        study_status: f.opt("study_status"),
        health: f.opt("health"),
        health_notes: f.opt("health_notes"),
        social_support: f.opt("social_support"),
        notes: f.opt("notes"),
    };
    let (status, errors) = match super::save_guardianship(&st, &info, id, version, input).await {
        Ok(r) => {
            let done = if r.alert_raised.is_some() {
                "alert"
            } else {
                "saved"
            };
            return Ok(
                Redirect::to(&format!("/persons/{id}/guardianship?done={done}")).into_response(),
            );
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let typed = GuardianshipValues {
        living: f.one("living_situation"),
        guardians: rows
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
            .collect(),
        school: f.one("school"),
        grade: f.one("grade"),
        study: f.one("study_status"),
        health: f.one("health"),
        health_notes: f.one("health_notes"),
        social_support: f.one("social_support"),
        notes: f.one("notes"),
        version: f.one("version"),
    };
    let page = guardianship_render(&st, l, &info, id, Some(typed), errors, None).await?;
    Ok((status, Page(page)).into_response())
}

// ------------------------------------------------------------------------------------ alerts

#[derive(Deserialize)]
struct AlertsQ {
    status: Option<String>,
    page: Option<i64>,
}

pub struct AlertRowView {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub label: String,
    pub age: i64,
    pub raised: String,
    pub open: bool,
    pub report: String,
}

#[derive(Template)]
#[template(path = "care_alerts.html")]
struct AlertsPage {
    c: Chrome,
    all: bool,
    rows: Vec<AlertRowView>,
    total: i64,
    pager: Pager,
    export_href: Option<String>,
}

async fn alerts(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<AlertsQ>,
) -> Result<Response, AppError> {
    let all = all_alerts(q.status.as_deref())?;
    let paging = Paging::new(q.page, Some(50));
    let listing = super::alerts(&st, &info, all, paging).await?;
    let rows = listing
        .items
        .into_iter()
        .map(|a| AlertRowView {
            label: Gap::from_id(&a.kind)
                .map(|g| l.m(&g.label()).to_string())
                .unwrap_or_else(|| a.kind.clone()),
            open: a.reported_on.is_none(),
            report: match (&a.reported_on, &a.department) {
                (Some(on), Some(d)) => format!("{on} {d}"),
                _ => String::new(),
            },
            raised: clock::display(a.raised_at),
            id: a.id,
            person_id: a.person_id,
            name: a.name,
            org_code: a.org_code,
            age: a.age,
        })
        .collect();
    let s = if all { "all" } else { "open" };
    let href = |p: i64| format!("/care/alerts?status={s}&page={p}");
    Ok(Page(AlertsPage {
        c: Chrome::for_user(l, &info, "/care/alerts"),
        export_href: crate::exports::href(
            &info,
            "/care/alerts/export.xlsx",
            &[("status", Some(s))],
        ),
        all,
        rows,
        total: listing.total,
        pager: Pager::new(paging, listing.total, None, href),
    })
    .into_response())
}

#[derive(Default)]
pub struct ReportForm {
    pub reported_by: String,
    pub department: String,
    pub reported_on: String,
    pub notes: String,
}

#[derive(Template)]
#[template(path = "care_alert.html")]
struct AlertPage {
    c: Chrome,
    a: AlertView,
    p_id: i64,
    p_name: String,
    may_write: bool,
    f: ReportForm,
    methods: Vec<Opt>,
    errors: Errors,
    notice: Option<&'static str>,
}

async fn alert_render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<(ReportForm, String)>,
    errors: Errors,
    notice: Option<&'static str>,
) -> Result<AlertPage, AppError> {
    let (a, p, may_write) = super::alert(st, info, id).await?;
    let (f, method) = typed.unwrap_or_else(|| {
        (
            ReportForm {
                reported_by: info.user.display_name.clone(),
                reported_on: dates::iso(dates::today()),
                ..Default::default()
            },
            "phone".to_string(),
        )
    });
    Ok(AlertPage {
        c: Chrome::for_user(l, info, "/care/alerts"),
        a: alert_view(l, &a),
        p_id: p.id,
        p_name: p.name,
        may_write,
        f,
        methods: choices(l, &care::REPORT_METHODS, &method),
        errors,
        notice,
    })
}

async fn alert_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let page = alert_render(
        &st,
        l,
        &info,
        id,
        None,
        Errors::default(),
        notice(l, q.done.as_deref()),
    )
    .await?;
    Ok(Page(page).into_response())
}

async fn alert_report(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let input = ReportInput {
        reported_by: f.one("reported_by"),
        department: f.one("department"),
        reported_on: f.one("reported_on"),
        method: f.one("method"),
        notes: f.opt("notes"),
    };
    let (status, errors) = match super::report(&st, &info, id, input).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/care/alerts/{id}?done=reported")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let typed = ReportForm {
        reported_by: f.one("reported_by"),
        department: f.one("department"),
        reported_on: f.one("reported_on"),
        notes: f.one("notes"),
    };
    let page = alert_render(
        &st,
        l,
        &info,
        id,
        Some((typed, f.one("method"))),
        errors,
        None,
    )
    .await?;
    Ok((status, Page(page)).into_response())
}
