//! Quality review pages: `/quality` (the reviews and the open improvement actions, overdue
//! marked), `/quality/new` (draw a sample), `/quality/{id}` (score the sampled cases on the
//! checklist, write the findings, add and close actions) — 7.5.2.2, 10.5.

use crate::auth::{AuthInfo, Authed};
use crate::care::pages::FormData;
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, opts};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::case::evaluation::SATISFACTION;
use shegong_domain::org::OrgCode;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::quality::{self, ActionInput, ITEM_SCORES, ReviewInput};
use shegong_domain::scope::Scope;
use shegong_domain::{care, dates};
use shegong_store::query::Page as Paging;
use shegong_store::users;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quality", get(list_page))
        .route("/quality/new", get(new_page).post(draw))
        .route("/quality/{id}", get(review_page))
        .route("/quality/{id}/cases/{case_id}", post(score))
        .route("/quality/{id}/complete", post(complete))
        .route("/quality/{id}/actions", post(add_action))
        .route("/quality/actions/{aid}/done", post(action_done))
}

/// An improvement action as a row.
pub struct ActionView {
    pub id: i64,
    pub review_id: i64,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub overdue: bool,
    pub done_on: String,
    pub done_note: String,
}

fn action_view(a: shegong_store::quality::Action) -> ActionView {
    ActionView {
        overdue: super::overdue(&a.row),
        id: a.row.id,
        review_id: a.row.review_id,
        description: a.row.description,
        owner: a.owner_name,
        due_on: a.row.due_on,
        done_on: a.row.done_on.unwrap_or_default(),
        done_note: a.row.done_note.unwrap_or_default(),
    }
}

pub struct ReviewLine {
    pub id: i64,
    pub org_code: String,
    pub period: String,
    pub size: String,
    pub population: i64,
    pub reviewed_on: String,
    pub completed: bool,
}

#[derive(Template)]
#[template(path = "quality_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ReviewLine>,
    total: i64,
    pager: Pager,
    actions: Vec<ActionView>,
}

#[derive(Deserialize)]
struct PageQ {
    page: Option<i64>,
}

fn size_label(l: Lang, r: &shegong_store::quality::ReviewRow) -> String {
    match r.size() {
        quality::SampleSize::Count(n) => format!("{n} {}", l.t("件", "cases")),
        quality::SampleSize::Percent(p) => format!("{p}%"),
    }
}

async fn list_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<PageQ>,
) -> Result<Response, AppError> {
    let paging = Paging::new(q.page, Some(50));
    let (listing, open) = super::list(&st, &info, paging).await?;
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/quality"),
        rows: listing
            .items
            .iter()
            .map(|r| ReviewLine {
                id: r.id,
                org_code: r.org_code.clone(),
                period: format!("{} — {}", r.period_from, r.period_to),
                size: size_label(l, r),
                population: r.population,
                reviewed_on: r.reviewed_on.clone(),
                completed: r.completed(),
            })
            .collect(),
        total: listing.total,
        pager: Pager::new(paging, listing.total, None, |p| {
            format!("/quality?page={p}")
        }),
        actions: open.into_iter().map(action_view).collect(),
    })
    .into_response())
}

// ------------------------------------------------------------------------------------ draw

#[derive(Default)]
pub struct DrawForm {
    pub org_code: String,
    pub from: String,
    pub to: String,
    pub count: String,
    pub percent: String,
    pub seed: String,
}

#[derive(Template)]
#[template(path = "quality_new.html")]
struct NewPage {
    c: Chrome,
    f: DrawForm,
    errors: Errors,
}

async fn new_page(l: Lang, Authed(info): Authed) -> Result<Response, AppError> {
    super::reviewer(&info)?;
    let today = dates::today();
    Ok(Page(NewPage {
        c: Chrome::for_user(l, &info, "/quality"),
        f: DrawForm {
            org_code: info.user.org_code.clone(),
            from: dates::iso(today - time::Duration::days(90)),
            to: dates::iso(today),
            count: "5".into(),
            ..Default::default()
        },
        errors: Errors::default(),
    })
    .into_response())
}

