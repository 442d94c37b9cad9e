//! Assistance reviews due and overdue (`/households/reviews`, 8.1.1.2), as the station's list.

use super::prelude::*;
use crate::households::api::due_out;
use crate::households::due_filter;
use crate::persons::{ensure_reader, viewer};
use shegong_domain::dates;
use shegong_domain::household::{REVIEW_RESULTS, label};
use shegong_store::households as hs;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `due` (due soon) or `overdue`; empty for both.
    status: Option<String>,
}

const COLUMNS: [Column; 11] = [
    col("家庭编号", "Household", 10.0),
    col("户主", "Head", 12.0),
    col("住址", "Address", 30.0),
    col("村(社区)代码", "Village code", 14.0),
    col("村(社区)", "Village", 14.0),
    col("救助类别", "Assistance", 22.0),
    col("上次复核", "Reviewed on", 12.0),
    col("复核结果", "Result", 12.0),
    col("下次复核", "Next review", 12.0),
    col("状态", "Status", 10.0),
    col("剩余天数", "Days left", 10.0),
];

static SHEET: Sheet = Sheet {
    file: "reviews-due",
    name: "救助复核到期清单",
    columns: &COLUMNS,
    action: "household.reviews.export",
    kind: "household",
    personal: true,
};

/// Exports the reviews due and overdue of `GET /api/v1/households/reviews` (same `status`, same
/// scope) as `.xlsx`. Audited as `household.reviews.export`.
#[utoipa::path(get, path = "/api/v1/households/reviews/export.xlsx", tag = "households", params(ExportQuery),
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
        let items = all(|p| hs::reviews_due(c, &v, which, today, p))?;
        let names = places(c, items.iter().map(|d| d.org_code.clone()))?;
        Ok(items
            .into_iter()
            .map(|d| {
                let o = due_out(d);
                let overdue = o.status == "overdue";
                vec![
                    o.household_id.into(),
                    o.head_name.into(),
                    o.address.into(),
                    code(o.org_code.clone()),
                    names.get(&o.org_code).cloned().into(),
                    o.category_label.into(),
                    o.reviewed_on.into(),
                    label(&REVIEW_RESULTS, &o.result).into(),
                    o.next_due.into(),
                    if overdue { "已逾期" } else { "即将到期" }.into(),
                    o.days_left.into(),
                ]
            })
            .collect())
    })
    .await
}
