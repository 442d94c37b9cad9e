//! `/api/v1/persons/{id}/elderly`, `/api/v1/persons/{id}/visits`, `/api/v1/care/visits`,
//! `/api/v1/persons/{id}/guardianship`, `/api/v1/care/alerts` (8.2.1.1, 8.3.1).

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P, Q, ReasonIn};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shegong_domain::care::{
    self, CarerInput, ElderlyInput, Gap, GuardianInput, GuardianshipInput, ReportInput, Support,
    VisitInput,
};
use shegong_domain::dates;
use shegong_store::care::{
    AlertListRow, AlertRow, CarerRow, DueRow, Elderly, GuardianRow, Guardianship, Saved, VisitRow,
};
use shegong_store::query::Page;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_elderly, put_elderly))
        .routes(routes!(post_visit))
        .routes(routes!(update_visit, delete_visit))
        .routes(routes!(reveal_carer_phone))
        .routes(routes!(due_visits))
        .routes(routes!(get_guardianship, put_guardianship))
        .routes(routes!(list_alerts))
        .routes(routes!(report_alert))
}

// ------------------------------------------------------------------------------------ elderly

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarerIn {
    /// The carer's `id` as read, to keep its phone when `phone` is the masked value read.
    id: Option<i64>,
    name: String,
    /// 与老人关系, e.g. 女儿, 邻居.
    relation: String,
    /// A full number, or the masked value as read (keeps the stored number).
    phone: Option<String>,
}

/// An elderly archive as sent (8.2.1.1).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElderlyIn {
    /// `alone` 独居, `with_spouse` 与配偶同住, `with_children` 与子女同住, `institution` 机构养老, `other` 其他.
    living_arrangement: String,
    #[serde(default)]
    carers: Vec<CarerIn>,
    /// Days between regular visits, 1–365. Empty: 7 for people living alone or 失能, else 30.
    visit_interval_days: Option<i64>,
    notes: Option<String>,
    /// The `version` read, when changing an archive (409 when someone saved in between).
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CarerOut {
    id: i64,
    name: String,
    relation: String,
    phone_masked: Option<String>,
}

