//! Households (家庭/户) and their members, household investigations (入户调查, 8.1.1.1) and social
//! assistance reviews (复核, 8.1.1.2). A household belongs to a village or station; every query
//! takes the caller's scope, and members the caller may not see (confidential records not
//! assigned to them) are left out of what is shown.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::persons::{self, Viewer};
use crate::query::{Listing, Page, like_contains};
use crate::schema::{household_members, households, persons as p};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::household::{self as dh, HouseholdFields, Investigation, MemberRecord, Review};
use shegong_domain::policy::Sensitivity;
use shegong_domain::scope::Scope;
use shegong_domain::{Msg, dates};

diesel::table! {
    household_investigations (id) {
        id -> BigInt,
        household_id -> BigInt,
        investigated_on -> Text,
        investigators -> Text,
        members -> Text,
        incomes -> Text,
        spending -> Text,
        property -> Text,
        notes -> Text,
        signed -> Bool,
        member_count -> BigInt,
        total_income_fen -> BigInt,
        total_spending_fen -> BigInt,
        per_capita_monthly_fen -> BigInt,
        created_by -> Nullable<BigInt>,
        created_by_name -> Text,
        created_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    assistance_reviews (id) {
        id -> BigInt,
        household_id -> BigInt,
        category -> Text,
        reviewed_on -> Text,
        result -> Text,
        next_due -> Nullable<Text>,
        notes -> Text,
        superseded -> Bool,
        created_by -> Nullable<BigInt>,
        created_by_name -> Text,
        created_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::joinable!(assistance_reviews -> households (household_id));
diesel::joinable!(household_investigations -> households (household_id));
diesel::allow_tables_to_appear_in_same_query!(assistance_reviews, households);
diesel::allow_tables_to_appear_in_same_query!(household_investigations, households);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = households)]
pub struct HouseholdRow {
    pub id: i64,
    pub org_code: String,
    pub head_person_id: Option<i64>,
    pub address: String,
    pub housing: String,
    pub difficulty_type: String,
    pub difficulty_degree: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A member the viewer may see.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub person_id: i64,
    /// A code of `domain::household::RELATIONS` (older rows may hold the Chinese label).
    pub relation: String,
    pub name: String,
    pub org_code: String,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub sensitivity: String,
    /// As on the person's record (`healthy`, `chronic`, `serious`).
    pub health: Option<String>,
}

impl Member {
    pub fn sensitivity(&self) -> Sensitivity {
        Sensitivity::from_id(&self.sensitivity).unwrap_or(Sensitivity::Confidential)
    }

    /// The relation's code, whether stored as code or as label.
    pub fn relation_code(&self) -> &str {
        dh::relation(&self.relation).unwrap_or("other")
    }
}

/// A household in a list: with its head's name (when visible) and number of members.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub household: HouseholdRow,
    pub head_name: Option<String>,
    pub member_count: i64,
}

fn not_in_station() -> StoreError {
    StoreError::Invalid(shegong_domain::Invalid::one(
        "person_id",
        Msg::new(
            "该服务对象不属于本户所在的社工站",
            "the person is not registered at this household's station",
        ),
    ))
}

fn same_station(a: &str, b: &str) -> bool {
    let st = |c: &str| {
        shegong_domain::org::OrgCode::parse(c)
            .ok()
            .and_then(|c| c.station())
    };
    matches!((st(a), st(b)), (Some(x), Some(y)) if x == y)
}

/// A household in scope.
pub fn get(conn: &mut DbConn, scope: &Scope, id: i64) -> StoreResult<HouseholdRow> {
    households::table
        .find(id)
        .filter(crate::scope_filter!(households::org_code, scope))
        .select(HouseholdRow::as_select())
        .first(conn)
        .found()
}

/// Creates a household at `org_code` (the caller checked it is a village or station in scope).
pub fn create(
    conn: &mut DbConn,
    org_code: &str,
    f: &HouseholdFields,
    now: i64,
) -> StoreResult<i64> {
    Ok(diesel::insert_into(households::table)
        .values((
            households::org_code.eq(org_code),
            households::address.eq(&f.address),
            households::housing.eq(&f.housing),
            households::difficulty_type.eq(&f.difficulty_type),
            households::difficulty_degree.eq(f.difficulty_degree),
            households::created_at.eq(now),
            households::updated_at.eq(now),
        ))
        .returning(households::id)
        .get_result(conn)?)
}

