//! Community profiles (村(社区)概况, 9.3.1.1): population structure, history, culture and customs,
//! key resources and organisations, with their sources, for each village or community node.
//! Every save is kept as a version, so the history of who changed what and when stays readable.

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::query::{Listing, Page, like_contains};
use crate::schema::org_units;
use diesel::prelude::*;
use serde::Serialize;
use shegong_domain::household::CommunityFields;
use shegong_domain::org::OrgLevel;
use shegong_domain::scope::Scope;
use shegong_domain::{Invalid, Msg};

diesel::table! {
    community_profiles (code) {
        code -> Text,
        population -> Text,
        history -> Text,
        culture -> Text,
        resources -> Text,
        organisations -> Text,
        sources -> Text,
        version -> BigInt,
        updated_by -> Nullable<BigInt>,
        updated_by_name -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    community_profile_versions (id) {
        id -> BigInt,
        code -> Text,
        version -> BigInt,
        population -> Text,
        history -> Text,
        culture -> Text,
        resources -> Text,
        organisations -> Text,
        sources -> Text,
        updated_by -> Nullable<BigInt>,
        updated_by_name -> Text,
        updated_at -> BigInt,
    }
}

diesel::joinable!(community_profiles -> org_units (code));
diesel::allow_tables_to_appear_in_same_query!(community_profiles, org_units);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = community_profiles)]
pub struct Profile {
    pub code: String,
    pub population: String,
    pub history: String,
    pub culture: String,
    pub resources: String,
    pub organisations: String,
    pub sources: String,
    pub version: i64,
    pub updated_by_name: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = community_profile_versions)]
pub struct Version {
    pub version: i64,
    pub population: String,
    pub history: String,
    pub culture: String,
    pub resources: String,
    pub organisations: String,
    pub sources: String,
    pub updated_by_name: String,
    pub updated_at: i64,
}

macro_rules! fields_of {
    ($t:ty) => {
        impl $t {
            /// The profile's texts.
            pub fn fields(&self) -> CommunityFields {
                CommunityFields {
                    population: self.population.clone(),
                    history: self.history.clone(),
                    culture: self.culture.clone(),
                    resources: self.resources.clone(),
                    organisations: self.organisations.clone(),
                    sources: self.sources.clone(),
                }
            }
        }
    };
}
fields_of!(Profile);
fields_of!(Version);

/// A village or community in a list, with when its profile was last saved.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub code: String,
    pub name: String,
    pub version: Option<i64>,
    pub updated_at: Option<i64>,
}

/// A village (community) node in scope; anything else in scope is not a community (404 too).
pub fn village(conn: &mut DbConn, scope: &Scope, code: &str) -> StoreResult<crate::org::OrgUnit> {
    let u = crate::org::get(conn, scope, code)?;
    if u.level() != OrgLevel::Village {
        return Err(StoreError::NotFound);
    }
    Ok(u)
}

/// The current profile of a village in scope, if any.
pub fn get(conn: &mut DbConn, scope: &Scope, code: &str) -> StoreResult<Option<Profile>> {
    village(conn, scope, code)?;
    Ok(community_profiles::table
        .find(code)
        .select(Profile::as_select())
        .first(conn)
        .optional()?)
}

/// Every saved version, newest first.
pub fn versions(conn: &mut DbConn, scope: &Scope, code: &str) -> StoreResult<Vec<Version>> {
    village(conn, scope, code)?;
    Ok(community_profile_versions::table
        .filter(community_profile_versions::code.eq(code))
        .order(community_profile_versions::version.desc())
        .select(Version::as_select())
        .load(conn)?)
}

