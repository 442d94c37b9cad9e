//! Shared state of the server. It holds no data of its own (design.md decision 2): sessions, audit
//! and everything else live in the database, so several processes can serve one deployment.

use crate::config::WebConfig;
use crate::error::AppError;
use crate::metrics::Metrics;
use shegong_pdf::Engine as PdfEngine;
use shegong_store::files::{LocalDir, Storage};
use shegong_store::passwords::Hashing;
use shegong_store::{Db, DbConn, StoreResult, keys::Keys};
use std::ops::Deref;
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub keys: Arc<Keys>,
    pub hashing: Hashing,
    pub cfg: WebConfig,
    pub metrics: Metrics,
    /// Where uploaded files go: the one storage interface (design.md decision 2).
    pub files: Arc<dyn Storage>,
    /// At most two password hashes at once: a burst of logins must not take every blocking
    /// thread away from page requests (and it slows down password guessing).
    hash_gate: Semaphore,
    /// Typesets PDFs; the font folders are scanned once, by the first PDF or at start
    /// ([`AppState::pdf`]), and the engine is shared by every request.
    pdf: OnceCell<Arc<PdfEngine>>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, keys: Arc<Keys>, hashing: Hashing, cfg: WebConfig) -> AppState {
        AppState(Arc::new(Inner {
            db,
            keys,
            hashing,
            files: Arc::new(LocalDir::new(cfg.attachments_dir.clone())),
            cfg,
            metrics: Metrics::default(),
            hash_gate: Semaphore::new(2),
            pdf: OnceCell::new(),
        }))
    }

    /// Runs read-only database work on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        Ok(tokio::task::spawn_blocking(move || db.read(f))
            .await
            .map_err(AppError::internal)??)
    }

    /// Runs one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        Ok(tokio::task::spawn_blocking(move || db.write(f))
            .await
            .map_err(AppError::internal)??)
    }

    /// The PDF engine over the configured font folders, scanned on the blocking pool the first
    /// time.
    pub async fn pdf(&self) -> Result<Arc<PdfEngine>, AppError> {
        self.pdf
            .get_or_try_init(|| async {
                let dirs = self.cfg.font_dirs.clone();
                let engine = tokio::task::spawn_blocking(move || PdfEngine::load(&dirs))
                    .await
                    .map_err(AppError::internal)?;
                tracing::info!(
                    faces = engine.faces(),
                    chinese = engine.has_cjk(),
                    "PDF fonts scanned"
                );
                Ok::<_, AppError>(Arc::new(engine))
            })
            .await
            .cloned()
    }

    pub async fn hash_password(&self, password: String) -> Result<String, AppError> {
        let _permit = self.hash_gate.acquire().await.map_err(AppError::internal)?;
        let st = self.clone();
        tokio::task::spawn_blocking(move || st.hashing.hash(&password))
            .await
            .map_err(AppError::internal)
    }

    /// Checks a password; with no stored hash, spends the same time and fails.
    pub async fn verify_password(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, AppError> {
        let _permit = self.hash_gate.acquire().await.map_err(AppError::internal)?;
        let st = self.clone();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => st.hashing.verify(&password, &phc),
            None => st.hashing.verify_nothing(&password),
        })
        .await
        .map_err(AppError::internal)
    }
}
