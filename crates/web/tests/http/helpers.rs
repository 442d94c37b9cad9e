//! A fresh server on a random port over a fresh database for each test (zero-to-production's
//! `spawn_app`), with the 荷塘区 tree, an operator and one account per role.
// The harness of every feature's tests: not every helper is used by the features merged so far.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode, redirect};
use serde_json::{Value, json};
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_store::audit::{self, Actor, Event};
use shegong_store::org;
use shegong_store::passwords::Hashing;
use shegong_store::testing::TestDb;
use shegong_store::users::{self, NewUser};
use shegong_web::{AppState, WebConfig};
use std::net::SocketAddr;

pub const PASSWORD: &str = "Shegong#2026";
pub const OPERATOR: &str = "430202OPHT01";

/// Accounts every test starts with: (username, role, org).
pub const ACCOUNTS: [(&str, Role, &str); 10] = [
    ("admin", Role::SystemAdmin, "43"),
    ("purchaser", Role::Purchaser, "430202"),
    ("operator", Role::OperatorAdmin, OPERATOR),
    ("head", Role::StationHead, "430202001"),
    ("worker", Role::SocialWorker, "430202001"),
    ("worker2", Role::SocialWorker, "430202002"),
    ("supervisor", Role::Supervisor, OPERATOR),
    ("volunteer", Role::Volunteer, "430202001"),
    ("liaison", Role::TownshipLiaison, "430202001"),
    // Out of every 荷塘区 scope: 芦淞区 (430203).
    ("lusong_head", Role::StationHead, "430203001"),
];

pub struct TestApp {
    pub base: String,
    pub t: TestDb,
    pub state: AppState,
    /// The attachments directory of this server (10.3), removed with the test.
    pub files: tempfile::TempDir,
}

pub async fn spawn_app(t: TestDb) -> TestApp {
    spawn_app_with(t, WebConfig::default()).await
}

pub async fn spawn_app_with(t: TestDb, mut cfg: WebConfig) -> TestApp {
    seed(&t);
    let files = tempfile::tempdir().unwrap();
    cfg.attachments_dir = files.path().to_path_buf();
    let state = AppState::new(t.db.clone(), t.keys.clone(), Hashing::fast_insecure(), cfg);
    let app = shegong_web::app(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        t,
        state,
        files,
    }
}

fn seed(t: &TestDb) {
    let rows: Vec<_> = org::read_division_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../divisions/hunan"),
    )
    .unwrap()
    .into_iter()
    .filter(|r| {
        let c = r.code.as_str();
        c == "43" || c == "4302" || c.starts_with("430202") || c.starts_with("430203")
    })
    .collect();
    let hash = Hashing::fast_insecure().hash(PASSWORD);
    let actor = Actor::system("test");
    t.db.write(|c| {
        org::import_divisions(c, &rows)?;
        org::upsert_operator(
            c,
            &OrgCode::parse(OPERATOR).unwrap(),
            "荷塘区阳光社会工作服务中心",
        )?;
        for s in ["430202001", "430202002", "430202003"] {
            org::link_station(c, OPERATOR, s)?;
        }
        for (u, role, org_code) in ACCOUNTS {
            let id = users::create(
                c,
                &NewUser {
                    username: u,
                    display_name: u,
                    role,
                    org_code,
                    password_hash: &hash,
                    must_change_password: false,
                    two_factor_exempt: true,
                },
                shegong_domain::clock::now(),
            )?;
            audit::append(
                c,
                &t.keys,
                &Event::new(&actor, "user.create", "user", id).org(org_code),
            )?;
        }
        Ok(())
    })
    .unwrap();
}

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// A logged-in API client.
pub struct Api {
    pub c: Client,
    pub csrf: String,
    pub base: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through the API with the seed password.
    pub async fn api(&self, username: &str) -> Api {
        let c = client();
        let r = c
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login as {username}");
        let v: Value = r.json().await.unwrap();
        Api {
            c,
            csrf: v["csrf_token"].as_str().unwrap().to_string(),
            base: self.base.clone(),
        }
    }

    pub fn user_id(&self, username: &str) -> i64 {
        let u = username.to_string();
        self.t
            .db
            .read(move |c| users::credentials_by_username(c, &u))
            .unwrap()
            .unwrap()
            .user
            .id
    }

    /// Number of audit entries with this action.
    pub fn audit_count(&self, action: &str) -> usize {
        let scope = shegong_domain::scope::Scope::new(vec![OrgCode::parse("43").unwrap()]);
        let f = audit::Filter {
            action_prefix: Some(action.into()),
            include_unscoped: true,
            ..Default::default()
        };
        self.t
            .db
            .read(|c| {
                audit::list(
                    c,
                    &scope,
                    &f,
                    shegong_store::query::Page::new(Some(1), Some(200)),
                )
            })
            .unwrap()
            .items
            .iter()
            .filter(|e| e.action == action)
            .count()
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.c.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.c
            .post(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.c
            .patch(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A DELETE with a JSON body (a deletion that carries its reason).
    pub async fn delete_json(&self, path: &str, body: Value) -> Response {
        self.c
            .delete(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.c
            .delete(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .send()
            .await
            .unwrap()
    }
}

/// Posts an HTML form (urlencoded, with the session's `_csrf`), as a browser would.
pub async fn form(api: &Api, path: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = vec![("_csrf", api.csrf.as_str())];
    all.extend_from_slice(fields);
    api.c.post(api.url(path)).form(&all).send().await.unwrap()
}

/// Asserts a problem+json answer with the status and a Chinese detail; returns the body.
pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    let v: Value = r.json().await.unwrap();
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "detail in Chinese: {detail}"
    );
    v
}

/// Declares an HTTP test that runs on SQLite and, with SHEGONG_TEST_PG_URL, on PostgreSQL.
#[macro_export]
macro_rules! http_test {
    (async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::helpers::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::spawn_app(shegong_store::testing::TestDb::sqlite()).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match shegong_store::testing::TestDb::postgres() {
                    Some(t) => run($crate::helpers::spawn_app(t).await).await,
                    None => eprintln!("SHEGONG_TEST_PG_URL not set: PostgreSQL half skipped"),
                }
            }
        }
    };
}

/// The key bytes of a base32 TOTP secret as shown to users (RFC 4648, no padding).
pub fn totp_secret(b32: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for ch in b32.bytes().filter(|b| *b != b'=') {
        let v = alphabet.iter().position(|a| *a == ch).unwrap() as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            out.push((bits >> (n - 8)) as u8);
            n -= 8;
        }
    }
    out
}

/// The value of the form field `name` in a page (`name="…" value="…"`), as written: fine for the
/// hex tokens read this way, which need no HTML unescaping.
pub fn form_value(html: &str, name: &str) -> String {
    between(html, &format!("name=\"{name}\" value=\""), "\"")
}

/// The text between the first `start` and the next `end`.
pub fn between(html: &str, start: &str, end: &str) -> String {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the page"))
        + start.len();
    let j = html[i..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not after {start:?}"));
    html[i..i + j].to_string()
}

/// Adds an account beside the seeded ones (same password), through the running server's pool.
pub fn add_account(app: &TestApp, username: &'static str, role: Role, org_code: &'static str) {
    let hash = Hashing::fast_insecure().hash(PASSWORD);
    app.state
        .db
        .write(move |c| {
            let u = NewUser {
                username,
                display_name: username,
                role,
                org_code,
                password_hash: &hash,
                must_change_password: false,
                two_factor_exempt: true,
            };
            users::create(c, &u, shegong_domain::clock::now())
        })
        .unwrap();
}
