//! `/api/v1/persons` (interface.md contract routes).

use super::ListQuery;
use crate::auth::Authed;
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::Msg;
use shegong_domain::person::{CategoryInput, ConsentInput, PersonInput};
use shegong_store::persons::{CategoryRow, HistoryRow, PersonRow, Secret, TimelineRow};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(reveal))
        .routes(routes!(history))
        .routes(routes!(timeline))
        .routes(routes!(categories, add_category))
}

/// A category as the API takes it: a code (or roster name such as 低保), or a full entry.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CategoryIn {
    Code(String),
    Entry {
        code: String,
        start_date: Option<String>,
        end_date: Option<String>,
        grade: Option<String>,
    },
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    by: String,
    /// `self` (本人) or the guardian's relation (母亲, 父亲, 祖父母 …).
    relation: String,
    /// YYYY-MM-DD
    on: String,
    scope: String,
}

/// A person as sent to the API. Birth date and gender follow from the ID number when given.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    name: String,
    /// The village (community) or station the person is registered at.
    org_code: String,
    /// On update, leaving it out keeps the stored number and `""` removes it.
    id_number: Option<String>,
    /// On update, leaving it out keeps the stored number and `""` removes it.
    phone: Option<String>,
    /// `male` or `female` (男 / 女)
    gender: Option<String>,
    /// YYYY-MM-DD (also 2026/1/2, 2026年1月2日)
    birth_date: Option<String>,
    ethnicity: Option<String>,
    address: Option<String>,
    difficulty_types: Option<Vec<String>>,
    /// `mild`, `serious`, `extreme`
    difficulty_degree: Option<String>,
    /// `healthy`, `chronic`, `serious`
    health: Option<String>,
    employment: Option<String>,
    /// Yuan per month.
    monthly_income: Option<i64>,
    /// `ordinary`, `sensitive`, `confidential`; never below what the person's age and categories require.
    sensitivity: Option<String>,
    #[serde(default)]
    categories: Vec<CategoryIn>,
    consent: Option<ConsentIn>,
    notes: Option<String>,
    /// For updates: the `version` read, so a change made meanwhile is not overwritten (409).
    version: Option<i64>,
}

impl PersonIn {
    fn into_input(self) -> (String, Option<i64>, PersonInput) {
        let categories = self
            .categories
            .into_iter()
            .map(|c| match c {
                CategoryIn::Code(code) => CategoryInput {
                    code,
                    ..Default::default()
                },
                CategoryIn::Entry {
                    code,
                    start_date,
                    end_date,
                    grade,
                } => CategoryInput {
                    code,
                    start_date,
                    end_date,
                    grade,
                },
            })
            .collect();
        let input = PersonInput {
            name: self.name,
            gender: self.gender,
            ethnicity: self.ethnicity,
            birth_date: self.birth_date,
            id_number: self.id_number,
            phone: self.phone,
            address: self.address,
            difficulty_types: self.difficulty_types,
            difficulty_degree: self.difficulty_degree,
            health: self.health,
            employment: self.employment,
            monthly_income: self.monthly_income,
            sensitivity: self.sensitivity,
            categories: Some(categories),
            consent: self.consent.map(|c| ConsentInput {
                by: c.by,
                relation: c.relation,
                on: c.on,
                scope: c.scope,
            }),
            notes: self.notes,
        };
        (self.org_code, self.version, input)
    }
}

