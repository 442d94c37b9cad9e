//! Assessment pages: `/persons/{id}/assessments` (a person's results over time, a table and a
//! server-drawn SVG chart per instrument), `/persons/{id}/assessments/new?code=…` (the form: one
//! group of radio buttons per item, usable on a phone without JavaScript), and
//! `/assessments/due` (re-assessments due and overdue, overdue highlighted).

use crate::auth::{AuthInfo, Authed};
use crate::care::pages::{FormData, PersonHead, Tab};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, choices};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use shegong_domain::assessment::deployment::describe;
use shegong_domain::assessment::score::SUPPORT_KINDS;
use shegong_domain::assessment::{AssessmentInput, Definition, SupportInput};
use shegong_domain::dates;
use shegong_store::assessments::Record;
use shegong_store::query::Page as Paging;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments/due", get(due_page))
        .route("/persons/{id}/assessments", get(list_page).post(save))
        .route("/persons/{id}/assessments/new", get(new_page))
}

// ------------------------------------------------------------------------------------ results

/// One result as a row of the table.
pub struct Row {
    pub id: i64,
    pub assessed_on: String,
    pub score: i64,
    pub band: String,
    pub alarm: bool,
    pub assessors: String,
    pub referral_to: String,
    pub next_due: String,
    pub version: i64,
}

pub struct ChartPoint {
    pub x: i64,
    pub y: i64,
    pub label: String,
}

/// A line chart of one instrument's scores, drawn on the server (viewBox 320 × 160, scaled to the
/// screen's width).
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub line: String,
    pub points: Vec<ChartPoint>,
    pub top: String,
    pub bottom: String,
    pub first: String,
    pub last: String,
}

const LEFT: i64 = 36;
const RIGHT: i64 = 308;
const TOP: i64 = 12;
const BOTTOM: i64 = 128;

fn chart(l: Lang, def: &Definition, rows: &[&Record]) -> Chart {
    let (lo, hi) = def.range();
    let span = i64::from((hi - lo).max(1));
    let days: Vec<i64> = rows
        .iter()
        .map(|r| {
            dates::parse(&r.assessed_on)
                .map(|d| i64::from(d.to_julian_day()))
                .unwrap_or_default()
        })
        .collect();
    let first = days.iter().copied().min().unwrap_or_default();
    let width = days.iter().copied().max().unwrap_or_default() - first;
    let points: Vec<ChartPoint> = rows
        .iter()
        .zip(&days)
        .map(|(r, d)| ChartPoint {
            x: if width == 0 {
                (LEFT + RIGHT) / 2
            } else {
                LEFT + (d - first) * (RIGHT - LEFT) / width
            },
            y: BOTTOM - (r.score - i64::from(lo)).clamp(0, span) * (BOTTOM - TOP) / span,
            label: format!("{}:{} {}", r.assessed_on, r.score, l.t("分", "points")),
        })
        .collect();
    let name = l.m(&def.name()).to_string();
    Chart {
        id: format!("chart-{}", def.code),
        title: format!("{name} {}", l.t("得分变化", "scores over time")),
        desc: points
            .iter()
            .map(|p| p.label.clone())
            .collect::<Vec<_>>()
            .join(";"),
        line: points
            .iter()
            .map(|p| format!("{},{}", p.x, p.y))
            .collect::<Vec<_>>()
            .join(" "),
        points,
        top: hi.to_string(),
        bottom: lo.to_string(),
        first: rows
            .first()
            .map(|r| r.assessed_on.clone())
            .unwrap_or_default(),
        last: rows
            .last()
            .map(|r| r.assessed_on.clone())
            .unwrap_or_default(),
    }
}

/// One instrument's results.
pub struct Section {
    pub code: String,
    pub name: String,
    pub clause: String,
    pub rows: Vec<Row>,
    pub chart: Chart,
}

/// The result just recorded, shown on top.
pub struct Recorded {
    pub name: String,
    pub score: i64,
    pub band: String,
    pub alarm: bool,
    pub child_check: bool,
    pub referral_to: String,
    pub next_due: String,
}

pub struct Instrument {
    pub code: String,
    pub name: String,
    pub clause: String,
}

