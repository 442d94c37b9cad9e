//! Attachments of service records (10.3; issue 4 point 2; decision 0017): photos and scans taken
//! at a visit. The case is opened as `cases::load` opens it (out of scope or hidden → 404, a role
//! that reads no records → 403, a sensitive case's reading audited); uploading and deleting need
//! the case's write permission and a case that takes service records (`case::may_record`: an
//! ended case refuses until reopened). The file is checked by `domain::attachment` from its
//! content, held to the size limit while it streams in (413 without reading the rest), stored
//! encrypted through `store::files`, and only then given its row; a refusal leaves nothing.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::cases::{self, Loaded, refused};
use crate::error::AppError;
use crate::state::AppState;
use bytes::Bytes;
use futures_util::Stream;
use shegong_domain::attachment::{self, Checked};
use shegong_domain::case::{self as case, Record};
use shegong_domain::policy::Action;
use shegong_domain::{Msg, clock, text};
use shegong_store::attachments::{self as store, AttachmentRow, NewAttachment};
use shegong_store::cases::Kind;
use shegong_store::files;
use shegong_store::keys::sha256_hex;

/// Room for the multipart framing and small fields (`_csrf`) around the file.
const FRAMING: usize = 64 * 1024;

/// A case opened on one of its service records (404 for any other record).
fn on_record(l: &Loaded, rid: i64) -> Result<(), AppError> {
    if l.records
        .iter()
        .any(|r| r.id == rid && r.kind == Kind::Service.id())
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the user may add and delete attachments on this case now.
pub fn may_write(info: &AuthInfo, l: &Loaded) -> bool {
    info.check(Action::WriteRecord, &l.target(info.user.id))
        .is_ok()
        && case::may_record(&l.state, Record::Service).is_ok()
}

/// A case to change attachments on: write permission (403), a state that takes service records
/// (409 with the domain's reason).
async fn open_for_writing(st: &AppState, info: &AuthInfo, id: i64) -> Result<Loaded, AppError> {
    let l = cases::load_for_writing(st, info, id).await?;
    case::may_record(&l.state, Record::Service).map_err(refused)?;
    Ok(l)
}

/// The attachments of service record `rid` of case `id`, deleted ones included.
pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    rid: i64,
) -> Result<(Loaded, Vec<AttachmentRow>), AppError> {
    let l = cases::load(st, info, id).await?;
    on_record(&l, rid)?;
    let rows = st.read(move |c| store::of_record(c, id, rid)).await?;
    Ok((l, rows))
}

/// The file sent, read up to the limit.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
}

fn malformed() -> AppError {
    AppError::BadRequest(Msg::new(
        "上传内容格式有误,请重新选择文件上传",
        "the upload is malformed; choose the file and upload again",
    ))
}

/// Reads the `file` part of a `multipart/form-data` body as it streams in. A body announced or
/// found larger than the limit is refused with 413 at once: a 200 MB upload is never held.
async fn read_upload<S>(
    st: &AppState,
    content_type: Option<&str>,
    content_length: Option<u64>,
    body: S,
) -> Result<Upload, AppError>
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Send + 'static,
{
    let limit = st.cfg.attachment_limit;
    let too_large = || AppError::FileTooLarge(attachment::too_large(limit));
    let boundary = content_type
        .filter(|ct| ct.starts_with("multipart/form-data"))
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| {
            AppError::UnsupportedType(Msg::new(
                "请以 multipart/form-data 上传文件(字段名 file)",
                "upload the file as multipart/form-data (field `file`)",
            ))
        })?;
    if content_length.is_some_and(|n| n > (limit + FRAMING) as u64) {
        return Err(too_large());
    }
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream((limit + FRAMING) as u64));
    let mut mp = multer::Multipart::with_constraints(body, boundary, constraints);
    let over = |e: &multer::Error| {
        matches!(
            e,
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. }
        )
    };
    let mut file = None;
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if over(&e) => return Err(too_large()),
            Err(_) => return Err(malformed()),
        };
        if field.name() != Some("file") || file.is_some() {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if over(&e) => return Err(too_large()),
                Err(_) => return Err(malformed()),
            }
        }
        file = Some(Upload {
            file_name: name,
            bytes,
        });
    }
    file.ok_or_else(|| {
        AppError::invalid(
            "file",
            Msg::new(
                "请选择要上传的照片或扫描件",
                "choose a photo or scan to upload",
            ),
        )
    })
}