/// A person as the API shows it: ID and phone numbers masked.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    id: i64,
    name: String,
    org_code: String,
    gender: Option<String>,
    ethnicity: Option<String>,
    birth_date: Option<String>,
    age: Option<i32>,
    id_number_masked: Option<String>,
    phone_masked: Option<String>,
    household_id: Option<i64>,
    address: String,
    difficulty_types: Vec<String>,
    difficulty_degree: Option<String>,
    health: Option<String>,
    employment: String,
    monthly_income: Option<i64>,
    sensitivity: String,
    consent: Option<ConsentOut>,
    notes: String,
    merged_into: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    categories: Option<Vec<CategoryOut>>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentOut {
    by: String,
    relation: String,
    on: String,
    scope: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryOut {
    code: String,
    label: String,
    start_date: String,
    end_date: Option<String>,
    grade: Option<String>,
    current: bool,
}

pub fn category_label(code: &str) -> String {
    shegong_domain::person::category(code)
        .map(|c| c.zh.to_string())
        .unwrap_or_else(|| code.to_string())
}

impl PersonOut {
    pub fn from(p: PersonRow, cats: Option<Vec<CategoryRow>>) -> PersonOut {
        let today = shegong_domain::dates::today();
        let day = shegong_domain::dates::iso(today);
        PersonOut {
            age: p.age(today),
            consent: p.consent_by.clone().map(|by| ConsentOut {
                by,
                relation: p.consent_relation.clone().unwrap_or_default(),
                on: p.consent_on.clone().unwrap_or_default(),
                scope: p.consent_scope.clone().unwrap_or_default(),
            }),
            difficulty_types: p
                .difficulty_types
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            categories: cats.map(|cs| {
                cs.into_iter()
                    .map(|c| CategoryOut {
                        label: category_label(&c.category),
                        current: c.current(&day),
                        code: c.category,
                        start_date: c.start_date,
                        end_date: c.end_date,
                        grade: c.grade,
                    })
                    .collect()
            }),
            id: p.id,
            name: p.name,
            org_code: p.org_code,
            gender: p.gender,
            ethnicity: p.ethnicity,
            birth_date: p.birth_date,
            id_number_masked: p.id_number_masked,
            phone_masked: p.phone_masked,
            household_id: p.household_id,
            address: p.address,
            difficulty_degree: p.difficulty_degree,
            health: p.health,
            employment: p.employment,
            monthly_income: p.monthly_income,
            sensitivity: p.sensitivity,
            notes: p.notes,
            merged_into: p.merged_into,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonList {
    items: Vec<PersonOut>,
    total: i64,
}

/// Find people in scope: by name, pinyin, initials, full ID number or phone, with filters.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(ListQuery),
    responses((status = 200, body = PersonList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<PersonList>> {
    let l = super::search(&st, &info, q.filter()?, q.page()).await?;
    Ok(Json(PersonList {
        total: l.total,
        items: l
            .items
            .into_iter()
            .map(|p| PersonOut::from(p, None))
            .collect(),
    }))
}

/// Register a person (7.6.4). 409 when the ID number is already registered anywhere (nothing
/// about the other record is said; a transfer may be requested); 422 with every bad field.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", request_body = PersonIn,
    responses((status = 201, body = PersonOut), (status = 409, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn create(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<PersonIn>,
) -> ApiResult<(StatusCode, Json<PersonOut>)> {
    let (org, _, input) = b.into_input();
    let p = super::create(&st, &info, &org, input).await?;
    let d = super::get(&st, &info, p.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(PersonOut::from(d.person, Some(d.categories))),
    ))
}

/// One person (masked identity numbers); 404 when out of scope.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = i64, Path)),
    responses((status = 200, body = PersonOut), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<PersonOut>> {
    let d = super::get(&st, &info, id).await?;
    Ok(Json(PersonOut::from(d.person, Some(d.categories))))
}

/// Change a person: send every field (as for creating) and the `version` read.
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = i64, Path)), request_body = PersonIn,
    responses((status = 200, body = PersonOut), (status = 409, body = Problem), (status = 422, body = Problem), (status = 404, body = Problem)))]
async fn update(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<PersonIn>,
) -> ApiResult<Json<PersonOut>> {
    let (org, version, input) = b.into_input();
    let version = version.ok_or_else(|| {
        AppError::invalid(
            "version",
            Msg::new("修改时须提供读取到的 version", "send the version you read"),
        )
    })?;
    super::update(&st, &info, id, version, &org, input).await?;
    let d = super::get(&st, &info, id).await?;
    Ok(Json(PersonOut::from(d.person, Some(d.categories))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealIn {
    /// `id_number` or `phone`
    field: String,
}

#[derive(Serialize, ToSchema)]
pub struct Revealed {
    value: Option<String>,
}

/// Show a full ID or phone number. Audited as `person.reveal`.
#[utoipa::path(post, path = "/api/v1/persons/{id}/reveal", tag = "persons", params(("id" = i64, Path)), request_body = RevealIn,
    responses((status = 200, body = Revealed), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn reveal(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<RevealIn>,
) -> ApiResult<Json<Revealed>> {
    let what = match b.field.as_str() {
        "id_number" => Secret::IdNumber,
        "phone" => Secret::Phone,
        _ => {
            return Err(AppError::invalid(
                "field",
                Msg::new("只能查看 id_number 或 phone", "field is id_number or phone"),
            ));
        }
    };
    Ok(Json(Revealed {
        value: super::reveal(&st, &info, id, what).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    at: i64,
    actor: String,
    /// A field of the person (`phone`), or of one of their records (`elderly.carers`,
    /// `visit:12.visited_on`, `review:3.deleted`).
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    /// Why a saved record was corrected or deleted.
    reason: Option<String>,
}

impl From<HistoryRow> for HistoryOut {
    fn from(h: HistoryRow) -> Self {
        HistoryOut {
            at: h.at,
            actor: h.actor,
            field: h.field,
            old_value: h.old_value,
            new_value: h.new_value,
            reason: h.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    items: Vec<HistoryOut>,
}

/// Who changed what, newest first (ID and phone numbers masked).
#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "persons", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList), (status = 404, body = Problem)))]
async fn history(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<HistoryList>> {
    Ok(Json(HistoryList {
        items: super::history(&st, &info, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineOut {
    at: i64,
    /// e.g. `archive.created`, `visit.recorded`
    kind: String,
    ref_id: Option<i64>,
    summary: String,
    actor: String,
}

impl From<TimelineRow> for TimelineOut {
    fn from(t: TimelineRow) -> Self {
        TimelineOut {
            at: t.at,
            kind: t.kind,
            ref_id: t.ref_id,
            summary: t.summary,
            actor: t.actor,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TimelineList {
    items: Vec<TimelineOut>,
}

/// Everything about the person across modules, newest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/timeline", tag = "persons", params(("id" = i64, Path)),
    responses((status = 200, body = TimelineList), (status = 404, body = Problem)))]
async fn timeline(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<TimelineList>> {
    Ok(Json(TimelineList {
        items: super::timeline(&st, &info, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// 2–32 lower-case letters, digits or `_`.
    code: String,
    label_zh: String,
    #[serde(default)]
    label_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDefs {
    items: Vec<CategoryDef>,
    total: i64,
}

/// Every category of this deployment: the built-in ones, then those added.
#[utoipa::path(get, path = "/api/v1/categories", tag = "persons",
    responses((status = 200, body = CategoryDefs)))]
async fn categories(
    State(st): State<AppState>,
    Authed(_info): Authed,
) -> ApiResult<Json<CategoryDefs>> {
    let items: Vec<CategoryDef> = super::all_categories(&st)
        .await?
        .into_iter()
        .map(|(code, label_zh, label_en)| CategoryDef {
            code,
            label_zh,
            label_en,
        })
        .collect();
    Ok(Json(CategoryDefs {
        total: items.len() as i64,
        items,
    }))
}

/// Add a deployment-defined category (system administrators). 409 when the code exists.
#[utoipa::path(post, path = "/api/v1/categories", tag = "persons", request_body = CategoryDef,
    responses((status = 201, body = CategoryDef), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn add_category(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<CategoryDef>,
) -> ApiResult<(StatusCode, Json<CategoryDef>)> {
    let (code, label_zh, label_en) =
        super::add_category(&st, &info, &b.code, &b.label_zh, &b.label_en).await?;
    Ok((
        StatusCode::CREATED,
        Json(CategoryDef {
            code,
            label_zh,
            label_en,
        }),
    ))
}
