//! Login sessions, kept in the database so several server processes can share them (design.md
//! decision 2). Only a hash of the session id is stored: a copy of the database opens no session.

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::keys::{random_token, sha256_hex};
use crate::schema::{sessions, users};
use crate::users::User;
use diesel::prelude::*;
use shegong_domain::account::LoginStage;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub stage: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl Session {
    pub fn stage(&self) -> LoginStage {
        LoginStage::from_id(&self.stage).unwrap_or(LoginStage::TwoFactor)
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Idle timeout (等保: 30 minutes).
    pub idle_secs: i64,
    /// Hard limit from login, whatever the activity.
    pub absolute_secs: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 3600,
        }
    }
}

/// Touching `last_seen_at` on every request would make every page view a write; a minute of
/// slack on a 30-minute idle timeout is not worth that cost.
const TOUCH_EVERY_SECS: i64 = 60;

/// A new session; returns the secret id for the cookie and the CSRF token.
pub fn create(
    conn: &mut DbConn,
    user_id: i64,
    stage: LoginStage,
    ip: &str,
    user_agent: &str,
    now: i64,
) -> StoreResult<(String, String)> {
    let token = random_token(32);
    let csrf = random_token(32);
    let ua: String = user_agent.chars().take(200).collect();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(sha256_hex(token.as_bytes())),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(&csrf),
            sessions::stage.eq(stage.id()),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::ip.eq(ip),
            sessions::user_agent.eq(ua),
        ))
        .execute(conn)?;
    Ok((token, csrf))
}

/// Why a cookie did not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Missing,
    Expired,
}

/// The live session and its user for a cookie value, or why not. Does not write.
pub fn load(
    conn: &mut DbConn,
    token: &str,
    now: i64,
    life: Lifetimes,
) -> StoreResult<Result<(Session, User), Lookup>> {
    let row: Option<(Session, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(sha256_hex(token.as_bytes())))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Err(Lookup::Missing),
        Some((s, _))
            if now - s.last_seen_at > life.idle_secs || now - s.created_at > life.absolute_secs =>
        {
            Err(Lookup::Expired)
        }
        Some((_, u)) if !u.active => Err(Lookup::Missing),
        Some(pair) => Ok(pair),
    })
}

/// Whether a request at `now` should refresh the session's idle clock.
pub fn needs_touch(s: &Session, now: i64) -> bool {
    now - s.last_seen_at >= TOUCH_EVERY_SECS
}

pub fn touch(conn: &mut DbConn, id: &str, now: i64) -> StoreResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn set_stage(conn: &mut DbConn, id: &str, stage: LoginStage) -> StoreResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::stage.eq(stage.id()))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_by_token(conn: &mut DbConn, token: &str) -> StoreResult<()> {
    delete(conn, &sha256_hex(token.as_bytes()))
}

/// Ends every session of a user but one (after a password change, a lock or a deactivation).
pub fn delete_for_user(
    conn: &mut DbConn,
    user_id: i64,
    except: Option<&str>,
) -> StoreResult<usize> {
    let q = sessions::table.filter(sessions::user_id.eq(user_id));
    Ok(match except {
        Some(keep) => diesel::delete(q.filter(sessions::id.ne(keep))).execute(conn)?,
        None => diesel::delete(q).execute(conn)?,
    })
}

/// Removes sessions past their idle or absolute limit.
pub fn purge_expired(conn: &mut DbConn, now: i64, life: Lifetimes) -> StoreResult<usize> {
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::last_seen_at
                .lt(now - life.idle_secs)
                .or(sessions::created_at.lt(now - life.absolute_secs)),
        ),
    )
    .execute(conn)?)
}
