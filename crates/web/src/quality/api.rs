//! `/api/v1/quality-reviews`, `/api/v1/quality-actions`, `/api/v1/quality-checklists`
//! (7.5.2.2, 10.5).

use super::Loaded;
use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::quality::{self, ActionInput, ReviewInput};
use shegong_store::quality::{ActionRow, ReviewRow};
use shegong_store::query::Page;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checklists))
        .routes(routes!(list, post_review))
        .routes(routes!(get_review))
        .routes(routes!(put_scores))
        .routes(routes!(post_complete))
        .routes(routes!(post_action))
        .routes(routes!(post_action_done))
        .routes(routes!(actions_due))
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    code: String,
    zh: String,
    en: String,
    clause: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistOut {
    version: u32,
    /// Each item scores 0 (not met), 1 (partly) or 2 (met).
    max_item_score: u8,
    items: Vec<ItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistList {
    items: Vec<ChecklistOut>,
}

/// The versions of the quality checklist, oldest first; new reviews use the last.
#[utoipa::path(get, path = "/api/v1/quality-checklists", tag = "quality",
    responses((status = 200, body = ChecklistList), (status = 403, body = Problem)))]
async fn checklists(Authed(info): Authed) -> ApiResult<Json<ChecklistList>> {
    super::reviewer(&info)?;
    Ok(Json(ChecklistList {
        items: quality::CHECKLISTS
            .iter()
            .map(|c| ChecklistOut {
                version: c.version,
                max_item_score: quality::MAX_ITEM_SCORE,
                items: c
                    .items
                    .iter()
                    .map(|i| ItemOut {
                        code: i.code.into(),
                        zh: i.zh.into(),
                        en: i.en.into(),
                        clause: i.clause.into(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewOut {
    id: i64,
    org_code: String,
    period_from: String,
    period_to: String,
    /// `count` or `percent`.
    size_kind: String,
    size_value: i64,
    /// The seed of the draw (decimal): with the same closed cases it draws the same sample.
    seed: String,
    /// How many closed cases the sample was drawn from.
    population: i64,
    checklist_version: i64,
    reviewed_on: String,
    findings: Option<String>,
    completed: bool,
}

impl From<ReviewRow> for ReviewOut {
    fn from(r: ReviewRow) -> Self {
        ReviewOut {
            completed: r.completed(),
            id: r.id,
            org_code: r.org_code,
            period_from: r.period_from,
            period_to: r.period_to,
            size_kind: r.size_kind,
            size_value: r.size_value,
            seed: r.seed,
            population: r.population,
            checklist_version: r.checklist_version,
            reviewed_on: r.reviewed_on,
            findings: r.findings,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    id: i64,
    review_id: i64,
    description: String,
    owner_id: i64,
    due_on: String,
    /// `open`, `overdue` or `done`.
    status: String,
    done_on: Option<String>,
    done_note: Option<String>,
}

impl From<ActionRow> for ActionOut {
    fn from(a: ActionRow) -> Self {
        let status = if a.done_on.is_some() {
            "done"
        } else if super::overdue(&a) {
            "overdue"
        } else {
            "open"
        };
        ActionOut {
            status: status.into(),
            id: a.id,
            review_id: a.review_id,
            description: a.description,
            owner_id: a.owner_id,
            due_on: a.due_on,
            done_on: a.done_on,
            done_note: a.done_note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    items: Vec<ReviewOut>,
    total: i64,
    /// The open improvement actions of the scope, earliest due first.
    open_actions: Vec<ActionOut>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The quality reviews of the user's scope, newest first.
#[utoipa::path(get, path = "/api/v1/quality-reviews", tag = "quality", params(PageQuery),
    responses((status = 200, body = ReviewList), (status = 403, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<PageQuery>,
) -> ApiResult<Json<ReviewList>> {
    let (l, open) = super::list(&st, &info, Page::new(q.page, q.per_page)).await?;
    Ok(Json(ReviewList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
        open_actions: open.into_iter().map(|a| a.row.into()).collect(),
    }))
}

/// A sample to draw.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// The org the cases belong to (in the user's scope); the user's own when not given.
    org_code: Option<String>,
    /// Cases closed from … to (YYYY-MM-DD, inclusive, not in the future).
    from: String,
    to: String,
    /// Either a number of cases (1–200) …
    count: Option<u32>,
    /// … or a share of the closed cases (1–100 per cent, rounded up).
    percent: Option<u32>,
    /// A seed to draw a recorded sample again; a fresh one when not given.
    seed: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    case_id: i64,
    position: i64,
    /// What the case's records show.
    evidence: BTreeMap<String, serde_json::Value>,
    /// Item code → score the records suggest (absent where only the reviewer can judge).
    suggested: BTreeMap<String, u8>,
    /// The person's satisfaction as the evaluation recorded it (`5` … `1`, `none`), if evaluated.
    satisfaction: Option<String>,
    /// Item code → score, once scored.
    scores: Option<BTreeMap<String, i64>>,
    total: Option<i64>,
    max: Option<i64>,
    percent: Option<u32>,
    grade: Option<String>,
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDetail {
    #[serde(flatten)]
    review: ReviewOut,
    cases: Vec<CaseOut>,
    actions: Vec<ActionOut>,
    /// The mean score of the scored cases, in per cent.
    mean_percent: Option<u32>,
    /// Satisfaction level → number of sampled cases (10.5).
    satisfaction: BTreeMap<String, usize>,
    /// The share of the sampled people who could say that were satisfied (4 or 5), per cent.
    satisfied_percent: Option<u32>,
}

fn detail(l: Loaded) -> ReviewDetail {
    let list = l.checklist();
    let (levels, share) = l.satisfaction();
    let mean = l.mean_percent();
    let cases = l
        .cases
        .into_iter()
        .map(|c| {
            let e = c.evidence;
            let s = &c.score;
            let percent = match (s.total, s.max_total) {
                (Some(t), Some(m)) => Some(quality::percent(t as u32, m as u32)),
                _ => None,
            };
            CaseOut {
                case_id: s.case_id,
                position: s.position,
                evidence: BTreeMap::from([
                    ("intake_complete".into(), e.intake_complete.into()),
                    ("needs".into(), e.needs.into()),
                    ("plan".into(), e.plan.into()),
                    ("services".into(), e.services.into()),
                    ("evaluation".into(), e.evaluation.into()),
                    ("closing".into(), e.closing.into()),
                    ("consent".into(), e.consent.into()),
                ]),
                suggested: quality::suggested(list, &e)
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v?)))
                    .collect(),
                satisfaction: c.satisfaction.map(Into::into),
                scores: s.scores.is_some().then(|| s.items().into_iter().collect()),
                total: s.total,
                max: s.max_total,
                grade: percent.map(|p| quality::grade(p).zh.to_string()),
                percent,
                note: s.note.clone(),
            }
        })
        .collect();
    ReviewDetail {
        cases,
        actions: l.review.actions.into_iter().map(|a| a.row.into()).collect(),
        mean_percent: mean,
        satisfaction: levels
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        satisfied_percent: share,
        review: l.review.review.into(),
    }
}

/// Draws a random sample of the closed cases of a period and records it with its seed.
#[utoipa::path(post, path = "/api/v1/quality-reviews", tag = "quality", request_body = ReviewIn,
    responses((status = 201, body = ReviewDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_review(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<ReviewIn>,
) -> ApiResult<(StatusCode, Json<ReviewDetail>)> {
    let input = ReviewInput {
        org_code: b.org_code,
        from: b.from,
        to: b.to,
        count: b.count,
        percent: b.percent,
        seed: b.seed,
    };
    let id = super::draw(&st, &info, input).await?;
    let l = super::load(&st, &info, id).await?;
    Ok((StatusCode::CREATED, Json(detail(l))))
}

/// A review with its sampled cases (evidence, suggested and given scores, satisfaction) and
/// its improvement actions.
#[utoipa::path(get, path = "/api/v1/quality-reviews/{id}", tag = "quality", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_review(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<ReviewDetail>> {
    Ok(Json(detail(super::load(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresIn {
    /// Item code → 0, 1 or 2, every item of the review's checklist.
    scores: BTreeMap<String, i64>,
    note: Option<String>,
}

/// Scores a sampled case; the system sums and grades. Allowed until the review is completed (409).
#[utoipa::path(put, path = "/api/v1/quality-reviews/{id}/cases/{case_id}", tag = "quality",
    params(("id" = i64, Path), ("case_id" = i64, Path)), request_body = ScoresIn,
    responses((status = 200, body = ReviewDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_scores(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, case_id)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ScoresIn>,
) -> ApiResult<Json<ReviewDetail>> {
    let scores = b.scores.into_iter().collect();
    super::score(&st, &info, id, case_id, scores, &b.note.unwrap_or_default()).await?;
    Ok(Json(detail(super::load(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIn {
    findings: String,
}

/// Completes the review with its findings, once every sampled case is scored (409 otherwise).
#[utoipa::path(post, path = "/api/v1/quality-reviews/{id}/complete", tag = "quality", params(("id" = i64, Path)), request_body = CompleteIn,
    responses((status = 200, body = ReviewDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_complete(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<CompleteIn>,
) -> ApiResult<Json<ReviewDetail>> {
    super::complete(&st, &info, id, &b.findings).await?;
    Ok(Json(detail(super::load(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    description: String,
    /// The responsible account, of the reviewed org.
    owner: i64,
    /// YYYY-MM-DD, not before the review and within a year of it.
    due_on: String,
}

/// Adds an improvement action (10.5).
#[utoipa::path(post, path = "/api/v1/quality-reviews/{id}/actions", tag = "quality", params(("id" = i64, Path)), request_body = ActionIn,
    responses((status = 201, body = ActionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_action(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ActionIn>,
) -> ApiResult<(StatusCode, Json<ActionOut>)> {
    let input = ActionInput {
        description: b.description,
        owner: Some(b.owner),
        due_on: b.due_on,
    };
    let aid = super::add_action(&st, &info, id, input).await?;
    let l = super::load(&st, &info, id).await?;
    let a = l
        .review
        .actions
        .into_iter()
        .find(|a| a.row.id == aid)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(a.row.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneIn {
    /// What was done.
    note: String,
}

/// Marks an improvement action done: its owner or a reviewer of its org; once (409 after).
#[utoipa::path(post, path = "/api/v1/quality-actions/{id}/done", tag = "quality", params(("id" = i64, Path)), request_body = DoneIn,
    responses((status = 200, body = ActionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_action_done(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<DoneIn>,
) -> ApiResult<Json<ActionOut>> {
    Ok(Json(
        super::finish_action(&st, &info, id, &b.note).await?.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ActionList {
    items: Vec<ActionOut>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Due within this many days (0–366, default 30); overdue ones always.
    days: Option<i64>,
}

/// The open improvement actions the user owns, due within `days` or overdue, earliest first.
#[utoipa::path(get, path = "/api/v1/quality-actions/due", tag = "quality", params(DueQuery),
    responses((status = 200, body = ActionList), (status = 422, body = Problem)))]
async fn actions_due(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<DueQuery>,
) -> ApiResult<Json<ActionList>> {
    let days = q.days.unwrap_or(30);
    if !(0..=quality::MAX_ACTION_DAYS).contains(&days) {
        return Err(crate::error::AppError::invalid(
            "days",
            shegong_domain::Msg::new("天数应为 0 至 366", "days is 0 to 366"),
        ));
    }
    let items = super::my_actions(&st, &info, days).await?;
    Ok(Json(ActionList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
