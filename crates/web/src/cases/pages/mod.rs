//! Case pages (issue 4 points 1-3, 8, 9; section 10 read with MZ/T 094): `/cases` (the list in
//! the user's scope), `/cases/caseload` (the head's caseload per worker), `/cases/{id}` (the whole
//! story of a case on one page, with the step buttons the state machine allows), and the forms of
//! each stage in [`forms`]. Every post goes through the same functions as the API
//! (`cases::{open_case, step, save, schedule, contact}`); a refusal shows the domain's reason.

mod forms;

use super::Loaded;
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::persons::viewer;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, choices, list_href};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::case::closing::{
    self, ClosingInput, ContactInput, FOLLOW_UP_MODES, OUTCOMES, REASONS,
};
use shegong_domain::case::evaluation::{ATTAINMENT, EvaluationInput, SATISFACTION};
use shegong_domain::case::intake::{IntakeInput, SOURCES};
use shegong_domain::case::needs::{NeedsInput, PRIORITIES};
use shegong_domain::case::plan::PlanInput;
use shegong_domain::case::service::{MODES, ServiceInput};
use shegong_domain::case::{self, Event, Facts, Record, Refusal, Stage, may_record};
use shegong_domain::policy::{Action, Sensitivity};
use shegong_domain::role::Role;
use shegong_domain::{Choice, clock, content, dates};
use shegong_store::cases::{self as store, Filter, Kind};
use shegong_store::query::Page as Paging;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page))
        .route("/cases/caseload", get(caseload_page))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/steps", post(step_post))
        .route("/cases/{id}/follow-ups", post(follow_up_post))
        .route("/cases/{id}/follow-ups/{fid}", post(contact_post))
        .merge(forms::router())
}

// ------------------------------------------------------------------------------------ shared

/// A label of a choice list in the page's language (the stored text itself when unknown: the
/// API takes Chinese labels as well as codes).
fn label(l: Lang, list: &[Choice], code: &str) -> String {
    l.m(&shegong_domain::care::label(list, code)).to_string()
}

fn stage_label(l: Lang, stage: &str) -> String {
    Stage::from_id(stage)
        .map(|s| l.m(&s.label()).to_string())
        .unwrap_or_else(|| stage.to_string())
}

