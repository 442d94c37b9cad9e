//! The audit log (design.md decision 9, issue 2 point 6): append-only and hash-chained. Each entry
//! holds the hash of the one before and a MAC of its own hash under a key kept outside the database,
//! so an entry changed, deleted or reordered — even by someone who can write the database and
//! recompute hashes — is found by [`verify`].

use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::{Keys, sha256_hex};
use crate::query::{Listing, Page};
use crate::schema::{audit_head, audit_log};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::scope::Scope;

const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Entries younger than this are never purged (网络安全法 Art. 21: at least six months).
pub const MIN_RETENTION_SECS: i64 = 180 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// Who did it and from where: every event carries this.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: String,
}

impl Actor {
    /// The command line, run by whoever holds the server's files.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("system:{what}"),
            ip: "local".into(),
        }
    }
}

/// One event to record. `detail` must never hold personal data (names of people served, ID or
/// phone numbers): ids and field names only.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    pub org_code: Option<String>,
    pub outcome: Outcome,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    pub fn new(
        actor: &'a Actor,
        action: &'a str,
        target_kind: &'a str,
        target_id: impl ToString,
    ) -> Self {
        Event {
            actor,
            action,
            target_kind,
            target_id: target_id.to_string(),
            org_code: None,
            outcome: Outcome::Ok,
            detail: serde_json::Value::Null,
        }
    }

    pub fn org(mut self, code: impl Into<String>) -> Self {
        self.org_code = Some(code.into());
        self
    }

    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }

    pub fn detail(mut self, d: serde_json::Value) -> Self {
        self.detail = d;
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub org_code: Option<String>,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
    pub mac: String,
}

impl Entry {
    fn computed_hash(&self) -> String {
        chain_hash(&HashInput {
            seq: self.seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            ip: &self.ip,
            action: &self.action,
            target_kind: &self.target_kind,
            target_id: &self.target_id,
            org_code: self.org_code.as_deref(),
            outcome: &self.outcome,
            detail: &self.detail,
            prev_hash: &self.prev_hash,
        })
    }
}

struct HashInput<'a> {
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &'a str,
    ip: &'a str,
    action: &'a str,
    target_kind: &'a str,
    target_id: &'a str,
    org_code: Option<&'a str>,
    outcome: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
}

/// SHA-256 over the fields in a fixed order, each length-prefixed so no two entries serialise alike.
fn chain_hash(e: &HashInput) -> String {
    let mut buf = Vec::with_capacity(256);
    let mut put = |s: &str| {
        buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
        buf.extend_from_slice(s.as_bytes());
    };
    put(&e.seq.to_string());
    put(&e.at.to_string());
    put(&e.actor_id.map(|i| i.to_string()).unwrap_or_default());
    put(e.actor);
    put(e.ip);
    put(e.action);
    put(e.target_kind);
    put(e.target_id);
    put(e.org_code.unwrap_or("\u{0}"));
    put(e.outcome);
    put(e.detail);
    put(e.prev_hash);
    sha256_hex(&buf)
}

fn head_mac(keys: &Keys, last_seq: i64, last_hash: &str, base_seq: i64, base_hash: &str) -> String {
    keys.audit_mac(format!("head|{last_seq}|{last_hash}|{base_seq}|{base_hash}").as_bytes())
}

/// Creates the head of the chain if this database has none yet.
pub fn ensure_head(conn: &mut DbConn, keys: &Keys) -> StoreResult<()> {
    let mac = head_mac(keys, 0, GENESIS_HASH, 0, GENESIS_HASH);
    let row = (
        audit_head::id.eq(1),
        audit_head::last_seq.eq(0i64),
        audit_head::last_hash.eq(GENESIS_HASH),
        audit_head::base_seq.eq(0i64),
        audit_head::base_hash.eq(GENESIS_HASH),
        audit_head::mac.eq(mac),
    );
    crate::each_backend!(conn, c => diesel::insert_into(audit_head::table).values(row.clone()).on_conflict_do_nothing().execute(c))?;
    Ok(())
}

/// Appends one entry. Call inside the write transaction of the change it records, so the change
/// and its audit entry are committed together or not at all.
pub fn append(conn: &mut DbConn, keys: &Keys, ev: &Event) -> StoreResult<i64> {
    append_at(conn, keys, ev, shegong_domain::clock::now())
}

