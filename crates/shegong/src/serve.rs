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
    let keys =
        Arc::new(Keys::load_or_create(&cfg.key_file()?).map_err(|e| anyhow::anyhow!("{e}"))?);
    db.migrate().map_err(|e| anyhow::anyhow!("{e}"))?;
    db.write(|c| audit::ensure_head(c, &keys))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((db, keys))
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
    let state = AppState::new(db.clone(), keys, hashing, cfg.web(demo));
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
