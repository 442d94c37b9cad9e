//! The forms of a case: the intake that opens it (`/persons/{id}/cases/new`), the needs
//! assessment (10.1), the plan (10.2), the evaluation (10.5), the closing (10.4) and the service
//! record made on a phone during a home visit (10.3, issue 4 point 9). Each form is read into the
//! domain's input type and saved by the function the API calls; a refused form comes back with
//! what was typed and the domain's messages (422), or the state's reason (409).

use super::{CaseHead, FormErrors, refusal};
use crate::auth::{AuthInfo, Authed};
use crate::care::pages::{FormData, PersonHead};
use crate::error::AppError;
use crate::extract::{P, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Opt, Page, choices};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use shegong_domain::case::closing::{ClosingInput, REASONS};
use shegong_domain::case::evaluation::{ATTAINMENT, EvaluationInput, GoalScoreInput, SATISFACTION};
use shegong_domain::case::intake::{IntakeInput, SOURCES};
use shegong_domain::case::needs::{MAX_NEEDS, NeedInput, NeedsInput, PRIORITIES};
use shegong_domain::case::plan::{GoalInput, InterventionInput, MAX_ENTRIES, PlanInput};
use shegong_domain::case::service::{MODES, ServiceInput};
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_domain::scope::Scope;
use shegong_domain::{content, dates};
use shegong_store::cases::{self as store, Kind};
use shegong_store::query::Page as Paging;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/cases/new", get(intake_page))
        .route("/persons/{id}/cases", post(intake_save))
        .route("/cases/{id}/needs", get(needs_page).post(needs_save))
        .route("/cases/{id}/plan", get(plan_page).post(plan_save))
        .route(
            "/cases/{id}/evaluation",
            get(evaluation_page).post(evaluation_save),
        )
        .route("/cases/{id}/closing", get(closing_page).post(closing_save))
        .route("/cases/{id}/services/new", get(service_page))
        .route("/cases/{id}/services", post(service_save))
}

/// A checkbox or radio of a form: its value, its label, whether it is chosen.
fn opt(code: impl ToString, label: impl Into<String>, selected: bool) -> Opt {
    Opt {
        code: code.to_string(),
        label: label.into(),
        selected,
    }
}

fn ids(values: Vec<String>) -> Vec<i64> {
    values
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// The section-8 items grouped by area, as checkboxes.
pub struct ItemGroup {
    pub area: String,
    pub items: Vec<Opt>,
    /// Shown unfolded: an item of the area is chosen.
    pub open: bool,
}

fn item_groups(l: Lang, chosen: &[String]) -> Vec<ItemGroup> {
    content::AREAS
        .iter()
        .map(|(area, zh, en)| {
            let items: Vec<Opt> = content::ITEMS
                .iter()
                .filter(|i| i.area == *area)
                .map(|i| {
                    opt(
                        i.code,
                        format!("{} {}", i.code, l.t(i.zh, i.en)),
                        chosen.iter().any(|c| c == i.code),
                    )
                })
                .collect();
            ItemGroup {
                area: format!("{area} {}", l.t(zh, en)),
                open: items.iter().any(|o| o.selected),
                items,
            }
        })
        .collect()
}

/// After a refused save: the form again with the messages, or the error page.
fn again<T: Template>(status: StatusCode, page: T) -> Response {
    (status, Page(page)).into_response()
}

fn saved(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("/cases/{id}?done=saved#{anchor}")).into_response()
}

// ------------------------------------------------------------------------------------ intake

#[derive(Template)]
#[template(path = "case_intake.html")]
struct IntakePage {
    c: Chrome,
    p: PersonHead,
    i: IntakeInput,
    sources: Vec<Opt>,
    team: Vec<Opt>,
    errors: FormErrors,
}

