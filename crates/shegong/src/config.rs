//! Configuration: compiled-in defaults, then the TOML file, then environment variables.

use anyhow::{Context, Result};
use serde::Deserialize;
use shegong_domain::account::Lockout;
use shegong_domain::assessment::{BandsConfig, Instruments};
use shegong_store::DbUrl;
use shegong_store::sessions::Lifetimes;
use shegong_web::WebConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database_url: String,
    pub addr: String,
    /// Where the data key lives; default: beside the SQLite file, or ./data for PostgreSQL.
    pub data_key_file: Option<PathBuf>,
    /// SQLite reader connections (and blocking threads), or the PostgreSQL pool size.
    pub db_connections: u32,
    /// Where attachments of service records are kept (10.3); default: `attachments` beside the
    /// SQLite file, or ./data/attachments for PostgreSQL (shared by every server process).
    pub attachments_dir: Option<PathBuf>,
    /// Folders scanned for the PDF fonts (decision 0018); none: `/usr/share/fonts`.
    pub font_dirs: Vec<PathBuf>,
    pub security: Security,
    /// A deployment's bands for configurable instruments, by instrument code (8.2.3.1:
    /// `[assessments.barthel]`), checked at start.
    pub assessments: BTreeMap<String, BandsConfig>,
    #[serde(skip)]
    pub instruments: Instruments,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub max_failed_logins: i32,
    pub lock_minutes: i64,
    pub idle_timeout_minutes: i64,
    pub session_max_hours: i64,
    pub password_min_length: usize,
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    pub body_limit_kb: usize,
    /// Largest roster file the Excel import accepts.
    pub import_limit_mb: usize,
    /// Largest attachment of a service record (10.3).
    pub attachment_limit_mb: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://./data/shegong.db".into(),
            addr: "127.0.0.1:8080".into(),
            data_key_file: None,
            db_connections: 4,
            attachments_dir: None,
            font_dirs: Vec::new(),
            security: Security::default(),
            assessments: BTreeMap::new(),
            instruments: Instruments::default(),
        }
    }
}

