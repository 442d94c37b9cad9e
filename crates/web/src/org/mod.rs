//! The org tree browser (issue 2 points 3 and 7): 省 → 市(州) → 县(市、区) → 乡镇(街道) = one
//! social work station each (DB43/T 2783—2023, 3.1) → 村(社区), plus the operator organisations
//! (承接方, 7.4 / R-6) and the stations they run. The rules here serve the pages and the API alike.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use shegong_domain::org::{OrgCode, OrgLevel};
use shegong_domain::policy::{Action, Target, role_may};
use shegong_domain::{Invalid, Msg, text};
use shegong_store::audit::{self, Event};
use shegong_store::org::{self, NodeDetail, OrgNode, OrgUnit};
use shegong_store::query::{Listing, Page};
use std::collections::HashMap;

/// Longest search text accepted: longer than any name or code in the tree.
pub const MAX_QUERY_CHARS: usize = 50;
/// Longest operator name (as the store allows).
pub const MAX_NAME_CHARS: usize = 60;

/// A list request as typed (query string of the page or the API). Empty strings mean "not given",
/// as an HTML form sends them.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: Option<String>,
    pub parent: Option<String>,
    pub level: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The org tree is closed to roles that may never browse it (volunteers): 403 for every node,
/// existing or not, so the answer says nothing about the tree. Roles that may browse it then get
/// 404 for what lies outside their scope (`AuthInfo::check`).
pub fn ensure_may_browse(info: &AuthInfo) -> Result<(), AppError> {
    if role_may(info.user.role(), Action::ViewOrg) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "您的角色不能查看组织架构",
            "your role cannot browse the org tree",
        )))
    }
}

/// Whether the caller may see how many accounts a node holds (only roles that see accounts).
pub fn sees_accounts(info: &AuthInfo) -> bool {
    role_may(info.user.role(), Action::ViewUsers)
}

/// Checks the list parameters, collecting every bad one.
fn parse_list(p: &ListParams) -> Result<(org::Query, Page), Invalid> {
    let mut bad = Invalid::new();
    let q = given(&p.q).and_then(|q| bad.check("q", text::one_line(q, MAX_QUERY_CHARS)));
    let parent = given(&p.parent)
        .and_then(|c| bad.check("parent", OrgCode::parse(c)))
        .map(String::from);
    let level = given(&p.level).and_then(|l| {
        let parsed = OrgLevel::from_id(l).ok_or(Msg::new(
            "层级应为 province、city、county、township、village 或 operator",
            "level must be province, city, county, township, village or operator",
        ));
        bad.check("level", parsed)
    });
    bad.into_result()?;
    Ok((
        org::Query { q, parent, level },
        Page::new(p.page, p.per_page),
    ))
}

/// Nodes in the caller's scope matching the request; without q, parent or level, the top nodes of
/// the scope. The total counts in-scope nodes only.
pub async fn list(
    st: &AppState,
    info: &AuthInfo,
    p: &ListParams,
) -> Result<Listing<OrgNode>, AppError> {
    ensure_may_browse(info)?;
    let (query, page) = parse_list(p)?;
    let scope = info.principal.scope.clone();
    st.read(move |c| org::list(c, &scope, &query, page)).await
}

/// Account counts of listed nodes (all in scope, as they come from a scoped list).
pub async fn account_counts(
    st: &AppState,
    info: &AuthInfo,
    nodes: &[OrgNode],
) -> Result<Option<HashMap<String, i64>>, AppError> {
    if !sees_accounts(info) || nodes.is_empty() {
        return Ok(None);
    }
    let scope = info.principal.scope.clone();
    let codes: Vec<String> = nodes
        .iter()
        .map(|n| n.unit.code.clone())
        .filter(|c| scope.contains(c))
        .collect();
    let counts = st
        .read(move |c| {
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            org::user_counts(c, &refs)
        })
        .await?;
    Ok(Some(counts))
}

/// One node with its breadcrumb, operator or stations and counts; 404 when unknown or out of scope.
pub async fn detail(st: &AppState, info: &AuthInfo, code: &str) -> Result<NodeDetail, AppError> {
    ensure_may_browse(info)?;
    info.check(Action::ViewOrg, &Target::at(code))?;
    let scope = info.principal.scope.clone();
    let code = code.to_string();
    st.read(move |c| org::detail(c, &scope, &code)).await
}

/// Whether the caller may link `station` to an operator (the station's page shows the form).
pub fn may_link(info: &AuthInfo, station: &str) -> bool {
    info.check(Action::ManageOrg, &Target::at(station)).is_ok()
}

