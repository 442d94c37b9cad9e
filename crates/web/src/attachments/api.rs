//! `/api/v1/cases/{id}/records/{rid}/attachments` (upload, list) and
//! `/api/v1/cases/{id}/attachments/{aid}` (download, delete with reason): attachments of service
//! records (10.3).

use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, P};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shegong_domain::clock;
use shegong_store::attachments::AttachmentRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(download, delete))
}

/// An attachment of a service record. A deleted one stays listed with who deleted it and why;
/// its file is gone.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    id: i64,
    record_id: i64,
    /// The name given, cleaned; the extension matches the content.
    file_name: String,
    /// Decided from the content: image/jpeg, image/png, image/webp, image/heif, application/pdf.
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: String,
    uploaded_at: String,
    /// `GET` it to download (audited); null once deleted.
    href: Option<String>,
    deleted_at: Option<String>,
    deleted_by: Option<String>,
    delete_reason: Option<String>,
}

impl From<AttachmentRow> for AttachmentOut {
    fn from(r: AttachmentRow) -> Self {
        AttachmentOut {
            href: r
                .deleted_at
                .is_none()
                .then(|| format!("/api/v1/cases/{}/attachments/{}", r.case_id, r.id)),
            id: r.id,
            record_id: r.record_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by_name,
            uploaded_at: clock::display(r.uploaded_at),
            deleted_at: r.deleted_at.map(clock::display),
            deleted_by: r.deleted_by_name,
            delete_reason: r.delete_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentList {
    items: Vec<AttachmentOut>,
}

/// The attachments of a service record, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/records/{rid}/attachments", tag = "cases",
    params(("id" = i64, Path), ("rid" = i64, Path, description = "a service record of the case")),
    responses((status = 200, body = AttachmentList), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
) -> ApiResult<Json<AttachmentList>> {
    let (_, rows) = super::list(&st, &info, id, rid).await?;
    Ok(Json(AttachmentList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Attach a photo or scan to a service record: `multipart/form-data` with the file in the field
/// `file`. JPEG, PNG, WebP, HEIC/HEIF or PDF, judged by the content (an `.exe` renamed `.jpg` is
/// 422); empty is 422; over the limit (default 10 MB) is 413 before the rest is read. An ended
/// case refuses (409) until reopened.
#[utoipa::path(post, path = "/api/v1/cases/{id}/records/{rid}/attachments", tag = "cases",
    params(("id" = i64, Path), ("rid" = i64, Path, description = "a service record of the case")),
    request_body(content_type = "multipart/form-data", description = "the file in the field `file`"),
    responses((status = 201, body = AttachmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn upload(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    req: Request,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    let aid = super::receive(&st, &info, id, rid, req).await?;
    let (_, rows) = super::list(&st, &info, id, rid).await?;
    let row = rows
        .into_iter()
        .find(|r| r.id == aid)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Download an attachment (audited). Always `Content-Disposition: attachment` and
/// `X-Content-Type-Options: nosniff`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "cases",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn download(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, aid)): P<(i64, i64)>,
) -> ApiResult<Response> {
    let (row, bytes) = super::download(&st, &info, id, aid).await?;
    Ok(file_response(&row, bytes))
}

/// The file as a download, never shown in place nor sniffed into another type.
pub fn file_response(row: &AttachmentRow, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    let value =
        |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("attachment"));
    h.insert(header::CONTENT_TYPE, value(&row.content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(&super::disposition(&row.file_name, &row.content_type)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Photos of people: not kept by shared caches, only by this browser for a short while.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    resp
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIn {
    /// Why it is deleted (required): kept with the attachment's row.
    reason: String,
}

/// Delete an attachment with its reason: the file is removed, the row stays with who, when and
/// why. An ended case refuses (409) until reopened.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "cases",
    params(("id" = i64, Path), ("aid" = i64, Path)), request_body = DeleteIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, aid)): P<(i64, i64)>,
    ApiJson(b): ApiJson<DeleteIn>,
) -> ApiResult<StatusCode> {
    super::delete(&st, &info, id, aid, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
