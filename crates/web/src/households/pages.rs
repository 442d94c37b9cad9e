//! The household pages: `/households` (search, paginated), `/households/new`,
//! `/households/{id}` (members, investigations, reviews, and the forms to change them),
//! `/households/{id}/investigations/new` (8.1.1.1) and `/households/reviews` (8.1.1.2, due and
//! overdue). Every action is a plain POST form carrying `_csrf`; nothing needs JavaScript.

use super::api::due_out;
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Opt, Page, Pager, choices, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_domain::household::{
    self as dh, AmountInput, Choice, HouseholdInput, InvestigationInput, MemberInput, ReviewInput,
};
use shegong_domain::policy::{Action, role_may};
use shegong_domain::{Msg, clock, dates};
use shegong_store::households::DueFilter;
use shegong_store::persons::Filter;
use shegong_store::query::Page as PageQ;
use std::collections::HashMap;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/new", get(new_form).post(new_submit))
        .route("/households/reviews", get(reviews_due))
        .route("/households/{id}", get(detail).post(edit_submit))
        .route("/households/{id}/members", post(member_add))
        .route("/households/{id}/members/{pid}/remove", post(member_remove))
        .route("/households/{id}/reviews", post(review_submit))
        .route(
            "/households/{id}/reviews/{rid}/edit",
            get(review_edit_form).post(review_edit_submit),
        )
        .route("/households/{id}/reviews/{rid}/delete", post(review_delete))
        .route(
            "/households/{id}/investigations/new",
            get(investigation_form).post(investigation_submit),
        )
        .route(
            "/households/{id}/investigations/{iid}/edit",
            get(investigation_edit_form).post(investigation_edit_submit),
        )
        .route(
            "/households/{id}/investigations/{iid}/delete",
            post(investigation_delete),
        )
}

/// An option of a select.
fn yuan(fen: i64) -> String {
    dh::format_yuan(fen)
}

// ---------------------------------------------------------------- list

#[derive(Deserialize)]
struct ListQ {
    q: Option<String>,
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub head: String,
    pub address: String,
    pub org_code: String,
    pub members: i64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "households_list.html")]
struct ListPage {
    c: Chrome,
    q: String,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    can_create: bool,
    export_href: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(p): Q<ListQ>,
) -> Result<Response, AppError> {
    let page = PageQ::new(p.page, Some(30));
    let q = p.q.clone().unwrap_or_default();
    let listing = super::list(&st, &info, p.q.clone(), page).await?;
    let href = |n: i64| format!("/households?q={}&page={n}", url_encode(&q));
    let rows = listing
        .items
        .into_iter()
        .map(|s| Row {
            id: s.household.id,
            head: s.head_name.unwrap_or_default(),
            address: s.household.address,
            org_code: s.household.org_code,
            members: s.member_count,
            updated: clock::display(s.household.updated_at),
        })
        .collect();
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/households"),
        rows,
        total: listing.total,
        pager: Pager::new(page, listing.total, None, href),
        can_create: role_may(info.principal.role, Action::WriteRecord),
        export_href: crate::exports::href(&info, "/households/export.xlsx", &[("q", Some(&q))]),
        q,
    })
    .into_response())
}

// ---------------------------------------------------------------- create

#[derive(Default, Deserialize)]
struct HouseholdForm {
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    housing: String,
    #[serde(default)]
    difficulty_type: String,
    #[serde(default)]
    difficulty_degree: String,
    #[serde(default)]
    head_person_id: String,
}

impl HouseholdForm {
    fn input(&self) -> HouseholdInput {
        HouseholdInput {
            address: Some(self.address.clone()),
            housing: Some(self.housing.clone()),
            difficulty_type: Some(self.difficulty_type.clone()),
            difficulty_degree: Some(self.difficulty_degree.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "households_new.html")]
struct NewPage {
    c: Chrome,
    v: HouseholdForm,
    places: Vec<crate::persons::Place>,
    degrees: Vec<Opt>,
    errors: Errors,
}

async fn new_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    v: HouseholdForm,
    errors: Errors,
) -> Result<NewPage, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    Ok(NewPage {
        c: Chrome::for_user(l, info, "/households/new"),
        places: crate::persons::places(st, info).await?,
        degrees: choices(
            l,
            &shegong_domain::person::DIFFICULTY_DEGREES,
            &v.difficulty_degree,
        ),
        v,
        errors,
    })
}

