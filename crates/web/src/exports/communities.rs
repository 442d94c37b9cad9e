//! Community profiles (`/communities`, 9.3.1.1): the villages in scope and whether each has a
//! profile. Profiles hold no personal data.

use super::prelude::*;
use crate::persons::ensure_reader;
use shegong_store::communities as cs;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Part of the name, or the start of the code.
    q: Option<String>,
}

const COLUMNS: [Column; 4] = [
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 18.0),
    col("概况版本", "Profile version", 10.0),
    col("更新时间", "Updated", 18.0),
];

static SHEET: Sheet = Sheet {
    file: "communities",
    name: "村(社区)概况",
    columns: &COLUMNS,
    action: "community.export",
    kind: "community",
    personal: false,
};

/// Exports the villages of `GET /api/v1/communities` (same search) as `.xlsx`. Audited as
/// `community.export`.
#[utoipa::path(get, path = "/api/v1/communities/export.xlsx", tag = "communities", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_reader(&info)?;
    let scope = info.principal.scope.clone();
    let filters = json!({"q": q.q.is_some()});
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        Ok(all(|p| cs::list(c, &scope, q.q.as_deref(), p))?
            .into_iter()
            .map(|e| {
                vec![
                    code(e.code),
                    e.name.into(),
                    e.version.unwrap_or(0).into(),
                    time(e.updated_at),
                ]
            })
            .collect())
    })
    .await
}