async fn render_intake(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    i: IntakeInput,
    team: Vec<i64>,
    errors: FormErrors,
) -> Result<IntakePage, AppError> {
    let o = crate::care::open_for_writing(st, info, id).await?;
    // Co-workers are accounts of the user's own station (the store checks it again).
    let station = OrgCode::parse(&info.user.org_code).map_err(AppError::Forbidden)?;
    let me = info.user.id;
    let accounts = st
        .read(move |c| {
            let f = shegong_store::users::Filter {
                org_code: Some(station.clone()),
                ..Default::default()
            };
            shegong_store::users::list(
                c,
                &Scope::new(vec![station]),
                &f,
                Paging::new(None, Some(Paging::MAX_PER_PAGE)),
                shegong_domain::clock::now(),
            )
        })
        .await?;
    let team = accounts
        .items
        .into_iter()
        .filter(|u| u.id != me && matches!(u.role(), Role::SocialWorker | Role::StationHead))
        .map(|u| opt(u.id, u.display_name, team.contains(&u.id)))
        .collect();
    Ok(IntakePage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}/cases/new")),
        p: PersonHead::new(&o),
        sources: choices(l, &SOURCES, &i.source),
        i,
        team,
        errors,
    })
}

async fn intake_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let i = IntakeInput {
        source: "walk_in".into(),
        received_on: dates::iso(dates::today()),
        consent: true,
        eligible: true,
        ..IntakeInput::default()
    };
    let page = render_intake(&st, l, &info, id, i, Vec::new(), FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn intake_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let i = IntakeInput {
        source: f.one("source"),
        referrer: f.opt("referrer"),
        received_on: f.one("received_on"),
        presenting_problem: f.one("presenting_problem"),
        consent: f.one("consent") == "1",
        consent_by: f.opt("consent_by"),
        eligible: f.one("eligible") != "0",
        eligibility_notes: f.opt("eligibility_notes"),
        referral_to: f.opt("referral_to"),
    };
    let team = ids(f.all("co_worker"));
    let opening = super::super::Opening {
        title: None,
        intake: Some(i.clone()),
        co_workers: team.clone(),
    };
    let whose = super::super::Whose::Person(id);
    let (status, errors) = match super::super::open_case(&st, &info, whose, opening).await {
        Ok(cid) => return Ok(Redirect::to(&format!("/cases/{cid}?done=opened")).into_response()),
        Err(e) => refusal(e, l)?,
    };
    let page = render_intake(&st, l, &info, id, i, team, errors).await?;
    Ok(again(status, page))
}

// ------------------------------------------------------------------------------------ needs

pub struct NeedRow {
    pub need: String,
    pub priorities: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "case_needs.html")]
struct NeedsPage {
    c: Chrome,
    h: CaseHead,
    n: NeedsInput,
    rows: Vec<NeedRow>,
    head: bool,
    errors: FormErrors,
}

async fn render_needs(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<NeedsInput>,
    errors: FormErrors,
) -> Result<NeedsPage, AppError> {
    let k = super::super::load_for_writing(st, info, id).await?;
    let n = match typed {
        Some(n) => n,
        None => store::record(&k.records, Kind::Needs)?.unwrap_or_else(|| NeedsInput {
            assessed_on: dates::iso(dates::today()),
            worker_signature: info.user.display_name.clone(),
            ..NeedsInput::default()
        }),
    };
    let mut rows: Vec<NeedRow> = n
        .needs
        .iter()
        .map(|x| NeedRow {
            need: x.need.clone(),
            priorities: choices(l, &PRIORITIES, &x.priority),
        })
        .collect();
    while rows.len() < (n.needs.len() + 3).min(MAX_NEEDS) {
        rows.push(NeedRow {
            need: String::new(),
            priorities: choices(l, &PRIORITIES, "medium"),
        });
    }
    Ok(NeedsPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        n,
        rows,
        head: info.user.role() == Role::StationHead,
        errors,
    })
}

