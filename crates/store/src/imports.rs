//! Roster imports (issue 3 point 10): a file is read once ([`workbook::read`]), its rows kept
//! encrypted until the import is committed or expires, checked by a dry run (the person form's
//! rules, the station's villages, ID numbers already registered), and committed all or nothing.
//! Matching makes a re-import idempotent: by ID number (blind index), else by name + birth date +
//! village.

pub mod workbook;

use crate::audit::{self, Actor, Event};
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use crate::persons::{self, ID_NUMBER, Viewer};
use crate::query::{Listing, Page};
use crate::schema::{org_units, persons as persons_t};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shegong_domain::person::{self, CategoryInput, ConsentInput, PersonFields, PersonInput};
use shegong_domain::roster::{self, Cell, Header, Mapping, RowError};
use shegong_domain::{Invalid, Msg, dates};
use std::collections::HashMap;

diesel::table! {
    imports (id) {
        id -> BigInt,
        org_code -> Text,
        created_by -> Nullable<BigInt>,
        created_by_name -> Text,
        file_name -> Text,
        layout_key -> Text,
        header_row -> BigInt,
        mapping -> Text,
        status -> Text,
        rows_total -> BigInt,
        rows_bad -> BigInt,
        to_create -> BigInt,
        to_update -> BigInt,
        to_keep -> BigInt,
        created -> BigInt,
        updated -> BigInt,
        unchanged -> BigInt,
        data_enc -> Nullable<Binary>,
        result_enc -> Nullable<Binary>,
        created_at -> BigInt,
        expires_at -> BigInt,
        committed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    import_layouts (layout_key) {
        layout_key -> Text,
        mapping -> Text,
        updated_at -> BigInt,
    }
}

/// How long an uploaded file waits for its commit.
pub const KEEP_SECONDS: i64 = 24 * 3600;

pub const PENDING: &str = "pending";
pub const COMMITTED: &str = "committed";
pub const EXPIRED: &str = "expired";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: i64,
    pub org_code: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub file_name: String,
    pub layout_key: String,
    pub header_row: i64,
    pub mapping: String,
    pub status: String,
    pub rows_total: i64,
    pub rows_bad: i64,
    pub to_create: i64,
    pub to_update: i64,
    pub to_keep: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub committed_at: Option<i64>,
}

impl ImportRow {
    pub fn mapping(&self) -> Mapping {
        serde_json::from_str(&self.mapping).unwrap_or_default()
    }

    pub fn columns(&self) -> Vec<String> {
        self.layout_key.split('|').map(str::to_string).collect()
    }

    pub fn header(&self) -> Header {
        Header {
            row: self.header_row as usize,
            columns: self.columns(),
        }
    }
}

/// The dry run's answer: counts and every bad row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DryRun {
    pub rows_total: usize,
    pub rows_bad: usize,
    pub to_create: usize,
    pub to_update: usize,
    pub unchanged: usize,
    /// Households the commit creates, and people it places in a household (or whose relation to
    /// the head it changes).
    #[serde(default)]
    pub households_new: usize,
    #[serde(default)]
    pub members_new: usize,
    pub errors: Vec<RowError>,
}

/// What a commit would do, row by row.
struct Plan {
    run: DryRun,
    creates: Vec<(String, PersonFields)>,
    /// person id, version, org code, fields
    updates: Vec<(i64, i64, String, PersonFields)>,
    households: Vec<HouseholdPlan>,
}

/// Who a roster row is once committed.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// The n-th person the commit creates.
    New(usize),
    Existing(i64),
}

/// One household of the roster: an existing one (found by its head) or a new one at the head's
/// place, and the memberships to add or change.
struct HouseholdPlan {
    existing: Option<i64>,
    org: String,
    address: String,
    /// (who, relation, current relation when already a member of this household)
    members: Vec<(Who, &'static str, Option<&'static str>)>,
}

/// The rules the caller passes in: today, and the deployment's added categories.
pub struct Rules {
    pub today: time::Date,
    pub custom_categories: Vec<String>,
}

impl Rules {
    pub fn load(conn: &mut DbConn) -> StoreResult<Rules> {
        Ok(Rules {
            today: dates::today(),
            custom_categories: persons::custom_category_list(conn)?
                .into_iter()
                .map(|(c, ..)| c)
                .collect(),
        })
    }

    fn validate(&self, input: &PersonInput) -> Result<PersonFields, Invalid> {
        person::validate(input, self.today, &|c| {
            self.custom_categories.iter().any(|k| k == c)
        })
    }
}

/// A file read and its header found: what an upload stores.
pub struct Upload {
    pub file_name: String,
    pub rows: Vec<Vec<Cell>>,
    pub header: Header,
}

/// Never prints cells: they hold personal data.
impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Upload({} rows, header row {})",
            self.rows.len(),
            self.header.row + 1
        )
    }
}

impl Upload {
    /// Reads a workbook and finds its header; refuses more than [`roster::MAX_ROWS`] data rows.
    pub fn read(bytes: &[u8], file_name: &str) -> Result<Upload, Msg> {
        let rows = workbook::read(bytes, file_name).map_err(|e| e.msg())?;
        let header = roster::find_header(&rows)?;
        let data = rows.len().saturating_sub(header.row + 1);
        if data > roster::MAX_ROWS {
            return Err(workbook::ReadError::TooManyRows.msg());
        }
        Ok(Upload {
            file_name: clean_file_name(file_name),
            rows,
            header,
        })
    }
}

/// A file name fit to show: its last path part, one line, at most 100 characters.
fn clean_file_name(n: &str) -> String {
    let base = n.rsplit(['/', '\\']).next().unwrap_or(n);
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '"'))
        .take(100)
        .collect();
    if s.trim().is_empty() {
        "roster.xlsx".into()
    } else {
        s
    }
}

