//! The household list (`/households`): households in scope, found by the head's name or the
//! address; a head hidden from the user (a confidential record not assigned to them) stays blank.

use super::prelude::*;
use crate::households::check_search;
use crate::persons::{ensure_reader, viewer};
use shegong_store::households as hs;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Part of the head's name or of the address.
    q: Option<String>,
}

const COLUMNS: [Column; 7] = [
    col("家庭编号", "Household", 10.0),
    col("户主", "Head", 12.0),
    col("住址", "Address", 30.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("成员数", "Members", 8.0),
    col("更新时间", "Updated", 18.0),
];

static SHEET: Sheet = Sheet {
    file: "households",
    name: "家庭档案",
    columns: &COLUMNS,
    action: "household.export",
    kind: "household",
    personal: true,
};

/// Exports the households of `GET /api/v1/households` (same search, same scope) as `.xlsx`.
/// Audited as `household.export`.
#[utoipa::path(get, path = "/api/v1/households/export.xlsx", tag = "households", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_reader(&info)?;
    check_search(q.q.as_deref())?;
    let v = viewer(&info);
    let filters = json!({"q": q.q.is_some()});
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let items = all(|p| hs::list(c, &v, q.q.as_deref(), p))?;
        let names = places(c, items.iter().map(|s| s.household.org_code.clone()))?;
        Ok(items
            .into_iter()
            .map(|s| {
                let h = s.household;
                vec![
                    h.id.into(),
                    s.head_name.into(),
                    h.address.into(),
                    code(h.org_code.clone()),
                    names.get(&h.org_code).cloned().into(),
                    s.member_count.into(),
                    time(Some(h.updated_at)),
                ]
            })
            .collect())
    })
    .await
}