async fn needs_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = render_needs(&st, l, &info, id, None, FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn needs_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let n = NeedsInput {
        assessed_on: f.one("assessed_on"),
        individual: f.one("individual"),
        family: f.one("family"),
        community: f.one("community"),
        strengths: f.one("strengths"),
        problem_summary: f.one("problem_summary"),
        // A row with a priority but no need is an unused blank row.
        needs: f
            .all("need")
            .into_iter()
            .zip(f.all("priority"))
            .filter(|(need, _)| !need.trim().is_empty())
            .map(|(need, priority)| NeedInput { need, priority })
            .collect(),
        worker_signature: f.one("worker_signature"),
        head_opinion: f.opt("head_opinion"),
    };
    let (status, errors) =
        match super::super::save(&st, &info, id, super::super::Input::Needs(n.clone())).await {
            Ok(_) => return Ok(saved(id, "needs")),
            Err(e) => refusal(e, l)?,
        };
    let page = render_needs(&st, l, &info, id, Some(n), errors).await?;
    Ok(again(status, page))
}

// ------------------------------------------------------------------------------------ plan

pub struct GoalRow {
    pub n: usize,
    pub goal: String,
    pub indicator: String,
    pub target_date: String,
    pub needs: Vec<Opt>,
}

pub struct InterventionRow {
    pub n: usize,
    pub action: String,
    pub groups: Vec<ItemGroup>,
}

#[derive(Template)]
#[template(path = "case_plan.html")]
struct PlanPage {
    c: Chrome,
    h: CaseHead,
    p: PlanInput,
    goals: Vec<GoalRow>,
    interventions: Vec<InterventionRow>,
    errors: FormErrors,
}

async fn render_plan(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<PlanInput>,
    errors: FormErrors,
) -> Result<PlanPage, AppError> {
    let k = super::super::load_for_writing(st, info, id).await?;
    let needs: Vec<NeedInput> = store::record::<NeedsInput>(&k.records, Kind::Needs)?
        .map(|n| n.needs)
        .unwrap_or_default();
    let p = match typed {
        Some(p) => p,
        None => store::record(&k.records, Kind::Plan)?.unwrap_or_else(|| PlanInput {
            planned_on: dates::iso(dates::today()),
            ..PlanInput::default()
        }),
    };
    let mut goals = p.goals.clone();
    goals.resize((goals.len() + 2).min(MAX_ENTRIES), GoalInput::default());
    let mut acts = p.interventions.clone();
    acts.resize(
        (acts.len() + 2).min(MAX_ENTRIES),
        InterventionInput::default(),
    );
    Ok(PlanPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        goals: goals
            .into_iter()
            .enumerate()
            .map(|(i, g)| GoalRow {
                n: i + 1,
                needs: needs
                    .iter()
                    .enumerate()
                    .map(|(j, x)| {
                        let nid = j as i64 + 1;
                        opt(nid, format!("{nid}. {}", x.need), g.needs.contains(&nid))
                    })
                    .collect(),
                goal: g.goal,
                indicator: g.indicator,
                target_date: g.target_date,
            })
            .collect(),
        interventions: acts
            .into_iter()
            .enumerate()
            .map(|(i, a)| InterventionRow {
                n: i + 1,
                groups: item_groups(l, &a.items),
                action: a.action,
            })
            .collect(),
        p,
        errors,
    })
}

async fn plan_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = render_plan(&st, l, &info, id, None, FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn plan_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    // Numbered slots (`goal_3`, `needs_3`…); a slot left blank is not a goal.
    let goals = (1..=MAX_ENTRIES)
        .map(|i| GoalInput {
            goal: f.one(&format!("goal_{i}")),
            indicator: f.one(&format!("indicator_{i}")),
            target_date: f.one(&format!("target_{i}")),
            needs: ids(f.all(&format!("needs_{i}"))),
        })
        .filter(|g| {
            !(g.goal.trim().is_empty()
                && g.indicator.trim().is_empty()
                && g.target_date.trim().is_empty())
        })
        .collect();
    let interventions = (1..=MAX_ENTRIES)
        .map(|i| InterventionInput {
            action: f.one(&format!("action_{i}")),
            items: f.all(&format!("items_{i}")),
        })
        .filter(|a| !a.action.trim().is_empty() || !a.items.is_empty())
        .collect();
    let p = PlanInput {
        planned_on: f.one("planned_on"),
        goals,
        interventions,
        resources: f.opt("resources"),
    };
    let (status, errors) =
        match super::super::save(&st, &info, id, super::super::Input::Plan(p.clone())).await {
            Ok(_) => return Ok(saved(id, "plan")),
            Err(e) => refusal(e, l)?,
        };
    let page = render_plan(&st, l, &info, id, Some(p), errors).await?;
    Ok(again(status, page))
}

