//! Guardianship-gap alerts (`/care/alerts`, 8.3.1.2): open ones, or all, about children the user
//! may see. The list names children in a gap; its export is audited like every export.

use super::prelude::*;
use crate::care::api::all_alerts;
use crate::persons::{ensure_reader, viewer};
use shegong_domain::Msg;
use shegong_domain::care::Gap;
use shegong_store::care as store;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `open` (default) or `all`.
    status: Option<String>,
}

const COLUMNS: [Column; 11] = [
    col("预警编号", "Alert", 10.0),
    col("档案编号", "Person", 10.0),
    col("姓名", "Name", 12.0),
    col("年龄", "Age", 8.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("监护缺失情形", "Gap", 36.0),
    col("预警时间", "Raised", 18.0),
    col("状态", "Status", 10.0),
    col("报告日期", "Reported on", 12.0),
    col("报告部门", "Department", 20.0),
];

static SHEET: Sheet = Sheet {
    file: "guardianship-alerts",
    name: "监护缺失预警",
    columns: &COLUMNS,
    action: "care.alerts.export",
    kind: "care_alert",
    personal: true,
};

/// Exports the alerts of `GET /api/v1/care/alerts` (same `status`, same children) as `.xlsx`.
/// Audited as `care.alerts.export`.
#[utoipa::path(get, path = "/api/v1/care/alerts/export.xlsx", tag = "care", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_reader(&info)?;
    let every = all_alerts(q.status.as_deref())?;
    let v = viewer(&info);
    let filters = json!({"open_only": !every});
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let items = all(|p| store::alerts(c, &v, !every, p))?;
        let names = places(c, items.iter().map(|a| a.org_code.clone()))?;
        Ok(items
            .into_iter()
            .map(|a| {
                let open = a.reported_on.is_none();
                vec![
                    a.id.into(),
                    a.person_id.into(),
                    a.name.into(),
                    a.age.into(),
                    code(a.org_code.clone()),
                    names.get(&a.org_code).cloned().into(),
                    Gap::from_id(&a.kind)
                        .map(Gap::label)
                        .unwrap_or_else(|| Msg::owned(a.kind.clone(), a.kind))
                        .into(),
                    time(Some(a.raised_at)),
                    if open { "待处理" } else { "已报告" }.into(),
                    a.reported_on.into(),
                    a.department.into(),
                ]
            })
            .collect())
    })
    .await
}