async fn new_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let org_code = match info.principal.scope.roots() {
        [only] if !only.is_operator() => only.to_string(),
        _ => String::new(),
    };
    let v = HouseholdForm {
        org_code,
        ..Default::default()
    };
    Ok(Page(new_page(&st, l, &info, v, Errors::default()).await?).into_response())
}

fn parse_id(s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>().map(Some).map_err(|_| {
        AppError::invalid(
            "head_person_id",
            Msg::new("请填写服务对象编号(数字)", "give the person's number"),
        )
    })
}

async fn new_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<HouseholdForm>,
) -> Result<Response, AppError> {
    let result = match parse_id(&f.head_person_id) {
        Ok(head) => super::create(&st, &info, &f.org_code, f.input(), head).await,
        Err(e) => Err(e),
    };
    let (status, errors) = match result {
        Ok(id) => {
            return Ok(Redirect::to(&format!("/households/{id}?done=created")).into_response());
        }
        Err(AppError::NotFound) => (
            StatusCode::NOT_FOUND,
            Errors::one(
                "org_code",
                &Msg::new(
                    "这个组织代码不在您的管理范围内",
                    "this org code is outside your scope",
                ),
                l,
            ),
        ),
        Err(e) => Errors::of_refusal(e, l, "head_person_id")?,
    };
    let page = new_page(&st, l, &info, f, errors).await?;
    Ok((status, Page(page)).into_response())
}

// ---------------------------------------------------------------- one household

pub struct MemberView {
    pub person_id: i64,
    pub name: String,
    pub relation: &'static str,
    pub relation_code: String,
    pub is_head: bool,
    pub gender: String,
    pub birth_date: String,
}

pub struct AmountView {
    pub label: &'static str,
    pub yuan: String,
}

pub struct InvMemberView {
    pub name: String,
    pub hukou: &'static str,
    pub health: &'static str,
    pub disability: &'static str,
    pub employment: &'static str,
    pub education: String,
    pub marriage: String,
}

pub struct InvestigationView {
    pub id: i64,
    pub date: String,
    pub investigators: String,
    pub members: Vec<InvMemberView>,
    pub incomes: Vec<AmountView>,
    pub spending: Vec<AmountView>,
    pub housing: String,
    pub vehicles: String,
    pub savings: String,
    pub business: String,
    pub notes: String,
    pub signed: bool,
    pub member_count: i64,
    pub total_income: String,
    pub total_spending: String,
    pub per_capita: String,
    pub recorded: String,
}

pub struct ReviewView {
    pub id: i64,
    pub category: &'static str,
    pub reviewed_on: String,
    pub result: &'static str,
    pub next_due: String,
    pub notes: String,
    pub superseded: bool,
    pub overdue: bool,
    pub recorded: String,
}

pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub birth_date: String,
    pub org_code: String,
    pub in_household: Option<i64>,
}

#[derive(Default, Deserialize)]
struct ReviewForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    reviewed_on: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    next_due: String,
    #[serde(default)]
    notes: String,
}

impl ReviewForm {
    fn input(&self) -> ReviewInput {
        ReviewInput {
            category: self.category.clone(),
            reviewed_on: self.reviewed_on.clone(),
            result: self.result.clone(),
            next_due: Some(self.next_due.clone()),
            notes: Some(self.notes.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "households_detail.html")]
struct DetailPage {
    c: Chrome,
    id: i64,
    org_code: String,
    org_name: String,
    address: String,
    housing: String,
    difficulty_type: String,
    difficulty_degree: &'static str,
    updated: String,
    members: Vec<MemberView>,
    investigations: Vec<InvestigationView>,
    reviews: Vec<ReviewView>,
    may_write: bool,
    notice: Option<&'static str>,
    places: Vec<crate::persons::Place>,
    edit: HouseholdForm,
    degrees: Vec<Opt>,
    edit_errors: Errors,
    member_q: String,
    candidates: Vec<Candidate>,
    relations: Vec<Opt>,
    member_errors: Errors,
    review: ReviewForm,
    categories: Vec<Opt>,
    results: Vec<Opt>,
    review_errors: Errors,
}

/// What a household page shows besides the household: forms as typed and their messages.
#[derive(Default)]
struct Extras {
    notice: Option<&'static str>,
    edit: Option<HouseholdForm>,
    edit_errors: Errors,
    member_q: String,
    member_errors: Errors,
    review: Option<ReviewForm>,
    review_errors: Errors,
}

fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => l.t("家庭已建立。", "The household was created."),
        "saved" => l.t("已保存。", "Saved."),
        "member_added" => l.t("成员已保存。", "The member was saved."),
        "member_removed" => l.t("成员已移出本户。", "The member was removed."),
        "investigation" => l.t("入户调查记录已保存。", "The investigation was recorded."),
        "review" => l.t("复核记录已保存。", "The review was recorded."),
        "corrected" => l.t(
            "更正已保存,并记入相关服务对象的修改记录。",
            "The correction was saved and written to the edit history of the people concerned.",
        ),
        "deleted" => l.t(
            "记录已删除(仍保存在档案库中,可在修改记录中查看)。",
            "The record was deleted (it stays in the archive; see the edit history).",
        ),
        _ => return None,
    })
}