async fn draw(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let form = DrawForm {
        org_code: f.one("org_code"),
        from: f.one("from"),
        to: f.one("to"),
        count: f.one("count"),
        percent: f.one("percent"),
        seed: f.one("seed"),
    };
    let mut errors = shegong_domain::Invalid::new();
    let mut number = |field: &'static str, v: &str| -> Option<u64> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        let n = v.parse::<u64>().ok();
        if n.is_none() {
            errors.add(
                field,
                shegong_domain::Msg::new("请填写整数", "a whole number"),
            );
        }
        n
    };
    let count = number("count", &form.count);
    let percent = number("percent", &form.percent);
    let seed = number("seed", &form.seed);
    let result = if errors.is_empty() {
        let input = ReviewInput {
            org_code: Some(form.org_code.clone()),
            from: form.from.clone(),
            to: form.to.clone(),
            count: count.map(|n| n.min(u64::from(u32::MAX)) as u32),
            percent: percent.map(|n| n.min(u64::from(u32::MAX)) as u32),
            seed,
        };
        super::draw(&st, &info, input).await
    } else {
        Err(AppError::Invalid(errors))
    };
    let (status, errors) = match result {
        Ok(id) => return Ok(Redirect::to(&format!("/quality/{id}")).into_response()),
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    Ok((
        status,
        Page(NewPage {
            c: Chrome::for_user(l, &info, "/quality"),
            f: form,
            errors,
        }),
    )
        .into_response())
}

// ------------------------------------------------------------------------------------ review

pub struct ItemRow {
    pub code: String,
    pub label: String,
    pub clause: String,
    pub options: Vec<Opt>,
    /// The score given, or "—".
    pub given: String,
}

pub struct CaseRow {
    pub case_id: i64,
    pub position: i64,
    pub evidence: Vec<(String, bool)>,
    pub services: usize,
    pub satisfaction: String,
    pub scored: bool,
    pub result: String,
    pub note: String,
    pub items: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "quality_review.html")]
struct ReviewPage {
    c: Chrome,
    id: i64,
    org_code: String,
    period: String,
    size: String,
    seed: String,
    population: i64,
    checklist_version: i64,
    reviewed_on: String,
    completed: bool,
    findings: String,
    scored: usize,
    mean: String,
    satisfaction: Vec<(String, usize)>,
    satisfied: String,
    /// Links to the case pages (for roles that read cases; a purchaser sees no personal data).
    case_links: bool,
    cases: Vec<CaseRow>,
    actions: Vec<ActionView>,
    owners: Vec<Opt>,
    errors: Errors,
}

