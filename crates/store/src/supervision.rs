//! 督导记录 supervision records (7.4 b; service-quality monitoring records;
//! docs/decisions/0020). A record belongs to the org of its case (or of the worker it is on);
//! every read filters by the reader's scope, and a worker reads only the records on themselves and
//! on the cases they work on (`domain::quality::supervision::Reach`). State changes (the worker's
//! response, the follow-up done) are conditional updates, so a second one is a conflict (409),
//! never an overwrite.

use crate::audit::{self, Actor, Event};
use crate::cases::{case_workers, cases};
use crate::db::{DbConn, MultiBackend};
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use crate::query::{Listing, Page};
use crate::schema::{supervision_records as sr, users};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use shegong_domain::quality::supervision::{Reach, Supervision};
use shegong_domain::scope::Scope;
use shegong_domain::{Msg, dates};
use std::collections::HashMap;
use time::Date;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sr)]
pub struct Row {
    pub id: i64,
    pub org_code: String,
    pub case_id: Option<i64>,
    pub worker_id: i64,
    pub supervisor_id: i64,
    pub held_on: String,
    pub mode: String,
    pub observations: String,
    pub advice: String,
    pub follow_up: String,
    pub follow_up_due: Option<String>,
    pub follow_up_done_on: Option<String>,
    pub response: Option<String>,
    pub responded_at: Option<i64>,
    pub created_at: i64,
}

/// A record with the names of the worker and the supervisor, as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    #[serde(flatten)]
    pub row: Row,
    pub worker_name: String,
    pub supervisor_name: String,
}

/// Who reads: the scope, and for [`Reach::Own`] the worker's id.
#[derive(Debug, Clone)]
pub struct Reader {
    pub user_id: i64,
    pub scope: Scope,
    pub reach: Reach,
}

/// What to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub case_id: Option<i64>,
    pub worker_id: Option<i64>,
    pub supervisor_id: Option<i64>,
}

pub struct New<'a> {
    pub org_code: &'a str,
    pub case_id: Option<i64>,
    pub worker_id: i64,
    pub supervisor_id: i64,
    pub record: &'a Supervision,
}

pub fn create(
    conn: &mut DbConn,
    keys: &Keys,
    n: &New,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let r = n.record;
    let id = diesel::insert_into(sr::table)
        .values((
            sr::org_code.eq(n.org_code),
            sr::case_id.eq(n.case_id),
            sr::worker_id.eq(n.worker_id),
            sr::supervisor_id.eq(n.supervisor_id),
            sr::held_on.eq(dates::iso(r.held_on)),
            sr::mode.eq(r.mode),
            sr::observations.eq(&r.observations),
            sr::advice.eq(&r.advice),
            sr::follow_up.eq(&r.follow_up),
            sr::follow_up_due.eq(r.follow_up_due.map(dates::iso)),
            sr::created_at.eq(now),
        ))
        .returning(sr::id)
        .get_result::<i64>(conn)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "supervision.create", "supervision", id)
            .org(n.org_code)
            .detail(json!({"case_id": n.case_id, "worker_id": n.worker_id, "mode": r.mode})),
    )?;
    Ok(id)
}

/// The ids of the cases a worker leads or works on.
fn cases_of(conn: &mut DbConn, user_id: i64) -> StoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = cases::table
        .filter(cases::lead_worker.eq(user_id))
        .select(cases::id)
        .load(conn)?;
    ids.extend(
        case_workers::table
            .filter(case_workers::user_id.eq(user_id))
            .select(case_workers::case_id)
            .load::<i64>(conn)?,
    );
    Ok(ids)
}

fn readable<'a>(conn: &mut DbConn, r: &Reader) -> StoreResult<sr::BoxedQuery<'a, MultiBackend>> {
    let q = sr::table
        .into_boxed::<MultiBackend>()
        .filter(crate::scope_filter!(sr::org_code, &r.scope));
    Ok(match r.reach {
        Reach::Scope => q,
        Reach::Own => {
            let mine = cases_of(conn, r.user_id)?;
            q.filter(sr::worker_id.eq(r.user_id).or(sr::case_id.eq_any(mine)))
        }
    })
}

fn named(conn: &mut DbConn, rows: Vec<Row>) -> StoreResult<Vec<Named>> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.worker_id, r.supervisor_id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Named {
            worker_name: names.get(&row.worker_id).cloned().unwrap_or_default(),
            supervisor_name: names.get(&row.supervisor_id).cloned().unwrap_or_default(),
            row,
        })
        .collect())
}

/// The records the reader may see, newest first.
pub fn list(conn: &mut DbConn, r: &Reader, f: Filter, page: Page) -> StoreResult<Listing<Named>> {
    let build = |conn: &mut DbConn| -> StoreResult<_> {
        let mut q = readable(conn, r)?;
        if let Some(c) = f.case_id {
            q = q.filter(sr::case_id.eq(c));
        }
        if let Some(w) = f.worker_id {
            q = q.filter(sr::worker_id.eq(w));
        }
        if let Some(s) = f.supervisor_id {
            q = q.filter(sr::supervisor_id.eq(s));
        }
        Ok(q)
    };
    let total: i64 = build(conn)?.count().get_result(conn)?;
    let rows = build(conn)?
        .order((sr::held_on.desc(), sr::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Row::as_select())
        .load(conn)?;
    Ok(Listing {
        items: named(conn, rows)?,
        total,
    })
}

/// One record the reader may see (404 otherwise).
pub fn get(conn: &mut DbConn, r: &Reader, id: i64) -> StoreResult<Named> {
    let row = readable(conn, r)?
        .filter(sr::id.eq(id))
        .select(Row::as_select())
        .first(conn)
        .found()?;
    Ok(named(conn, vec![row])?.remove(0))
}

/// The worker's response, once (409 when already given).
pub fn respond(
    conn: &mut DbConn,
    keys: &Keys,
    rec: &Row,
    response: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let n = diesel::update(
        sr::table
            .filter(sr::id.eq(rec.id))
            .filter(sr::response.is_null()),
    )
    .set((sr::response.eq(response), sr::responded_at.eq(now)))
    .execute(conn)?;
    if n != 1 {
        return Err(StoreError::Conflict(Msg::new(
            "已回应过此督导记录",
            "this supervision has already been answered",
        )));
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "supervision.respond", "supervision", rec.id).org(rec.org_code.clone()),
    )?;
    Ok(())
}

/// Marks the follow-up done on `on`, once (409 when already done).
pub fn finish_follow_up(
    conn: &mut DbConn,
    keys: &Keys,
    rec: &Row,
    on: Date,
    actor: &Actor,
) -> StoreResult<()> {
    let n = diesel::update(
        sr::table
            .filter(sr::id.eq(rec.id))
            .filter(sr::follow_up_done_on.is_null()),
    )
    .set(sr::follow_up_done_on.eq(dates::iso(on)))
    .execute(conn)?;
    if n != 1 {
        return Err(StoreError::Conflict(Msg::new(
            "跟进事项已完成",
            "the follow-up is already done",
        )));
    }
    audit::append(
        conn,
        keys,
        &Event::new(actor, "supervision.follow_up_done", "supervision", rec.id)
            .org(rec.org_code.clone()),
    )?;
    Ok(())
}
