//! Consistent online backup and restore (issue 2 point 10).
//!
//! SQLite: `VACUUM INTO` on a connection of its own takes one read snapshot, so the copy is
//! consistent while the server goes on writing (WAL). PostgreSQL: `pg_dump` in its custom format,
//! which also reads one snapshot; `pg_restore` brings it back. The data key is not in the backup:
//! keep it apart (a stolen backup then reveals no ID or phone number).

use crate::db::DbUrl;
use crate::error::{StoreError, StoreResult};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::path::Path;
use std::process::Command;

pub fn backup(url: &DbUrl, file: &Path) -> StoreResult<()> {
    if file.exists() {
        return Err(StoreError::Other(format!(
            "{} already exists; choose a new file name",
            file.display()
        )));
    }
    let result = match url {
        DbUrl::Sqlite(path) => {
            // Opening a missing file would create an empty database there and back that up.
            if !path.is_file() {
                return Err(StoreError::Other(format!(
                    "there is no database at {}",
                    path.display()
                )));
            }
            let src = path
                .to_str()
                .ok_or_else(|| StoreError::Config("the SQLite path is not UTF-8".into()))?;
            let dest = file
                .to_str()
                .ok_or_else(|| StoreError::Config("the backup path is not UTF-8".into()))?;
            SqliteConnection::establish(src)
                .map_err(|e| StoreError::Connect(e.to_string()))
                .and_then(|mut c| {
                    c.batch_execute("PRAGMA busy_timeout = 10000;")?;
                    c.batch_execute(&format!("VACUUM INTO '{}'", dest.replace('\'', "''")))?;
                    Ok(())
                })
        }
        DbUrl::Postgres(pg) => run(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(file)
                .arg(pg),
            "pg_dump",
        ),
    };
    if result.is_err() {
        // Whatever a failed run left is not a backup (the file did not exist before).
        let _ = std::fs::remove_file(file);
    }
    result
}

/// Replaces the database with a backup. Stop the server first.
pub fn restore(url: &DbUrl, file: &Path) -> StoreResult<()> {
    if !file.is_file() {
        return Err(StoreError::Other(format!(
            "{} is not a file",
            file.display()
        )));
    }
    match url {
        DbUrl::Sqlite(path) => {
            check_sqlite_backup(file)?;
            // Restoring to a new place is the usual case: a new machine, a fresh folder.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Other(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let mut tmp = path.clone().into_os_string();
            tmp.push(".restoring");
            let tmp = std::path::PathBuf::from(tmp);
            std::fs::copy(file, &tmp)
                .map_err(|e| StoreError::Other(format!("cannot copy the backup: {e}")))?;
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| StoreError::Other(e.to_string()))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                let side = std::path::PathBuf::from(side);
                if side.exists() {
                    std::fs::remove_file(&side).map_err(|e| {
                        StoreError::Other(format!("cannot remove {}: {e}", side.display()))
                    })?;
                }
            }
            std::fs::rename(&tmp, path)
                .map_err(|e| StoreError::Other(format!("cannot put the backup in place: {e}")))?;
            Ok(())
        }
        DbUrl::Postgres(pg) => run(
            Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(pg)
                .arg(file),
            "pg_restore",
        ),
    }
}

/// A backup must be an intact SQLite database made by shegong.
fn check_sqlite_backup(file: &Path) -> StoreResult<()> {
    let f = file
        .to_str()
        .ok_or_else(|| StoreError::Config("the backup path is not UTF-8".into()))?;
    let mut c = SqliteConnection::establish(&format!("file:{f}?mode=ro"))
        .map_err(|_| StoreError::Other(format!("{} is not a SQLite database", file.display())))?;
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let rows: Vec<Check> =
        diesel::RunQueryDsl::load(diesel::sql_query("PRAGMA integrity_check"), &mut c).map_err(
            |_| StoreError::Other(format!("{} is not a SQLite database", file.display())),
        )?;
    if rows.first().map(|r| r.integrity_check.as_str()) != Some("ok") {
        return Err(StoreError::Other(format!(
            "{} is damaged (integrity check failed)",
            file.display()
        )));
    }
    c.batch_execute(
        "SELECT 1 FROM __diesel_schema_migrations LIMIT 1; SELECT 1 FROM audit_log LIMIT 1;",
    )
    .map_err(|_| StoreError::Other(format!("{} is not a shegong database", file.display())))?;
    Ok(())
}

fn run(cmd: &mut Command, what: &str) -> StoreResult<()> {
    let out = cmd.output().map_err(|e| {
        StoreError::Other(format!(
            "cannot run {what} (install the PostgreSQL client tools): {e}"
        ))
    })?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(StoreError::Other(format!(
            "{what} failed: {}",
            err.lines().next().unwrap_or("unknown error")
        )))
    }
}
