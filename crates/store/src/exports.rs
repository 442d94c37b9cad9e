//! What a person-list export needs beyond the list itself (issue 3 point 11): every matching
//! record (not one page), their current categories and place names in a few queries, and — only
//! when the caller decided the user may and asked — the full ID and phone numbers.

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::keys::Keys;
use crate::persons::{self, Filter, PersonRow, Viewer};
use crate::query::Page;
use crate::schema::{org_units, person_categories, persons as persons_t};
use diesel::prelude::*;
use shegong_domain::Msg;
use std::collections::HashMap;

/// Most rows one export holds.
pub const MAX_ROWS: i64 = 100_000;

/// Encrypted ID and phone number of a person.
type Sealed = (Option<Vec<u8>>, Option<Vec<u8>>);

/// One exported person: the row, its current categories (code, grade), its place's name, and the
/// decrypted numbers when revealed.
pub struct ExportRow {
    pub person: PersonRow,
    pub categories: Vec<(String, Option<String>)>,
    pub place: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// Every person the viewer may see matching the filter, in the list's order. `Err(msg)` when
/// more than [`MAX_ROWS`] match.
pub fn rows(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    f: &Filter,
    reveal: bool,
) -> StoreResult<Result<Vec<ExportRow>, Msg>> {
    let mut people: Vec<PersonRow> = Vec::new();
    let mut page = 1;
    loop {
        let l = persons::search(
            conn,
            keys,
            v,
            f,
            Page {
                page,
                per_page: 5000,
            },
        )?;
        if l.total > MAX_ROWS {
            return Ok(Err(Msg::owned(
                format!(
                    "符合条件的有 {} 人,超过一次导出的上限 {MAX_ROWS} 人,请缩小筛选范围",
                    l.total
                ),
                format!(
                    "{} people match, more than the {MAX_ROWS} one export holds; narrow the filter",
                    l.total
                ),
            )));
        }
        let n = l.items.len();
        people.extend(l.items);
        if n < 5000 || people.len() as i64 >= l.total {
            break;
        }
        page += 1;
    }
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let today = shegong_domain::dates::iso(shegong_domain::dates::today());
    let mut cats: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    let mut secrets: HashMap<i64, Sealed> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String, Option<String>)> = person_categories::table
            .filter(person_categories::person_id.eq_any(chunk))
            .filter(person_categories::start_date.le(today.clone()))
            .filter(
                person_categories::end_date
                    .is_null()
                    .or(person_categories::end_date.ge(today.clone())),
            )
            .order((person_categories::person_id, person_categories::start_date))
            .select((
                person_categories::person_id,
                person_categories::category,
                person_categories::grade,
            ))
            .load(conn)?;
        for (pid, c, g) in rows {
            cats.entry(pid).or_default().push((c, g));
        }
        if reveal {
            let rows: Vec<(i64, Sealed)> = persons_t::table
                .filter(persons_t::id.eq_any(chunk))
                .select((
                    persons_t::id,
                    (persons_t::id_number_enc, persons_t::phone_enc),
                ))
                .load(conn)?;
            secrets.extend(rows);
        }
    }
    let mut codes: Vec<String> = people.iter().map(|p| p.org_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let mut places: HashMap<String, String> = HashMap::new();
    for chunk in codes.chunks(500) {
        let rows: Vec<(String, String)> = org_units::table
            .filter(org_units::code.eq_any(chunk))
            .select((org_units::code, org_units::name))
            .load(conn)?;
        places.extend(rows);
    }
    let open = |b: &Option<Vec<u8>>| -> StoreResult<Option<String>> {
        b.as_ref()
            .map(|b| {
                keys.decrypt(b)
                    .map(|p| String::from_utf8_lossy(&p).into_owned())
            })
            .transpose()
    };
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        let (id_number, phone) = match secrets.get(&p.id) {
            Some((i, ph)) => (open(i)?, open(ph)?),
            None => (None, None),
        };
        out.push(ExportRow {
            categories: cats.remove(&p.id).unwrap_or_default(),
            place: places.get(&p.org_code).cloned().unwrap_or_default(),
            id_number,
            phone,
            person: p,
        });
    }
    Ok(Ok(out))
}
