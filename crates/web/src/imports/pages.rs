//! The import pages: `/imports` (this station's imports), `/imports/new` (upload) and
//! `/imports/{id}` (column mapping, dry-run result, commit, report). Plain forms with `_csrf`
//! (the upload as `multipart/form-data`), so everything works without JavaScript.

use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::clock;
use shegong_domain::roster::{Field, Mapping, column_letter};
use shegong_store::imports::{DryRun, ImportRow};
use shegong_store::query::Page as PageNo;
use std::collections::HashMap;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list))
        .route("/imports/new", get(new_form).post(new_submit))
        .route("/imports/{id}", get(detail))
        .route("/imports/{id}/mapping", post(mapping_submit))
        .route("/imports/{id}/commit", post(commit_submit))
}

pub struct ImportView {
    pub id: i64,
    pub file_name: String,
    pub org_code: String,
    pub status: String,
    pub status_label: String,
    pub created_by: String,
    pub created: String,
    pub expires: String,
    pub committed: String,
    pub header_row: i64,
    pub rows_total: i64,
    pub rows_bad: i64,
    pub created_n: i64,
    pub updated_n: i64,
    pub unchanged_n: i64,
}

impl ImportView {
    fn new(r: &ImportRow, l: Lang) -> ImportView {
        let status = super::status(r).to_string();
        ImportView {
            id: r.id,
            file_name: r.file_name.clone(),
            org_code: r.org_code.clone(),
            status_label: l.m(&super::status_label(&status)).to_string(),
            status,
            created_by: r.created_by_name.clone(),
            created: clock::display(r.created_at),
            expires: clock::display(r.expires_at),
            committed: r.committed_at.map(clock::display).unwrap_or_default(),
            header_row: r.header_row + 1,
            rows_total: r.rows_total,
            rows_bad: r.rows_bad,
            created_n: r.created,
            updated_n: r.updated,
            unchanged_n: r.unchanged,
        }
    }
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "imports_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ImportView>,
    total: i64,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    export_href: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    page: Option<i64>,
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(p): Q<ListParams>,
) -> Result<Response, AppError> {
    let page = PageNo::new(p.page, Some(50));
    let listing = super::list(&st, &info, page).await?;
    let pages = ((listing.total + page.per_page - 1) / page.per_page).max(1);
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/imports"),
        export_href: crate::exports::href(&info, "/imports/export.xlsx", &[]),
        rows: listing
            .items
            .iter()
            .map(|r| ImportView::new(r, l))
            .collect(),
        total: listing.total,
        page: page.page,
        prev: (page.page > 1).then(|| format!("/imports?page={}", page.page - 1)),
        next: (page.page < pages).then(|| format!("/imports?page={}", page.page + 1)),
    })
    .into_response())
}

// ---------------------------------------------------------------- upload

#[derive(Template)]
#[template(path = "imports_new.html")]
struct NewPage {
    c: Chrome,
    error: Option<String>,
    limit_mb: usize,
}

fn new_page(st: &AppState, l: Lang, info: &Arc<AuthInfo>, error: Option<String>) -> NewPage {
    NewPage {
        c: Chrome::for_user(l, info, "/imports/new"),
        error,
        limit_mb: st.cfg.import_limit / (1024 * 1024),
    }
}

async fn new_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    super::ensure_importer(&info)?;
    Ok(Page(new_page(&st, l, &info, None)).into_response())
}