fn invalid(field: &'static str, m: Msg) -> StoreError {
    StoreError::Invalid(Invalid::one(field, m))
}

/// The mapping remembered for a layout, if it still fits.
pub fn remembered_mapping(conn: &mut DbConn, header: &Header) -> StoreResult<Option<Mapping>> {
    let m: Option<String> = import_layouts::table
        .find(header.layout_key())
        .select(import_layouts::mapping)
        .first(conn)
        .optional()?;
    Ok(m.and_then(|m| serde_json::from_str::<Mapping>(&m).ok())
        .filter(|m| roster::check_mapping(m, header.columns.len()).is_ok()))
}

fn remember_mapping(conn: &mut DbConn, key: &str, m: &Mapping, now: i64) -> StoreResult<()> {
    let text = serde_json::to_string(m).map_err(|e| StoreError::Other(e.to_string()))?;
    diesel::delete(import_layouts::table.find(key)).execute(conn)?;
    diesel::insert_into(import_layouts::table)
        .values((
            import_layouts::layout_key.eq(key),
            import_layouts::mapping.eq(text),
            import_layouts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

fn seal<T: Serialize>(keys: &Keys, v: &T) -> StoreResult<Vec<u8>> {
    let bytes = serde_json::to_vec(v).map_err(|e| StoreError::Other(e.to_string()))?;
    Ok(keys.encrypt(&bytes))
}

fn open<T: for<'de> Deserialize<'de>>(keys: &Keys, blob: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(&keys.decrypt(blob)?).map_err(|e| StoreError::Other(e.to_string()))
}

/// Stores an upload for `station` and dry-runs it (call inside a write transaction). The viewer is
/// the importing user. Audited as `import.upload` (counts only).
pub fn create(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    up: &Upload,
    actor: &Actor,
    now: i64,
) -> StoreResult<(ImportRow, DryRun)> {
    let mapping = match remembered_mapping(conn, &up.header)? {
        Some(m) => m,
        None => roster::guess_mapping(&up.header),
    };
    let rules = Rules::load(conn)?;
    let run = if roster::check_mapping(&mapping, up.header.columns.len()).is_ok() {
        plan(
            conn, keys, v, station, &up.header, &mapping, &up.rows, &rules,
        )?
        .run
    } else {
        DryRun::default()
    };
    let id = diesel::insert_into(imports::table)
        .values((
            (
                imports::org_code.eq(station),
                imports::created_by.eq(actor.user_id),
                imports::created_by_name.eq(&actor.name),
                imports::file_name.eq(&up.file_name),
                imports::layout_key.eq(up.header.layout_key()),
                imports::header_row.eq(up.header.row as i64),
                imports::mapping.eq(serde_json::to_string(&mapping).unwrap_or_default()),
                imports::status.eq(PENDING),
            ),
            (
                imports::data_enc.eq(Some(seal(keys, &up.rows)?)),
                imports::result_enc.eq(Some(seal(keys, &run)?)),
                imports::created_at.eq(now),
                imports::expires_at.eq(now + KEEP_SECONDS),
            ),
        ))
        .returning(imports::id)
        .get_result::<i64>(conn)?;
    save_counts(conn, id, &run)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "import.upload", "import", id)
            .org(station)
            .detail(json!({"rows": run.rows_total, "bad": run.rows_bad})),
    )?;
    Ok((get(conn, &v.scope, id)?, run))
}

fn save_counts(conn: &mut DbConn, id: i64, run: &DryRun) -> StoreResult<()> {
    diesel::update(imports::table.find(id))
        .set((
            imports::rows_total.eq(run.rows_total as i64),
            imports::rows_bad.eq(run.rows_bad as i64),
            imports::to_create.eq(run.to_create as i64),
            imports::to_update.eq(run.to_update as i64),
            imports::to_keep.eq(run.unchanged as i64),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks imports whose time ran out and drops their rows.
pub fn expire(conn: &mut DbConn, now: i64) -> StoreResult<usize> {
    Ok(diesel::update(
        imports::table
            .filter(imports::status.eq(PENDING))
            .filter(imports::expires_at.lt(now)),
    )
    .set((
        imports::status.eq(EXPIRED),
        imports::data_enc.eq(None::<Vec<u8>>),
        imports::result_enc.eq(None::<Vec<u8>>),
    ))
    .execute(conn)?)
}

/// Imports of stations in scope, newest first.
pub fn list(
    conn: &mut DbConn,
    scope: &shegong_domain::scope::Scope,
    page: Page,
) -> StoreResult<Listing<ImportRow>> {
    let total = imports::table
        .filter(crate::scope_filter!(imports::org_code, scope))
        .count()
        .get_result(conn)?;
    let items = imports::table
        .filter(crate::scope_filter!(imports::org_code, scope))
        .order(imports::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(ImportRow::as_select())
        .load(conn)?;
    Ok(Listing { items, total })
}

pub fn get(
    conn: &mut DbConn,
    scope: &shegong_domain::scope::Scope,
    id: i64,
) -> StoreResult<ImportRow> {
    imports::table
        .find(id)
        .filter(crate::scope_filter!(imports::org_code, scope))
        .select(ImportRow::as_select())
        .first(conn)
        .found()
}

/// The stored dry-run result (none once committed or expired).
pub fn result(conn: &mut DbConn, keys: &Keys, id: i64) -> StoreResult<Option<DryRun>> {
    let blob: Option<Vec<u8>> = imports::table
        .find(id)
        .select(imports::result_enc)
        .first(conn)
        .found()?;
    blob.map(|b| open(keys, &b)).transpose()
}

fn pending_rows(
    conn: &mut DbConn,
    keys: &Keys,
    row: &ImportRow,
    now: i64,
) -> StoreResult<Vec<Vec<Cell>>> {
    let not_pending = || {
        StoreError::Conflict(Msg::new(
            "这次导入已提交或已过期,不能再修改;如需再导入请重新上传文件",
            "this import was committed or has expired; upload the file again",
        ))
    };
    if row.status != PENDING || row.expires_at < now {
        return Err(not_pending());
    }
    let blob: Option<Vec<u8>> = imports::table
        .find(row.id)
        .select(imports::data_enc)
        .first(conn)
        .found()?;
    open(keys, &blob.ok_or_else(not_pending)?)
}

/// Changes the column mapping (remembered for the layout) and dry-runs again.
#[allow(clippy::too_many_arguments)]
pub fn set_mapping(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    id: i64,
    mapping: &Mapping,
    actor: &Actor,
    now: i64,
) -> StoreResult<(ImportRow, DryRun)> {
    let row = get(conn, &v.scope, id)?;
    let rows = pending_rows(conn, keys, &row, now)?;
    let header = row.header();
    roster::check_mapping(mapping, header.columns.len()).map_err(|m| invalid("mapping", m))?;
    let rules = Rules::load(conn)?;
    let run = plan(
        conn,
        keys,
        v,
        &row.org_code,
        &header,
        mapping,
        &rows,
        &rules,
    )?
    .run;
    remember_mapping(conn, &row.layout_key, mapping, now)?;
    diesel::update(imports::table.find(id))
        .set((
            imports::mapping.eq(serde_json::to_string(mapping).unwrap_or_default()),
            imports::result_enc.eq(Some(seal(keys, &run)?)),
        ))
        .execute(conn)?;
    save_counts(conn, id, &run)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "import.mapping", "import", id)
            .org(row.org_code.clone())
            .detail(json!({"fields": mapping.keys().map(|f| f.key()).collect::<Vec<_>>()})),
    )?;
    Ok((get(conn, &v.scope, id)?, run))
}

/// What a commit did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub households_new: usize,
    pub members_new: usize,
}

/// Commits an import all or nothing (call inside a write transaction): dry-runs again on the
/// current data; any bad row refuses the whole file (`Err(Ok(run))`, nothing written). Each
/// created or changed person gets a timeline line; one `import.commit` audit entry holds the counts.
pub fn commit(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    id: i64,
    actor: &Actor,
    now: i64,
) -> StoreResult<Result<Report, DryRun>> {
    let row = get(conn, &v.scope, id)?;
    // Takes the import's row lock (PostgreSQL): a second commit of the same import waits, then
    // finds it no longer pending.
    let locked = diesel::update(imports::table.find(id).filter(imports::status.eq(PENDING)))
        .set(imports::status.eq(PENDING))
        .execute(conn)?;
    if locked == 0 {
        return Err(StoreError::Conflict(Msg::new(
            "这次导入已提交或已过期,不能再提交;如需再导入请重新上传文件",
            "this import was committed or has expired; upload the file again",
        )));
    }
    let rows = pending_rows(conn, keys, &row, now)?;
    commit_rows(conn, keys, v, &row, &rows, actor, now)
}

fn commit_rows(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    row: &ImportRow,
    rows: &[Vec<Cell>],
    actor: &Actor,
    now: i64,
) -> StoreResult<Result<Report, DryRun>> {
    let id = row.id;
    let header = row.header();
    let mapping = row.mapping();
    roster::check_mapping(&mapping, header.columns.len()).map_err(|m| invalid("mapping", m))?;
    let rules = Rules::load(conn)?;
    let p = plan(
        conn,
        keys,
        v,
        &row.org_code,
        &header,
        &mapping,
        rows,
        &rules,
    )?;
    if p.run.rows_bad > 0 {
        return Ok(Err(p.run));
    }
    let started = std::time::Instant::now();
    let report = apply(conn, keys, v, id, p, actor, now)?;
    tracing::debug!(
        import = id,
        ms = started.elapsed().as_millis() as u64,
        "import written"
    );
    diesel::update(imports::table.find(id))
        .set((
            imports::status.eq(COMMITTED),
            imports::created.eq(report.created as i64),
            imports::updated.eq(report.updated as i64),
            imports::unchanged.eq(report.unchanged as i64),
            imports::committed_at.eq(now),
            imports::data_enc.eq(None::<Vec<u8>>),
            // Counts only, kept for the report (the table has no household columns).
            imports::result_enc.eq(Some(seal(
                keys,
                &DryRun {
                    households_new: report.households_new,
                    members_new: report.members_new,
                    ..Default::default()
                },
            )?)),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        keys,
        &Event::new(actor, "import.commit", "import", id)
            .org(row.org_code.clone())
            .detail(json!({
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "households_new": report.households_new,
                "members_new": report.members_new,
            })),
    )?;
    Ok(Ok(report))
}

/// A dry run without storing anything (the command line's `--dry-run`, and its commit): reads
/// nothing but the database, writes nothing.
pub fn check(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    up: &Upload,
) -> StoreResult<(Mapping, DryRun)> {
    let mapping = match remembered_mapping(conn, &up.header)? {
        Some(m) => m,
        None => roster::guess_mapping(&up.header),
    };
    roster::check_mapping(&mapping, up.header.columns.len()).map_err(|m| invalid("mapping", m))?;
    let rules = Rules::load(conn)?;
    let run = plan(
        conn, keys, v, station, &up.header, &mapping, &up.rows, &rules,
    )?
    .run;
    Ok((mapping, run))
}

/// Checks and commits an upload in one go (the command line; call inside a write transaction):
/// the rows are checked once, and not stored. `Err(Ok(run))` when any row is bad — the caller
/// rolls the transaction back.
pub fn import_now(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    up: &Upload,
    actor: &Actor,
    now: i64,
) -> StoreResult<(i64, Result<Report, DryRun>)> {
    let mapping = match remembered_mapping(conn, &up.header)? {
        Some(m) => m,
        None => roster::guess_mapping(&up.header),
    };
    let id = diesel::insert_into(imports::table)
        .values((
            imports::org_code.eq(station),
            imports::created_by.eq(actor.user_id),
            imports::created_by_name.eq(&actor.name),
            imports::file_name.eq(&up.file_name),
            imports::layout_key.eq(up.header.layout_key()),
            imports::header_row.eq(up.header.row as i64),
            imports::mapping.eq(serde_json::to_string(&mapping).unwrap_or_default()),
            imports::status.eq(PENDING),
            imports::created_at.eq(now),
            imports::expires_at.eq(now + KEEP_SECONDS),
        ))
        .returning(imports::id)
        .get_result::<i64>(conn)?;
    let row = get(conn, &v.scope, id)?;
    let result = commit_rows(conn, keys, v, &row, &up.rows, actor, now)?;
    if let Ok(r) = &result {
        let run = DryRun {
            rows_total: r.created + r.updated + r.unchanged,
            to_create: r.created,
            to_update: r.updated,
            unchanged: r.unchanged,
            households_new: r.households_new,
            members_new: r.members_new,
            ..Default::default()
        };
        save_counts(conn, id, &run)?;
    }
    Ok((id, result))
}

fn apply(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    import_id: i64,
    p: Plan,
    actor: &Actor,
    now: i64,
) -> StoreResult<Report> {
    use crate::schema::person_timeline;
    let summary = format!("花名册导入建立档案(导入 #{import_id})");
    let mut created = 0;
    let batch: Vec<crate::bulk::Person> = p
        .creates
        .into_iter()
        .map(|(org_code, fields)| crate::bulk::Person {
            org_code,
            fields,
            household: None,
        })
        .collect();
    // Many random-order index inserts (search tokens): a larger page cache for this transaction
    // on SQLite, back to the usual size afterwards.
    let big = batch.len() > 5000;
    if big && let DbConn::Sqlite(c) = conn {
        diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA cache_size = -65536;")?;
    }
    let (mut bulk_ms, mut rest_ms) = (0u128, 0u128);
    let mut new_ids: Vec<i64> = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(2000) {
        let t = std::time::Instant::now();
        let (ids, _) = crate::bulk::insert(conn, keys, &[], chunk, actor, now).map_err(|e| {
            if e.is_unique_violation() {
                // Registered meanwhile by someone else (the dry run did not see it).
                StoreError::Conflict(Msg::new(
                    "导入期间有身份证号被他人登记,请重新检查后再提交",
                    "an ID number was registered meanwhile; check the import again",
                ))
            } else {
                e
            }
        })?;
        created += ids.len();
        new_ids.extend(&ids);
        bulk_ms += t.elapsed().as_millis();
        let t = std::time::Instant::now();
        for ids in ids.chunks(500) {
            diesel::update(
                person_timeline::table
                    .filter(person_timeline::person_id.eq_any(ids))
                    .filter(person_timeline::kind.eq("archive.created")),
            )
            .set((
                person_timeline::kind.eq("import.created"),
                person_timeline::ref_id.eq(import_id),
                person_timeline::summary.eq(&summary),
            ))
            .execute(conn)?;
        }
        // The importing worker is assigned to the people created (as with the form).
        if let Some(uid) = actor.user_id {
            use crate::schema::person_assignments as pa;
            let rows: Vec<_> = ids
                .iter()
                .map(|id| (pa::person_id.eq(*id), pa::user_id.eq(uid)))
                .collect();
            for chunk in rows.chunks(2000) {
                crate::each_backend!(conn, c => diesel::insert_into(pa::table).values(chunk).execute(c))?;
            }
        }
        rest_ms += t.elapsed().as_millis();
    }
    if big && let DbConn::Sqlite(c) = conn {
        diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA cache_size = -16000;")?;
    }
    tracing::debug!(
        import = import_id,
        bulk_ms = bulk_ms as u64,
        timeline_and_assignments_ms = rest_ms as u64,
        "import created people"
    );
    let mut updated = 0;
    let line = format!("花名册导入更新档案(导入 #{import_id})");
    for (pid, version, org, fields) in p.updates {
        let changed = persons::update(conn, keys, v, pid, version, &fields, &org, actor, now)?;
        if !changed.is_empty() {
            persons::add_timeline(
                conn,
                pid,
                "import.updated",
                Some(import_id),
                &line,
                actor,
                now,
            )?;
            updated += 1;
        }
    }
    let (households_new, members_new) =
        place_in_households(conn, import_id, &p.households, &new_ids, actor, now)?;
    Ok(Report {
        created,
        updated,
        unchanged: p.run.unchanged + (p.run.to_update - updated),
        households_new,
        members_new,
    })
}

/// Creates the new households and adds or changes the memberships the plan lists (people created
/// by this commit are `new_ids`, in order). Returns the households created and the memberships
/// added or changed.
fn place_in_households(
    conn: &mut DbConn,
    import_id: i64,
    plans: &[HouseholdPlan],
    new_ids: &[i64],
    actor: &Actor,
    now: i64,
) -> StoreResult<(usize, usize)> {
    use crate::schema::{household_members as hm, households as hh, person_timeline as tl};
    use shegong_domain::household as dh;
    let (mut households_new, mut members_new) = (0, 0);
    let mut joined = Vec::new();
    let mut timeline = Vec::new();
    for plan in plans {
        let hid = match plan.existing {
            Some(h) => h,
            None => {
                households_new += 1;
                crate::households::create(
                    conn,
                    &plan.org,
                    &dh::HouseholdFields {
                        address: plan.address.clone(),
                        housing: String::new(),
                        difficulty_type: String::new(),
                        difficulty_degree: None,
                    },
                    now,
                )?
            }
        };
        let mut head = None;
        let mut new_members = Vec::new();
        for (who, relation, current) in &plan.members {
            let pid = match who {
                Who::New(i) => new_ids[*i],
                Who::Existing(pid) => *pid,
            };
            if *relation == "head" {
                head = Some(pid);
            }
            let label = dh::label(&dh::RELATIONS, relation);
            match current {
                Some(c) if c == relation => continue,
                Some(_) => {
                    diesel::update(hm::table.find((hid, pid)))
                        .set(hm::relation.eq(*relation))
                        .execute(conn)?;
                    timeline.push((
                        pid,
                        "household.relation",
                        format!("与户主关系改为{label}(花名册导入 #{import_id})"),
                    ));
                }
                None => {
                    if let Who::Existing(_) = who {
                        persons::add_history(
                            conn,
                            pid,
                            actor,
                            "household_id",
                            None,
                            Some(&hid.to_string()),
                            now,
                        )?;
                    }
                    joined.push((
                        hm::household_id.eq(hid),
                        hm::person_id.eq(pid),
                        hm::relation.eq(*relation),
                    ));
                    new_members.push(pid);
                    timeline.push((
                        pid,
                        "household.joined",
                        format!("加入家庭(与户主关系:{label};花名册导入 #{import_id})"),
                    ));
                }
            }
            members_new += 1;
        }
        for ids in new_members.chunks(500) {
            diesel::update(persons_t::table.filter(persons_t::id.eq_any(ids)))
                .set(persons_t::household_id.eq(Some(hid)))
                .execute(conn)?;
        }
        if let Some(h) = head {
            // The roster's head heads the household; a former head stays a member as 其他, as
            // on the household page.
            diesel::update(
                hm::table
                    .filter(hm::household_id.eq(hid))
                    .filter(hm::person_id.ne(h))
                    .filter(hm::relation.eq_any(["head", "户主"])),
            )
            .set(hm::relation.eq("other"))
            .execute(conn)?;
            diesel::update(hh::table.find(hid))
                .set((hh::head_person_id.eq(Some(h)), hh::updated_at.eq(now)))
                .execute(conn)?;
        }
    }
    for chunk in joined.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(hm::table).values(chunk).execute(c))?;
    }
    let rows: Vec<_> = timeline
        .into_iter()
        .map(|(pid, kind, summary)| {
            (
                tl::person_id.eq(pid),
                tl::at.eq(now),
                tl::kind.eq(kind),
                tl::ref_id.eq(Some(import_id)),
                tl::summary.eq(summary),
                tl::actor.eq(actor.name.clone()),
            )
        })
        .collect();
    for chunk in rows.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(tl::table).values(chunk).execute(c))?;
    }
    Ok((households_new, members_new))
}

