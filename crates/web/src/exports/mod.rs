//! Export of every list a user can see to `.xlsx` (issue 3 point 11; records of 7.6.4).
//!
//! One rule for every list: `<list page>/export.xlsx` (the "导出 Excel" button on the page, which
//! keeps the page's filters) and `/api/v1/<list>/export.xlsx` are the same handler, taking the
//! list's own filters and running the list's own store query in the user's scope. Each list has
//! one file here; this part checks the right to export, builds the workbook, writes the audit
//! entry (`<feature>.export`: the row count and whether numbers were revealed, never names or
//! numbers) in the transaction that reads the rows, and answers the file.
//!
//! ID and phone numbers stay masked as on the page; `reveal=1` gives the full numbers only to
//! roles that may reveal them (`Action::RevealIdentity`), and the audit entry says so.

mod alerts;
mod audit;
mod communities;
mod duplicates;
mod households;
mod imports;
mod persons;
mod reviews;
mod transfers;
mod users;
mod visits;

/// What every list's export uses.
mod prelude {
    pub use super::{Cell, Column, Sheet, code, col, grant, places, time};
    pub use crate::auth::Authed;
    pub use crate::error::{AppError, Problem};
    pub use crate::extract::Q;
    pub use crate::state::AppState;
    pub use axum::extract::State;
    pub use axum::response::Response;
    pub use serde::Deserialize;
    pub use serde_json::json;
    pub use shegong_store::exports::all;
}

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::{list_href, url_encode};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::{Value, json};
use shegong_domain::policy::{Action, role_may};
use shegong_domain::{Msg, clock, dates};
use shegong_store::audit::{Event, append};
use shegong_store::{DbConn, StoreResult};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The page routes: the same handlers as the API, at the list pages' paths.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/persons/export.xlsx", get(persons::export))
        .route("/persons/duplicates/export.xlsx", get(duplicates::export))
        .route("/households/export.xlsx", get(households::export))
        .route("/households/reviews/export.xlsx", get(reviews::export))
        .route("/care/visits/export.xlsx", get(visits::export))
        .route("/care/alerts/export.xlsx", get(alerts::export))
        .route("/transfers/export.xlsx", get(transfers::export))
        .route("/imports/export.xlsx", get(imports::export))
        .route("/communities/export.xlsx", get(communities::export))
        .route("/users/export.xlsx", get(users::export))
        .route("/audit/export.xlsx", get(audit::export))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(persons::export))
        .routes(routes!(duplicates::export))
        .routes(routes!(households::export))
        .routes(routes!(reviews::export))
        .routes(routes!(visits::export))
        .routes(routes!(alerts::export))
        .routes(routes!(transfers::export))
        .routes(routes!(imports::export))
        .routes(routes!(communities::export))
        .routes(routes!(users::export))
        .routes(routes!(audit::export))
}

/// The export link of a list page: `path` with the page's current filters (never its page
/// number), or nothing when the user may not export.
pub fn href(info: &AuthInfo, path: &str, filters: &[(&str, Option<&str>)]) -> Option<String> {
    if !role_may(info.principal.role, Action::ExportRecords) {
        return None;
    }
    let all = list_href(path, filters, 1);
    let filters = all.strip_suffix("page=1").unwrap_or(&all);
    Some(filters.trim_end_matches(['&', '?']).to_string())
}

/// The right to export, checked. Only [`grant`] makes one, so no export runs unchecked.
pub struct Grant {
    reveal: bool,
}

impl Grant {
    /// Whether the user asked for full numbers and may have them.
    pub fn reveal(&self) -> bool {
        self.reveal
    }
}

/// `Action::ExportRecords` for the user's role (403 otherwise); `reveal` (`1` or `0`, for lists
/// that show masked numbers) also needs `Action::RevealIdentity`.
pub fn grant(info: &AuthInfo, reveal: Option<&str>) -> Result<Grant, AppError> {
    if !role_may(info.principal.role, Action::ExportRecords) {
        return Err(AppError::forbidden());
    }
    let reveal = match reveal.map(str::trim) {
        None | Some("" | "0") => false,
        Some("1" | "true") => true,
        Some(_) => {
            return Err(AppError::invalid(
                "reveal",
                Msg::new("reveal 只能为 1 或 0", "reveal is 1 or 0"),
            ));
        }
    };
    if reveal && !role_may(info.principal.role, Action::RevealIdentity) {
        return Err(AppError::forbidden());
    }
    Ok(Grant { reveal })
}

