//! Transfers of a person between stations (issue 3 points 2 and 8): sent by the holding station or
//! requested by another one (found by ID number), accepted or declined by the other side. The
//! person's history and timeline travel with them: the record itself moves.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::persons::{add_history, add_timeline};
use crate::query::{Listing, Page};
use crate::schema::{person_assignments, persons};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::Msg;
use shegong_domain::moves::{Decision, Direction, Status, decide};
use shegong_domain::scope::Scope;

diesel::table! {
    transfers (id) {
        id -> BigInt,
        person_id -> BigInt,
        from_org -> Text,
        to_org -> Text,
        direction -> Text,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> BigInt,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
        note -> Text,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = transfers)]
pub struct TransferRow {
    pub id: i64,
    pub person_id: i64,
    pub from_org: String,
    pub to_org: String,
    pub direction: String,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: String,
}

impl TransferRow {
    pub fn direction(&self) -> Direction {
        Direction::from_id(&self.direction).unwrap_or(Direction::Send)
    }

    pub fn status(&self) -> Status {
        // An unknown status is treated as settled: nothing more can happen to it.
        Status::from_id(&self.status).unwrap_or(Status::Cancelled)
    }

    pub fn deciding_org(&self) -> &str {
        self.direction().deciding_org(&self.from_org, &self.to_org)
    }

    pub fn asking_org(&self) -> &str {
        self.direction().asking_org(&self.from_org, &self.to_org)
    }
}

/// A transfer with what its viewer may know of the person: the masked ID number always (the
/// requester typed it), the name only when the viewer sees the person or was sent them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub t: TransferRow,
    pub name: String,
    pub id_number_masked: Option<String>,
}

pub struct NewTransfer<'a> {
    pub person_id: i64,
    pub from_org: &'a str,
    pub to_org: &'a str,
    pub direction: Direction,
    pub reason: &'a str,
}

/// Records a pending transfer; a person has at most one pending transfer.
pub fn create(conn: &mut DbConn, n: &NewTransfer, actor: &Actor, now: i64) -> StoreResult<i64> {
    let pending = transfers::table
        .filter(transfers::person_id.eq(n.person_id))
        .filter(transfers::status.eq(Status::Pending.id()))
        .count()
        .get_result::<i64>(conn)?;
    if pending > 0 {
        return Err(StoreError::Conflict(Msg::new(
            "此人已有一个待处理的转移申请",
            "a transfer of this person is already pending",
        )));
    }
    Ok(diesel::insert_into(transfers::table)
        .values((
            transfers::person_id.eq(n.person_id),
            transfers::from_org.eq(n.from_org),
            transfers::to_org.eq(n.to_org),
            transfers::direction.eq(n.direction.id()),
            transfers::reason.eq(n.reason),
            transfers::status.eq(Status::Pending.id()),
            transfers::requested_by.eq(&actor.name),
            transfers::requested_at.eq(now),
        ))
        .returning(transfers::id)
        .get_result(conn)?)
}

