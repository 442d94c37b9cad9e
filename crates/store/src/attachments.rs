//! Attachments of service records (10.3; issue 4 point 2; decision 0017): the rows that describe
//! them. The bytes go through [`crate::files::Storage`], encrypted; a row names them by a random
//! key. Callers open the case first (`cases::get` with the viewer's scope) and pass its row, so
//! every query here is bounded by a case the caller may see.

use crate::audit::{self, Actor, Event};
use crate::cases::{CaseRow, Kind, case_records};
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

diesel::table! {
    case_attachments (id) {
        id -> BigInt,
        case_id -> BigInt,
        record_id -> BigInt,
        storage_key -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_by_name -> Text,
        uploaded_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        deleted_by -> Nullable<BigInt>,
        deleted_by_name -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub case_id: i64,
    pub record_id: i64,
    #[serde(skip)]
    pub storage_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by_name: String,
    pub uploaded_at: i64,
    pub deleted_at: Option<i64>,
    pub deleted_by_name: Option<String>,
    pub delete_reason: Option<String>,
}

/// A checked upload whose bytes are already stored under `storage_key`.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub record_id: i64,
    pub storage_key: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
}

/// The service record `record_id` of case `case_id` (404 for any other record, or another
/// case's).
pub fn service_record(conn: &mut DbConn, case_id: i64, record_id: i64) -> StoreResult<()> {
    case_records::table
        .find(record_id)
        .filter(case_records::case_id.eq(case_id))
        .filter(case_records::kind.eq(Kind::Service.id()))
        .select(case_records::id)
        .first::<i64>(conn)
        .found()
        .map(|_| ())
}

/// Keeps the row of an attachment to a service record of `c`, audited in the same transaction.
pub fn insert(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    n: &NewAttachment,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    service_record(conn, c.id, n.record_id)?;
    let id = diesel::insert_into(case_attachments::table)
        .values((
            case_attachments::case_id.eq(c.id),
            case_attachments::record_id.eq(n.record_id),
            case_attachments::storage_key.eq(n.storage_key),
            case_attachments::file_name.eq(n.file_name),
            case_attachments::content_type.eq(n.content_type),
            case_attachments::size.eq(n.size),
            case_attachments::sha256.eq(n.sha256),
            case_attachments::uploaded_by.eq(actor.user_id),
            case_attachments::uploaded_by_name.eq(&actor.name),
            case_attachments::uploaded_at.eq(now),
        ))
        .returning(case_attachments::id)
        .get_result::<i64>(conn)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.attachment.create", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({
                "record_id": n.record_id,
                "attachment_id": id,
                "content_type": n.content_type,
                "size": n.size,
            })),
    )?;
    Ok(id)
}

/// The attachments of a service record, oldest first; deleted ones too, with who and why.
pub fn of_record(
    conn: &mut DbConn,
    case_id: i64,
    record_id: i64,
) -> StoreResult<Vec<AttachmentRow>> {
    Ok(case_attachments::table
        .filter(case_attachments::case_id.eq(case_id))
        .filter(case_attachments::record_id.eq(record_id))
        .order(case_attachments::id)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// How many live attachments each service record of a case has: (record id, count).
pub fn counts(conn: &mut DbConn, case_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    Ok(case_attachments::table
        .filter(case_attachments::case_id.eq(case_id))
        .filter(case_attachments::deleted_at.is_null())
        .group_by(case_attachments::record_id)
        .select((case_attachments::record_id, diesel::dsl::count_star()))
        .order(case_attachments::record_id)
        .load(conn)?)
}

/// One attachment of case `case_id` (404 for another case's), deleted or not.
pub fn get(conn: &mut DbConn, case_id: i64, id: i64) -> StoreResult<AttachmentRow> {
    case_attachments::table
        .find(id)
        .filter(case_attachments::case_id.eq(case_id))
        .select(AttachmentRow::as_select())
        .first(conn)
        .found()
}

/// Records a download of a live attachment (every one is audited: these are photos of people).
/// Returns the row, so the caller reads the bytes it names.
pub fn read(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    id: i64,
    actor: &Actor,
) -> StoreResult<AttachmentRow> {
    let row = get(conn, c.id, id)?;
    if row.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.attachment.read", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"record_id": row.record_id, "attachment_id": id})),
    )?;
    Ok(row)
}

/// Marks a live attachment deleted with its reason (checked by `text::reason`), audited. Returns
/// the storage key, whose bytes the caller removes once this has committed.
pub fn delete(
    conn: &mut DbConn,
    keys: &Keys,
    c: &CaseRow,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<String> {
    let row = get(conn, c.id, id)?;
    let n = diesel::update(
        case_attachments::table
            .find(id)
            .filter(case_attachments::deleted_at.is_null()),
    )
    .set((
        case_attachments::deleted_at.eq(now),
        case_attachments::deleted_by.eq(actor.user_id),
        case_attachments::deleted_by_name.eq(&actor.name),
        case_attachments::delete_reason.eq(reason),
    ))
    .execute(conn)?;
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "case.attachment.delete", "case", c.id)
            .org(c.org_code.clone())
            .detail(json!({"record_id": row.record_id, "attachment_id": id})),
    )?;
    Ok(row.storage_key)
}
