//! The demo deployment of interface.md: 湖南省 → 株洲市 → 荷塘区 (430202) with its real townships
//! and villages, one station per township, an operator running them, one account per role.

use anyhow::Result;
use serde_json::json;
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_store::audit::{self, Actor, Event};
use shegong_store::keys::Keys;
use shegong_store::org::{self, DivisionRow};
use shegong_store::passwords::{self, Hashing};
use shegong_store::users::{self, NewUser};
use shegong_store::{Db, StoreResult};

/// The Hunan division files, compiled in so the binary alone can build the demo.
pub mod hunan {
    pub const PROVINCES: &str = include_str!("../../../divisions/hunan/provinces.csv");
    pub const CITIES: &str = include_str!("../../../divisions/hunan/cities.csv");
    pub const AREAS: &str = include_str!("../../../divisions/hunan/areas.csv");
    pub const STREETS: &str = include_str!("../../../divisions/hunan/streets.csv");
    pub const VILLAGES: &str = include_str!("../../../divisions/hunan/villages.csv");
}

pub const COUNTY: &str = "430202";
pub const OPERATOR: &str = "430202OPTX";
const OPERATOR_NAME: &str = "株洲市荷塘区同心社会工作服务中心";

/// (username, display name, role, org code)
const ACCOUNTS: [(&str, &str, Role, &str); 9] = [
    ("admin", "省系统管理员", Role::SystemAdmin, "43"),
    ("purchaser", "荷塘区民政局", Role::Purchaser, COUNTY),
    (
        "operator",
        "同心社工中心管理员",
        Role::OperatorAdmin,
        OPERATOR,
    ),
    ("head", "李站长", Role::StationHead, "430202001"),
    ("worker", "王社工", Role::SocialWorker, "430202001"),
    ("worker2", "赵社工", Role::SocialWorker, "430202002"),
    ("supervisor", "陈督导", Role::Supervisor, OPERATOR),
    ("volunteer", "刘志愿者", Role::Volunteer, "430202001"),
    (
        "liaison",
        "月塘街道联络人",
        Role::TownshipLiaison,
        "430202001",
    ),
];

/// Rows of the compiled-in Hunan tree that `keep` selects, parents before children.
pub fn hunan_rows(keep: impl Fn(&str) -> bool) -> Vec<DivisionRow> {
    let mut out = Vec::new();
    for text in [
        hunan::PROVINCES,
        hunan::CITIES,
        hunan::AREAS,
        hunan::STREETS,
        hunan::VILLAGES,
    ] {
        for line in text.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            if let (true, Ok(code)) = (keep(code), OrgCode::parse(code)) {
                out.push(DivisionRow {
                    code,
                    name: name.trim().to_string(),
                });
            }
        }
    }
    out
}

/// A county, with the province and city above it.
pub fn county_rows(county: &str) -> Vec<DivisionRow> {
    hunan_rows(|code| (code.len() < 6 && county.starts_with(code)) || code.starts_with(county))
}

/// The counties of the compiled-in tree, 荷塘区 first (the demo's), then in code order.
pub fn counties() -> Vec<String> {
    let mut all: Vec<String> = hunan::AREAS
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_string)
        .collect();
    all.sort();
    all.retain(|c| c != COUNTY);
    all.insert(0, COUNTY.to_string());
    all
}

/// People served in the demo county, enough that every list has content.
const DEMO_PEOPLE: usize = 600;