/// A transfer one of whose sides lies in the scope; otherwise not found.
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> StoreResult<TransferRow> {
    let t: TransferRow = transfers::table
        .find(id)
        .select(TransferRow::as_select())
        .first(conn)
        .found()?;
    if scope.contains(&t.from_org) || scope.contains(&t.to_org) {
        Ok(t)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Which transfers to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Waiting for this scope's decision.
    ToDecide,
    /// Asked by this scope.
    Asked,
    /// Everything touching the scope.
    All,
}

/// Transfers touching the scope, newest first. `sees(person_id)` says whether the viewer may see
/// the person's record; the name is given only then, or to the receiver of a transfer sent to it.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    which: Which,
    status: Option<Status>,
    page: Page,
    sees: &dyn Fn(&mut DbConn, i64) -> StoreResult<bool>,
) -> StoreResult<Listing<Listed>> {
    let rows: Vec<TransferRow> = {
        let mut q = transfers::table.into_boxed().filter(
            crate::scope_filter!(transfers::from_org, scope)
                .or(crate::scope_filter!(transfers::to_org, scope)),
        );
        if let Some(s) = status {
            q = q.filter(transfers::status.eq(s.id()));
        }
        q.order(transfers::id.desc())
            .select(TransferRow::as_select())
            .load(conn)?
    };
    let mine = |t: &TransferRow| match which {
        Which::ToDecide => scope.contains(t.deciding_org()),
        Which::Asked => scope.contains(t.asking_org()),
        Which::All => true,
    };
    let rows: Vec<TransferRow> = rows.into_iter().filter(mine).collect();
    let total = rows.len() as i64;
    let mut items = Vec::new();
    for mut t in rows
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
    {
        // Until a request is accepted, the asking station is not told where the person is.
        if t.direction() == Direction::Request
            && !scope.contains(&t.from_org)
            && t.status() != Status::Accepted
        {
            t.from_org.clear();
        }
        let (name, masked): (String, Option<String>) = persons::table
            .find(t.person_id)
            .select((persons::name, persons::id_number_masked))
            .first(conn)?;
        let sent_to_me = t.direction() == Direction::Send && scope.contains(&t.to_org);
        let name = if sent_to_me || sees(conn, t.person_id)? {
            name
        } else {
            String::new()
        };
        items.push(Listed {
            t,
            name,
            id_number_masked: masked,
        });
    }
    Ok(Listing { items, total })
}

/// Settles a pending transfer. Accepting moves the person's record to the destination: the
/// scope, search entries and history go with it, and the old station's assignments end.
pub fn settle(
    conn: &mut DbConn,
    id: i64,
    d: Decision,
    note: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<TransferRow> {
    let t: TransferRow = transfers::table
        .find(id)
        .select(TransferRow::as_select())
        .first(conn)
        .found()?;
    let next = decide(t.status(), d).map_err(StoreError::Conflict)?;
    diesel::update(transfers::table.find(id))
        .set((
            transfers::status.eq(next.id()),
            transfers::decided_by.eq(Some(&actor.name)),
            transfers::decided_at.eq(Some(now)),
            transfers::note.eq(note),
        ))
        .execute(conn)?;
    if next == Status::Accepted {
        let (org, version): (String, i64) = persons::table
            .find(t.person_id)
            .select((persons::org_code, persons::version))
            .first(conn)?;
        diesel::update(persons::table.find(t.person_id))
            .set((
                persons::org_code.eq(&t.to_org),
                persons::version.eq(version + 1),
                persons::updated_at.eq(now),
            ))
            .execute(conn)?;
        // Search tokens are keyed by station: written again for the new one.
        let name: String = persons::table
            .find(t.person_id)
            .select(persons::name)
            .first(conn)?;
        crate::persons::write_tokens(conn, t.person_id, &name, &t.to_org)?;
        diesel::delete(
            person_assignments::table.filter(person_assignments::person_id.eq(t.person_id)),
        )
        .execute(conn)?;
        add_history(
            conn,
            t.person_id,
            actor,
            "org_code",
            Some(&org),
            Some(&t.to_org),
            now,
        )?;
        add_timeline(
            conn,
            t.person_id,
            "transfer.accepted",
            Some(t.id),
            &format!("转移:{org} → {}", t.to_org),
            actor,
            now,
        )?;
    }
    Ok(transfers::table
        .find(id)
        .select(TransferRow::as_select())
        .first(conn)?)
}

/// Pending transfers waiting for the scope's decision, for the home page and the archive hub.
pub fn count_to_decide(conn: &mut DbConn, scope: &Scope) -> StoreResult<i64> {
    let rows: Vec<(String, String, String)> = transfers::table
        .filter(transfers::status.eq(Status::Pending.id()))
        .filter(
            crate::scope_filter!(transfers::from_org, scope)
                .or(crate::scope_filter!(transfers::to_org, scope)),
        )
        .select((transfers::from_org, transfers::to_org, transfers::direction))
        .load(conn)?;
    Ok(rows
        .iter()
        .filter(|(f, t, d)| {
            let d = Direction::from_id(d).unwrap_or(Direction::Send);
            scope.contains(d.deciding_org(f, t))
        })
        .count() as i64)
}
