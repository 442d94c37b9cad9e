//! Export of the person list to `.xlsx` (issue 3 point 11): the people the user can see, with the
//! same filters as `GET /api/v1/persons`. ID and phone numbers are masked unless the user asks
//! (`reveal=1`) and may reveal them. Every export is audited (`person.export`, with the count and
//! whether numbers were revealed) in the transaction that reads the rows.

use crate::auth::Authed;
use crate::error::{AppError, Problem};
use crate::extract::Q;
use crate::persons::ListQuery;
use crate::persons::viewer;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use serde_json::json;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::{Invalid, Msg, clock, dates};
use shegong_store::StoreError;
use shegong_store::audit::{self, Event};
use shegong_store::exports::{self, ExportRow};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn pages() -> Router<AppState> {
    Router::new().route("/persons/export.xlsx", get(page_export))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_export))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Name or part of it, pinyin or initials, full ID number, or phone.
    q: Option<String>,
    /// A category code (current on today's date).
    category: Option<String>,
    /// A village or station code: that node and below.
    org_code: Option<String>,
    #[param(value_type = Option<i32>)]
    age_min: Option<String>,
    #[param(value_type = Option<i32>)]
    age_max: Option<String>,
    sensitivity: Option<String>,
    /// `1`: full ID and phone numbers (only for users who may reveal them; audited).
    reveal: Option<String>,
}

/// Exports people in scope matching the filters as an `.xlsx` file (at most 100,000 rows).
/// Audited as `person.export`.
#[utoipa::path(get, path = "/api/v1/persons/export.xlsx", tag = "persons", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn api_export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    export(&st, &info, q).await
}

async fn page_export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    export(&st, &info, q).await
}

async fn export(
    st: &AppState,
    info: &crate::auth::AuthInfo,
    q: ExportQuery,
) -> Result<Response, AppError> {
    if !role_may(info.principal.role, Action::ExportRecords) {
        return Err(AppError::forbidden());
    }
    let reveal = match q.reveal.as_deref().map(str::trim) {
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
    // The same filter rules as the list.
    let list = ListQuery {
        q: q.q,
        category: q.category,
        org_code: q.org_code,
        age_min: q.age_min,
        age_max: q.age_max,
        sensitivity: q.sensitivity,
        page: None,
        per_page: None,
    };
    let filter = list.filter()?;
    let v = viewer(info);
    let keys = st.keys.clone();
    let actor = info.actor();
    let org = info.user.org_code.clone();
    let rows = st
        .write(move |c| {
            let rows = match exports::rows(c, &keys, &v, &filter, reveal)? {
                Ok(r) => r,
                Err(m) => return Err(StoreError::Invalid(Invalid::one("filter", m))),
            };
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "person.export", "person", "list")
                    .org(org)
                    .detail(json!({
                        "count": rows.len(),
                        "revealed": reveal,
                        "filters": {
                            "q": filter.q.is_some(),
                            "category": filter.category,
                            "org_code": filter.org_code,
                            "age_min": filter.age_min,
                            "age_max": filter.age_max,
                            "sensitivity": filter.sensitivity.map(|s| s.id()),
                        },
                    })),
            )?;
            Ok(rows)
        })
        .await?;
    let bytes = tokio::task::spawn_blocking(move || workbook(&rows))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let day = dates::iso(dates::today()).replace('-', "");
    let disposition = format!(
        "attachment; filename=\"persons-{day}.xlsx\"; filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E5%AF%B9%E8%B1%A1-{day}.xlsx"
    );
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

const COLUMNS: [&str; 12] = [
    "姓名",
    "性别",
    "出生日期",
    "年龄",
    "身份证号",
    "联系电话",
    "民族",
    "村(社区)代码",
    "村(社区)",
    "住址",
    "类别",
    "密级",
];

fn workbook(rows: &[ExportRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("服务对象")?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(4, 22)?;
    ws.set_column_width(5, 16)?;
    ws.set_column_width(9, 30)?;
    ws.set_column_width(10, 24)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let today = dates::today();
    ws.write_string_with_format(
        0,
        0,
        format!(
            "服务对象名单(导出于 {},共 {} 人;含个人信息,请妥善保管)",
            clock::display(clock::now()),
            rows.len()
        ),
        &bold,
    )?;
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 2 + i as u32;
        let p = &r.person;
        let gender = match p.gender.as_deref() {
            Some("male") => "男",
            Some("female") => "女",
            _ => "",
        };
        let cats = r
            .categories
            .iter()
            .map(|(c, g)| {
                let label = crate::persons::api::category_label(c);
                match g {
                    Some(g) => format!("{label}({g}级)"),
                    None => label,
                }
            })
            .collect::<Vec<_>>()
            .join("、");
        let id = r.id_number.clone().or_else(|| p.id_number_masked.clone());
        let phone = r.phone.clone().or_else(|| p.phone_masked.clone());
        ws.write_string(row, 0, &p.name)?;
        ws.write_string(row, 1, gender)?;
        ws.write_string(row, 2, p.birth_date.as_deref().unwrap_or_default())?;
        if let Some(a) = p.age(today) {
            ws.write_number(row, 3, f64::from(a))?;
        }
        // Text cells: an ID number as a number would lose its last digits.
        ws.write_string_with_format(row, 4, id.as_deref().unwrap_or_default(), &text)?;
        ws.write_string_with_format(row, 5, phone.as_deref().unwrap_or_default(), &text)?;
        ws.write_string(row, 6, p.ethnicity.as_deref().unwrap_or_default())?;
        ws.write_string_with_format(row, 7, &p.org_code, &text)?;
        ws.write_string(row, 8, &r.place)?;
        ws.write_string(row, 9, &p.address)?;
        ws.write_string(row, 10, &cats)?;
        let sens = p.sensitivity().label();
        ws.write_string(row, 11, sens.zh.as_ref())?;
    }
    wb.save_to_buffer()
}