fn instruments(l: Lang, defs: Vec<&Definition>) -> Vec<Instrument> {
    defs.into_iter()
        .map(|d| Instrument {
            code: d.code.clone(),
            name: l.m(&d.name()).to_string(),
            clause: d.clause.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "assessments_person.html")]
struct ListPage {
    c: Chrome,
    p: PersonHead,
    may_write: bool,
    instruments: Vec<Instrument>,
    sections: Vec<Section>,
    recorded: Option<Recorded>,
}

#[derive(Deserialize)]
struct ListQ {
    recorded: Option<i64>,
}

fn band_label(l: Lang, r: &Record) -> String {
    l.m(&super::band_label(r)).to_string()
}

async fn list_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<ListQ>,
) -> Result<Response, AppError> {
    let (o, list) = super::of_person(&st, &info, id).await?;
    let mut sections: Vec<Section> = Vec::new();
    for r in &list {
        if sections.iter().any(|s| s.code == r.code) {
            continue;
        }
        let Some(def) = st.cfg.instruments.latest(&r.code) else {
            continue;
        };
        let mine: Vec<&Record> = list.iter().filter(|x| x.code == r.code).collect();
        sections.push(Section {
            code: r.code.clone(),
            name: l.m(&def.name()).to_string(),
            clause: def.clause.clone(),
            chart: chart(l, def, &mine),
            rows: mine
                .iter()
                .rev()
                .map(|r| Row {
                    id: r.id,
                    assessed_on: r.assessed_on.clone(),
                    score: r.score,
                    band: band_label(l, r),
                    alarm: super::alarming(r),
                    assessors: r.assessors.join("、"),
                    referral_to: r.referral_to.clone().unwrap_or_default(),
                    next_due: r.next_due.clone().unwrap_or_default(),
                    version: r.version,
                })
                .collect(),
        });
    }
    let recorded = q
        .recorded
        .and_then(|rid| list.iter().find(|r| r.id == rid))
        .map(|r| Recorded {
            name: r
                .definition()
                .map_or_else(|| r.code.clone(), |d| l.m(&d.name()).to_string()),
            score: r.score,
            band: band_label(l, r),
            alarm: super::alarming(r),
            child_check: r.code == super::CHILD_ONLY,
            referral_to: r.referral_to.clone().unwrap_or_default(),
            next_due: r.next_due.clone().unwrap_or_default(),
        });
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, &format!("/persons/{id}/assessments")),
        p: PersonHead::new(&o),
        may_write: o.may_write,
        instruments: instruments(l, super::offered(&st, o.age())),
        sections,
        recorded,
    })
    .into_response())
}

// ------------------------------------------------------------------------------------ the form

pub struct ItemForm {
    pub code: String,
    pub label: String,
    pub options: Vec<Opt>,
}

pub struct SupportForm {
    pub kinds: Vec<Opt>,
    pub source: String,
    pub what: String,
}

/// What the form shows: the stored defaults, or what was typed.
struct Typed {
    assessed_on: String,
    answers: Vec<(String, String)>,
    assessors: Vec<String>,
    notes: String,
    referral_to: String,
    supports: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "assessments_new.html")]
struct NewPage {
    c: Chrome,
    p: PersonHead,
    code: String,
    name: String,
    clause: String,
    source: String,
    /// The bands the score falls in (the deployment's, where configured: 8.2.3.1).
    bands: Vec<String>,
    need: u8,
    refers: bool,
    child_check: bool,
    notes_required: bool,
    items: Vec<ItemForm>,
    assessed_on: String,
    assessors: Vec<String>,
    notes: String,
    referral_to: String,
    supports: Option<Vec<SupportForm>>,
    errors: Errors,
}

#[derive(Deserialize)]
struct NewQ {
    code: Option<String>,
}

async fn render_form(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    code: &str,
    typed: Option<Typed>,
    errors: Errors,
) -> Result<NewPage, AppError> {
    let o = crate::care::open_for_writing(st, info, id).await?;
    let def = super::instrument(st, code, o.age())?;
    let t = typed.unwrap_or_else(|| Typed {
        assessed_on: dates::iso(dates::today()),
        answers: Vec::new(),
        assessors: vec![info.user.display_name.clone()],
        notes: String::new(),
        referral_to: String::new(),
        supports: Vec::new(),
    });
    let mut assessors = t.assessors;
    assessors.resize(usize::from(def.assessors).max(2), String::new());
    let mut supports = t.supports;
    supports.resize(supports.len() + 3, vec![String::new(); 3]);
    Ok(NewPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/assessments")),
        p: PersonHead::new(&o),
        code: def.code.clone(),
        name: l.m(&def.name()).to_string(),
        clause: def.clause.clone(),
        source: def.source.clone(),
        bands: def
            .bands
            .iter()
            .filter(|b| b.min.is_some())
            .map(|b| l.m(&describe(b)).to_string())
            .collect(),
        need: def.assessors,
        refers: def.bands.iter().any(|b| b.referral),
        child_check: def.code == super::CHILD_ONLY,
        notes_required: def.notes_required,
        items: def
            .items
            .iter()
            .map(|i| {
                let chosen = t
                    .answers
                    .iter()
                    .find(|(k, _)| *k == i.code)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default();
                ItemForm {
                    code: i.code.clone(),
                    label: l.t(&i.zh, &i.en).to_string(),
                    options: i
                        .options
                        .iter()
                        .map(|o| Opt {
                            code: o.code.clone(),
                            label: format!(
                                "{}({} {})",
                                l.t(&o.zh, &o.en),
                                o.points,
                                l.t("分", "pt")
                            ),
                            selected: o.code == chosen,
                        })
                        .collect(),
                }
            })
            .collect(),
        assessed_on: t.assessed_on,
        assessors,
        notes: t.notes,
        referral_to: t.referral_to,
        supports: def.supports.then(|| {
            supports
                .into_iter()
                .map(|r| SupportForm {
                    kinds: choices(l, &SUPPORT_KINDS, &r[0]),
                    source: r[1].clone(),
                    what: r[2].clone(),
                })
                .collect()
        }),
        errors,
    })
}

