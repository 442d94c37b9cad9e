//! Transfers between stations (`/transfers`) touching the user's scope. A person's name shows as
//! in the list; with `reveal=1` the full ID number only of people whose record the user may see.

use super::prelude::*;
use crate::persons::{ensure_reader, viewer};
use crate::transfers::{filters, listed, sees};
use shegong_store::exports;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `to_decide` (waiting for the caller's station), `asked` (asked by it) or `all` (default).
    #[serde(rename = "box")]
    which: Option<String>,
    /// `pending`, `accepted`, `declined` or `cancelled`; empty for any.
    status: Option<String>,
    /// `1`: full ID numbers of people the user may see (only for users who may reveal them;
    /// audited).
    reveal: Option<String>,
}

const COLUMNS: [Column; 13] = [
    col("编号", "Transfer", 8.0),
    col("服务对象", "Person", 12.0),
    col("身份证号", "ID number", 22.0),
    col("方式", "Direction", 10.0),
    col("转出地", "From", 16.0),
    col("转入地", "To", 16.0),
    col("原因", "Reason", 24.0),
    col("申请时间", "Requested", 18.0),
    col("申请人", "Requested by", 12.0),
    col("状态", "Status", 10.0),
    col("处理时间", "Decided", 18.0),
    col("处理人", "Decided by", 12.0),
    col("备注", "Note", 24.0),
];

static SHEET: Sheet = Sheet {
    file: "transfers",
    name: "档案转移",
    columns: &COLUMNS,
    action: "transfer.export",
    kind: "transfer",
    personal: true,
};

/// Exports the transfers of `GET /api/v1/transfers` (same `box` and `status`) as `.xlsx`; ID
/// numbers masked unless `reveal=1`. Audited as `transfer.export`.
#[utoipa::path(get, path = "/api/v1/transfers/export.xlsx", tag = "persons", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, q.reveal.as_deref())?;
    ensure_reader(&info)?;
    let (which, status) = filters(q.which.as_deref(), q.status.as_deref())?;
    let v = viewer(&info);
    let keys = st.keys.clone();
    let reveal = g.reveal();
    let filters = json!({"box": q.which, "status": status.map(|s| s.id())});
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let items = all(|p| listed(c, &v, which, status, p))?;
        let names = places(
            c,
            items
                .iter()
                .flat_map(|x| [x.t.from_org.clone(), x.t.to_org.clone()]),
        )?;
        let full = if reveal {
            let mut ids: Vec<i64> = items.iter().map(|x| x.t.person_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.retain(|&id| sees(c, &v, id));
            exports::numbers(c, &keys, &ids)?
        } else {
            Default::default()
        };
        let place = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
        Ok(items
            .into_iter()
            .map(|x| {
                let t = x.t;
                let id = match full.get(&t.person_id) {
                    Some(n) => n.id_number.clone(),
                    None => x.id_number_masked,
                };
                vec![
                    t.id.into(),
                    x.name.into(),
                    code(id.unwrap_or_default()),
                    match t.direction.as_str() {
                        "request" => "申请接收",
                        _ => "转出",
                    }
                    .into(),
                    place(&t.from_org).into(),
                    place(&t.to_org).into(),
                    t.reason.clone().into(),
                    time(Some(t.requested_at)),
                    t.requested_by.clone().into(),
                    t.status().label().into(),
                    time(t.decided_at),
                    t.decided_by.clone().into(),
                    t.note.into(),
                ]
            })
            .collect())
    })
    .await
}
