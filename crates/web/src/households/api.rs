//! `/api/v1/households`: households, members, investigations (8.1.1.1), reviews (8.1.1.2).

use crate::auth::Authed;
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::{ApiJson, P, Q, ReasonIn};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::household::{
    self as dh, AmountInput, DueStatus, HouseholdInput, InvestigationInput, MemberInput,
    ReviewInput,
};
use shegong_domain::{Msg, dates};
use shegong_store::households::{self as hs, DueRow, InvestigationRecord, ReviewRow, Summary};
use shegong_store::query::Page;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(reviews_due))
        .routes(routes!(get_one, update))
        .routes(routes!(add_member, remove_member_body))
        .routes(routes!(remove_member))
        .routes(routes!(list_investigations, create_investigation))
        .routes(routes!(list_reviews, create_review))
        .routes(routes!(update_investigation, delete_investigation))
        .routes(routes!(update_review, delete_review))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdIn {
    /// The village (community) or station the household belongs to.
    org_code: String,
    address: Option<String>,
    /// 住房状况
    housing: Option<String>,
    /// 困难类型
    difficulty_type: Option<String>,
    /// `mild`, `serious`, `extreme` (一般困难 / 比较困难 / 特别困难)
    difficulty_degree: Option<String>,
    /// On creation only: a person at the same station who becomes the head (户主).
    head_person_id: Option<i64>,
}

