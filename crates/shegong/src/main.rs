//! `shegong`: one binary for the server and its administration (design.md decision 1).

mod admin;
mod cli;
mod config;
mod demo;
mod demo_quality;
mod import;
mod serve;
mod synth;
mod synth_cases;

use clap::Parser;
use cli::{AuditCommand, Cli, Command, OrgCommand, UserCommand};
use shegong_store::passwords::Hashing;
use std::io::Write;

fn main() {
    keep_large_allocations_out_of_the_heap();
    let cli = Cli::parse();
    // The server logs its work; a one-shot command keeps stderr for warnings and its one-line
    // reason of failure (interface.md: exit 1 with a one-line reason on stderr). The pool logs
    // every failed connection attempt; the final error already carries the reason.
    let default_log = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn,r2d2=off"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHEGONG_LOG")
                .unwrap_or_else(|_| default_log.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            // One line: causes joined, and the line breaks and tabs of libpq's messages folded.
            let msg = format!("{e:#}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("error: {msg}");
            1
        }
    };
    exit_now(code)
}

/// Each argon2 password hash takes a 19 MiB buffer. glibc serves such blocks with mmap, but after
/// the first is freed it raises its mmap threshold past 19 MiB, so later buffers come from the heap
/// and stay resident after logins: idle RSS grew from 17 MB to over 100 MB. A fixed threshold keeps
/// every large block in its own mapping, returned to the system when freed.
fn keep_large_allocations_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn exit_now(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = config::Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { demo } => serve::run(&cfg, demo),
        Command::Migrate => {
            serve::open(&cfg)?;
            println!("database is up to date");
            Ok(())
        }
        Command::Org { command } => {
            let (db, keys) = serve::open(&cfg)?;
            match command {
                OrgCommand::Import { dir } => admin::org_import(&db, &keys, &dir),
                OrgCommand::Operator { code, name } => admin::operator(&db, &keys, &code, &name),
                OrgCommand::Link { operator, station } => {
                    admin::link(&db, &keys, &operator, &station)
                }
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    org,
                    display_name,
                    password_stdin,
                    must_change,
                },
        } => {
            let (db, keys) = serve::open(&cfg)?;
            admin::user_add(
                &db,
                &keys,
                &Hashing::standard(),
                admin::AddUser {
                    username: &username,
                    role: &role,
                    org: &org,
                    display_name: display_name.as_deref(),
                    password_stdin,
                    must_change,
                    min_password_len: cfg.security.password_min_length,
                },
            )
        }
        Command::Audit { command } => {
            let (db, keys) = serve::open(&cfg)?;
            match command {
                AuditCommand::Verify => admin::audit_verify(&db, &keys),
                AuditCommand::Purge { older_than_days } => {
                    admin::audit_purge(&db, &keys, older_than_days)
                }
            }
        }
        Command::Backup { file } => {
            let url = cfg.db_url()?;
            shegong_store::backup::backup(&url, &file).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Demo {
            scale,
            per_county,
            seed,
        } => {
            let (db, keys) = serve::open(&cfg)?;
            let started = std::time::Instant::now();
            let n = demo::generate(&db, &keys, scale, per_county, seed)?;
            db.refresh_statistics()?;
            println!(
                "generated {n} people in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import { file, org, dry_run } => {
            let (db, keys) = serve::open(&cfg)?;
            import::run(&db, &keys, &file, &org, dry_run)
        }
        Command::Restore { file } => {
            let url = cfg.db_url()?;
            shegong_store::backup::restore(&url, &file).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "restored from {}; the audit chain can be checked with `shegong audit verify`",
                file.display()
            );
            Ok(())
        }
    }
}