/// [`append`] with the time given: for entries carried over from another system (and tests).
pub fn append_at(conn: &mut DbConn, keys: &Keys, ev: &Event, at: i64) -> StoreResult<i64> {
    ensure_head(conn, keys)?;
    // Taking the next number with an UPDATE locks the head row on PostgreSQL (SQLite's write
    // transaction is already exclusive), so concurrent server processes never fork the chain.
    let (seq, prev_hash, base_seq, base_hash): (i64, String, i64, String) =
        diesel::update(audit_head::table)
            .filter(audit_head::id.eq(1))
            .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
            .returning((
                audit_head::last_seq,
                audit_head::last_hash,
                audit_head::base_seq,
                audit_head::base_hash,
            ))
            .get_result(conn)?;
    let detail = if ev.detail.is_null() {
        String::from("{}")
    } else {
        ev.detail.to_string()
    };
    let outcome = ev.outcome.id();
    let hash = chain_hash(&HashInput {
        seq,
        at,
        actor_id: ev.actor.user_id,
        actor: &ev.actor.name,
        ip: &ev.actor.ip,
        action: ev.action,
        target_kind: ev.target_kind,
        target_id: &ev.target_id,
        org_code: ev.org_code.as_deref(),
        outcome,
        detail: &detail,
        prev_hash: &prev_hash,
    });
    let mac = keys.audit_mac(hash.as_bytes());
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor_id.eq(ev.actor.user_id),
            audit_log::actor.eq(&ev.actor.name),
            audit_log::ip.eq(&ev.actor.ip),
            audit_log::action.eq(ev.action),
            audit_log::target_kind.eq(ev.target_kind),
            audit_log::target_id.eq(&ev.target_id),
            audit_log::org_code.eq(ev.org_code.as_deref()),
            audit_log::outcome.eq(outcome),
            audit_log::detail.eq(&detail),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(&hash),
            audit_log::mac.eq(&mac),
        ))
        .execute(conn)?;
    let hmac = head_mac(keys, seq, &hash, base_seq, &base_hash);
    diesel::update(audit_head::table)
        .filter(audit_head::id.eq(1))
        .set((audit_head::last_hash.eq(&hash), audit_head::mac.eq(hmac)))
        .execute(conn)?;
    Ok(seq)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Every entry from the base to the head is present, in order, unchanged.
    Intact { entries: i64 },
    /// The first entry found wrong, and how.
    Broken { seq: i64, problem: Problem },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Its content no longer matches its hash or its MAC: changed, or moved from another position.
    Changed,
    /// It is missing: the entries on either side do not join.
    Deleted,
    /// It does not follow the entry before it (its predecessor was removed or the order changed).
    NotLinked,
    /// The head of the chain was altered.
    Head,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Intact { entries } => write!(f, "audit chain intact: {entries} entries"),
            Finding::Broken { seq, problem } => {
                let what = match problem {
                    Problem::Changed => "was changed or moved",
                    Problem::Deleted => "was deleted",
                    Problem::NotLinked => {
                        "does not follow the entry before it (deleted or reordered)"
                    }
                    Problem::Head => {
                        "is not where the chain head says the log ends (entries deleted or head altered)"
                    }
                };
                write!(f, "audit entry {seq} {what}")
            }
        }
    }
}

/// Walks the whole chain from its base, in batches, checking each entry's hash, MAC and link.
pub fn verify(conn: &mut DbConn, keys: &Keys) -> StoreResult<Finding> {
    let head: Option<(i64, String, i64, String, String)> = audit_head::table
        .select((
            audit_head::last_seq,
            audit_head::last_hash,
            audit_head::base_seq,
            audit_head::base_hash,
            audit_head::mac,
        ))
        .first(conn)
        .optional()?;
    let Some((last_seq, last_hash, base_seq, base_hash, mac)) = head else {
        let any = audit_log::table
            .select(audit_log::seq)
            .order(audit_log::seq)
            .first::<i64>(conn)
            .optional()?;
        return Ok(match any {
            Some(seq) => Finding::Broken {
                seq,
                problem: Problem::Head,
            },
            None => Finding::Intact { entries: 0 },
        });
    };
    if head_mac(keys, last_seq, &last_hash, base_seq, &base_hash) != mac {
        return Ok(Finding::Broken {
            seq: last_seq,
            problem: Problem::Head,
        });
    }
    let mut expected_seq = base_seq + 1;
    let mut prev = base_hash;
    let mut count = 0i64;
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq)
            .limit(5000)
            .select(Entry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            if e.seq != expected_seq {
                return Ok(Finding::Broken {
                    seq: expected_seq,
                    problem: Problem::Deleted,
                });
            }
            if e.computed_hash() != e.hash || keys.audit_mac(e.hash.as_bytes()) != e.mac {
                return Ok(Finding::Broken {
                    seq: e.seq,
                    problem: Problem::Changed,
                });
            }
            if e.prev_hash != prev {
                return Ok(Finding::Broken {
                    seq: e.seq,
                    problem: Problem::NotLinked,
                });
            }
            prev = e.hash;
            expected_seq += 1;
            count += 1;
        }
    }
    // Entries before the base must be gone, entries after the head must not exist, and the last
    // entry must be the one the head names.
    if expected_seq - 1 != last_seq || prev != last_hash {
        return Ok(Finding::Broken {
            seq: expected_seq.min(last_seq),
            problem: Problem::Head,
        });
    }
    Ok(Finding::Intact { entries: count })
}