// ------------------------------------------------------------------------------------ evaluation

pub struct ScoreRow {
    pub goal: i64,
    pub text: String,
    pub scores: Vec<Opt>,
    pub note: String,
}

#[derive(Template)]
#[template(path = "case_evaluation.html")]
struct EvaluationPage {
    c: Chrome,
    h: CaseHead,
    e: EvaluationInput,
    rows: Vec<ScoreRow>,
    satisfaction: Vec<Opt>,
    errors: FormErrors,
}

async fn render_evaluation(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<EvaluationInput>,
    errors: FormErrors,
) -> Result<EvaluationPage, AppError> {
    let k = super::super::load_for_writing(st, info, id).await?;
    let goals: Vec<GoalInput> = store::record::<PlanInput>(&k.records, Kind::Plan)?
        .map(|p| p.goals)
        .unwrap_or_default();
    let e = match typed {
        Some(e) => e,
        None => store::record(&k.records, Kind::Evaluation)?.unwrap_or_else(|| EvaluationInput {
            evaluated_on: dates::iso(dates::today()),
            ..EvaluationInput::default()
        }),
    };
    let rows = goals
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let gid = i as i64 + 1;
            let given = e.goals.iter().find(|s| s.goal == gid);
            let score = given.and_then(|s| s.score);
            ScoreRow {
                goal: gid,
                text: format!("{} · {}", g.goal, g.indicator),
                scores: ATTAINMENT
                    .iter()
                    .map(|(s, zh, en)| opt(s, format!("{s:+} {}", l.t(zh, en)), score == Some(*s)))
                    .collect(),
                note: given.and_then(|s| s.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(EvaluationPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        satisfaction: choices(l, &SATISFACTION, &e.satisfaction),
        e,
        rows,
        errors,
    })
}

async fn evaluation_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = render_evaluation(&st, l, &info, id, None, FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn evaluation_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let e = EvaluationInput {
        evaluated_on: f.one("evaluated_on"),
        goals: ids(f.all("goal"))
            .into_iter()
            .map(|g| GoalScoreInput {
                goal: g,
                score: f.one(&format!("score_{g}")).trim().parse().ok(),
                note: f.opt(&format!("note_{g}")),
            })
            .collect(),
        satisfaction: f.one("satisfaction"),
        reflection: f.one("reflection"),
    };
    let (status, errors) = match super::super::save(
        &st,
        &info,
        id,
        super::super::Input::Evaluation(e.clone()),
    )
    .await
    {
        Ok(_) => return Ok(saved(id, "evaluation")),
        Err(err) => refusal(err, l)?,
    };
    let page = render_evaluation(&st, l, &info, id, Some(e), errors).await?;
    Ok(again(status, page))
}

// ------------------------------------------------------------------------------------ closing

#[derive(Template)]
#[template(path = "case_closing.html")]
struct ClosingPage {
    c: Chrome,
    h: CaseHead,
    x: ClosingInput,
    days: String,
    reasons: Vec<Opt>,
    errors: FormErrors,
}

async fn render_closing(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<(ClosingInput, String)>,
    errors: FormErrors,
) -> Result<ClosingPage, AppError> {
    let k = super::super::load_for_writing(st, info, id).await?;
    let (x, days) = match typed {
        Some(t) => t,
        None => {
            let x: ClosingInput = store::record(&k.records, Kind::Closing)?.unwrap_or_default();
            let days = x
                .first_follow_up_days
                .unwrap_or(shegong_domain::case::closing::DEFAULT_FOLLOW_UP_DAYS)
                .to_string();
            (x, days)
        }
    };
    Ok(ClosingPage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        reasons: choices(l, &REASONS, &x.reason),
        x,
        days,
        errors,
    })
}

