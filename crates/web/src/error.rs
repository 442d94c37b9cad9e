//! One error type for every handler. It answers as `application/problem+json` (RFC 9457) with a
//! Chinese `detail`; on the UI routes a layer turns the same error into an HTML page or a redirect
//! (see `ui::render_errors`). Internal details go to the log only, never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shegong_domain::account::LoginStage;
use shegong_domain::{Invalid, Msg};
use shegong_store::StoreError;

#[derive(Debug, Clone)]
pub enum AppError {
    BadRequest(Msg),
    /// Not logged in, or the session expired.
    Unauthorized(Msg),
    /// Logged in, but a login step (code, password change, 2FA setup) is still owed.
    StagePending(LoginStage),
    Forbidden(Msg),
    /// Not there or not in the caller's scope: the same answer for both.
    NotFound,
    Conflict(Msg),
    TooLarge,
    /// An upload over its own limit, saying what the limit is (an attachment over 10 MB).
    FileTooLarge(Msg),
    UnsupportedType(Msg),
    Invalid(Invalid),
    TooMany(Msg),
    /// A part of the server this answer needs is missing (e.g. the Chinese fonts for PDFs); the
    /// message says what to install.
    Unavailable(Msg),
    /// Something broke on our side; the id ties the log line to what the user saw.
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        let id = shegong_store::keys::random_token(4);
        tracing::error!(error_id = %id, error = %e, "internal error");
        AppError::Internal(id)
    }

    pub fn forbidden() -> AppError {
        AppError::Forbidden(Msg::new(
            "没有权限执行此操作",
            "you are not allowed to do this",
        ))
    }

    pub fn invalid(field: &'static str, m: Msg) -> AppError {
        AppError::Invalid(Invalid::one(field, m))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::StagePending(_) | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge | AppError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short title and Chinese detail.
    pub fn title_detail(&self) -> (Msg, Msg) {
        let title = |zh, en| Msg::new(zh, en);
        match self {
            AppError::BadRequest(m) => (title("请求格式错误", "Bad request"), m.clone()),
            AppError::Unauthorized(m) => (title("未登录", "Not logged in"), m.clone()),
            AppError::StagePending(_) => (
                title("登录未完成", "Login not finished"),
                Msg::new(
                    "请先完成登录步骤(两步验证或修改初始密码)",
                    "finish logging in first (code or password change)",
                ),
            ),
            AppError::Forbidden(m) => (title("没有权限", "Forbidden"), m.clone()),
            AppError::NotFound => (
                title("未找到", "Not found"),
                Msg::new(
                    "没有找到该记录,或您无权查看",
                    "no such record, or not yours to see",
                ),
            ),
            AppError::Conflict(m) => (title("冲突", "Conflict"), m.clone()),
            AppError::TooLarge => (
                title("内容过大", "Too large"),
                Msg::new(
                    "提交的内容超过了大小上限",
                    "the request body is larger than allowed",
                ),
            ),
            AppError::FileTooLarge(m) => (title("文件过大", "File too large"), m.clone()),
            AppError::UnsupportedType(m) => {
                (title("内容类型不支持", "Unsupported media type"), m.clone())
            }
            AppError::Invalid(i) => {
                let detail = Msg::owned(
                    i.errors
                        .iter()
                        .map(|e| format!("{}:{}", e.field, e.message.zh))
                        .collect::<Vec<_>>()
                        .join(";"),
                    i.errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message.en))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                (title("输入有误", "Invalid input"), detail)
            }
            AppError::TooMany(m) => (title("请求过多", "Too many requests"), m.clone()),
            AppError::Unavailable(m) => (title("暂不可用", "Unavailable"), m.clone()),
            AppError::Internal(id) => (
                title("服务器内部错误", "Internal error"),
                Msg::owned(
                    format!("系统出错了,请稍后再试;如仍有问题请联系管理员并提供编号 {id}"),
                    format!(
                        "something went wrong; if it persists tell the administrator the reference {id}"
                    ),
                ),
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(i) => AppError::Invalid(i),
            other => AppError::internal(other),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(i: Invalid) -> Self {
        AppError::Invalid(i)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: u16,
    pub title: String,
    /// 中文说明 (Chinese explanation of what went wrong and what to do).
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, detail) = self.title_detail();
        let errors = match &self {
            AppError::Invalid(i) => i
                .errors
                .iter()
                .map(|e| ProblemField {
                    field: e.field.to_string(),
                    message: e.message.zh.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = Problem {
            kind: "about:blank",
            status: status.as_u16(),
            title: title.zh.to_string(),
            detail: detail.zh.to_string(),
            errors,
        };
        let mut resp = (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            Json(body),
        )
            .into_response();
        // Kept so the UI layer can render the same error as a page.
        resp.extensions_mut().insert(self);
        resp
    }
}

pub type ApiResult<T> = Result<T, AppError>;