fn investigation_view(
    i: shegong_store::households::InvestigationRecord,
    names: &HashMap<i64, String>,
    l: Lang,
) -> InvestigationView {
    let lab = |list: &'static [Choice], code: &str| -> &'static str {
        dh::pick(list, code).map(|c| l.t(c.1, c.2)).unwrap_or("")
    };
    let amounts = |v: &[dh::Amount], list: &'static [Choice]| -> Vec<AmountView> {
        v.iter()
            .map(|a| AmountView {
                label: lab(list, &a.kind),
                yuan: yuan(a.fen),
            })
            .collect()
    };
    InvestigationView {
        id: i.id,
        date: i.date.clone(),
        investigators: i.investigators.join("、"),
        members: i
            .members
            .iter()
            .map(|m| InvMemberView {
                name: names.get(&m.person_id).cloned().unwrap_or_default(),
                hukou: lab(&dh::HUKOU, &m.hukou),
                health: lab(&dh::HEALTH, &m.health),
                disability: lab(&dh::DISABILITY, &m.disability),
                employment: lab(&dh::EMPLOYMENT, &m.employment),
                education: m.education.clone(),
                marriage: m.marriage.clone(),
            })
            .collect(),
        incomes: amounts(&i.incomes, &dh::INCOME_KINDS),
        spending: amounts(&i.spending, &dh::SPENDING_KINDS),
        housing: i.property.housing.clone(),
        vehicles: i.property.vehicles.clone(),
        savings: yuan(i.property.savings_fen),
        business: i.property.business.clone(),
        notes: i.notes.clone(),
        signed: i.signed,
        member_count: i.member_count,
        total_income: yuan(i.total_income_fen),
        total_spending: yuan(i.total_spending_fen),
        per_capita: yuan(i.per_capita_monthly_fen),
        recorded: format!("{} {}", i.recorded_by, clock::display(i.recorded_at)),
    }
}

