//! Care archives (issue 3 points 4 and 5): the elderly archive of 8.2.1.1 (living arrangement,
//! carers, visit schedule, visits) and the children's guardianship archive of 8.3.1 (guardians,
//! study, health, social support, guardianship-gap alerts and their reports).
//!
//! Single-person functions take a person the caller has already opened with
//! [`persons::get`](crate::persons::get) (scope and classification checked); the station lists
//! filter by the viewer's scope and classification themselves.

use crate::audit::Actor;
use crate::db::{DbConn, MultiBackend};
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use crate::persons::{self, Viewer};
use crate::query::{Listing, Page};
use crate::schema::{person_assignments, persons as persons_t};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::care::{
    self, CarerPhone, ElderlyFields, Gap, GuardianshipFields, Report, Visit,
};
use shegong_domain::{Invalid, Msg, dates};

diesel::table! {
    care_elderly (person_id) {
        person_id -> BigInt,
        living_arrangement -> Text,
        visit_interval_days -> BigInt,
        notes -> Text,
        opened_on -> Text,
        last_visit_on -> Nullable<Text>,
        next_visit_due -> Text,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    care_carers (id) {
        id -> BigInt,
        person_id -> BigInt,
        position -> BigInt,
        name -> Text,
        relation -> Text,
        phone_enc -> Nullable<Binary>,
        phone_masked -> Nullable<Text>,
    }
}

diesel::table! {
    care_visits (id) {
        id -> BigInt,
        person_id -> BigInt,
        visited_on -> Text,
        visitor -> Text,
        mode -> Text,
        findings -> Text,
        notes -> Text,
        recorded_by -> Nullable<BigInt>,
        created_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    care_guardianship (person_id) {
        person_id -> BigInt,
        living_situation -> Text,
        school -> Text,
        grade -> Text,
        study_status -> Nullable<Text>,
        health -> Nullable<Text>,
        health_notes -> Text,
        social_support -> Text,
        notes -> Text,
        support -> Text,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    care_guardians (id) {
        id -> BigInt,
        person_id -> BigInt,
        position -> BigInt,
        name -> Text,
        relation -> Text,
        status -> Text,
        notes -> Text,
    }
}

diesel::table! {
    care_alerts (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        age -> BigInt,
        raised_at -> BigInt,
        raised_on -> Text,
        raised_by -> Text,
        reported_by -> Nullable<Text>,
        department -> Nullable<Text>,
        reported_on -> Nullable<Text>,
        method -> Nullable<Text>,
        report_notes -> Nullable<Text>,
        report_recorded_at -> Nullable<BigInt>,
        report_recorded_by -> Nullable<Text>,
    }
}

diesel::joinable!(care_elderly -> persons_t (person_id));
diesel::joinable!(care_alerts -> persons_t (person_id));
diesel::allow_tables_to_appear_in_same_query!(care_elderly, persons_t);
diesel::allow_tables_to_appear_in_same_query!(care_elderly, person_assignments);
diesel::allow_tables_to_appear_in_same_query!(care_alerts, persons_t);
diesel::allow_tables_to_appear_in_same_query!(care_alerts, person_assignments);

/// Narrows a boxed query joined with `persons` to the people the viewer may see: in scope, and
/// not a confidential record hidden from this viewer (as `persons::get` decides for one person).
macro_rules! visible {
    ($q:expr, $v:expr) => {{
        use crate::schema::{person_assignments as pa, persons as p};
        let v: &crate::persons::Viewer = $v;
        let q = $q.filter(crate::scope_filter!(p::org_code, &v.scope));
        if v.all_confidential {
            q
        } else {
            let mine = pa::table
                .filter(pa::user_id.eq(v.user_id))
                .select(pa::person_id);
            q.filter(
                p::sensitivity
                    .ne(shegong_domain::policy::Sensitivity::Confidential.id())
                    .or(p::id.eq_any(mine)),
            )
        }
    }};
}
pub(crate) use visible;

// ------------------------------------------------------------------------------------ rows

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_elderly)]
pub struct ElderlyRow {
    pub person_id: i64,
    pub living_arrangement: String,
    pub visit_interval_days: i64,
    pub notes: String,
    pub opened_on: String,
    pub last_visit_on: Option<String>,
    pub next_visit_due: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_carers)]
