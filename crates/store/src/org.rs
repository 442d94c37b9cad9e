//! The org tree and operator–station links (issue 2 point 3).

use crate::db::DbConn;
use crate::error::{OptionalExt, StoreError, StoreResult};
use crate::query::{Listing, Page, like_contains};
use crate::schema::{operator_stations, org_units, users};
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_domain::{Invalid, Msg};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq, Eq)]
#[diesel(table_name = org_units)]
pub struct OrgUnit {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
}

impl OrgUnit {
    pub fn level(&self) -> OrgLevel {
        OrgLevel::from_id(&self.level).unwrap_or(OrgLevel::Village)
    }
}

/// A node in a listing, with the number of its direct children.
#[derive(Debug, Clone, Serialize)]
pub struct OrgNode {
    #[serde(flatten)]
    pub unit: OrgUnit,
    pub children: i64,
}

/// The scope of a role held at `org_code`: the subtree of a division node; for an operator, the
/// operator itself and the stations it runs.
pub fn scope_of(conn: &mut DbConn, role: Role, org_code: &str) -> StoreResult<Scope> {
    let Ok(code) = OrgCode::parse(org_code) else {
        return Ok(Scope::empty());
    };
    if role == Role::Volunteer {
        // Volunteers reach their own record through self-service routes only.
        return Ok(Scope::empty());
    }
    if !code.is_operator() {
        return Ok(Scope::new(vec![code]));
    }
    let stations: Vec<String> = operator_stations::table
        .filter(operator_stations::operator_code.eq(org_code))
        .select(operator_stations::station_code)
        .load(conn)?;
    let mut roots: Vec<OrgCode> = stations
        .iter()
        .filter_map(|s| OrgCode::parse(s).ok())
        .collect();
    roots.push(code);
    Ok(Scope::new(roots))
}

pub fn get(conn: &mut DbConn, scope: &Scope, code: &str) -> StoreResult<OrgUnit> {
    if !scope.contains(code) {
        return Err(StoreError::NotFound);
    }
    org_units::table
        .find(code)
        .select(OrgUnit::as_select())
        .first(conn)
        .found()
}

/// Looks a node up without a scope: for the command line and for checks that a code exists.
pub fn get_unscoped(conn: &mut DbConn, code: &str) -> StoreResult<Option<OrgUnit>> {
    Ok(org_units::table
        .find(code)
        .select(OrgUnit::as_select())
        .first(conn)
        .optional()?)
}

/// The ancestors of a node that the scope reaches, from the top down (for breadcrumbs).
pub fn path(conn: &mut DbConn, scope: &Scope, code: &OrgCode) -> StoreResult<Vec<OrgUnit>> {
    let codes: Vec<String> = code
        .ancestors()
        .into_iter()
        .map(String::from)
        .filter(|c| scope.contains(c))
        .collect();
    let mut units: Vec<OrgUnit> = org_units::table
        .filter(org_units::code.eq_any(codes))
        .select(OrgUnit::as_select())
        .load(conn)?;
    units.sort_by_key(|u| u.code.len());
    Ok(units)
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Part of a name, or the start of a code.
    pub q: Option<String>,
    /// Direct children of this node only.
    pub parent: Option<String>,
    pub level: Option<OrgLevel>,
}

/// Nodes in scope matching the query, ordered by code. With neither `q` nor `parent`, the top
/// nodes of the scope are listed.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    query: &Query,
    page: Page,
) -> StoreResult<Listing<OrgNode>> {
    let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let roots: Vec<String> = scope.roots().iter().map(|r| r.to_string()).collect();
    let top_only = q.is_none() && query.parent.is_none() && query.level.is_none();
    let build = || {
        let mut b = org_units::table
            .into_boxed()
            .filter(crate::scope_filter!(org_units::code, scope));
        if let Some(q) = q {
            let by_code = q.bytes().all(|c| c.is_ascii_alphanumeric());
            b = if by_code {
                // Codes are digits and upper-case letters; upper-casing the query makes `op` find
                // `430202OPHT01` on PostgreSQL as it does on SQLite, whose LIKE ignores ASCII case.
                let code_prefix = format!("{}%", q.to_ascii_uppercase());
                b.filter(
                    org_units::name
                        .like(like_contains(q))
                        .escape('\\')
                        .or(org_units::code.like(code_prefix)),
                )
            } else {
                b.filter(org_units::name.like(like_contains(q)).escape('\\'))
            };
        }
        if let Some(p) = &query.parent {
            b = b.filter(org_units::parent_code.eq(p.clone()));
        }
        if let Some(l) = query.level {
            b = b.filter(org_units::level.eq(l.id()));
        }
        if top_only {
            b = b.filter(org_units::code.eq_any(roots.clone()));
        }
        b
    };
    let total: i64 = build().count().get_result(conn)?;
    let units: Vec<OrgUnit> = build()
        .order(org_units::code)
        .limit(page.per_page)
        .offset(page.offset())
        .select(OrgUnit::as_select())
        .load(conn)?;
    let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let counts: HashMap<String, i64> = org_units::table
        .filter(org_units::parent_code.eq_any(&codes))
        .group_by(org_units::parent_code)
        .select((
            org_units::parent_code.assume_not_null(),
            diesel::dsl::count_star(),
        ))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let items = units
        .into_iter()
        .map(|u| {
            let children = counts.get(&u.code).copied().unwrap_or(0);
            OrgNode { unit: u, children }
        })
        .collect();
    Ok(Listing { items, total })
}

