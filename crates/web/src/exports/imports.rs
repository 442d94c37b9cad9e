//! The import history (`/imports`, 7.6.4): the imports of the stations in the user's scope. The
//! rows are counts; the people imported are in the person list's export.

use super::prelude::*;
use crate::imports::{ensure_importer, status, status_label};
use shegong_store::imports;

/// No filters: the list has none.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {}

const COLUMNS: [Column; 13] = [
    col("编号", "Import", 8.0),
    col("社工站代码", "Station code", 14.0),
    col("社工站", "Station", 16.0),
    col("文件名", "File", 24.0),
    col("上传人", "Uploaded by", 12.0),
    col("状态", "Status", 10.0),
    col("总行数", "Rows", 8.0),
    col("有误行数", "Bad rows", 8.0),
    col("新增", "Created", 8.0),
    col("更新", "Updated", 8.0),
    col("未变", "Unchanged", 8.0),
    col("上传时间", "Uploaded", 18.0),
    col("提交时间", "Committed", 18.0),
];

static SHEET: Sheet = Sheet {
    file: "imports",
    name: "导入记录",
    columns: &COLUMNS,
    action: "import.export",
    kind: "import",
    personal: false,
};

/// Exports the imports of `GET /api/v1/imports` as `.xlsx`. Audited as `import.export`.
#[utoipa::path(get, path = "/api/v1/imports/export.xlsx", tag = "imports", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(_none): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_importer(&info)?;
    let scope = info.principal.scope.clone();
    super::export(&st, &info, g, &SHEET, json!({}), move |c| {
        let items = all(|p| imports::list(c, &scope, p))?;
        let names = places(c, items.iter().map(|r| r.org_code.clone()))?;
        Ok(items
            .into_iter()
            .map(|r| {
                let s = status_label(status(&r));
                vec![
                    r.id.into(),
                    code(r.org_code.clone()),
                    names.get(&r.org_code).cloned().into(),
                    r.file_name.into(),
                    r.created_by_name.into(),
                    s.into(),
                    r.rows_total.into(),
                    r.rows_bad.into(),
                    r.created.into(),
                    r.updated.into(),
                    r.unchanged.into(),
                    time(Some(r.created_at)),
                    time(r.committed_at),
                ]
            })
            .collect())
    })
    .await
}
