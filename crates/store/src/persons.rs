//! Service objects (服务对象, R-7.6.4): people, their categories, name search tokens, edit history
//! and timeline. ID and phone numbers are stored encrypted, found through a blind index and kept
//! masked for display (design.md decision 8); only [`reveal`] decrypts.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::keys::Keys;
use crate::query::{Listing, Page};
use crate::schema::{
    custom_categories, person_assignments, person_categories, person_history, person_search_tokens,
    person_timeline, persons,
};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::Msg;
use shegong_domain::dates;
use shegong_domain::id_number::IdNumber;
use shegong_domain::person::PersonFields;
use shegong_domain::phone::Phone;
use shegong_domain::policy::Sensitivity;
use shegong_domain::scope::Scope;
use shegong_domain::search::{self, NameQuery};

/// Kinds of blind index: one ID number, or one phone, per kind.
pub const ID_NUMBER: &str = "id_number";
pub const PHONE: &str = "phone";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = persons)]
pub struct PersonRow {
    pub id: i64,
    pub org_code: String,
    pub name: String,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub birth_date: Option<String>,
    pub id_number_masked: Option<String>,
    pub phone_masked: Option<String>,
    pub household_id: Option<i64>,
    pub address: String,
    pub difficulty_types: String,
    pub difficulty_degree: Option<String>,
    pub health: Option<String>,
    pub employment: String,
    pub monthly_income: Option<i64>,
    pub sensitivity: String,
    pub consent_by: Option<String>,
    pub consent_relation: Option<String>,
    pub consent_on: Option<String>,
    pub consent_scope: Option<String>,
    pub notes: String,
    pub merged_into: Option<i64>,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PersonRow {
    pub fn sensitivity(&self) -> Sensitivity {
        // Unknown values are treated as the strictest class, never the loosest.
        Sensitivity::from_id(&self.sensitivity).unwrap_or(Sensitivity::Confidential)
    }

    pub fn age(&self, today: time::Date) -> Option<i32> {
        let b = dates::parse(self.birth_date.as_deref()?).ok()?;
        Some(shegong_domain::id_number::age_on(b, today))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq, Eq)]
#[diesel(table_name = person_categories)]
pub struct CategoryRow {
    pub id: i64,
    pub person_id: i64,
    pub category: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub grade: Option<String>,
}

impl CategoryRow {
    /// Whether the category holds on `day` (started, not yet ended).
    pub fn current(&self, day: &str) -> bool {
        self.start_date.as_str() <= day && self.end_date.as_deref().is_none_or(|e| e >= day)
    }
}

/// Who is looking: their scope, and whether confidential records not assigned to them are open to
/// them (the station head, R-7.4g).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub scope: Scope,
    pub all_confidential: bool,
}

pub(crate) type Visible = Box<
    dyn BoxableExpression<
            persons::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// In scope, and not a confidential record hidden from this viewer.
pub(crate) fn visible(v: &Viewer) -> Visible {
    let scope = crate::scope_filter!(persons::org_code, &v.scope);
    if v.all_confidential {
        return scope;
    }
    let mine = person_assignments::table
        .filter(person_assignments::user_id.eq(v.user_id))
        .select(person_assignments::person_id);
    Box::new(
        scope.and(
            persons::sensitivity
                .ne(Sensitivity::Confidential.id())
                .or(persons::id.eq_any(mine)),
        ),
    )
}

