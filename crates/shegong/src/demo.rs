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
pub const OPERATOR: &str = "OP430202TX";
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

/// Rows of the demo tree from the compiled-in files: the province, the city, the county and
/// everything below it.
fn rows() -> Vec<DivisionRow> {
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
            let keep = code == "43" || code == "4302" || code.starts_with(COUNTY);
            if let (true, Ok(code)) = (keep, OrgCode::parse(code)) {
                out.push(DivisionRow {
                    code,
                    name: name.trim().to_string(),
                });
            }
        }
    }
    out
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
    let tree = rows();
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
    Ok(creds
        .into_iter()
        .map(|(u, pw, _)| (u.to_string(), pw))
        .collect())
}