/// Generates about `per_county` people in each of the first `scale` counties (`demo --scale`).
pub fn generate(db: &Db, keys: &Keys, scale: usize, per_county: usize, seed: u64) -> Result<usize> {
    let mut total = 0;
    let mut g = crate::synth::Generator::new(seed);
    for county in counties().into_iter().take(scale) {
        let started = std::time::Instant::now();
        let tree = county_rows(&county);
        db.write(|c| org::import_divisions(c, &tree).map(|_| ()))?;
        let villages = villages_of(&tree);
        if villages.is_empty() {
            continue;
        }
        let n = people(db, keys, &mut g, &county, &villages, per_county)?;
        println!(
            "{county}: {n} people in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        total += n;
    }
    Ok(total)
}

fn villages_of(tree: &[DivisionRow]) -> Vec<(String, String)> {
    tree.iter()
        .filter(|r| r.code.level() == shegong_domain::org::OrgLevel::Village)
        .map(|r| (r.code.to_string(), r.name.clone()))
        .collect()
}

/// Generates and stores people in a county, in transactions of whole households.
fn people(
    db: &Db,
    keys: &Keys,
    g: &mut crate::synth::Generator,
    county: &str,
    villages: &[(String, String)],
    count: usize,
) -> Result<usize> {
    let actor = Actor::system("demo");
    let (hh, ppl) = g.county(county, villages, count);
    let now = shegong_domain::clock::now();
    let household_of = |i: usize| ppl[i].household.as_ref().map(|h| h.0);
    let mut start = 0;
    let mut hh_start = 0;
    while start < ppl.len() {
        let mut end = (start + 2000).min(ppl.len());
        while end < ppl.len() && household_of(end) == household_of(end - 1) {
            end += 1;
        }
        let hh_end = household_of(end - 1).map(|h| h + 1).unwrap_or(hh_start);
        let batch: Vec<shegong_store::bulk::Person> = ppl[start..end]
            .iter()
            .map(|p| shegong_store::bulk::Person {
                org_code: p.org_code.clone(),
                fields: p.fields.clone(),
                household: p.household.as_ref().map(|(i, r)| (i - hh_start, r.clone())),
            })
            .collect();
        db.write(|c| {
            let ids =
                shegong_store::bulk::insert(c, keys, &hh[hh_start..hh_end], &batch, &actor, now)?;
            let ev = Event::new(
                &actor,
                "person.generate",
                "person",
                ids.first().copied().unwrap_or(0),
            );
            audit::append(c, keys, &ev.org(county).detail(json!({"count": ids.len()})))?;
            Ok(())
        })?;
        start = end;
        hh_start = hh_end;
    }
    Ok(ppl.len())
}

/// Builds the demo if the database has no accounts yet; returns the accounts and passwords to
/// print, or nothing when the database was already in use.
pub fn ensure(db: &Db, keys: &Keys, hashing: &Hashing) -> Result<Vec<(String, String)>> {
    if db.read(users::exists_any)? {
        return Ok(Vec::new());
    }
    let fixed = std::env::var("SHEGONG_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let creds: Vec<(&str, String, String)> = ACCOUNTS
        .iter()
        .map(|(u, ..)| {
            let pw = fixed.clone().unwrap_or_else(passwords::generate);
            let hash = hashing.hash(&pw);
            (*u, pw, hash)
        })
        .collect();
    let tree = county_rows(COUNTY);
    let actor = Actor::system("demo");
    db.write(|c| -> StoreResult<()> {
        let r = org::import_divisions(c, &tree)?;
        audit::append(
            c,
            keys,
            &Event::new(&actor, "org.import", "org", "43")
                .org("43")
                .detail(json!(r)),
        )?;
        let op = OrgCode::parse(OPERATOR).expect("valid demo operator code");
        org::upsert_operator(c, &op, OPERATOR_NAME)?;
        for row in tree
            .iter()
            .filter(|r| r.code.level() == shegong_domain::org::OrgLevel::Township)
        {
            org::link_station(c, OPERATOR, row.code.as_str())?;
        }
        let now = shegong_domain::clock::now();
        for ((username, display, role, org_code), (_, _, hash)) in ACCOUNTS.iter().zip(&creds) {
            let id = users::create(
                c,
                &NewUser {
                    username,
                    display_name: display,
                    role: *role,
                    org_code,
                    password_hash: hash,
                    must_change_password: fixed.is_none(),
                    two_factor_exempt: true,
                },
                now,
            )?;
            audit::append(
                c,
                keys,
                &Event::new(&actor, "user.create", "user", id)
                    .org(*org_code)
                    .detail(json!({"role": role.id()})),
            )?;
        }
        Ok(())
    })?;
    let mut g = crate::synth::Generator::new(20_261_129);
    people(db, keys, &mut g, COUNTY, &villages_of(&tree), DEMO_PEOPLE)?;
    Ok(creds
        .into_iter()
        .map(|(u, pw, _)| (u.to_string(), pw))
        .collect())
}
