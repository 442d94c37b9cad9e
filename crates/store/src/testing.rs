//! Fresh databases for tests (feature `test-support`): a temporary SQLite file, or — when
//! `SHEGONG_TEST_PG_URL` is set — a new PostgreSQL database cloned from a migrated template, so
//! every test starts from an empty, migrated schema on either backend and tests run in parallel.

use crate::db::{Db, DbUrl, PoolSizes};
use crate::keys::Keys;
use diesel::prelude::*;
use diesel::{PgConnection, RunQueryDsl, sql_query};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

pub const PG_URL_VAR: &str = "SHEGONG_TEST_PG_URL";

pub struct TestDb {
    pub db: Db,
    pub keys: Arc<Keys>,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::open(&DbUrl::parse(&url).expect("url"), PoolSizes { readers: 2 })
            .expect("open sqlite");
        db.migrate().expect("migrate sqlite");
        TestDb {
            db,
            keys: Arc::new(test_keys()),
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// `None` when no PostgreSQL URL is configured.
    pub fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var(PG_URL_VAR).ok().filter(|u| !u.is_empty())?;
        let template = template(&admin_url);
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "shegong_t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin =
            PgConnection::establish(&admin_url).expect("connect to SHEGONG_TEST_PG_URL");
        // CREATE DATABASE fails if another session is copying the same template at that instant.
        let mut tries = 0;
        loop {
            match sql_query(format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .execute(&mut admin)
            {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    tracing::debug!(error = %e, "retrying CREATE DATABASE");
                    std::thread::sleep(std::time::Duration::from_millis(50 + tries * 10));
                }
                Err(e) => panic!("cannot create test database: {e}"),
            }
        }
        let url = with_database(&admin_url, &name);
        let db = Db::open(&DbUrl::parse(&url).expect("url"), PoolSizes { readers: 3 })
            .expect("open postgres");
        Some(TestDb {
            db,
            keys: Arc::new(test_keys()),
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Runs raw SQL on the database, bypassing the application (for tests that tamper or age data).
    pub fn exec(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        self.db
            .with_writer(|c| Ok(c.batch_execute(sql)?))
            .expect("test SQL");
    }

    pub fn backend_name(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Sqlite(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// A fixed key, so a test can open what another part of the same test encrypted.
pub fn test_keys() -> Keys {
    Keys::from_master(&[42; 32])
}

fn with_database(admin_url: &str, name: &str) -> String {
    let mut u = url::Url::parse(admin_url).expect("SHEGONG_TEST_PG_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// The migrated template for this version of the migrations, built once per machine (renamed into
/// place only when complete, so a crashed build is never used).
fn template(admin_url: &str) -> String {
    static DONE: Mutex<Option<String>> = Mutex::new(None);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = done.as_ref() {
        return t.clone();
    }
    let name = format!("shegong_tpl_{}", env!("SHEGONG_PG_MIGRATIONS_FINGERPRINT"));
    let mut admin = PgConnection::establish(admin_url).expect("connect to SHEGONG_TEST_PG_URL");
    sql_query("SELECT pg_advisory_lock(827364)")
        .execute(&mut admin)
        .expect("advisory lock");
    let existing: Vec<Name> =
        sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'shegong\\_tpl\\_%'")
            .load(&mut admin)
            .expect("list templates");
    if !existing.iter().any(|n| n.datname == name) {
        // Other versions' templates may be in use by another checkout's tests at this moment
        // (worktrees side by side): they are left alone unless they pile up.
        let stale = existing
            .iter()
            .filter(|n| !n.datname.ends_with("_building"));
        for old in stale.filter(|_| existing.len() > 8) {
            let _ = sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                old.datname
            ))
            .execute(&mut admin);
        }
        let building = format!("{name}_building");
        let _ = sql_query(format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .execute(&mut admin);
        sql_query(format!("CREATE DATABASE \"{building}\""))
            .execute(&mut admin)
            .expect("create template");
        {
            let db = Db::open(
                &DbUrl::parse(&with_database(admin_url, &building)).expect("url"),
                PoolSizes { readers: 1 },
            )
            .expect("open template");
            db.migrate().expect("migrate template");
        }
        sql_query(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        ))
        .execute(&mut admin)
        .expect("rename template");
    }
    sql_query("SELECT pg_advisory_unlock(827364)")
        .execute(&mut admin)
        .expect("advisory unlock");
    *done = Some(name.clone());
    name
}

/// Declares a test that runs once on SQLite and once on PostgreSQL (the PostgreSQL half passes
/// with a note when `SHEGONG_TEST_PG_URL` is not set; CI always sets it).
#[macro_export]
macro_rules! db_test {
    (fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($db: &$crate::testing::TestDb) $body
            #[test]
            fn sqlite() {
                run(&$crate::testing::TestDb::sqlite());
            }
            #[test]
            fn postgres() {
                match $crate::testing::TestDb::postgres() {
                    Some(db) => run(&db),
                    None => eprintln!("{} not set: PostgreSQL half skipped", $crate::testing::PG_URL_VAR),
                }
            }
        }
    };
}
