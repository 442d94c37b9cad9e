//! The accounts list (`/users`): accounts in the user's scope, with the list's filters. No
//! password data, codes or tokens are ever exported.

use super::prelude::*;
use crate::users::{ListParams, ensure_viewer};
use shegong_domain::clock;
use shegong_store::users;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Part of the username or the display name.
    q: Option<String>,
    /// A role id, e.g. `social_worker`.
    role: Option<String>,
    /// An org node: accounts held there and below.
    org_code: Option<String>,
    /// `1` or `true`: locked accounts only.
    locked: Option<String>,
}

const COLUMNS: [Column; 10] = [
    col("用户名", "Username", 16.0),
    col("姓名", "Name", 12.0),
    col("角色", "Role", 14.0),
    col("组织代码", "Org code", 14.0),
    col("所属组织", "Org", 18.0),
    col("状态", "Status", 8.0),
    col("已锁定", "Locked", 8.0),
    col("两步验证", "Two-factor", 10.0),
    col("最近登录", "Last login", 18.0),
    col("创建时间", "Created", 18.0),
];

static SHEET: Sheet = Sheet {
    file: "users",
    name: "用户账号",
    columns: &COLUMNS,
    action: "user.export",
    kind: "user",
    personal: true,
};

/// Exports the accounts of `GET /api/v1/users` (same filters, same scope) as `.xlsx`. Audited as
/// `user.export`.
#[utoipa::path(get, path = "/api/v1/users/export.xlsx", tag = "users", params(ExportQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<AppState>,
    Authed(info): Authed,
    Q(q): Q<ExportQuery>,
) -> Result<Response, AppError> {
    let g = grant(&info, None)?;
    ensure_viewer(&info)?;
    let params = ListParams {
        q: q.q,
        role: q.role,
        org_code: q.org_code,
        locked: q.locked,
        page: None,
        per_page: None,
    };
    let (filter, _) = params.filter()?;
    let filters = json!({
        "q": filter.q.is_some(),
        "role": filter.role.map(|r| r.id()),
        "org_code": filter.org_code.as_ref().map(|o| o.as_str().to_string()),
        "locked": filter.locked_only,
    });
    let scope = info.principal.scope.clone();
    super::export(&st, &info, g, &SHEET, filters, move |c| {
        let now = clock::now();
        let items = all(|p| users::list(c, &scope, &filter, p, now))?;
        let names = places(c, items.iter().map(|u| u.org_code.clone()))?;
        let yes = |b: bool| if b { "是" } else { "否" };
        Ok(items
            .into_iter()
            .map(|u| {
                vec![
                    u.username.clone().into(),
                    u.display_name.clone().into(),
                    u.role().label().into(),
                    code(u.org_code.clone()),
                    names.get(&u.org_code).cloned().into(),
                    if u.active { "启用" } else { "停用" }.into(),
                    yes(u.is_locked(now)).into(),
                    yes(u.totp_enabled).into(),
                    time(u.last_login_at),
                    time(Some(u.created_at)),
                ]
            })
            .collect())
    })
    .await
}
