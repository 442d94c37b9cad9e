//! Connections: one code path over SQLite (embedded default) and PostgreSQL (design.md decision 2).
//!
//! SQLite is opened the way design.md decision 3 asks: `busy_timeout` before WAL,
//! `synchronous=NORMAL`, foreign keys on, one writer connection plus a pool of read-only readers,
//! and every write transaction begun with `BEGIN IMMEDIATE`, so a read-then-write never fails with
//! "database is locked" halfway. PostgreSQL uses one pool for both.

use crate::error::{StoreError, StoreResult};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either database; queries written once against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, decided from the URL scheme (never by trial: diesel's `establish` on the
/// enum silently opens a temporary SQLite database for an empty URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::Config(
                    "the SQLite URL names no file (sqlite://PATH)".into(),
                ));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        Err(StoreError::Config(
            "the database URL must start with sqlite:// or postgres://".into(),
        ))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Builds connections for r2d2 with the per-connection settings of each backend.
#[derive(Debug, Clone)]
struct Manager {
    url: DbUrl,
    read_only: bool,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConn, StoreError> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or_else(|| StoreError::Config("the SQLite path is not UTF-8".into()))?;
                let mut c = SqliteConnection::establish(path)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                // busy_timeout first: switching to WAL itself may wait for another process.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -16000;
                     PRAGMA temp_store = MEMORY;",
                )?;
                if self.read_only {
                    c.batch_execute("PRAGMA query_only = ON;")?;
                }
                Ok(DbConn::Sqlite(c))
            }
            DbUrl::Postgres(url) => {
                let mut c =
                    PgConnection::establish(url).map_err(|e| StoreError::Connect(e.to_string()))?;
                c.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConn::Pg(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Pool sizes; the server sizes its blocking thread pool to match.
#[derive(Debug, Clone, Copy)]
pub struct PoolSizes {
    /// SQLite read-only connections, or the PostgreSQL pool size.
    pub readers: u32,
}

impl Default for PoolSizes {
    fn default() -> Self {
        PoolSizes { readers: 4 }
    }
}

type Pool = r2d2::Pool<Manager>;

/// The database of one deployment.
#[derive(Clone)]
pub struct Db {
    url: DbUrl,
    writer: Pool,
    readers: Pool,
}

impl Db {
    /// Opens the pools (creating the SQLite file and its folder if needed). Does not migrate.
    pub fn open(url: &DbUrl, sizes: PoolSizes) -> StoreResult<Db> {
        if let DbUrl::Sqlite(path) = url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // One direct connection first: a wrong URL or a database that is down fails here at once
        // with its own reason, instead of after the pool's 30-second wait.
        r2d2::ManageConnection::connect(&Manager {
            url: url.clone(),
            read_only: false,
        })?;
        // No idle minimum: r2d2 opens idle connections on background threads, and one still
        // opening when a one-shot command exits raced libpq's OpenSSL clean-up (SIGSEGV). Opened
        // on demand, every connection is finished before the caller goes on.
        let build = |read_only: bool, size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(Duration::from_secs(30))
                .test_on_check_out(false)
                .build(Manager {
                    url: url.clone(),
                    read_only,
                })
                .map_err(|e| StoreError::Connect(e.to_string()))
        };
        match url {
            DbUrl::Sqlite(_) => {
                // The writer first: it switches the file to WAL before readers open it.
                let writer = build(false, 1)?;
                let readers = build(true, sizes.readers.max(1))?;
                Ok(Db {
                    url: url.clone(),
                    writer,
                    readers,
                })
            }
            DbUrl::Postgres(_) => {
                let pool = build(false, sizes.readers.max(2))?;
                Ok(Db {
                    url: url.clone(),
                    writer: pool.clone(),
                    readers: pool,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// Applies pending migrations; returns the names applied.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.writer.get()?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        }
        .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(applied.iter().map(|m| m.to_string()).collect())
    }

    /// Runs read-only work on a reader connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.readers.get()?;
        f(&mut conn)
    }

    /// Runs work in one write transaction: all of it is committed, or none (`BEGIN IMMEDIATE` on
    /// SQLite, so the write lock is taken before the first read).
    pub fn write<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.get()?;
        let conn = &mut *conn;
        match conn {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            }
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match f(conn) {
            Ok(v) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                Ok(v)
            }
            Err(e) => {
                if let Err(rb) =
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
                {
                    tracing::error!(error = %rb, "rollback failed");
                }
                Err(e)
            }
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub fn ping(&self) -> bool {
        self.readers
            .get()
            .map(|mut c| c.batch_execute("SELECT 1").is_ok())
            .unwrap_or(false)
    }

    /// Connections in use and idle, for `/metrics`.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.readers.state();
        (s.connections - s.idle_connections, s.idle_connections)
    }

    /// Refreshes the planner's statistics of the person tables after a bulk write (an import, the
    /// demo): PostgreSQL otherwise plans the next searches for the tables as they were before and
    /// can pick a nested loop over tens of thousands of rows (seconds instead of milliseconds)
    /// until autovacuum catches up. SQLite plans without statistics unless asked; nothing to do.
    pub fn refresh_statistics(&self) -> StoreResult<()> {
        let mut conn = self.writer.get()?;
        if let DbConn::Pg(c) = &mut *conn {
            c.batch_execute(
                "ANALYZE persons, person_search_tokens, person_categories, households, household_members",
            )?;
        }
        Ok(())
    }

    /// Runs raw statements on the writer outside the usual transaction (maintenance: backup, checkpoints).
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.get()?;
        f(&mut conn)
    }
}