async fn detail_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    x: Extras,
) -> Result<DetailPage, AppError> {
    let d = super::get(st, info, id).await?;
    let h = &d.household;
    let names: HashMap<i64, String> = d
        .members
        .iter()
        .map(|m| (m.person_id, m.name.clone()))
        .collect();
    let members = d
        .members
        .iter()
        .map(|m| {
            let code = m.relation_code().to_string();
            MemberView {
                person_id: m.person_id,
                name: m.name.clone(),
                relation: dh::pick(&dh::RELATIONS, &code)
                    .map(|c| l.t(c.1, c.2))
                    .unwrap_or(""),
                is_head: h.head_person_id == Some(m.person_id),
                relation_code: code,
                gender: match m.gender.as_deref() {
                    Some("male") => l.t("男", "male").to_string(),
                    Some("female") => l.t("女", "female").to_string(),
                    _ => String::new(),
                },
                birth_date: m.birth_date.clone().unwrap_or_default(),
            }
        })
        .collect();
    let today = dates::today();
    let reviews = d
        .reviews
        .iter()
        .map(|r| ReviewView {
            id: r.id,
            category: dh::pick(&dh::ASSISTANCE_CATEGORIES, &r.category)
                .map(|c| l.t(c.1, c.2))
                .unwrap_or(""),
            reviewed_on: r.reviewed_on.clone(),
            result: dh::pick(&dh::REVIEW_RESULTS, &r.result)
                .map(|c| l.t(c.1, c.2))
                .unwrap_or(""),
            next_due: r.next_due.clone().unwrap_or_default(),
            notes: r.notes.clone(),
            superseded: r.superseded,
            overdue: !r.superseded
                && r.next_due
                    .as_deref()
                    .and_then(|n| dates::parse(n).ok())
                    .is_some_and(|n| n < today),
            recorded: format!("{} {}", r.created_by_name, clock::display(r.created_at)),
        })
        .collect();
    let investigations = d
        .investigations
        .into_iter()
        .map(|i| investigation_view(i, &names, l))
        .collect();
    // People at the household's station, to add as members.
    let mut candidates = Vec::new();
    let mq = x.member_q.trim().to_string();
    if d.may_write && !mq.is_empty() && mq.chars().count() <= 50 {
        let station = shegong_domain::org::OrgCode::parse(&h.org_code)
            .ok()
            .and_then(|c| c.station())
            .map(|c| c.to_string());
        let f = Filter {
            q: Some(mq.clone()),
            org_code: station,
            ..Default::default()
        };
        let found = crate::persons::search(st, info, f, PageQ::new(Some(1), Some(10))).await?;
        candidates = found
            .items
            .into_iter()
            .map(|p| Candidate {
                id: p.id,
                name: p.name,
                birth_date: p.birth_date.unwrap_or_default(),
                org_code: p.org_code,
                in_household: p.household_id,
            })
            .collect();
    }
    let edit = x.edit.unwrap_or_else(|| HouseholdForm {
        org_code: h.org_code.clone(),
        address: h.address.clone(),
        housing: h.housing.clone(),
        difficulty_type: h.difficulty_type.clone(),
        difficulty_degree: h.difficulty_degree.clone().unwrap_or_default(),
        head_person_id: String::new(),
    });
    let review = x.review.unwrap_or_else(|| ReviewForm {
        reviewed_on: dates::iso(today),
        ..Default::default()
    });
    let places = if d.may_write {
        crate::persons::places(st, info).await?
    } else {
        Vec::new()
    };
    Ok(DetailPage {
        places,
        c: Chrome::for_user(l, info, &format!("/households/{id}")),
        id,
        org_code: h.org_code.clone(),
        org_name: d.org_name.clone(),
        address: h.address.clone(),
        housing: h.housing.clone(),
        difficulty_type: h.difficulty_type.clone(),
        difficulty_degree: h
            .difficulty_degree
            .as_deref()
            .and_then(|c| dh::pick(&shegong_domain::person::DIFFICULTY_DEGREES, c))
            .map(|c| l.t(c.1, c.2))
            .unwrap_or(""),
        updated: clock::display(h.updated_at),
        members,
        investigations,
        reviews,
        may_write: d.may_write,
        notice: x.notice,
        degrees: choices(
            l,
            &shegong_domain::person::DIFFICULTY_DEGREES,
            &edit.difficulty_degree,
        ),
        edit,
        edit_errors: x.edit_errors,
        member_q: mq,
        candidates,
        relations: choices(l, &dh::RELATIONS, ""),
        member_errors: x.member_errors,
        categories: choices(l, &dh::ASSISTANCE_CATEGORIES, &review.category),
        results: choices(l, &dh::REVIEW_RESULTS, &review.result),
        review,
        review_errors: x.review_errors,
    })
}

#[derive(Deserialize)]
struct DetailQ {
    done: Option<String>,
    member_q: Option<String>,
}

async fn detail(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    Q(q): Q<DetailQ>,
) -> Result<Response, AppError> {
    let x = Extras {
        notice: notice(l, q.done.as_deref()),
        member_q: q.member_q.unwrap_or_default(),
        ..Default::default()
    };
    Ok(Page(detail_page(&st, l, &info, id, x).await?).into_response())
}

async fn edit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<HouseholdForm>,
) -> Result<Response, AppError> {
    let (status, errors) = match super::update(&st, &info, id, &f.org_code, f.input()).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?done=saved")).into_response()),
        Err(e) => Errors::of_refusal(e, l, "org_code")?,
    };
    let x = Extras {
        edit: Some(f),
        edit_errors: errors,
        ..Default::default()
    };
    Ok((status, Page(detail_page(&st, l, &info, id, x).await?)).into_response())
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    relation: String,
}

async fn member_add(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<MemberForm>,
) -> Result<Response, AppError> {
    let r = match f.person_id.trim().parse::<i64>() {
        Ok(pid) => super::add_member(&st, &info, id, pid, &f.relation).await,
        Err(_) => Err(AppError::invalid(
            "person_id",
            Msg::new("请选择服务对象", "choose a person"),
        )),
    };
    let (status, errors) = match r {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/households/{id}?done=member_added")).into_response());
        }
        Err(e) => Errors::of_refusal(e, l, "person_id")?,
    };
    let x = Extras {
        member_errors: errors,
        ..Default::default()
    };
    Ok((status, Page(detail_page(&st, l, &info, id, x).await?)).into_response())
}

