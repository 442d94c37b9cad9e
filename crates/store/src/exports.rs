//! What an export needs beyond a list's own query (issue 3 point 11): every matching record (not
//! one page) up to [`MAX_ROWS`], the current categories and place names of exported people in a
//! few queries, and — only when the caller decided the user may and asked — full ID and phone
//! numbers.

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::keys::Keys;
use crate::persons::{self, Filter, PersonRow, Viewer};
use crate::query::{Listing, Page};
use crate::schema::{person_categories, persons as persons_t};
use diesel::prelude::*;
use shegong_domain::{Invalid, Msg};
use std::collections::HashMap;

/// Most rows one export holds.
pub const MAX_ROWS: i64 = 100_000;

/// Rows fetched per call of a list's query while exporting.
const BATCH: i64 = 5000;

/// Every item of a paged list, in the list's order: `page` is the list's own query. A 4xx
/// ("narrow the filter") when more than [`MAX_ROWS`] match.
pub fn all<T>(mut page: impl FnMut(Page) -> StoreResult<Listing<T>>) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for n in 1.. {
        let l = page(Page {
            page: n,
            per_page: BATCH,
        })?;
        if l.total > MAX_ROWS {
            return Err(too_many(l.total));
        }
        let empty = l.items.is_empty();
        out.extend(l.items);
        if empty || out.len() as i64 >= l.total {
            break;
        }
    }
    Ok(out)
}

/// The refusal of an export larger than [`MAX_ROWS`].
pub fn too_many(n: i64) -> StoreError {
    StoreError::Invalid(Invalid::one(
        "filter",
        Msg::owned(
            format!("符合条件的有 {n} 条,超过一次导出的上限 {MAX_ROWS} 条,请缩小筛选范围"),
            format!("{n} rows match, more than the {MAX_ROWS} one export holds; narrow the filter"),
        ),
    ))
}

/// A person's full ID and phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Numbers {
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// The full numbers of the given people, decrypted. The caller has decided that the user may
/// reveal them, asked for it, and that every id is a record the user may see.
pub fn numbers(conn: &mut DbConn, keys: &Keys, ids: &[i64]) -> StoreResult<HashMap<i64, Numbers>> {
    type Sealed = (Option<Vec<u8>>, Option<Vec<u8>>);
    let open = |b: Option<Vec<u8>>| -> StoreResult<Option<String>> {
        b.map(|b| {
            keys.decrypt(&b)
                .map(|p| String::from_utf8_lossy(&p).into_owned())
        })
        .transpose()
    };
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Sealed)> = persons_t::table
            .filter(persons_t::id.eq_any(chunk))
            .select((
                persons_t::id,
                (persons_t::id_number_enc, persons_t::phone_enc),
            ))
            .load(conn)?;
        for (id, (i, p)) in rows {
            out.insert(
                id,
                Numbers {
                    id_number: open(i)?,
                    phone: open(p)?,
                },
            );
        }
    }
    Ok(out)
}

/// One exported person: the row, its current categories (code, grade), its place's name, and the
/// full numbers when revealed.
pub struct ExportRow {
    pub person: PersonRow,
    pub categories: Vec<(String, Option<String>)>,
    pub place: String,
    pub revealed: Option<Numbers>,
}

/// Every person the viewer may see matching the filter, in the list's order.
pub fn rows(
    conn: &mut DbConn,
    keys: &Keys,
    v: &Viewer,
    f: &Filter,
    reveal: bool,
) -> StoreResult<Vec<ExportRow>> {
    let people = all(|p| persons::search(conn, keys, v, f, p))?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let today = shegong_domain::dates::iso(shegong_domain::dates::today());
    let mut cats: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
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
    }
    let mut secrets = if reveal {
        numbers(conn, keys, &ids)?
    } else {
        HashMap::new()
    };
    let mut codes: Vec<String> = people.iter().map(|p| p.org_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let places = crate::org::names(conn, &codes)?;
    Ok(people
        .into_iter()
        .map(|p| ExportRow {
            categories: cats.remove(&p.id).unwrap_or_default(),
            place: places.get(&p.org_code).cloned().unwrap_or_default(),
            revealed: reveal.then(|| secrets.remove(&p.id).unwrap_or_default()),
            person: p,
        })
        .collect())
}