/// Saves a profile. `expected_version` is the version the editor saw (None or 0 for a new
/// profile); a different current version is a conflict (someone else saved in between).
/// Returns the new version, or the current one when nothing changed.
pub fn save(
    conn: &mut DbConn,
    scope: &Scope,
    code: &str,
    f: &CommunityFields,
    expected_version: Option<i64>,
    actor: &Actor,
    now: i64,
) -> StoreResult<(i64, bool)> {
    let current = get(conn, scope, code)?;
    let current_version = current.as_ref().map(|p| p.version).unwrap_or(0);
    if let Some(e) = expected_version
        && e != current_version
    {
        return Err(StoreError::Conflict(Msg::new(
            "社区概况已被他人修改,请刷新页面后再编辑",
            "someone else changed this profile; reload it and edit again",
        )));
    }
    if let Some(p) = &current
        && p.fields() == *f
    {
        return Ok((p.version, false));
    }
    let version = current_version + 1;
    let values = (
        community_profiles::population.eq(&f.population),
        community_profiles::history.eq(&f.history),
        community_profiles::culture.eq(&f.culture),
        community_profiles::resources.eq(&f.resources),
        community_profiles::organisations.eq(&f.organisations),
        community_profiles::sources.eq(&f.sources),
        community_profiles::version.eq(version),
        community_profiles::updated_by.eq(actor.user_id),
        community_profiles::updated_by_name.eq(&actor.name),
        community_profiles::updated_at.eq(now),
    );
    if current.is_some() {
        diesel::update(community_profiles::table.find(code))
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(community_profiles::table)
            .values((community_profiles::code.eq(code), values))
            .execute(conn)?;
    }
    diesel::insert_into(community_profile_versions::table)
        .values((
            community_profile_versions::code.eq(code),
            community_profile_versions::version.eq(version),
            community_profile_versions::population.eq(&f.population),
            community_profile_versions::history.eq(&f.history),
            community_profile_versions::culture.eq(&f.culture),
            community_profile_versions::resources.eq(&f.resources),
            community_profile_versions::organisations.eq(&f.organisations),
            community_profile_versions::sources.eq(&f.sources),
            community_profile_versions::updated_by.eq(actor.user_id),
            community_profile_versions::updated_by_name.eq(&actor.name),
            community_profile_versions::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::Conflict(Msg::new(
                    "社区概况已被他人修改,请刷新页面后再编辑",
                    "someone else changed this profile",
                ))
            } else {
                e
            }
        })?;
    Ok((version, true))
}

/// Villages and communities in scope, optionally found by part of the name or start of the code.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    q: Option<&str>,
    page: Page,
) -> StoreResult<Listing<Entry>> {
    let q = q.map(str::trim).filter(|s| !s.is_empty());
    if q.is_some_and(|q| q.chars().count() > 50) {
        return Err(StoreError::Invalid(Invalid::one(
            "q",
            Msg::new(
                "搜索内容不能超过 50 个字",
                "a search is at most 50 characters",
            ),
        )));
    }
    let build = || {
        let mut b = org_units::table
            .into_boxed()
            .filter(crate::scope_filter!(org_units::code, scope))
            .filter(org_units::level.eq(OrgLevel::Village.id()));
        if let Some(q) = q {
            let by_code = q.bytes().all(|c| c.is_ascii_digit());
            b = if by_code {
                b.filter(
                    org_units::name
                        .like(like_contains(q))
                        .escape('\\')
                        .or(org_units::code.like(format!("{q}%"))),
                )
            } else {
                b.filter(org_units::name.like(like_contains(q)).escape('\\'))
            };
        }
        b
    };
    let total: i64 = build().count().get_result(conn)?;
    let units: Vec<(String, String)> = build()
        .order(org_units::code)
        .limit(page.per_page)
        .offset(page.offset())
        .select((org_units::code, org_units::name))
        .load(conn)?;
    let codes: Vec<&str> = units.iter().map(|u| u.0.as_str()).collect();
    let saved: std::collections::HashMap<String, (i64, i64)> = community_profiles::table
        .filter(community_profiles::code.eq_any(&codes))
        .select((
            community_profiles::code,
            community_profiles::version,
            community_profiles::updated_at,
        ))
        .load::<(String, i64, i64)>(conn)?
        .into_iter()
        .map(|(c, v, u)| (c, (v, u)))
        .collect();
    let items = units
        .into_iter()
        .map(|(code, name)| {
            let s = saved.get(&code).copied();
            Entry {
                version: s.map(|x| x.0),
                updated_at: s.map(|x| x.1),
                code,
                name,
            }
        })
        .collect();
    Ok(Listing { items, total })
}