/// Deletes entries older than `older_than_secs` (at least 180 days) and moves the chain's base past
/// them, so the rest still verifies. Returns how many were removed.
pub fn purge(conn: &mut DbConn, keys: &Keys, older_than_secs: i64, now: i64) -> StoreResult<i64> {
    if older_than_secs < MIN_RETENTION_SECS {
        return Err(StoreError::Other(
            "audit entries younger than 180 days cannot be purged".into(),
        ));
    }
    let cutoff = now - older_than_secs;
    // The chain is cut at the first entry that must stay, so seq order (not time order) decides.
    let keep_from: Option<i64> = audit_log::table
        .filter(audit_log::at.ge(cutoff))
        .select(diesel::dsl::min(audit_log::seq))
        .first(conn)?;
    let (last_seq, last_hash): (i64, String) = audit_head::table
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)
        .found()?;
    let new_base = keep_from.map(|s| s - 1).unwrap_or(last_seq);
    let base_hash: Option<String> = audit_log::table
        .filter(audit_log::seq.eq(new_base))
        .select(audit_log::hash)
        .first(conn)
        .optional()?;
    let Some(base_hash) = base_hash else {
        return Ok(0);
    };
    let removed =
        diesel::delete(audit_log::table.filter(audit_log::seq.le(new_base))).execute(conn)? as i64;
    let mac = head_mac(keys, last_seq, &last_hash, new_base, &base_hash);
    diesel::update(audit_head::table)
        .filter(audit_head::id.eq(1))
        .set((
            audit_head::base_seq.eq(new_base),
            audit_head::base_hash.eq(base_hash),
            audit_head::mac.eq(mac),
        ))
        .execute(conn)?;
    Ok(removed)
}

/// Filters of the audit log viewer.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
    pub outcome: Option<String>,
    pub org_code: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Include events with no org (system, failed logins of unknown names): system admins only.
    pub include_unscoped: bool,
}

/// Entries in scope, newest first.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    f: &Filter,
    page: Page,
) -> StoreResult<Listing<Entry>> {
    let build = || {
        let mut q = audit_log::table.into_boxed();
        let in_scope = crate::scope_filter!(audit_log::org_code.assume_not_null(), scope);
        q = if f.include_unscoped {
            q.filter(audit_log::org_code.is_null().or(in_scope))
        } else {
            q.filter(audit_log::org_code.is_not_null().and(in_scope))
        };
        if let Some(a) = &f.actor {
            q = q.filter(audit_log::actor.eq(a.clone()));
        }
        if let Some(p) = &f.action_prefix {
            // Escaped, not stripped: action ids are full of `_` (auth.password_change).
            q = q.filter(
                audit_log::action
                    .like(crate::query::like_prefix(p))
                    .escape('\\'),
            );
        }
        if let Some(o) = &f.outcome {
            q = q.filter(audit_log::outcome.eq(o.clone()));
        }
        if let Some(c) = &f.org_code {
            q = q.filter(audit_log::org_code.eq(c.clone()));
        }
        if let Some(t) = f.from {
            q = q.filter(audit_log::at.ge(t));
        }
        if let Some(t) = f.until {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let items = build()
        .order(audit_log::seq.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(Entry::as_select())
        .load(conn)?;
    Ok(Listing { items, total })
}