/// Section-8 items as "8.2.5 精神慰藉".
fn item_names(l: Lang, codes: &[String]) -> String {
    codes
        .iter()
        .map(
            |c| match content::ITEMS.iter().find(|i| i.code == c.as_str()) {
                Some(i) => format!("{} {}", i.code, l.t(i.zh, i.en)),
                None => c.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join("、")
}

fn numbers(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// The case a form page is about, shown at its top.
pub struct CaseHead {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub stage: String,
}

impl CaseHead {
    fn new(l: Lang, k: &Loaded) -> CaseHead {
        CaseHead {
            id: k.case.case.id,
            person_id: k.case.case.person_id,
            person_name: k.case.person_name.clone(),
            stage: l.m(&k.state.stage().label()).to_string(),
        }
    }
}

/// Whether the state machine would take `event` now: accepted, or refused only for a reason or
/// record still to be given (which the form then asks for). The buttons of the case page follow
/// it, so the page offers what the rules allow and nothing is decided here.
fn offered(state: &case::State, event: &Event, facts: &Facts) -> bool {
    matches!(
        case::transition(state, event, facts),
        Ok(_) | Err(Refusal::Incomplete { .. })
    )
}

// ------------------------------------------------------------------------------------ the case page

pub struct Fact {
    pub label: String,
    pub value: String,
}

fn fact(label: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: label.to_string(),
        value: value.into(),
    }
}

/// One stage record as a list of facts, with the link to its form when it may be written now.
pub struct Section {
    pub anchor: &'static str,
    pub title: String,
    pub clause: &'static str,
    pub facts: Vec<Fact>,
    pub edit: Option<String>,
}

pub struct ServiceView {
    pub id: i64,
    pub served_on: String,
    pub minutes: String,
    pub mode: String,
    pub workers: String,
    pub items: String,
    pub goals: String,
    pub content: String,
    pub next_step: String,
}

pub struct FollowUpView {
    pub id: i64,
    pub due_on: String,
    pub done: bool,
    pub overdue: bool,
    pub contact: String,
    pub notes: String,
}

pub struct StepView {
    pub at: String,
    pub by: String,
    pub label: String,
    pub to: String,
    pub note: String,
}

/// A step that needs nothing but a click.
pub struct Button {
    pub event: &'static str,
    pub label: &'static str,
    pub secondary: bool,
}

#[derive(Default)]
pub struct Actions {
    pub buttons: Vec<Button>,
    pub give_back: bool,
    pub skip_to: Vec<Opt>,
    pub revise_to: Vec<Opt>,
    pub refer: bool,
    pub terminate: bool,
    pub reopen: bool,
}

impl Actions {
    fn any(&self) -> bool {
        !self.buttons.is_empty()
            || self.give_back
            || !self.skip_to.is_empty()
            || !self.revise_to.is_empty()
            || self.refer
            || self.terminate
            || self.reopen
    }
}

fn actions(l: Lang, k: &Loaded, facts: &Facts) -> Actions {
    let s = &k.state;
    let ok = |e: Event| offered(s, &e, facts);
    let mut a = Actions::default();
    for (event, e, zh, en, secondary) in [
        (
            "accept",
            Event::Accept,
            "接案,进入需求评估",
            "Accept: on to needs assessment",
            false,
        ),
        (
            "advance",
            Event::Advance,
            "进入下一环节",
            "On to the next stage",
            false,
        ),
        (
            "submit_plan",
            Event::SubmitPlan,
            "提交服务计划审批",
            "Submit the plan for approval",
            false,
        ),
        (
            "submit_closing",
            Event::SubmitClosing,
            "申请结案(提交站长审批)",
            "Submit the closing for approval",
            false,
        ),
        ("approve", Event::Approve, "批准", "Approve", false),
        ("withdraw", Event::Withdraw, "撤回", "Withdraw", true),
    ] {
        if ok(e) {
            a.buttons.push(Button {
                event,
                label: l.t(zh, en),
                secondary,
            });
        }
    }
    a.give_back = ok(Event::Return {
        comments: String::new(),
    });
    let stages = |pick: &dyn Fn(Stage) -> Event, from: &[Stage]| -> Vec<Opt> {
        from.iter()
            .filter(|t| ok(pick(**t)))
            .map(|t| Opt {
                code: t.id().to_string(),
                label: l.m(&t.label()).to_string(),
                selected: false,
            })
            .collect()
    };
    a.skip_to = stages(
        &|to| Event::Skip {
            to,
            reason: String::new(),
        },
        &Stage::OPEN,
    );
    a.revise_to = stages(
        &|to| Event::Revise {
            to,
            reason: String::new(),
        },
        &[Stage::Assessment, Stage::Planning],
    );
    a.refer = ok(Event::Refer {
        to: String::new(),
        reason: String::new(),
    });
    a.terminate = ok(Event::Terminate {
        reason: String::new(),
    });
    a.reopen = ok(Event::Reopen {
        reason: String::new(),
    });
    a
}

#[derive(Template)]
#[template(path = "case_page.html")]
struct CasePage {
    c: Chrome,
    h: CaseHead,
    sensitivity: String,
    sensitivity_class: &'static str,
    lead: String,
    co_workers: String,
    opened_on: String,
    review: Option<String>,
    sections: Vec<Section>,
    services: Vec<ServiceView>,
    may_service: bool,
    follow_ups: Vec<FollowUpView>,
    may_follow_up: bool,
    modes: Vec<Opt>,
    outcomes: Vec<Opt>,
    today: String,
    history: Vec<StepView>,
    actions: Actions,
    notice: Option<&'static str>,
    error: Option<String>,
}

fn intake_facts(l: Lang, i: &IntakeInput) -> Vec<Fact> {
    let mut f = vec![
        fact(l.t("来源", "Source"), label(l, &SOURCES, &i.source)),
        fact(l.t("接案日期", "Received on"), i.received_on.clone()),
        fact(
            l.t("求助问题", "Presenting problem"),
            i.presenting_problem.clone(),
        ),
        fact(
            l.t("知情同意", "Consent"),
            if i.consent {
                format!(
                    "{}{}",
                    l.t("已同意", "given"),
                    i.consent_by
                        .as_deref()
                        .map(|b| format!("({b})"))
                        .unwrap_or_default()
                )
            } else {
                l.t("未同意", "not given").to_string()
            },
        ),
        fact(
            l.t("服务资格", "Eligibility"),
            if i.eligible {
                l.t("符合", "eligible")
            } else {
                l.t("不符合,转介", "not eligible: referred")
            },
        ),
    ];
    for (zh, en, v) in [
        ("来源单位", "Referred by", &i.referrer),
        ("资格说明", "Eligibility notes", &i.eligibility_notes),
        ("转介至", "Referred to", &i.referral_to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            f.push(fact(l.t(zh, en), v));
        }
    }
    f
}

fn needs_facts(l: Lang, n: &NeedsInput) -> Vec<Fact> {
    let mut f = vec![
        fact(l.t("评估日期", "Assessed on"), n.assessed_on.clone()),
        fact(l.t("个人状况", "The person"), n.individual.clone()),
        fact(l.t("家庭系统", "Family system"), n.family.clone()),
        fact(l.t("社区系统", "Community system"), n.community.clone()),
        fact(
            l.t("优势与资源", "Strengths and resources"),
            n.strengths.clone(),
        ),
        fact(
            l.t("问题摘要", "Problem summary"),
            n.problem_summary.clone(),
        ),
    ];
    for (i, need) in n.needs.iter().enumerate() {
        f.push(fact(
            &format!("{} {}", l.t("需求", "Need"), i + 1),
            format!(
                "{}({}{})",
                need.need,
                l.t("优先级 ", "priority "),
                label(l, &PRIORITIES, &need.priority)
            ),
        ));
    }
    f.push(fact(
        l.t("社工签名", "Worker's signature"),
        n.worker_signature.clone(),
    ));
    f.push(fact(
        l.t("站长意见", "Head's opinion"),
        n.head_opinion.clone().unwrap_or_default(),
    ));
    f
}

fn plan_facts(l: Lang, p: &PlanInput) -> Vec<Fact> {
    let mut f = vec![fact(l.t("制定日期", "Planned on"), p.planned_on.clone())];
    for (i, g) in p.goals.iter().enumerate() {
        f.push(fact(
            &format!("{} {}", l.t("目标", "Goal"), i + 1),
            format!(
                "{} · {}:{} · {}:{} · {}:{}",
                g.goal,
                l.t("指标", "indicator"),
                g.indicator,
                l.t("目标日期", "target date"),
                g.target_date,
                l.t("对应需求", "needs"),
                numbers(&g.needs)
            ),
        ));
    }
    for (i, m) in p.interventions.iter().enumerate() {
        f.push(fact(
            &format!("{} {}", l.t("介入措施", "Intervention"), i + 1),
            format!("{}({})", m.action, item_names(l, &m.items)),
        ));
    }
    f.push(fact(
        l.t("运用资源", "Resources"),
        p.resources.clone().unwrap_or_default(),
    ));
    f
}

fn evaluation_facts(l: Lang, e: &EvaluationInput) -> Vec<Fact> {
    let mut f = vec![fact(
        l.t("评价日期", "Evaluated on"),
        e.evaluated_on.clone(),
    )];
    for g in &e.goals {
        let score = g.score.unwrap_or_default();
        let scale = ATTAINMENT
            .iter()
            .find(|(s, ..)| *s == score)
            .map(|(_, zh, en)| l.t(zh, en))
            .unwrap_or_default();
        f.push(fact(
            &format!("{} {}", l.t("目标", "Goal"), g.goal),
            format!(
                "{score:+} {scale}{}",
                g.note
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!(" · {n}"))
                    .unwrap_or_default()
            ),
        ));
    }
    f.push(fact(
        l.t("服务对象满意度", "Satisfaction"),
        label(l, &SATISFACTION, &e.satisfaction),
    ));
    f.push(fact(l.t("反思与改进", "Reflection"), e.reflection.clone()));
    f
}

fn closing_facts(l: Lang, c: &ClosingInput) -> Vec<Fact> {
    vec![
        fact(
            l.t("结案原因", "Reason"),
            format!(
                "{}{}",
                label(l, &REASONS, &c.reason),
                c.reason_note
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!("({n})"))
                    .unwrap_or_default()
            ),
        ),
        fact(l.t("结案小结", "Summary"), c.summary.clone()),
        fact(
            l.t("已与服务对象沟通", "Talked through with the person"),
            if c.reviewed_with_person {
                l.t("是", "yes")
            } else {
                l.t("否", "no")
            },
        ),
        fact(l.t("跟进计划", "Follow-up plan"), c.follow_up_plan.clone()),
        fact(
            l.t(
                "首次跟进(结案后天数)",
                "First follow-up (days after closing)",
            ),
            c.first_follow_up_days
                .unwrap_or(closing::DEFAULT_FOLLOW_UP_DAYS)
                .to_string(),
        ),
    ]
}