/// A column: its Chinese and English heading and its width in characters.
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
    pub width: f64,
}

pub const fn col(zh: &'static str, en: &'static str, width: f64) -> Column {
    Column { zh, en, width }
}

/// One cell of a row.
pub enum Cell {
    Text(String),
    /// Text that must stay text: ID and phone numbers, org codes (as numbers they would lose
    /// digits or leading zeros).
    Code(String),
    Number(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        Cell::Text(s.unwrap_or_default())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n as f64)
    }
}

impl From<Msg> for Cell {
    fn from(m: Msg) -> Cell {
        Cell::Text(m.zh.into_owned())
    }
}

/// A text cell kept as text (see [`Cell::Code`]).
pub fn code(s: impl Into<String>) -> Cell {
    Cell::Code(s.into())
}

/// A time as the pages show it (China time), empty when there is none.
pub fn time(t: Option<i64>) -> Cell {
    Cell::Text(t.map(clock::display).unwrap_or_default())
}

/// What one list's export is.
pub struct Sheet {
    /// The file name's first part, in English; the file name never holds personal data.
    pub file: &'static str,
    /// The sheet's name and the title's subject, in Chinese.
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The audit action (`household.export`) and the kind of record listed.
    pub action: &'static str,
    pub kind: &'static str,
    /// Whether the rows are about people (the title then asks to keep the file safe).
    pub personal: bool,
}

/// The export itself: `read` runs the list's query and turns the items into rows, inside the
/// write transaction that records the audit entry, so an export is never unaudited. `filters`
/// goes into the entry as given: choices and codes only, never search text.
pub async fn export<F>(
    st: &AppState,
    info: &AuthInfo,
    g: Grant,
    sheet: &'static Sheet,
    filters: Value,
    read: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&mut DbConn) -> StoreResult<Vec<Vec<Cell>>> + Send + 'static,
{
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    let rows = st
        .write(move |c| {
            let rows = read(c)?;
            append(
                c,
                &keys,
                &Event::new(&actor, sheet.action, sheet.kind, "list")
                    .org(org)
                    .detail(json!({
                        "count": rows.len(),
                        "revealed": g.reveal,
                        "filters": filters,
                    })),
            )?;
            Ok(rows)
        })
        .await?;
    let bytes = tokio::task::spawn_blocking(move || workbook(sheet, &rows))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let day = dates::iso(dates::today());
    let disposition = format!(
        "attachment; filename=\"{}-{day}.xlsx\"; filename*=UTF-8''{}-{day}.xlsx",
        sheet.file,
        url_encode(sheet.name)
    );
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// A title row, a bold header row (Chinese with the English in brackets) frozen above the rows.
fn workbook(sheet: &Sheet, rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet.name)?;
    for (i, c) in sheet.columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width)?;
    }
    ws.set_freeze_panes(2, 0)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let care = if sheet.personal {
        ";含个人信息,请妥善保管"
    } else {
        ""
    };
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{}(导出于 {},共 {} 行{care})",
            sheet.name,
            clock::display(clock::now()),
            rows.len()
        ),
        &bold,
    )?;
    for (i, c) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(1, i as u16, format!("{} ({})", c.zh, c.en), &bold)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = 2 + r as u32;
        for (i, cell) in cells.iter().enumerate() {
            let i = i as u16;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    ws.write_string(r, i, s)?;
                }
                Cell::Code(s) => {
                    ws.write_string_with_format(r, i, s, &text)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, i, *n)?;
                }
            }
        }
    }
    wb.save_to_buffer()
}

/// The names of the places of exported rows, for a "village" column beside the code.
pub fn places(
    c: &mut DbConn,
    codes: impl Iterator<Item = String>,
) -> StoreResult<HashMap<String, String>> {
    let mut codes: Vec<String> = codes.filter(|c| !c.is_empty()).collect();
    codes.sort();
    codes.dedup();
    shegong_store::org::names(c, &codes)
}