/// Whether `user_id` is assigned to the person (may open it when confidential).
pub fn assigned(conn: &mut DbConn, person_id: i64, user_id: i64) -> StoreResult<bool> {
    Ok(person_assignments::table
        .find((person_id, user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn assign(conn: &mut DbConn, person_id: i64, user_id: i64) -> StoreResult<()> {
    if !assigned(conn, person_id, user_id)? {
        diesel::insert_into(person_assignments::table)
            .values((
                person_assignments::person_id.eq(person_id),
                person_assignments::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a category code is known to this deployment (built in, or added).
pub fn known_category(conn: &mut DbConn, code: &str) -> StoreResult<bool> {
    if shegong_domain::person::category(code).is_some() {
        return Ok(true);
    }
    Ok(custom_categories::table
        .find(code)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The deployment's added categories: (code, zh, en).
pub fn custom_category_list(conn: &mut DbConn) -> StoreResult<Vec<(String, String, String)>> {
    Ok(custom_categories::table
        .order(custom_categories::code)
        .select((
            custom_categories::code,
            custom_categories::label_zh,
            custom_categories::label_en,
        ))
        .load(conn)?)
}

fn duplicate_id() -> StoreError {
    StoreError::Conflict(Msg::new(
        "该身份证号已在本系统登记(可能在其他社工站)。如需接收此人,请提出转移申请。",
        "this ID number is already registered (perhaps at another station); to take the person over, request a transfer",
    ))
}

/// The person holding an ID number, whatever the scope: for the duplicate check and transfer
/// requests only — never shown to a user who cannot see the record.
pub fn holder_of_id_number(
    conn: &mut DbConn,
    keys: &Keys,
    id: &IdNumber,
) -> StoreResult<Option<(i64, String)>> {
    Ok(persons::table
        .filter(persons::id_number_index.eq(keys.blind_index(ID_NUMBER, id.as_str())))
        .select((persons::id, persons::org_code))
        .first(conn)
        .optional()?)
}

/// A search token as stored: keyed by the person's station, so that a search reads the tokens of
/// the stations in scope only.
pub(crate) fn station_token(org_code: &str, token: &str) -> String {
    let station = org_code.get(..9).unwrap_or(org_code);
    format!("{station}|{token}")
}

pub(crate) fn write_tokens(
    conn: &mut DbConn,
    person_id: i64,
    name: &str,
    org_code: &str,
) -> StoreResult<()> {
    diesel::delete(
        person_search_tokens::table.filter(person_search_tokens::person_id.eq(person_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = search::name_tokens(name)
        .into_iter()
        .map(|t| {
            (
                person_search_tokens::token.eq(station_token(org_code, &t)),
                person_search_tokens::person_id.eq(person_id),
                person_search_tokens::org_code.eq(org_code.to_string()),
            )
        })
        .collect();
    crate::each_backend!(conn, c => diesel::insert_into(person_search_tokens::table).values(&rows).execute(c))?;
    Ok(())
}

fn write_categories(conn: &mut DbConn, person_id: i64, f: &PersonFields) -> StoreResult<()> {
    diesel::delete(person_categories::table.filter(person_categories::person_id.eq(person_id)))
        .execute(conn)?;
    let mut seen = std::collections::HashSet::new();
    for c in &f.categories {
        let start = dates::iso(c.start_date);
        if !seen.insert((c.code.clone(), start.clone())) {
            continue;
        }
        diesel::insert_into(person_categories::table)
            .values((
                person_categories::person_id.eq(person_id),
                person_categories::category.eq(&c.code),
                person_categories::start_date.eq(start),
                person_categories::end_date.eq(c.end_date.map(dates::iso)),
                person_categories::grade.eq(c.grade.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn add_history(
    conn: &mut DbConn,
    person_id: i64,
    actor: &Actor,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    insert_history(conn, person_id, actor, field, old, new, None, now)
}

#[allow(clippy::too_many_arguments)]
fn insert_history(
    conn: &mut DbConn,
    person_id: i64,
    actor: &Actor,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    reason: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    diesel::insert_into(person_history::table)
        .values((
            person_history::person_id.eq(person_id),
            person_history::at.eq(now),
            person_history::actor_id.eq(actor.user_id),
            person_history::actor.eq(&actor.name),
            person_history::field.eq(field),
            person_history::old_value.eq(old),
            person_history::new_value.eq(new),
            person_history::reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// A record of another module as its edit history shows it: (field, value shown), numbers
/// already masked, codes already turned into their Chinese labels.
pub type Shown = Vec<(&'static str, Option<String>)>;

/// The fields that differ between two versions of a record, as (`{record}.{field}`, before,
/// after); an empty side is a record created or deleted. `record` names the kind and, for a
/// record of which a person has several, its id (`visit:12`).
pub fn changes(
    record: &str,
    old: &Shown,
    new: &Shown,
) -> Vec<(String, Option<String>, Option<String>)> {
    let value = |side: &Shown, f: &str| {
        side.iter()
            .find(|(k, _)| *k == f)
            .and_then(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut names: Vec<&'static str> = old.iter().map(|(k, _)| *k).collect();
    names.extend(
        new.iter()
            .map(|(k, _)| *k)
            .filter(|k| !old.iter().any(|(o, _)| o == k)),
    );
    names
        .into_iter()
        .filter_map(|f| {
            let (a, b) = (value(old, f), value(new, f));
            (a != b).then(|| (format!("{record}.{f}"), a, b))
        })
        .collect()
}

/// The "after" side of a deleted record.
pub fn deleted() -> Shown {
    vec![("deleted", Some("已删除".to_string()))]
}

/// Writes changes of a record of another module (see [`changes`]) to the edit histories of
/// `people`, with the reason when the change corrects or deletes what was recorded.
pub fn add_record_history(
    conn: &mut DbConn,
    people: &[i64],
    actor: &Actor,
    changes: &[(String, Option<String>, Option<String>)],
    reason: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    for pid in people {
        for (field, old, new) in changes {
            insert_history(
                conn,
                *pid,
                actor,
                field,
                old.as_deref(),
                new.as_deref(),
                reason,
                now,
            )?;
        }
    }
    Ok(())
}

/// Adds an entry to the person's timeline (every module records its events here).
pub fn add_timeline(
    conn: &mut DbConn,
    person_id: i64,
    kind: &str,
    ref_id: Option<i64>,
    summary: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    diesel::insert_into(person_timeline::table)
        .values((
            person_timeline::person_id.eq(person_id),
            person_timeline::at.eq(now),
            person_timeline::kind.eq(kind),
            person_timeline::ref_id.eq(ref_id),
            person_timeline::summary.eq(summary),
            person_timeline::actor.eq(&actor.name),
        ))
        .execute(conn)?;
    Ok(())
}

/// Registers a person at `org_code` (a village or station; the caller checked the scope). An ID
/// number already registered anywhere in the deployment is a conflict that names nothing of the
/// other record. The creating user is assigned to the person.
pub fn create(
    conn: &mut DbConn,
    keys: &Keys,
    f: &PersonFields,
    org_code: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    if let Some(id) = &f.id_number
        && holder_of_id_number(conn, keys, id)?.is_some()
    {
        return Err(duplicate_id());
    }
    let id_enc = f
        .id_number
        .as_ref()
        .map(|i| keys.encrypt(i.as_str().as_bytes()));
    let id_index = f
        .id_number
        .as_ref()
        .map(|i| keys.blind_index(ID_NUMBER, i.as_str()));
    let phone_enc = f
        .phone
        .as_ref()
        .map(|p| keys.encrypt(p.as_str().as_bytes()));
    let phone_index = f
        .phone
        .as_ref()
        .map(|p| keys.blind_index(PHONE, &p.digits()));
    let id = diesel::insert_into(persons::table)
        .values((
            persons::org_code.eq(org_code),
            persons::name.eq(&f.name),
            persons::gender.eq(f.gender.map(|g| g.id())),
            persons::ethnicity.eq(f.ethnicity),
            persons::birth_date.eq(f.birth_date.map(dates::iso)),
            persons::id_number_enc.eq(id_enc),
            persons::id_number_index.eq(id_index),
            persons::id_number_masked.eq(f.id_number.as_ref().map(IdNumber::masked)),
            persons::phone_enc.eq(phone_enc),
            persons::phone_index.eq(phone_index),
            persons::phone_masked.eq(f.phone.as_ref().map(Phone::masked)),
            persons::address.eq(&f.address),
            persons::difficulty_types.eq(f.difficulty_types.join(",")),
            persons::difficulty_degree.eq(f.difficulty_degree),
            persons::health.eq(f.health),
            persons::employment.eq(&f.employment),
            persons::monthly_income.eq(f.monthly_income),
            persons::sensitivity.eq(f.sensitivity.id()),
            persons::consent_by.eq(f.consent.as_ref().map(|c| c.by.clone())),
            persons::consent_relation.eq(f.consent.as_ref().map(|c| c.relation.clone())),
            persons::consent_on.eq(f.consent.as_ref().map(|c| dates::iso(c.on))),
            persons::consent_scope.eq(f.consent.as_ref().map(|c| c.scope.clone())),
            persons::notes.eq(&f.notes),
            persons::created_by.eq(actor.user_id),
            persons::created_at.eq(now),
            persons::updated_at.eq(now),
        ))
        .returning(persons::id)
        .get_result::<i64>(conn)
        .map_err(|e| {
            if StoreError::from(e).is_unique_violation() {
                duplicate_id()
            } else {
                StoreError::Other("insert person".into())
            }
        })?;
    write_categories(conn, id, f)?;
    write_tokens(conn, id, &f.name, org_code)?;
    if let Some(uid) = actor.user_id {
        assign(conn, id, uid)?;
    }
    add_history(conn, id, actor, "created", None, None, now)?;
    add_timeline(conn, id, "archive.created", None, "建立档案", actor, now)?;
    Ok(id)
}

/// A person the viewer may see, with categories.
pub fn get(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<(PersonRow, Vec<CategoryRow>)> {
    let p: PersonRow = persons::table
        .find(id)
        .filter(visible(v))
        .select(PersonRow::as_select())
        .first(conn)
        .found()?;
    let cats = categories_of(conn, id)?;
    Ok((p, cats))
}

/// The masked ID number of a person the caller reached through another record already checked
/// for them (a case they may read): the person's own visibility filter does not apply.
pub fn id_number_masked(conn: &mut DbConn, id: i64) -> StoreResult<Option<String>> {
    persons::table
        .find(id)
        .select(persons::id_number_masked)
        .first(conn)
        .found()
}

pub fn categories_of(conn: &mut DbConn, person_id: i64) -> StoreResult<Vec<CategoryRow>> {
    Ok(person_categories::table
        .filter(person_categories::person_id.eq(person_id))
        .order((person_categories::start_date, person_categories::category))
        .select(CategoryRow::as_select())
        .load(conn)?)
}

/// Changes a person; `version` must be the one the editor saw (else 409: someone else saved in
/// between). Every changed field is written to the history (ID and phone masked). Returns the
/// names of the fields changed.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    id: i64,
    version: i64,
    f: &PersonFields,
    org_code: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<Vec<&'static str>> {
    let (old, old_cats) = get(conn, v, id)?;
    if old.version != version {
        return Err(StoreError::Conflict(Msg::new(
            "这条记录已被他人修改,请刷新页面后再编辑",
            "someone else changed this record; reload it and edit again",
        )));
    }
    if let Some(n) = &f.id_number
        && let Some((holder, _)) = holder_of_id_number(conn, keys, n)?
        && holder != id
    {
        return Err(duplicate_id());
    }
    let consent_text =
        |by: &Option<String>, rel: &Option<String>, on: &Option<String>, scope: &Option<String>| {
            by.as_ref().map(|b| {
                format!(
                    "{b}({}) {} {}",
                    rel.clone().unwrap_or_default(),
                    on.clone().unwrap_or_default(),
                    scope.clone().unwrap_or_default()
                )
            })
        };
    let new_consent = f
        .consent
        .as_ref()
        .map(|c| format!("{}({}) {} {}", c.by, c.relation, dates::iso(c.on), c.scope));
    // Every field as (name, stored value, new value); ID and phone numbers compared masked.
    let fields: [(&'static str, Option<String>, Option<String>); 16] = [
        ("name", Some(old.name.clone()), Some(f.name.clone())),
        (
            "org_code",
            Some(old.org_code.clone()),
            Some(org_code.to_string()),
        ),
        (
            "gender",
            old.gender.clone(),
            f.gender.map(|g| g.id().to_string()),
        ),
        (
            "ethnicity",
            old.ethnicity.clone(),
            f.ethnicity.map(str::to_string),
        ),
        (
            "birth_date",
            old.birth_date.clone(),
            f.birth_date.map(dates::iso),
        ),
        (
            "id_number",
            old.id_number_masked.clone(),
            f.id_number.as_ref().map(IdNumber::masked),
        ),
        (
            "phone",
            old.phone_masked.clone(),
            f.phone.as_ref().map(Phone::masked),
        ),
        (
            "address",
            Some(old.address.clone()),
            Some(f.address.clone()),
        ),
        (
            "difficulty_types",
            Some(old.difficulty_types.clone()),
            Some(f.difficulty_types.join(",")),
        ),
        (
            "difficulty_degree",
            old.difficulty_degree.clone(),
            f.difficulty_degree.map(str::to_string),
        ),
        ("health", old.health.clone(), f.health.map(str::to_string)),
        (
            "employment",
            Some(old.employment.clone()),
            Some(f.employment.clone()),
        ),
        (
            "monthly_income",
            old.monthly_income.map(|i| i.to_string()),
            f.monthly_income.map(|i| i.to_string()),
        ),
        (
            "sensitivity",
            Some(old.sensitivity.clone()),
            Some(f.sensitivity.id().to_string()),
        ),
        (
            "consent",
            consent_text(
                &old.consent_by,
                &old.consent_relation,
                &old.consent_on,
                &old.consent_scope,
            ),
            new_consent,
        ),
        ("notes", Some(old.notes.clone()), Some(f.notes.clone())),
    ];
    let mut changed: Vec<&'static str> = Vec::new();
    for (field, old, new) in fields {
        if old != new {
            add_history(conn, id, actor, field, old.as_deref(), new.as_deref(), now)?;
            changed.push(field);
        }
    }
    let old_c: Vec<(String, String, Option<String>, Option<String>)> = old_cats
        .iter()
        .map(|c| {
            (
                c.category.clone(),
                c.start_date.clone(),
                c.end_date.clone(),
                c.grade.clone(),
            )
        })
        .collect();
    let mut new_c: Vec<(String, String, Option<String>, Option<String>)> = f
        .categories
        .iter()
        .map(|c| {
            (
                c.code.clone(),
                dates::iso(c.start_date),
                c.end_date.map(dates::iso),
                c.grade.clone(),
            )
        })
        .collect();
    new_c.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    new_c.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let cat_text = |v: &Vec<(String, String, Option<String>, Option<String>)>| {
        v.iter()
            .map(|(c, s, e, g)| {
                format!(
                    "{c}:{s}~{}{}",
                    e.clone().unwrap_or_default(),
                    g.as_ref().map(|g| format!("/{g}")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let cats_changed = old_c != new_c;
    if cats_changed {
        let (before, after) = (cat_text(&old_c), cat_text(&new_c));
        add_history(
            conn,
            id,
            actor,
            "categories",
            Some(&before),
            Some(&after),
            now,
        )?;
        changed.push("categories");
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    diesel::update(persons::table.find(id))
        .set((
            persons::org_code.eq(org_code),
            persons::name.eq(&f.name),
            persons::gender.eq(f.gender.map(|g| g.id())),
            persons::ethnicity.eq(f.ethnicity),
            persons::birth_date.eq(f.birth_date.map(dates::iso)),
            persons::id_number_enc.eq(f
                .id_number
                .as_ref()
                .map(|i| keys.encrypt(i.as_str().as_bytes()))),
            persons::id_number_index.eq(f
                .id_number
                .as_ref()
                .map(|i| keys.blind_index(ID_NUMBER, i.as_str()))),
            persons::id_number_masked.eq(f.id_number.as_ref().map(IdNumber::masked)),
            persons::phone_enc.eq(f
                .phone
                .as_ref()
                .map(|p| keys.encrypt(p.as_str().as_bytes()))),
            persons::phone_index.eq(f
                .phone
                .as_ref()
                .map(|p| keys.blind_index(PHONE, &p.digits()))),
            persons::phone_masked.eq(f.phone.as_ref().map(Phone::masked)),
            persons::address.eq(&f.address),
            persons::difficulty_types.eq(f.difficulty_types.join(",")),
            persons::difficulty_degree.eq(f.difficulty_degree),
            persons::health.eq(f.health),
            persons::employment.eq(&f.employment),
            persons::monthly_income.eq(f.monthly_income),
        ))
        .execute(conn)?;
    diesel::update(persons::table.find(id))
        .set((
            persons::sensitivity.eq(f.sensitivity.id()),
            persons::consent_by.eq(f.consent.as_ref().map(|c| c.by.clone())),
            persons::consent_relation.eq(f.consent.as_ref().map(|c| c.relation.clone())),
            persons::consent_on.eq(f.consent.as_ref().map(|c| dates::iso(c.on))),
            persons::consent_scope.eq(f.consent.as_ref().map(|c| c.scope.clone())),
            persons::notes.eq(&f.notes),
            persons::version.eq(version + 1),
            persons::updated_at.eq(now),
        ))
        .execute(conn)?;
    if cats_changed {
        write_categories(conn, id, f)?;
    }
    if changed.contains(&"name") || changed.contains(&"org_code") {
        write_tokens(conn, id, &f.name, org_code)?;
    }
    add_timeline(conn, id, "archive.updated", None, "修改档案", actor, now)?;
    Ok(changed)
}

/// Search and list filters (issue 3 point 7).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A name or part of it, its pinyin or initials, a full ID number, or a phone number.
    pub q: Option<String>,
    pub category: Option<String>,
    /// A village or station: the node and everything below it.
    pub org_code: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub sensitivity: Option<Sensitivity>,
    /// Records merged into another one are hidden unless asked for.
    pub include_merged: bool,
}

/// The stations (township codes) a scope reaches: its roots at or below a station, and the
/// stations under a root above one.
fn stations_of(conn: &mut DbConn, scope: &Scope) -> StoreResult<Vec<String>> {
    use crate::schema::org_units;
    let mut out = Vec::new();
    for root in scope.roots() {
        let code = root.as_str();
        if root.is_operator() {
            continue;
        }
        if code.len() >= 9 {
            out.push(code[..9].to_string());
        } else {
            let under = Scope::new(vec![root.clone()]);
            out.extend(
                org_units::table
                    .filter(crate::scope_filter!(org_units::code, &under))
                    .filter(org_units::level.eq(shegong_domain::org::OrgLevel::Township.id()))
                    .select(org_units::code)
                    .load::<String>(conn)?,
            );
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `persons.id IN (…)` for people with a full pinyin or initials starting with `p` in one of the
/// stations. Written out as SQL text because the number of ranges varies with the scope and a
/// boxed subquery does not compile for both backends; safe to inline because a station code is
/// digits and `p` letters ([`NameQuery::Pinyin`]) — anything else matches nobody. Each term is a
/// range on the token key, and there is no constant first term, which would make SQLite scan every
/// token instead of OR-ing index searches.
fn pinyin_match(stations: &[String], p: &str, pg: bool) -> String {
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if !plain(p) || !stations.iter().all(|s| plain(s)) {
        return "1 = 0".into();
    }
    let ranges: Vec<String> = stations
        .iter()
        .flat_map(|st| {
            [search::PINYIN, search::INITIALS].map(|kind| {
                let from = station_token(st, &format!("{kind}{p}"));
                format!("(token >= '{from}' AND token < '{from}\u{10FFFF}')")
            })
        })
        .collect();
    let (open, close) = matched_ids(pg);
    format!(
        "{open}SELECT person_id FROM person_search_tokens WHERE {}{close}",
        ranges.join(" OR ")
    )
}

/// `persons.id` among the ids a token subquery gives. On PostgreSQL as an array computed once:
/// as `IN (…)` the planner turns it into a join, and with its estimate of one person for a
/// station's code range (the histogram cannot see ranges that narrow) it re-ran the token search
/// for every person of the station — a second per search at 2 million people
/// (docs/benchmarks.md). SQLite computes `IN (…)` once.
fn matched_ids(pg: bool) -> (&'static str, &'static str) {
    if pg {
        ("persons.id = ANY(ARRAY(", "))")
    } else {
        ("persons.id IN (", ")")
    }
}

/// What a search text is.
enum Wanted {
    Id(String),
    Phone(String),
    Name(NameQuery),
}

fn understand(keys: &Keys, q: &str) -> Option<Wanted> {
    let today = dates::today();
    if let Ok(id) = IdNumber::parse(q, today) {
        return Some(Wanted::Id(keys.blind_index(ID_NUMBER, id.as_str())));
    }
    let digits = shegong_domain::id_number::normalise_digits(q);
    if digits
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+')
        && digits.chars().filter(char::is_ascii_digit).count() >= 7
    {
        return Phone::parse(q)
            .ok()
            .map(|p| Wanted::Phone(keys.blind_index(PHONE, &p.digits())));
    }
    search::name_query(q).map(Wanted::Name)
}

/// People the viewer may see matching the filter: exact name first, then names starting with the
/// text, then the rest, shorter names before longer.
pub fn search(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    f: &Filter,
    page: Page,
) -> StoreResult<Listing<PersonRow>> {
    use diesel::sql_types::Integer;
    let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let wanted = q.map(|q| understand(keys, q));
    // Text that cannot match anything (only punctuation, say) finds nothing rather than everything.
    if matches!(wanted, Some(None)) {
        return Ok(Listing {
            items: Vec::new(),
            total: 0,
        });
    }
    let today = dates::today();
    // Tokens are keyed by station: the stations the scope reaches.
    let stations = stations_of(conn, &v.scope)?;
    if stations.is_empty() {
        return Ok(Listing {
            items: Vec::new(),
            total: 0,
        });
    }
    // Pinyin matches are ranges of tokens, one pair per station, OR-ed in a subquery (never a
    // list of ids read first: a county's `l` has tens of thousands, more than a statement binds).
    let pg = matches!(conn, DbConn::Pg(_));
    let pinyin =
        |p: &str| diesel::dsl::sql::<diesel::sql_types::Bool>(&pinyin_match(&stations, p, pg));
    let build = || {
        let mut b = persons::table.into_boxed().filter(visible(v));
        if !f.include_merged {
            b = b.filter(persons::merged_into.is_null());
        }
        match &wanted {
            Some(Some(Wanted::Id(idx))) => b = b.filter(persons::id_number_index.eq(idx.clone())),
            Some(Some(Wanted::Phone(idx))) => b = b.filter(persons::phone_index.eq(idx.clone())),
            Some(Some(Wanted::Name(NameQuery::Hanzi(tokens)))) => {
                let keyed: Vec<String> = stations
                    .iter()
                    .flat_map(|st| tokens.iter().map(move |t| station_token(st, t)))
                    .collect();
                // The tokens go in as one JSON array bound as text, so the statement has one
                // shape whatever their number. A person's tokens all carry one station, so
                // every token matching means as many rows as the text has tokens.
                let (list, end) = if pg {
                    ("SELECT json_array_elements_text(CAST(", " AS json))")
                } else {
                    ("SELECT value FROM json_each(CAST(", " AS TEXT))")
                };
                let (open, close) = matched_ids(pg);
                b = b.filter(
                    diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                        "{open}SELECT person_id FROM person_search_tokens WHERE token IN ({list}"
                    ))
                    .bind::<diesel::sql_types::Text, _>(
                        serde_json::to_string(&keyed).unwrap_or_default(),
                    )
                    .sql(&format!(
                        "{end}) GROUP BY person_id HAVING count(*) = {}{close}",
                        tokens.len()
                    )),
                );
            }
            Some(Some(Wanted::Name(NameQuery::Pinyin(p)))) => {
                b = b.filter(pinyin(p));
            }
            _ => {}
        }
        if let Some(c) = &f.category {
            let day = dates::iso(today);
            let ids = person_categories::table
                .filter(person_categories::category.eq(c.clone()))
                .filter(person_categories::start_date.le(day.clone()))
                .filter(
                    person_categories::end_date
                        .is_null()
                        .or(person_categories::end_date.ge(day)),
                )
                .select(person_categories::person_id);
            b = b.filter(persons::id.eq_any(ids));
        }
        if let Some(o) = &f.org_code
            && let Ok(code) = shegong_domain::org::OrgCode::parse(o)
        {
            let sub = Scope::new(vec![code]);
            b = b.filter(crate::scope_filter!(persons::org_code, &sub));
        }
        // Age in whole years → a range of birth dates.
        if let Some(min) = f.age_min
            && let Some(latest) = years_before(today, min)
        {
            b = b.filter(persons::birth_date.le(dates::iso(latest)));
        }
        if let Some(max) = f.age_max
            && let Some(earliest) = years_before(today, max + 1).and_then(|d| d.next_day())
        {
            b = b.filter(persons::birth_date.ge(dates::iso(earliest)));
        }
        if let Some(s) = f.sensitivity {
            b = b.filter(persons::sensitivity.eq(s.id()));
        }
        b
    };
    if let Some(Some(Wanted::Name(_))) = &wanted {
        // Name matches are ranked here in one pass over (id, name) rather than counted and then
        // sorted again by the database; the page's rows are read afterwards.
        let mut found: Vec<(i64, String)> =
            build().select((persons::id, persons::name)).load(conn)?;
        let q = q.unwrap_or_default();
        found.sort_unstable_by(|a, b| {
            search::rank(&a.1, q)
                .cmp(&search::rank(&b.1, q))
                .then(a.0.cmp(&b.0))
        });
        let ids: Vec<i64> = found
            .iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(page.per_page).unwrap_or(0))
            .map(|(id, _)| *id)
            .collect();
        let mut items: Vec<PersonRow> = persons::table
            .filter(persons::id.eq_any(&ids))
            .select(PersonRow::as_select())
            .load(conn)?;
        items.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
        return Ok(Listing {
            items,
            total: found.len() as i64,
        });
    }
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((
            diesel::dsl::sql::<Integer>("length(name)"),
            persons::name,
            persons::id,
        ))
        .limit(page.per_page)
        .offset(page.offset())
        .select(PersonRow::as_select())
        .load(conn)?;
    Ok(Listing { items, total })
}

fn years_before(d: time::Date, years: i32) -> Option<time::Date> {
    let y = d.year().checked_sub(years)?;
    time::Date::from_calendar_date(y, d.month(), d.day())
        .ok()
        .or_else(|| time::Date::from_calendar_date(y, d.month(), 28).ok())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    IdNumber,
    Phone,
}

/// Decrypts a person's full ID or phone number (the caller audits the reveal).
pub fn reveal(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    id: i64,
    what: Secret,
) -> StoreResult<Option<String>> {
    let (idn, phone): (Option<Vec<u8>>, Option<Vec<u8>>) = persons::table
        .find(id)
        .filter(visible(v))
        .select((persons::id_number_enc, persons::phone_enc))
        .first(conn)
        .found()?;
    let blob = match what {
        Secret::IdNumber => idn,
        Secret::Phone => phone,
    };
    blob.map(|b| {
        keys.decrypt(&b)
            .map(|p| String::from_utf8_lossy(&p).into_owned())
    })
    .transpose()
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = person_history)]
pub struct HistoryRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Why a saved record was corrected or deleted.
    pub reason: Option<String>,
}

pub fn history(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<Vec<HistoryRow>> {
    get(conn, v, id)?;
    Ok(person_history::table
        .filter(person_history::person_id.eq(id))
        .order((person_history::at.desc(), person_history::id.desc()))
        .select(HistoryRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = person_timeline)]
pub struct TimelineRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub ref_id: Option<i64>,
    pub summary: String,
    pub actor: String,
}

pub fn timeline(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<Vec<TimelineRow>> {
    get(conn, v, id)?;
    Ok(person_timeline::table
        .filter(person_timeline::person_id.eq(id))
        .order((person_timeline::at.desc(), person_timeline::id.desc()))
        .select(TimelineRow::as_select())
        .load(conn)?)
}

/// Number of people in scope (not merged away), for home pages.
pub fn count(conn: &mut DbConn, v: &Viewer) -> StoreResult<i64> {
    Ok(persons::table
        .filter(visible(v))
        .filter(persons::merged_into.is_null())
        .count()
        .get_result(conn)?)
}

/// Adds a deployment-defined category; a code already used is a conflict.
pub fn add_custom_category(
    conn: &mut DbConn,
    code: &str,
    label_zh: &str,
    label_en: &str,
    now: i64,
) -> StoreResult<()> {
    if known_category(conn, code)? {
        return Err(StoreError::Conflict(Msg::new(
            "已有这个代码的类别",
            "a category with this code exists",
        )));
    }
    diesel::insert_into(custom_categories::table)
        .values((
            custom_categories::code.eq(code),
            custom_categories::label_zh.eq(label_zh),
            custom_categories::label_en.eq(label_en),
            custom_categories::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The categories current on `day` of each of these people (for list rows), by person.
pub fn current_categories(
    conn: &mut DbConn,
    ids: &[i64],
    day: &str,
) -> StoreResult<std::collections::HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = person_categories::table
        .filter(person_categories::person_id.eq_any(ids))
        .filter(person_categories::start_date.le(day))
        .filter(
            person_categories::end_date
                .is_null()
                .or(person_categories::end_date.ge(day)),
        )
        .order((person_categories::person_id, person_categories::category))
        .select((person_categories::person_id, person_categories::category))
        .load(conn)?;
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (id, c) in rows {
        let list = out.entry(id).or_default();
        if !list.contains(&c) {
            list.push(c);
        }
    }
    Ok(out)
}