pub struct CarerRow {
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub phone_masked: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_visits)]
pub struct VisitRow {
    pub id: i64,
    pub visited_on: String,
    pub visitor: String,
    pub mode: String,
    pub findings: String,
    pub notes: String,
    pub created_at: i64,
}

/// An elderly archive with its carers and visits (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct Elderly {
    pub archive: ElderlyRow,
    pub carers: Vec<CarerRow>,
    pub visits: Vec<VisitRow>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_guardianship)]
pub struct GuardianshipRow {
    pub person_id: i64,
    pub living_situation: String,
    pub school: String,
    pub grade: String,
    pub study_status: Option<String>,
    pub health: Option<String>,
    pub health_notes: String,
    pub social_support: String,
    pub notes: String,
    pub support: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_guardians)]
pub struct GuardianRow {
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub status: String,
    pub notes: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = care_alerts)]
pub struct AlertRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub age: i64,
    pub raised_at: i64,
    pub raised_on: String,
    pub raised_by: String,
    pub reported_by: Option<String>,
    pub department: Option<String>,
    pub reported_on: Option<String>,
    pub method: Option<String>,
    pub report_notes: Option<String>,
    pub report_recorded_at: Option<i64>,
    pub report_recorded_by: Option<String>,
}

impl AlertRow {
    pub fn open(&self) -> bool {
        self.report_recorded_at.is_none()
    }
}

/// A guardianship archive with its guardians and the person's alerts (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct Guardianship {
    pub archive: GuardianshipRow,
    pub guardians: Vec<GuardianRow>,
    pub alerts: Vec<AlertRow>,
}

/// Whether a save created the archive or changed it, and what it raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
}

fn stale() -> StoreError {
    StoreError::Conflict(Msg::new(
        "这份档案已被他人修改,请刷新页面后再编辑",
        "someone else changed this archive; reload it and edit again",
    ))
}

// ------------------------------------------------------------------------------------ elderly

