//! The org tree pages: `/org` (top of the scope and search, htmx partial updates) and
//! `/org/{code}` (one node, its children, and for system admins the operator forms).

use super::ListParams;
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page, Pager, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::org::OrgLevel;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::{Invalid, Msg};
use shegong_store::org::{OrgNode, OrgUnit};
use shegong_store::query::Page as StorePage;
use std::collections::HashMap;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org", get(index))
        .route("/org/operators", get(operators).post(create_operator))
        .route("/org/{code}", get(node))
        .route("/org/{code}/operator", post(link_station))
}

/// Rows per page of the search results and of a node's children.
const PER_PAGE: i64 = 50;

/// One row of a node table.
pub struct Row {
    code: String,
    name: String,
    level: String,
    kind: Option<String>,
    children: i64,
    accounts: Option<i64>,
}

fn rows(l: Lang, nodes: Vec<OrgNode>, accounts: Option<HashMap<String, i64>>) -> Vec<Row> {
    nodes
        .into_iter()
        .map(|n| {
            let (level, kind) = super::labels(&n.unit);
            let acc = accounts
                .as_ref()
                .map(|a| a.get(&n.unit.code).copied().unwrap_or(0));
            Row {
                level: l.m(&level).to_string(),
                kind: kind.map(|k| l.m(&k).to_string()),
                children: n.children,
                accounts: acc,
                code: n.unit.code,
                name: n.unit.name,
            }
        })
        .collect()
}

/// Search results (the part `/org` swaps in place).
pub struct Results {
    rows: Vec<Row>,
    total: i64,
    searching: bool,
    show_accounts: bool,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "org_index.html")]
struct IndexPage {
    c: Chrome,
    q: String,
    levels: Vec<LevelOpt>,
    r: Results,
    sees_operators: bool,
}

pub struct LevelOpt {
    id: &'static str,
    label: String,
    selected: bool,
}

/// Only the results, for htmx.
#[derive(Template)]
#[template(path = "org_results.html")]
struct ResultsPartial {
    c: Chrome,
    r: Results,
}

#[derive(Deserialize, Default)]
struct IndexQ {
    q: Option<String>,
    level: Option<String>,
    page: Option<i64>,
}

/// An htmx request for a fragment (not a history restore, which needs the whole page).
fn wants_partial(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request")
}

/// The same address answers a page or a fragment: caches must keep them apart.
fn vary_on_htmx(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("HX-Request"));
    r
}