/// One node as the tree browser shows it (R-6: who runs a station, which stations an operator runs).
#[derive(Debug, Clone, Serialize)]
pub struct NodeDetail {
    pub unit: OrgUnit,
    /// Ancestors the scope reaches, from the top down (the breadcrumb).
    pub path: Vec<OrgUnit>,
    /// Number of direct children in the division tree.
    pub children: i64,
    /// For a township station: the operator that runs it. Shown to everyone who sees the station,
    /// even when the operator node itself lies outside their scope: who runs a station is a fact
    /// about the station (R-6 station profile), and the operator's own page stays out of reach.
    pub operator: Option<OrgUnit>,
    /// For an operator: the stations it runs that the scope reaches, by code.
    pub stations: Vec<OrgUnit>,
    /// Number of accounts held at this node (not below it).
    pub accounts: i64,
}

/// A node in scope with its breadcrumb, children count, operator or stations and account count;
/// [`StoreError::NotFound`] when it is unknown or out of scope.
pub fn detail(conn: &mut DbConn, scope: &Scope, code: &str) -> StoreResult<NodeDetail> {
    let unit = get(conn, scope, code)?;
    let path = match OrgCode::parse(&unit.code) {
        Ok(c) => path(conn, scope, &c)?,
        Err(_) => Vec::new(),
    };
    let children: i64 = org_units::table
        .filter(org_units::parent_code.eq(code))
        .count()
        .get_result(conn)?;
    let (operator, stations) = match unit.level() {
        OrgLevel::Township => (operator_of(conn, code)?, Vec::new()),
        OrgLevel::Operator => (None, stations_in_scope(conn, scope, code)?),
        _ => (None, Vec::new()),
    };
    let accounts: i64 = users::table
        .filter(users::org_code.eq(code))
        .count()
        .get_result(conn)?;
    Ok(NodeDetail {
        unit,
        path,
        children,
        operator,
        stations,
        accounts,
    })
}

/// The stations an operator runs that the scope reaches.
pub fn stations_in_scope(
    conn: &mut DbConn,
    scope: &Scope,
    operator_code: &str,
) -> StoreResult<Vec<OrgUnit>> {
    Ok(operator_stations::table
        .inner_join(org_units::table.on(org_units::code.eq(operator_stations::station_code)))
        .filter(operator_stations::operator_code.eq(operator_code))
        .filter(crate::scope_filter!(operator_stations::station_code, scope))
        .order(org_units::code)
        .select(OrgUnit::as_select())
        .load(conn)?)
}

/// Registers a new operator organisation (承接方). Unlike [`upsert_operator`] (the idempotent
/// command line), an existing code is a conflict: the API's create must not rename by accident.
pub fn create_operator(conn: &mut DbConn, code: &OrgCode, name: &str) -> StoreResult<OrgUnit> {
    if get_unscoped(conn, code.as_str())?.is_some() {
        return Err(StoreError::Conflict(Msg::new(
            "该承接方编码已被使用",
            "this operator code is already taken",
        )));
    }
    upsert_operator(conn, code, name)?;
    get_unscoped(conn, code.as_str())?.ok_or(StoreError::NotFound)
}

