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
        let n = people(db, keys, &mut g, seed, &county, &villages, per_county)?;
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

/// The seed of `serve --demo`.
const DEMO_SEED: u64 = 20_261_129;

/// Generates and stores people in a county, in transactions of whole households, then their
/// cases (from `seed` and the county, so each county's differ).
fn people(
    db: &Db,
    keys: &Keys,
    g: &mut crate::synth::Generator,
    seed: u64,
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
    let mut served: Vec<crate::synth_cases::Served> = Vec::new();
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
        let today = shegong_domain::dates::today();
        let (ids, hh_ids) = db.write(|c| {
            let (ids, hh_ids) =
                shegong_store::bulk::insert(c, keys, &hh[hh_start..hh_end], &batch, &actor, now)?;
            let records = g.records(&batch, &ids, &hh_ids);
            shegong_store::bulk::records(c, keys, &records, &actor, today, now)?;
            let ev = Event::new(
                &actor,
                "person.generate",
                "person",
                ids.first().copied().unwrap_or(0),
            );
            audit::append(c, keys, &ev.org(county).detail(json!({"count": ids.len()})))?;
            Ok((ids, hh_ids))
        })?;
        served.extend(batch.iter().zip(&ids).filter_map(|(p, id)| {
            let station = OrgCode::parse(&p.org_code).ok()?.station()?;
            let household = p.household.as_ref().map(|(h, _)| hh_ids[*h]);
            Some((*id, station.to_string(), household, p.fields.sensitivity))
        }));
        start = end;
        hh_start = hh_end;
    }
    profiles(db, keys, county, villages, &hh, &ppl, &actor, now)?;
    let started = std::time::Instant::now();
    let (cases, long) = crate::synth_cases::generate(
        db,
        keys,
        seed ^ county.parse::<u64>().unwrap_or_default(),
        &served,
    )?;
    match long {
        Some(id) => println!(
            "{county}: {cases} cases in {:.1} s; case {id} \"{}\" has {} service records",
            started.elapsed().as_secs_f64(),
            crate::synth_cases::LONG_CASE_TITLE,
            crate::synth_cases::LONG_CASE_RECORDS
        ),
        None => println!(
            "{county}: {cases} cases in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
    }
    Ok(ppl.len())
}

/// A community profile (9.3.1.1) for each village: the population structure of the people the
/// archive holds there, and history, culture and resources text marked as demonstration text.
#[allow(clippy::too_many_arguments)]
fn profiles(
    db: &Db,
    keys: &Keys,
    county: &str,
    villages: &[(String, String)],
    hh: &[shegong_store::bulk::Household],
    ppl: &[shegong_store::bulk::Person],
    actor: &Actor,
    now: i64,
) -> Result<()> {
    use shegong_domain::household::CommunityFields;
    let today = shegong_domain::dates::today();
    let scope = shegong_domain::scope::Scope::new(vec![
        OrgCode::parse(county).map_err(|m| anyhow::anyhow!("{}", m.en))?,
    ]);
    let mut stats: std::collections::HashMap<&str, [usize; 9]> = Default::default();
    for h in hh {
        stats.entry(h.org_code.as_str()).or_default()[8] += 1;
    }
    for p in ppl {
        let s = stats.entry(p.org_code.as_str()).or_default();
        let age = p.fields.age(today).unwrap_or(40);
        s[0] += 1;
        s[1] += usize::from(p.fields.gender == Some(shegong_domain::id_number::Gender::Male));
        s[match age {
            0..18 => 2,
            18..60 => 3,
            60..80 => 4,
            _ => 5,
        }] += 1;
        let has = |c: &str| p.fields.categories.iter().any(|x| x.code == c);
        s[6] += usize::from(has("dibao") || has("tekun") || has("dibao_edge"));
        s[7] += usize::from(has("disabled"));
    }
    let county_name = county_rows(county)
        .into_iter()
        .find(|r| r.code.as_str() == county)
        .map(|r| r.name)
        .unwrap_or_default();
    db.write(|c| {
        for (code, name) in villages {
            let [n, male, kids, adults, old, oldest, aid, disabled, households] =
                stats.get(code.as_str()).copied().unwrap_or_default();
            let rural = name.ends_with('村');
            let f = CommunityFields {
                population: format!(
                    "本系统登记的服务对象 {n} 人({households} 户),男 {male} 人、女 {} 人;\
                     未满 18 周岁 {kids} 人,18–59 周岁 {adults} 人,60–79 周岁 {old} 人,80 周岁及以上 \
                     {oldest} 人;享受低保、低保边缘或特困供养 {aid} 人,持证残疾人 {disabled} 人。\
                     (按 {} 的档案统计)",
                    n - male,
                    shegong_domain::dates::iso(today)
                ),
                history: format!(
                    "{name}隶属{county_name}。{}(演示数据,非真实史料)",
                    if rural {
                        "由原几个自然村合并而成,村民多为世居家族,青壮年外出务工较多。"
                    } else {
                        "由原厂矿生活区和周边村组改建而成,老旧小区与新建小区并存。"
                    }
                ),
                culture: if rural {
                    "保留春节舞龙、端午包粽子、重阳敬老宴等习俗;祠堂和村部是村民议事、聚会的主要场所。(演示数据)".into()
                } else {
                    "居民来自各地,社区每年举办邻里节、重阳敬老活动和广场舞比赛。(演示数据)".into()
                },
                resources: if rural {
                    "村卫生室 1 所,村级综合服务中心,农家书屋,幸福屋(日间照料点),村小学 1 所。(演示数据)".into()
                } else {
                    "社区卫生服务站,党群服务中心,长者食堂,儿童之家,周边有中小学和公园。(演示数据)".into()
                },
                organisations: "村(居)民委员会,老年人协会,志愿服务队,妇联执委,儿童主任。(演示数据)".into(),
                sources: format!(
                    "人口结构:本系统服务对象档案统计({});其他内容:演示数据,由 shegong demo 生成",
                    shegong_domain::dates::iso(today)
                ),
            };
            shegong_store::communities::save(c, &scope, code, &f, None, actor, now)?;
        }
        let ev = Event::new(actor, "community.generate", "org", county);
        audit::append(c, keys, &ev.org(county).detail(json!({"count": villages.len()})))?;
        Ok(())
    })?;
    Ok(())
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
    let mut g = crate::synth::Generator::new(DEMO_SEED);
    people(
        db,
        keys,
        &mut g,
        DEMO_SEED,
        COUNTY,
        &villages_of(&tree),
        DEMO_PEOPLE,
    )?;
    crate::demo_quality::seed(db, keys)?;
    Ok(creds
        .into_iter()
        .map(|(u, pw, _)| (u.to_string(), pw))
        .collect())
}
