//! `/api/v1/imports`: upload a roster (multipart), change its column mapping, commit it.

use crate::auth::Authed;
use crate::error::{ApiResult, AppError, Problem};
use crate::extract::{ApiJson, P, Q};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shegong_domain::Msg;
use shegong_domain::roster::{Field, Mapping, column_letter};
use shegong_store::imports::{DryRun, ImportRow};
use shegong_store::query::Page;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(get_one))
        .routes(routes!(set_mapping))
        .routes(routes!(commit))
}

#[derive(Serialize, ToSchema)]
pub struct ColumnOut {
    /// 0-based column index (what a mapping refers to).
    index: usize,
    /// The spreadsheet letter: A, B, … AA.
    letter: String,
    /// The column name in the header row (normalised).
    name: String,
    /// The field this column is mapped to, if any.
    field: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorOut {
    /// Row number as Excel shows it (1-based).
    row: usize,
    /// Column letter and name, e.g. `C(身份证号码)`.
    column: String,
    /// Why, in Chinese.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct DryRunOut {
    rows_total: usize,
    rows_bad: usize,
    to_create: usize,
    to_update: usize,
    unchanged: usize,
    /// Households the commit would create (household columns, 8.1.1).
    households_new: usize,
    /// People it would place in a household or whose relation to the head it would change.
    members_new: usize,
    /// Every problem of every bad row.
    errors: Vec<RowErrorOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    created: i64,
    updated: i64,
    unchanged: i64,
    households_new: usize,
    members_new: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    id: i64,
    /// The station the roster goes to.
    org_code: String,
    file_name: String,
    /// `pending`, `committed` or `expired`.
    status: String,
    /// The header's row number (1-based).
    header_row: i64,
    columns: Vec<ColumnOut>,
    /// Field → 0-based column index, e.g. `{"name": 1, "id_number": 2}`.
    mapping: BTreeMap<String, usize>,
    /// The latest dry run (while pending).
    dry_run: Option<DryRunOut>,
    /// What the commit did (once committed).
    report: Option<ReportOut>,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    committed_at: Option<i64>,
}

impl ImportOut {
    pub fn from(row: ImportRow, run: Option<DryRun>) -> ImportOut {
        let mapping = row.mapping();
        let columns = row
            .columns()
            .into_iter()
            .enumerate()
            .map(|(i, name)| ColumnOut {
                index: i,
                letter: column_letter(i),
                name,
                field: mapping
                    .iter()
                    .find(|(_, c)| **c == i)
                    .map(|(f, _)| f.key().to_string()),
            })
            .collect();
        let status = super::status(&row).to_string();
        ImportOut {
            id: row.id,
            org_code: row.org_code.clone(),
            file_name: row.file_name.clone(),
            header_row: row.header_row + 1,
            columns,
            mapping: mapping
                .iter()
                .map(|(f, c)| (f.key().to_string(), *c))
                .collect(),
            report: (row.status == "committed").then(|| ReportOut {
                created: row.created,
                updated: row.updated,
                unchanged: row.unchanged,
                households_new: run.as_ref().map_or(0, |r| r.households_new),
                members_new: run.as_ref().map_or(0, |r| r.members_new),
            }),
            dry_run: run.filter(|_| status == "pending").map(|r| DryRunOut {
                rows_total: r.rows_total,
                rows_bad: r.rows_bad,
                to_create: r.to_create,
                to_update: r.to_update,
                unchanged: r.unchanged,
                households_new: r.households_new,
                members_new: r.members_new,
                errors: r
                    .errors
                    .into_iter()
                    .map(|e| RowErrorOut {
                        row: e.row,
                        column: e.column,
                        reason: e.reason,
                    })
                    .collect(),
            }),
            status,
            created_by: row.created_by_name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            committed_at: row.committed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportList {
    items: Vec<ImportOut>,
    total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Imports of the stations in the user's scope, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", params(ListQuery),
    responses((status = 200, body = ImportList), (status = 403, body = Problem)))]
async fn list(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<ImportList>> {
    let l = super::list(&st, &info, Page::new(q.page, q.per_page)).await?;
    Ok(Json(ImportList {
        total: l.total,
        items: l
            .items
            .into_iter()
            .map(|r| ImportOut::from(r, None))
            .collect(),
    }))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The roster: `.xlsx` or `.xls` (at most 20 MB by default, 200,000 rows).
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// The station (乡镇/街道社工站) the roster is for; the user's own when left out.
    org_code: Option<String>,
}

/// Upload a roster (`multipart/form-data`, field `file`): it is read, its header row found, its
/// columns mapped (the mapping last chosen for the same layout, else guessed) and every row
/// dry-run. Nothing is registered until the import is committed. 413 over the size limit; 422 for
/// a file that is not a spreadsheet or has no recognisable header.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ImportOut), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn upload(
    State(st): State<AppState>,
    Authed(info): Authed,
    req: Request,
) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    super::ensure_importer(&info)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let part = super::read_multipart(&st, ct.as_deref(), req.into_body()).await?;
    let (row, run) = super::upload(&st, &info, part).await?;
    Ok((StatusCode::CREATED, Json(ImportOut::from(row, Some(run)))))
}

/// One import with its latest dry run or its report; 404 out of scope.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, body = ImportOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_one(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Json<ImportOut>> {
    let (row, run) = super::get(&st, &info, id).await?;
    Ok(Json(ImportOut::from(row, run)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingIn {
    /// Field → 0-based column index. Fields: name (required), id_number, gender, ethnicity,
    /// birth_date, phone, address, village, category, disability_grade, health,
    /// difficulty_degree, monthly_income, employment, notes.
    mapping: BTreeMap<String, usize>,
}

/// Choose which column holds which field; remembered for files with the same header row. The
/// dry run is done again.
#[utoipa::path(put, path = "/api/v1/imports/{id}/mapping", tag = "imports", params(("id" = i64, Path)),
    request_body = MappingIn,
    responses((status = 200, body = ImportOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_mapping(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
    ApiJson(b): ApiJson<MappingIn>,
) -> ApiResult<Json<ImportOut>> {
    let mut m = Mapping::new();
    for (k, c) in b.mapping {
        let f = Field::from_key(&k).ok_or_else(|| {
            AppError::invalid(
                "mapping",
                Msg::owned(format!("未知的字段“{k}”"), format!("unknown field “{k}”")),
            )
        })?;
        m.insert(f, c);
    }
    let (row, run) = super::set_mapping(&st, &info, id, m).await?;
    Ok(Json(ImportOut::from(row, Some(run))))
}

/// Register everything, all or nothing, in one transaction. Any bad row (the data may have
/// changed since the dry run) refuses the whole file: 422 listing each row's problems.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, body = ImportOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn commit(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> ApiResult<Response> {
    match super::commit(&st, &info, id).await? {
        Ok(_) => {
            let (row, run) = super::get(&st, &info, id).await?;
            Ok(Json(ImportOut::from(row, run)).into_response())
        }
        Err(run) => Ok(super::refused(&run)),
    }
}
