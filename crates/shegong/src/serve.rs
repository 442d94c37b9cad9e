//! `shegong serve`: open and migrate the database, optionally load the demo, and serve HTTP.

use crate::config::Config;
use anyhow::{Context, Result};
use shegong_store::keys::Keys;
use shegong_store::passwords::Hashing;
use shegong_store::{Db, PoolSizes, audit, sessions};
use shegong_web::AppState;
use std::net::SocketAddr;
use std::sync::Arc;

/// Opens the database and the key, and applies migrations.
pub fn open(cfg: &Config) -> Result<(Db, Arc<Keys>)> {
    let url = cfg.db_url()?;
    let db = Db::open(
        &url,
        PoolSizes {
            readers: cfg.db_connections,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    db.migrate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let keys = Arc::new(open_key(cfg, &db)?);
    db.write(|c| audit::ensure_head(c, &keys))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((db, keys))
}

/// Loads the data key, creating it only for a database that has never had one. A database that
/// was used before (it has an audit chain) with its key file missing — a wrong path, another
/// working directory, a backup restored on a new machine — is refused: a fresh key would leave its
/// ID and phone numbers unreadable and its audit chain unverifiable.
fn open_key(cfg: &Config, db: &Db) -> Result<Keys> {
    let path = cfg.key_file()?;
    if path.exists() {
        return Keys::load_or_create(&path).map_err(|e| anyhow::anyhow!("{e}"));
    }
    // A database never opened with a key has neither an audit head nor entries, so it verifies
    // as empty under any key.
    let probe = Keys::from_master(&rand::random());
    let found = db
        .read(|c| audit::verify(c, &probe))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if found != (audit::Finding::Intact { entries: 0 }) {
        anyhow::bail!(
            "the data key file {} is missing, but this database already has data made with a key: put the key file back \
             (it is kept apart from the database and its backups) or point SHEGONG_DATA_KEY_FILE at it",
            path.display()
        );
    }
    let keys = Keys::load_or_create(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created a new data key in {}: back it up apart from the database",
        path.display()
    );
    Ok(keys)
}

pub fn run(cfg: &Config, demo: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Database work runs on the blocking pool; a small pool (one thread per connection plus
        // a few for password hashing) keeps memory low and throughput high (design.md decision 3).
        .max_blocking_threads(cfg.db_connections as usize + 4)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(cfg, demo))
}

async fn serve(cfg: &Config, demo: bool) -> Result<()> {
    let (db, keys) = open(cfg)?;
    let hashing = Hashing::standard();
    if demo {
        let accounts = crate::demo::ensure(&db, &keys, &hashing)?;
        for (u, p) in &accounts {
            println!("demo account: {u} {p}");
        }
        if accounts.is_empty() {
            println!("demo: the database already has accounts; nothing loaded");
        }
    }
    let addr: SocketAddr = cfg
        .addr
        .parse()
        .with_context(|| format!("{} is not an address:port", cfg.addr))?;
    let state = AppState::new(db.clone(), keys, hashing, cfg.web(demo)?);
    // The PDF fonts are scanned now, not on the first archive printed (decision 0018); a machine
    // without Chinese fonts is told so at start.
    let pdf = state.clone();
    tokio::spawn(async move {
        if let Ok(engine) = pdf.pdf().await
            && !engine.has_cjk()
        {
            eprintln!(
                "warning: no Chinese font for PDF case archives: apt-get install {}",
                shegong_pdf::FONT_PACKAGES
            );
        }
    });
    let app = shegong_web::app(state.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("shegong listening on http://{}", listener.local_addr()?);
    let life = state.cfg.sessions;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let db = db.clone();
            let purged = tokio::task::spawn_blocking(move || {
                db.write(|c| sessions::purge_expired(c, shegong_domain::clock::now(), life))
            })
            .await;
            if let Ok(Err(e)) = purged {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server error")
}