/// Receives an upload for service record `rid` of case `id`: the access and the case's state are
/// decided before the body is read; then the file is checked and kept — the bytes first
/// (encrypted, under a fresh random key), then the row with its audit entry. When the row cannot
/// be written the bytes are removed again.
pub async fn receive(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    rid: i64,
    req: axum::extract::Request,
) -> Result<i64, AppError> {
    let (parts, body) = req.into_parts();
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(axum::http::header::CONTENT_TYPE);
    let content_length = header(axum::http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
    let l = open_for_writing(st, info, id).await?;
    on_record(&l, rid)?;
    let up = read_upload(
        st,
        content_type.as_deref(),
        content_length,
        body.into_data_stream(),
    )
    .await?;
    let Checked {
        file_name, kind, ..
    } = attachment::check(&up.file_name, &up.bytes)?;
    let key = files::new_key();
    let sha256 = sha256_hex(&up.bytes);
    let size = up.bytes.len() as i64;
    let sealed = files::seal(&st.keys, &key, &up.bytes);
    drop(up);
    let storage = st.files.clone();
    let k = key.clone();
    tokio::task::spawn_blocking(move || storage.put(&k, &sealed))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let v = crate::persons::viewer(info);
    let k = key.clone();
    let kept = st
        .write(move |c| {
            // The case may have ended since it was read: decided again inside the write.
            let now_case = shegong_store::cases::get(c, &v, id)?;
            case::may_record(&now_case.case.state()?, Record::Service)
                .map_err(|r| shegong_store::StoreError::Conflict(r.message().clone()))?;
            store::insert(
                c,
                &keys,
                &now_case.case,
                &NewAttachment {
                    record_id: rid,
                    storage_key: &k,
                    file_name: &file_name,
                    content_type: kind.mime(),
                    size,
                    sha256: &sha256,
                },
                &actor,
                clock::now(),
            )
        })
        .await;
    if kept.is_err() {
        remove_bytes(st, key).await;
    }
    kept
}

/// Removes stored bytes no row names any more; a failure leaves an unreadable orphan (encrypted)
/// and is logged without personal data.
async fn remove_bytes(st: &AppState, key: String) {
    let storage = st.files.clone();
    let res = tokio::task::spawn_blocking(move || storage.delete(&key)).await;
    if !matches!(res, Ok(Ok(()))) {
        tracing::warn!("an attachment's stored bytes could not be removed");
    }
}

/// A download: the row (for its name and type) and the bytes, checked against their SHA-256.
/// Every download is audited.
pub async fn download(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    aid: i64,
) -> Result<(AttachmentRow, Vec<u8>), AppError> {
    let l = cases::load(st, info, id).await?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let row = st
        .write(move |c| store::read(c, &keys, &l.case.case, aid, &actor))
        .await?;
    let storage = st.files.clone();
    let key = row.storage_key.clone();
    let sealed = tokio::task::spawn_blocking(move || storage.get(&key))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let plain = files::open(&st.keys, &row.storage_key, &sealed).map_err(AppError::internal)?;
    if sha256_hex(&plain) != row.sha256 {
        return Err(AppError::internal(
            "an attachment does not match its checksum",
        ));
    }
    Ok((row, plain))
}

/// Deletes an attachment with its reason: the row stays (who, when, why), the bytes go.
pub async fn delete(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    aid: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let l = open_for_writing(st, info, id).await?;
    let reason = text::reason(reason).map_err(|m| AppError::invalid("reason", m))?;
    let keys = st.keys.clone();
    let actor = info.actor();
    let (key, rid) = st
        .write(move |c| {
            let rid = store::get(c, l.case.case.id, aid)?.record_id;
            let key = store::delete(c, &keys, &l.case.case, aid, &reason, &actor, clock::now())?;
            Ok((key, rid))
        })
        .await?;
    remove_bytes(st, key).await;
    Ok(rid)
}

/// `Content-Disposition: attachment` with the name in UTF-8 (RFC 6266/5987) and a plain
/// fallback, so a browser saves the file instead of showing it.
pub fn disposition(file_name: &str, content_type: &str) -> String {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or(if content_type == "application/pdf" {
            "pdf"
        } else {
            "bin"
        });
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"attachment.{ext}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_download_name_is_encoded_and_has_a_plain_fallback() {
        assert_eq!(
            super::disposition("家访 1.jpg", "image/jpeg"),
            "attachment; filename=\"attachment.jpg\"; filename*=UTF-8''%E5%AE%B6%E8%AE%BF%201.jpg"
        );
        assert!(super::disposition("a\";.pdf", "application/pdf").contains("%22%3B.pdf"));
    }
}
