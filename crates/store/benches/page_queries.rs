//! The database work of a logged-in home page, through our store (diesel `MultiConnection`) and
//! as raw rusqlite with cached statements on the same SQLite file, to measure what the database
//! layer costs (design.md asks for the ratio; results in docs/benchmarks.md).
//!
//!   cargo bench -p shegong-store --bench page_queries
//!
//! The page: the session joined with its user, the user's org node, nodes in scope by level,
//! accounts in scope by role — what `/` runs for a social worker.

use shegong_domain::account::LoginStage;
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_store::sessions::Lifetimes;
use shegong_store::testing::TestDb;
use shegong_store::{org, sessions, users};
use std::path::PathBuf;
use std::time::Instant;

const ITERATIONS: u32 = 20_000;

fn main() {
    let t = TestDb::sqlite();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../divisions/hunan");
    let rows = org::read_division_dir(&dir).expect("division files");
    let token =
        t.db.write(|c| {
            org::import_divisions(c, &rows)?;
            for (i, station) in ["430202001", "430202002"].iter().enumerate() {
                for role in [Role::StationHead, Role::SocialWorker, Role::Volunteer] {
                    users::create(
                        c,
                        &users::NewUser {
                            username: &format!("{}{i}", role.id()),
                            display_name: "测试",
                            role,
                            org_code: station,
                            password_hash: "x",
                            must_change_password: false,
                            two_factor_exempt: true,
                        },
                        0,
                    )?;
                }
            }
            let uid = users::credentials_by_username(c, "social_worker0")?
                .expect("user")
                .user
                .id;
            let (token, _) = sessions::create(
                c,
                uid,
                LoginStage::Done,
                "127.0.0.1",
                "bench",
                shegong_domain::clock::now(),
            )?;
            Ok(token)
        })
        .expect("seed");
    let life = Lifetimes::default();
    let now = shegong_domain::clock::now();

    // Through the store, as the server does it.
    let run_store = || {
        t.db.read(|c| {
            let (_, u) = sessions::load(c, &token, now, life)?.expect("live session");
            let scope = org::scope_of(c, u.role(), &u.org_code)?;
            let unit = org::get_unscoped(c, &u.org_code)?;
            let levels = org::count_by_level(c, &scope)?;
            let roles = users::count_by_role(c, &scope)?;
            Ok((unit.is_some(), levels.len() + roles.len()))
        })
        .expect("store page")
    };
    let expected = run_store();

    // The same four queries, hand-written, on one rusqlite connection.
    let path = t.url.strip_prefix("sqlite://").expect("sqlite url");
    let raw = rusqlite::Connection::open(path).expect("open");
    raw.execute_batch(
        "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA query_only = ON;",
    )
    .expect("pragmas");
    let hash = shegong_store::keys::sha256_hex(token.as_bytes());
    let scope = Scope::new(vec![OrgCode::parse("430202001").expect("code")]);
    let (lo, hi) = scope.code_ranges().remove(0);
    let run_raw = || {
        let mut s = raw
            .prepare_cached(
                "SELECT s.id, s.user_id, s.csrf_token, s.stage, s.created_at, s.last_seen_at, u.id, u.username, \
                 u.display_name, u.role, u.org_code, u.must_change_password, u.password_changed_at, u.failed_logins, \
                 u.locked_until, u.totp_enabled, u.two_factor_exempt, u.active, u.last_login_at, u.created_at, u.updated_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1 LIMIT 1",
            )
            .expect("prepare");
        let org_code: String = s.query_row([&hash], |r| r.get(10)).expect("session");
        let mut s = raw
            .prepare_cached(
                "SELECT code, parent_code, level, name FROM org_units WHERE code = ?1 LIMIT 1",
            )
            .expect("prepare");
        let unit = s.query_row([&org_code], |r| r.get::<_, String>(3)).is_ok();
        let mut s = raw
            .prepare_cached("SELECT level, count(*) FROM org_units WHERE code >= ?1 AND code < ?2 GROUP BY level")
            .expect("prepare");
        let levels = s
            .query_map([&lo, &hi], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .expect("levels")
            .count();
        let mut s = raw
            .prepare_cached("SELECT role, count(*) FROM users WHERE org_code >= ?1 AND org_code < ?2 AND active = 1 GROUP BY role")
            .expect("prepare");
        let roles = s
            .query_map([&lo, &hi], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .expect("roles")
            .count();
        (unit, levels + roles)
    };
    assert_eq!(run_raw(), expected, "both paths answer the same");

    for (name, f) in [
        (
            "store (diesel MultiConnection)",
            &run_store as &dyn Fn() -> (bool, usize),
        ),
        ("raw rusqlite, cached statements", &run_raw),
    ] {
        for _ in 0..500 {
            f();
        }
        let start = Instant::now();
        for _ in 0..ITERATIONS {
            std::hint::black_box(f());
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(ITERATIONS);
        println!("{name:32} {us:8.1} µs per page ({ITERATIONS} pages, one thread)");
    }
}