async fn index(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    headers: HeaderMap,
    Q(q): Q<IndexQ>,
) -> Result<Response, AppError> {
    let params = ListParams {
        q: q.q.clone(),
        level: q.level.clone(),
        page: q.page,
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let listing = super::list(&st, &info, &params).await?;
    let accounts = super::account_counts(&st, &info, &listing.items).await?;
    let qs = q.q.clone().unwrap_or_default().trim().to_string();
    let level = q.level.clone().unwrap_or_default().trim().to_string();
    let pager = Pager::new(
        StorePage::new(q.page, Some(PER_PAGE)),
        listing.total,
        Some("org-results"),
        |p| {
            format!(
                "/org?q={}&level={}&page={p}",
                url_encode(&qs),
                url_encode(&level)
            )
        },
    );
    let r = Results {
        rows: rows(l, listing.items, accounts),
        total: listing.total,
        searching: !qs.is_empty() || !level.is_empty(),
        show_accounts: super::sees_accounts(&info),
        pager,
    };
    let c = Chrome::for_user(l, &info, "/org");
    if wants_partial(&headers) {
        return Ok(vary_on_htmx(Page(ResultsPartial { c, r }).into_response()));
    }
    let levels = OrgLevel::ALL
        .into_iter()
        .map(|lv| LevelOpt {
            id: lv.id(),
            label: l.m(&lv.label()).to_string(),
            selected: lv.id() == level,
        })
        .collect();
    // Operators are registered at a province, city or county, so only scopes at those levels (and
    // an operator's own staff) hold any.
    let sees_operators = info.principal.scope.roots().iter().any(|r| {
        matches!(
            r.level(),
            OrgLevel::Province | OrgLevel::City | OrgLevel::County | OrgLevel::Operator
        )
    });
    Ok(vary_on_htmx(
        Page(IndexPage {
            c,
            q: qs,
            levels,
            r,
            sees_operators,
        })
        .into_response(),
    ))
}

/// `/org/operators` is where the create form posts; opened directly, it lists the operators.
async fn operators() -> Redirect {
    Redirect::to("/org?level=operator")
}

/// A node named on a page: breadcrumb step, operator, station.
pub struct Ref {
    code: String,
    name: String,
    /// Whether the viewer may open its page.
    open: bool,
}

/// The link form as typed, with its message.
#[derive(Default)]
pub struct LinkForm {
    operator_code: String,
    error: Option<String>,
    operators: Vec<(String, String)>,
}

/// The create-operator form as typed, with its messages.
#[derive(Default)]
pub struct CreateForm {
    code: String,
    name: String,
    code_error: Option<String>,
    name_error: Option<String>,
}

#[derive(Template)]
#[template(path = "org_detail.html")]
struct DetailPage {
    c: Chrome,
    code: String,
    name: String,
    level: String,
    kind: Option<String>,
    is_township: bool,
    is_operator: bool,
    path: Vec<Ref>,
    children: i64,
    accounts: Option<i64>,
    operator: Option<Ref>,
    stations: Vec<Ref>,
    /// The children, a page at a time.
    r: Results,
    notice: Option<String>,
    link: Option<LinkForm>,
    create: Option<CreateForm>,
}

#[derive(Deserialize, Default)]
struct NodeQ {
    page: Option<i64>,
    done: Option<String>,
}

async fn node(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(code): P<String>,
    Q(q): Q<NodeQ>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("linked") => Some(Msg::new(
            "已保存:本社工站的承接方已更新。",
            "Saved: the station's operator was updated.",
        )),
        Some("created") => Some(Msg::new(
            "承接方已登记。可在各乡镇(街道)社工站页面把社工站关联到它。",
            "Operator registered. Link stations to it from each station's page.",
        )),
        _ => None,
    };
    let forms = Forms {
        page: q.page,
        notice,
        ..Default::default()
    };
    render_node(&st, l, &info, &code, forms).await
}

/// What a node page shows besides the node: the page of children, a notice, forms as typed.
#[derive(Default)]
struct Forms {
    page: Option<i64>,
    notice: Option<Msg>,
    link: Option<LinkForm>,
    create: Option<CreateForm>,
    status: Option<StatusCode>,
}

