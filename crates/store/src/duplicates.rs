//! Likely duplicates among the people a viewer sees, their review, and merging two records into
//! one (issue 3 point 8). Merging keeps both records: the merged one stays, marked, and its
//! history, timeline, categories and links move to the one kept.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::persons::{self, PersonRow, Viewer, add_history, add_timeline, visible};
use crate::schema::{
    household_members, person_assignments, person_categories, person_history, person_search_tokens,
    person_timeline, persons as people,
};
use diesel::prelude::*;
use shegong_domain::Msg;
use shegong_domain::moves::{Candidate, Likeness, likeness};
use std::collections::{HashMap, HashSet};

diesel::table! {
    duplicate_dismissals (person_a, person_b) {
        person_a -> BigInt,
        person_b -> BigInt,
        dismissed_by -> Text,
        dismissed_at -> BigInt,
    }
}

/// Pairs listed at most, so a messy import does not make an endless page.
pub const MAX_PAIRS: usize = 500;

/// Two records that likely describe one person.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: PersonRow,
    pub b: PersonRow,
    pub likeness: Likeness,
}

/// Likely duplicates among the records the viewer sees (merged ones left out, pairs reviewed as
/// different people left out), oldest record first in each pair.
pub fn likely(conn: &mut DbConn, v: &Viewer) -> StoreResult<Vec<Pair>> {
    type Cand = (i64, String, Option<String>, String, Option<String>);
    let rows: Vec<Cand> = people::table
        .filter(visible(v))
        .filter(people::merged_into.is_null())
        .filter(people::birth_date.is_not_null())
        .select((
            people::id,
            people::name,
            people::birth_date,
            people::org_code,
            people::id_number_index,
        ))
        .order(people::id)
        .load(conn)?;
    // Only records born on the same day in the same county can match: compare within such groups.
    let mut groups: HashMap<(String, String), Vec<&Cand>> = HashMap::new();
    for r in &rows {
        if let Some(b) = &r.2 {
            let county: String = r.3.chars().take(6).collect();
            groups.entry((county, b.clone())).or_default().push(r);
        }
    }
    let dismissed: HashSet<(i64, i64)> = duplicate_dismissals::table
        .select((
            duplicate_dismissals::person_a,
            duplicate_dismissals::person_b,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let cand = |r: &Cand| -> (i64, String, Option<String>, String, bool) {
        (r.0, r.1.clone(), r.2.clone(), r.3.clone(), r.4.is_some())
    };
    let mut found: Vec<(i64, i64, Likeness)> = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for (i, x) in members.iter().enumerate() {
            for y in &members[i + 1..] {
                let (xa, ya) = (cand(x), cand(y));
                let cx = Candidate {
                    name: &xa.1,
                    birth_date: xa.2.as_deref(),
                    org_code: &xa.3,
                    has_id_number: xa.4,
                };
                let cy = Candidate {
                    name: &ya.1,
                    birth_date: ya.2.as_deref(),
                    org_code: &ya.3,
                    has_id_number: ya.4,
                };
                if let Some(l) = likeness(&cx, &cy)
                    && !dismissed.contains(&(xa.0.min(ya.0), xa.0.max(ya.0)))
                {
                    found.push((xa.0.min(ya.0), xa.0.max(ya.0), l));
                }
            }
        }
    }
    found.sort_by_key(|(a, b, _)| (*a, *b));
    found.truncate(MAX_PAIRS);
    let ids: Vec<i64> = found.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
    let by_id: HashMap<i64, PersonRow> = people::table
        .filter(people::id.eq_any(&ids))
        .select(PersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(found
        .into_iter()
        .filter_map(|(a, b, likeness)| {
            Some(Pair {
                a: by_id.get(&a)?.clone(),
                b: by_id.get(&b)?.clone(),
                likeness,
            })
        })
        .collect())
}

/// Records that two visible records are different people; the pair is not listed again.
pub fn dismiss(
    conn: &mut DbConn,
    v: &Viewer,
    a: i64,
    b: i64,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    persons::get(conn, v, a)?;
    persons::get(conn, v, b)?;
    let (x, y) = (a.min(b), a.max(b));
    let exists = duplicate_dismissals::table
        .find((x, y))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(duplicate_dismissals::table)
            .values((
                duplicate_dismissals::person_a.eq(x),
                duplicate_dismissals::person_b.eq(y),
                duplicate_dismissals::dismissed_by.eq(&actor.name),
                duplicate_dismissals::dismissed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn refuse(zh: &'static str, en: &'static str) -> StoreError {
    StoreError::Conflict(Msg::new(zh, en))
}

/// Merges `gone` into `keep`: `gone` stays, marked as merged, hidden from lists and search; what
/// `keep` lacks (ID and phone numbers, birth date, gender, ethnicity, address, household) is taken
/// from `gone`; categories, history, timeline, household membership and assignments move over.
pub fn merge(
    conn: &mut DbConn,
    v: &Viewer,
    keep: i64,
    gone: i64,
    actor: &Actor,
    now: i64,
) -> StoreResult<()> {
    if keep == gone {
        return Err(refuse(
            "不能与自己合并",
            "a record cannot be merged with itself",
        ));
    }
    let (k, _) = persons::get(conn, v, keep)?;
    let (g, _) = persons::get(conn, v, gone)?;
    if k.merged_into.is_some() || g.merged_into.is_some() {
        return Err(refuse(
            "已合并的档案不能再合并",
            "a merged record cannot be merged again",
        ));
    }
    type Secrets = (
        Option<Vec<u8>>,
        Option<String>,
        Option<Vec<u8>>,
        Option<String>,
    );
    let secrets = |conn: &mut DbConn, id: i64| -> StoreResult<Secrets> {
        people::table
            .find(id)
            .select((
                people::id_number_enc,
                people::id_number_index,
                people::phone_enc,
                people::phone_index,
            ))
            .first(conn)
            .found()
    };
    let (k_id, k_idx, k_phone, _) = secrets(conn, keep)?;
    let (g_id, g_idx, g_phone, g_phone_idx) = secrets(conn, gone)?;
    if k_idx.is_some() && g_idx.is_some() {
        return Err(refuse(
            "两条档案都有身份证号,是两个人,不能合并",
            "both records carry an ID number: they are two people",
        ));
    }
    let mut changed: Vec<&'static str> = Vec::new();
    if k_id.is_none() && g_id.is_some() {
        // The number exists once: take it off the merged record before giving it to the kept one.
        diesel::update(people::table.find(gone))
            .set(people::id_number_index.eq(None::<String>))
            .execute(conn)?;
        diesel::update(people::table.find(keep))
            .set((
                people::id_number_enc.eq(g_id),
                people::id_number_index.eq(g_idx),
                people::id_number_masked.eq(g.id_number_masked.clone()),
                people::birth_date.eq(g.birth_date.clone()),
                people::gender.eq(g.gender.clone()),
            ))
            .execute(conn)?;
        changed.push("id_number");
    }
    if k_phone.is_none() && g_phone.is_some() {
        diesel::update(people::table.find(keep))
            .set((
                people::phone_enc.eq(g_phone),
                people::phone_index.eq(g_phone_idx),
                people::phone_masked.eq(g.phone_masked.clone()),
            ))
            .execute(conn)?;
        changed.push("phone");
    }
    if k.ethnicity.is_none() && g.ethnicity.is_some() {
        diesel::update(people::table.find(keep))
            .set(people::ethnicity.eq(g.ethnicity.clone()))
            .execute(conn)?;
        changed.push("ethnicity");
    }
    if k.address.is_empty() && !g.address.is_empty() {
        diesel::update(people::table.find(keep))
            .set(people::address.eq(g.address.clone()))
            .execute(conn)?;
        changed.push("address");
    }
    if k.household_id.is_none() && g.household_id.is_some() {
        diesel::update(people::table.find(keep))
            .set(people::household_id.eq(g.household_id))
            .execute(conn)?;
        changed.push("household");
    }
    // Categories the kept record lacks (same category and start) move over.
    let kept_cats: HashSet<(String, String)> = person_categories::table
        .filter(person_categories::person_id.eq(keep))
        .select((person_categories::category, person_categories::start_date))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let gone_cats: Vec<(i64, String, String)> = person_categories::table
        .filter(person_categories::person_id.eq(gone))
        .select((
            person_categories::id,
            person_categories::category,
            person_categories::start_date,
        ))
        .load(conn)?;
    for (id, cat, start) in gone_cats {
        if !kept_cats.contains(&(cat, start)) {
            diesel::update(person_categories::table.find(id))
                .set(person_categories::person_id.eq(keep))
                .execute(conn)?;
        }
    }
    diesel::update(person_history::table.filter(person_history::person_id.eq(gone)))
        .set(person_history::person_id.eq(keep))
        .execute(conn)?;
    diesel::update(person_timeline::table.filter(person_timeline::person_id.eq(gone)))
        .set(person_timeline::person_id.eq(keep))
        .execute(conn)?;
    let kept_households: Vec<i64> = household_members::table
        .filter(household_members::person_id.eq(keep))
        .select(household_members::household_id)
        .load(conn)?;
    // A person belongs to one household: the merged record's membership moves over only when
    // the kept record has none.
    if kept_households.is_empty() {
        diesel::update(household_members::table.filter(household_members::person_id.eq(gone)))
            .set(household_members::person_id.eq(keep))
            .execute(conn)?;
    }
    let assigned: Vec<i64> = person_assignments::table
        .filter(person_assignments::person_id.eq(gone))
        .select(person_assignments::user_id)
        .load(conn)?;
    for u in assigned {
        persons::assign(conn, keep, u)?;
    }
    crate::care::move_records(conn, gone, keep)?;
    crate::assessments::move_records(conn, gone, keep)?;
    // The merged record leaves search; it stays readable by its id, pointing to the kept one.
    diesel::delete(person_search_tokens::table.filter(person_search_tokens::person_id.eq(gone)))
        .execute(conn)?;
    diesel::update(people::table.find(gone))
        .set((
            people::merged_into.eq(Some(keep)),
            people::version.eq(g.version + 1),
            people::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(people::table.find(keep))
        .set((
            people::version.eq(k.version + 1),
            people::updated_at.eq(now),
        ))
        .execute(conn)?;
    let note = format!("#{gone}");
    add_history(conn, keep, actor, "merged", None, Some(&note), now)?;
    add_history(
        conn,
        gone,
        actor,
        "merged_into",
        None,
        Some(&format!("#{keep}")),
        now,
    )?;
    let summary = if changed.is_empty() {
        format!("合并档案 #{gone}")
    } else {
        format!("合并档案 #{gone}(补充:{})", changed.join("、"))
    };
    add_timeline(
        conn,
        keep,
        "archive.merged",
        Some(gone),
        &summary,
        actor,
        now,
    )?;
    Ok(())
}