impl From<CarerRow> for CarerOut {
    fn from(c: CarerRow) -> Self {
        CarerOut {
            id: c.id,
            name: c.name,
            relation: c.relation,
            phone_masked: c.phone_masked,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    id: i64,
    visited_on: String,
    visitor: String,
    /// `home`, `phone`, `video`, `other`
    mode: String,
    findings: String,
    notes: String,
}

impl From<VisitRow> for VisitOut {
    fn from(v: VisitRow) -> Self {
        VisitOut {
            id: v.id,
            visited_on: v.visited_on,
            visitor: v.visitor,
            mode: v.mode,
            findings: v.findings,
            notes: v.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ElderlyArchiveOut {
    living_arrangement: String,
    visit_interval_days: i64,
    opened_on: String,
    last_visit_on: Option<String>,
    next_visit_due: String,
    /// `overdue`, `due` (within 7 days) or `later`
    visit_status: String,
    notes: String,
    version: i64,
    carers: Vec<CarerOut>,
    visits: Vec<VisitOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ElderlyOut {
    person_id: i64,
    /// Null until the archive is opened.
    archive: Option<ElderlyArchiveOut>,
}

/// The status of a due date string, today.
pub(crate) fn status_of(due: &str) -> care::VisitStatus {
    let today = dates::today();
    dates::parse(due)
        .map(|d| care::visit_status(d, today))
        .unwrap_or(care::VisitStatus::Overdue)
}

impl ElderlyOut {
    fn new(person_id: i64, e: Option<Elderly>) -> ElderlyOut {
        ElderlyOut {
            person_id,
            archive: e.map(|e| ElderlyArchiveOut {
                visit_status: status_of(&e.archive.next_visit_due).id().to_string(),
                living_arrangement: e.archive.living_arrangement,
                visit_interval_days: e.archive.visit_interval_days,
                opened_on: e.archive.opened_on,
                last_visit_on: e.archive.last_visit_on,
                next_visit_due: e.archive.next_visit_due,
                notes: e.archive.notes,
                version: e.archive.version,
                carers: e.carers.into_iter().map(Into::into).collect(),
                visits: e.visits.into_iter().map(Into::into).collect(),
            }),
        }
    }
}

/// A person's elderly archive: living arrangement, carers (phones masked), visit schedule, visits.
#[utoipa::path(get, path = "/api/v1/persons/{id}/elderly", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = ElderlyOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_elderly(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<ElderlyOut>> {
    let (_, e) = super::elderly(&st, &info, id).await?;
    Ok(Json(ElderlyOut::new(id, e)))
}

/// Open or change a person's elderly archive (8.2.1.1). The person must be 60 or over when the
/// age is known.
#[utoipa::path(put, path = "/api/v1/persons/{id}/elderly", tag = "care", params(("id" = i64, Path)), request_body = ElderlyIn,
    responses((status = 200, body = ElderlyOut), (status = 201, body = ElderlyOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_elderly(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ElderlyIn>,
) -> ApiResult<(StatusCode, Json<ElderlyOut>)> {
    let input = ElderlyInput {
        living_arrangement: b.living_arrangement,
        carers: b
            .carers
            .into_iter()
            .map(|c| CarerInput {
                id: c.id,
                name: c.name,
                relation: c.relation,
                phone: c.phone,
            })
            .collect(),
        visit_interval_days: b.visit_interval_days,
        notes: b.notes,
    };
    let saved = super::save_elderly(&st, &info, id, b.version, input).await?;
    let (_, e) = super::elderly(&st, &info, id).await?;
    let status = match saved {
        Saved::Created => StatusCode::CREATED,
        Saved::Updated => StatusCode::OK,
    };
    Ok((status, Json(ElderlyOut::new(id, e))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitIn {
    /// YYYY-MM-DD, not in the future.
    visited_on: String,
    /// Who visited.
    visitor: String,
    /// `home` 入户走访, `phone` 电话探访, `video` 视频探访, `other` 其他.
    mode: String,
    /// 发现的情况与需求.
    findings: Option<String>,
    notes: Option<String>,
}

impl VisitIn {
    fn input(self) -> VisitInput {
        VisitInput {
            visited_on: self.visited_on,
            visitor: self.visitor,
            mode: self.mode,
            findings: self.findings,
            notes: self.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitCreated {
    id: i64,
    next_visit_due: String,
}

/// Record a visit to an old person (8.2.1.1); the next visit due moves on.
#[utoipa::path(post, path = "/api/v1/persons/{id}/visits", tag = "care", params(("id" = i64, Path)), request_body = VisitIn,
    responses((status = 201, body = VisitCreated), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn post_visit(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<VisitIn>,
) -> ApiResult<(StatusCode, Json<VisitCreated>)> {
    let vid = super::record_visit(&st, &info, id, b.input()).await?;
    let (_, e) = super::elderly(&st, &info, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(VisitCreated {
            id: vid,
            next_visit_due: e.map(|e| e.archive.next_visit_due).unwrap_or_default(),
        }),
    ))
}

/// A corrected visit and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitCorrection {
    /// 更正原因 (required; kept in the person's edit history).
    #[serde(default)]
    reason: String,
    /// The whole visit as it should read.
    visit: VisitIn,
}

/// The next visit due after a visit was corrected or deleted.
#[derive(Serialize, ToSchema)]
pub struct NextDue {
    next_visit_due: String,
}

async fn next_due(
    st: &AppState,
    info: &crate::auth::AuthInfo,
    id: i64,
) -> ApiResult<Json<NextDue>> {
    let (_, e) = super::elderly(st, info, id).await?;
    Ok(Json(NextDue {
        next_visit_due: e.map(|e| e.archive.next_visit_due).unwrap_or_default(),
    }))
}

/// Correct a visit (8.2.1.1) with a reason; the next visit due is computed again.
#[utoipa::path(put, path = "/api/v1/persons/{id}/visits/{visit_id}", tag = "care",
    params(("id" = i64, Path), ("visit_id" = i64, Path)), request_body = VisitCorrection,
    responses((status = 200, body = NextDue), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_visit(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, visit_id)): P<(i64, i64)>,
    ApiJson(b): ApiJson<VisitCorrection>,
) -> ApiResult<Json<NextDue>> {
    super::update_visit(&st, &info, id, visit_id, b.visit.input(), &b.reason).await?;
    next_due(&st, &info, id).await
}

/// Delete a visit with a reason: it is kept, marked, and no longer counts; deleting the latest
/// visit can make the person overdue again.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/visits/{visit_id}", tag = "care",
    params(("id" = i64, Path), ("visit_id" = i64, Path)), request_body = ReasonIn,
    responses((status = 200, body = NextDue), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn delete_visit(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, visit_id)): P<(i64, i64)>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<Json<NextDue>> {
    super::delete_visit(&st, &info, id, visit_id, &b.reason).await?;
    next_due(&st, &info, id).await
}

#[derive(Serialize, ToSchema)]
pub struct CarerPhone {
    value: Option<String>,
}

/// Show a carer's full phone number. Audited as `care.carer.reveal`; only for roles that may
/// reveal numbers.
#[utoipa::path(post, path = "/api/v1/persons/{id}/carers/{carer_id}/reveal", tag = "care",
    params(("id" = i64, Path), ("carer_id" = i64, Path)),
    responses((status = 200, body = CarerPhone), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn reveal_carer_phone(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, carer_id)): P<(i64, i64)>,
) -> ApiResult<Json<CarerPhone>> {
    Ok(Json(CarerPhone {
        value: super::reveal_carer_phone(&st, &info, id, carer_id).await?,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// `due` (due within 7 days), `overdue`; empty for both.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitDueOut {
    person_id: i64,
    name: String,
    org_code: String,
    living_arrangement: String,
    visit_interval_days: i64,
    last_visit_on: Option<String>,
    next_visit_due: String,
    /// `overdue` or `due`
    status: String,
    /// Days past the due date (negative: days left).
    days_overdue: i64,
}

impl From<DueRow> for VisitDueOut {
    fn from(r: DueRow) -> Self {
        let today = dates::today();
        let days = dates::parse(&r.next_visit_due)
            .map(|d| care::days_overdue(d, today))
            .unwrap_or_default();
        VisitDueOut {
            status: status_of(&r.next_visit_due).id().to_string(),
            days_overdue: days,
            person_id: r.person_id,
            name: r.name,
            org_code: r.org_code,
            living_arrangement: r.living_arrangement,
            visit_interval_days: r.visit_interval_days,
            last_visit_on: r.last_visit_on,
            next_visit_due: r.next_visit_due,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitDueList {
    items: Vec<VisitDueOut>,
    total: i64,
}

/// The station's visit list (8.2.1.1): old people in scope whose next visit is overdue or due
/// within 7 days, most overdue first.
#[utoipa::path(get, path = "/api/v1/care/visits", tag = "care", params(DueQuery),
    responses((status = 200, body = VisitDueList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn due_visits(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<DueQuery>,
) -> ApiResult<Json<VisitDueList>> {
    let which = super::due_filter(q.status.as_deref())?;
    let l = super::due_visits(&st, &info, which, Page::new(q.page, q.per_page)).await?;
    Ok(Json(VisitDueList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
    }))
}

// ----------------------------------------------------------------------------------- children

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianIn {
    name: String,
    /// `father`, `mother`, `grandparent`, `sibling`, `relative`, `appointed`, `other`
    relation: String,
    /// `normal`, `dead`, `missing`, `severe_disability`, `severe_illness`, `imprisoned`,
    /// `compulsory_rehab`, `deprived_liberty`, `lost_contact`, `revoked`, `deported`
    status: String,
    notes: Option<String>,
}

/// A child's guardianship archive as sent (8.3.1).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianshipIn {
    /// `with_guardian`, `with_relatives`, `alone` (without a guardian), `unattended`
    living_situation: String,
    #[serde(default)]
    guardians: Vec<GuardianIn>,
    school: Option<String>,
    grade: Option<String>,
    /// `preschool`, `kindergarten`, `in_school`, `suspended`, `dropped_out`, `other`
    study_status: Option<String>,
    /// `healthy`, `chronic`, `serious`, `disabled`
    health: Option<String>,
    health_notes: Option<String>,
    /// Formal and informal support: family, neighbours, school, organisations.
    social_support: Option<String>,
    notes: Option<String>,
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct GuardianOut {
    name: String,
    relation: String,
    status: String,
    notes: String,
}

impl From<GuardianRow> for GuardianOut {
    fn from(g: GuardianRow) -> Self {
        GuardianOut {
            name: g.name,
            relation: g.relation,
            status: g.status,
            notes: g.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    id: i64,
    person_id: i64,
    /// `unattended_under_8` or `alone_under_16`
    kind: String,
    label: String,
    age: i64,
    raised_at: i64,
    raised_by: String,
    open: bool,
    reported_by: Option<String>,
    department: Option<String>,
    reported_on: Option<String>,
    method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_code: Option<String>,
}

fn gap_label(kind: &str) -> String {
    Gap::from_id(kind)
        .map(|g| g.label().zh.to_string())
        .unwrap_or_else(|| kind.to_string())
}

impl From<AlertRow> for AlertOut {
    fn from(a: AlertRow) -> Self {
        AlertOut {
            open: a.open(),
            label: gap_label(&a.kind),
            id: a.id,
            person_id: a.person_id,
            kind: a.kind,
            age: a.age,
            raised_at: a.raised_at,
            raised_by: a.raised_by,
            reported_by: a.reported_by,
            department: a.department,
            reported_on: a.reported_on,
            method: a.method,
            name: None,
            org_code: None,
        }
    }
}

impl From<AlertListRow> for AlertOut {
    fn from(a: AlertListRow) -> Self {
        AlertOut {
            open: a.reported_on.is_none(),
            label: gap_label(&a.kind),
            id: a.id,
            person_id: a.person_id,
            kind: a.kind,
            age: a.age,
            raised_at: a.raised_at,
            raised_by: a.raised_by,
            reported_by: None,
            department: a.department,
            reported_on: a.reported_on,
            method: None,
            name: Some(a.name),
            org_code: Some(a.org_code),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GuardianshipArchiveOut {
    living_situation: String,
    guardians: Vec<GuardianOut>,
    school: String,
    grade: String,
    study_status: Option<String>,
    health: Option<String>,
    health_notes: String,
    social_support: String,
    notes: String,
    /// Derived: `supported`, `de_facto_unsupported` (事实无人抚养), `orphan`, `unknown`
    support: String,
    support_label: String,
    version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct GuardianshipOut {
    person_id: i64,
    age: Option<i32>,
    /// Null until the archive is opened.
    archive: Option<GuardianshipArchiveOut>,
    alerts: Vec<AlertOut>,
}

impl GuardianshipOut {
    fn new(person_id: i64, age: Option<i32>, g: Option<Guardianship>) -> GuardianshipOut {
        match g {
            None => GuardianshipOut {
                person_id,
                age,
                archive: None,
                alerts: Vec::new(),
            },
            Some(g) => GuardianshipOut {
                person_id,
                age,
                alerts: g.alerts.into_iter().map(Into::into).collect(),
                archive: Some(GuardianshipArchiveOut {
                    support_label: Support::from_id(&g.archive.support).label().zh.to_string(),
                    living_situation: g.archive.living_situation,
                    guardians: g.guardians.into_iter().map(Into::into).collect(),
                    school: g.archive.school,
                    grade: g.archive.grade,
                    study_status: g.archive.study_status,
                    health: g.archive.health,
                    health_notes: g.archive.health_notes,
                    social_support: g.archive.social_support,
                    notes: g.archive.notes,
                    support: g.archive.support,
                    version: g.archive.version,
                }),
            },
        }
    }
}

/// A child's guardianship archive (8.3.1) with its gap alerts. Every read is audited
/// (`care.guardianship.read`).
#[utoipa::path(get, path = "/api/v1/persons/{id}/guardianship", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = GuardianshipOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_guardianship(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<GuardianshipOut>> {
    let (o, g) = super::guardianship(&st, &info, id).await?;
    Ok(Json(GuardianshipOut::new(id, o.age(), g)))
}

#[derive(Serialize, ToSchema)]
pub struct GuardianshipSaved {
    person_id: i64,
    created: bool,
    /// The guardianship-gap alert this save raised, if any (none when one is still open).
    alert_raised: Option<i64>,
}

/// Open or change a child's guardianship archive (under 18 only). A child under 8 recorded as
/// `unattended`, or under 16 as `alone`, raises a guardianship-gap alert (8.3.1.2).
#[utoipa::path(put, path = "/api/v1/persons/{id}/guardianship", tag = "care", params(("id" = i64, Path)), request_body = GuardianshipIn,
    responses((status = 200, body = GuardianshipSaved), (status = 201, body = GuardianshipSaved), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn put_guardianship(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<GuardianshipIn>,
) -> ApiResult<(StatusCode, Json<GuardianshipSaved>)> {
    let input = GuardianshipInput {
        living_situation: b.living_situation,
        guardians: b
            .guardians
            .into_iter()
            .map(|g| GuardianInput {
                name: g.name,
                relation: g.relation,
                status: g.status,
                notes: g.notes,
            })
            .collect(),
        school: b.school,
        grade: b.grade,
        study_status: b.study_status,
        health: b.health,
        health_notes: b.health_notes,
        social_support: b.social_support,
        notes: b.notes,
    };
    let r = super::save_guardianship(&st, &info, id, b.version, input).await?;
    let created = r.saved == Saved::Created;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(GuardianshipSaved {
            person_id: id,
            created,
            alert_raised: r.alert_raised,
        }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `open` (default) or `all`
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    items: Vec<AlertOut>,
    total: i64,
}

pub(crate) fn all_alerts(status: Option<&str>) -> Result<bool, crate::error::AppError> {
    match status.map(str::trim).unwrap_or_default() {
        "" | "open" => Ok(false),
        "all" => Ok(true),
        _ => Err(crate::error::AppError::invalid(
            "status",
            shegong_domain::Msg::new("status 应为 open 或 all", "status is open or all"),
        )),
    }
}

/// The station's guardianship-gap alerts (8.3.1.2): open until a report to the responsible
/// department is recorded. Reading the list is audited.
#[utoipa::path(get, path = "/api/v1/care/alerts", tag = "care", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_alerts(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<AlertQuery>,
) -> ApiResult<Json<AlertList>> {
    let all = all_alerts(q.status.as_deref())?;
    let l = super::alerts(&st, &info, all, Page::new(q.page, q.per_page)).await?;
    Ok(Json(AlertList {
        total: l.total,
        items: l.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// Who reported.
    reported_by: String,
    /// To which department (e.g. 乡镇人民政府, 县级民政部门, 公安派出所, 未成年人救助保护机构).
    department: String,
    /// YYYY-MM-DD, not in the future, not before the alert.
    reported_on: String,
    /// `in_person`, `phone`, `written`, `online`, `other`
    method: String,
    notes: Option<String>,
}

/// Record the report of a guardianship gap to the responsible department (8.3.1.2); the alert
/// leaves the open list. 409 when already reported.
#[utoipa::path(post, path = "/api/v1/care/alerts/{id}/report", tag = "care", params(("id" = i64, Path)), request_body = ReportIn,
    responses((status = 200, body = AlertOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn report_alert(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ReportIn>,
) -> ApiResult<Json<AlertOut>> {
    let a = super::report(
        &st,
        &info,
        id,
        ReportInput {
            reported_by: b.reported_by,
            department: b.department,
            reported_on: b.reported_on,
            method: b.method,
            notes: b.notes,
        },
    )
    .await?;
    Ok(Json(a.into()))
}