async fn member_remove(
    State(st): State<AppState>,
    Authed(info): Authed,
    P((id, pid)): P<(i64, i64)>,
) -> Result<Response, AppError> {
    super::remove_member(&st, &info, id, pid).await?;
    Ok(Redirect::to(&format!("/households/{id}?done=member_removed")).into_response())
}

async fn review_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<ReviewForm>,
) -> Result<Response, AppError> {
    let (status, errors) = match super::add_review(&st, &info, id, f.input()).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?done=review")).into_response()),
        Err(e) => Errors::of_refusal(e, l, "category")?,
    };
    let x = Extras {
        review: Some(f),
        review_errors: errors,
        ..Default::default()
    };
    Ok((status, Page(detail_page(&st, l, &info, id, x).await?)).into_response())
}

// ---------------------------------------------------------------- investigation form

pub struct InvMemberForm {
    pub person_id: i64,
    pub name: String,
    pub relation: &'static str,
    pub include: bool,
    pub hukou: Vec<Opt>,
    pub health: Vec<Opt>,
    pub disability: Vec<Opt>,
    pub employment: Vec<Opt>,
    pub education: String,
    pub marriage: String,
}

pub struct AmountField {
    pub name: String,
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "households_investigation.html")]
struct InvestigationPage {
    c: Chrome,
    id: i64,
    address: String,
    date: String,
    investigators: Vec<String>,
    members: Vec<InvMemberForm>,
    incomes: Vec<AmountField>,
    spending: Vec<AmountField>,
    housing: String,
    vehicles: String,
    savings: String,
    business: String,
    notes: String,
    signed: bool,
    errors: Errors,
    other_errors: Vec<String>,
    action: String,
    /// Some when correcting a saved investigation: the reason as typed.
    reason: Option<String>,
    delete_action: String,
    delete_reason: String,
    delete_errors: Errors,
}

/// Correcting a saved investigation: which one, and the reasons typed so far.
#[derive(Default)]
struct Editing {
    investigation_id: i64,
    reason: String,
    delete_reason: String,
    delete_errors: Errors,
}

/// A saved investigation as the form's values, so that correcting it starts from what was saved.
fn typed_of(i: &shegong_store::households::InvestigationRecord) -> Typed {
    let mut v: Vec<(String, String)> = vec![("date".into(), i.date.clone())];
    v.extend(
        i.investigators
            .iter()
            .map(|n| ("investigator".into(), n.clone())),
    );
    for m in &i.members {
        let k = |f: &str| format!("m{}_{f}", m.person_id);
        v.extend([
            (k("include"), "1".into()),
            (k("hukou"), m.hukou.clone()),
            (k("health"), m.health.clone()),
            (k("disability"), m.disability.clone()),
            (k("employment"), m.employment.clone()),
            (k("education"), m.education.clone()),
            (k("marriage"), m.marriage.clone()),
        ]);
    }
    v.extend(
        i.incomes
            .iter()
            .map(|a| (format!("income_{}", a.kind), yuan(a.fen))),
    );
    v.extend(
        i.spending
            .iter()
            .map(|a| (format!("spending_{}", a.kind), yuan(a.fen))),
    );
    let p = &i.property;
    v.extend([
        ("housing".into(), p.housing.clone()),
        ("vehicles".into(), p.vehicles.clone()),
        ("savings".into(), yuan(p.savings_fen)),
        ("business".into(), p.business.clone()),
        ("notes".into(), i.notes.clone()),
    ]);
    if i.signed {
        v.push(("signed".into(), "1".into()));
    }
    Typed(v)
}

/// The form's values as typed (names repeat for investigators).
struct Typed(Vec<(String, String)>);