/// Changes a household's own fields; returns the names of the fields changed. Members must
/// stay at the household's station.
pub fn update(
    conn: &mut DbConn,
    scope: &Scope,
    id: i64,
    org_code: &str,
    f: &HouseholdFields,
    now: i64,
) -> StoreResult<Vec<&'static str>> {
    let old = get(conn, scope, id)?;
    let mut changed = Vec::new();
    if old.org_code != org_code {
        let member_orgs: Vec<String> = household_members::table
            .inner_join(p::table)
            .filter(household_members::household_id.eq(id))
            .select(p::org_code)
            .load(conn)?;
        if member_orgs.iter().any(|o| !same_station(o, org_code)) {
            return Err(StoreError::Invalid(shegong_domain::Invalid::one(
                "org_code",
                Msg::new(
                    "本户成员登记在其他社工站,不能移到这里",
                    "members are registered at another station",
                ),
            )));
        }
        changed.push("org_code");
    }
    if old.address != f.address {
        changed.push("address");
    }
    if old.housing != f.housing {
        changed.push("housing");
    }
    if old.difficulty_type != f.difficulty_type {
        changed.push("difficulty_type");
    }
    if old.difficulty_degree.as_deref() != f.difficulty_degree {
        changed.push("difficulty_degree");
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    diesel::update(households::table.find(id))
        .set((
            households::org_code.eq(org_code),
            households::address.eq(&f.address),
            households::housing.eq(&f.housing),
            households::difficulty_type.eq(&f.difficulty_type),
            households::difficulty_degree.eq(f.difficulty_degree),
            households::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed)
}

/// Members the viewer may see, the head first.
pub fn members(conn: &mut DbConn, v: &Viewer, id: i64) -> StoreResult<Vec<Member>> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = household_members::table
        .inner_join(p::table)
        .filter(household_members::household_id.eq(id))
        .order(p::id)
        .select((
            p::id,
            household_members::relation,
            p::name,
            p::org_code,
            p::gender,
            p::birth_date,
            p::sensitivity,
            p::health,
        ))
        .load(conn)?;
    let seen = visible_names(conn, v, rows.iter().map(|r| r.0))?;
    let mut out: Vec<Member> = rows
        .into_iter()
        .filter(|r| seen.contains_key(&r.0))
        .map(
            |(person_id, relation, name, org_code, gender, birth_date, sensitivity, health)| {
                Member {
                    person_id,
                    relation,
                    name,
                    org_code,
                    gender,
                    birth_date,
                    sensitivity,
                    health,
                }
            },
        )
        .collect();
    out.sort_by_key(|m| m.relation_code() != "head");
    Ok(out)
}

/// Every member's id, seen or not (for timeline entries, which belong to each person).
pub fn all_member_ids(conn: &mut DbConn, id: i64) -> StoreResult<Vec<i64>> {
    Ok(household_members::table
        .filter(household_members::household_id.eq(id))
        .select(household_members::person_id)
        .load(conn)?)
}

/// What adding a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    /// Already a member: the relation was changed.
    RelationChanged,
    Unchanged,
}