async fn render_review(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    errors: Errors,
) -> Result<ReviewPage, AppError> {
    let loaded = super::load(st, info, id).await?;
    let list = loaded.checklist();
    let (levels, share) = loaded.satisfaction();
    let mean = loaded.mean_percent();
    let r = &loaded.review.review;
    let org = r.org_code.clone();
    let scope = info.principal.scope.clone();
    let owners = st
        .read(move |c| {
            let f = users::Filter {
                org_code: OrgCode::parse(&org).ok(),
                ..Default::default()
            };
            let inside = Scope::new(OrgCode::parse(&org).into_iter().collect());
            Ok(
                users::list(c, &scope, &f, Paging::new(Some(1), Some(200)), 0)?
                    .items
                    .into_iter()
                    .filter(|u| inside.contains(&u.org_code))
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let cases = loaded
        .cases
        .iter()
        .map(|cv| {
            let e = cv.evidence;
            let given = cv.score.items();
            let suggested = quality::suggested(list, &e);
            CaseRow {
                case_id: cv.score.case_id,
                position: cv.score.position,
                evidence: vec![
                    (
                        l.t("接案完整", "intake complete").to_string(),
                        e.intake_complete,
                    ),
                    (l.t("需求评估", "needs assessed").to_string(), e.needs),
                    (l.t("服务计划", "plan").to_string(), e.plan),
                    (l.t("服务评价", "evaluation").to_string(), e.evaluation),
                    (l.t("结案记录", "closing").to_string(), e.closing),
                    (l.t("知情同意", "consent").to_string(), e.consent),
                ],
                services: e.services,
                satisfaction: cv
                    .satisfaction
                    .map(|s| l.m(&care::label(&SATISFACTION, s)).to_string())
                    .unwrap_or_else(|| l.t("未记录", "not recorded").to_string()),
                scored: cv.score.scores.is_some(),
                result: match (cv.score.total, cv.score.max_total) {
                    (Some(t), Some(m)) => {
                        let p = quality::percent(t as u32, m as u32);
                        format!("{t}/{m} · {p}% · {}", l.m(&quality::grade(p)))
                    }
                    _ => String::new(),
                },
                note: cv.score.note.clone(),
                items: list
                    .items
                    .iter()
                    .map(|i| {
                        let now = given.iter().find(|g| g.0 == i.code).map(|g| g.1);
                        let hint = suggested
                            .iter()
                            .find(|s| s.0 == i.code)
                            .and_then(|s| s.1)
                            .map(i64::from);
                        let chosen = now.or(hint).map(|s| s.to_string()).unwrap_or_default();
                        ItemRow {
                            code: i.code.to_string(),
                            label: l.t(i.zh, i.en).to_string(),
                            clause: i.clause.to_string(),
                            options: opts(
                                ITEM_SCORES.iter().map(|(s, zh, en)| {
                                    (s.to_string(), format!("{s} {}", l.t(zh, en)))
                                }),
                                &chosen,
                            ),
                            given: now.map_or("—".into(), |s| s.to_string()),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(ReviewPage {
        c: Chrome::for_user(l, info, "/quality"),
        id,
        org_code: r.org_code.clone(),
        period: format!("{} — {}", r.period_from, r.period_to),
        size: size_label(l, r),
        seed: r.seed.clone(),
        population: r.population,
        checklist_version: r.checklist_version,
        reviewed_on: r.reviewed_on.clone(),
        completed: r.completed(),
        findings: r.findings.clone().unwrap_or_default(),
        scored: loaded.review.scored(),
        mean: mean.map_or("—".into(), |m| format!("{m}%")),
        satisfaction: levels
            .into_iter()
            .map(|(code, n)| (l.m(&care::label(&SATISFACTION, code)).to_string(), n))
            .collect(),
        satisfied: share.map_or("—".into(), |s| format!("{s}%")),
        case_links: role_may(info.user.role(), Action::ReadRecord),
        cases,
        actions: loaded
            .review
            .actions
            .iter()
            .cloned()
            .map(action_view)
            .collect(),
        owners: opts(
            owners.into_iter().map(|u| {
                (
                    u.id.to_string(),
                    format!("{}({})", u.display_name, u.org_code),
                )
            }),
            "",
        ),
        errors,
    })
}

async fn review_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    Ok(Page(render_review(&st, l, &info, id, Errors::default()).await?).into_response())
}

/// After a post: back to the review, or the review again with the refusal shown.
async fn after(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    r: Result<(), AppError>,
    anchor: &str,
) -> Result<Response, AppError> {
    let (status, errors) = match r {
        Ok(()) => return Ok(Redirect::to(&format!("/quality/{id}#{anchor}")).into_response()),
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    Ok((status, Page(render_review(st, l, info, id, errors).await?)).into_response())
}

const SCORE_PREFIX: &str = "s_";

async fn score(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, case_id)): P<(i64, i64)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    // An unparsable score is kept as out of range, so the domain refuses it with its message.
    let scores: Vec<(String, i64)> =
        f.0.iter()
            .filter_map(|(k, v)| {
                Some((
                    k.strip_prefix(SCORE_PREFIX)?.to_string(),
                    v.trim().parse().unwrap_or(-1),
                ))
            })
            .collect();
    let r = super::score(&st, &info, id, case_id, scores, &f.one("note")).await;
    after(&st, l, &info, id, r, &format!("c{case_id}")).await
}

async fn complete(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let r = super::complete(&st, &info, id, &f.one("findings")).await;
    after(&st, l, &info, id, r, "findings").await
}

async fn add_action(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let input = ActionInput {
        description: f.one("description"),
        owner: f.one("owner").trim().parse().ok(),
        due_on: f.one("due_on"),
    };
    let r = super::add_action(&st, &info, id, input).await.map(|_| ());
    after(&st, l, &info, id, r, "actions").await
}

async fn action_done(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(aid): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let reviewer = super::reviewer(&info).is_ok();
    match super::finish_action(&st, &info, aid, &f.one("note")).await {
        Ok(a) if reviewer => {
            Ok(Redirect::to(&format!("/quality/{}#actions", a.review_id)).into_response())
        }
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(e) => match f.one("review_id").trim().parse::<i64>() {
            Ok(id) if reviewer => after(&st, l, &info, id, Err(e), "actions").await,
            _ => Err(e),
        },
    }
}