impl Typed {
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }

    /// The investigation typed in the form (members are those ticked).
    fn investigation(&self) -> InvestigationInput {
        let mut members = Vec::new();
        for (k, _) in &self.0 {
            if let Some(pid) = k
                .strip_prefix('m')
                .and_then(|r| r.strip_suffix("_include"))
                .and_then(|p| p.parse::<i64>().ok())
            {
                let f = |x: &str| Some(self.get(&format!("m{pid}_{x}")));
                members.push(MemberInput {
                    person_id: pid,
                    hukou: f("hukou"),
                    education: f("education"),
                    marriage: f("marriage"),
                    health: f("health"),
                    disability: f("disability"),
                    employment: f("employment"),
                });
            }
        }
        let amounts = |prefix: &str, list: &'static [Choice]| -> Vec<(String, AmountInput)> {
            list.iter()
                .map(|(code, ..)| {
                    (
                        code.to_string(),
                        AmountInput::Yuan(self.get(&format!("{prefix}_{code}"))),
                    )
                })
                .collect()
        };
        InvestigationInput {
            date: self.get("date"),
            investigators: self.all("investigator"),
            members,
            incomes: amounts("income", &dh::INCOME_KINDS),
            spending: amounts("spending", &dh::SPENDING_KINDS),
            housing: Some(self.get("housing")),
            vehicles: Some(self.get("vehicles")),
            savings: Some(AmountInput::Yuan(self.get("savings"))),
            business: Some(self.get("business")),
            notes: Some(self.get("notes")),
            signed: self.has("signed"),
        }
    }
}

async fn investigation_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    typed: Option<&Typed>,
    errors: Errors,
    editing: Option<Editing>,
) -> Result<InvestigationPage, AppError> {
    let d = super::get(st, info, id).await?;
    if !d.may_write {
        return Err(AppError::forbidden());
    }
    let saved = match &editing {
        Some(e) => Some(typed_of(
            d.investigations
                .iter()
                .find(|i| i.id == e.investigation_id)
                .ok_or(AppError::NotFound)?,
        )),
        None => None,
    };
    let typed = typed.or(saved.as_ref());
    // A new form starts from the last investigation's answers about each member (a
    // re-investigation mostly confirms them); what was typed is kept when the form comes back.
    let last: HashMap<i64, &dh::MemberRecord> = d
        .investigations
        .first()
        .map(|i| i.members.iter().map(|m| (m.person_id, m)).collect())
        .unwrap_or_default();
    let prior = |k: &str| -> String {
        let Some((pid, field)) = k
            .strip_prefix('m')
            .and_then(|r| r.split_once('_'))
            .and_then(|(p, f)| Some((p.parse::<i64>().ok()?, f)))
        else {
            return String::new();
        };
        let Some(m) = last.get(&pid) else {
            // No investigation yet: health as on the person's record.
            return match field {
                "health" => d
                    .members
                    .iter()
                    .find(|m| m.person_id == pid)
                    .and_then(|m| m.health.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
        };
        match field {
            "hukou" => m.hukou.clone(),
            "health" => m.health.clone(),
            "disability" => m.disability.clone(),
            "employment" => m.employment.clone(),
            "education" => m.education.clone(),
            "marriage" => m.marriage.clone(),
            _ => String::new(),
        }
    };
    let val = |k: &str| match typed {
        Some(t) => t.get(k),
        None => prior(k),
    };
    let members = d
        .members
        .iter()
        .map(|m| {
            let k = |f: &str| format!("m{}_{f}", m.person_id);
            InvMemberForm {
                person_id: m.person_id,
                name: m.name.clone(),
                relation: dh::pick(&dh::RELATIONS, m.relation_code())
                    .map(|c| l.t(c.1, c.2))
                    .unwrap_or(""),
                include: typed.is_none_or(|t| t.has(&k("include"))),
                hukou: choices(l, &dh::HUKOU, &val(&k("hukou"))),
                health: choices(l, &dh::HEALTH, &val(&k("health"))),
                disability: choices(l, &dh::DISABILITY, &val(&k("disability"))),
                employment: choices(l, &dh::EMPLOYMENT, &val(&k("employment"))),
                education: val(&k("education")),
                marriage: val(&k("marriage")),
            }
        })
        .collect();
    let fields = |prefix: &str, list: &'static [Choice]| -> Vec<AmountField> {
        list.iter()
            .map(|(code, zh, en)| {
                let name = format!("{prefix}_{code}");
                AmountField {
                    value: val(&name),
                    name,
                    label: l.t(zh, en),
                }
            })
            .collect()
    };
    let mut investigators = typed.map(|t| t.all("investigator")).unwrap_or_default();
    if typed.is_none() {
        investigators.push(info.user.display_name.clone());
    }
    while investigators.len() < 3 {
        investigators.push(String::new());
    }
    let other_errors = errors.others(&[
        "date",
        "investigators",
        "members",
        "incomes",
        "spending",
        "savings",
        "housing",
        "vehicles",
        "business",
        "notes",
        "signed",
    ]);
    let e = editing.unwrap_or_default();
    let path = match e.investigation_id {
        0 => format!("/households/{id}/investigations/new"),
        iid => format!("/households/{id}/investigations/{iid}/edit"),
    };
    Ok(InvestigationPage {
        c: Chrome::for_user(l, info, &path),
        reason: (e.investigation_id != 0).then_some(e.reason),
        delete_action: format!(
            "/households/{id}/investigations/{}/delete",
            e.investigation_id
        ),
        delete_reason: e.delete_reason,
        delete_errors: e.delete_errors,
        action: path,
        id,
        address: d.household.address.clone(),
        date: typed
            .map(|t| t.get("date"))
            .unwrap_or_else(|| dates::iso(dates::today())),
        investigators,
        members,
        incomes: fields("income", &dh::INCOME_KINDS),
        spending: fields("spending", &dh::SPENDING_KINDS),
        housing: val("housing"),
        vehicles: val("vehicles"),
        savings: val("savings"),
        business: val("business"),
        notes: val("notes"),
        signed: typed.is_some_and(|t| t.has("signed")),
        errors,
        other_errors,
    })
}

async fn investigation_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    Ok(
        Page(investigation_page(&st, l, &info, id, None, Errors::default(), None).await?)
            .into_response(),
    )
}

