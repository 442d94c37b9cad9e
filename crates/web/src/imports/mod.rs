//! Excel import of person rosters (issue 3 point 10, 7.6.4): upload → column mapping → dry run
//! listing every bad row → all-or-nothing commit → report. The same logic for the pages and the
//! API; the rules are `domain::roster` and `domain::person::validate`, the work `store::imports`.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::{AppError, Problem, ProblemField};
use crate::persons::viewer;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::policy::{Action, Target, role_may};
use shegong_domain::roster::Mapping;
use shegong_domain::{Invalid, Msg, clock};
use shegong_store::imports::{self, DryRun, ImportRow, Report, Upload};
use shegong_store::query::{Listing, Page};
use shegong_store::{StoreError, org};

/// The text of one field of a multipart body (`None` when absent or unreadable).
pub async fn multipart_text(body: Bytes, boundary: &str, name: &str) -> Option<String> {
    let stream = futures_util::stream::iter([Ok::<Bytes, std::convert::Infallible>(body)]);
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// An uploaded roster: the file and, optionally, the station it is for.
pub struct FilePart {
    pub file_name: String,
    pub bytes: Bytes,
    pub org_code: Option<String>,
}

fn too_large() -> AppError {
    AppError::TooLarge
}

/// Reads a `multipart/form-data` body: the `file` part, and `org_code` if sent. A file over the
/// import limit is 413; a body that is not multipart is 415.
pub async fn read_multipart(
    st: &AppState,
    content_type: Option<&str>,
    body: axum::body::Body,
) -> Result<FilePart, AppError> {
    let ct = content_type.unwrap_or_default();
    let boundary = if ct.starts_with("multipart/form-data") {
        multer::parse_boundary(ct).ok()
    } else {
        None
    };
    let Some(boundary) = boundary else {
        return Err(AppError::UnsupportedType(Msg::new(
            "请以 multipart/form-data 上传文件(字段名 file)",
            "upload the file as multipart/form-data (field `file`)",
        )));
    };
    let limit = st.cfg.import_limit;
    let bytes = axum::body::to_bytes(body, limit + 64 * 1024)
        .await
        .map_err(|_| too_large())?;
    let stream = futures_util::stream::iter([Ok::<Bytes, std::convert::Infallible>(bytes)]);
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut file = None;
    let mut org_code = None;
    let bad = || {
        AppError::BadRequest(Msg::new(
            "上传内容格式有误,请重新选择文件上传",
            "the upload is malformed; choose the file and upload again",
        ))
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(bad()),
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("roster.xlsx").to_string();
                let data = field.bytes().await.map_err(|_| bad())?;
                if data.len() > limit {
                    return Err(too_large());
                }
                file = Some((name, data));
            }
            Some("org_code") => {
                let t = field.text().await.map_err(|_| bad())?;
                let t = t.trim().to_string();
                if !t.is_empty() {
                    org_code = Some(t);
                }
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::invalid(
            "file",
            Msg::new(
                "请选择要导入的 Excel 文件",
                "choose the Excel file to import",
            ),
        ));
    };
    Ok(FilePart {
        file_name,
        bytes,
        org_code,
    })
}

