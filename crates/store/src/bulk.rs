//! Fast insertion of many people at once, for synthetic data (`shegong demo --scale N`) and
//! benchmarks: multi-row inserts per table instead of one statement per row. The rows get
//! everything [`crate::persons::create`] gives one person (encrypted numbers, blind indexes,
//! categories, search tokens, a timeline entry), without history entries or per-row audit: the
//! caller audits the whole batch.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::keys::Keys;
use crate::persons::{ID_NUMBER, PHONE};
use crate::schema::{
    household_members, households, person_categories, person_search_tokens, person_timeline,
    persons,
};
use diesel::prelude::*;
use shegong_domain::dates;
use shegong_domain::person::PersonFields;

pub struct Household {
    pub org_code: String,
    pub address: String,
}

pub struct Person {
    pub org_code: String,
    pub fields: PersonFields,
    /// Index into the households of the same batch, and the relation to its head (the first
    /// member listed is the head).
    pub household: Option<(usize, String)>,
}

/// Inserts one batch (call inside a write transaction; a few thousand people per batch).
pub fn insert(
    conn: &mut DbConn,
    keys: &Keys,
    hh: &[Household],
    people: &[Person],
    actor: &Actor,
    now: i64,
) -> StoreResult<Vec<i64>> {
    let hh_rows: Vec<_> = hh
        .iter()
        .map(|h| {
            (
                households::org_code.eq(h.org_code.clone()),
                households::address.eq(h.address.clone()),
                households::created_at.eq(now),
                households::updated_at.eq(now),
            )
        })
        .collect();
    let mut hh_ids: Vec<i64> = Vec::with_capacity(hh.len());
    for chunk in hh_rows.chunks(2000) {
        let ids: Vec<i64> = crate::each_backend!(conn, c => diesel::insert_into(households::table).values(chunk).returning(households::id).get_results(c))?;
        hh_ids.extend(ids);
    }
    let rows: Vec<_> = people
        .iter()
        .map(|p| {
            let f = &p.fields;
            (
                (
                    persons::org_code.eq(p.org_code.clone()),
                    persons::name.eq(f.name.clone()),
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
                    persons::id_number_masked.eq(f.id_number.as_ref().map(|i| i.masked())),
                    persons::phone_enc.eq(f
                        .phone
                        .as_ref()
                        .map(|p| keys.encrypt(p.as_str().as_bytes()))),
                    persons::phone_index.eq(f
                        .phone
                        .as_ref()
                        .map(|p| keys.blind_index(PHONE, &p.digits()))),
                    persons::phone_masked.eq(f.phone.as_ref().map(|p| p.masked())),
                ),
                (
                    persons::household_id.eq(p.household.as_ref().map(|(i, _)| hh_ids[*i])),
                    persons::address.eq(f.address.clone()),
                    persons::difficulty_degree.eq(f.difficulty_degree),
                    persons::health.eq(f.health),
                    persons::monthly_income.eq(f.monthly_income),
                    persons::sensitivity.eq(f.sensitivity.id()),
                    persons::created_by.eq(actor.user_id),
                    persons::created_at.eq(now),
                    persons::updated_at.eq(now),
                ),
            )
        })
        .collect();
    let mut ids: Vec<i64> = Vec::with_capacity(people.len());
    for chunk in rows.chunks(500) {
        let got: Vec<i64> = crate::each_backend!(conn, c => diesel::insert_into(persons::table).values(chunk).returning(persons::id).get_results(c))?;
        ids.extend(got);
    }
    // Heads first in each household, so the head is the first member seen.
    let mut heads: Vec<(i64, i64)> = Vec::new();
    let mut members = Vec::new();
    let mut cats = Vec::new();
    let mut tokens = Vec::new();
    let mut timeline = Vec::new();
    let mut seen_head = std::collections::HashSet::new();
    for (p, id) in people.iter().zip(&ids) {
        if let Some((i, relation)) = &p.household {
            if seen_head.insert(*i) {
                heads.push((hh_ids[*i], *id));
            }
            members.push((
                household_members::household_id.eq(hh_ids[*i]),
                household_members::person_id.eq(*id),
                household_members::relation.eq(relation.clone()),
            ));
        }
        for c in &p.fields.categories {
            cats.push((
                person_categories::person_id.eq(*id),
                person_categories::category.eq(c.code.clone()),
                person_categories::start_date.eq(dates::iso(c.start_date)),
                person_categories::grade.eq(c.grade.clone()),
            ));
        }
        for t in shegong_domain::search::name_tokens(&p.fields.name) {
            tokens.push((
                person_search_tokens::token.eq(crate::persons::station_token(&p.org_code, &t)),
                person_search_tokens::person_id.eq(*id),
                person_search_tokens::org_code.eq(p.org_code.clone()),
            ));
        }
        timeline.push((
            person_timeline::person_id.eq(*id),
            person_timeline::at.eq(now),
            person_timeline::kind.eq("archive.created"),
            person_timeline::summary.eq("建立档案"),
            person_timeline::actor.eq(actor.name.clone()),
        ));
    }
    for chunk in members.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(household_members::table).values(chunk).execute(c))?;
    }
    for (hid, pid) in heads {
        diesel::update(households::table.find(hid))
            .set(households::head_person_id.eq(pid))
            .execute(conn)?;
    }
    for chunk in cats.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_categories::table).values(chunk).execute(c))?;
    }
    for chunk in tokens.chunks(5000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_search_tokens::table).values(chunk).execute(c))?;
    }
    for chunk in timeline.chunks(3000) {
        crate::each_backend!(conn, c => diesel::insert_into(person_timeline::table).values(chunk).execute(c))?;
    }
    Ok(ids)
}
