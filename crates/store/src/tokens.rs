//! API tokens for integrations (`Authorization: Bearer …`, no CSRF). Shown once at creation; only
//! a hash is stored.

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::keys::{random_token, sha256_hex};
use crate::schema::{api_tokens, users};
use crate::users::User;
use diesel::prelude::*;
use serde::Serialize;

pub const PREFIX: &str = "sgt_";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a token; returns its id and the secret, which is never shown again.
pub fn create(
    conn: &mut DbConn,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
    now: i64,
) -> StoreResult<(i64, String)> {
    let secret = format!("{PREFIX}{}", random_token(32));
    let id = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(sha256_hex(secret.as_bytes())),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(expires_at),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    Ok((id, secret))
}

/// The token's user, if the token is live and the account active.
pub fn authenticate(
    conn: &mut DbConn,
    secret: &str,
    now: i64,
) -> StoreResult<Option<(ApiToken, User)>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let row: Option<(ApiToken, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(sha256_hex(secret.as_bytes())))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .filter(users::active.eq(true))
        .select((ApiToken::as_select(), User::as_select()))
        .first(conn)
        .optional()?;
    Ok(row)
}

/// Records use at most once a minute (a write per API call would be wasteful).
pub fn note_use(conn: &mut DbConn, t: &ApiToken, now: i64) -> StoreResult<()> {
    if t.last_used_at.is_none_or(|u| now - u >= 60) {
        diesel::update(api_tokens::table.find(t.id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_for_user(conn: &mut DbConn, user_id: i64) -> StoreResult<Vec<ApiToken>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// Revokes one of the user's own tokens.
pub fn revoke(conn: &mut DbConn, user_id: i64, id: i64, now: i64) -> StoreResult<()> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