async fn investigation_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(form): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let t = Typed(form);
    let input = t.investigation();
    let (status, errors) = match super::add_investigation(&st, &info, id, input).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/households/{id}?done=investigation")).into_response(),
            );
        }
        Err(e) => Errors::of_refusal(e, l, "members")?,
    };
    let page = investigation_page(&st, l, &info, id, Some(&t), errors, None).await?;
    Ok((status, Page(page)).into_response())
}

async fn investigation_edit_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, iid)): P<(i64, i64)>,
) -> Result<Response, AppError> {
    let e = Editing {
        investigation_id: iid,
        ..Default::default()
    };
    let page = investigation_page(&st, l, &info, id, None, Errors::default(), Some(e)).await?;
    Ok(Page(page).into_response())
}

async fn investigation_edit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, iid)): P<(i64, i64)>,
    UiForm(form): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let t = Typed(form);
    let reason = t.get("reason");
    let r = super::update_investigation(&st, &info, id, iid, t.investigation(), reason.clone());
    let (status, errors) = match r.await {
        Ok(_) => return Ok(done(id, "corrected")),
        Err(e) => Errors::of_refusal(e, l, "members")?,
    };
    let e = Editing {
        investigation_id: iid,
        reason,
        ..Default::default()
    };
    let page = investigation_page(&st, l, &info, id, Some(&t), errors, Some(e)).await?;
    Ok((status, Page(page)).into_response())
}

#[derive(Default, Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

fn done(id: i64, what: &str) -> Response {
    Redirect::to(&format!("/households/{id}?done={what}")).into_response()
}

async fn investigation_delete(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, iid)): P<(i64, i64)>,
    UiForm(f): UiForm<ReasonForm>,
) -> Result<Response, AppError> {
    let (status, errors) = match super::delete_record(
        &st,
        &info,
        id,
        super::Record::Investigation,
        iid,
        f.reason.clone(),
    )
    .await
    {
        Ok(()) => return Ok(done(id, "deleted")),
        Err(e) => Errors::of_refusal(e, l, "reason")?,
    };
    let e = Editing {
        investigation_id: iid,
        delete_reason: f.reason,
        delete_errors: errors,
        ..Default::default()
    };
    let page = investigation_page(&st, l, &info, id, None, Errors::default(), Some(e)).await?;
    Ok((status, Page(page)).into_response())
}

#[derive(Template)]
#[template(path = "households_review_edit.html")]
struct ReviewEditPage {
    c: Chrome,
    id: i64,
    review_id: i64,
    review: ReviewForm,
    categories: Vec<Opt>,
    results: Vec<Opt>,
    errors: Errors,
    reason: String,
    delete_action: String,
    delete_reason: String,
    delete_errors: Errors,
}

