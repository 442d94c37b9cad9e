//! Who is asking: sessions (cookie) and API tokens (Bearer), CSRF checks, and the extractors
//! handlers use. The policy itself is `shegong_domain::policy`; [`AuthInfo::check`] applies it.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use shegong_domain::Msg;
use shegong_domain::account::LoginStage;
use shegong_domain::policy::{Action, Decision, Principal, Target, decide};
use shegong_store::audit::Actor;
use shegong_store::sessions::{self, Lookup};
use shegong_store::users::User;
use shegong_store::work::{self, Counts};
use shegong_store::{org, tokens};
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "sg_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "_csrf";

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct AuthInfo {
    pub user: User,
    pub principal: Principal,
    /// Present for cookie sessions; absent for API tokens.
    pub session: Option<SessionRef>,
    pub ip: String,
    /// The user's work-list counts (menu badge, unfinished-report banner, R-8.3.4), counted once
    /// when the session of an HTML request is loaded; absent on API and htmx requests.
    pub work: Option<Counts>,
}

#[derive(Debug, Clone)]
pub struct SessionRef {
    /// The stored (hashed) id.
    pub id: String,
    pub csrf: String,
    pub stage: LoginStage,
}

impl AuthInfo {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.username.clone(),
            ip: self.ip.clone(),
        }
    }

    /// Applies the access policy: `Ok` or the error to answer (404 out of scope, 403 in scope).
    pub fn check(&self, action: Action, target: &Target) -> Result<(), AppError> {
        match decide(&self.principal, action, target) {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(AppError::forbidden()),
            Decision::NotFound => Err(AppError::NotFound),
        }
    }

    pub fn csrf(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf.as_str()).unwrap_or("")
    }

    pub fn stage(&self) -> LoginStage {
        self.session
            .as_ref()
            .map(|s| s.stage)
            .unwrap_or(LoginStage::Done)
    }
}