async fn new_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<NewQ>,
) -> Result<Response, AppError> {
    let code = q.code.unwrap_or_default();
    let page = render_form(&st, l, &info, id, &code, None, Errors::default()).await?;
    Ok(Page(page).into_response())
}

/// The answers of a posted form: radio groups are named `a_<item code>`.
const ANSWER_PREFIX: &str = "a_";

async fn save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let code = f.one("code");
    let answers: Vec<(String, String)> =
        f.0.iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(ANSWER_PREFIX)?.to_string(), v.clone())))
            .collect();
    let supports = f.rows(&["support_kind", "support_source", "support_what"]);
    let input = AssessmentInput {
        assessed_on: f.one("assessed_on"),
        answers: answers.iter().cloned().collect(),
        assessors: f
            .all("assessor")
            .into_iter()
            .filter(|a| !a.trim().is_empty())
            .collect(),
        notes: f.opt("notes"),
        referral_to: f.opt("referral_to"),
        supports: supports
            .iter()
            .map(|r| SupportInput {
                kind: r[0].clone(),
                source: r[1].clone(),
                what: Some(r[2].clone()),
            })
            .collect(),
    };
    let (status, errors) = match super::record(&st, &info, id, &code, input).await {
        Ok((aid, _)) => {
            return Ok(
                Redirect::to(&format!("/persons/{id}/assessments?recorded={aid}")).into_response(),
            );
        }
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let typed = Typed {
        assessed_on: f.one("assessed_on"),
        answers,
        assessors: f.all("assessor"),
        notes: f.one("notes"),
        referral_to: f.one("referral_to"),
        supports,
    };
    let page = render_form(&st, l, &info, id, &code, Some(typed), errors).await?;
    Ok((status, Page(page)).into_response())
}

// ------------------------------------------------------------------------------------ due list

#[derive(Deserialize)]
struct DueQ {
    status: Option<String>,
    page: Option<i64>,
}

pub struct DueView {
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub instrument: String,
    pub last: String,
    pub next_due: String,
    pub overdue: bool,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "assessments_due.html")]
struct DuePage {
    c: Chrome,
    tabs: Vec<Tab>,
    rows: Vec<DueView>,
    total: i64,
    pager: Pager,
}

async fn due_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<DueQ>,
) -> Result<Response, AppError> {
    let status = q.status.clone().unwrap_or_default();
    let which = super::due_filter(Some(&status))?;
    let paging = Paging::new(q.page, Some(50));
    let listing = super::due(&st, &info, which, paging).await?;
    let rows = listing
        .items
        .into_iter()
        .map(|r| {
            let days = super::days_overdue(&r.next_due);
            let version = u32::try_from(r.version).unwrap_or_default();
            DueView {
                instrument: shegong_domain::assessment::find(&r.code, version)
                    .map(|d| l.m(&d.name()).to_string())
                    .unwrap_or_else(|| r.code.clone()),
                last: format!("{} · {} {}", r.assessed_on, r.score, l.t("分", "points")),
                person_id: r.person_id,
                name: r.name,
                org_code: r.org_code,
                next_due: r.next_due,
                overdue: days > 0,
                days,
            }
        })
        .collect();
    let href = |p: i64| format!("/assessments/due?status={status}&page={p}");
    let tabs = [
        ("", "/assessments/due", l.t("全部", "All")),
        (
            "overdue",
            "/assessments/due?status=overdue",
            l.t("已逾期", "Overdue"),
        ),
        (
            "due",
            "/assessments/due?status=due",
            l.t("30 天内到期", "Due within 30 days"),
        ),
    ]
    .into_iter()
    .map(|(s, href, label)| Tab {
        href,
        label,
        active: s == status.trim(),
    })
    .collect();
    Ok(Page(DuePage {
        c: Chrome::for_user(l, &info, "/assessments/due"),
        tabs,
        rows,
        total: listing.total,
        pager: Pager::new(paging, listing.total, None, href),
    })
    .into_response())
}