/// The review line of the header: what waits for the head, or what the head sent back.
fn review_line(l: Lang, k: &Loaded) -> Option<String> {
    let who = |id: i64| {
        if id == k.case.case.lead_worker {
            k.case.lead_name.clone()
        } else {
            k.case
                .co_workers
                .iter()
                .find(|(u, _)| *u == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("#{id}"))
        }
    };
    if let Some((what, author)) = k.state.waiting() {
        return Some(format!(
            "{}{}({}:{})",
            l.m(&what.label()),
            l.t("待站长审批", " waits for the head's approval"),
            l.t("提交人", "submitted by"),
            who(author)
        ));
    }
    k.state.returned().map(|(what, comments)| {
        format!(
            "{}{}:{comments}",
            l.m(&what.label()),
            l.t("被站长退回,意见", " was returned by the head, comments"),
        )
    })
}

fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "opened" => l.t("个案已开案。", "The case is open."),
        "saved" => l.t("已保存。", "Saved."),
        "step" => l.t("已办理。", "Done."),
        "service" => l.t("服务记录已保存。", "The service record is saved."),
        "follow_up" => l.t("跟进已记录。", "The follow-up is recorded."),
        _ => return None,
    })
}

async fn render_case(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    done: Option<&str>,
    error: Option<String>,
) -> Result<CasePage, AppError> {
    let k = super::load(st, info, id).await?;
    let may_write = info
        .check(Action::WriteRecord, &k.target(info.user.id))
        .is_ok();
    let facts = super::facts(info, &k)?;
    let may = |r: Record| may_write && may_record(&k.state, r).is_ok();
    let edit = |r: Record, path: &str| may(r).then(|| format!("/cases/{id}/{path}"));
    let mut sections = Vec::new();
    if let Some(i) = store::record::<IntakeInput>(&k.records, Kind::Intake)? {
        sections.push(Section {
            anchor: "intake",
            title: l.t("接案", "Intake").to_string(),
            clause: "9.1",
            facts: intake_facts(l, &i),
            edit: None,
        });
    }
    // The anchor of each section is also the path of its form.
    let records = [
        (
            Kind::Needs,
            "needs",
            ("需求评估", "Needs assessment"),
            "10.1",
            Record::NeedsAssessment,
        ),
        (
            Kind::Plan,
            "plan",
            ("服务计划", "Service plan"),
            "10.2",
            Record::Plan,
        ),
        (
            Kind::Evaluation,
            "evaluation",
            ("服务评价", "Evaluation"),
            "10.5",
            Record::Evaluation,
        ),
        (
            Kind::Closing,
            "closing",
            ("结案", "Closing"),
            "10.4",
            Record::Closing,
        ),
    ];
    for (kind, anchor, (zh, en), clause, record) in records {
        let facts = match kind {
            Kind::Needs => store::record(&k.records, kind)?.map(|n| needs_facts(l, &n)),
            Kind::Plan => store::record(&k.records, kind)?.map(|p| plan_facts(l, &p)),
            Kind::Evaluation => store::record(&k.records, kind)?.map(|e| evaluation_facts(l, &e)),
            _ => store::record(&k.records, kind)?.map(|c| closing_facts(l, &c)),
        };
        let edit = edit(record, anchor);
        if facts.is_some() || edit.is_some() {
            sections.push(Section {
                anchor,
                title: l.t(zh, en).to_string(),
                clause,
                facts: facts.unwrap_or_default(),
                edit,
            });
        }
    }
    let name_of = |u: i64| {
        if u == k.case.case.lead_worker {
            k.case.lead_name.clone()
        } else {
            k.case
                .co_workers
                .iter()
                .find(|(w, _)| *w == u)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("#{u}"))
        }
    };
    let mut services = Vec::new();
    for r in k.records.iter().filter(|r| r.kind == Kind::Service.id()) {
        let s: ServiceInput = r.input()?;
        services.push(ServiceView {
            id: r.id,
            served_on: s.served_on,
            minutes: s.minutes.map(|m| m.to_string()).unwrap_or_default(),
            mode: label(l, &MODES, &s.mode),
            workers: s
                .workers
                .iter()
                .map(|u| name_of(*u))
                .collect::<Vec<_>>()
                .join("、"),
            items: item_names(l, &s.items),
            goals: numbers(&s.goals),
            content: s.content,
            next_step: s.next_step.unwrap_or_default(),
        });
    }
    services.reverse();
    let today = dates::iso(dates::today());
    let follow_ups = k
        .follow_ups
        .iter()
        .map(|f| FollowUpView {
            id: f.id,
            due_on: f.due_on.clone(),
            done: f.contacted_on.is_some(),
            overdue: f.contacted_on.is_none() && f.due_on < today,
            contact: match &f.contacted_on {
                Some(on) => format!(
                    "{on} · {} · {}",
                    label(l, &FOLLOW_UP_MODES, f.mode.as_deref().unwrap_or_default()),
                    label(l, &OUTCOMES, f.outcome.as_deref().unwrap_or_default())
                ),
                None => String::new(),
            },
            notes: f.notes.clone(),
        })
        .collect();
    let history = k
        .history
        .iter()
        .rev()
        .map(|h| StepView {
            at: clock::display(h.at),
            by: h.by_name.clone(),
            label: if l.is_en() {
                h.event.replace('_', " ")
            } else {
                store::step_label(&h.event).to_string()
            },
            to: stage_label(l, &h.to_stage),
            note: h.note.clone().unwrap_or_default(),
        })
        .collect();
    let sensitivity = k.sensitivity();
    Ok(CasePage {
        c: Chrome::for_user(l, info, &format!("/cases/{id}")),
        h: CaseHead::new(l, &k),
        sensitivity: l.m(&sensitivity.label()).to_string(),
        sensitivity_class: match sensitivity {
            Sensitivity::Ordinary => "",
            Sensitivity::Sensitive => "warn",
            _ => "bad",
        },
        lead: k.case.lead_name.clone(),
        co_workers: k
            .case
            .co_workers
            .iter()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>()
            .join("、"),
        opened_on: k.case.case.opened_on.clone(),
        review: review_line(l, &k),
        sections,
        services,
        may_service: may(Record::Service),
        follow_ups,
        may_follow_up: may(Record::FollowUp),
        modes: choices(l, &FOLLOW_UP_MODES, "phone"),
        outcomes: choices(l, &OUTCOMES, ""),
        today,
        history,
        actions: if may_write {
            actions(l, &k, &facts)
        } else {
            Actions::default()
        },
        notice: notice(l, done),
        error,
    })
}

