//! The audit log (`/audit`; 网络安全法 Art. 21): entries in the user's scope with the viewer's
//! filters. Entries hold ids and field names only, so the export holds no personal data beyond
//! usernames and addresses. Unlike reading the log, exporting it is itself audited.

use super::prelude::*;
use crate::audit_log::{AuditQuery, action_label, check_access, criteria, outcome_label};
use shegong_store::audit;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Username of whoever acted (exact).
    actor: Option<String>,
    /// Action or action prefix, e.g. `auth.login` or `user.`.
    action: Option<String>,
    /// `ok`, `denied` or `failed`.
    outcome: Option<String>,
    /// Only this org node and the nodes below it.
    org_code: Option<String>,
    /// First day, `YYYY-MM-DD`, China time.
    from: Option<String>,
    /// Last day, `YYYY-MM-DD`, China time, inclusive.
    until: Option<String>,
}

const COLUMNS: [Column; 11] = [
    col("序号", "Seq", 8.0),
    col("时间", "Time", 18.0),
    col("操作人", "Actor", 14.0),
    col("IP 地址", "IP", 16.0),
    col("操作", "Action", 20.0),
    col("操作名称", "Action name", 20.0),
    col("对象类型", "Target kind", 12.0),
    col("对象编号", "Target", 12.0),
    col("组织代码", "Org code", 14.0),
    col("结果", "Outcome", 8.0),
    col("详情", "Detail", 40.0),
];

static SHEET: Sheet = Sheet {
    file: "audit-log",
    name: "审计日志",
    columns: &COLUMNS,
    action: "audit.export",
    kind: "audit",
    personal: false,
};

/// Exports the entries of `GET /api/v1/audit` (same filters, same scope) as `.xlsx`. Audited as
/// `audit.export`.
#[utoipa::path(get, path = "/api/v1/audit/export.xlsx", tag = "audit", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    check_access(&info)?;
    let query = AuditQuery {
        actor: q.actor,
        action: q.action,
        outcome: q.outcome,
        org_code: q.org_code,
        from: q.from,
        until: q.until,
        page: None,
        per_page: None,
    };
    let crit = criteria(&info, &query)?;
    let filters = json!({
        "actor": crit.filter.actor.is_some(),
        "action": crit.filter.action_prefix,
        "outcome": crit.filter.outcome,
        "org_code": query.org_code,
        "from": query.from,
        "until": query.until,
    });
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        Ok(all(|p| audit::list(c, &crit.scope, &crit.filter, p))?
            .into_iter()
            .map(|e| {
                vec![
                    e.seq.into(),
                    time(Some(e.at)),
                    e.actor.into(),
                    e.ip.into(),
                    e.action.clone().into(),
                    action_label(&e.action).into(),
                    e.target_kind.into(),
                    code(e.target_id),
                    code(e.org_code.unwrap_or_default()),
                    outcome_label(&e.outcome).into(),
                    e.detail.into(),
                ]
            })
            .collect())
    })
    .await
}