/// Adds a person the viewer may see (registered at the household's station) as a member, or
/// changes an existing member's relation. A person lives in one household: a member of another
/// one is a conflict. Making someone the head makes them the household's head; the former head
/// becomes 其他 (relations are to the head, so the worker reviews them).
#[allow(clippy::too_many_arguments)]
pub fn add_member(
    conn: &mut DbConn,
    v: &Viewer,
    hh: &HouseholdRow,
    person_id: i64,
    relation: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<Added> {
    let (person, _) = persons::get(conn, v, person_id)?;
    if !same_station(&person.org_code, &hh.org_code) {
        return Err(not_in_station());
    }
    let current: Option<(i64, String)> = household_members::table
        .filter(household_members::person_id.eq(person_id))
        .select((household_members::household_id, household_members::relation))
        .first(conn)
        .optional()?;
    let label = dh::label(&dh::RELATIONS, relation);
    let outcome = match current {
        Some((other, _)) if other != hh.id => {
            return Err(StoreError::Conflict(Msg::new(
                "此人已是另一户的成员,请先从原家庭移出",
                "the person is a member of another household; remove them there first",
            )));
        }
        Some((_, old)) if dh::relation(&old).ok() == Some(relation) => return Ok(Added::Unchanged),
        Some(_) => {
            diesel::update(household_members::table.find((hh.id, person_id)))
                .set(household_members::relation.eq(relation))
                .execute(conn)?;
            persons::add_timeline(
                conn,
                person_id,
                "household.relation",
                Some(hh.id),
                &format!("与户主关系改为{label}"),
                actor,
                now,
            )?;
            Added::RelationChanged
        }
        None => {
            diesel::insert_into(household_members::table)
                .values((
                    household_members::household_id.eq(hh.id),
                    household_members::person_id.eq(person_id),
                    household_members::relation.eq(relation),
                ))
                .execute(conn)?;
            diesel::update(p::table.find(person_id))
                .set(p::household_id.eq(Some(hh.id)))
                .execute(conn)?;
            persons::add_history(
                conn,
                person_id,
                actor,
                "household_id",
                person.household_id.map(|h| h.to_string()).as_deref(),
                Some(&hh.id.to_string()),
                now,
            )?;
            persons::add_timeline(
                conn,
                person_id,
                "household.joined",
                Some(hh.id),
                &format!("加入家庭(与户主关系:{label})"),
                actor,
                now,
            )?;
            Added::New
        }
    };
    if relation == "head" {
        if let Some(old_head) = hh.head_person_id.filter(|h| *h != person_id) {
            diesel::update(household_members::table.find((hh.id, old_head)))
                .set(household_members::relation.eq("other"))
                .execute(conn)?;
        }
        diesel::update(households::table.find(hh.id))
            .set((
                households::head_person_id.eq(Some(person_id)),
                households::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else if hh.head_person_id == Some(person_id) {
        diesel::update(households::table.find(hh.id))
            .set(households::head_person_id.eq(None::<i64>))
            .execute(conn)?;
    }
    Ok(outcome)
}

/// Removes a member the viewer may see.
pub fn remove_member(
    conn: &mut DbConn,
    v: &Viewer,
    hh: &HouseholdRow,
    person_id: i64,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    persons::get(conn, v, person_id)?;
    let n = diesel::delete(household_members::table.find((hh.id, person_id))).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    diesel::update(p::table.find(person_id).filter(p::household_id.eq(hh.id)))
        .set(p::household_id.eq(None::<i64>))
        .execute(conn)?;
    if hh.head_person_id == Some(person_id) {
        diesel::update(households::table.find(hh.id))
            .set((
                households::head_person_id.eq(None::<i64>),
                households::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    persons::add_history(
        conn,
        person_id,
        actor,
        "household_id",
        Some(&hh.id.to_string()),
        None,
        now,
    )?;
    persons::add_timeline(
        conn,
        person_id,
        "household.left",
        Some(hh.id),
        "移出家庭",
        actor,
        now,
    )?;
    Ok(())
}

/// The household a person the viewer may see belongs to (for links from the person page).
pub fn household_of(conn: &mut DbConn, v: &Viewer, person_id: i64) -> StoreResult<Option<i64>> {
    persons::get(conn, v, person_id)?;
    Ok(household_members::table
        .inner_join(households::table)
        .filter(household_members::person_id.eq(person_id))
        .filter(crate::scope_filter!(households::org_code, &v.scope))
        .select(households::id)
        .first(conn)
        .optional()?)
}

/// Households in scope, optionally found by part of the head's name or of the address. A head
/// hidden from the viewer is neither shown nor searchable by name.
pub fn list(
    conn: &mut DbConn,
    v: &Viewer,
    q: Option<&str>,
    page: Page,
) -> StoreResult<Listing<Summary>> {
    let q = q.map(str::trim).filter(|s| !s.is_empty());
    // Heads found by name: people the viewer may see (two steps, as boxed visibility conditions
    // cannot go inside a subquery on both backends).
    let heads: Vec<Option<i64>> = match q {
        Some(q) => p::table
            .filter(crate::persons::visible(v))
            .filter(p::name.like(like_contains(q)).escape('\\'))
            .select(p::id)
            .limit(5000)
            .load::<i64>(conn)?
            .into_iter()
            .map(Some)
            .collect(),
        None => Vec::new(),
    };
    let build = || {
        let mut b = households::table
            .into_boxed()
            .filter(crate::scope_filter!(households::org_code, &v.scope));
        if let Some(q) = q {
            b = b.filter(
                households::address
                    .like(like_contains(q))
                    .escape('\\')
                    .or(households::head_person_id.eq_any(heads.clone())),
            );
        }
        b
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<HouseholdRow> = build()
        .order(households::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(HouseholdRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    // Members the viewer may see, counted per household (a hidden member is not even counted).
    let pairs: Vec<(i64, i64)> = household_members::table
        .filter(household_members::household_id.eq_any(&ids))
        .select((
            household_members::household_id,
            household_members::person_id,
        ))
        .load(conn)?;
    let seen = visible_names(conn, v, pairs.iter().map(|p| p.1))?;
    let mut counts: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for (h, pid) in pairs {
        if seen.contains_key(&pid) {
            *counts.entry(h).or_default() += 1;
        }
    }
    let heads = visible_names(conn, v, rows.iter().filter_map(|r| r.head_person_id))?;
    let items = rows
        .into_iter()
        .map(|r| Summary {
            head_name: r.head_person_id.and_then(|h| heads.get(&h).cloned()),
            member_count: counts.get(&r.id).copied().unwrap_or(0),
            household: r,
        })
        .collect();
    Ok(Listing { items, total })
}

/// Names of the people among `ids` the viewer may see.
pub fn visible_names(
    conn: &mut DbConn,
    v: &Viewer,
    ids: impl Iterator<Item = i64>,
) -> StoreResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(p::table
        .filter(p::id.eq_any(ids))
        .filter(crate::persons::visible(v))
        .select((p::id, p::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

// ---------------------------------------------------------------- investigations

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = household_investigations)]
pub struct InvestigationRow {
    pub id: i64,
    pub household_id: i64,
    pub investigated_on: String,
    pub investigators: String,
    pub members: String,
    pub incomes: String,
    pub spending: String,
    pub property: String,
    pub notes: String,
    pub signed: bool,
    pub member_count: i64,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub per_capita_monthly_fen: i64,
    pub created_by_name: String,
    pub created_at: i64,
}

/// An investigation as read back: the JSON parts decoded.
#[derive(Debug, Clone, Serialize)]
pub struct InvestigationRecord {
    pub id: i64,
    pub household_id: i64,
    pub date: String,
    pub investigators: Vec<String>,
    pub members: Vec<MemberRecord>,
    pub incomes: Vec<dh::Amount>,
    pub spending: Vec<dh::Amount>,
    pub property: dh::Property,
    pub notes: String,
    pub signed: bool,
    pub member_count: i64,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub per_capita_monthly_fen: i64,
    pub recorded_by: String,
    pub recorded_at: i64,
}

pub(crate) fn json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(e.to_string()))
}

fn unjson<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Other(format!("stored record: {e}")))
}

impl InvestigationRow {
    fn decode(self) -> StoreResult<InvestigationRecord> {
        Ok(InvestigationRecord {
            id: self.id,
            household_id: self.household_id,
            date: self.investigated_on,
            investigators: unjson(&self.investigators)?,
            members: unjson(&self.members)?,
            incomes: unjson(&self.incomes)?,
            spending: unjson(&self.spending)?,
            property: unjson(&self.property)?,
            notes: self.notes,
            signed: self.signed,
            member_count: self.member_count,
            total_income_fen: self.total_income_fen,
            total_spending_fen: self.total_spending_fen,
            per_capita_monthly_fen: self.per_capita_monthly_fen,
            recorded_by: self.created_by_name,
            recorded_at: self.created_at,
        })
    }
}

/// The recorded content of an investigation, the same for recording and correcting it.
macro_rules! investigation_values {
    ($i:expr) => {{
        let i: &Investigation = $i;
        (
            household_investigations::investigated_on.eq(dates::iso(i.date)),
            household_investigations::investigators.eq(json(&i.investigators)?),
            household_investigations::members.eq(json(&i.members)?),
            household_investigations::incomes.eq(json(&i.incomes)?),
            household_investigations::spending.eq(json(&i.spending)?),
            household_investigations::property.eq(json(&i.property)?),
            household_investigations::notes.eq(i.notes.clone()),
            household_investigations::signed.eq(i.signed),
            household_investigations::member_count.eq(i.members.len() as i64),
            household_investigations::total_income_fen.eq(i.total_income_fen),
            household_investigations::total_spending_fen.eq(i.total_spending_fen),
            household_investigations::per_capita_monthly_fen.eq(i.per_capita_monthly_fen),
        )
    }};
}

/// Records an investigation of a household (validated against its visible members) and adds
/// an entry to each investigated member's timeline.
pub fn add_investigation(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    i: &Investigation,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let id = diesel::insert_into(household_investigations::table)
        .values((
            household_investigations::household_id.eq(hh.id),
            investigation_values!(i),
            household_investigations::created_by.eq(actor.user_id),
            household_investigations::created_by_name.eq(&actor.name),
            household_investigations::created_at.eq(now),
        ))
        .returning(household_investigations::id)
        .get_result::<i64>(conn)?;
    let summary = format!("入户调查(8.1.1.1,{})", dates::iso(i.date));
    for m in &i.members {
        persons::add_timeline(
            conn,
            m.person_id,
            "household.investigation",
            Some(id),
            &summary,
            actor,
            now,
        )?;
    }
    diesel::update(households::table.find(hh.id))
        .set(households::updated_at.eq(now))
        .execute(conn)?;
    Ok(id)
}

/// A household's investigations, newest first (the caller checked the household is in scope).
pub fn investigations(
    conn: &mut DbConn,
    household_id: i64,
) -> StoreResult<Vec<InvestigationRecord>> {
    household_investigations::table
        .filter(household_investigations::household_id.eq(household_id))
        .filter(household_investigations::deleted_at.is_null())
        .order((
            household_investigations::investigated_on.desc(),
            household_investigations::id.desc(),
        ))
        .select(InvestigationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InvestigationRow::decode)
        .collect()
}

// ---------------------------------------------------------------- reviews

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = assistance_reviews)]
pub struct ReviewRow {
    pub id: i64,
    pub household_id: i64,
    pub category: String,
    pub reviewed_on: String,
    pub result: String,
    pub next_due: Option<String>,
    pub notes: String,
    pub superseded: bool,
    pub created_by_name: String,
    pub created_at: i64,
}

/// Records a review; the latest review of a category replaces the earlier ones on the due list.
pub fn add_review(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    r: &Review,
    actor: &Actor,
    now: i64,
) -> StoreResult<i64> {
    let id = diesel::insert_into(assistance_reviews::table)
        .values((
            assistance_reviews::household_id.eq(hh.id),
            assistance_reviews::category.eq(r.category),
            assistance_reviews::reviewed_on.eq(dates::iso(r.reviewed_on)),
            assistance_reviews::result.eq(r.result),
            assistance_reviews::next_due.eq(r.next_due.map(dates::iso)),
            assistance_reviews::notes.eq(&r.notes),
            assistance_reviews::superseded.eq(false),
            assistance_reviews::created_by.eq(actor.user_id),
            assistance_reviews::created_by_name.eq(&actor.name),
            assistance_reviews::created_at.eq(now),
        ))
        .returning(assistance_reviews::id)
        .get_result::<i64>(conn)?;
    refresh_current(conn, hh.id, r.category)?;
    let summary = format!(
        "救助复核(8.1.1.2):{} {}",
        dh::label(&dh::ASSISTANCE_CATEGORIES, r.category),
        dh::label(&dh::REVIEW_RESULTS, r.result)
    );
    for pid in all_member_ids(conn, hh.id)? {
        persons::add_timeline(
            conn,
            pid,
            "household.review",
            Some(id),
            &summary,
            actor,
            now,
        )?;
    }
    Ok(id)
}

pub fn reviews(conn: &mut DbConn, household_id: i64) -> StoreResult<Vec<ReviewRow>> {
    Ok(assistance_reviews::table
        .filter(assistance_reviews::household_id.eq(household_id))
        .filter(assistance_reviews::deleted_at.is_null())
        .order((
            assistance_reviews::reviewed_on.desc(),
            assistance_reviews::id.desc(),
        ))
        .select(ReviewRow::as_select())
        .load(conn)?)
}

pub use shegong_domain::dates::Due as DueFilter;

/// A review whose successor is due, with its household.
#[derive(Debug, Clone, Serialize)]
pub struct DueRow {
    pub review: ReviewRow,
    pub org_code: String,
    pub address: String,
    pub head_name: Option<String>,
}

/// Current (not superseded) reviews in scope whose next review is due within
/// `domain::household::DUE_WINDOW_DAYS` days or overdue on `today`, earliest first.
pub fn reviews_due(
    conn: &mut DbConn,
    v: &Viewer,
    which: DueFilter,
    today: time::Date,
    page: Page,
) -> StoreResult<Listing<DueRow>> {
    let today_s = dates::iso(today);
    let horizon = dates::iso(dh::due_horizon(today));
    let build = || {
        let mut b = assistance_reviews::table
            .inner_join(households::table)
            .into_boxed()
            .filter(crate::scope_filter!(households::org_code, &v.scope))
            .filter(assistance_reviews::superseded.eq(false))
            .filter(assistance_reviews::deleted_at.is_null())
            .filter(assistance_reviews::next_due.is_not_null());
        b = match which {
            DueFilter::Overdue => b.filter(assistance_reviews::next_due.lt(today_s.clone())),
            DueFilter::Soon => b
                .filter(assistance_reviews::next_due.ge(today_s.clone()))
                .filter(assistance_reviews::next_due.le(horizon.clone())),
            DueFilter::All => b.filter(assistance_reviews::next_due.le(horizon.clone())),
        };
        b
    };
    let total: i64 = build().count().get_result(conn)?;
    type DueJoin = (ReviewRow, (String, String, Option<i64>));
    let rows: Vec<DueJoin> = build()
        .order((assistance_reviews::next_due, assistance_reviews::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            ReviewRow::as_select(),
            (
                households::org_code,
                households::address,
                households::head_person_id,
            ),
        ))
        .load(conn)?;
    let heads = visible_names(conn, v, rows.iter().filter_map(|(_, (_, _, h))| *h))?;
    let items = rows
        .into_iter()
        .map(|(review, (org_code, address, head))| DueRow {
            review,
            org_code,
            address,
            head_name: head.and_then(|h| heads.get(&h).cloned()),
        })
        .collect();
    Ok(Listing { items, total })
}

// ---------------------------------------------------------------- corrections

/// A household's investigation that has not been deleted.
pub fn investigation(
    conn: &mut DbConn,
    household_id: i64,
    id: i64,
) -> StoreResult<InvestigationRecord> {
    household_investigations::table
        .find(id)
        .filter(household_investigations::household_id.eq(household_id))
        .filter(household_investigations::deleted_at.is_null())
        .select(InvestigationRow::as_select())
        .first(conn)
        .found()?
        .decode()
}

impl InvestigationRecord {
    /// The record as the domain checked it when it was written.
    fn investigation(&self) -> StoreResult<Investigation> {
        Ok(Investigation {
            date: dates::parse(&self.date)
                .map_err(|_| StoreError::Other("stored investigation date".into()))?,
            investigators: self.investigators.clone(),
            members: self.members.clone(),
            incomes: self.incomes.clone(),
            spending: self.spending.clone(),
            property: self.property.clone(),
            notes: self.notes.clone(),
            signed: self.signed,
            total_income_fen: self.total_income_fen,
            total_spending_fen: self.total_spending_fen,
            per_capita_monthly_fen: self.per_capita_monthly_fen,
        })
    }
}

fn yuan(fen: i64) -> String {
    format!("{} 元", dh::format_yuan(fen))
}

/// An investigation as the edit history shows it.
fn shown_investigation(i: &Investigation) -> persons::Shown {
    let amounts = |list: &'static [dh::Choice], a: &[dh::Amount]| {
        a.iter()
            .map(|x| format!("{}:{}", dh::label(list, &x.kind), yuan(x.fen)))
            .collect::<Vec<_>>()
            .join(";")
    };
    let members = i
        .members
        .iter()
        .map(|m| {
            format!(
                "#{} {} {} {} {} {}",
                m.person_id,
                dh::label(&dh::HUKOU, &m.hukou),
                m.education,
                dh::label(&dh::HEALTH, &m.health),
                dh::label(&dh::DISABILITY, &m.disability),
                dh::label(&dh::EMPLOYMENT, &m.employment)
            )
        })
        .collect::<Vec<_>>()
        .join(";");
    let p = &i.property;
    vec![
        ("date", Some(dates::iso(i.date))),
        ("investigators", Some(i.investigators.join("、"))),
        ("members", Some(members)),
        ("incomes", Some(amounts(&dh::INCOME_KINDS, &i.incomes))),
        ("spending", Some(amounts(&dh::SPENDING_KINDS, &i.spending))),
        (
            "property",
            Some(format!(
                "住房:{};车辆:{};存款:{};经营:{}",
                p.housing,
                p.vehicles,
                yuan(p.savings_fen),
                p.business
            )),
        ),
        ("per_capita_monthly", Some(yuan(i.per_capita_monthly_fen))),
        ("notes", Some(i.notes.clone())),
        (
            "signed",
            Some(if i.signed { "已签字" } else { "未签字" }.into()),
        ),
    ]
}

/// The people whose history an investigation's correction goes to: those it investigated,
/// before and after the correction.
fn investigated(a: &[MemberRecord], b: &[MemberRecord]) -> Vec<i64> {
    let mut ids: Vec<i64> = a.iter().chain(b).map(|m| m.person_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Corrects an investigation (8.1.1.1); each field changed goes to the history of the members
/// investigated, with the reason. Returns the fields changed.
#[allow(clippy::too_many_arguments)]
pub fn update_investigation(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    id: i64,
    i: &Investigation,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<Vec<String>> {
    let old = investigation(conn, hh.id, id)?;
    let changes = persons::changes(
        &format!("investigation:{id}"),
        &shown_investigation(&old.investigation()?),
        &shown_investigation(i),
    );
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(household_investigations::table.find(id))
        .set(investigation_values!(i))
        .execute(conn)?;
    let people = investigated(&old.members, &i.members);
    persons::add_record_history(conn, &people, actor, &changes, Some(reason), now)?;
    diesel::update(households::table.find(hh.id))
        .set(households::updated_at.eq(now))
        .execute(conn)?;
    Ok(changes.into_iter().map(|c| c.0).collect())
}

/// Deletes an investigation: it stays in the table, marked, and leaves the household's list; what
/// it said goes to the history of the members investigated, with the reason.
pub fn delete_investigation(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let old = investigation(conn, hh.id, id)?;
    let changes = persons::changes(
        &format!("investigation:{id}"),
        &shown_investigation(&old.investigation()?),
        &persons::deleted(),
    );
    diesel::update(household_investigations::table.find(id))
        .set((
            household_investigations::deleted_at.eq(now),
            household_investigations::deleted_by.eq(&actor.name),
            household_investigations::delete_reason.eq(reason),
        ))
        .execute(conn)?;
    let people = investigated(&old.members, &[]);
    persons::add_record_history(conn, &people, actor, &changes, Some(reason), now)?;
    Ok(())
}

/// A household's review that has not been deleted.
pub fn review(conn: &mut DbConn, household_id: i64, id: i64) -> StoreResult<ReviewRow> {
    assistance_reviews::table
        .find(id)
        .filter(assistance_reviews::household_id.eq(household_id))
        .filter(assistance_reviews::deleted_at.is_null())
        .select(ReviewRow::as_select())
        .first(conn)
        .found()
}

/// A review as the edit history shows it.
fn shown_review(
    category: &str,
    reviewed_on: String,
    result: &str,
    next_due: Option<String>,
    notes: &str,
) -> persons::Shown {
    vec![
        (
            "category",
            Some(dh::label(&dh::ASSISTANCE_CATEGORIES, category).to_string()),
        ),
        ("reviewed_on", Some(reviewed_on)),
        (
            "result",
            Some(dh::label(&dh::REVIEW_RESULTS, result).to_string()),
        ),
        ("next_due", next_due),
        ("notes", Some(notes.to_string())),
    ]
}

fn shown_stored_review(r: &ReviewRow) -> persons::Shown {
    shown_review(
        &r.category,
        r.reviewed_on.clone(),
        &r.result,
        r.next_due.clone(),
        &r.notes,
    )
}

/// Puts the latest review (by review date) of a household's category on the due list and takes
/// the others off: recording, correcting or deleting a review may change which one that is.
fn refresh_current(conn: &mut DbConn, household_id: i64, category: &str) -> StoreResult<()> {
    let of_category = || {
        assistance_reviews::table
            .filter(assistance_reviews::household_id.eq(household_id))
            .filter(assistance_reviews::category.eq(category.to_string()))
    };
    diesel::update(of_category())
        .set(assistance_reviews::superseded.eq(true))
        .execute(conn)?;
    let latest: Option<i64> = of_category()
        .filter(assistance_reviews::deleted_at.is_null())
        .order((
            assistance_reviews::reviewed_on.desc(),
            assistance_reviews::id.desc(),
        ))
        .select(assistance_reviews::id)
        .first(conn)
        .optional()?;
    if let Some(id) = latest {
        diesel::update(assistance_reviews::table.find(id))
            .set(assistance_reviews::superseded.eq(false))
            .execute(conn)?;
    }
    Ok(())
}

/// Corrects a review (8.1.1.2) and recomputes which review of its category is due next; each
/// field changed goes to every member's history with the reason. Returns the fields changed.
#[allow(clippy::too_many_arguments)]
pub fn update_review(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    id: i64,
    r: &Review,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<Vec<String>> {
    let old = review(conn, hh.id, id)?;
    let changes = persons::changes(
        &format!("review:{id}"),
        &shown_stored_review(&old),
        &shown_review(
            r.category,
            dates::iso(r.reviewed_on),
            r.result,
            r.next_due.map(dates::iso),
            &r.notes,
        ),
    );
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(assistance_reviews::table.find(id))
        .set((
            assistance_reviews::category.eq(r.category),
            assistance_reviews::reviewed_on.eq(dates::iso(r.reviewed_on)),
            assistance_reviews::result.eq(r.result),
            assistance_reviews::next_due.eq(r.next_due.map(dates::iso)),
            assistance_reviews::notes.eq(&r.notes),
        ))
        .execute(conn)?;
    refresh_current(conn, hh.id, &old.category)?;
    refresh_current(conn, hh.id, r.category)?;
    let people = all_member_ids(conn, hh.id)?;
    persons::add_record_history(conn, &people, actor, &changes, Some(reason), now)?;
    Ok(changes.into_iter().map(|c| c.0).collect())
}

/// Deletes a review: it stays in the table, marked, off the lists; the review before it of the
/// same category (if any) is due again. What it said goes to every member's history.
pub fn delete_review(
    conn: &mut DbConn,
    hh: &HouseholdRow,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    let old = review(conn, hh.id, id)?;
    diesel::update(assistance_reviews::table.find(id))
        .set((
            assistance_reviews::deleted_at.eq(now),
            assistance_reviews::deleted_by.eq(&actor.name),
            assistance_reviews::delete_reason.eq(reason),
        ))
        .execute(conn)?;
    refresh_current(conn, hh.id, &old.category)?;
    let changes = persons::changes(
        &format!("review:{id}"),
        &shown_stored_review(&old),
        &persons::deleted(),
    );
    let people = all_member_ids(conn, hh.id)?;
    persons::add_record_history(conn, &people, actor, &changes, Some(reason), now)?;
    Ok(())
}