#[derive(Deserialize)]
struct DoneQ {
    done: Option<String>,
}

async fn case_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let page = render_case(&st, l, &info, id, q.done.as_deref(), None).await?;
    Ok(Page(page).into_response())
}

/// After a post on the case page: back to it, or the page again with the refusal on top (409,
/// 422); a refusal for the user (403) is the error page with its reason.
async fn answer(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    result: Result<(), AppError>,
    done: &str,
) -> Result<Response, AppError> {
    let (status, errors) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/cases/{id}?done={done}")).into_response()),
        Err(e) => Errors::of_refusal(e, l, "form")?,
    };
    let msg = errors.others(&[]).join(";");
    let page = render_case(st, l, info, id, None, Some(msg)).await?;
    Ok((status, Page(page)).into_response())
}

#[derive(Deserialize)]
struct StepForm {
    event: String,
    to: Option<String>,
    reason: Option<String>,
    comments: Option<String>,
    referred_to: Option<String>,
}

impl StepForm {
    fn event(self) -> Result<Event, AppError> {
        super::step_event(
            &self.event,
            self.to,
            self.reason,
            self.comments,
            self.referred_to,
        )
    }
}

async fn step_post(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<StepForm>,
) -> Result<Response, AppError> {
    let result = match f.event() {
        Ok(e) => super::step(&st, &info, id, e).await,
        Err(e) => Err(e),
    };
    answer(&st, l, &info, id, result, "step").await
}