/// Number of nodes in scope at each level.
pub fn count_by_level(conn: &mut DbConn, scope: &Scope) -> StoreResult<Vec<(OrgLevel, i64)>> {
    let rows: Vec<(String, i64)> = org_units::table
        .filter(crate::scope_filter!(org_units::code, scope))
        .group_by(org_units::level)
        .select((org_units::level, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: Vec<(OrgLevel, i64)> = rows
        .into_iter()
        .filter_map(|(l, n)| OrgLevel::from_id(&l).map(|l| (l, n)))
        .collect();
    out.sort();
    Ok(out)
}

/// The operator that runs a station, if any.
pub fn operator_of(conn: &mut DbConn, station_code: &str) -> StoreResult<Option<OrgUnit>> {
    Ok(operator_stations::table
        .inner_join(org_units::table.on(org_units::code.eq(operator_stations::operator_code)))
        .filter(operator_stations::station_code.eq(station_code))
        .select(OrgUnit::as_select())
        .first(conn)
        .optional()?)
}

/// The stations an operator runs.
pub fn stations_of(conn: &mut DbConn, operator_code: &str) -> StoreResult<Vec<OrgUnit>> {
    Ok(operator_stations::table
        .inner_join(org_units::table.on(org_units::code.eq(operator_stations::station_code)))
        .filter(operator_stations::operator_code.eq(operator_code))
        .order(org_units::code)
        .select(OrgUnit::as_select())
        .load(conn)?)
}

/// Creates or renames an operator organisation (承接方), placed under the division that registered
/// it (the prefix of its code), which must exist.
pub fn upsert_operator(conn: &mut DbConn, code: &OrgCode, name: &str) -> StoreResult<bool> {
    let parent = code.parent().filter(|_| code.is_operator()).ok_or_else(|| {
        Invalid::one(
            "code",
            Msg::new(
                "承接方编码应为区划代码加 OP 和字母数字,如 430202OP01",
                "an operator code is a division code, OP and letters or digits, e.g. 430202OP01",
            ),
        )
    })?;
    let name = shegong_domain::text::name(name, 60).map_err(|m| Invalid::one("name", m))?;
    if get_unscoped(conn, parent.as_str())?.is_none() {
        return Err(Invalid::one(
            "code",
            Msg::owned(
                format!("登记地区划 {parent} 不存在"),
                format!("the registering division {parent} does not exist"),
            ),
        )
        .into());
    }
    let now = shegong_domain::clock::now();
    let existing = get_unscoped(conn, code.as_str())?;
    match existing {
        Some(u) if u.name == name => Ok(false),
        Some(_) => {
            diesel::update(org_units::table.find(code.as_str()))
                .set((org_units::name.eq(&name), org_units::updated_at.eq(now)))
                .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(org_units::table)
                .values((
                    org_units::code.eq(code.as_str()),
                    org_units::parent_code.eq(parent.as_str()),
                    org_units::level.eq(OrgLevel::Operator.id()),
                    org_units::name.eq(&name),
                    org_units::created_at.eq(now),
                    org_units::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(true)
        }
    }
}

/// Links a station to the operator that runs it (replacing an earlier operator).
pub fn link_station(conn: &mut DbConn, operator_code: &str, station_code: &str) -> StoreResult<()> {
    let op = get_unscoped(conn, operator_code)?.ok_or(StoreError::NotFound)?;
    let st = get_unscoped(conn, station_code)?.ok_or(StoreError::NotFound)?;
    if op.level() != OrgLevel::Operator || st.level() != OrgLevel::Township {
        return Err(Invalid::one(
            "station_code",
            Msg::new(
                "只能把乡镇(街道)社工站关联到承接方",
                "only a township station can be linked to an operator",
            ),
        )
        .into());
    }
    diesel::delete(operator_stations::table.find(station_code)).execute(conn)?;
    diesel::insert_into(operator_stations::table)
        .values((
            operator_stations::station_code.eq(station_code),
            operator_stations::operator_code.eq(operator_code),
            operator_stations::since.eq(shegong_domain::clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Result of an import: how many nodes were added, renamed or already as in the files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One node read from the division files.
#[derive(Debug, Clone)]
pub struct DivisionRow {
    pub code: OrgCode,
    pub name: String,
}

/// Reads the CSV layout of `../shared/data/divisions-hunan/` (provinces, cities, areas, streets,
/// villages; each with `code,name,…`), checking every code and that every parent is present.
/// Errors name the file and line.
pub fn read_division_dir(dir: &Path) -> Result<Vec<DivisionRow>, String> {
    let files = [
        ("provinces.csv", OrgLevel::Province),
        ("cities.csv", OrgLevel::City),
        ("areas.csv", OrgLevel::County),
        ("streets.csv", OrgLevel::Township),
        ("villages.csv", OrgLevel::Village),
    ];
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (file, level) in files {
        let path = dir.join(file);
        if !path.exists() {
            if level == OrgLevel::Village {
                continue; // a tree may stop at townships
            }
            return Err(format!("{} is missing", path.display()));
        }
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let headers = rdr
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == name)
        };
        let (Some(ci), Some(ni)) = (col("code"), col("name")) else {
            return Err(format!(
                "{}: needs the columns code and name",
                path.display()
            ));
        };
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
            let raw_code = rec.get(ci).unwrap_or_default();
            let code = OrgCode::parse(raw_code)
                .map_err(|m| format!("{}:{line}: {raw_code}: {}", path.display(), m.en))?;
            if code.level() != level {
                return Err(format!(
                    "{}:{line}: {raw_code} is not a {} code",
                    path.display(),
                    level.id()
                ));
            }
            let name = shegong_domain::text::required_line(rec.get(ni).unwrap_or_default(), 100)
                .map_err(|m| format!("{}:{line}: name {}", path.display(), m.en))?;
            if let Some(p) = code.parent()
                && !seen.contains(p.as_str())
            {
                return Err(format!(
                    "{}:{line}: the parent {p} of {code} is not in the files",
                    path.display()
                ));
            }
            if !seen.insert(code.to_string()) {
                return Err(format!("{}:{line}: {code} appears twice", path.display()));
            }
            rows.push(DivisionRow { code, name });
        }
    }
    if rows.is_empty() {
        return Err(format!("{} holds no divisions", dir.display()));
    }
    Ok(rows)
}

/// Brings the division tree in line with `rows` (parents before children, as read): new nodes are
/// added, renamed ones updated, the rest left alone, so a second run changes nothing. Nodes absent
/// from the files are kept: records may still point at them.
pub fn import_divisions(conn: &mut DbConn, rows: &[DivisionRow]) -> StoreResult<ImportReport> {
    let existing: HashMap<String, String> = org_units::table
        .filter(org_units::level.ne(OrgLevel::Operator.id()))
        .select((org_units::code, org_units::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let now = shegong_domain::clock::now();
    let mut report = ImportReport::default();
    let mut new_rows = Vec::new();
    for r in rows {
        match existing.get(r.code.as_str()) {
            Some(name) if *name == r.name => report.unchanged += 1,
            Some(_) => {
                diesel::update(org_units::table.find(r.code.as_str()))
                    .set((org_units::name.eq(&r.name), org_units::updated_at.eq(now)))
                    .execute(conn)?;
                report.updated += 1;
            }
            None => new_rows.push((
                org_units::code.eq(r.code.to_string()),
                org_units::parent_code.eq(r.code.parent().map(String::from)),
                org_units::level.eq(r.code.level().id()),
                org_units::name.eq(r.name.clone()),
                org_units::created_at.eq(now),
                org_units::updated_at.eq(now),
            )),
        }
    }
    report.inserted = new_rows.len();
    // Rows are in parent-before-child order, so each chunk's parents already exist.
    for chunk in new_rows.chunks(500) {
        crate::each_backend!(conn, c => diesel::insert_into(org_units::table).values(chunk).execute(c))?;
    }
    Ok(report)
}

/// Number of accounts at each node of a list (for the tree browser).
pub fn user_counts(conn: &mut DbConn, codes: &[&str]) -> StoreResult<HashMap<String, i64>> {
    Ok(users::table
        .filter(users::org_code.eq_any(codes))
        .group_by(users::org_code)
        .select((users::org_code, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The stations (townships) of a county, whatever the scope: the names of places are public
/// geography, offered as destinations of a transfer.
pub fn stations_of_county(conn: &mut DbConn, county_code: &str) -> StoreResult<Vec<OrgUnit>> {
    Ok(org_units::table
        .filter(org_units::parent_code.eq(county_code))
        .filter(org_units::level.eq(OrgLevel::Township.id()))
        .order(org_units::code)
        .select(OrgUnit::as_select())
        .load(conn)?)
}

/// The names of these nodes, whatever the scope (names of places are public geography), for
/// showing codes as places a worker recognises.
pub fn names(conn: &mut DbConn, codes: &[String]) -> StoreResult<HashMap<String, String>> {
    Ok(org_units::table
        .filter(org_units::code.eq_any(codes))
        .select((org_units::code, org_units::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
