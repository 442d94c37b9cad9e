//! `/cases/{id}/records/{rid}/attachments`: the photos and scans of a service record (10.3) —
//! thumbnails of images (drawn from the same audited download route), an upload form that opens
//! a phone's camera, download, delete with reason. Plain forms with `_csrf`: no JavaScript needed.

use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::attachment::{self, Kind};
use shegong_domain::clock;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/records/{rid}/attachments",
            get(page).post(upload),
        )
        .route("/cases/{id}/attachments/{aid}", get(download))
        .route("/cases/{id}/attachments/{aid}/delete", post(delete))
}

pub struct Item {
    pub id: i64,
    pub href: String,
    pub file_name: String,
    /// A browser draws it (JPEG, PNG, WebP); HEIC and PDF show their kind instead.
    pub thumbnail: bool,
    pub kind: String,
    pub size: String,
    pub uploaded: String,
    pub deleted: Option<String>,
}

#[derive(Template)]
#[template(path = "attachments.html")]
struct AttachmentsPage {
    c: Chrome,
    case_id: i64,
    record_id: i64,
    person_name: String,
    served_on: String,
    may_write: bool,
    limit: String,
    items: Vec<Item>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct PageQ {
    done: Option<String>,
}

async fn render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    (id, rid): (i64, i64),
    notice: Option<String>,
    error: Option<String>,
) -> Result<AttachmentsPage, AppError> {
    let (loaded, rows) = super::list(st, info, id, rid).await?;
    let served_on = loaded
        .records
        .iter()
        .find(|r| r.id == rid)
        .map(|r| r.recorded_on.clone())
        .unwrap_or_default();
    let items = rows
        .into_iter()
        .map(|r| {
            let kind = Kind::from_mime(&r.content_type);
            Item {
                id: r.id,
                href: format!("/cases/{id}/attachments/{}", r.id),
                thumbnail: kind.is_some_and(Kind::shows_inline),
                kind: match kind {
                    Some(Kind::Pdf) => "PDF",
                    Some(Kind::Heif) => "HEIC",
                    _ => l.t("图片", "image"),
                }
                .to_string(),
                file_name: r.file_name,
                size: attachment::size_label(usize::try_from(r.size).unwrap_or_default()),
                uploaded: format!("{} · {}", r.uploaded_by_name, clock::display(r.uploaded_at)),
                deleted: r.deleted_at.map(|at| {
                    format!(
                        "{} {} · {} · {}:{}",
                        l.t("已删除", "Deleted"),
                        clock::display(at),
                        r.deleted_by_name.unwrap_or_default(),
                        l.t("原因", "reason"),
                        r.delete_reason.unwrap_or_default()
                    )
                }),
            }
        })
        .collect();
    Ok(AttachmentsPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        case_id: id,
        record_id: rid,
        person_name: loaded.case.person_name.clone(),
        served_on,
        may_write: super::may_write(info, &loaded),
        limit: attachment::size_label(st.cfg.attachment_limit),
        items,
        notice,
        error,
    })
}

async fn page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(ids): P<(i64, i64)>,
    crate::extract::Q(q): crate::extract::Q<PageQ>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("uploaded") => Some(l.t("已上传。", "Uploaded.").to_string()),
        Some("deleted") => Some(l.t("已删除。", "Deleted.").to_string()),
        _ => None,
    };
    Ok(Page(render(&st, l, &info, ids, notice, None).await?).into_response())
}

/// A refusal the page shows above the form (with its status); anything else is passed on.
fn shown(e: AppError, l: Lang) -> Result<(StatusCode, String), AppError> {
    match e {
        AppError::Invalid(i) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            i.errors
                .iter()
                .map(|x| l.m(&x.message).to_string())
                .collect::<Vec<_>>()
                .join(";"),
        )),
        e @ (AppError::FileTooLarge(_)
        | AppError::TooLarge
        | AppError::UnsupportedType(_)
        | AppError::BadRequest(_)
        | AppError::Conflict(_)) => {
            let (_, detail) = e.title_detail();
            Ok((e.status(), l.m(&detail).to_string()))
        }
        other => Err(other),
    }
}

async fn upload(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    req: Request,
) -> Result<Response, AppError> {
    match super::receive(&st, &info, id, rid, req).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/cases/{id}/records/{rid}/attachments?done=uploaded"
        ))
        .into_response()),
        Err(e) => {
            let (status, msg) = shown(e, l)?;
            let page = render(&st, l, &info, (id, rid), None, Some(msg)).await?;
            Ok((status, Page(page)).into_response())
        }
    }
}

async fn download(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, aid)): P<(i64, i64)>,
) -> Result<Response, AppError> {
    let (row, bytes) = super::download(&st, &info, id, aid).await?;
    Ok(super::api::file_response(&row, bytes))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
    /// The service record the page was showing, to come back to.
    rid: i64,
    reason: String,
}

async fn delete(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, aid)): P<(i64, i64)>,
    UiForm(f): UiForm<DeleteForm>,
) -> Result<Response, AppError> {
    match super::delete(&st, &info, id, aid, &f.reason).await {
        Ok(rid) => Ok(Redirect::to(&format!(
            "/cases/{id}/records/{rid}/attachments?done=deleted"
        ))
        .into_response()),
        Err(e) => {
            let (status, msg) = shown(e, l)?;
            let page = render(&st, l, &info, (id, f.rid), None, Some(msg)).await?;
            Ok((status, Page(page)).into_response())
        }
    }
}
