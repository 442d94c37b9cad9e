//! The person list (`/persons`): the people the user can see, with the list's filters.

use super::prelude::*;
use crate::persons::{ListQuery, viewer};
use shegong_domain::dates;
use shegong_store::exports::{self, ExportRow};

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

const COLUMNS: [Column; 12] = [
    col("姓名", "Name", 12.0),
    col("性别", "Gender", 8.0),
    col("出生日期", "Born", 12.0),
    col("年龄", "Age", 8.0),
    col("身份证号", "ID number", 22.0),
    col("联系电话", "Phone", 16.0),
    col("民族", "Ethnicity", 8.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("住址", "Address", 30.0),
    col("类别", "Categories", 24.0),
    col("密级", "Sensitivity", 8.0),
];

static SHEET: Sheet = Sheet {
    file: "persons",
    name: "服务对象",
    columns: &COLUMNS,
    action: "person.export",
    kind: "person",
    personal: true,
};

/// Exports people in scope matching the filters of `GET /api/v1/persons` as an `.xlsx` file (at
/// most 100,000 rows; numbers masked unless `reveal=1`). Audited as `person.export`.
#[utoipa::path(get, path = "/api/v1/persons/export.xlsx", tag = "persons", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, q.reveal.as_deref())?;
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
    let filters = json!({
        "q": filter.q.is_some(),
        "category": filter.category,
        "org_code": filter.org_code,
        "age_min": filter.age_min,
        "age_max": filter.age_max,
        "sensitivity": filter.sensitivity.map(|s| s.id()),
    });
    let v = viewer(&info);
    let keys = st.keys.clone();
    let reveal = g.reveal();
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let today = dates::today();
        Ok(exports::rows(c, &keys, &v, &filter, reveal)?
            .into_iter()
            .map(|r| row(r, today))
            .collect())
    })
    .await
}

fn row(r: ExportRow, today: time::Date) -> Vec<Cell> {
    let p = r.person;
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
    let (id, phone) = match r.revealed {
        Some(n) => (n.id_number, n.phone),
        None => (p.id_number_masked.clone(), p.phone_masked.clone()),
    };
    vec![
        p.name.clone().into(),
        gender.into(),
        p.birth_date.clone().into(),
        p.age(today)
            .map_or(Cell::Text(String::new()), |a| Cell::Number(f64::from(a))),
        code(id.unwrap_or_default()),
        code(phone.unwrap_or_default()),
        p.ethnicity.clone().into(),
        code(p.org_code.clone()),
        r.place.into(),
        p.address.clone().into(),
        cats.into(),
        p.sensitivity().label().into(),
    ]
}
