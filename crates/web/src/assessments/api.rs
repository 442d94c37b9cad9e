//! `/api/v1/assessments/definitions`, `/api/v1/persons/{id}/assessments`,
//! `/api/v1/assessments/due` (issue 4 point 4; 8.1.1.3, 8.2.3.1, 8.2.6.1, 8.3.4.2, 8.2.5.1).

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::persons::ensure_reader;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::assessment::{AssessmentInput, Definition, SupportInput};
use shegong_store::assessments::{DueRow, Record};
use shegong_store::query::Page;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(definitions))
        .routes(routes!(list_of_person, post_assessment))
        .routes(routes!(due_list))
}

#[derive(Serialize, ToSchema)]
pub struct OptionOut {
    code: String,
    zh: String,
    en: String,
    points: i32,
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    code: String,
    zh: String,
    en: String,
    options: Vec<OptionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct BandOut {
    code: String,
    zh: String,
    en: String,
    /// The scores the band holds; null for a band reached only through an answer that raises it.
    min: Option<i32>,
    max: Option<i32>,
    /// A result in this band must name where the person is referred (`referral_to`).
    referral: bool,
}

/// An instrument as the system scores it: the score is the sum of the chosen answers' points.
#[derive(Serialize, ToSchema)]
pub struct DefinitionOut {
    code: String,
    version: u32,
    name_zh: String,
    name_en: String,
    clause: String,
    source: String,
    /// How many different assessors the rule asks for.
    assessors: u8,
    /// Months until the next assessment is due (Barthel: 6).
    reassess_months: Option<u8>,
    /// Whether formal and informal supports are listed (LSNS-6, 8.2.6.1).
    supports: bool,
    notes_required: bool,
    /// [lowest, highest] score.
    range: Vec<i32>,
    items: Vec<ItemOut>,
    bands: Vec<BandOut>,
}

impl From<&Definition> for DefinitionOut {
    fn from(d: &Definition) -> Self {
        let (lo, hi) = d.range();
        DefinitionOut {
            code: d.code.clone(),
            version: d.version,
            name_zh: d.name_zh.clone(),
            name_en: d.name_en.clone(),
            clause: d.clause.clone(),
            source: d.source.clone(),
            assessors: d.assessors,
            reassess_months: d.reassess_months,
            supports: d.supports,
            notes_required: d.notes_required,
            range: vec![lo, hi],
            items: d
                .items
                .iter()
                .map(|i| ItemOut {
                    code: i.code.clone(),
                    zh: i.zh.clone(),
                    en: i.en.clone(),
                    options: i
                        .options
                        .iter()
                        .map(|o| OptionOut {
                            code: o.code.clone(),
                            zh: o.zh.clone(),
                            en: o.en.clone(),
                            points: o.points,
                        })
                        .collect(),
                })
                .collect(),
            bands: d
                .bands
                .iter()
                .map(|b| BandOut {
                    code: b.code.clone(),
                    zh: b.zh.clone(),
                    en: b.en.clone(),
                    min: b.min,
                    max: b.max,
                    referral: b.referral,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DefinitionList {
    items: Vec<DefinitionOut>,
}

/// The instruments new assessments use (the latest version of each), with items, answers, points
/// and bands.
#[utoipa::path(get, path = "/api/v1/assessments/definitions", tag = "assessments",
    responses((status = 200, body = DefinitionList), (status = 403, body = Problem)))]
async fn definitions(
    State(st): State<AppState>,
    Authed(info): Authed,
) -> ApiResult<Json<DefinitionList>> {
    ensure_reader(&info)?;
    Ok(Json(DefinitionList {
        items: super::offered(&st, None)
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    item: String,
    answer: String,
    points: i32,
}

#[derive(Serialize, ToSchema)]
pub struct SupportOut {
    /// `formal` or `informal`
    kind: String,
    source: String,
    what: String,
}

/// A kept assessment: as scored then, with the definition version it was made with.
#[derive(Serialize, ToSchema)]
pub struct AssessmentOut {
    id: i64,
    person_id: i64,
    code: String,
    version: i64,
    name: String,
    assessed_on: String,
    answers: Vec<AnswerOut>,
    score: i64,
    /// The band's code as given then.
    band: String,
    band_label: String,
    /// The band calls for a referral (high risk, signs to refer).
    referral_needed: bool,
    assessors: Vec<String>,
    notes: String,
    referral_to: Option<String>,
    supports: Vec<SupportOut>,
    next_due: Option<String>,
    recorded_by: String,
    created_at: i64,
}

impl From<Record> for AssessmentOut {
    fn from(r: Record) -> Self {
        let name = r
            .definition()
            .map_or_else(|| r.code.clone(), |d| d.name_zh.clone());
        let band_label = super::band_label(&r).zh.into_owned();
        AssessmentOut {
            referral_needed: super::alarming(&r),
            name,
            band_label,
            id: r.id,
            person_id: r.person_id,
            code: r.code,
            version: r.version,
            assessed_on: r.assessed_on,
            answers: r
                .answers
                .into_iter()
                .map(|a| AnswerOut {
                    item: a.item,
                    answer: a.answer,
                    points: a.points,
                })
                .collect(),
            score: r.score,
            band: r.band,
            assessors: r.assessors,
            notes: r.notes,
            referral_to: r.referral_to,
            supports: r
                .supports
                .into_iter()
                .map(|s| SupportOut {
                    kind: s.kind,
                    source: s.source,
                    what: s.what,
                })
                .collect(),
            next_due: r.next_due,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentList {
    items: Vec<AssessmentOut>,
}

/// A person's assessments, oldest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/assessments", tag = "assessments", params(("id" = i64, Path)),
    responses((status = 200, body = AssessmentList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_of_person(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<AssessmentList>> {
    let (_, list) = super::of_person(&st, &info, id).await?;
    Ok(Json(AssessmentList {
        items: list.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportIn {
    /// `formal` 正式支持 or `informal` 非正式支持.
    kind: String,
    /// Who gives it (村委会, 女儿).
    source: String,
    what: Option<String>,
}

/// An assessment as answered; the system scores it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentIn {
    /// The instrument's code (`GET /api/v1/assessments/definitions`); its latest version is used.
    code: String,
    /// YYYY-MM-DD, not in the future.
    assessed_on: String,
    /// Item code → answer code, every item answered.
    answers: BTreeMap<String, String>,
    /// Names of the assessors, as many different people as the instrument asks (Barthel: 2).
    assessors: Vec<String>,
    notes: Option<String>,
    /// Required when the result's band calls for a referral.
    referral_to: Option<String>,
    /// LSNS-6 only (8.2.6.1).
    #[serde(default)]
    supports: Vec<SupportIn>,
}

/// Record an assessment: the system scores it and keeps score and band. A refused one (an answer
/// out of range, an item missing, too few assessors, a future date, a referral missing) changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/persons/{id}/assessments", tag = "assessments", params(("id" = i64, Path)), request_body = AssessmentIn,
    responses((status = 201, body = AssessmentOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_assessment(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<AssessmentIn>,
) -> ApiResult<(StatusCode, Json<AssessmentOut>)> {
    let input = AssessmentInput {
        assessed_on: b.assessed_on,
        answers: b.answers,
        assessors: b.assessors,
        notes: b.notes,
        referral_to: b.referral_to,
        supports: b
            .supports
            .into_iter()
            .map(|s| SupportInput {
                kind: s.kind,
                source: s.source,
                what: s.what,
            })
            .collect(),
    };
    let (aid, _) = super::record(&st, &info, id, &b.code, input).await?;
    let (_, list) = super::of_person(&st, &info, id).await?;
    let kept = list
        .into_iter()
        .find(|r| r.id == aid)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(kept.into())))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// `due` (within 30 days), `overdue`; empty for both.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DueOut {
    assessment_id: i64,
    person_id: i64,
    name: String,
    org_code: String,
    code: String,
    version: i64,
    /// The last assessment's date, score and band.
    assessed_on: String,
    score: i64,
    band: String,
    next_due: String,
    /// `overdue` or `due`
    status: String,
    /// Days past the due date (negative: days left).
    days_overdue: i64,
}

impl From<DueRow> for DueOut {
    fn from(r: DueRow) -> Self {
        let days = super::days_overdue(&r.next_due);
        DueOut {
            status: if days > 0 { "overdue" } else { "due" }.into(),
            days_overdue: days,
            assessment_id: r.id,
            person_id: r.person_id,
            name: r.name,
            org_code: r.org_code,
            code: r.code,
            version: r.version,
            assessed_on: r.assessed_on,
            score: r.score,
            band: r.band,
            next_due: r.next_due,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DueList {
    items: Vec<DueOut>,
    total: i64,
}

/// Re-assessments due within 30 days or overdue for people in scope (Barthel every 6 months,
/// 8.2.3.1), most overdue first; only each person's last assessment per instrument counts.
#[utoipa::path(get, path = "/api/v1/assessments/due", tag = "assessments", params(DueQuery),
    responses((status = 200, body = DueList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn due_list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<DueQuery>,
) -> ApiResult<Json<DueList>> {
    let which = super::due_filter(q.status.as_deref())?;
    let l = super::due(&st, &info, which, Page::new(q.page, q.per_page)).await?;
    Ok(Json(DueList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
    }))
}