async fn new_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    req: Request,
) -> Result<Response, AppError> {
    super::ensure_importer(&info)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = match super::read_multipart(&st, ct.as_deref(), req.into_body()).await {
        Ok(part) => super::upload(&st, &info, part).await,
        Err(e) => Err(e),
    };
    match res {
        Ok((row, _)) => Ok(Redirect::to(&format!("/imports/{}", row.id)).into_response()),
        // The form again with the reason: a bad file, too large, no header.
        Err(
            e @ (AppError::Invalid(_)
            | AppError::TooLarge
            | AppError::UnsupportedType(_)
            | AppError::BadRequest(_)),
        ) => {
            let status = e.status();
            let (_, detail) = e.title_detail();
            let msg = match &e {
                AppError::Invalid(i) => i
                    .errors
                    .iter()
                    .map(|x| l.m(&x.message).to_string())
                    .collect::<Vec<_>>()
                    .join(";"),
                AppError::TooLarge => format!(
                    "{}{} MB",
                    l.t("文件太大,上限为 ", "The file is too large; the limit is "),
                    st.cfg.import_limit / (1024 * 1024)
                ),
                _ => l.m(&detail).to_string(),
            };
            Ok((status, Page(new_page(&st, l, &info, Some(msg)))).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- detail

pub struct ColumnOpt {
    pub index: usize,
    pub label: String,
    pub selected: bool,
}

pub struct FieldRow {
    pub key: &'static str,
    pub label: String,
    pub required: bool,
    pub options: Vec<ColumnOpt>,
    pub none_selected: bool,
}

pub struct ErrorRow {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

pub struct RunView {
    pub rows_total: usize,
    pub rows_bad: usize,
    pub to_create: usize,
    pub to_update: usize,
    pub unchanged: usize,
    pub households_new: usize,
    pub members_new: usize,
    pub errors: Vec<ErrorRow>,
}

#[derive(Template)]
#[template(path = "imports_detail.html")]
struct DetailPage {
    c: Chrome,
    i: ImportView,
    fields: Vec<FieldRow>,
    run: Option<RunView>,
    /// Households created and memberships placed by the commit.
    placed: (usize, usize),
    notice: Option<String>,
    pending: bool,
}

fn detail_page(
    l: Lang,
    info: &Arc<AuthInfo>,
    row: &ImportRow,
    run: Option<DryRun>,
    notice: Option<String>,
) -> DetailPage {
    let i = ImportView::new(row, l);
    let pending = i.status == "pending";
    let mapping = row.mapping();
    let columns = row.columns();
    let fields = Field::ALL
        .into_iter()
        .map(|f| {
            let chosen = mapping.get(&f).copied();
            FieldRow {
                key: f.key(),
                label: l.m(&f.label()).to_string(),
                required: f == Field::Name,
                none_selected: chosen.is_none(),
                options: columns
                    .iter()
                    .enumerate()
                    .map(|(ix, name)| ColumnOpt {
                        index: ix,
                        label: format!("{} {}", column_letter(ix), name),
                        selected: chosen == Some(ix),
                    })
                    .collect(),
            }
        })
        .collect();
    let placed = run
        .as_ref()
        .map_or((0, 0), |r| (r.households_new, r.members_new));
    let run = run.filter(|_| pending).map(|r| RunView {
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
            .map(|e| ErrorRow {
                row: e.row,
                column: e.column,
                reason: if l == Lang::En { e.reason_en } else { e.reason },
            })
            .collect(),
    });
    DetailPage {
        c: Chrome::for_user(l, info, "/imports"),
        i,
        fields,
        run,
        placed,
        notice,
        pending,
    }
}

async fn detail(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let (row, run) = super::get(&st, &info, id).await?;
    Ok(Page(detail_page(l, &info, &row, run, None)).into_response())
}

async fn mapping_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(form): UiForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut m = Mapping::new();
    for f in Field::ALL {
        if let Some(v) = form.get(f.key()).filter(|v| !v.is_empty()) {
            let col = v.parse::<usize>().map_err(|_| {
                AppError::invalid(
                    "mapping",
                    shegong_domain::Msg::new("列号有误", "bad column number"),
                )
            })?;
            m.insert(f, col);
        }
    }
    match super::set_mapping(&st, &info, id, m).await {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(AppError::Invalid(i)) => {
            let (row, run) = super::get(&st, &info, id).await?;
            let msg = i
                .errors
                .iter()
                .map(|e| l.m(&e.message).to_string())
                .collect::<Vec<_>>()
                .join(";");
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Page(detail_page(l, &info, &row, run, Some(msg))),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn commit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    match super::commit(&st, &info, id).await? {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(run) => {
            let (row, _) = super::get(&st, &info, id).await?;
            let msg = format!(
                "{} {} {}",
                l.t("有", "There are"),
                run.rows_bad,
                l.t(
                    "行数据有错误,整个文件未导入任何数据。请在 Excel 中修改后重新上传。",
                    "bad rows; nothing was imported. Correct them in Excel and upload again."
                )
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Page(detail_page(l, &info, &row, Some(run), Some(msg))),
            )
                .into_response())
        }
    }
}
