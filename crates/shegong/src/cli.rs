//! The command line of interface.md.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "shegong",
    version,
    about = "乡镇(街道)社工站信息系统 — social work station information system (DB43/T 2783—2023)"
)]
pub struct Cli {
    /// TOML configuration file (environment variables override it).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Load the 荷塘区 demo deployment first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Org tree: import divisions, add operators, link stations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Consistent online backup to FILE (SQLite: a database file; PostgreSQL: pg_dump custom format).
    Backup { file: PathBuf },
    /// Replace the database with a backup (stop the server first).
    Restore { file: PathBuf },
    /// Import a person roster (.xlsx or .xls) into a station: prints every bad row (row, column,
    /// reason) and exits 1 without writing anything if there is one; re-importing creates no
    /// duplicates.
    Import {
        file: PathBuf,
        /// The station (乡镇/街道社工站) code, e.g. 430202001.
        #[arg(long)]
        org: String,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Generate synthetic people in N counties of Hunan (about 20,000 each) for trials and benchmarks.
    Demo {
        #[arg(long, default_value_t = 1)]
        scale: usize,
        /// People per county.
        #[arg(long, default_value_t = 20_000)]
        per_county: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Import an org tree from CSV files laid out like divisions/hunan (idempotent).
    Import { dir: PathBuf },
    /// Create or rename an operator organisation (承接方); CODE is the registering division's code, OP, and letters or digits (e.g. 430202OP01).
    Operator { code: String, name: String },
    /// Record that OPERATOR runs STATION.
    Link { operator: String, station: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; prints a one-time initial password unless --password-stdin is given.
    Add {
        #[arg(long)]
        username: String,
        /// social_worker, station_head, supervisor, operator_admin, purchaser, township_liaison, system_admin, volunteer
        #[arg(long)]
        role: String,
        /// The org code the role is held at.
        #[arg(long)]
        org: String,
        /// Name shown in the UI (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Ask for a new password at first login even when one was given.
        #[arg(long)]
        must_change: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 naming the first bad entry.
    Verify,
    /// Delete entries older than DAYS (at least 180), keeping the chain verifiable.
    Purge {
        #[arg(long)]
        older_than_days: i64,
    },
}
