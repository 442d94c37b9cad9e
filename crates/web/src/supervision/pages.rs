//! Supervision pages: `/cases/{id}/supervision` (a case's records, and the supervisor's form),
//! `/supervision` (the records the user reads, and a supervisor's form on a worker), and the
//! posts that answer a record and mark its follow-up done (7.4 b).

use super::On;
use crate::auth::{AuthInfo, Authed};
use crate::care::pages::FormData;
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, choices, opts};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::dates;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::quality::supervision::{MODES, SupervisionInput};
use shegong_domain::role::Role;
use shegong_store::query::Page as Paging;
use shegong_store::supervision::{Filter, Named};
use shegong_store::users;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/supervision", get(case_page).post(save_on_case))
        .route("/supervision", get(list_page).post(save_on_worker))
        .route("/supervision/{id}/response", post(respond))
        .route("/supervision/{id}/follow-up-done", post(follow_up_done))
}

/// One record as the page shows it.
pub struct View {
    pub id: i64,
    pub case_id: Option<i64>,
    pub held_on: String,
    pub mode: String,
    pub worker: String,
    pub supervisor: String,
    pub observations: String,
    pub advice: String,
    pub follow_up: String,
    pub follow_up_due: String,
    pub follow_up_done_on: String,
    pub follow_up_overdue: bool,
    pub response: String,
    /// The user is the worker it is on and has not answered yet.
    pub may_respond: bool,
    pub may_finish: bool,
}

fn view(l: Lang, info: &AuthInfo, n: Named) -> View {
    let r = n.row;
    let supervisor = role_may(info.user.role(), Action::WriteSupervision);
    let today = dates::iso(dates::today());
    View {
        may_respond: r.worker_id == info.user.id && r.response.is_none(),
        may_finish: supervisor && !r.follow_up.is_empty() && r.follow_up_done_on.is_none(),
        follow_up_overdue: r.follow_up_done_on.is_none()
            && r.follow_up_due
                .as_deref()
                .is_some_and(|d| d < today.as_str()),
        id: r.id,
        case_id: r.case_id,
        held_on: r.held_on,
        mode: l.m(&super::mode_label(&r.mode)).to_string(),
        worker: n.worker_name,
        supervisor: n.supervisor_name,
        observations: r.observations,
        advice: r.advice,
        follow_up: r.follow_up,
        follow_up_due: r.follow_up_due.unwrap_or_default(),
        follow_up_done_on: r.follow_up_done_on.unwrap_or_default(),
        response: r.response.unwrap_or_default(),
    }
}

/// What the form holds (again, after a refusal).
#[derive(Default)]
pub struct Typed {
    pub held_on: String,
    pub mode: String,
    pub observations: String,
    pub advice: String,
    pub follow_up: String,
    pub follow_up_due: String,
    pub worker_id: String,
}

impl Typed {
    fn of(f: &FormData) -> Typed {
        Typed {
            held_on: f.one("held_on"),
            mode: f.one("mode"),
            observations: f.one("observations"),
            advice: f.one("advice"),
            follow_up: f.one("follow_up"),
            follow_up_due: f.one("follow_up_due"),
            worker_id: f.one("worker_id"),
        }
    }