fn conflict_msg() -> Msg {
    Msg::new(
        "该身份证号已在本系统登记(可能在其他社工站),不能导入;如需接收此人,请提出转移申请",
        "this ID number is already registered (perhaps at another station); request a transfer instead",
    )
}

/// The dry run: every row checked, matched, and sorted into create / update / unchanged.
#[allow(clippy::too_many_arguments)]
fn plan(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    header: &Header,
    mapping: &Mapping,
    rows: &[Vec<Cell>],
    rules: &Rules,
) -> StoreResult<Plan> {
    // Villages (communities) of the station by name.
    let villages: HashMap<String, String> = org_units::table
        .filter(org_units::parent_code.eq(station))
        .select((org_units::name, org_units::code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(n, c)| (roster::village_key(&n), c))
        .collect();
    let station_name: Option<String> = org_units::table
        .find(station)
        .select(org_units::name)
        .first(conn)
        .optional()?;
    let mut run = DryRun::default();
    // Rows that passed the checks: (row number, org code, fields).
    let mut good: Vec<(usize, String, PersonFields, RowSource)> = Vec::new();
    let mut seen_id: HashMap<String, usize> = HashMap::new();
    let mut seen_key: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    let mut household_cells: HashMap<usize, roster::HouseholdCells> = HashMap::new();
    for (i, cells) in rows.iter().enumerate().skip(header.row + 1) {
        let Some(r) = roster::row_input(cells, i, header, mapping) else {
            continue;
        };
        run.rows_total += 1;
        let mut errs: Vec<RowError> = Vec::new();
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                run.rows_bad += 1;
                run.errors.extend(e);
                continue;
            }
        };
        let row_no = r.row;
        if let Some(h) = r.household {
            household_cells.insert(row_no, h);
        }
        let mut add = |field: &str, m: &Msg| {
            errs.push(RowError {
                row: row_no,
                column: roster::column_of(field, header, mapping),
                reason: m.zh.to_string(),
                reason_en: m.en.to_string(),
            })
        };
        let org = match r.village.as_deref().map(roster::clean_text) {
            None => Some(station.to_string()),
            Some(name) => match villages.get(&roster::village_key(&name)) {
                Some(code) => Some(code.clone()),
                None if station_name.as_deref().map(roster::village_key)
                    == Some(roster::village_key(&name)) =>
                {
                    Some(station.to_string())
                }
                None => {
                    add(
                        "village",
                        &Msg::owned(
                            format!("“{name}”不是本社工站下的村(社区)名称"),
                            format!("“{name}” is not a village (community) of this station"),
                        ),
                    );
                    None
                }
            },
        };
        let fields = match rules.validate(&r.input) {
            Ok(f) => Some(f),
            Err(inv) => {
                for e in &inv.errors {
                    add(e.field, &e.message);
                }
                None
            }
        };
        if let (Some(org), Some(f)) = (org, fields) {
            let dup = match &f.id_number {
                Some(id) => seen_id.insert(id.as_str().to_string(), row_no),
                None => seen_key.insert(
                    (f.name.clone(), f.birth_date.map(dates::iso), org.clone()),
                    row_no,
                ),
            };
            if let Some(first) = dup {
                let field = if f.id_number.is_some() {
                    "id_number"
                } else {
                    "name"
                };
                add(
                    field,
                    &Msg::owned(
                        format!("与第 {first} 行是同一个人(重复)"),
                        format!("the same person as row {first} (duplicate)"),
                    ),
                );
            } else {
                good.push((row_no, org, f, RowSource::New));
            }
        }
        if !errs.is_empty() {
            run.rows_bad += 1;
            run.errors.extend(errs);
        }
    }
    match_existing(conn, keys, v, station, &mut good)?;
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut who: Vec<Option<Who>> = Vec::with_capacity(good.len());
    for (row_no, org, f, src) in &good {
        let row_no = *row_no;
        who.push(None);
        match src {
            RowSource::New => {
                *who.last_mut().expect("pushed") = Some(Who::New(creates.len()));
                creates.push((org.clone(), f.clone()));
            }
            RowSource::Refused(m) => {
                run.rows_bad += 1;
                run.errors.push(RowError {
                    row: row_no,
                    column: roster::column_of(
                        if f.id_number.is_some() {
                            "id_number"
                        } else {
                            "name"
                        },
                        header,
                        mapping,
                    ),
                    reason: m.zh.to_string(),
                    reason_en: m.en.to_string(),
                });
            }
            RowSource::Existing(pid) => match merged(conn, keys, v, *pid, org, f, rules)? {
                Ok(None) => {
                    run.unchanged += 1;
                    *who.last_mut().expect("pushed") = Some(Who::Existing(*pid));
                }
                Ok(Some((version, fields))) => {
                    updates.push((*pid, version, org.clone(), fields));
                    *who.last_mut().expect("pushed") = Some(Who::Existing(*pid));
                }
                Err(inv) => {
                    run.rows_bad += 1;
                    for e in inv.errors {
                        run.errors.push(RowError {
                            row: row_no,
                            column: roster::column_of(e.field, header, mapping),
                            reason: e.message.zh.to_string(),
                            reason_en: e.message.en.to_string(),
                        });
                    }
                }
            },
        }
    }
    let households = if household_cells.is_empty() {
        Vec::new()
    } else {
        let placed: Vec<(usize, Who)> = who
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .filter(|(i, _)| household_cells.contains_key(&good[*i].0))
            .collect();
        let members: Vec<roster::MemberRow> = placed
            .iter()
            .map(|(i, _)| {
                let (row, org, f, _) = &good[*i];
                roster::MemberRow {
                    row: *row,
                    name: &f.name,
                    id_number: f.id_number.as_ref().map(|id| id.as_str()),
                    org,
                    cells: &household_cells[row],
                }
            })
            .collect();
        let (groups, errors) = roster::households(&members, rules.today, header, mapping);
        let mut bad_rows: std::collections::HashSet<usize> = errors.iter().map(|e| e.row).collect();
        run.errors.extend(errors);
        let who_of: Vec<Who> = placed.iter().map(|(_, w)| *w).collect();
        let addresses: Vec<&str> = placed
            .iter()
            .map(|(i, _)| good[*i].2.address.as_str())
            .collect();
        let (plans, errors) = place(
            conn, keys, v, station, &groups, &members, &who_of, &addresses, header, mapping,
        )?;
        bad_rows.extend(errors.iter().map(|e| e.row));
        run.errors.extend(errors);
        run.rows_bad += bad_rows.len();
        plans
    };
    run.errors.sort_by_key(|e| e.row);
    if run.rows_bad == 0 {
        run.to_create = creates.len();
        run.to_update = updates.len();
        run.households_new = households.iter().filter(|h| h.existing.is_none()).count();
        run.members_new = households
            .iter()
            .flat_map(|h| &h.members)
            .filter(|(_, rel, current)| *current != Some(*rel))
            .count();
    }
    Ok(Plan {
        run,
        creates,
        updates,
        households,
    })
}

