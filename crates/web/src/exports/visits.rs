//! Old people's visits due and overdue (`/care/visits`, 8.2.1.1), as the station's list.

use super::prelude::*;
use crate::care::api::status_of;
use crate::care::due_filter;
use crate::persons::{ensure_reader, viewer};
use shegong_domain::{care, dates};
use shegong_store::care as store;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `due` (within 7 days) or `overdue`; empty for both.
    status: Option<String>,
}

const COLUMNS: [Column; 10] = [
    col("档案编号", "Person", 10.0),
    col("姓名", "Name", 12.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("居住情况", "Living", 14.0),
    col("走访周期(天)", "Interval (days)", 12.0),
    col("上次走访", "Last visit", 12.0),
    col("下次走访", "Next visit", 12.0),
    col("状态", "Status", 10.0),
    col("逾期天数", "Days overdue", 10.0),
];

static SHEET: Sheet = Sheet {
    file: "visits-due",
    name: "老年人走访到期清单",
    columns: &COLUMNS,
    action: "care.visits.export",
    kind: "person",
    personal: true,
};

/// Exports the visit list of `GET /api/v1/care/visits` (same `status`, same people) as `.xlsx`.
/// Audited as `care.visits.export`.
#[utoipa::path(get, path = "/api/v1/care/visits/export.xlsx", tag = "care", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_reader(&info)?;
    let which = due_filter(q.status.as_deref())?;
    let v = viewer(&info);
    let filters = json!({"status": q.status});
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let today = dates::today();
        let items = all(|p| store::due_visits(c, &v, which, today, p))?;
        let names = places(c, items.iter().map(|r| r.org_code.clone()))?;
        Ok(items
            .into_iter()
            .map(|r| {
                let days = dates::parse(&r.next_visit_due)
                    .map(|d| care::days_overdue(d, today))
                    .unwrap_or_default();
                let status = status_of(&r.next_visit_due).label();
                vec![
                    r.person_id.into(),
                    r.name.into(),
                    code(r.org_code.clone()),
                    names.get(&r.org_code).cloned().into(),
                    care::label(&care::LIVING_ARRANGEMENTS, &r.living_arrangement).into(),
                    r.visit_interval_days.into(),
                    r.last_visit_on.into(),
                    r.next_visit_due.into(),
                    status.into(),
                    days.into(),
                ]
            })
            .collect())
    })
    .await
}