/// Imports need the right to write records (403 otherwise).
pub fn ensure_importer(info: &AuthInfo) -> Result<(), AppError> {
    if role_may(info.principal.role, Action::WriteRecord) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The station a roster goes to: the one asked for, else the user's own; it must be a township
/// station the user may write records at.
fn station(info: &AuthInfo, asked: Option<&str>) -> Result<String, AppError> {
    let code = asked.unwrap_or(&info.user.org_code);
    let code = OrgCode::parse(code).map_err(|m| AppError::invalid("org_code", m))?;
    let code = match code.level() {
        OrgLevel::Township => code,
        OrgLevel::Village => code.parent().ok_or_else(|| {
            AppError::invalid("org_code", Msg::new("没有这个社工站", "no such station"))
        })?,
        _ => {
            return Err(AppError::invalid(
                "org_code",
                Msg::new(
                    "花名册须导入到一个乡镇(街道)社工站:请指定社工站代码",
                    "a roster goes to one township station: give its code",
                ),
            ));
        }
    };
    info.check(Action::WriteRecord, &Target::at(code.as_str()))?;
    Ok(code.to_string())
}

/// Reads, stores and dry-runs an uploaded roster.
pub async fn upload(
    st: &AppState,
    info: &AuthInfo,
    part: FilePart,
) -> Result<(ImportRow, DryRun), AppError> {
    ensure_importer(info)?;
    let station = station(info, part.org_code.as_deref())?;
    let FilePart {
        file_name, bytes, ..
    } = part;
    // Parsing a large workbook is CPU work: off the async threads.
    let up = tokio::task::spawn_blocking(move || Upload::read(&bytes, &file_name))
        .await
        .map_err(AppError::internal)?
        .map_err(|m| AppError::Invalid(Invalid::one("file", m)))?;
    let keys = st.keys.clone();
    let v = viewer(info);
    let actor = info.actor();
    let now = clock::now();
    st.write(move |c| {
        if org::get_unscoped(c, &station)?.is_none() {
            return Err(StoreError::Invalid(Invalid::one(
                "org_code",
                Msg::new("没有这个社工站", "no such station"),
            )));
        }
        imports::expire(c, now)?;
        imports::create(c, &keys, &v, &station, &up, &actor, now)
    })
    .await
}

pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    page: Page,
) -> Result<Listing<ImportRow>, AppError> {
    ensure_importer(info)?;
    let scope = info.principal.scope.clone();
    st.read(move |c| imports::list(c, &scope, page)).await
}

/// One import of the user's stations and its latest dry run (none once committed or expired).
pub async fn get(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<(ImportRow, Option<DryRun>), AppError> {
    let scope = info.principal.scope.clone();
    let keys = st.keys.clone();
    let (row, run) = st
        .read(move |c| {
            let row = imports::get(c, &scope, id)?;
            let run = imports::result(c, &keys, id)?;
            Ok((row, run))
        })
        .await?;
    info.check(Action::WriteRecord, &Target::at(&row.org_code))?;
    Ok((row, run))
}

pub async fn set_mapping(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
    mapping: Mapping,
) -> Result<(ImportRow, DryRun), AppError> {
    get(st, info, id).await?;
    let keys = st.keys.clone();
    let v = viewer(info);
    let actor = info.actor();
    let now = clock::now();
    st.write(move |c| imports::set_mapping(c, &keys, &v, id, &mapping, &actor, now))
        .await
}

/// Commits: `Err(Refused)` when rows are bad (nothing written).
pub async fn commit(
    st: &AppState,
    info: &AuthInfo,
    id: i64,
) -> Result<Result<Report, DryRun>, AppError> {
    get(st, info, id).await?;
    let keys = st.keys.clone();
    let v = viewer(info);
    let actor = info.actor();
    let now = clock::now();
    let outcome = st
        .write(move |c| imports::commit(c, &keys, &v, id, &actor, now))
        .await?;
    if outcome.is_ok() {
        // In the background: the report need not wait for the planner's statistics.
        let db = st.db.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = db.refresh_statistics() {
                tracing::warn!(error = %e, "refreshing statistics after an import failed");
            }
        });
    }
    Ok(outcome)
}

/// The status shown: a pending import past its time is expired even before it is swept.
pub fn status(row: &ImportRow) -> &str {
    if row.status == imports::PENDING && row.expires_at < clock::now() {
        imports::EXPIRED
    } else {
        &row.status
    }
}

pub fn status_label(s: &str) -> Msg {
    match s {
        imports::PENDING => Msg::new("待提交", "pending"),
        imports::COMMITTED => Msg::new("已导入", "committed"),
        _ => Msg::new("已过期", "expired"),
    }
}

/// 422 for a commit refused because of bad rows: problem+json listing each row's problems.
pub fn refused(run: &DryRun) -> Response {
    let body = Problem {
        kind: "about:blank",
        status: 422,
        title: "输入有误".into(),
        detail: format!(
            "有 {} 行数据有错误,整个文件未导入任何数据;请修改后重新上传",
            run.rows_bad
        ),
        errors: run
            .errors
            .iter()
            .map(|e| ProblemField {
                field: format!("第 {} 行 {}", e.row, e.column),
                message: e.reason.clone(),
            })
            .collect(),
    };
    let mut r = (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        axum::Json(body),
    )
        .into_response();
    // Marks the body as a finished problem, so the error layer keeps it.
    r.extensions_mut().insert(AppError::Invalid(Invalid::new()));
    r
}
