//! The numbers of a user's work list (issue 4 point 7), counted for the menu badge and the red
//! banner of every page: each group is one indexed COUNT, never a query per item, all on one
//! connection. The lists themselves are read by their own modules (`cases`, `care`,
//! `assessments`, `protection`, `notifications`).

use crate::assessments;
use crate::care;
use crate::cases::{case_follow_ups, case_workers, cases};
use crate::db::{DbConn, MultiBackend};
use crate::error::StoreResult;
use crate::notifications;
use crate::persons::Viewer;
use crate::protection::{self, Watcher};
use crate::query::Page;
use crate::users::User;
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::dates::{self, Due};
use shegong_domain::policy::{Action, role_may};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use time::Date;

/// Days ahead a follow-up counts as due (the work list shows the coming week).
pub const FOLLOW_UP_DAYS: i64 = 7;

/// How many of each kind of work wait for the user.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Plans and closings waiting for the head's approval (not their own).
    pub approvals: i64,
    /// The user's cases whose plan or closing the head returned.
    pub returned: i64,
    pub follow_ups: i64,
    pub follow_ups_overdue: i64,
    pub visits: i64,
    pub visits_overdue: i64,
    pub reassessments: i64,
    pub reassessments_overdue: i64,
    /// Unfinished child-protection reports: (case id, how many), R-8.3.4.
    pub unfinished: Vec<(i64, i64)>,
    pub unread: i64,
}

impl Counts {
    pub fn unfinished_reports(&self) -> i64 {
        self.unfinished.iter().map(|u| u.1).sum()
    }

    pub fn total(&self) -> i64 {
        self.approvals
            + self.returned
            + self.follow_ups
            + self.visits
            + self.reassessments
            + self.unfinished_reports()
            + self.unread
    }

    /// Something is late: the badge turns red.
    pub fn urgent(&self) -> bool {
        self.follow_ups_overdue + self.visits_overdue + self.reassessments_overdue > 0
            || !self.unfinished.is_empty()
    }
}

/// The user's cases: led or worked on.
macro_rules! mine {
    ($q:expr, $user:expr) => {{
        let u: i64 = $user;
        let co = case_workers::table
            .filter(case_workers::user_id.eq(u))
            .select(case_workers::case_id);
        $q.filter(cases::lead_worker.eq(u).or(cases::id.eq_any(co)))
    }};
}

/// Counts the work of a user with `scope` (the viewer `web::persons::viewer` makes of them: a
/// station head sees every confidential case of the station).
pub fn counts_for(conn: &mut DbConn, u: &User, scope: &Scope, today: Date) -> StoreResult<Counts> {
    let v = Viewer {
        user_id: u.id,
        scope: scope.clone(),
        all_confidential: u.role() == Role::StationHead,
    };
    counts(conn, &v, u.role(), today)
}

/// Counts the work of `v` (a `role` user) on `today`.
pub fn counts(conn: &mut DbConn, v: &Viewer, role: Role, today: Date) -> StoreResult<Counts> {
    let watcher = Watcher {
        user_id: v.user_id,
        role,
        scope: v.scope.clone(),
    };
    let mut c = Counts {
        unfinished: protection::unfinished_for(conn, &watcher)?,
        unread: notifications::unread_count(conn, v.user_id)?,
        ..Counts::default()
    };
    if !role_may(role, Action::ReadRecord) {
        return Ok(c);
    }
    let in_scope = || {
        cases::table
            .filter(crate::scope_filter!(cases::org_code, &v.scope))
            .into_boxed::<MultiBackend>()
    };
    if role == Role::StationHead {
        c.approvals = in_scope()
            .filter(cases::review.eq("submitted"))
            .filter(cases::author.ne(v.user_id))
            .count()
            .get_result(conn)?;
    }
    c.returned = mine!(in_scope().filter(cases::review.eq("returned")), v.user_id)
        .count()
        .get_result(conn)?;
    let today_s = dates::iso(today);
    let by = dates::iso(today + time::Duration::days(FOLLOW_UP_DAYS));
    let follow_ups = |overdue: bool| {
        let q = mine!(
            case_follow_ups::table
                .inner_join(cases::table)
                .filter(crate::scope_filter!(cases::org_code, &v.scope))
                .filter(case_follow_ups::contacted_on.is_null())
                .into_boxed::<MultiBackend>(),
            v.user_id
        );
        if overdue {
            q.filter(case_follow_ups::due_on.lt(today_s.clone()))
        } else {
            q.filter(case_follow_ups::due_on.le(by.clone()))
        }
    };
    c.follow_ups = follow_ups(false).count().get_result(conn)?;
    c.follow_ups_overdue = follow_ups(true).count().get_result(conn)?;
    let one = Page::new(None, Some(1));
    c.visits = care::due_visits(conn, v, Due::All, today, one)?.total;
    c.visits_overdue = care::due_visits(conn, v, Due::Overdue, today, one)?.total;
    c.reassessments = assessments::due(conn, v, Due::All, today, one)?.total;
    c.reassessments_overdue = assessments::due(conn, v, Due::Overdue, today, one)?.total;
    Ok(c)
}