#[derive(Deserialize)]
struct FollowUpForm {
    due_on: String,
}

async fn follow_up_post(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<FollowUpForm>,
) -> Result<Response, AppError> {
    let result = super::schedule(&st, &info, id, &f.due_on).await.map(|_| ());
    answer(&st, l, &info, id, result, "follow_up").await
}

async fn contact_post(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, fid)): P<(i64, i64)>,
    UiForm(f): UiForm<ContactInput>,
) -> Result<Response, AppError> {
    let result = super::contact(&st, &info, id, fid, f).await;
    answer(&st, l, &info, id, result, "follow_up").await
}

// ------------------------------------------------------------------------------------ lists

pub struct LineView {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub stage: String,
    pub review: String,
    pub lead: String,
    pub opened_on: String,
    pub updated: String,
    pub due_on: String,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct ListPage {
    c: Chrome,
    stages: Vec<Opt>,
    workers: Vec<Opt>,
    mine: bool,
    overdue: bool,
    rows: Vec<LineView>,
    total: i64,
    pager: Pager,
    error: Option<String>,
    head: bool,
}

#[derive(Deserialize)]
struct ListQ {
    stage: Option<String>,
    worker: Option<String>,
    mine: Option<String>,
    overdue: Option<String>,
    page: Option<i64>,
}

async fn list_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<ListQ>,
) -> Result<Response, AppError> {
    crate::persons::ensure_reader(&info)?;
    let stage_q = q.stage.clone().unwrap_or_default();
    let mut error = None;
    let stage = match stage_q.trim() {
        "" => None,
        s => {
            let found = Stage::from_id(s);
            if found.is_none() {
                error = Some(l.t("未知的环节", "unknown stage").to_string());
            }
            found
        }
    };
    let mine = q.mine.as_deref() == Some("1");
    let overdue = q.overdue.as_deref() == Some("1");
    let worker_q = q.worker.clone().unwrap_or_default();
    let worker = if mine {
        Some(info.user.id)
    } else {
        worker_q.trim().parse::<i64>().ok()
    };
    let v = viewer(&info);
    let paging = Paging::new(q.page, Some(50));
    let me = info.user.id;
    let f = Filter {
        stage,
        worker,
        ..Filter::default()
    };
    let refused = error.is_some();
    let (rows, total, loads) = st
        .read(move |c| {
            let loads = store::caseload(c, &v)?;
            if refused {
                return Ok((Vec::new(), 0, loads));
            }
            if overdue {
                // Follow-ups past their day on the cases of the worker chosen (or the user's own),
                // oldest first (10.4).
                let yesterday = dates::today() - time::Duration::days(1);
                let due = store::follow_ups_due(c, &v, worker.unwrap_or(me), yesterday)?;
                let total = due.len() as i64;
                let rows = due
                    .into_iter()
                    .map(|d| LineView {
                        id: d.case_id,
                        person_id: 0,
                        person_name: d.person_name,
                        stage: String::new(),
                        review: String::new(),
                        lead: String::new(),
                        opened_on: String::new(),
                        updated: String::new(),
                        due_on: d.due_on,
                    })
                    .collect();
                return Ok((rows, total, loads));
            }
            let listing = store::list(c, &v, &f, paging)?;
            let rows = listing
                .items
                .into_iter()
                .map(|r| LineView {
                    id: r.id,
                    person_id: r.person_id,
                    person_name: r.person_name,
                    stage: r.stage,
                    review: r.review.unwrap_or_default(),
                    lead: r.lead_name,
                    opened_on: r.opened_on,
                    updated: clock::display(r.updated_at),
                    due_on: String::new(),
                })
                .collect();
            Ok((rows, listing.total, loads))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| LineView {
            stage: stage_label(l, &r.stage),
            review: match r.review.as_str() {
                "submitted" => l.t("待审批", "waiting for approval").to_string(),
                "returned" => l.t("已退回", "returned").to_string(),
                _ => String::new(),
            },
            ..r
        })
        .collect();
    let params = [
        ("stage", Some(stage_q.as_str())),
        ("worker", Some(worker_q.as_str())),
        ("mine", q.mine.as_deref()),
        ("overdue", q.overdue.as_deref()),
    ];
    let pager = if overdue {
        Pager::none()
    } else {
        Pager::new(paging, total, None, |p| list_href("/cases", &params, p))
    };
    let stage_opts = Stage::ALL
        .iter()
        .map(|s| Opt {
            code: s.id().to_string(),
            label: l.m(&s.label()).to_string(),
            selected: s.id() == stage_q.trim(),
        })
        .collect();
    let workers = loads
        .into_iter()
        .map(|w| Opt {
            selected: w.user_id.to_string() == worker_q.trim(),
            code: w.user_id.to_string(),
            label: w.name,
        })
        .collect();
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/cases"),
        stages: stage_opts,
        workers,
        mine,
        overdue,
        rows,
        total,
        pager,
        error,
        head: info.user.role() == Role::StationHead,
    })
    .into_response())
}