/// The review correction page: the saved review (or the form as typed) and the delete form.
async fn review_edit_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    (id, rid): (i64, i64),
    typed: Option<(ReviewForm, String, Errors)>,
    delete: Option<(String, Errors)>,
) -> Result<ReviewEditPage, AppError> {
    let d = super::get(st, info, id).await?;
    if !d.may_write {
        return Err(AppError::forbidden());
    }
    let saved = d
        .reviews
        .iter()
        .find(|r| r.id == rid)
        .ok_or(AppError::NotFound)?;
    let (review, reason, errors) = typed.unwrap_or_else(|| {
        let f = ReviewForm {
            category: saved.category.clone(),
            reviewed_on: saved.reviewed_on.clone(),
            result: saved.result.clone(),
            next_due: saved.next_due.clone().unwrap_or_default(),
            notes: saved.notes.clone(),
        };
        (f, String::new(), Errors::default())
    });
    let (delete_reason, delete_errors) = delete.unwrap_or_default();
    Ok(ReviewEditPage {
        c: Chrome::for_user(l, info, &format!("/households/{id}/reviews/{rid}/edit")),
        id,
        review_id: rid,
        categories: choices(l, &dh::ASSISTANCE_CATEGORIES, &review.category),
        results: choices(l, &dh::REVIEW_RESULTS, &review.result),
        review,
        errors,
        reason,
        delete_action: format!("/households/{id}/reviews/{rid}/delete"),
        delete_reason,
        delete_errors,
    })
}

async fn review_edit_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(ids): P<(i64, i64)>,
) -> Result<Response, AppError> {
    Ok(Page(review_edit_page(&st, l, &info, ids, None, None).await?).into_response())
}

#[derive(Deserialize)]
struct ReviewCorrectionForm {
    #[serde(flatten)]
    review: ReviewForm,
    #[serde(default)]
    reason: String,
}

async fn review_edit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    UiForm(f): UiForm<ReviewCorrectionForm>,
) -> Result<Response, AppError> {
    let r = super::update_review(&st, &info, id, rid, f.review.input(), f.reason.clone());
    let (status, errors) = match r.await {
        Ok(_) => return Ok(done(id, "corrected")),
        Err(e) => Errors::of_refusal(e, l, "category")?,
    };
    let typed = Some((f.review, f.reason, errors));
    let page = review_edit_page(&st, l, &info, (id, rid), typed, None).await?;
    Ok((status, Page(page)).into_response())
}

async fn review_delete(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P((id, rid)): P<(i64, i64)>,
    UiForm(f): UiForm<ReasonForm>,
) -> Result<Response, AppError> {
    let (status, errors) =
        match super::delete_record(&st, &info, id, super::Record::Review, rid, f.reason.clone())
            .await
        {
            Ok(()) => return Ok(done(id, "deleted")),
            Err(e) => Errors::of_refusal(e, l, "reason")?,
        };
    let page = review_edit_page(&st, l, &info, (id, rid), None, Some((f.reason, errors))).await?;
    Ok((status, Page(page)).into_response())
}

// ---------------------------------------------------------------- reviews due

#[derive(Deserialize)]
struct DueQ {
    status: Option<String>,
    page: Option<i64>,
}

pub struct DueView {
    pub household_id: i64,
    pub head: String,
    pub address: String,
    pub category: String,
    pub reviewed_on: String,
    pub next_due: String,
    pub overdue: bool,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "households_reviews.html")]
struct DuePage {
    c: Chrome,
    status: String,
    rows: Vec<DueView>,
    total: i64,
    pager: Pager,
    export_href: Option<String>,
}

async fn reviews_due(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(q): Q<DueQ>,
) -> Result<Response, AppError> {
    let which = super::due_filter(q.status.as_deref())?;
    let status = match which {
        DueFilter::Soon => "due",
        DueFilter::Overdue => "overdue",
        DueFilter::All => "",
    };
    let page = PageQ::new(q.page, Some(50));
    let listing = super::due(&st, &info, which, page).await?;
    let href = |n: i64| format!("/households/reviews?status={status}&page={n}");
    let rows = listing
        .items
        .into_iter()
        .map(|d| {
            let o = due_out(d);
            DueView {
                household_id: o.household_id,
                head: o.head_name.clone().unwrap_or_default(),
                address: o.address.clone(),
                category: o.category_label.clone(),
                reviewed_on: o.reviewed_on.clone(),
                next_due: o.next_due.clone(),
                overdue: o.status == "overdue",
                days: o.days_left.abs(),
            }
        })
        .collect();
    Ok(Page(DuePage {
        c: Chrome::for_user(l, &info, "/households/reviews"),
        export_href: crate::exports::href(
            &info,
            "/households/reviews/export.xlsx",
            &[("status", Some(status))],
        ),
        status: status.to_string(),
        rows,
        total: listing.total,
        pager: Pager::new(page, listing.total, None, href),
    })
    .into_response())
}
