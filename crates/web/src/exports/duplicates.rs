//! Likely duplicates (`/persons/duplicates`, 7.6.4): each pair as two rows with its number and
//! reason, among the records the user may change, as on the page.

use super::prelude::*;
use crate::duplicates::ensure_writer;
use crate::persons::viewer;
use shegong_store::duplicates;
use shegong_store::exports;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `1`: full ID and phone numbers (only for users who may reveal them; audited).
    reveal: Option<String>,
}

const COLUMNS: [Column; 10] = [
    col("组号", "Pair", 6.0),
    col("疑似原因", "Reason", 24.0),
    col("档案编号", "Person", 10.0),
    col("姓名", "Name", 12.0),
    col("出生日期", "Born", 12.0),
    col("身份证号", "ID number", 22.0),
    col("联系电话", "Phone", 16.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("住址", "Address", 30.0),
];

static SHEET: Sheet = Sheet {
    file: "likely-duplicates",
    name: "疑似重复档案",
    columns: &COLUMNS,
    action: "person.duplicates.export",
    kind: "person",
    personal: true,
};

/// Exports the pairs of `GET /api/v1/persons/duplicates` as `.xlsx`, two rows a pair; numbers
/// masked unless `reveal=1`. Audited as `person.duplicates.export`.
#[utoipa::path(get, path = "/api/v1/persons/duplicates/export.xlsx", tag = "persons", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, q.reveal.as_deref())?;
    ensure_writer(&info)?;
    let v = viewer(&info);
    let keys = st.keys.clone();
    let reveal = g.reveal();
    super::export(&st, &info, g, &SHEET, json!({}), move |c| {
        let pairs = duplicates::likely(c, &v)?;
        let people: Vec<_> = pairs.iter().flat_map(|p| [&p.a, &p.b]).collect();
        let names = places(c, people.iter().map(|p| p.org_code.clone()))?;
        let full = if reveal {
            let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
            exports::numbers(c, &keys, &ids)?
        } else {
            Default::default()
        };
        let mut rows = Vec::with_capacity(people.len());
        for (n, pair) in pairs.iter().enumerate() {
            let reason = pair.likeness.label().zh.into_owned();
            for p in [&pair.a, &pair.b] {
                let (id, phone) = match full.get(&p.id) {
                    Some(f) => (f.id_number.clone(), f.phone.clone()),
                    None => (p.id_number_masked.clone(), p.phone_masked.clone()),
                };
                rows.push(vec![
                    Cell::from(n as i64 + 1),
                    reason.clone().into(),
                    p.id.into(),
                    p.name.clone().into(),
                    p.birth_date.clone().into(),
                    code(id.unwrap_or_default()),
                    code(phone.unwrap_or_default()),
                    code(p.org_code.clone()),
                    names.get(&p.org_code).cloned().into(),
                    p.address.clone().into(),
                ]);
            }
        }
        Ok(rows)
    })
    .await
}