async fn render_node(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    code: &str,
    forms: Forms,
) -> Result<Response, AppError> {
    let d = super::detail(st, info, code).await?;
    let scope = &info.principal.scope;
    let level = d.unit.level();
    let params = ListParams {
        parent: Some(d.unit.code.clone()),
        page: forms.page,
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let kids = if d.children > 0 {
        super::list(st, info, &params).await?
    } else {
        shegong_store::query::Listing {
            items: Vec::new(),
            total: 0,
        }
    };
    let accounts = super::account_counts(st, info, &kids.items).await?;
    let node_code = d.unit.code.clone();
    let pager = Pager::new(
        StorePage::new(forms.page, Some(PER_PAGE)),
        kids.total,
        None,
        |p| format!("/org/{}?page={p}", url_encode(&node_code)),
    );
    let kids = Results {
        rows: rows(l, kids.items, accounts),
        total: kids.total,
        searching: false,
        show_accounts: super::sees_accounts(info),
        pager,
    };
    let to_ref = |u: OrgUnit| Ref {
        open: scope.contains(&u.code),
        code: u.code,
        name: u.name,
    };
    let link = if level == OrgLevel::Township && super::may_link(info, &d.unit.code) {
        let mut f = forms.link.unwrap_or_default();
        if f.operator_code.is_empty()
            && let Some(op) = &d.operator
        {
            f.operator_code = op.code.clone();
        }
        f.operators = super::operators_in_scope(st, info)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect();
        Some(f)
    } else {
        None
    };
    // A form sent back with messages is shown wherever it came from; a fresh one, with the code
    // begun, on a province, city or county page for those who may register operators there.
    let registers_here = matches!(
        level,
        OrgLevel::Province | OrgLevel::City | OrgLevel::County
    ) && role_may(info.principal.role, Action::ManageOrg);
    let create = forms.create.or_else(|| {
        registers_here.then(|| CreateForm {
            code: format!("{}{}", d.unit.code, shegong_domain::org::OPERATOR_MARK),
            ..CreateForm::default()
        })
    });
    let (level_label, kind) = super::labels(&d.unit);
    let page = DetailPage {
        c: Chrome::for_user(l, info, &format!("/org/{}", d.unit.code)),
        name: d.unit.name.clone(),
        level: l.m(&level_label).to_string(),
        kind: kind.map(|k| l.m(&k).to_string()),
        is_township: level == OrgLevel::Township,
        is_operator: level == OrgLevel::Operator,
        path: d.path.into_iter().map(to_ref).collect(),
        children: d.children,
        accounts: super::sees_accounts(info).then_some(d.accounts),
        operator: d.operator.map(to_ref),
        stations: d.stations.into_iter().map(to_ref).collect(),
        r: kids,
        notice: forms.notice.map(|m| l.m(&m).to_string()),
        link,
        create,
        code: d.unit.code,
    };
    let mut r = Page(page).into_response();
    if let Some(s) = forms.status {
        *r.status_mut() = s;
    }
    Ok(r)
}

#[derive(Deserialize)]
struct LinkFields {
    #[serde(default)]
    operator_code: String,
}

async fn link_station(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(code): P<String>,
    UiForm(f): UiForm<LinkFields>,
) -> Result<Response, AppError> {
    match super::link_station(&st, &info, &code, &f.operator_code).await {
        Ok(linked) => Ok(Redirect::to(&format!(
            "/org/{}?done=linked",
            url_encode(&linked.station.code)
        ))
        .into_response()),
        Err(AppError::Invalid(i)) => {
            let error = message(l, &i, &["operator_code", "station_code"]);
            let link = LinkForm {
                operator_code: f.operator_code.chars().take(40).collect(),
                error,
                operators: Vec::new(),
            };
            let forms = Forms {
                link: Some(link),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            render_node(&st, l, &info, &code, forms).await
        }
        Err(e) => Err(e),
    }
}

/// The messages of the named fields, joined.
fn message(l: Lang, i: &Invalid, fields: &[&str]) -> Option<String> {
    let msgs: Vec<&str> = fields
        .iter()
        .filter_map(|f| i.message_for(f))
        .map(|m| l.m(m))
        .collect();
    (!msgs.is_empty()).then(|| msgs.join(";"))
}

#[derive(Deserialize)]
struct CreateFields {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    /// The node whose page holds the form, to show it again there on an error.
    #[serde(default)]
    from: String,
}

async fn create_operator(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<CreateFields>,
) -> Result<Response, AppError> {
    let (code_error, name_error, status) =
        match super::create_operator(&st, &info, &f.code, &f.name).await {
            Ok(u) => {
                return Ok(
                    Redirect::to(&format!("/org/{}?done=created", url_encode(&u.code)))
                        .into_response(),
                );
            }
            Err(AppError::Invalid(i)) => (
                message(l, &i, &["code"]),
                message(l, &i, &["name"]),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(AppError::Conflict(m)) => (Some(l.m(&m).to_string()), None, StatusCode::CONFLICT),
            Err(e) => return Err(e),
        };
    let create = CreateForm {
        code: f.code.chars().take(40).collect(),
        name: f.name.chars().take(80).collect(),
        code_error,
        name_error,
    };
    // Back on the page that held the form, or the top of the caller's scope (a province: only
    // provincial admins get this far).
    let from = if info.principal.scope.contains(f.from.trim()) {
        f.from.trim().to_string()
    } else {
        info.principal
            .scope
            .roots()
            .first()
            .map(|r| r.to_string())
            .unwrap_or_default()
    };
    let forms = Forms {
        create: Some(create),
        status: Some(status),
        ..Default::default()
    };
    render_node(&st, l, &info, &from, forms).await
}