/// Finds each roster household among the station's households (by its head: listed and already
/// registered, or by the head's ID number) and checks that nobody listed already lives in another
/// household. A household not found is new, at its head's place (or the first member's).
#[allow(clippy::too_many_arguments)]
fn place(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    groups: &[roster::Group],
    members: &[roster::MemberRow],
    who: &[Who],
    addresses: &[&str],
    header: &Header,
    mapping: &Mapping,
) -> StoreResult<(Vec<HouseholdPlan>, Vec<RowError>)> {
    use crate::schema::household_members as hm;
    let station_code =
        shegong_domain::org::OrgCode::parse(station).map_err(|m| invalid("org_code", m))?;
    let station_scope = shegong_domain::scope::Scope::new(vec![station_code]);
    // Current memberships of the registered people listed, in the station's households.
    let existing: Vec<i64> = who
        .iter()
        .filter_map(|w| match w {
            Who::Existing(pid) => Some(*pid),
            Who::New(_) => None,
        })
        .collect();
    let mut membership: HashMap<i64, (i64, Option<&'static str>)> = HashMap::new();
    for chunk in existing.chunks(500) {
        let found: Vec<(i64, i64, String)> = hm::table
            .filter(hm::person_id.eq_any(chunk))
            .select((hm::person_id, hm::household_id, hm::relation))
            .load(conn)?;
        membership.extend(
            found
                .into_iter()
                .map(|(p, h, r)| (p, (h, shegong_domain::household::relation(&r).ok()))),
        );
    }
    let mut errors = Vec::new();
    let mut plans = Vec::new();
    let error = |row: usize, field: &str, m: Msg| RowError {
        row,
        column: roster::column_of(field, header, mapping),
        reason: m.zh.into_owned(),
        reason_en: m.en.into_owned(),
    };
    for g in groups {
        let first = g.members.first().map(|(i, _)| *i).unwrap_or(0);
        // The head: listed (and maybe registered), else registered at this station.
        let head_pid = match g.head.map(|i| who[i]) {
            Some(Who::Existing(pid)) => Some(pid),
            Some(Who::New(_)) => None,
            None => {
                let Some(id) = &g.head_id else { continue };
                let found: Option<(i64, String)> = persons_t::table
                    .filter(persons_t::id_number_index.eq(keys.blind_index(ID_NUMBER, id.as_str())))
                    .filter(persons_t::merged_into.is_null())
                    .select((persons_t::id, persons_t::org_code))
                    .first(conn)
                    .optional()?;
                match found {
                    Some((pid, org))
                        if station_scope.contains(&org) && persons::get(conn, v, pid).is_ok() =>
                    {
                        Some(pid)
                    }
                    _ => {
                        errors.push(error(
                            members[first].row,
                            "head_id_number",
                            Msg::new(
                                "户主不在本表中,本站也没有登记此身份证号的人员;请把户主一并列入",
                                "the head is not listed and not registered at this station; list the head too",
                            ),
                        ));
                        continue;
                    }
                }
            }
        };
        // The head's household, and who heads it now.
        let target: Option<(i64, Option<i64>)> = match head_pid {
            None => None,
            Some(h) => {
                let hid = match membership.get(&h) {
                    Some(m) => Some(m.0),
                    None => hm::table
                        .filter(hm::person_id.eq(h))
                        .select(hm::household_id)
                        .first(conn)
                        .optional()?,
                };
                match hid {
                    Some(hid) => Some((
                        hid,
                        crate::schema::households::table
                            .find(hid)
                            .select(crate::schema::households::head_person_id)
                            .first(conn)?,
                    )),
                    None => None,
                }
            }
        };
        if let (Some((_, Some(current))), Some(h)) = (target, head_pid)
            && current != h
        {
            // Changing who heads a household is the household page's work, not a roster's.
            errors.push(error(
                members[g.head.unwrap_or(first)].row,
                "relation",
                Msg::new(
                    "此人已是本站另一户的成员(户主不是本人),请先在家庭页面调整",
                    "the person belongs to a household headed by someone else; change it on the household page",
                ),
            ));
            continue;
        }
        let target = target.map(|t| t.0);
        let mut plan_members = Vec::new();
        if g.head.is_none()
            && let Some(h) = head_pid
            && target.is_none()
        {
            // A registered head not listed and in no household heads the new one.
            plan_members.push((Who::Existing(h), "head", None));
        }
        let mut ok = true;
        for (i, relation) in &g.members {
            let current = match who[*i] {
                Who::Existing(pid) => match membership.get(&pid) {
                    // Already a member here (a relation not on today's list counts as 其他).
                    Some((h, rel)) if Some(*h) == target => rel.or(Some("other")),
                    Some(_) => {
                        ok = false;
                        errors.push(error(
                            members[*i].row,
                            "relation",
                            Msg::new(
                                "此人已是本站另一户的成员,请先在家庭页面把此人移出原家庭",
                                "the person belongs to another household; remove them there first",
                            ),
                        ));
                        None
                    }
                    None => None,
                },
                Who::New(_) => None,
            };
            plan_members.push((who[*i], *relation, current));
        }
        if !ok {
            continue;
        }
        let at = g.head.unwrap_or(first);
        plans.push(HouseholdPlan {
            existing: target,
            org: members[at].org.to_string(),
            address: addresses[at].to_string(),
            members: plan_members,
        });
    }
    Ok((plans, errors))
}

enum RowSource {
    New,
    Existing(i64),
    Refused(Msg),
}

/// Finds who each good row already is: by ID number anywhere in the deployment (a holder outside
/// the importer's reach refuses the row without saying more), else by name + birth date + place
/// among the station's people.
fn match_existing(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    station: &str,
    good: &mut [(usize, String, PersonFields, RowSource)],
) -> StoreResult<()> {
    let station_code =
        shegong_domain::org::OrgCode::parse(station).map_err(|m| invalid("org_code", m))?;
    let station_scope = shegong_domain::scope::Scope::new(vec![station_code]);
    let indexes: Vec<(usize, String)> = good
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            g.2.id_number
                .as_ref()
                .map(|id| (i, keys.blind_index(ID_NUMBER, id.as_str())))
        })
        .collect();
    let mut holders: HashMap<String, (i64, String)> = HashMap::new();
    for chunk in indexes.chunks(500) {
        let found: Vec<(Option<String>, i64, String)> = persons_t::table
            .filter(persons_t::id_number_index.eq_any(chunk.iter().map(|(_, x)| x.clone())))
            .select((
                persons_t::id_number_index,
                persons_t::id,
                persons_t::org_code,
            ))
            .load(conn)?;
        for (idx, id, org) in found {
            if let Some(idx) = idx {
                holders.insert(idx, (id, org));
            }
        }
    }
    for (i, idx) in indexes {
        if let Some((pid, org)) = holders.get(&idx) {
            good[i].3 = if station_scope.contains(org) && persons::get(conn, v, *pid).is_ok() {
                RowSource::Existing(*pid)
            } else {
                RowSource::Refused(conflict_msg())
            };
        }
    }
    // Without an ID number: the same name, birth date and place at this station.
    let names: Vec<String> = good
        .iter()
        .filter(|g| g.2.id_number.is_none())
        .map(|g| g.2.name.clone())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let mut by_key: HashMap<(String, Option<String>, String), Vec<i64>> = HashMap::new();
    for chunk in names.chunks(500) {
        let found: Vec<(i64, String, Option<String>, String)> = persons_t::table
            .filter(crate::scope_filter!(persons_t::org_code, &station_scope))
            .filter(persons_t::merged_into.is_null())
            .filter(persons_t::name.eq_any(chunk))
            .select((
                persons_t::id,
                persons_t::name,
                persons_t::birth_date,
                persons_t::org_code,
            ))
            .load(conn)?;
        for (id, name, birth, org) in found {
            let ids = by_key.entry((name, birth, org)).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    for g in good.iter_mut().filter(|g| g.2.id_number.is_none()) {
        let key = (
            g.2.name.clone(),
            g.2.birth_date.map(dates::iso),
            g.1.clone(),
        );
        match by_key.get(&key).map(Vec::as_slice) {
            Some([one]) => {
                g.3 = if persons::get(conn, v, *one).is_ok() {
                    RowSource::Existing(*one)
                } else {
                    RowSource::Refused(conflict_msg())
                }
            }
            Some([_, _, ..]) => {
                g.3 = RowSource::Refused(Msg::new(
                    "本站有多条同名、同出生日期、同村(社区)的档案,无法确定是哪一位;请填写身份证号",
                    "several records share this name, birth date and place; add the ID number",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The existing person with the roster's non-empty values laid over: `None` when nothing would
/// change, else the version read and the fields to save. Categories in the roster are added to the
/// ones the person has (none is ended by an import).
fn merged(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    pid: i64,
    org: &str,
    new: &PersonFields,
    rules: &Rules,
) -> StoreResult<Result<Option<(i64, PersonFields)>, Invalid>> {
    let (p, cats) = persons::get(conn, v, pid)?;
    let (id_enc, phone_enc): (Option<Vec<u8>>, Option<Vec<u8>>) = persons_t::table
        .find(pid)
        .select((persons_t::id_number_enc, persons_t::phone_enc))
        .first(conn)?;
    let plain = |b: Option<Vec<u8>>| -> StoreResult<Option<String>> {
        b.map(|b| {
            keys.decrypt(&b)
                .map(|p| String::from_utf8_lossy(&p).into_owned())
        })
        .transpose()
    };
    let existing = PersonInput {
        name: p.name.clone(),
        gender: p.gender.clone(),
        ethnicity: p.ethnicity.clone(),
        birth_date: p.birth_date.clone(),
        id_number: plain(id_enc)?,
        phone: plain(phone_enc)?,
        address: Some(p.address.clone()),
        difficulty_types: Some(
            p.difficulty_types
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        difficulty_degree: p.difficulty_degree.clone(),
        health: p.health.clone(),
        employment: Some(p.employment.clone()),
        monthly_income: p.monthly_income,
        sensitivity: Some(p.sensitivity.clone()),
        categories: Some(
            cats.iter()
                .map(|c| CategoryInput {
                    code: c.category.clone(),
                    start_date: Some(c.start_date.clone()),
                    end_date: c.end_date.clone(),
                    grade: c.grade.clone(),
                })
                .collect(),
        ),
        consent: p.consent_by.clone().map(|by| ConsentInput {
            by,
            relation: p.consent_relation.clone().unwrap_or_default(),
            on: p.consent_on.clone().unwrap_or_default(),
            scope: p.consent_scope.clone().unwrap_or_default(),
        }),
        notes: Some(p.notes.clone()),
    };
    let Ok(before) = rules.validate(&existing) else {
        // A stored record that no longer passes today's rules is not touched by an import.
        return Ok(Err(Invalid::one(
            "name",
            Msg::new(
                "系统中该人员的档案有需要人工修正的内容,请先在档案页面修改后再导入",
                "the stored record needs fixing by hand before an import can change it",
            ),
        )));
    };
    let mut after = before.clone();
    after.name = new.name.clone();
    if new.id_number.is_some() {
        after.id_number = new.id_number.clone();
    }
    if new.gender.is_some() {
        after.gender = new.gender;
    }
    if new.birth_date.is_some() {
        after.birth_date = new.birth_date;
    }
    if new.ethnicity.is_some() {
        after.ethnicity = new.ethnicity;
    }
    if new.phone.is_some() {
        after.phone = new.phone.clone();
    }
    if !new.address.is_empty() {
        after.address = new.address.clone();
    }
    if !new.employment.is_empty() {
        after.employment = new.employment.clone();
    }
    if !new.notes.is_empty() {
        after.notes = new.notes.clone();
    }
    if new.health.is_some() {
        after.health = new.health;
    }
    if new.difficulty_degree.is_some() {
        after.difficulty_degree = new.difficulty_degree;
    }
    if new.monthly_income.is_some() {
        after.monthly_income = new.monthly_income;
    }
    let today = dates::iso(rules.today);
    for c in &new.categories {
        let held = after
            .categories
            .iter_mut()
            .find(|h| h.code == c.code && h.end_date.is_none_or(|e| dates::iso(e) >= today));
        match held {
            Some(h) => {
                if c.grade.is_some() {
                    h.grade = c.grade.clone();
                }
            }
            None => after.categories.push(c.clone()),
        }
    }
    after.sensitivity = after.sensitivity.max(new.sensitivity);
    // The combination must pass the same rules (a roster category against a stored birth date).
    let age = after.age(rules.today);
    let mut inv = Invalid::new();
    for c in &after.categories {
        if let Some(b) = person::category(&c.code)
            && let Err(m) = person::check_category_age(b, age)
        {
            inv.add("categories", m);
        }
    }
    if !inv.is_empty() {
        return Ok(Err(inv));
    }
    if after == before && p.org_code == org {
        return Ok(Ok(None));
    }
    Ok(Ok(Some((p.version, after))))
}
