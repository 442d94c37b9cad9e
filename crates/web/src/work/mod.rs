//! The work list (issue 4 point 7): one page per user with what waits for them — approvals
//! (head), returned plans and closings, follow-ups (10.4), care visits (8.2.1.1), re-assessments
//! (8.2.3.1), unfinished child-protection reports (8.3.4.1) and unread notifications — overdue
//! items marked. The menu badge and the red banner use `store::work::counts`, counted once per
//! page by the auth layer.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::persons::viewer;
use crate::state::AppState;
use shegong_domain::dates::{self, Due};
use shegong_domain::policy::{Action, role_may};
use shegong_domain::role::Role;
use shegong_store::assessments::DueRow as ReassessmentDue;
use shegong_store::care::DueRow as VisitDue;
use shegong_store::cases::{self as cases_store, CaseLine, Filter, FollowUpDue};
use shegong_store::notifications::{self, Notification};
use shegong_store::protection::{self, UnfinishedRow, Watcher};
use shegong_store::query::Page;
use shegong_store::{assessments, care};

/// Who has a work list: whoever reads case records, and the purchaser (unfinished reports of
/// the county, R-8.3.4).
pub fn has_list(role: Role) -> bool {
    role_may(role, Action::ReadRecord) || role == Role::Purchaser
}

/// How many lines of each group the list shows; the counts say how many there are.
const SHOWN: i64 = 50;
/// Notifications shown on the work list.
const NOTIFICATIONS_SHOWN: i64 = 20;

/// Everything on a user's work list.
pub struct WorkList {
    pub approvals: Vec<CaseLine>,
    pub returned: Vec<CaseLine>,
    pub follow_ups: Vec<FollowUpDue>,
    pub visits: Vec<VisitDue>,
    pub reassessments: Vec<ReassessmentDue>,
    pub unfinished: Vec<UnfinishedRow>,
    pub notifications: Vec<Notification>,
}

pub async fn load(st: &AppState, info: &AuthInfo) -> Result<WorkList, AppError> {
    let role = info.user.role();
    if !has_list(role) {
        return Err(AppError::forbidden());
    }
    let reader = role_may(role, Action::ReadRecord);
    let v = viewer(info);
    let me = info.user.id;
    let today = dates::today();
    let by = today + time::Duration::days(shegong_store::work::FOLLOW_UP_DAYS);
    st.read(move |c| {
        let w = Watcher {
            user_id: me,
            role,
            scope: v.scope.clone(),
        };
        let mut list = WorkList {
            approvals: Vec::new(),
            returned: Vec::new(),
            follow_ups: Vec::new(),
            visits: Vec::new(),
            reassessments: Vec::new(),
            unfinished: protection::unfinished_list(c, &w)?,
            notifications: notifications::of_user(c, me, NOTIFICATIONS_SHOWN)?,
        };
        if !reader {
            return Ok(list);
        }
        let page = Page::new(None, Some(SHOWN));
        if role == Role::StationHead {
            let f = Filter {
                review: Some("submitted"),
                author_not: Some(me),
                ..Filter::default()
            };
            list.approvals = cases_store::list(c, &v, &f, page)?.items;
        }
        let f = Filter {
            review: Some("returned"),
            worker: Some(me),
            ..Filter::default()
        };
        list.returned = cases_store::list(c, &v, &f, page)?.items;
        list.follow_ups = cases_store::follow_ups_due(c, &v, me, by)?;
        list.visits = care::due_visits(c, &v, Due::All, today, page)?.items;
        list.reassessments = assessments::due(c, &v, Due::All, today, page)?.items;
        Ok(list)
    })
    .await
}

/// Before today: shown in red as 已逾期.
pub fn overdue(due_on: &str) -> bool {
    due_on < dates::iso(dates::today()).as_str()
}
