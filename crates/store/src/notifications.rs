//! In-app notifications (R-8.3.4: an unfinished report to the police is raised at once to the
//! station head and the county). A row holds a kind and a case id, never text: what is shown is
//! made from them, so no personal data is stored or sent here.

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::users;
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        created_at -> BigInt,
        read_at -> Nullable<BigInt>,
    }
}

/// A child-protection finding recorded without its report to the police (8.3.4.1).
pub const UNFINISHED_REPORT: &str = "protection.unfinished_report";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl Notification {
    /// The text shown: made from the kind and the case number only.
    pub fn text(&self) -> (String, String) {
        let case = self.case_id.unwrap_or_default();
        match self.kind.as_str() {
            UNFINISHED_REPORT => (
                format!("个案 #{case} 有未完成的儿童保护报告,请督促立即报警并补录(8.3.4.1)"),
                format!("case #{case} has an unfinished child-protection report (8.3.4.1)"),
            ),
            _ => (
                format!("个案 #{case} 有新消息"),
                format!("news on case #{case}"),
            ),
        }
    }
}

/// Who is told of an unfinished report on a case of `station`: its active station heads and the
/// active purchaser accounts of the county above it.
pub fn protection_recipients(conn: &mut DbConn, station: &str) -> StoreResult<Vec<i64>> {
    let county = OrgCode::parse(station)
        .ok()
        .and_then(|c| c.county())
        .map(|c| c.as_str().to_string())
        .unwrap_or_default();
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(
            users::role
                .eq(Role::StationHead.id())
                .and(users::org_code.eq(station))
                .or(users::role
                    .eq(Role::Purchaser.id())
                    .and(users::org_code.eq(county))),
        )
        .order(users::id)
        .select(users::id)
        .load(conn)?)
}

/// Adds one notification per recipient.
pub fn notify(
    conn: &mut DbConn,
    recipients: &[i64],
    kind: &str,
    case_id: i64,
    now: i64,
) -> StoreResult<()> {
    for u in recipients {
        diesel::insert_into(notifications::table)
            .values((
                notifications::user_id.eq(u),
                notifications::kind.eq(kind),
                notifications::case_id.eq(case_id),
                notifications::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The user's notifications, unread first, then newest first (at most `limit`).
pub fn of_user(conn: &mut DbConn, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order((
            notifications::read_at.is_not_null(),
            notifications::id.desc(),
        ))
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)?)
}

pub fn unread_count(conn: &mut DbConn, user_id: i64) -> StoreResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of the user's notifications read; someone else's is not found. Marking it again
/// changes nothing.
pub fn mark_read(conn: &mut DbConn, user_id: i64, id: i64, now: i64) -> StoreResult<()> {
    let mine = || {
        notifications::table
            .find(id)
            .filter(notifications::user_id.eq(user_id))
    };
    let found: i64 = mine().count().get_result(conn)?;
    if found != 1 {
        return Err(StoreError::NotFound);
    }
    diesel::update(mine().filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(now))
        .execute(conn)?;
    Ok(())
}
