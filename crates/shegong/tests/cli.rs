//! The `shegong` binary as an operator runs it (interface.md "Command line"): each test runs the
//! real binary in its own temporary folder, over a fresh SQLite file and — when
//! `SHEGONG_TEST_PG_URL` is set — over a fresh PostgreSQL database too (`both!`; without the
//! variable the PostgreSQL half prints a note and passes, as `db_test!` does).

use serde_json::{Value, json};
use shegong_store::testing::{PG_URL_VAR, TestDb};
use shegong_store::{Db, DbUrl, PoolSizes, StoreResult};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DEMO_PASSWORD: &str = "Demo#2026pass";
const HUNAN_NODES: usize = 1 + 14 + 134 + 2008 + 29534;

// ---------------------------------------------------------------------------------------------
// A deployment: a database URL, a key file and a working folder, and the binary run against them.

struct Site {
    dir: tempfile::TempDir,
    url: String,
    key: PathBuf,
    /// The PostgreSQL database, dropped with the site; `None` on SQLite.
    pg: Option<TestDb>,
}

/// What one run of the binary left.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn from(o: Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    #[track_caller]
    fn ok(self) -> Out {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    /// Exit 1 with a one-line reason on stderr containing `needle`.
    #[track_caller]
    fn fails_with(self, needle: &str) -> Out {
        assert_eq!(self.code, 1, "expected exit 1: {self:#?}");
        let reason = self.stderr.trim_end();
        assert_eq!(reason.lines().count(), 1, "one line on stderr: {self:#?}");
        assert!(reason.starts_with("error: "), "{self:#?}");
        assert!(
            reason.contains(needle),
            "stderr should contain {needle:?}: {self:#?}"
        );
        self
    }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl Site {
    fn sqlite() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("x.db").display());
        let key = dir.path().join("shegong.key");
        Site {
            dir,
            url,
            key,
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` when `SHEGONG_TEST_PG_URL` is not set.
    fn postgres() -> Option<Site> {
        let pg = TestDb::postgres()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("shegong.key");
        Some(Site {
            url: pg.url.clone(),
            dir,
            key,
            pg: Some(pg),
        })
    }

    fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with this site's configuration and nothing inherited that could change it.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shegong"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("SHEGONG_DATABASE_URL", &self.url)
            .env("SHEGONG_DATA_KEY_FILE", &self.key)
            .env_remove("SHEGONG_LOG")
            .env_remove("SHEGONG_ADDR")
            .env_remove("SHEGONG_DEMO_PASSWORD");
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        Out::from(
            self.cmd(args)
                .stdin(Stdio::null())
                .output()
                .expect("run shegong"),
        )
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Out {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run shegong");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Out::from(child.wait_with_output().unwrap())
    }

    /// A connection of the test's own, bypassing the application (to look and to tamper).
    fn db(&self) -> Db {
        Db::open(&DbUrl::parse(&self.url).unwrap(), PoolSizes { readers: 1 })
            .expect("open the site's database")
    }

    fn exec(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        self.db()
            .with_writer(|c| Ok(c.batch_execute(sql)?))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The number in the first column of a `SELECT COUNT(*) AS n …`.
    fn count(&self, sql: &str) -> i64 {
        count(&self.db(), sql)
    }

    /// Drops the triggers that keep the audit log append-only, as someone with the database's
    /// files or its owner's password could.
    fn drop_audit_guards(&self) {
        if self.is_postgres() {
            self.exec("DROP TRIGGER audit_log_guard ON audit_log;");
        } else {
            self.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_keep_180_days;");
        }
    }
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(db: &Db, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    let q = diesel::sql_query(sql);
    db.read(|c| -> StoreResult<i64> {
        Ok(shegong_store::each_backend!(c, c => q.clone().get_result::<N>(c))?.n)
    })
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// `SELECT x AS id, y AS v …` as pairs, for comparing two databases.
fn rows(db: &Db, sql: &str) -> Vec<Row> {
    use diesel::RunQueryDsl;
    let q = diesel::sql_query(sql);
    db.read(|c| -> StoreResult<Vec<Row>> {
        Ok(shegong_store::each_backend!(c, c => q.clone().load::<Row>(c))?)
    })
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Declares a test that runs once on SQLite and once on PostgreSQL.
macro_rules! both {
    (fn $name:ident($site:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($site: &Site) $body
            #[test]
            fn sqlite() {
                run(&Site::sqlite());
            }
            #[test]
            fn postgres() {
                match Site::postgres() {
                    Some(site) => run(&site),
                    None => eprintln!("{PG_URL_VAR} not set: PostgreSQL half skipped"),
                }
            }
        }
    };
}

fn hunan() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../divisions/hunan")
}

/// A small division tree: 湖南省 → 株洲市 → 荷塘区 → two townships and a village.
fn mini_tree(dir: &Path) -> PathBuf {
    let d = dir.join("mini");
    std::fs::create_dir_all(&d).unwrap();
    let files = [
        ("provinces.csv", "code,name\n43,湖南省\n"),
        ("cities.csv", "code,name,provinceCode\n4302,株洲市,43\n"),
        (
            "areas.csv",
            "code,name,cityCode,provinceCode\n430202,荷塘区,4302,43\n",
        ),
        (
            "streets.csv",
            "code,name,areaCode\n430202001,月塘街道,430202\n430202002,茨菇塘街道,430202\n",
        ),
        (
            "villages.csv",
            "code,name,streetCode\n430202001001,新民社区居委会,430202001\n",
        ),
    ];
    for (f, text) in files {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

fn import_mini(site: &Site) {
    let dir = mini_tree(site.dir.path());
    site.run(&["org", "import", dir.to_str().unwrap()]).ok();
}

// ---------------------------------------------------------------------------------------------
// migrate, configuration errors, usage errors

both!(fn migrate_exits_0(site) {
    let out = site.run(&["migrate"]).ok();
    assert!(out.stdout.contains("database is up to date"), "{out:#?}");
    // Twice is fine: nothing left to apply.
    site.run(&["migrate"]).ok();
    assert!(site.key.is_file(), "the data key is created on first start, outside the database");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log"), 0);
});

#[test]
fn a_bad_database_url_exits_1_with_one_line() {
    let site = Site::sqlite();
    let run = |url: &str| {
        Out::from(
            site.cmd(&["migrate"])
                .env("SHEGONG_DATABASE_URL", url)
                .output()
                .unwrap(),
        )
    };
    run("mysql://root@127.0.0.1/shegong").fails_with("sqlite:// or postgres://");
    run("sqlite://").fails_with("names no file");
    // A folder that cannot be created.
    run("sqlite:///proc/shegong-test/x.db").fails_with("cannot create /proc/shegong-test");
    let bad = site.path("bad.toml");
    std::fs::write(&bad, "databse_url = 1").unwrap();
    Out::from(
        site.cmd(&["--config", bad.to_str().unwrap(), "migrate"])
            .output()
            .unwrap(),
    )
    .fails_with("bad.toml");
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::sqlite();
    let cases: [&[&str]; 6] = [
        &[],
        &["frobnicate"],
        &["user", "add", "--username", "x"],
        &["audit", "purge", "--older-than-days", "ninety"],
        &["backup"],
        &["serve", "--no-such-flag"],
    ];
    for args in cases {
        let out = site.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
        assert!(!out.stderr.is_empty(), "{args:?}: a usage message");
    }
    assert!(
        !site.path("x.db").exists(),
        "a usage error touches no database"
    );
    site.run(&["--help"]).ok();
}

// ---------------------------------------------------------------------------------------------
// org import

both!(fn the_full_hunan_tree_imports_and_a_second_run_changes_nothing(site) {
    let dir = hunan();
    let dir = dir.to_str().unwrap();
    let t = Instant::now();
    let out = site.run(&["org", "import", dir]).ok();
    let first = t.elapsed();
    assert!(
        out.stdout.contains(&format!("imported {HUNAN_NODES} nodes: {HUNAN_NODES} new, 0 renamed, 0 unchanged")),
        "{out:#?}"
    );
    let t = Instant::now();
    let out = site.run(&["org", "import", dir]).ok();
    let second = t.elapsed();
    assert!(out.stdout.contains(&format!("{HUNAN_NODES} nodes: 0 new, 0 renamed, {HUNAN_NODES} unchanged")), "{out:#?}");
    println!(
        "full Hunan import on {}: first run {:.2} s, second run {:.2} s (whole command, debug build)",
        if site.is_postgres() { "PostgreSQL" } else { "SQLite" },
        first.as_secs_f64(),
        second.as_secs_f64()
    );
    for (level, n) in [("province", 1), ("city", 14), ("county", 134), ("township", 2008), ("village", 29534)] {
        assert_eq!(site.count(&format!("SELECT COUNT(*) AS n FROM org_units WHERE level = '{level}'")), n, "{level}");
    }
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'org.import'"), 2);
    site.run(&["audit", "verify"]).ok();
});

both!(fn a_broken_division_file_is_refused_whole(site) {
    // (file to break, its new text, what the error names)
    let cases = [
        ("areas.csv", "code,name\n430202,荷塘区\n43020X,坏代码\n", "areas.csv:3"),
        ("streets.csv", "code,name\n430202001,月塘街道\n430203001,无上级\n", "streets.csv:3"),
        ("streets.csv", "code,name\n430202001,月塘街道\n430202001,月塘街道\n", "streets.csv:3"),
        ("cities.csv", "code,name\n430202,荷塘区\n", "cities.csv:2"),
        ("villages.csv", "code,name\n430202001001,\n", "villages.csv:2"),
    ];
    for (i, (file, text, named)) in cases.into_iter().enumerate() {
        let dir = mini_tree(&site.path(&format!("case{i}")));
        std::fs::write(dir.join(file), text).unwrap();
        site.run(&["org", "import", dir.to_str().unwrap()]).fails_with(named);
    }
    let dir = mini_tree(&site.path("nocities"));
    std::fs::remove_file(dir.join("cities.csv")).unwrap();
    site.run(&["org", "import", dir.to_str().unwrap()]).fails_with("cities.csv is missing");
    site.run(&["org", "import", site.path("nowhere").to_str().unwrap()]).fails_with("is missing");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM org_units"), 0, "nothing written");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log"), 0, "nothing audited");
});

// ---------------------------------------------------------------------------------------------
// operators and links

both!(fn operators_and_links(site) {
    import_mini(site);
    let out = site.run(&["org", "operator", "430202OPTX", "株洲市荷塘区同心社会工作服务中心"]).ok();
    assert!(out.stdout.contains("operator 430202OPTX saved"), "{out:#?}");
    // The same again changes nothing and is not audited again; a new name is.
    site.run(&["org", "operator", "430202OPTX", "株洲市荷塘区同心社会工作服务中心"]).ok();
    site.run(&["org", "operator", "430202OPTX", "荷塘区同心社工中心"]).ok();
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'org.operator'"), 2);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM org_units WHERE code = '430202OPTX' AND name = '荷塘区同心社工中心'"), 1);

    let out = site.run(&["org", "link", "430202OPTX", "430202001"]).ok();
    assert!(out.stdout.contains("430202OPTX now runs 430202001"), "{out:#?}");
    site.run(&["org", "link", "430202OPTX", "430202002"]).ok();
    // A second operator takes a station over.
    site.run(&["org", "operator", "430202OPHT02", "荷塘区阳光社工中心"]).ok();
    site.run(&["org", "link", "430202OPHT02", "430202002"]).ok();
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM operator_stations WHERE operator_code = '430202OPTX'"), 1);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM operator_stations WHERE operator_code = '430202OPHT02'"), 1);

    let before = site.count("SELECT COUNT(*) AS n FROM audit_log");
    site.run(&["org", "operator", "430202", "不是承接方"]).fails_with("OP");
    site.run(&["org", "operator", "430299OPHT09", "无处登记"]).fails_with("430299");
    site.run(&["org", "operator", "OP-1", "坏编码"]).fails_with("error: ");
    site.run(&["org", "operator", "430202OPHT03", "   "]).fails_with("name");
    site.run(&["org", "link", "430202OPTX", "430202999"]).fails_with("没有这个承接方或社工站");
    site.run(&["org", "link", "430202OPNOPE", "430202001"]).fails_with("没有这个承接方或社工站");
    site.run(&["org", "link", "430202OPTX", "430202"]).fails_with("只能把乡镇(街道)社工站关联到承接方");
    site.run(&["org", "link", "430202OPTX", "430202001001"]).fails_with("只能把乡镇(街道)社工站关联到承接方");
    site.run(&["org", "link", "430202001", "430202002"]).fails_with("只能把乡镇(街道)社工站关联到承接方");
    assert_eq!(site.run(&["org", "link", "430202OPTX"]).code, 2, "a missing argument is a usage error");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log"), before, "failures write nothing");
    site.run(&["audit", "verify"]).ok();
});

// ---------------------------------------------------------------------------------------------
// user add

/// (must change password, password hash) of an account.
fn account(site: &Site, username: &str) -> Option<(bool, String)> {
    let u = username.to_string();
    site.db()
        .read(move |c| shegong_store::users::credentials_by_username(c, &u))
        .unwrap()
        .map(|c| (c.user.must_change_password, c.password_hash))
}

both!(fn user_add(site) {
    import_mini(site);
    let hashing = shegong_store::passwords::Hashing::fast_insecure();

    // A generated password is printed once and must be changed at first login.
    let out = site.run(&["user", "add", "--username", "wang", "--role", "social_worker", "--org", "430202001"]).ok();
    let pw = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("initial password: "))
        .unwrap_or_else(|| panic!("no initial password printed: {out:#?}"))
        .to_string();
    assert!(pw.len() >= 12, "{pw}");
    let (must_change, hash) = account(site, "wang").expect("created");
    assert!(must_change);
    assert!(hashing.verify(&pw, &hash), "the printed password is the account's");

    // A password on standard input is used as given and not forced to change…
    let out = site
        .run_with_stdin(&["user", "add", "--username", "head", "--role", "station_head", "--org", "430202001", "--password-stdin"], "Zhan#2026chang\n")
        .ok();
    assert!(!out.stdout.contains("initial password"), "{out:#?}");
    let (must_change, hash) = account(site, "head").unwrap();
    assert!(!must_change);
    assert!(hashing.verify("Zhan#2026chang", &hash));
    // …unless --must-change says so.
    site.run_with_stdin(
        &["user", "add", "--username", "boss", "--role", "purchaser", "--org", "430202", "--display-name", "荷塘区民政局", "--password-stdin", "--must-change"],
        "Min#2026zheng",
    )
    .ok();
    assert!(account(site, "boss").unwrap().0);

    let users = site.count("SELECT COUNT(*) AS n FROM users");
    let audit = site.count("SELECT COUNT(*) AS n FROM audit_log");
    // A weak password: refused in Chinese, nothing written.
    for weak in ["abc\n", "password\n", "worker2026\n", "\n"] {
        let out = site.run_with_stdin(
            &["user", "add", "--username", "weak", "--role", "social_worker", "--org", "430202001", "--password-stdin"],
            weak,
        );
        let out = out.fails_with("error: ");
        assert!(has_chinese(&out.stderr), "a Chinese reason for {weak:?}: {out:#?}");
    }
    site.run(&["user", "add", "--username", "wang", "--role", "social_worker", "--org", "430202002"]).fails_with("用户名已被使用");
    site.run(&["user", "add", "--username", "WANG", "--role", "social_worker", "--org", "430202002"]).fails_with("用户名已被使用");
    site.run(&["user", "add", "--username", "li", "--role", "boss", "--org", "430202001"]).fails_with("未知的角色");
    site.run(&["user", "add", "--username", "li", "--role", "social_worker", "--org", "430202"]).fails_with("不能设在");
    site.run(&["user", "add", "--username", "li", "--role", "purchaser", "--org", "430202001"]).fails_with("不能设在");
    site.run(&["user", "add", "--username", "li", "--role", "social_worker", "--org", "430202099"]).fails_with("没有这个组织代码");
    site.run(&["user", "add", "--username", "x", "--role", "social_worker", "--org", "430202001"]).fails_with("username");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM users"), users, "failures create no account");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log"), audit, "failures write no audit entry");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.create'"), 3);
});

#[test]
fn user_add_honours_the_configured_password_length() {
    let site = Site::sqlite();
    import_mini(&site);
    let cfg = site.path("c.toml");
    std::fs::write(&cfg, "[security]\npassword_min_length = 12\n").unwrap();
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "user",
        "add",
        "--username",
        "wang",
        "--role",
        "social_worker",
        "--org",
        "430202001",
        "--password-stdin",
    ];
    site.run_with_stdin(&args, "Short#2026\n").fails_with("12");
    site.run_with_stdin(&args, "Longer#2026pw\n").ok();
}

// ---------------------------------------------------------------------------------------------
// audit verify and purge

/// A few audit entries made through the command line: the import, operators, links.
fn some_history(site: &Site) {
    import_mini(site);
    for (code, name) in [
        ("430202OPHT01", "甲社工中心"),
        ("430202OPHT02", "乙社工中心"),
        ("430202OPHT03", "丙社工中心"),
    ] {
        site.run(&["org", "operator", code, name]).ok();
    }
    site.run(&["org", "link", "430202OPHT01", "430202001"]).ok();
    site.run(&["org", "link", "430202OPHT02", "430202002"]).ok();
    let out = site.run(&["audit", "verify"]).ok();
    assert!(
        out.stdout.contains("audit chain intact: 6 entries"),
        "{out:#?}"
    );
}

/// `audit verify` after someone with write access to the database (triggers dropped) ran `sql`.
fn verify_after_tampering(site: &Site, sql: &str) -> Out {
    some_history(site);
    site.drop_audit_guards();
    site.exec(sql);
    site.run(&["audit", "verify"])
}

both!(fn audit_verify_finds_a_changed_entry(site) {
    verify_after_tampering(site, "UPDATE audit_log SET detail = '{\"operator\":\"430202OPHT03\"}' WHERE seq = 5;")
        .fails_with("audit entry 5 was changed");
});

both!(fn audit_verify_finds_a_recomputed_hash(site) {
    // Whoever lacks the key cannot make a hash that matches the entry's MAC.
    verify_after_tampering(site, "UPDATE audit_log SET actor = 'system:someone-else', hash = '00' WHERE seq = 3;")
        .fails_with("audit entry 3 was changed");
});

both!(fn audit_verify_finds_a_deleted_entry(site) {
    verify_after_tampering(site, "DELETE FROM audit_log WHERE seq = 4;").fails_with("audit entry 4 was deleted");
});

both!(fn audit_verify_finds_the_last_entry_deleted(site) {
    verify_after_tampering(site, "DELETE FROM audit_log WHERE seq = 6;").fails_with("audit entry 6 is not where the chain head says the log ends");
});

both!(fn audit_verify_finds_two_entries_swapped(site) {
    verify_after_tampering(
        site,
        "UPDATE audit_log SET seq = -2 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = -2;",
    )
    .fails_with("audit entry 2 was changed or moved");
});

both!(fn the_data_key_must_be_the_databases_own(site) {
    some_history(site);
    // Missing: refused, and no new key is made (it would leave the data unreadable).
    let missing = site.path("elsewhere/shegong.key");
    let commands: [&[&str]; 3] = [&["audit", "verify"], &["migrate"], &["org", "operator", "430202OPHT09", "丁社工中心"]];
    for args in commands {
        Out::from(site.cmd(args).env("SHEGONG_DATA_KEY_FILE", &missing).output().unwrap()).fails_with("is missing");
    }
    assert!(!missing.exists());
    // Another deployment's key: the chain does not verify.
    let other = Site::sqlite();
    other.run(&["migrate"]).ok();
    Out::from(site.cmd(&["audit", "verify"]).env("SHEGONG_DATA_KEY_FILE", &other.key).output().unwrap()).fails_with("audit entry 6");
});

both!(fn audit_purge_refuses_under_180_days(site) {
    some_history(site);
    site.run(&["audit", "purge", "--older-than-days", "30"]).fails_with("180");
    site.run(&["audit", "purge", "--older-than-days", "179"]).fails_with("180");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log"), 6, "nothing removed, nothing added");
    let out = site.run(&["audit", "purge", "--older-than-days", "180"]).ok();
    assert!(out.stdout.contains("removed 0 audit entries"), "{out:#?}");
    site.run(&["audit", "verify"]).ok();
});

// ---------------------------------------------------------------------------------------------
// The server, started as an operator would.

/// Numbers the server logs of a test.
static STARTS: AtomicUsize = AtomicUsize::new(0);

struct Server {
    child: Child,
    base: String,
    /// Lines printed before "listening".
    banner: Vec<String>,
    log: PathBuf,
}

impl Server {
    /// `shegong serve [--demo]` on a free port, waiting until it listens.
    fn start(site: &Site, demo: bool) -> Server {
        let log = site.path(&format!(
            "serve-{}.log",
            STARTS.fetch_add(1, Ordering::SeqCst)
        ));
        let mut cmd = site.cmd(if demo {
            &["serve", "--demo"]
        } else {
            &["serve"]
        });
        let child = cmd
            .env("SHEGONG_ADDR", "127.0.0.1:0")
            .env("SHEGONG_DEMO_PASSWORD", DEMO_PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start shegong serve");
        // Owned by a `Server` at once, so a failed start is killed and reaped by its `Drop`.
        let mut server = Server {
            child,
            base: String::new(),
            banner: Vec::new(),
            log,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = server.child.stdout.take().unwrap();
        // Keeps reading (and dropping) what the server prints, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                panic!(
                    "the server did not start: {:?}\n{}",
                    server.banner,
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            };
            if let Some(url) = line.strip_prefix("shegong listening on ") {
                server.base = url.trim().to_string();
                return server;
            }
            server.banner.push(line);
        }
    }

    fn demo_accounts(&self) -> Vec<(String, String)> {
        self.banner
            .iter()
            .filter_map(|l| l.strip_prefix("demo account: "))
            .map(|rest| {
                let (u, p) = rest.split_once(' ').expect("USERNAME PASSWORD");
                (u.to_string(), p.to_string())
            })
            .collect()
    }

    /// Stops it as Ctrl-C would, and waits.
    fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "the server did not stop on SIGINT\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A client logged in through the API: (client, CSRF token).
async fn login(base: &str, username: &str, password: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "login as {username}: {v}");
    assert_eq!(v["next_step"], "done", "{username}: {v}");
    (c, v["csrf_token"].as_str().expect("csrf_token").to_string())
}

const DEMO_USERS: [&str; 9] = [
    "admin",
    "purchaser",
    "operator",
    "head",
    "worker",
    "worker2",
    "supervisor",
    "volunteer",
    "liaison",
];

both!(fn serve_demo_prints_accounts_that_log_in(site) {
    let server = Server::start(site, true);
    let accounts = server.demo_accounts();
    let names: Vec<&str> = accounts.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(names, DEMO_USERS, "{:?}", server.banner);
    runtime().block_on(async {
        let c = reqwest::Client::new();
        assert_eq!(c.get(format!("{}/healthz", server.base)).send().await.unwrap().status(), 200);
        assert_eq!(c.get(format!("{}/readyz", server.base)).send().await.unwrap().status(), 200);
        for (username, password) in &accounts {
            assert_eq!(password, DEMO_PASSWORD, "SHEGONG_DEMO_PASSWORD is every demo account's password");
            let (c, _) = login(&server.base, username, password).await;
            let r = c.get(format!("{}/api/v1/home", server.base)).send().await.unwrap();
            assert_eq!(r.status(), 200, "home of {username}");
            let me: Value = c.get(format!("{}/api/v1/auth/me", server.base)).send().await.unwrap().json().await.unwrap();
            assert_eq!(me["username"], username.as_str());
        }
        let (c, _) = login(&server.base, "worker", DEMO_PASSWORD).await;
        let page = c.get(&server.base).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("月塘街道"), "the worker's home page names the station");
        // The demo fills the archive: the worker's station has people to find.
        let people: Value = c.get(format!("{}/api/v1/persons", server.base)).send().await.unwrap().json().await.unwrap();
        assert!(people["total"].as_i64().unwrap() > 20, "{people}");
        // And the case work (issue 4): the worker's own cases, the long case found by its title.
        let mine: Value = c.get(format!("{}/api/v1/cases?mine=1", server.base)).send().await.unwrap().json().await.unwrap();
        assert!(mine["total"].as_i64().unwrap() >= 20, "{mine}");
        let long: Value = c.get(format!("{}/api/v1/cases?q=演示长个案", server.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(long["total"], 1, "{long}");
        let case: Value = c.get(format!("{}/api/v1/cases/{}", server.base, long["items"][0]["id"])).send().await.unwrap().json().await.unwrap();
        assert_eq!(case["records"].as_array().unwrap().iter().filter(|r| r["kind"] == "service").count(), 50);
        let (h, _) = login(&server.base, "head", DEMO_PASSWORD).await;
        let work: Value = h.get(format!("{}/api/v1/work", server.base)).send().await.unwrap().json().await.unwrap();
        assert!(work["approvals"].as_array().unwrap().len() >= 2, "{work}");
        let work: Value = c.get(format!("{}/api/v1/work", server.base)).send().await.unwrap().json().await.unwrap();
        assert!(!work["returned"].as_array().unwrap().is_empty(), "{work}");
        assert!(!work["follow_ups"].as_array().unwrap().is_empty(), "{work}");
    });
    server.stop();

    // A second start on the same database keeps what is there.
    let users = site.count("SELECT COUNT(*) AS n FROM users");
    let server = Server::start(site, true);
    assert!(server.demo_accounts().is_empty(), "{:?}", server.banner);
    assert!(server.banner.iter().any(|l| l.contains("nothing loaded")), "{:?}", server.banner);
    server.stop();
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM users"), users);
    site.run(&["audit", "verify"]).ok();
});

// ---------------------------------------------------------------------------------------------
// synthetic data

both!(fn demo_scale_fills_counties_with_valid_people(site) {
    let out = site.run(&["demo", "--scale", "2", "--per-county", "300"]).ok();
    assert!(out.stdout.contains("430202:"), "{out:#?}");
    // 荷塘区 first, then the first county in code order (长沙市芙蓉区).
    assert!(site.count("SELECT COUNT(*) AS n FROM persons WHERE org_code LIKE '430202%'") >= 300);
    assert!(site.count("SELECT COUNT(*) AS n FROM persons WHERE org_code LIKE '430102%'") >= 300);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons WHERE id_number_index IS NOT NULL AND id_number_masked NOT LIKE '4302%' AND id_number_masked NOT LIKE '4301%'"), 0, "area codes fit the county");
    assert!(site.count("SELECT COUNT(*) AS n FROM households") > 100);
    // The archives of 8.1.1.1, 8.1.1.2, 8.2.1.1, 8.3.1 and 9.3.1.1 are filled too.
    assert!(site.count("SELECT COUNT(*) AS n FROM household_investigations") > 20);
    let today = shegong_domain::dates::iso(shegong_domain::dates::today());
    assert!(site.count(&format!("SELECT COUNT(*) AS n FROM assistance_reviews WHERE next_due < '{today}'")) > 0, "some reviews overdue");
    assert!(site.count(&format!("SELECT COUNT(*) AS n FROM assistance_reviews WHERE next_due >= '{today}'")) > 0);
    assert!(site.count("SELECT COUNT(*) AS n FROM care_elderly") > 50);
    assert!(site.count("SELECT COUNT(*) AS n FROM care_visits") > 50);
    assert!(site.count("SELECT COUNT(*) AS n FROM care_carers") > 20);
    assert!(site.count(&format!("SELECT COUNT(*) AS n FROM care_elderly WHERE next_visit_due < '{today}'")) > 0, "some visits overdue");
    assert!(site.count("SELECT COUNT(*) AS n FROM care_guardianship") > 20);
    assert!(site.count("SELECT COUNT(*) AS n FROM care_guardians") > 40);
    assert!(site.count("SELECT COUNT(*) AS n FROM care_alerts WHERE kind = 'unattended_under_8'") > 0);
    assert_eq!(
        site.count("SELECT COUNT(*) AS n FROM community_profiles"),
        site.count("SELECT COUNT(*) AS n FROM org_units WHERE level = 'village' AND (code LIKE '430202%' OR code LIKE '430102%')"),
        "one profile per village"
    );
    assert!(site.count("SELECT COUNT(*) AS n FROM person_search_tokens") > 3000);
    // Cases at every station (issue 4): every stage, approvals waiting and returned, service
    // records, follow-ups (some overdue), household cases, and one case of 50 service records.
    assert_eq!(
        site.count("SELECT COUNT(DISTINCT org_code) AS n FROM cases"),
        site.count("SELECT COUNT(DISTINCT substr(org_code, 1, 9)) AS n FROM persons"),
        "cases at every station with people"
    );
    for stage in ["intake", "assessment", "planning", "intervention", "evaluation", "closed", "referred", "terminated"] {
        assert!(site.count(&format!("SELECT COUNT(*) AS n FROM cases WHERE stage = '{stage}'")) > 0, "{stage}");
    }
    for review in ["submitted", "returned"] {
        assert!(site.count(&format!("SELECT COUNT(*) AS n FROM cases WHERE review = '{review}' AND stage = 'planning'")) > 0, "{review}");
    }
    assert!(site.count("SELECT COUNT(*) AS n FROM cases WHERE household_id IS NOT NULL") > 0);
    assert!(site.count("SELECT COUNT(*) AS n FROM case_records WHERE kind = 'service' AND body LIKE '%8.2.1%'") > 50);
    assert!(site.count(&format!("SELECT COUNT(*) AS n FROM case_follow_ups WHERE contacted_on IS NULL AND due_on < '{today}'")) > 0, "follow-ups overdue");
    assert!(site.count("SELECT COUNT(*) AS n FROM case_follow_ups WHERE contacted_on IS NOT NULL") > 0);
    assert_eq!(
        site.count("SELECT COUNT(*) AS n FROM case_records r JOIN cases c ON c.id = r.case_id WHERE c.title = '演示长个案' AND r.kind = 'service'"),
        50
    );
    assert!(out.stdout.contains("has 50 service records"), "{out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons WHERE birth_date > '2012-01-01' AND sensitivity = 'ordinary'"), 0, "children are sensitive");
    site.run(&["audit", "verify"]).ok();
    site.run(&["demo", "--scale", "0"]).ok();
});

// ---------------------------------------------------------------------------------------------
// backup and restore while the server is writing

both!(fn backup_while_serving_writes_and_restore_loses_nothing(site) {
    let server = Server::start(site, true);
    let base = server.base.clone();
    let rt = runtime();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // Each token creation writes an api_tokens row and a token.create audit entry in one
    // transaction; `acked` counts the ones the server confirmed.
    let writer = {
        let (acked, stop) = (acked.clone(), stop.clone());
        rt.spawn(async move {
            let (c, csrf) = login(&base, "worker", DEMO_PASSWORD).await;
            let started = Instant::now();
            for i in 0..20_000 {
                if stop.load(Ordering::SeqCst) || started.elapsed() > Duration::from_secs(180) {
                    break;
                }
                let r = c
                    .post(format!("{base}/api/v1/auth/tokens"))
                    .header("X-CSRF-Token", &csrf)
                    .json(&json!({"name": format!("备份测试 {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "token {i}: {}", r.text().await.unwrap_or_default());
                acked.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "writes stalled at {}", acked.load(Ordering::SeqCst));
            assert!(!writer.is_finished(), "the writer stopped early");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(20);
    let file = site.path("backup.db");
    let before = acked.load(Ordering::SeqCst);
    let t = Instant::now();
    let out = site.run(&["backup", file.to_str().unwrap()]);
    let took = t.elapsed();
    let after = acked.load(Ordering::SeqCst);
    let out = out.ok();
    assert!(out.stdout.contains("backup written to"), "{out:#?}");
    wait_for(after + 20);
    stop.store(true, Ordering::SeqCst);
    rt.block_on(writer).expect("writer");
    let total = acked.load(Ordering::SeqCst);
    println!("backup took {:.3} s while {} tokens were confirmed during it ({before} before, {total} in all)", took.as_secs_f64(), after - before);

    // A second backup to the same file is refused and leaves the first alone.
    let size = std::fs::metadata(&file).unwrap().len();
    site.run(&["backup", file.to_str().unwrap()]).fails_with("already exists");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);
    server.stop();

    // Restore into a fresh place (a folder that does not exist yet, for SQLite), with the same key.
    let fresh = if site.is_postgres() {
        Site::postgres().expect("a second PostgreSQL database")
    } else {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("restored/here/x.db").display());
        Site { key: dir.path().join("unused.key"), dir, url, pg: None }
    };
    let restored = Site { key: site.key.clone(), ..fresh };
    let out = restored.run(&["restore", file.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("restored from"), "{out:#?}");
    let out = restored.run(&["audit", "verify"]).ok();
    assert!(out.stdout.contains("audit chain intact"), "{out:#?}");
    restored.run(&["migrate"]).ok();

    // Transaction-consistent: every token has its audit entry and no entry lacks its token.
    let tokens = restored.count("SELECT COUNT(*) AS n FROM api_tokens") as usize;
    let entries = restored.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'token.create'") as usize;
    assert_eq!(tokens, entries, "tokens and their audit entries in the copy");
    // It holds everything confirmed before the backup began, and nothing from after it ended
    // (one request may have been committed but not yet answered).
    assert!(tokens >= before && tokens <= after + 1, "copy has {tokens}; confirmed {before} before and {after} after the backup");
    assert!(tokens < total, "the server went on writing after the snapshot");

    // Nothing lost: the copy's audit log and tokens are exactly the first ones of the original,
    // and the rest of the data is the same.
    let (orig, copy) = (site.db(), restored.db());
    let orig_log = rows(&orig, "SELECT seq AS id, hash AS v FROM audit_log ORDER BY seq");
    let copy_log = rows(&copy, "SELECT seq AS id, hash AS v FROM audit_log ORDER BY seq");
    assert!(copy_log.len() > tokens && copy_log.len() < orig_log.len());
    assert_eq!(copy_log[..], orig_log[..copy_log.len()], "the copy's audit log is the original's up to the snapshot");
    let orig_tokens = rows(&orig, "SELECT id, token_hash AS v FROM api_tokens ORDER BY id");
    let copy_tokens = rows(&copy, "SELECT id, token_hash AS v FROM api_tokens ORDER BY id");
    assert_eq!(copy_tokens[..], orig_tokens[..copy_tokens.len()]);
    for sql in [
        "SELECT id, username || ' ' || role || ' ' || org_code || ' ' || password_hash AS v FROM users ORDER BY id",
        "SELECT CAST(LENGTH(code) AS BIGINT) AS id, code || ' ' || name || ' ' || level AS v FROM org_units ORDER BY code",
        "SELECT CAST(0 AS BIGINT) AS id, station_code || ' ' || operator_code AS v FROM operator_stations ORDER BY station_code",
    ] {
        let (o, c) = (rows(&orig, sql), rows(&copy, sql));
        assert!(!o.is_empty(), "{sql}");
        assert_eq!(o, c, "{sql}");
    }

    // A file that is not a backup is refused and the database left as it was.
    let junk = restored.path("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let out = restored.run(&["restore", junk.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:#?}");
    restored.run(&["restore", restored.path("missing.db").to_str().unwrap()]).fails_with("is not a file");
    restored.run(&["audit", "verify"]).ok();
    assert_eq!(restored.count("SELECT COUNT(*) AS n FROM api_tokens") as usize, tokens);
});

#[test]
fn backup_of_a_missing_sqlite_database_fails_and_creates_nothing() {
    let site = Site::sqlite();
    let file = site.path("b.db");
    site.run(&["backup", file.to_str().unwrap()])
        .fails_with("no database");
    assert!(!site.path("x.db").exists(), "no empty database left behind");
    assert!(!file.exists());
}

// ---------------------------------------------------------------------------------------------
// shegong import (Excel rosters, issue 3 point 10)

fn examples(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// 荷塘区 with its real townships and villages (the sample rosters name them).
fn import_hetang(site: &Site) {
    let d = site.path("hetang");
    std::fs::create_dir_all(&d).unwrap();
    for f in [
        "provinces.csv",
        "cities.csv",
        "areas.csv",
        "streets.csv",
        "villages.csv",
    ] {
        let text = std::fs::read_to_string(hunan().join(f)).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| {
            let code = l.split(',').next().unwrap_or_default();
            code == "43" || code == "4302" || code.starts_with("430202")
        }) {
            out.push_str(l);
            out.push('\n');
        }
        std::fs::write(d.join(f), out).unwrap();
    }
    site.run(&["org", "import", d.to_str().unwrap()]).ok();
}

both!(fn import_checks_commits_and_reimports_the_samples(site) {
    import_hetang(site);
    let xlsx = examples("roster-yuetang.xlsx");
    let out = site.run(&["import", &xlsx, "--org", "430202001", "--dry-run"]).ok();
    assert!(out.stdout.contains("表头在第 3 行") && out.stdout.contains("将新建 8"), "{out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons"), 0, "--dry-run writes nothing");
    let out = site.run(&["import", &xlsx, "--org", "430202001"]).ok();
    assert!(out.stdout.contains("新建 8,更新 0,无变化 0"), "{out:#?}");
    let out = site.run(&["import", &xlsx, "--org", "430202001"]).ok();
    assert!(out.stdout.contains("新建 0,更新 0,无变化 8"), "re-import: {out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons"), 8);
    let out = site.run(&["import", &examples("roster-chiguotang.xls"), "--org", "430202002"]).ok();
    assert!(out.stdout.contains("新建 4"), "{out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'import.commit'"), 3);
    site.run(&["audit", "verify"]).ok();
});

both!(fn import_puts_the_household_sample_into_households_once(site) {
    import_hetang(site);
    let xlsx = examples("roster-households.xlsx");
    let out = site.run(&["import", &xlsx, "--org", "430202001", "--dry-run"]).ok();
    assert!(out.stdout.contains("将新建家庭 4,将加入家庭 8"), "{out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM households"), 0, "--dry-run writes nothing");
    let out = site.run(&["import", &xlsx, "--org", "430202001"]).ok();
    assert!(out.stdout.contains("新建 8,更新 0,无变化 0,新建家庭 4,加入家庭 8"), "{out:#?}");
    let out = site.run(&["import", &xlsx, "--org", "430202001"]).ok();
    assert!(out.stdout.contains("无变化 8,新建家庭 0,加入家庭 0"), "re-import: {out:#?}");
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM households"), 4);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM household_members"), 8);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM households WHERE head_person_id IS NULL"), 0);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons WHERE household_id IS NULL"), 0);
    site.run(&["audit", "verify"]).ok();
});

both!(fn import_lists_every_bad_row_and_writes_nothing(site) {
    import_hetang(site);
    let out = site.run(&["import", &examples("roster-bad-rows.xlsx"), "--org", "430202001"]).fails_with("10 行有错误");
    for (row, what) in [(3, "15 位"), (5, "1990/2/30"), (6, "火星村"), (12, "#N/A"), (13, "第 9 行")] {
        assert!(out.stdout.lines().any(|l| l.starts_with(&format!("第 {row} 行")) && l.contains(what)), "row {row}: {out:#?}");
    }
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM persons"), 0);
    assert_eq!(site.count("SELECT COUNT(*) AS n FROM imports"), 0, "nothing stored");
    let junk = site.path("junk.xlsx");
    std::fs::write(&junk, "not a spreadsheet").unwrap();
    site.run(&["import", junk.to_str().unwrap(), "--org", "430202001"]).fails_with("不是有效的 Excel 文件");
    site.run(&["import", &examples("roster-yuetang.xlsx"), "--org", "430202"]).fails_with("社工站");
    site.run(&["import", &examples("roster-yuetang.xlsx"), "--org", "430202009"]).fails_with("没有这个社工站");
});