pub fn elderly(conn: &mut DbConn, person_id: i64) -> StoreResult<Option<Elderly>> {
    let Some(archive) = care_elderly::table
        .find(person_id)
        .select(ElderlyRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let carers = care_carers::table
        .filter(care_carers::person_id.eq(person_id))
        .order(care_carers::position)
        .select(CarerRow::as_select())
        .load(conn)?;
    let visits = care_visits::table
        .filter(care_visits::person_id.eq(person_id))
        .filter(care_visits::deleted_at.is_null())
        .order((care_visits::visited_on.desc(), care_visits::id.desc()))
        .select(VisitRow::as_select())
        .load(conn)?;
    Ok(Some(Elderly {
        archive,
        carers,
        visits,
    }))
}

/// Creates or changes a person's elderly archive. `version`, when given, must be the one read
/// (else 409). The next visit due is computed again from the new interval.
#[allow(clippy::too_many_arguments)]
pub fn save_elderly(
    conn: &mut DbConn,
    keys: &Keys,
    person_id: i64,
    f: &ElderlyFields,
    version: Option<i64>,
    today: time::Date,
    actor: &Actor,
    now: i64,
) -> StoreResult<Saved> {
    let old = care_elderly::table
        .find(person_id)
        .select(ElderlyRow::as_select())
        .first(conn)
        .optional()?;
    if let (Some(o), Some(v)) = (&old, version)
        && o.version != v
    {
        return Err(stale());
    }
    let before = match &old {
        Some(o) => {
            let carers: Vec<CarerRow> = care_carers::table
                .filter(care_carers::person_id.eq(person_id))
                .order(care_carers::position)
                .select(CarerRow::as_select())
                .load(conn)?;
            let carers: Vec<_> = carers
                .iter()
                .map(|c| carer_text(&c.name, &c.relation, c.phone_masked.as_deref()))
                .collect();
            shown_elderly(
                &o.living_arrangement,
                o.visit_interval_days,
                &o.notes,
                &carers,
            )
        }
        None => Vec::new(),
    };
    let mut carers_after = Vec::with_capacity(f.carers.len());
    // Carers sent back with their masked phone keep the stored number; a masked value that is not
    // this carer's (edited, or another carer's) is refused rather than guessed.
    let old_carers: Vec<(i64, Option<Vec<u8>>, Option<String>)> = care_carers::table
        .filter(care_carers::person_id.eq(person_id))
        .select((
            care_carers::id,
            care_carers::phone_enc,
            care_carers::phone_masked,
        ))
        .load(conn)?;
    let mut rows = Vec::with_capacity(f.carers.len());
    for (i, c) in f.carers.iter().enumerate() {
        let (enc, masked) = match &c.phone {
            CarerPhone::None => (None, None),
            CarerPhone::New(p) => (Some(keys.encrypt(p.as_str().as_bytes())), Some(p.masked())),
            CarerPhone::Keep(shown) => match old_carers
                .iter()
                .find(|o| Some(o.0) == c.id && o.2.as_deref() == Some(shown.as_str()))
            {
                Some((_, enc, masked)) => (enc.clone(), masked.clone()),
                None => {
                    return Err(StoreError::Invalid(Invalid::one(
                        "carers",
                        Msg::new(
                            "请填写照顾者完整的电话号码",
                            "give the carer's full phone number",
                        ),
                    )));
                }
            },
        };
        carers_after.push(carer_text(&c.name, &c.relation, masked.as_deref()));
        rows.push((
            care_carers::person_id.eq(person_id),
            care_carers::position.eq(i as i64),
            care_carers::name.eq(c.name.clone()),
            care_carers::relation.eq(c.relation.clone()),
            care_carers::phone_enc.eq(enc),
            care_carers::phone_masked.eq(masked),
        ));
    }
    diesel::delete(care_carers::table.filter(care_carers::person_id.eq(person_id)))
        .execute(conn)?;
    for r in rows {
        diesel::insert_into(care_carers::table)
            .values(r)
            .execute(conn)?;
    }
    let saved = match old {
        Some(o) => {
            let opened = dates::parse(&o.opened_on).unwrap_or(today);
            let last = o
                .last_visit_on
                .as_deref()
                .and_then(|d| dates::parse(d).ok());
            let due = care::next_visit_due(last, opened, f.visit_interval_days);
            diesel::update(care_elderly::table.find(person_id))
                .set((
                    care_elderly::living_arrangement.eq(f.living_arrangement),
                    care_elderly::visit_interval_days.eq(f.visit_interval_days),
                    care_elderly::notes.eq(&f.notes),
                    care_elderly::next_visit_due.eq(dates::iso(due)),
                    care_elderly::version.eq(o.version + 1),
                    care_elderly::updated_at.eq(now),
                ))
                .execute(conn)?;
            Saved::Updated
        }
        None => {
            let due = care::next_visit_due(None, today, f.visit_interval_days);
            diesel::insert_into(care_elderly::table)
                .values((
                    care_elderly::person_id.eq(person_id),
                    care_elderly::living_arrangement.eq(f.living_arrangement),
                    care_elderly::visit_interval_days.eq(f.visit_interval_days),
                    care_elderly::notes.eq(&f.notes),
                    care_elderly::opened_on.eq(dates::iso(today)),
                    care_elderly::next_visit_due.eq(dates::iso(due)),
                    care_elderly::created_at.eq(now),
                    care_elderly::updated_at.eq(now),
                ))
                .execute(conn)?;
            Saved::Created
        }
    };
    let (kind, summary) = match saved {
        Saved::Created => ("care.elderly.created", "建立老年人档案(8.2.1.1)"),
        Saved::Updated => ("care.elderly.updated", "修改老年人档案(8.2.1.1)"),
    };
    persons::add_timeline(conn, person_id, kind, None, summary, actor, now)?;
    let after = shown_elderly(
        f.living_arrangement,
        f.visit_interval_days,
        &f.notes,
        &carers_after,
    );
    let changes = persons::changes("elderly", &before, &after);
    persons::add_record_history(conn, &[person_id], actor, &changes, None, now)?;
    Ok(saved)
}

/// What a visit records, the same for recording and correcting it.
macro_rules! visit_values {
    ($v:expr) => {{
        let v: &Visit = $v;
        (
            care_visits::visited_on.eq(dates::iso(v.visited_on)),
            care_visits::visitor.eq(v.visitor.clone()),
            care_visits::mode.eq(v.mode),
            care_visits::findings.eq(v.findings.clone()),
            care_visits::notes.eq(v.notes.clone()),
        )
    }};
}

fn archive_for_visits(conn: &mut DbConn, person_id: i64) -> StoreResult<ElderlyRow> {
    care_elderly::table
        .find(person_id)
        .select(ElderlyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::Conflict(Msg::new(
                "请先建立老年人档案(居住方式、走访周期),再记录走访",
                "open the elderly archive (living arrangement, visit schedule) before recording visits",
            ))
        })
}