/// Registers an operator organisation (audited `org.operator`) under the division whose code it
/// starts with: the caller needs `ManageOrg` there (403 for other roles or places). 422 with every
/// bad field, 409 when the code is taken.
pub async fn create_operator(
    st: &AppState,
    info: &AuthInfo,
    code: &str,
    name: &str,
) -> Result<OrgUnit, AppError> {
    if !role_may(info.principal.role, Action::ManageOrg) {
        return Err(AppError::forbidden());
    }
    let mut bad = Invalid::new();
    // Operator codes are upper case; what is typed in lower case means the same code.
    let code = match OrgCode::parse(&code.trim().to_ascii_uppercase()) {
        Ok(c) if c.is_operator() => Some(c),
        Ok(_) => {
            bad.add("code", operator_code_rule());
            None
        }
        Err(m) => {
            bad.add("code", m);
            None
        }
    };
    if let Some(parent) = code.as_ref().and_then(|c| c.parent())
        && !info.principal.scope.contains(parent.as_str())
    {
        return Err(AppError::Forbidden(Msg::new(
            "只能在您管辖的区域登记承接方(编码开头的区划代码须在您的范围内)",
            "you may register operators only in your own area (the code must start with a division you manage)",
        )));
    }
    let name = bad.check("name", text::name(name, MAX_NAME_CHARS));
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let (Some(code), Some(name)) = (code, name) else {
            return Err(bad.into());
        };
        bad.into_result()?;
        let unit = org::create_operator(c, &code, &name)?;
        let ev = Event::new(&actor, "org.operator", "org", code.as_str())
            .org(code.as_str())
            .detail(json!({"created": true}));
        audit::append(c, &keys, &ev)?;
        Ok(unit)
    })
    .await
}

fn operator_code_rule() -> Msg {
    Msg::new(
        "承接方编码应为登记地的省、市或县区划代码加 OP 和 2 至 20 位大写字母或数字,例如 430202OP01",
        "an operator code is the code of the province, city or county where it is registered, then OP and 2 to 20 upper-case letters or digits, e.g. 430202OP01",
    )
}

/// What linking changed.
#[derive(Debug, Clone)]
pub struct Linked {
    pub station: OrgUnit,
    pub operator: OrgUnit,
    pub previous: Option<String>,
}

/// Links a township station to the operator that runs it, replacing an earlier one (audited
/// `org.link`, org_code = the station). The station must be in the caller's scope (404 otherwise)
/// and be a township (422); the operator must be registered (422), but need not be in the
/// caller's scope: a county admin decides who runs its own stations.
pub async fn link_station(
    st: &AppState,
    info: &AuthInfo,
    station: &str,
    operator_code: &str,
) -> Result<Linked, AppError> {
    info.check(Action::ManageOrg, &Target::at(station))?;
    let scope = info.principal.scope.clone();
    let station = station.to_string();
    let operator_code = operator_code.trim().to_ascii_uppercase();
    let keys = st.keys.clone();
    let actor = info.actor();
    st.write(move |c| {
        let unit = org::get(c, &scope, &station)?;
        let mut bad = Invalid::new();
        if unit.level() != OrgLevel::Township {
            bad.add(
                "station_code",
                Msg::new(
                    "只能为乡镇(街道)社工站关联承接方",
                    "only a township station can be linked to an operator",
                ),
            );
        }
        let op = match OrgCode::parse(&operator_code) {
            Err(m) => {
                bad.add("operator_code", m);
                None
            }
            Ok(code) => match org::get_unscoped(c, code.as_str())? {
                Some(u) if u.level() == OrgLevel::Operator => Some(u),
                _ => {
                    bad.add(
                        "operator_code",
                        Msg::new(
                            "没有这个编码的承接方,请先登记承接方",
                            "no operator has this code; register it first",
                        ),
                    );
                    None
                }
            },
        };
        let Some(op) = op else { return Err(bad.into()) };
        bad.into_result()?;
        let previous = org::operator_of(c, &station)?.map(|u| u.code);
        if previous.as_deref() != Some(op.code.as_str()) {
            org::link_station(c, &op.code, &station)?;
            let detail = json!({"operator": op.code, "previous": previous});
            audit::append(
                c,
                &keys,
                &Event::new(&actor, "org.link", "org", station.as_str())
                    .org(station.as_str())
                    .detail(detail),
            )?;
        }
        Ok(Linked {
            station: unit,
            operator: op,
            previous,
        })
    })
    .await
}

/// Operators the caller's scope reaches, for the link form's suggestions (at most one page).
pub async fn operators_in_scope(st: &AppState, info: &AuthInfo) -> Result<Vec<OrgUnit>, AppError> {
    let scope = info.principal.scope.clone();
    let q = org::Query {
        level: Some(OrgLevel::Operator),
        ..Default::default()
    };
    let l = st
        .read(move |c| org::list(c, &scope, &q, Page::new(Some(1), Some(Page::MAX_PER_PAGE))))
        .await?;
    Ok(l.items.into_iter().map(|n| n.unit).collect())
}

/// The label of a node's level and, for a township, its kind (街道/镇/乡, from its code).
pub fn labels(unit: &OrgUnit) -> (Msg, Option<Msg>) {
    let kind = OrgCode::parse(&unit.code)
        .ok()
        .and_then(|c| shegong_domain::org::township_kind(&c));
    (unit.level().label(), kind)
}
