//! Operations: health and readiness probes, Prometheus metrics, embedded static assets, and the
//! layers every response passes through (metrics, error pages, security headers).

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use shegong_domain::Msg;
use std::sync::Arc;
use std::time::Instant;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/assets/{*file}", get(asset))
        // Browsers ask for it whatever the page says.
        .route(
            "/favicon.ico",
            get(|| asset(crate::extract::P("favicon.svg".to_string()))),
        )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(st): State<AppState>) -> Response {
    let db = st.db.clone();
    match tokio::task::spawn_blocking(move || db.ping()).await {
        Ok(true) => "ok".into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database not answering").into_response(),
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    let (in_use, idle) = st.db.pool_state();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(in_use, idle),
    )
        .into_response()
}

async fn asset(crate::extract::P(file): crate::extract::P<String>) -> Response {
    match Assets::get(&file) {
        Some(f) => {
            let mime = mime_guess::from_path(&file).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
                ],
                f.data.into_owned(),
            )
                .into_response()
        }
        None => AppError::NotFound.into_response(),
    }
}

/// Counts each request under its route template (never the concrete path, which may hold ids).
pub async fn record_metrics(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    st.metrics.record(
        &method,
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Every error answer gets the form its client expects: problem+json on the API (also for axum's
/// own rejections such as 405), a page or a redirect in the browser.
pub async fn finish_errors(lang: Lang, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_get = req.method() == axum::http::Method::GET;
    let htmx = req.headers().contains_key("hx-request");
    let resp = next.run(req).await;
    let status = resp.status();
    // Below 400, or a page drawn on purpose (a form again with its messages).
    if status.as_u16() < 400
        || (resp.extensions().get::<ui::Rendered>().is_some() && !is_api(&path))
    {
        return resp;
    }
    let err = resp
        .extensions()
        .get::<AppError>()
        .cloned()
        .unwrap_or_else(|| by_status(status));
    if is_api(&path) {
        if resp.extensions().get::<AppError>().is_some() {
            return resp;
        }
        let mut r = err.into_response();
        *r.status_mut() = status;
        return r;
    }
    let info = resp.extensions().get::<Arc<AuthInfo>>().cloned();
    ui::error_response(err, lang, info.as_deref(), &path, is_get, htmx)
}

fn by_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest(Msg::new(
            "此地址不支持该请求方法",
            "this address does not accept that method",
        )),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            AppError::UnsupportedType(Msg::new("不支持该内容类型", "unsupported content type"))
        }
        s if s.is_client_error() => AppError::BadRequest(Msg::new("请求有误", "bad request")),
        _ => AppError::internal(format!("unexpected status {status}")),
    }
}

/// Headers that keep pages from being framed, sniffed or leaking their address.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    resp
}

/// A panic in a handler becomes a plain 500 with an error reference, never a trace.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    AppError::internal(format!("panic: {what}")).into_response()
}