/// Sets the last visit and the next visit due (8.2.1.1) from the visits not deleted: recording,
/// correcting or deleting a visit may each change them.
fn refresh_due(conn: &mut DbConn, person_id: i64, now: i64) -> StoreResult<()> {
    let archive = archive_for_visits(conn, person_id)?;
    let last: Option<String> = care_visits::table
        .filter(care_visits::person_id.eq(person_id))
        .filter(care_visits::deleted_at.is_null())
        .select(diesel::dsl::max(care_visits::visited_on))
        .first(conn)?;
    let last = last.as_deref().and_then(|d| dates::parse(d).ok());
    let opened = dates::parse(&archive.opened_on).unwrap_or_else(|_| dates::today());
    let due = care::next_visit_due(last, opened, archive.visit_interval_days);
    diesel::update(care_elderly::table.find(person_id))
        .set((
            care_elderly::last_visit_on.eq(last.map(dates::iso)),
            care_elderly::next_visit_due.eq(dates::iso(due)),
            care_elderly::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a visit and moves the next visit due. The person needs an elderly archive (409).
pub fn record_visit(
    conn: &mut DbConn,
    person_id: i64,
    v: &Visit,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    archive_for_visits(conn, person_id)?;
    let on = dates::iso(v.visited_on);
    let id = diesel::insert_into(care_visits::table)
        .values((
            care_visits::person_id.eq(person_id),
            visit_values!(v),
            care_visits::recorded_by.eq(actor.user_id),
            care_visits::created_at.eq(now),
        ))
        .returning(care_visits::id)
        .get_result::<i64>(conn)?;
    refresh_due(conn, person_id, now)?;
    let mode = care::label(&care::VISIT_MODES, v.mode);
    persons::add_timeline(
        conn,
        person_id,
        "care.visit",
        Some(id),
        &format!("{}({on})", mode.zh),
        actor,
        now,
    )?;
    Ok(id)
}

fn carer_text(name: &str, relation: &str, masked: Option<&str>) -> String {
    format!("{name}({relation}) {}", masked.unwrap_or(""))
        .trim_end()
        .to_string()
}

/// An elderly archive as the edit history shows it (carers' phones masked).
fn shown_elderly(living: &str, interval: i64, notes: &str, carers: &[String]) -> persons::Shown {
    vec![
        (
            "living_arrangement",
            Some(
                care::label(&care::LIVING_ARRANGEMENTS, living)
                    .zh
                    .into_owned(),
            ),
        ),
        ("visit_interval_days", Some(format!("{interval} 天"))),
        ("carers", Some(carers.join(";"))),
        ("notes", Some(notes.to_string())),
    ]
}

/// A guardianship archive as the edit history shows it.
fn shown_guardianship(g: &GuardianshipRow, guardians: &[GuardianRow]) -> persons::Shown {
    let label = |list: &[shegong_domain::Choice], v: &Option<String>| {
        v.as_deref().map(|v| care::label(list, v).zh.into_owned())
    };
    let guardians = guardians
        .iter()
        .map(|x| {
            format!(
                "{}({}) {}",
                x.name,
                care::label(&care::RELATIONS, &x.relation).zh,
                care::label(&care::GUARDIAN_STATUSES, &x.status).zh
            )
        })
        .collect::<Vec<_>>()
        .join(";");
    vec![
        (
            "living_situation",
            Some(
                care::label(&care::LIVING_SITUATIONS, &g.living_situation)
                    .zh
                    .into_owned(),
            ),
        ),
        ("guardians", Some(guardians)),
        (
            "support",
            Some(care::Support::from_id(&g.support).label().zh.into_owned()),
        ),
        ("school", Some(g.school.clone())),
        ("grade", Some(g.grade.clone())),
        (
            "study_status",
            label(&care::STUDY_STATUSES, &g.study_status),
        ),
        ("health", label(&care::CHILD_HEALTH, &g.health)),
        ("health_notes", Some(g.health_notes.clone())),
        ("social_support", Some(g.social_support.clone())),
        ("notes", Some(g.notes.clone())),
    ]
}

/// A person's visit that has not been deleted.
pub fn visit(conn: &mut DbConn, person_id: i64, id: i64) -> StoreResult<VisitRow> {
    care_visits::table
        .find(id)
        .filter(care_visits::person_id.eq(person_id))
        .filter(care_visits::deleted_at.is_null())
        .select(VisitRow::as_select())
        .first(conn)
        .found()
}

/// A visit as the edit history shows it.
fn shown_visit(
    on: String,
    visitor: &str,
    mode: &str,
    findings: &str,
    notes: &str,
) -> persons::Shown {
    vec![
        ("visited_on", Some(on)),
        ("visitor", Some(visitor.to_string())),
        (
            "mode",
            Some(care::label(&care::VISIT_MODES, mode).zh.into_owned()),
        ),
        ("findings", Some(findings.to_string())),
        ("notes", Some(notes.to_string())),
    ]
}

fn shown_stored_visit(v: &VisitRow) -> persons::Shown {
    shown_visit(
        v.visited_on.clone(),
        &v.visitor,
        &v.mode,
        &v.findings,
        &v.notes,
    )
}

/// Corrects a visit and recomputes the next visit due; each field changed goes to the person's
/// history with the reason. Returns the fields changed.
#[allow(clippy::too_many_arguments)]
pub fn update_visit(
    conn: &mut DbConn,
    person_id: i64,
    id: i64,
    v: &Visit,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<Vec<String>> {
    let old = visit(conn, person_id, id)?;
    let changes = persons::changes(
        &format!("visit:{id}"),
        &shown_stored_visit(&old),
        &shown_visit(
            dates::iso(v.visited_on),
            &v.visitor,
            v.mode,
            &v.findings,
            &v.notes,
        ),
    );
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(care_visits::table.find(id))
        .set(visit_values!(v))
        .execute(conn)?;
    refresh_due(conn, person_id, now)?;
    persons::add_record_history(conn, &[person_id], actor, &changes, Some(reason), now)?;
    Ok(changes.into_iter().map(|c| c.0).collect())
}

/// Deletes a visit: it stays in the table, marked, off the archive; the next visit due is
/// computed again without it (deleting the latest visit can make the person overdue again).
pub fn delete_visit(
    conn: &mut DbConn,
    person_id: i64,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let old = visit(conn, person_id, id)?;
    diesel::update(care_visits::table.find(id))
        .set((
            care_visits::deleted_at.eq(now),
            care_visits::deleted_by.eq(&actor.name),
            care_visits::delete_reason.eq(reason),
        ))
        .execute(conn)?;
    refresh_due(conn, person_id, now)?;
    let changes = persons::changes(
        &format!("visit:{id}"),
        &shown_stored_visit(&old),
        &persons::deleted(),
    );
    persons::add_record_history(conn, &[person_id], actor, &changes, Some(reason), now)?;
    Ok(())
}

/// Decrypts a carer's full phone number (the caller checked the right to reveal and audits it).
/// A carer who is not this person's is not found.
pub fn carer_phone(
    conn: &mut DbConn,
    keys: &Keys,
    person_id: i64,
    carer_id: i64,
) -> StoreResult<Option<String>> {
    let blob: Option<Vec<u8>> = care_carers::table
        .find(carer_id)
        .filter(care_carers::person_id.eq(person_id))
        .select(care_carers::phone_enc)
        .first(conn)
        .found()?;
    blob.map(|b| {
        keys.decrypt(&b)
            .map(|p| String::from_utf8_lossy(&p).into_owned())
    })
    .transpose()
}

/// One line of the station's visit list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct DueRow {
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub living_arrangement: String,
    pub visit_interval_days: i64,
    pub last_visit_on: Option<String>,
    pub next_visit_due: String,
}

pub use shegong_domain::dates::Due as DueFilter;

/// Old people the viewer may see whose next visit is due by the horizon (today + 7 days), most
/// overdue first.
pub fn due_visits(
    conn: &mut DbConn,
    v: &Viewer,
    which: DueFilter,
    today: time::Date,
    page: Page,
) -> StoreResult<Listing<DueRow>> {
    let today_s = dates::iso(today);
    let horizon = dates::iso(care::due_horizon(today));
    let build = || {
        let q = visible!(
            care_elderly::table
                .inner_join(persons_t::table)
                .into_boxed::<MultiBackend>(),
            v
        )
        .filter(persons_t::merged_into.is_null());
        match which {
            DueFilter::Overdue => q.filter(care_elderly::next_visit_due.lt(today_s.clone())),
            DueFilter::Soon => q
                .filter(care_elderly::next_visit_due.ge(today_s.clone()))
                .filter(care_elderly::next_visit_due.le(horizon.clone())),
            DueFilter::All => q.filter(care_elderly::next_visit_due.le(horizon.clone())),
        }
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((care_elderly::next_visit_due, persons_t::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            persons_t::id,
            persons_t::name,
            persons_t::org_code,
            care_elderly::living_arrangement,
            care_elderly::visit_interval_days,
            care_elderly::last_visit_on,
            care_elderly::next_visit_due,
        ))
        .load::<DueRow>(conn)?;
    Ok(Listing { items, total })
}

// ----------------------------------------------------------------------------------- children

pub fn guardianship(conn: &mut DbConn, person_id: i64) -> StoreResult<Option<Guardianship>> {
    let Some(archive) = care_guardianship::table
        .find(person_id)
        .select(GuardianshipRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let guardians = care_guardians::table
        .filter(care_guardians::person_id.eq(person_id))
        .order(care_guardians::position)
        .select(GuardianRow::as_select())
        .load(conn)?;
    let alerts = alerts_of(conn, person_id)?;
    Ok(Some(Guardianship {
        archive,
        guardians,
        alerts,
    }))
}

pub fn alerts_of(conn: &mut DbConn, person_id: i64) -> StoreResult<Vec<AlertRow>> {
    Ok(care_alerts::table
        .filter(care_alerts::person_id.eq(person_id))
        .order((care_alerts::raised_at.desc(), care_alerts::id.desc()))
        .select(AlertRow::as_select())
        .load(conn)?)
}

/// What saving a guardianship archive did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardianshipSaved {
    pub saved: Saved,
    /// The alert raised by this save (none when the gap already has an open alert).
    pub alert: Option<(i64, Gap)>,
}

/// Creates or changes a child's guardianship archive (the caller checked the age). A gap in the
/// new record raises an alert unless one of the same kind is still open for the child.
#[allow(clippy::too_many_arguments)]
pub fn save_guardianship(
    conn: &mut DbConn,
    person_id: i64,
    f: &GuardianshipFields,
    age: i32,
    version: Option<i64>,
    today: time::Date,
    actor: &Actor,
    now: i64,
) -> StoreResult<GuardianshipSaved> {
    let old: Option<i64> = care_guardianship::table
        .find(person_id)
        .select(care_guardianship::version)
        .first(conn)
        .optional()?;
    if let (Some(o), Some(v)) = (old, version)
        && o != v
    {
        return Err(stale());
    }
    let before = match guardianship(conn, person_id)? {
        Some(g) => shown_guardianship(&g.archive, &g.guardians),
        None => Vec::new(),
    };
    diesel::delete(care_guardians::table.filter(care_guardians::person_id.eq(person_id)))
        .execute(conn)?;
    for (i, g) in f.guardians.iter().enumerate() {
        diesel::insert_into(care_guardians::table)
            .values((
                care_guardians::person_id.eq(person_id),
                care_guardians::position.eq(i as i64),
                care_guardians::name.eq(&g.name),
                care_guardians::relation.eq(g.relation),
                care_guardians::status.eq(g.status),
                care_guardians::notes.eq(&g.notes),
            ))
            .execute(conn)?;
    }
    let saved = match old {
        Some(v) => {
            diesel::update(care_guardianship::table.find(person_id))
                .set((
                    care_guardianship::living_situation.eq(f.living_situation),
                    care_guardianship::school.eq(&f.school),
                    care_guardianship::grade.eq(&f.grade),
                    care_guardianship::study_status.eq(f.study_status),
                    care_guardianship::health.eq(f.health),
                    care_guardianship::health_notes.eq(&f.health_notes),
                    care_guardianship::social_support.eq(&f.social_support),
                    care_guardianship::notes.eq(&f.notes),
                    care_guardianship::support.eq(f.support.id()),
                    care_guardianship::version.eq(v + 1),
                    care_guardianship::updated_at.eq(now),
                ))
                .execute(conn)?;
            Saved::Updated
        }
        None => {
            diesel::insert_into(care_guardianship::table)
                .values((
                    care_guardianship::person_id.eq(person_id),
                    care_guardianship::living_situation.eq(f.living_situation),
                    care_guardianship::school.eq(&f.school),
                    care_guardianship::grade.eq(&f.grade),
                    care_guardianship::study_status.eq(f.study_status),
                    care_guardianship::health.eq(f.health),
                    care_guardianship::health_notes.eq(&f.health_notes),
                    care_guardianship::social_support.eq(&f.social_support),
                    care_guardianship::notes.eq(&f.notes),
                    care_guardianship::support.eq(f.support.id()),
                    care_guardianship::created_at.eq(now),
                    care_guardianship::updated_at.eq(now),
                ))
                .execute(conn)?;
            Saved::Created
        }
    };
    let (kind, summary) = match saved {
        Saved::Created => ("care.guardianship.created", "建立儿童监护档案(8.3.1)"),
        Saved::Updated => ("care.guardianship.updated", "修改儿童监护档案(8.3.1)"),
    };
    persons::add_timeline(conn, person_id, kind, None, summary, actor, now)?;
    if let Some(g) = guardianship(conn, person_id)? {
        let changes = persons::changes(
            "guardianship",
            &before,
            &shown_guardianship(&g.archive, &g.guardians),
        );
        persons::add_record_history(conn, &[person_id], actor, &changes, None, now)?;
    }
    let mut alert = None;
    if let Some(g) = f.gap {
        let open: i64 = care_alerts::table
            .filter(care_alerts::person_id.eq(person_id))
            .filter(care_alerts::kind.eq(g.id()))
            .filter(care_alerts::report_recorded_at.is_null())
            .count()
            .get_result(conn)?;
        if open == 0 {
            let id = diesel::insert_into(care_alerts::table)
                .values((
                    care_alerts::person_id.eq(person_id),
                    care_alerts::kind.eq(g.id()),
                    care_alerts::age.eq(i64::from(age)),
                    care_alerts::raised_at.eq(now),
                    care_alerts::raised_on.eq(dates::iso(today)),
                    care_alerts::raised_by.eq(&actor.name),
                ))
                .returning(care_alerts::id)
                .get_result::<i64>(conn)?;
            persons::add_timeline(
                conn,
                person_id,
                "care.alert.raised",
                Some(id),
                &format!("监护缺失预警:{}", g.label().zh),
                actor,
                now,
            )?;
            alert = Some((id, g));
        }
    }
    Ok(GuardianshipSaved { saved, alert })
}

/// One line of the station's alert list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct AlertListRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub org_code: String,
    pub kind: String,
    pub age: i64,
    pub raised_at: i64,
    pub raised_by: String,
    pub reported_on: Option<String>,
    pub department: Option<String>,
}

/// Guardianship-gap alerts on people the viewer may see: open ones (oldest first), or all.
pub fn alerts(
    conn: &mut DbConn,
    v: &Viewer,
    open_only: bool,
    page: Page,
) -> StoreResult<Listing<AlertListRow>> {
    let build = || {
        let mut q = visible!(
            care_alerts::table
                .inner_join(persons_t::table)
                .into_boxed::<MultiBackend>(),
            v
        );
        if open_only {
            q = q.filter(care_alerts::report_recorded_at.is_null());
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((care_alerts::raised_at, care_alerts::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            care_alerts::id,
            persons_t::id,
            persons_t::name,
            persons_t::org_code,
            care_alerts::kind,
            care_alerts::age,
            care_alerts::raised_at,
            care_alerts::raised_by,
            care_alerts::reported_on,
            care_alerts::department,
        ))
        .load::<AlertListRow>(conn)?;
    Ok(Listing { items, total })
}

/// An alert, if its person is one the viewer may see (else not found).
pub fn alert(
    conn: &mut DbConn,
    v: &Viewer,
    id: i64,
) -> StoreResult<(AlertRow, persons::PersonRow)> {
    let a: AlertRow = care_alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .found()?;
    let (p, _) = persons::get(conn, v, a.person_id)?;
    Ok((a, p))
}

/// Records the report of an alert to the responsible department; the alert leaves the open list.
/// A second report of the same alert is a conflict.
pub fn record_report(
    conn: &mut DbConn,
    alert_id: i64,
    r: &Report,
    actor: &Actor,
    now: i64,
) -> StoreResult<AlertRow> {
    let a: AlertRow = care_alerts::table
        .find(alert_id)
        .select(AlertRow::as_select())
        .first(conn)
        .found()?;
    if !a.open() {
        return Err(StoreError::Conflict(Msg::new(
            "这条预警已记录报告",
            "this alert's report is already recorded",
        )));
    }
    diesel::update(care_alerts::table.find(alert_id))
        .set((
            care_alerts::reported_by.eq(&r.reported_by),
            care_alerts::department.eq(&r.department),
            care_alerts::reported_on.eq(dates::iso(r.reported_on)),
            care_alerts::method.eq(r.method),
            care_alerts::report_notes.eq(&r.notes),
            care_alerts::report_recorded_at.eq(now),
            care_alerts::report_recorded_by.eq(&actor.name),
        ))
        .execute(conn)?;
    persons::add_timeline(
        conn,
        a.person_id,
        "care.alert.reported",
        Some(alert_id),
        &format!(
            "监护缺失已报告{}({})",
            r.department,
            care::label(&care::REPORT_METHODS, r.method).zh
        ),
        actor,
        now,
    )?;
    Ok(care_alerts::table
        .find(alert_id)
        .select(AlertRow::as_select())
        .first(conn)?)
}

/// Number of open alerts the viewer may see (for the home page).
pub fn open_alert_count(conn: &mut DbConn, v: &Viewer) -> StoreResult<i64> {
    Ok(alerts(conn, v, true, Page::new(Some(1), Some(1)))?.total)
}

/// Moves a merged record's care records to the record kept (`duplicates::merge`): an archive and
/// its carers or guardians only when the kept record has none, visits and alerts always.
pub fn move_records(conn: &mut DbConn, from: i64, to: i64) -> StoreResult<()> {
    if elderly(conn, to)?.is_none() && elderly(conn, from)?.is_some() {
        diesel::update(care_elderly::table.find(from))
            .set(care_elderly::person_id.eq(to))
            .execute(conn)?;
        diesel::update(care_carers::table.filter(care_carers::person_id.eq(from)))
            .set(care_carers::person_id.eq(to))
            .execute(conn)?;
    }
    if guardianship(conn, to)?.is_none() && guardianship(conn, from)?.is_some() {
        diesel::update(care_guardianship::table.find(from))
            .set(care_guardianship::person_id.eq(to))
            .execute(conn)?;
        diesel::update(care_guardians::table.filter(care_guardians::person_id.eq(from)))
            .set(care_guardians::person_id.eq(to))
            .execute(conn)?;
    }
    diesel::update(care_visits::table.filter(care_visits::person_id.eq(from)))
        .set(care_visits::person_id.eq(to))
        .execute(conn)?;
    diesel::update(care_alerts::table.filter(care_alerts::person_id.eq(from)))
        .set(care_alerts::person_id.eq(to))
        .execute(conn)?;
    Ok(())
}