/// The client address of a request, set by [`authenticate`].
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// Marks a request whose session cookie had expired, so the login page can say so.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpired;

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().chars().take(45).collect();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_public_resource(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.ico")
        || path.starts_with("/assets/")
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

/// A request that may draw a whole page (menu and banner): not the API, not an htmx fragment.
fn wants_counts(req: &Request) -> bool {
    !req.uri().path().starts_with("/api/") && !req.headers().contains_key("hx-request")
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware: finds the session or token, checks CSRF on unsafe requests made with a session
/// cookie, and puts [`AuthInfo`] into the request for the extractors.
pub async fn authenticate(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, AppError> {
    // Probes and static files need no one's identity: no database work for them.
    if is_public_resource(req.uri().path()) {
        return Ok(next.run(req).await);
    }
    let ip = client_ip(&req, st.cfg.trust_proxy);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let now = shegong_domain::clock::now();

    if let Some(secret) = bearer(req.headers()) {
        let found = st
            .write(move |c| {
                let Some((tok, user)) = tokens::authenticate(c, &secret, now)? else {
                    return Ok(None);
                };
                tokens::note_use(c, &tok, now)?;
                let scope = org::scope_of(c, user.role(), &user.org_code)?;
                Ok(Some((user, scope)))
            })
            .await?;
        let Some((user, scope)) = found else {
            return Err(AppError::Unauthorized(Msg::new(
                "API 令牌无效、已过期或已撤销",
                "the API token is invalid, expired or revoked",
            )));
        };
        let principal = Principal {
            user_id: user.id,
            role: user.role(),
            scope,
        };
        let info = Arc::new(AuthInfo {
            user,
            principal,
            session: None,
            ip,
            work: None,
        });
        req.extensions_mut().insert(info.clone());
        let mut resp = next.run(req).await;
        resp.extensions_mut().insert(info);
        return Ok(resp);
    }

    let mut info = None;
    let jar = CookieJar::from_headers(req.headers());
    if let Some(token) = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty())
    {
        let life = st.cfg.sessions;
        let db = st.db.clone();
        let page = wants_counts(&req);
        let found = tokio::task::spawn_blocking(move || -> shegong_store::StoreResult<_> {
            let loaded = db.read(|c| {
                Ok(match sessions::load(c, &token, now, life)? {
                    Ok((s, u)) => {
                        let scope = org::scope_of(c, u.role(), &u.org_code)?;
                        // Counted here, on the connection the session was read on: every page
                        // shows them, and handlers build their chrome without database work.
                        let counts = if page && s.stage() == LoginStage::Done {
                            Some(work::counts_for(
                                c,
                                &u,
                                &scope,
                                shegong_domain::dates::today(),
                            )?)
                        } else {
                            None
                        };
                        Ok((s, u, scope, counts))
                    }
                    Err(why) => Err(why),
                })
            })?;
            if let Ok((s, _, _, _)) = &loaded
                && sessions::needs_touch(s, now)
            {
                db.write(|c| sessions::touch(c, &s.id, now))?;
            }
            Ok(loaded)
        })
        .await
        .map_err(AppError::internal)??;
        match found {
            Ok((s, user, scope, counts)) => {
                let principal = Principal {
                    user_id: user.id,
                    role: user.role(),
                    scope,
                };
                let session = SessionRef {
                    stage: s.stage(),
                    id: s.id,
                    csrf: s.csrf_token,
                };
                // Logging in acts with no one's authority yet; the login form has its own token.
                let is_login = matches!(req.uri().path(), "/login" | "/api/v1/auth/login");
                if is_unsafe(req.method()) && !is_login {
                    req = check_csrf(req, &session.csrf, &st.cfg).await?;
                }
                let i = Arc::new(AuthInfo {
                    user,
                    principal,
                    session: Some(session),
                    ip,
                    work: counts,
                });
                req.extensions_mut().insert(i.clone());
                info = Some(i);
            }
            Err(Lookup::Expired) => {
                req.extensions_mut().insert(SessionExpired);
            }
            Err(Lookup::Missing) => {}
        }
    }
    let mut resp = next.run(req).await;
    // Also on the response, so the outer error layer can draw the menu on an error page.
    if let Some(i) = info {
        resp.extensions_mut().insert(i);
    }
    Ok(resp)
}

/// The CSRF token must come in the `X-CSRF-Token` header (API, htmx) or, for a plain HTML form,
/// in the `_csrf` field; the body is read here and handed on unchanged.
async fn check_csrf(
    req: Request,
    expected: &str,
    cfg: &crate::config::WebConfig,
) -> Result<Request, AppError> {
    let limit = cfg.body_limit;
    let missing = || {
        AppError::Forbidden(Msg::new(
            "缺少或错误的 CSRF 令牌,请刷新页面后重试",
            "missing or wrong CSRF token; reload the page and try again",
        ))
    };
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if h.as_bytes().ct_eq(expected.as_bytes()).into() {
            Ok(req)
        } else {
            Err(missing())
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // A file upload form (the Excel import, an attachment) carries `_csrf` as a multipart field; the body is read
    // up to the import limit and handed on unchanged.
    if content_type.starts_with("multipart/form-data") {
        let Ok(boundary) = multer::parse_boundary(&content_type) else {
            return Err(missing());
        };
        let (parts, body) = req.into_parts();
        let limit = cfg.import_limit.max(cfg.attachment_limit);
        let bytes = axum::body::to_bytes(body, limit + 64 * 1024)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let given = crate::imports::multipart_text(bytes.clone(), &boundary, CSRF_FIELD).await;
        return match given {
            Some(g) if bool::from(g.as_bytes().ct_eq(expected.as_bytes())) => {
                Ok(Request::from_parts(parts, Body::from(bytes)))
            }
            _ => Err(missing()),
        };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(missing());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let given = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match given {
        Some(g) if bool::from(g.as_bytes().ct_eq(expected.as_bytes())) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(missing()),
    }
}

fn auth_info(parts: &Parts) -> Option<Arc<AuthInfo>> {
    parts.extensions.get::<Arc<AuthInfo>>().cloned()
}

fn not_logged_in(parts: &Parts) -> AppError {
    if parts.extensions.get::<SessionExpired>().is_some() {
        AppError::Unauthorized(Msg::new(
            "登录已超时,请重新登录",
            "your session timed out; please log in again",
        ))
    } else {
        AppError::Unauthorized(Msg::new("请先登录", "please log in"))
    }
}

/// A fully logged-in user (every login step done).
#[derive(Debug, Clone)]
pub struct Authed(pub Arc<AuthInfo>);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let info = auth_info(parts).ok_or_else(|| not_logged_in(parts))?;
        match info.stage() {
            LoginStage::Done => Ok(Authed(info)),
            pending => Err(AppError::StagePending(pending)),
        }
    }
}

impl std::ops::Deref for Authed {
    type Target = AuthInfo;
    fn deref(&self) -> &AuthInfo {
        &self.0
    }
}

/// A session at any login step (for the step pages themselves and logout).
#[derive(Debug, Clone)]
pub struct AnyStage(pub Arc<AuthInfo>);

impl<S: Send + Sync> FromRequestParts<S> for AnyStage {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        auth_info(parts)
            .map(AnyStage)
            .ok_or_else(|| not_logged_in(parts))
    }
}

/// The user if logged in at all, for pages that also serve visitors (the login page).
#[derive(Debug, Clone)]
pub struct MaybeAuthed(pub Option<Arc<AuthInfo>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthed {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthed(auth_info(parts)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or(ClientIp("unknown".into())))
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure behind TLS; no Max-Age, so it ends with
/// the browser too (the server ends it after 30 idle minutes anyway).
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

pub fn clear_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    c.make_removal();
    c
}
