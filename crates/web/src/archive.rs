//! The service archive's hub page (服务档案数据库, 7.6.4): one place a worker finds every part of
//! the archive. Each part lives in its own feature module; this page only links to them.

use crate::auth::Authed;
use crate::i18n::Lang;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use shegong_domain::policy::{Action, role_may};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/archive", get(hub))
}

/// (href, Chinese, English, clause, action needed)
const PARTS: [(&str, &str, &str, &str, Action); 10] = [
    (
        "/persons",
        "服务对象",
        "People served",
        "7.6.4",
        Action::ReadRecord,
    ),
    (
        "/households",
        "家庭与入户调查",
        "Households and investigations",
        "8.1.1.1",
        Action::ReadRecord,
    ),
    (
        "/households/reviews",
        "救助复核到期",
        "Assistance reviews due",
        "8.1.1.2",
        Action::ReadRecord,
    ),
    (
        "/care/visits",
        "老年人定期走访",
        "Elderly visits due",
        "8.2.1.1",
        Action::ReadRecord,
    ),
    (
        "/care/alerts",
        "儿童监护缺失预警",
        "Guardianship-gap alerts",
        "8.3.1.2",
        Action::ReadRecord,
    ),
    (
        "/assessments/due",
        "到期复评",
        "Re-assessments due",
        "8.2.3.1",
        Action::ReadRecord,
    ),
    (
        "/communities",
        "村(社区)概况",
        "Community profiles",
        "9.3.1.1",
        Action::ReadRecord,
    ),
    (
        "/persons/duplicates",
        "疑似重复档案",
        "Likely duplicates",
        "7.6.4",
        Action::WriteRecord,
    ),
    (
        "/transfers",
        "转移申请",
        "Transfers between stations",
        "7.6.4",
        Action::ReadRecord,
    ),
    (
        "/imports",
        "Excel 导入",
        "Excel import",
        "7.6.4",
        Action::WriteRecord,
    ),
];

pub struct Part {
    pub href: &'static str,
    pub label: &'static str,
    pub clause: &'static str,
}

#[derive(Template)]
#[template(path = "archive_hub.html")]
struct Hub {
    c: Chrome,
    parts: Vec<Part>,
}

async fn hub(l: Lang, Authed(info): Authed) -> Response {
    let role = info.user.role();
    let parts = PARTS
        .iter()
        .filter(|(.., a)| role_may(role, *a))
        .map(|(href, zh, en, clause, _)| Part {
            href,
            label: l.t(zh, en),
            clause,
        })
        .collect();
    Page(Hub {
        c: Chrome::for_user(l, &info, "/archive"),
        parts,
    })
    .into_response()
}