impl Default for Security {
    fn default() -> Self {
        Security {
            max_failed_logins: 5,
            lock_minutes: 30,
            idle_timeout_minutes: 30,
            session_max_hours: 12,
            password_min_length: 8,
            secure_cookies: false,
            trust_proxy: false,
            body_limit_kb: 1024,
            import_limit_mb: 20,
            attachment_limit_mb: 10,
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut cfg = match file {
            Some(f) => {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {}", f.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{} is not a valid configuration", f.display()))?
            }
            None => Config::default(),
        };
        if let Ok(v) = std::env::var("SHEGONG_DATABASE_URL") {
            cfg.database_url = v;
        }
        if let Ok(v) = std::env::var("SHEGONG_ADDR") {
            cfg.addr = v;
        }
        if let Ok(v) = std::env::var("SHEGONG_DATA_KEY_FILE") {
            cfg.data_key_file = Some(PathBuf::from(v));
        }
        if let Ok(v) = std::env::var("SHEGONG_ATTACHMENTS_DIR") {
            cfg.attachments_dir = Some(PathBuf::from(v));
        }
        if cfg.security.attachment_limit_mb < 1 {
            anyhow::bail!("attachment_limit_mb must be at least 1");
        }
        // A band table that leaves a score without a band would mis-band people: refuse to start.
        cfg.instruments = Instruments::configure(&cfg.assessments)
            .map_err(|m| anyhow::anyhow!("{} / {}", m.zh, m.en))?;
        if let Some(v) = std::env::var_os("SHEGONG_FONT_DIRS") {
            cfg.font_dirs = shegong_pdf::font_dirs(&v);
        }
        if cfg.security.max_failed_logins < 1
            || cfg.security.lock_minutes < 1
            || cfg.security.idle_timeout_minutes < 1
        {
            anyhow::bail!("security settings must be positive");
        }
        if cfg.security.password_min_length < 8 {
            anyhow::bail!("password_min_length below 8 is not allowed (等保 2.0)");
        }
        Ok(cfg)
    }

    pub fn db_url(&self) -> Result<DbUrl> {
        DbUrl::parse(&self.database_url).map_err(|e| anyhow::anyhow!("{e}"))
    }

    pub fn key_file(&self) -> Result<PathBuf> {
        if let Some(k) = &self.data_key_file {
            return Ok(k.clone());
        }
        Ok(match self.db_url()? {
            DbUrl::Sqlite(p) => p.with_file_name("shegong.key"),
            DbUrl::Postgres(_) => PathBuf::from("./data/shegong.key"),
        })
    }

    pub fn attachments_dir(&self) -> Result<PathBuf> {
        if let Some(d) = &self.attachments_dir {
            return Ok(d.clone());
        }
        Ok(match self.db_url()? {
            DbUrl::Sqlite(p) => p.with_file_name("attachments"),
            DbUrl::Postgres(_) => PathBuf::from("./data/attachments"),
        })
    }

    pub fn web(&self, demo: bool) -> Result<WebConfig> {
        let s = &self.security;
        Ok(WebConfig {
            lockout: Lockout {
                max_failures: s.max_failed_logins,
                lock_secs: s.lock_minutes * 60,
            },
            sessions: Lifetimes {
                idle_secs: s.idle_timeout_minutes * 60,
                absolute_secs: s.session_max_hours * 3600,
            },
            password_min_len: s.password_min_length,
            body_limit: s.body_limit_kb * 1024,
            import_limit: s.import_limit_mb * 1024 * 1024,
            attachments_dir: self.attachments_dir()?,
            attachment_limit: s.attachment_limit_mb * 1024 * 1024,
            instruments: self.instruments.clone(),
            secure_cookies: s.secure_cookies,
            trust_proxy: s.trust_proxy,
            demo,
            font_dirs: self.font_dirs.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sits_beside_the_sqlite_file() {
        let c = Config {
            database_url: "sqlite://./var/x.db".into(),
            ..Config::default()
        };
        assert_eq!(c.key_file().unwrap(), PathBuf::from("./var/shegong.key"));
    }

    #[test]
    fn unknown_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "databse_url = \"x\"").unwrap();
        assert!(Config::load(Some(&f)).is_err());
        std::fs::write(&f, "[security]\npassword_min_length = 6").unwrap();
        assert!(Config::load(Some(&f)).is_err());
        std::fs::write(&f, "addr = \"0.0.0.0:9000\"\n[security]\nlock_minutes = 10").unwrap();
        let c = Config::load(Some(&f)).unwrap();
        assert_eq!(c.web(false).unwrap().lockout.lock_secs, 600);
    }

    #[test]
    fn attachments_sit_beside_the_sqlite_file() {
        let c = Config {
            database_url: "sqlite://./var/x.db".into(),
            ..Config::default()
        };
        let w = c.web(false).unwrap();
        assert_eq!(w.attachments_dir, PathBuf::from("./var/attachments"));
        assert_eq!(w.attachment_limit, 10 * 1024 * 1024);
    }

    #[test]
    fn barthel_bands_come_from_the_file_and_bad_ones_stop_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        let bands = |second_min: u32| {
            format!(
                "[assessments.barthel]\nsource = \"地方评估细则\"\nbands = [\n\
                 {{ code = \"severe\", zh = \"重度依赖\", en = \"severe\", min = 0, max = 40 }},\n\
                 {{ code = \"moderate\", zh = \"中度依赖\", en = \"moderate\", min = {second_min}, max = 60 }},\n\
                 {{ code = \"mild\", zh = \"轻度依赖\", en = \"mild\", min = 61, max = 99 }},\n\
                 {{ code = \"intact\", zh = \"无需依赖\", en = \"independent\", min = 100, max = 100 }},\n]\n"
            )
        };
        std::fs::write(&f, bands(41)).unwrap();
        let c = Config::load(Some(&f)).unwrap();
        let w = c.web(false).unwrap();
        let d = w.instruments.latest("barthel").unwrap();
        assert_eq!(d.bands[d.band_for(61).unwrap()].zh, "轻度依赖");
        std::fs::write(&f, bands(50)).unwrap();
        let e = format!("{:#}", Config::load(Some(&f)).unwrap_err());
        assert!(
            e.contains("45 分不在任何分级内") && e.contains("45 falls in no band"),
            "{e}"
        );
    }
}