impl HouseholdIn {
    fn input(&self) -> HouseholdInput {
        HouseholdInput {
            address: self.address.clone(),
            housing: self.housing.clone(),
            difficulty_type: self.difficulty_type.clone(),
            difficulty_degree: self.difficulty_degree.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    person_id: i64,
    name: String,
    /// A relation code (`head`, `spouse`, `child`, `parent`, `grandchild`, `sibling`, `other` …)
    relation: String,
    relation_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdOut {
    id: i64,
    org_code: String,
    address: String,
    housing: String,
    difficulty_type: String,
    difficulty_degree: Option<String>,
    head_person_id: Option<i64>,
    /// Members the caller may see, the head first.
    members: Vec<MemberOut>,
    /// The latest investigation's per-capita monthly income, in fen.
    per_capita_monthly_fen: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl HouseholdOut {
    fn from(d: super::Detail) -> HouseholdOut {
        let h = d.household;
        HouseholdOut {
            id: h.id,
            org_code: h.org_code,
            address: h.address,
            housing: h.housing,
            difficulty_type: h.difficulty_type,
            difficulty_degree: h.difficulty_degree,
            head_person_id: h.head_person_id,
            members: d
                .members
                .into_iter()
                .map(|m| {
                    let code = m.relation_code().to_string();
                    MemberOut {
                        person_id: m.person_id,
                        name: m.name,
                        relation_label: dh::label(&dh::RELATIONS, &code).to_string(),
                        relation: code,
                    }
                })
                .collect(),
            per_capita_monthly_fen: d.investigations.first().map(|i| i.per_capita_monthly_fen),
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    id: i64,
    org_code: String,
    address: String,
    head_person_id: Option<i64>,
    /// Absent when the head's record is hidden from the caller.
    head_name: Option<String>,
    member_count: i64,
    updated_at: i64,
}

impl From<Summary> for SummaryOut {
    fn from(s: Summary) -> Self {
        SummaryOut {
            id: s.household.id,
            org_code: s.household.org_code,
            address: s.household.address,
            head_person_id: s.household.head_person_id,
            head_name: s.head_name,
            member_count: s.member_count,
            updated_at: s.household.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    items: Vec<SummaryOut>,
    total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of the head's name or of the address.
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Households in scope, found by the head's name or the address.
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(ListQuery),
    responses((status = 200, body = HouseholdList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<HouseholdList>> {
    let l = super::list(&st, &info, q.q.clone(), Page::new(q.page, q.per_page)).await?;
    Ok(Json(HouseholdList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
    }))
}

/// Create a household at a village or station in scope, optionally with its head.
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdIn,
    responses((status = 201, body = HouseholdOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(st): State<AppState>,
    Authed(info): Authed,
    ApiJson(b): ApiJson<HouseholdIn>,
) -> ApiResult<(StatusCode, Json<HouseholdOut>)> {
    let id = super::create(&st, &info, &b.org_code, b.input(), b.head_person_id).await?;
    let d = super::get(&st, &info, id).await?;
    Ok((StatusCode::CREATED, Json(HouseholdOut::from(d))))
}

/// One household with the members the caller may see; 404 when out of scope.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<HouseholdOut>> {
    Ok(Json(HouseholdOut::from(super::get(&st, &info, id).await?)))
}

/// Change a household's own fields (send them all, as for creating; `head_person_id` is not
/// taken here: make a member the head through `members`).
#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)), request_body = HouseholdIn,
    responses((status = 200, body = HouseholdOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<HouseholdIn>,
) -> ApiResult<Json<HouseholdOut>> {
    if b.head_person_id.is_some() {
        return Err(AppError::invalid(
            "head_person_id",
            Msg::new(
                "请通过 members 接口把成员设为户主",
                "set the head through the members route",
            ),
        ));
    }
    super::update(&st, &info, id, &b.org_code, b.input()).await?;
    Ok(Json(HouseholdOut::from(super::get(&st, &info, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    person_id: i64,
    /// Relation to the head: a code or its Chinese (户主, 配偶, 子女, 父母, 孙子女, 兄弟姐妹, 其他 …).
    /// `head` makes the person the head; the former head becomes `other`.
    relation: String,
}

/// Add a member (201), or change a member's relation (200).
#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path)), request_body = MemberIn,
    responses((status = 201, body = HouseholdOut), (status = 200, body = HouseholdOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn add_member(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<MemberIn>,
) -> ApiResult<(StatusCode, Json<HouseholdOut>)> {
    let added = super::add_member(&st, &info, id, b.person_id, &b.relation).await?;
    let status = if added == hs::Added::New {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(HouseholdOut::from(super::get(&st, &info, id).await?)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveIn {
    person_id: i64,
}

/// Remove a member (the person stays in the archive).
#[utoipa::path(delete, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path)), request_body = RemoveIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn remove_member_body(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<RemoveIn>,
) -> ApiResult<StatusCode> {
    super::remove_member(&st, &info, id, b.person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a member (the person stays in the archive).
#[utoipa::path(delete, path = "/api/v1/households/{id}/members/{person_id}", tag = "households", params(("id" = i64, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn remove_member(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, person_id)): P<(i64, i64)>,
) -> ApiResult<StatusCode> {
    super::remove_member(&st, &info, id, person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- investigations

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRecordIn {
    person_id: i64,
    /// `rural`, `urban`, `resident` (农业 / 非农业 / 居民户口)
    hukou: Option<String>,
    education: Option<String>,
    marriage: Option<String>,
    /// `healthy`, `chronic`, `serious` (健康 / 多病 / 重病)
    health: Option<String>,
    /// `none` or `1`–`4`
    disability: Option<String>,
    /// `employed`, `farming`, `self_employed`, `unemployed`, `unable`, `student`, `retired`
    employment: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountIn {
    /// Income: `wages`, `farming`, `business`, `rent`, `land_transfer`, `pension`, `support`,
    /// `subsidies`, `other`. Spending: `medical`, `education`, `housing`, `living`, `other`.
    kind: String,
    /// Whole fen (1 元 = 100), over the last 12 months; never negative.
    amount_fen: i64,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PropertyIn {
    housing: Option<String>,
    vehicles: Option<String>,
    savings_fen: Option<i64>,
    /// Shops or firms owned.
    business: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigationIn {
    /// YYYY-MM-DD, not in the future.
    date: String,
    /// At least two different people (8.1.1.1).
    investigators: Vec<String>,
    members: Vec<MemberRecordIn>,
    #[serde(default)]
    incomes: Vec<AmountIn>,
    #[serde(default)]
    spending: Vec<AmountIn>,
    #[serde(default)]
    property: Option<PropertyIn>,
    notes: Option<String>,
    /// `true`: the investigators and the family members signed the paper form (required).
    #[serde(default)]
    signed: bool,
}

impl InvestigationIn {
    fn input(self) -> InvestigationInput {
        let p = self.property.unwrap_or_default();
        let amounts = |v: Vec<AmountIn>| {
            v.into_iter()
                .map(|a| (a.kind, AmountInput::Fen(a.amount_fen)))
                .collect()
        };
        InvestigationInput {
            date: self.date,
            investigators: self.investigators,
            members: self
                .members
                .into_iter()
                .map(|m| MemberInput {
                    person_id: m.person_id,
                    hukou: m.hukou,
                    education: m.education,
                    marriage: m.marriage,
                    health: m.health,
                    disability: m.disability,
                    employment: m.employment,
                })
                .collect(),
            incomes: amounts(self.incomes),
            spending: amounts(self.spending),
            housing: p.housing,
            vehicles: p.vehicles,
            savings: p.savings_fen.map(AmountInput::Fen),
            business: p.business,
            notes: self.notes,
            signed: self.signed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvestigationOut {
    id: i64,
    household_id: i64,
    date: String,
    investigators: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    members: Vec<dh::MemberRecord>,
    #[schema(value_type = Vec<Object>)]
    incomes: Vec<dh::Amount>,
    #[schema(value_type = Vec<Object>)]
    spending: Vec<dh::Amount>,
    #[schema(value_type = Object)]
    property: dh::Property,
    notes: String,
    signed: bool,
    member_count: i64,
    total_income_fen: i64,
    total_spending_fen: i64,
    /// Income of the last 12 months ÷ 12 ÷ members investigated, rounded to the fen.
    per_capita_monthly_fen: i64,
    recorded_by: String,
    recorded_at: i64,
}

impl From<InvestigationRecord> for InvestigationOut {
    fn from(i: InvestigationRecord) -> Self {
        InvestigationOut {
            id: i.id,
            household_id: i.household_id,
            date: i.date,
            investigators: i.investigators,
            members: i.members,
            incomes: i.incomes,
            spending: i.spending,
            property: i.property,
            notes: i.notes,
            signed: i.signed,
            member_count: i.member_count,
            total_income_fen: i.total_income_fen,
            total_spending_fen: i.total_spending_fen,
            per_capita_monthly_fen: i.per_capita_monthly_fen,
            recorded_by: i.recorded_by,
            recorded_at: i.recorded_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvestigationList {
    items: Vec<InvestigationOut>,
}

/// Record a household investigation (入户调查, 8.1.1.1); each member investigated gets a
/// timeline entry.
#[utoipa::path(post, path = "/api/v1/households/{id}/investigations", tag = "households", params(("id" = i64, Path)), request_body = InvestigationIn,
    responses((status = 201, body = InvestigationOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_investigation(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<InvestigationIn>,
) -> ApiResult<(StatusCode, Json<InvestigationOut>)> {
    let iid = super::add_investigation(&st, &info, id, b.input()).await?;
    let found = super::investigations(&st, &info, id)
        .await?
        .into_iter()
        .find(|i| i.id == iid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(found.into())))
}

/// A household's investigations, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/investigations", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = InvestigationList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_investigations(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<InvestigationList>> {
    Ok(Json(InvestigationList {
        items: super::investigations(&st, &info, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

// ---------------------------------------------------------------- reviews

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// `dibao`, `near_dibao`, `tekun`, `rigid_spending`, `temporary_urgent`,
    /// `temporary_spending`, `monitoring` (or 低保, 特困供养 …)
    category: String,
    /// YYYY-MM-DD, not in the future.
    reviewed_on: String,
    /// `continue`, `adjust`, `stop` (继续 / 调整 / 停止)
    result: String,
    /// Required unless the result is `stop`; after `reviewed_on`.
    next_due: Option<String>,
    notes: Option<String>,
}

impl ReviewIn {
    fn input(self) -> ReviewInput {
        ReviewInput {
            category: self.category,
            reviewed_on: self.reviewed_on,
            result: self.result,
            next_due: self.next_due,
            notes: self.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewOut {
    id: i64,
    household_id: i64,
    category: String,
    category_label: String,
    reviewed_on: String,
    result: String,
    result_label: String,
    next_due: Option<String>,
    notes: String,
    /// A later review of the same category replaced this one.
    superseded: bool,
    recorded_by: String,
    recorded_at: i64,
}

impl From<ReviewRow> for ReviewOut {
    fn from(r: ReviewRow) -> Self {
        ReviewOut {
            id: r.id,
            household_id: r.household_id,
            category_label: dh::label(&dh::ASSISTANCE_CATEGORIES, &r.category).to_string(),
            category: r.category,
            reviewed_on: r.reviewed_on,
            result_label: dh::label(&dh::REVIEW_RESULTS, &r.result).to_string(),
            result: r.result,
            next_due: r.next_due,
            notes: r.notes,
            superseded: r.superseded,
            recorded_by: r.created_by_name,
            recorded_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    items: Vec<ReviewOut>,
}

/// Record a social assistance review (复核, 8.1.1.2).
#[utoipa::path(post, path = "/api/v1/households/{id}/reviews", tag = "households", params(("id" = i64, Path)), request_body = ReviewIn,
    responses((status = 201, body = ReviewOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_review(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ReviewIn>,
) -> ApiResult<(StatusCode, Json<ReviewOut>)> {
    let rid = super::add_review(&st, &info, id, b.input()).await?;
    let r = super::get(&st, &info, id)
        .await?
        .reviews
        .into_iter()
        .find(|r| r.id == rid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// A household's reviews, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/reviews", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_reviews(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<ReviewList>> {
    Ok(Json(ReviewList {
        items: super::get(&st, &info, id)
            .await?
            .reviews
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// `due` (within 30 days), `overdue`, or empty for both.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDueOut {
    pub household_id: i64,
    pub org_code: String,
    pub address: String,
    pub head_name: Option<String>,
    pub review_id: i64,
    pub category: String,
    pub category_label: String,
    pub reviewed_on: String,
    pub result: String,
    pub next_due: String,
    /// `due` or `overdue`
    pub status: String,
    pub days_left: i64,
}

pub fn due_out(d: DueRow) -> ReviewDueOut {
    let today = dates::today();
    let next = d.review.next_due.clone().unwrap_or_default();
    let (status, days_left) = match dates::parse(&next) {
        Ok(n) => (
            match dh::due_status(n, today) {
                DueStatus::Overdue => "overdue",
                _ => "due",
            },
            (n - today).whole_days(),
        ),
        Err(_) => ("overdue", 0),
    };
    ReviewDueOut {
        household_id: d.review.household_id,
        org_code: d.org_code,
        address: d.address,
        head_name: d.head_name,
        review_id: d.review.id,
        category_label: dh::label(&dh::ASSISTANCE_CATEGORIES, &d.review.category).to_string(),
        category: d.review.category,
        reviewed_on: d.review.reviewed_on,
        result: d.review.result,
        next_due: next,
        status: status.to_string(),
        days_left,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDueList {
    items: Vec<ReviewDueOut>,
    total: i64,
}

/// Reviews due within 30 days or overdue, in scope, earliest first (8.1.1.2).
#[utoipa::path(get, path = "/api/v1/households/reviews", tag = "households", params(DueQuery),
    responses((status = 200, body = ReviewDueList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn reviews_due(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<DueQuery>,
) -> ApiResult<Json<ReviewDueList>> {
    let which = super::due_filter(q.status.as_deref())?;
    let l = super::due(&st, &info, which, Page::new(q.page, q.per_page)).await?;
    Ok(Json(ReviewDueList {
        total: l.total,
        items: l.items.into_iter().map(due_out).collect(),
    }))
}

// ---------------------------------------------------------------- corrections

/// A corrected investigation and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigationCorrection {
    /// 更正原因 (required; kept in the members' edit history).
    #[serde(default)]
    reason: String,
    /// The whole investigation as it should read.
    investigation: InvestigationIn,
}

/// Correct an investigation (8.1.1.1); each changed field goes to the investigated members' edit
/// history with the reason.
#[utoipa::path(put, path = "/api/v1/households/{id}/investigations/{investigation_id}", tag = "households",
    params(("id" = i64, Path), ("investigation_id" = i64, Path)), request_body = InvestigationCorrection,
    responses((status = 200, body = InvestigationOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_investigation(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, iid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<InvestigationCorrection>,
) -> ApiResult<Json<InvestigationOut>> {
    super::update_investigation(&st, &info, id, iid, b.investigation.input(), b.reason).await?;
    let found = super::investigations(&st, &info, id)
        .await?
        .into_iter()
        .find(|i| i.id == iid)
        .ok_or(AppError::NotFound)?;
    Ok(Json(found.into()))
}

/// Delete an investigation with a reason: it is kept, marked, and leaves the household's list.
#[utoipa::path(delete, path = "/api/v1/households/{id}/investigations/{investigation_id}", tag = "households",
    params(("id" = i64, Path), ("investigation_id" = i64, Path)), request_body = ReasonIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn delete_investigation(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, iid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    super::delete_record(&st, &info, id, super::Record::Investigation, iid, b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A corrected review and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewCorrection {
    /// 更正原因 (required; kept in the members' edit history).
    #[serde(default)]
    reason: String,
    /// The whole review as it should read.
    review: ReviewIn,
}

/// Correct a review (8.1.1.2); the reviews due are computed again.
#[utoipa::path(put, path = "/api/v1/households/{id}/reviews/{review_id}", tag = "households",
    params(("id" = i64, Path), ("review_id" = i64, Path)), request_body = ReviewCorrection,
    responses((status = 200, body = ReviewOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_review(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ReviewCorrection>,
) -> ApiResult<Json<ReviewOut>> {
    super::update_review(&st, &info, id, rid, b.review.input(), b.reason).await?;
    let r = super::get(&st, &info, id)
        .await?
        .reviews
        .into_iter()
        .find(|r| r.id == rid)
        .ok_or(AppError::NotFound)?;
    Ok(Json(r.into()))
}

/// Delete a review with a reason: it is kept, marked, off the lists; the review before it of
/// the same category is due again.
#[utoipa::path(delete, path = "/api/v1/households/{id}/reviews/{review_id}", tag = "households",
    params(("id" = i64, Path), ("review_id" = i64, Path)), request_body = ReasonIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn delete_review(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    super::delete_record(&st, &info, id, super::Record::Review, rid, b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
