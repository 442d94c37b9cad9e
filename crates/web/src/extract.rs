//! Extractors whose rejections are our errors: malformed JSON, wrong content types, unknown fields
//! and oversized bodies all answer with a clear Chinese message instead of axum's plain text.

use crate::error::AppError;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shegong_domain::Msg;

/// A JSON body (`Content-Type: application/json`).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    match r {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedType(Msg::new(
            "请求的 Content-Type 应为 application/json",
            "the Content-Type must be application/json",
        )),
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(Msg::owned(
            format!(
                "请求体不是有效的 JSON(或含有非 UTF-8 字符):{}",
                e.body_text()
            ),
            format!(
                "the body is not valid JSON (or not UTF-8): {}",
                e.body_text()
            ),
        )),
        JsonRejection::JsonDataError(e) => AppError::BadRequest(Msg::owned(
            format!(
                "JSON 字段不符合要求(缺少字段、类型错误或含有未知字段):{}",
                inner_reason(&e.body_text())
            ),
            format!(
                "JSON fields do not fit (missing, wrong type or unknown): {}",
                inner_reason(&e.body_text())
            ),
        )),
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::TooLarge
        }
        other => AppError::BadRequest(Msg::owned(
            format!("无法读取请求体:{}", other.body_text()),
            other.body_text(),
        )),
    }
}

/// serde's reason without axum's English preamble.
fn inner_reason(text: &str) -> String {
    text.rsplit(": ")
        .next()
        .unwrap_or(text)
        .chars()
        .take(200)
        .collect()
}

/// An HTML form body (`application/x-www-form-urlencoded`).
pub struct UiForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for UiForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(UiForm(v)),
            Err(FormRejection::InvalidFormContentType(_)) => {
                Err(AppError::UnsupportedType(Msg::new(
                    "表单的 Content-Type 应为 application/x-www-form-urlencoded",
                    "a form must be application/x-www-form-urlencoded",
                )))
            }
            Err(FormRejection::BytesRejection(b))
                if b.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::TooLarge)
            }
            Err(r) => Err(AppError::BadRequest(Msg::owned(
                format!("表单内容有误:{}", inner_reason(&r.body_text())),
                format!("the form does not fit: {}", inner_reason(&r.body_text())),
            ))),
        }
    }
}

/// Query-string parameters.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Q(q.0))
            .map_err(|r: QueryRejection| {
                AppError::BadRequest(Msg::owned(
                    format!("查询参数有误:{}", inner_reason(&r.body_text())),
                    format!("bad query parameters: {}", inner_reason(&r.body_text())),
                ))
            })
    }
}

/// Path parameters; a malformed id is simply not found.
pub struct P<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| P(p.0))
            .map_err(|_: PathRejection| AppError::NotFound)
    }
}

/// The body of a deletion: why the saved record is deleted (required, checked by
/// `domain::text::reason`; kept in the edit history of the people it concerns).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// 删除原因
    #[serde(default)]
    pub reason: String,
}
