//! What every HTML page shares: the page chrome (language, user, navigation, CSRF token), the
//! response wrapper for askama templates, and the layer that turns errors into pages or redirects.

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::i18n::Lang;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use shegong_domain::account::LoginStage;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::role::Role;
use shegong_domain::{Invalid, Msg};
use shegong_store::work::Counts;
use std::sync::Arc;

/// The parts of the layout that depend on who is looking.
pub struct Chrome {
    pub l: Lang,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// The current path, to mark the active menu entry and to come back after a language switch.
    pub path: String,
    pub nav: Vec<NavItem>,
    /// Unfinished child-protection reports the user must see (R-8.3.4): the red banner.
    pub unfinished: Option<Unfinished>,
}

/// The red banner: how many reports wait and where to complete them.
pub struct Unfinished {
    pub count: i64,
    /// The cases' protection pages (`None` for a purchaser, who reads no case: the work list).
    pub cases: Option<Vec<i64>>,
}

pub struct NavUser {
    pub display_name: String,
    pub role: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// A count beside the entry, and whether it is red (something overdue).
    pub badge: Option<(i64, bool)>,
}

impl Chrome {
    pub fn new(l: Lang, info: Option<&AuthInfo>, path: &str) -> Chrome {
        let done = info.filter(|i| i.stage() == LoginStage::Done);
        let nav = match done {
            Some(i) => nav_for(l, i.user.role(), path, i.work.as_ref()),
            None => Vec::new(),
        };
        let unfinished = done.and_then(|i| {
            let w = i.work.as_ref().filter(|w| !w.unfinished.is_empty())?;
            Some(Unfinished {
                count: w.unfinished_reports(),
                cases: role_may(i.user.role(), Action::ReadRecord)
                    .then(|| w.unfinished.iter().map(|u| u.0).collect()),
            })
        });
        Chrome {
            l,
            user: info.map(|i| NavUser {
                display_name: i.user.display_name.clone(),
                role: l.m(&i.user.role().label()).to_string(),
            }),
            csrf: info.map(|i| i.csrf().to_string()).unwrap_or_default(),
            path: path.to_string(),
            nav,
            unfinished,
        }
    }

    pub fn for_user(l: Lang, info: &Arc<AuthInfo>, path: &str) -> Chrome {
        Chrome::new(l, Some(info), path)
    }
}

/// The menu: only what the role may open.
fn nav_for(l: Lang, role: Role, path: &str, work: Option<&Counts>) -> Vec<NavItem> {
    let entries: [(&'static str, &'static str, &'static str, Option<Action>); 10] = [
        ("/", "首页", "Home", None),
        ("/work", "工作清单", "Work", None),
        ("/cases", "个案", "Cases", Some(Action::ReadRecord)),
        ("/archive", "服务档案", "Archive", Some(Action::ReadRecord)),
        ("/org", "组织架构", "Org tree", Some(Action::ViewOrg)),
        ("/users", "用户管理", "Accounts", Some(Action::ViewUsers)),
        ("/audit", "审计日志", "Audit log", Some(Action::ViewAudit)),
        (
            "/supervision",
            "督导记录",
            "Supervision",
            Some(Action::WriteSupervision),
        ),
        (
            "/quality",
            "质量检查",
            "Quality",
            Some(Action::ReviewQuality),
        ),
        ("/account", "我的账户", "My account", None),
    ];
    entries
        .into_iter()
        .filter(|(href, _, _, a)| {
            a.is_none_or(|a| role_may(role, a)) && (*href != "/work" || crate::work::has_list(role))
        })
        .map(|(href, zh, en, _)| NavItem {
            href,
            label: l.t(zh, en),
            active: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
            badge: (href == "/work")
                .then_some(work)
                .flatten()
                .filter(|w| w.total() > 0)
                .map(|w| (w.total(), w.urgent())),
        })
        .collect()
}

/// An askama template as a response.
pub struct Page<T: Template>(pub T);

/// Marks a response whose body is a page meant for the user, so the error layer leaves it alone
/// even with a 4xx status (a form shown again with inline messages answers 422).
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => {
                let mut r = (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/html; charset=utf-8"),
                        ),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    ],
                    html,
                )
                    .into_response();
                r.extensions_mut().insert(Rendered);
                r
            }
            Err(e) => AppError::internal(e).into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    title: String,
    detail: String,
}

/// Where a pending login step is done.
pub fn stage_path(stage: LoginStage) -> &'static str {
    match stage {
        LoginStage::TwoFactor => "/login/code",
        LoginStage::ChangePassword => "/login/password",
        LoginStage::SetUpTwoFactor => "/login/two-factor-setup",
        LoginStage::Done => "/",
    }
}

/// An error as the browser should see it: "not logged in" becomes a redirect to the login page,
/// a pending login step a redirect to that step, anything else a page in the user's language.
pub fn error_response(
    err: AppError,
    lang: Lang,
    info: Option<&AuthInfo>,
    path: &str,
    is_get: bool,
    htmx: bool,
) -> Response {
    let redirect = |to: String| -> Response {
        if htmx {
            let mut r = StatusCode::NO_CONTENT.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert("hx-redirect", v);
            }
            r
        } else {
            Redirect::to(&to).into_response()
        }
    };
    match err {
        AppError::Unauthorized(_) => {
            let next_q = if is_get && path != "/" {
                format!("?next={}", url_encode(path))
            } else {
                String::new()
            };
            redirect(format!("/login{next_q}"))
        }
        AppError::StagePending(stage) => redirect(stage_path(stage).to_string()),
        other => {
            let (title, detail) = other.title_detail();
            let status = other.status();
            let page = ErrorPage {
                c: Chrome::new(lang, info, path),
                status: status.as_u16(),
                title: lang.m(&title).to_string(),
                detail: lang.m(&detail).to_string(),
            };
            let mut r = Page(page).into_response();
            *r.status_mut() = status;
            r
        }
    }
}

pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A local path to go back to after login; anything else (other sites, `//host`) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 300 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(safe_next(Some("/users?page=2")), "/users?page=2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn menus_follow_the_policy() {
        let labels = |r| {
            nav_for(Lang::Zh, r, "/", None)
                .into_iter()
                .map(|n| n.href)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(Role::SystemAdmin),
            ["/", "/org", "/users", "/audit", "/account"]
        );
        assert_eq!(labels(Role::Volunteer), ["/", "/account"]);
        assert!(!labels(Role::SocialWorker).contains(&"/audit"));
        // The work list: whoever reads case records, and the purchaser (R-8.3.4).
        assert!(labels(Role::SocialWorker).contains(&"/work"));
        assert!(labels(Role::Purchaser).contains(&"/work"));
    }
}

/// Inline messages of a form, in the page's language.
#[derive(Default)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    pub fn from(i: &Invalid, l: Lang) -> Errors {
        Errors(
            i.errors
                .iter()
                .map(|e| (e.field.to_string(), l.m(&e.message).to_string()))
                .collect(),
        )
    }

    pub fn one(field: &str, m: &Msg, l: Lang) -> Errors {
        Errors(vec![(field.to_string(), l.m(m).to_string())])
    }

    /// Every message of the field, joined.
    pub fn get(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join(";"))
    }

    /// Messages of fields a form has no place for.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// A refused form post as (status, messages): invalid input is 422, a conflict 409 shown at
    /// `conflict_field`; any other error is passed on.
    pub fn of_refusal(
        e: AppError,
        l: Lang,
        conflict_field: &str,
    ) -> Result<(StatusCode, Errors), AppError> {
        match e {
            AppError::Invalid(i) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Errors::from(&i, l))),
            AppError::Conflict(m) => Ok((StatusCode::CONFLICT, Errors::one(conflict_field, &m, l))),
            other => Err(other),
        }
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

impl Errors {
    /// The attributes that mark a form field as wrong, for `{{ errors.mark("name")|safe }}`;
    /// `field` is always a name written in a template, never user input.
    pub fn mark(&self, field: &str) -> String {
        if self.get(field).is_some() {
            format!(r#"class="has-error" aria-invalid="true" aria-describedby="{field}-error""#)
        } else {
            String::new()
        }
    }
}

/// Previous/next links of a paged list. With a `target`, the links also ask htmx to swap that
/// element in place; without JavaScript they are plain links.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub target: Option<&'static str>,
}

impl Pager {
    pub fn new(
        page: shegong_store::query::Page,
        total: i64,
        target: Option<&'static str>,
        href: impl Fn(i64) -> String,
    ) -> Pager {
        let pages = ((total + page.per_page - 1) / page.per_page).max(1);
        let current = page.page.max(1);
        Pager {
            page: current,
            pages,
            prev: (current > 1).then(|| href((current - 1).min(pages))),
            next: (current < pages).then(|| href(current + 1)),
            target,
        }
    }

    /// A single empty page (a refused filter).
    pub fn none() -> Pager {
        Pager {
            page: 1,
            pages: 1,
            prev: None,
            next: None,
            target: None,
        }
    }

    pub fn shown(&self) -> bool {
        self.pages > 1 || self.page > 1
    }
}

/// `path?k=v&…&page=N` from the filter values that are given.
pub fn list_href(path: &str, params: &[(&str, Option<&str>)], page: i64) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_encode(v)))
        })
        .collect();
    parts.push(format!("page={page}"));
    format!("{path}?{}", parts.join("&"))
}

/// One page of a filtered list, or the reasons its filter was refused.
pub struct Results<R> {
    pub rows: Vec<R>,
    pub total: i64,
    pub pager: Pager,
    pub error: Option<String>,
}

impl<R> Results<R> {
    pub fn new(rows: Vec<R>, total: i64, pager: Pager) -> Self {
        Results {
            rows,
            total,
            pager,
            error: None,
        }
    }

    pub fn refused(l: Lang, i: &Invalid) -> Self {
        let msg = i
            .errors
            .iter()
            .map(|e| l.m(&e.message).to_string())
            .collect::<Vec<_>>()
            .join(";");
        Results {
            rows: Vec::new(),
            total: 0,
            pager: Pager::none(),
            error: Some(msg),
        }
    }
}

/// Whether htmx asks for the element `target` only (a history restore gets the whole page).
pub fn wants_fragment(headers: &axum::http::HeaderMap, target: &str) -> bool {
    headers.get("hx-target").is_some_and(|v| v == target)
        && !headers.contains_key("hx-history-restore-request")
}

/// An option of a select, a radio or a checkbox.
pub struct Opt {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (code, label) pairs.
pub fn opts(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(code, label)| Opt {
            selected: code == selected,
            code,
            label,
        })
        .collect()
}

/// Options from a fixed list of choices, labelled in the page's language.
pub fn choices(l: Lang, list: &[shegong_domain::Choice], selected: &str) -> Vec<Opt> {
    opts(
        list.iter()
            .map(|(code, zh, en)| (code.to_string(), l.t(zh, en).to_string())),
        selected,
    )
}
