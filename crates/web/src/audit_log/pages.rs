//! `/audit`: the filter form and the results table. Without JavaScript the form is a plain GET;
//! with htmx a change of any filter fetches only the table (`audit_results.html`) and pushes the
//! address, so back/forward and bookmarks keep working.

use super::{AuditQuery, action_choices, action_label, outcome_label};
use crate::auth::Authed;
use crate::error::AppError;
use crate::extract::Q;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page, Pager};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use shegong_domain::clock;
use shegong_store::audit::Entry;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

/// What the form shows: the values as typed, so a bad one can be corrected in place.
pub struct FormValues {
    actor: String,
    action: String,
    outcome: String,
    org_code: String,
    from: String,
    until: String,
    per_page: Option<i64>,
}

impl FormValues {
    fn of(q: &AuditQuery) -> FormValues {
        let s = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect::<String>()
        };
        FormValues {
            actor: s(&q.actor),
            action: s(&q.action),
            outcome: s(&q.outcome),
            org_code: s(&q.org_code),
            from: s(&q.from),
            until: s(&q.until),
            per_page: q.per_page,
        }
    }

    /// `/audit?…&page=N` with the current filters.
    fn href(&self, page: i64) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("org_code", &self.org_code),
            ("from", &self.from),
            ("until", &self.until),
        ] {
            if !v.is_empty() {
                qs.append_pair(k, v);
            }
        }
        if let Some(n) = self.per_page {
            qs.append_pair("per_page", &n.to_string());
        }
        qs.append_pair("page", &page.to_string());
        format!("/audit?{}", qs.finish())
    }
}

pub struct Choice {
    id: String,
    label: String,
    selected: bool,
}

pub struct Row {
    seq: i64,
    time: String,
    actor: String,
    ip: String,
    action: String,
    action_label: String,
    target: String,
    org_code: String,
    outcome: String,
    outcome_label: String,
    outcome_class: &'static str,
    detail: String,
}

impl Row {
    fn of(l: Lang, e: Entry) -> Row {
        Row {
            seq: e.seq,
            time: clock::display(e.at),
            action_label: l.m(&action_label(&e.action)).to_string(),
            outcome_label: l.m(&outcome_label(&e.outcome)).to_string(),
            outcome_class: match e.outcome.as_str() {
                "ok" => "ok",
                "denied" => "warn",
                _ => "bad",
            },
            target: if e.target_id == "-" {
                e.target_kind
            } else {
                format!("{} {}", e.target_kind, e.target_id)
            },
            org_code: e.org_code.unwrap_or_default(),
            detail: if e.detail == "{}" {
                String::new()
            } else {
                e.detail
            },
            actor: e.actor,
            ip: e.ip,
            action: e.action,
            outcome: e.outcome,
        }
    }
}

/// Everything the page and its partial show.
pub struct View {
    f: FormValues,
    errors: Vec<(&'static str, String)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    actions: Vec<Choice>,
    outcomes: Vec<Choice>,
    unscoped: bool,
    /// The export of the entries shown, with the same filters.
    export_href: Option<String>,
}

impl View {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    v: View,
}

#[derive(Template)]
#[template(path = "audit_results.html")]
struct AuditResults {
    c: Chrome,
    v: View,
}

async fn audit_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    headers: HeaderMap,
    Q(q): Q<AuditQuery>,
) -> Result<Response, AppError> {
    super::check_access(&info)?;
    let f = FormValues::of(&q);
    let mut actions: Vec<Choice> = action_choices()
        .into_iter()
        .map(|(id, m)| Choice {
            id: id.to_string(),
            label: l.m(&m).to_string(),
            selected: f.action == id,
        })
        .collect();
    if !f.action.is_empty() && !actions.iter().any(|c| c.selected) {
        // A prefix typed into the address (or the API's vocabulary) stays visible and selected.
        actions.push(Choice {
            id: f.action.clone(),
            label: f.action.clone(),
            selected: true,
        });
    }
    let outcomes = super::OUTCOMES
        .iter()
        .map(|(id, m)| Choice {
            id: id.to_string(),
            label: l.m(m).to_string(),
            selected: f.outcome == *id,
        })
        .collect();
    let mut v = View {
        f,
        errors: Vec::new(),
        rows: Vec::new(),
        total: 0,
        pager: Pager::none(),
        actions,
        outcomes,
        unscoped: super::sees_unscoped(&info),
        export_href: None,
    };
    let mut status = StatusCode::OK;
    match super::criteria(&info, &q) {
        Ok(c) => {
            let page = c.page;
            let listing = super::load(&st, c).await?;
            v.total = listing.total;
            v.pager = Pager::new(page, listing.total, Some("audit-results"), |p| v.f.href(p));
            v.rows = listing.items.into_iter().map(|e| Row::of(l, e)).collect();
            v.export_href = crate::exports::href(
                &info,
                "/audit/export.xlsx",
                &[
                    ("actor", q.actor.as_deref()),
                    ("action", q.action.as_deref()),
                    ("outcome", q.outcome.as_deref()),
                    ("org_code", q.org_code.as_deref()),
                    ("from", q.from.as_deref()),
                    ("until", q.until.as_deref()),
                ],
            );
        }
        Err(bad) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            v.errors = bad
                .errors
                .iter()
                .map(|e| (e.field, l.m(&e.message).to_string()))
                .collect();
        }
    }
    let c = Chrome::for_user(l, &info, "/audit");
    let htmx =
        headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request");
    let mut resp = if htmx {
        // htmx swaps only 2xx answers, so the partial carries its own error notice with 200.
        Page(AuditResults { c, v }).into_response()
    } else {
        let mut r = Page(AuditPage { c, v }).into_response();
        *r.status_mut() = status;
        r
    };
    // The same address answers a whole page or a partial: caches must keep them apart.
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("HX-Request"));
    Ok(resp)
}
