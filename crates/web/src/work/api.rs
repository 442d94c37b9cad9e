//! `/api/v1/work` (the work list, issue 4 point 7) and `/api/v1/notifications…` (in-app
//! notifications, R-8.3.4).

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::P;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use shegong_domain::clock;
use shegong_store::assessments::DueRow as ReassessmentDue;
use shegong_store::care::DueRow as VisitDue;
use shegong_store::cases::{CaseLine, FollowUpDue};
use shegong_store::notifications::{self, Notification};
use shegong_store::protection::UnfinishedRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(work))
        .routes(routes!(list_notifications))
        .routes(routes!(read_notification))
}

#[derive(Serialize, ToSchema)]
pub struct WorkOut {
    /// Plans and closings waiting for the caller's approval (station heads).
    #[schema(value_type = Vec<Object>)]
    approvals: Vec<CaseLine>,
    /// The caller's cases whose plan or closing the head returned.
    #[schema(value_type = Vec<Object>)]
    returned: Vec<CaseLine>,
    /// Follow-ups due within 7 days or overdue on the caller's cases (10.4).
    #[schema(value_type = Vec<Object>)]
    follow_ups: Vec<FollowUpDue>,
    /// Old people whose next visit is due within 7 days or overdue (8.2.1.1).
    #[schema(value_type = Vec<Object>)]
    visits: Vec<VisitDue>,
    /// Re-assessments due within 30 days or overdue (8.2.3.1).
    #[schema(value_type = Vec<Object>)]
    reassessments: Vec<ReassessmentDue>,
    /// Child-protection findings whose report to the police is not recorded (8.3.4.1).
    #[schema(value_type = Vec<Object>)]
    unfinished_reports: Vec<UnfinishedRow>,
    /// The latest notifications, unread first.
    notifications: Vec<NotificationOut>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    id: i64,
    /// `protection.unfinished_report`.
    kind: String,
    case_id: Option<i64>,
    /// Made from the kind and the case number: no personal data.
    text: String,
    /// Unix seconds.
    created_at: i64,
    read_at: Option<i64>,
}

impl NotificationOut {
    fn of(n: Notification) -> NotificationOut {
        NotificationOut {
            text: n.text().0,
            id: n.id,
            kind: n.kind,
            case_id: n.case_id,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// The caller's work list (issue 4 point 7): approvals, returned submissions, follow-ups, care
/// visits and re-assessments due, unfinished child-protection reports, notifications.
#[utoipa::path(get, path = "/api/v1/work", tag = "cases",
    responses((status = 200, body = WorkOut), (status = 403, body = Problem)))]
async fn work(State(st): State<AppState>, Authed(info): Authed) -> ApiResult<Json<WorkOut>> {
    let w = super::load(&st, &info).await?;
    Ok(Json(WorkOut {
        approvals: w.approvals,
        returned: w.returned,
        follow_ups: w.follow_ups,
        visits: w.visits,
        reassessments: w.reassessments,
        unfinished_reports: w.unfinished,
        notifications: w
            .notifications
            .into_iter()
            .map(NotificationOut::of)
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    items: Vec<NotificationOut>,
    unread: i64,
}

/// The caller's notifications (the latest 200), unread first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases",
    responses((status = 200, body = NotificationList)))]
async fn list_notifications(
    State(st): State<AppState>,
    Authed(info): Authed,
) -> ApiResult<Json<NotificationList>> {
    let me = info.user.id;
    let (items, unread) = st
        .read(move |c| {
            Ok((
                notifications::of_user(c, me, super::pages::NOTIFICATIONS_PAGE)?,
                notifications::unread_count(c, me)?,
            ))
        })
        .await?;
    Ok(Json(NotificationList {
        items: items.into_iter().map(NotificationOut::of).collect(),
        unread,
    }))
}

/// Mark one of the caller's notifications read (someone else's is 404).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "cases", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn read_notification(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<StatusCode> {
    let me = info.user.id;
    st.write(move |c| notifications::mark_read(c, me, id, clock::now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
