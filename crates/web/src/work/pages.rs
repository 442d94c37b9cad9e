//! `/work` (the work list, issue 4 point 7) and `/notifications` (with "mark read").

use crate::auth::Authed;
use crate::error::AppError;
use crate::extract::P;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use shegong_domain::{assessment, clock};
use shegong_store::notifications::{self, Notification};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(work_page))
        .route("/notifications", get(notifications_page))
        .route("/notifications/{id}/read", post(mark_read))
}

/// Notifications on the notifications page.
pub const NOTIFICATIONS_PAGE: i64 = 200;

/// One line of a group.
pub struct Item {
    pub href: String,
    pub title: String,
    pub detail: String,
    pub due: String,
    pub overdue: bool,
}

/// One group of the list.
pub struct Group {
    pub key: &'static str,
    pub title: String,
    pub items: Vec<Item>,
    /// The full list the group comes from.
    pub more: Option<&'static str>,
}

pub struct NoteView {
    pub id: i64,
    pub text: String,
    pub href: Option<String>,
    pub at: String,
    pub unread: bool,
}

fn note_view(l: Lang, n: &Notification, case_links: bool) -> NoteView {
    let (zh, en) = n.text();
    NoteView {
        id: n.id,
        text: l.t(&zh, &en).to_string(),
        href: n
            .case_id
            .filter(|_| case_links)
            .map(|c| format!("/cases/{c}/protection")),
        at: clock::display(n.created_at),
        unread: n.read_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    c: Chrome,
    groups: Vec<Group>,
    notes: Vec<NoteView>,
    /// Nothing waits at all.
    empty: bool,
}

async fn work_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let w = super::load(&st, &info).await?;
    let reader = crate::persons::ensure_reader(&info).is_ok();
    let case = |id: i64, name: &str, stage: &str| Item {
        href: format!("/cases/{id}"),
        title: format!("{} #{id} · {name}", l.t("个案", "case")),
        detail: shegong_domain::case::Stage::from_id(stage)
            .map(|s| l.m(&s.label()).to_string())
            .unwrap_or_default(),
        due: String::new(),
        overdue: false,
    };
    let groups = vec![
        Group {
            key: "unfinished",
            title: l
                .t(
                    "未完成的儿童保护报告(8.3.4.1)",
                    "Unfinished child-protection reports (8.3.4.1)",
                )
                .into(),
            items: w
                .unfinished
                .iter()
                .map(|u| Item {
                    href: if reader {
                        format!("/cases/{}/protection", u.case_id)
                    } else {
                        String::new()
                    },
                    title: format!("{} #{}", l.t("个案", "case"), u.case_id),
                    detail: format!(
                        "{} {} · {}",
                        l.t("发现于", "found"),
                        clock::display(u.found_at),
                        u.org_code
                    ),
                    due: l.t("立即", "at once").into(),
                    overdue: true,
                })
                .collect(),
            more: None,
        },
        Group {
            key: "approvals",
            title: l.t("待我审批", "Waiting for my approval").into(),
            items: w
                .approvals
                .iter()
                .map(|c| case(c.id, &c.person_name, &c.stage))
                .collect(),
            more: None,
        },
        Group {
            key: "returned",
            title: l.t("被退回修改", "Returned to me").into(),
            items: w
                .returned
                .iter()
                .map(|c| case(c.id, &c.person_name, &c.stage))
                .collect(),
            more: None,
        },
        Group {
            key: "follow_ups",
            title: l.t("到期跟进(10.4)", "Follow-ups due (10.4)").into(),
            items: w
                .follow_ups
                .iter()
                .map(|f| Item {
                    href: format!("/cases/{}", f.case_id),
                    title: format!("{} #{} · {}", l.t("个案", "case"), f.case_id, f.person_name),
                    detail: String::new(),
                    overdue: super::overdue(&f.due_on),
                    due: f.due_on.clone(),
                })
                .collect(),
            more: None,
        },
        Group {
            key: "visits",
            title: l.t("到期走访(8.2.1.1)", "Care visits due (8.2.1.1)").into(),
            items: w
                .visits
                .iter()
                .map(|v| Item {
                    href: format!("/persons/{}/elderly", v.person_id),
                    title: v.name.clone(),
                    detail: v.org_code.clone(),
                    overdue: super::overdue(&v.next_visit_due),
                    due: v.next_visit_due.clone(),
                })
                .collect(),
            more: Some("/care/visits"),
        },
        Group {
            key: "reassessments",
            title: l
                .t("到期复评(8.2.3.1)", "Re-assessments due (8.2.3.1)")
                .into(),
            items: w
                .reassessments
                .iter()
                .map(|r| Item {
                    href: format!("/persons/{}/assessments", r.person_id),
                    title: r.name.clone(),
                    detail: assessment::find(&r.code, u32::try_from(r.version).unwrap_or(1))
                        .map(|d| l.m(&d.name()).to_string())
                        .unwrap_or_else(|| r.code.clone()),
                    overdue: super::overdue(&r.next_due),
                    due: r.next_due.clone(),
                })
                .collect(),
            more: Some("/assessments/due"),
        },
    ];
    let notes: Vec<NoteView> = w
        .notifications
        .iter()
        .filter(|n| n.read_at.is_none())
        .map(|n| note_view(l, n, reader))
        .collect();
    Ok(Page(WorkPage {
        c: Chrome::for_user(l, &info, "/work"),
        empty: notes.is_empty() && groups.iter().all(|g| g.items.is_empty()),
        groups,
        notes,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    notes: Vec<NoteView>,
}

async fn notifications_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let me = info.user.id;
    let list = st
        .read(move |c| notifications::of_user(c, me, NOTIFICATIONS_PAGE))
        .await?;
    let reader = crate::persons::ensure_reader(&info).is_ok();
    Ok(Page(NotificationsPage {
        c: Chrome::for_user(l, &info, "/notifications"),
        notes: list.iter().map(|n| note_view(l, n, reader)).collect(),
    })
    .into_response())
}

async fn mark_read(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let me = info.user.id;
    st.write(move |c| notifications::mark_read(c, me, id, clock::now()))
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}