    fn input(&self) -> SupervisionInput {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
        SupervisionInput {
            held_on: self.held_on.clone(),
            mode: self.mode.clone(),
            observations: self.observations.clone(),
            advice: self.advice.clone(),
            follow_up: opt(&self.follow_up),
            follow_up_due: opt(&self.follow_up_due),
        }
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct ListPage {
    c: Chrome,
    case_id: Option<i64>,
    action: String,
    rows: Vec<View>,
    total: i64,
    pager: Pager,
    /// The supervisor's form (none for readers who do not write).
    form: bool,
    workers: Vec<Opt>,
    modes: Vec<Opt>,
    t: Typed,
    errors: Errors,
}

#[derive(Deserialize)]
struct PageQ {
    page: Option<i64>,
}

async fn render(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    case_id: Option<i64>,
    page: Option<i64>,
    t: Option<Typed>,
    errors: Errors,
) -> Result<ListPage, AppError> {
    let f = Filter {
        case_id,
        ..Default::default()
    };
    let paging = Paging::new(page, Some(50));
    let listing = super::list(st, info, f, paging).await?;
    let form = role_may(info.user.role(), Action::WriteSupervision);
    let workers = if form && case_id.is_none() {
        let scope = info.principal.scope.clone();
        let all = st
            .read(move |c| {
                let mut found = Vec::new();
                for role in [Role::SocialWorker, Role::StationHead] {
                    let f = users::Filter {
                        role: Some(role),
                        ..Default::default()
                    };
                    found.extend(
                        users::list(c, &scope, &f, Paging::new(Some(1), Some(200)), 0)?.items,
                    );
                }
                Ok(found)
            })
            .await?;
        let t = t.as_ref().map(|t| t.worker_id.clone()).unwrap_or_default();
        opts(
            all.into_iter().map(|u| {
                (
                    u.id.to_string(),
                    format!("{}({})", u.display_name, u.org_code),
                )
            }),
            &t,
        )
    } else {
        Vec::new()
    };
    let t = t.unwrap_or_else(|| Typed {
        held_on: dates::iso(dates::today()),
        ..Default::default()
    });
    let path = match case_id {
        Some(id) => format!("/cases/{id}/supervision"),
        None => "/supervision".to_string(),
    };
    let href = {
        let path = path.clone();
        move |p: i64| format!("{path}?page={p}")
    };
    Ok(ListPage {
        c: Chrome::for_user(l, info, &path),
        case_id,
        rows: listing
            .items
            .into_iter()
            .map(|n| view(l, info, n))
            .collect(),
        total: listing.total,
        pager: Pager::new(paging, listing.total, None, href),
        form,
        workers,
        modes: choices(l, &MODES, &t.mode),
        action: path,
        t,
        errors,
    })
}

async fn case_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<PageQ>,
) -> Result<Response, AppError> {
    Ok(
        Page(render(&st, l, &info, Some(id), q.page, None, Errors::default()).await?)
            .into_response(),
    )
}

async fn list_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<PageQ>,
) -> Result<Response, AppError> {
    Ok(Page(render(&st, l, &info, None, q.page, None, Errors::default()).await?).into_response())
}

async fn save(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    case_id: Option<i64>,
    f: FormData,
) -> Result<Response, AppError> {
    let t = Typed::of(&f);
    let on = match case_id {
        Some(id) => On::Case(id),
        None => match t.worker_id.trim().parse::<i64>() {
            Ok(w) => On::Worker(w),
            Err(_) => {
                let e = Errors::one(
                    "worker_id",
                    &shegong_domain::Msg::new("请选择被督导的社工", "choose the worker"),
                    l,
                );
                let page = render(st, l, info, None, None, Some(t), e).await?;
                return Ok(
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response()
                );
            }
        },
    };
    let back = match case_id {
        Some(id) => format!("/cases/{id}/supervision"),
        None => "/supervision".into(),
    };
    let (status, errors) = match super::write(st, info, on, t.input()).await {
        Ok(_) => return Ok(Redirect::to(&back).into_response()),
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let page = render(st, l, info, case_id, None, Some(t), errors).await?;
    Ok((status, Page(page)).into_response())
}

async fn save_on_case(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save(&st, l, &info, Some(id), FormData(f)).await
}

async fn save_on_worker(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save(&st, l, &info, None, FormData(f)).await
}

/// Back to where the record is shown.
async fn back_to(st: &AppState, info: &AuthInfo, id: i64) -> Result<String, AppError> {
    Ok(match super::get(st, info, id).await?.row.case_id {
        Some(c) => format!("/cases/{c}/supervision#s{id}"),
        None => format!("/supervision#s{id}"),
    })
}

async fn respond(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let back = back_to(&st, &info, id).await?;
    match super::respond(&st, &info, id, &f.one("response")).await {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => {
            let (status, errors) = Errors::of_refusal(e, l, "form")?;
            let case_id = super::get(&st, &info, id).await?.row.case_id;
            let page = render(&st, l, &info, case_id, None, None, errors).await?;
            Ok((status, Page(page)).into_response())
        }
    }
}

async fn follow_up_done(
    State(st): State<AppState>,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let back = back_to(&st, &info, id).await?;
    super::finish_follow_up(&st, &info, id).await?;
    Ok(Redirect::to(&back).into_response())
}