pub struct LoadView {
    pub user_id: i64,
    pub name: String,
    pub lead: i64,
    pub co: i64,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "cases_caseload.html")]
struct CaseloadPage {
    c: Chrome,
    rows: Vec<LoadView>,
}

/// Open cases per worker, for the station head (issue 4 point 3).
async fn caseload_page(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    if info.user.role() != Role::StationHead {
        return Err(AppError::forbidden());
    }
    let v = viewer(&info);
    let loads = st.read(move |c| store::caseload(c, &v)).await?;
    Ok(Page(CaseloadPage {
        c: Chrome::for_user(l, &info, "/cases/caseload"),
        rows: loads
            .into_iter()
            .map(|w| LoadView {
                user_id: w.user_id,
                name: w.name,
                lead: w.lead,
                co: w.co,
                total: w.lead + w.co,
            })
            .collect(),
    })
    .into_response())
}

/// The messages of a form: inline per field, and all of them listed on top.
#[derive(Default)]
pub struct FormErrors(Errors);

impl std::ops::Deref for FormErrors {
    type Target = Errors;
    fn deref(&self) -> &Errors {
        &self.0
    }
}

impl FormErrors {
    pub fn all(&self) -> Vec<String> {
        self.0.others(&[])
    }
}

/// A refused post of a form page: (status, messages), or the error passed on.
fn refusal(e: AppError, l: Lang) -> Result<(StatusCode, FormErrors), AppError> {
    Errors::of_refusal(e, l, "form").map(|(s, e)| (s, FormErrors(e)))
}
