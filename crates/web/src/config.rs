//! Settings of the web layer; the binary fills them from the TOML file and environment.

use shegong_domain::account::Lockout;
use shegong_domain::assessment::Instruments;
use shegong_store::sessions::Lifetimes;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub lockout: Lockout,
    pub sessions: Lifetimes,
    pub password_min_len: usize,
    /// Largest request body accepted (JSON and forms); larger ones get 413.
    pub body_limit: usize,
    /// Largest roster file accepted by the Excel import (issue 3 point 10); larger ones get 413.
    pub import_limit: usize,
    /// Where attachments of service records are stored (10.3; `store::files::LocalDir`).
    pub attachments_dir: PathBuf,
    /// Largest attachment accepted; larger ones get 413 without being read to the end.
    pub attachment_limit: usize,
    /// The assessment instruments with the deployment's bands (8.2.3.1).
    pub instruments: Instruments,
    /// Mark cookies `Secure` (set when the server is reached over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Show the demo hint on the login page.
    pub demo: bool,
    /// Where the PDF engine looks for fonts (decision 0018); none: `/usr/share/fonts`.
    pub font_dirs: Vec<PathBuf>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            lockout: Lockout::default(),
            sessions: Lifetimes::default(),
            password_min_len: 8,
            body_limit: 1024 * 1024,
            import_limit: 20 * 1024 * 1024,
            attachments_dir: PathBuf::from("data/attachments"),
            attachment_limit: shegong_domain::attachment::DEFAULT_MAX_BYTES,
            instruments: Instruments::default(),
            secure_cookies: false,
            trust_proxy: false,
            demo: false,
            font_dirs: Vec::new(),
        }
    }
}