async fn closing_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = render_closing(&st, l, &info, id, None, FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn closing_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let days = f.one("first_follow_up_days");
    let x = ClosingInput {
        reason: f.one("reason"),
        reason_note: f.opt("reason_note"),
        summary: f.one("summary"),
        reviewed_with_person: f.one("reviewed_with_person") == "1",
        follow_up_plan: f.one("follow_up_plan"),
        // Not a number: 0, which the domain refuses with the allowed range.
        first_follow_up_days: (!days.trim().is_empty()).then(|| days.trim().parse().unwrap_or(0)),
    };
    let (status, errors) =
        match super::super::save(&st, &info, id, super::super::Input::Closing(x.clone())).await {
            Ok(_) => return Ok(saved(id, "closing")),
            Err(e) => refusal(e, l)?,
        };
    let page = render_closing(&st, l, &info, id, Some((x, days)), errors).await?;
    Ok(again(status, page))
}

// ------------------------------------------------------------------------------------ service

/// The durations offered as big buttons (minutes); any other is typed.
const PRESETS: [i64; 4] = [15, 30, 45, 60];

#[derive(Template)]
#[template(path = "case_service.html")]
struct ServicePage {
    c: Chrome,
    h: CaseHead,
    s: ServiceInput,
    presets: Vec<Opt>,
    other_minutes: String,
    modes: Vec<Opt>,
    groups: Vec<ItemGroup>,
    goals: Vec<Opt>,
    errors: FormErrors,
}

async fn render_service(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<(ServiceInput, String)>,
    errors: FormErrors,
) -> Result<ServicePage, AppError> {
    let k = super::super::load_for_writing(st, info, id).await?;
    let goals: Vec<GoalInput> = store::record::<PlanInput>(&k.records, Kind::Plan)?
        .map(|p| p.goals)
        .unwrap_or_default();
    let (s, other) = typed.unwrap_or_else(|| {
        (
            ServiceInput {
                kind: "service".into(),
                served_on: dates::iso(dates::today()),
                minutes: Some(30),
                mode: "home_visit".into(),
                ..ServiceInput::default()
            },
            String::new(),
        )
    });
    let preset = s.minutes.filter(|m| PRESETS.contains(m));
    Ok(ServicePage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        presets: PRESETS
            .iter()
            .map(|m| opt(m, format!("{m} {}", l.t("分钟", "min")), preset == Some(*m)))
            .collect(),
        other_minutes: other,
        modes: choices(l, &MODES, &s.mode),
        groups: item_groups(l, &s.items),
        goals: goals
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let gid = i as i64 + 1;
                opt(gid, format!("{gid}. {}", g.goal), s.goals.contains(&gid))
            })
            .collect(),
        s,
        errors,
    })
}

async fn service_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let page = render_service(&st, l, &info, id, None, FormErrors::default()).await?;
    Ok(Page(page).into_response())
}

async fn service_save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = FormData(f);
    let other = f.one("minutes_other");
    // A typed duration wins over the preset; one that is not a number is refused by the domain
    // as out of range (0).
    let minutes = if other.trim().is_empty() {
        f.one("minutes").trim().parse().ok()
    } else {
        Some(other.trim().parse().unwrap_or(0))
    };
    let s = ServiceInput {
        kind: "service".into(),
        served_on: f.one("served_on"),
        minutes,
        mode: f.one("mode"),
        workers: Vec::new(),
        content: f.one("content"),
        items: f.all("items"),
        goals: ids(f.all("goals")),
        next_step: f.opt("next_step"),
        ..ServiceInput::default()
    };
    let (status, errors) =
        match super::super::save(&st, &info, id, super::super::Input::Service(s.clone())).await {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/cases/{id}?done=service#services")).into_response()
                );
            }
            Err(e) => refusal(e, l)?,
        };
    let page = render_service(&st, l, &info, id, Some((s, other)), errors).await?;
    Ok(again(status, page))
}
