//! The person pages (7.6.4): search with filters (live through htmx), the registration and edit
//! form made for a phone during a home visit, the person page with its reveal buttons, timeline
//! and links to every module, the edit history, and the deployment's categories. Every action is
//! a plain POST form carrying `_csrf`, so all of it works without JavaScript.

use super::{ListQuery, Place};
use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{
    Chrome, Errors, Opt, Page, Pager, Results, choices, list_href, opts, wants_fragment,
};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use shegong_domain::id_number::Gender;
use shegong_domain::person::{self, CategoryInput, ConsentInput, PersonInput};
use shegong_domain::policy::{Action, Sensitivity, role_may};
use shegong_domain::{Invalid, Msg, clock, dates};
use shegong_store::persons::{CategoryRow, PersonRow, Secret};
use std::collections::HashMap;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/persons", get(list))
        .route("/persons/new", get(new_form).post(new_submit))
        .route("/persons/{id}", get(detail))
        .route("/persons/{id}/edit", get(edit_form).post(edit_submit))
        .route("/persons/{id}/reveal", post(reveal))
        .route("/persons/{id}/history", get(history))
        .route("/categories", get(categories).post(add_category))
}

fn place_opts(places: &[Place], selected: &str) -> Vec<Opt> {
    opts(
        places.iter().map(|p| {
            let label = if p.is_station {
                p.name.clone()
            } else {
                format!("· {}", p.name)
            };
            (p.code.clone(), label)
        }),
        selected,
    )
}

fn sensitivity_opts(l: Lang, selected: &str) -> Vec<Opt> {
    opts(
        [
            Sensitivity::Ordinary,
            Sensitivity::Sensitive,
            Sensitivity::Confidential,
        ]
        .iter()
        .map(|s| (s.id().to_string(), l.m(&s.label()).to_string())),
        selected,
    )
}

fn sensitivity_badge(s: &str) -> &'static str {
    match s {
        "ordinary" => "",
        "sensitive" => "warn",
        _ => "bad",
    }
}

fn label_of(list: &[(&str, &str, &str)], code: Option<&str>, l: Lang) -> String {
    code.and_then(|c| list.iter().find(|(id, ..)| *id == c))
        .map(|(_, zh, en)| l.t(zh, en).to_string())
        .unwrap_or_default()
}

fn gender_label(g: Option<&str>, l: Lang) -> String {
    g.and_then(Gender::from_id)
        .map(|g| l.m(&g.label()).to_string())
        .unwrap_or_default()
}

fn category_name(code: &str, all: &[(String, String, String)], l: Lang) -> String {
    all.iter()
        .find(|(c, ..)| c == code)
        .map(|(_, zh, en)| l.t(zh, en).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn place_name(places: &[Place], code: &str) -> String {
    places
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| code.to_string())
}

// ---------------------------------------------------------------- list

/// A person in the results: masked numbers only.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub age: String,
    pub place: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub categories: String,
    pub sensitivity: String,
    pub sensitivity_class: &'static str,
}

/// The filter as typed, to fill the form again.
pub struct FilterView {
    pub q: String,
    pub age_min: String,
    pub age_max: String,
}

#[derive(Template)]
#[template(path = "persons_list.html")]
struct ListPage {
    c: Chrome,
    f: FilterView,
    categories: Vec<Opt>,
    places: Vec<Opt>,
    sensitivities: Vec<Opt>,
    may_write: bool,
    /// The same filters as an `.xlsx` export, for users who may export.
    export_href: Option<String>,
    r: Results<Row>,
}

#[derive(Template)]
#[template(path = "persons_results.html")]
struct ListFragment {
    c: Chrome,
    r: Results<Row>,
}

fn page_href(p: &ListQuery, page: i64) -> String {
    filter_href("/persons", p, page)
}

fn filter_href(path: &str, p: &ListQuery, page: i64) -> String {
    let per_page = p.per_page.map(|n| n.to_string());
    let mut params = filters(p).to_vec();
    params.push(("per_page", per_page.as_deref()));
    list_href(path, &params, page)
}

/// The list's filters as query parameters (the export takes the same).
fn filters(p: &ListQuery) -> [(&'static str, Option<&str>); 6] {
    [
        ("q", p.q.as_deref()),
        ("category", p.category.as_deref()),
        ("org_code", p.org_code.as_deref()),
        ("age_min", p.age_min.as_deref()),
        ("age_max", p.age_max.as_deref()),
        ("sensitivity", p.sensitivity.as_deref()),
    ]
}

async fn results(
    st: &AppState,
    info: &AuthInfo,
    l: Lang,
    p: &ListQuery,
    places: &[Place],
) -> Result<(Results<Row>, StatusCode), AppError> {
    let filter = match p.filter() {
        Ok(f) => f,
        Err(i) => {
            let r = Results::refused(l, &i);
            return Ok((r, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let page = p.page();
    let listing = super::search(st, info, filter, page).await?;
    let ids: Vec<i64> = listing.items.iter().map(|p| p.id).collect();
    let cats = st
        .read(move |c| {
            shegong_store::persons::current_categories(c, &ids, &dates::iso(dates::today()))
        })
        .await?;
    let all = super::all_categories(st).await?;
    let today = dates::today();
    let rows = listing
        .items
        .iter()
        .map(|p| Row {
            id: p.id,
            name: p.name.clone(),
            gender: gender_label(p.gender.as_deref(), l),
            age: p.age(today).map(|a| a.to_string()).unwrap_or_default(),
            place: place_name(places, &p.org_code),
            id_masked: p.id_number_masked.clone().unwrap_or_default(),
            phone_masked: p.phone_masked.clone().unwrap_or_default(),
            categories: cats
                .get(&p.id)
                .map(|cs| {
                    cs.iter()
                        .map(|c| category_name(c, &all, l))
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default(),
            sensitivity: Sensitivity::from_id(&p.sensitivity)
                .map(|s| l.m(&s.label()).to_string())
                .unwrap_or_default(),
            sensitivity_class: sensitivity_badge(&p.sensitivity),
        })
        .collect();
    let pager = Pager::new(page, listing.total, None, |n| page_href(p, n));
    Ok((Results::new(rows, listing.total, pager), StatusCode::OK))
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    headers: HeaderMap,
    Q(p): Q<ListQuery>,
) -> Result<Response, AppError> {
    super::ensure_reader(&info)?;
    let places = super::places(&st, &info).await?;
    let (r, status) = results(&st, &info, l, &p, &places).await?;
    let c = Chrome::for_user(l, &info, "/persons");
    // htmx asks for the results only; a history restore or a plain request gets the whole page.
    if wants_fragment(&headers, "results") {
        return Ok((status, Page(ListFragment { c, r })).into_response());
    }
    let all = super::all_categories(&st).await?;
    let page = ListPage {
        c,
        f: FilterView {
            q: p.q.clone().unwrap_or_default(),
            age_min: p.age_min.clone().unwrap_or_default(),
            age_max: p.age_max.clone().unwrap_or_default(),
        },
        categories: opts(
            all.into_iter()
                .map(|(c, zh, en)| (c, l.t(&zh, &en).to_string())),
            p.category.as_deref().unwrap_or_default(),
        ),
        places: place_opts(&places, p.org_code.as_deref().unwrap_or_default()),
        sensitivities: sensitivity_opts(l, p.sensitivity.as_deref().unwrap_or_default()),
        may_write: role_may(info.principal.role, Action::WriteRecord),
        export_href: crate::exports::href(&info, "/persons/export.xlsx", &filters(&p)),
        r,
    };
    Ok((status, Page(page)).into_response())
}

// ---------------------------------------------------------------- the form

/// One category checkbox with its dates.
pub struct CatField {
    pub code: String,
    pub label: String,
    pub checked: bool,
    pub start: String,
    pub end: String,
}

/// The person form's values as typed (everything a string, so a bad value is shown again).
#[derive(Default)]
pub struct PersonForm {
    pub name: String,
    pub id_number: String,
    pub clear_id_number: bool,
    pub phone: String,
    pub clear_phone: bool,
    pub gender: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub org_code: String,
    pub address: String,
    pub cats: Vec<CatField>,
    /// Entries that ended before the current one of the same category: `code|start|end|grade`.
    pub past: Vec<String>,
    pub grade: String,
    pub difficulty_types: String,
    pub difficulty_degree: String,
    pub health: String,
    pub employment: String,
    pub monthly_income: String,
    pub sensitivity: String,
    pub consent_by: String,
    pub consent_relation: String,
    pub consent_on: String,
    pub consent_scope: String,
    pub notes: String,
    pub version: String,
}

fn blank_cats(all: &[(String, String, String)], l: Lang) -> Vec<CatField> {
    all.iter()
        .map(|(code, zh, en)| CatField {
            code: code.clone(),
            label: l.t(zh, en).to_string(),
            checked: false,
            start: String::new(),
            end: String::new(),
        })
        .collect()
}

impl PersonForm {
    fn from_pairs(pairs: Vec<(String, String)>, all: &[(String, String, String)], l: Lang) -> Self {
        let mut f = PersonForm {
            cats: blank_cats(all, l),
            ..Default::default()
        };
        let mut checked = Vec::new();
        let mut starts = HashMap::new();
        let mut ends = HashMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "id_number" => f.id_number = v,
                "clear_id_number" => f.clear_id_number = !v.is_empty(),
                "phone" => f.phone = v,
                "clear_phone" => f.clear_phone = !v.is_empty(),
                "gender" => f.gender = v,
                "birth_date" => f.birth_date = v,
                "ethnicity" => f.ethnicity = v,
                "org_code" => f.org_code = v,
                "address" => f.address = v,
                "cat" => checked.push(v),
                "past" => f.past.push(v),
                "grade" => f.grade = v,
                "difficulty_types" => f.difficulty_types = v,
                "difficulty_degree" => f.difficulty_degree = v,
                "health" => f.health = v,
                "employment" => f.employment = v,
                "monthly_income" => f.monthly_income = v,
                "sensitivity" => f.sensitivity = v,
                "consent_by" => f.consent_by = v,
                "consent_relation" => f.consent_relation = v,
                "consent_on" => f.consent_on = v,
                "consent_scope" => f.consent_scope = v,
                "notes" => f.notes = v,
                "version" => f.version = v,
                other => {
                    if let Some(code) = other.strip_prefix("cat_start.") {
                        starts.insert(code.to_string(), v);
                    } else if let Some(code) = other.strip_prefix("cat_end.") {
                        ends.insert(code.to_string(), v);
                    }
                }
            }
        }
        for c in &mut f.cats {
            c.checked = checked.contains(&c.code);
            c.start = starts.remove(&c.code).unwrap_or_default();
            c.end = ends.remove(&c.code).unwrap_or_default();
        }
        // A category the form does not list (one since removed from the deployment) still counts,
        // so the domain rules can name it.
        for code in checked {
            if !f.cats.iter().any(|c| c.code == code) {
                f.cats.push(CatField {
                    label: code.clone(),
                    code,
                    checked: true,
                    start: String::new(),
                    end: String::new(),
                });
            }
        }
        f
    }

    fn from_person(
        p: &PersonRow,
        cats: &[CategoryRow],
        all: &[(String, String, String)],
        l: Lang,
    ) -> Self {
        let mut fields = blank_cats(all, l);
        let mut past = Vec::new();
        let mut grade = String::new();
        // The latest entry of each category is edited; earlier ones are kept as they are.
        let mut latest: HashMap<&str, &CategoryRow> = HashMap::new();
        for c in cats {
            match latest.get(c.category.as_str()) {
                Some(prev) if prev.start_date >= c.start_date => {
                    past.push(past_entry(c));
                }
                Some(prev) => {
                    past.push(past_entry(prev));
                    latest.insert(&c.category, c);
                }
                None => {
                    latest.insert(&c.category, c);
                }
            }
        }
        for f in &mut fields {
            if let Some(c) = latest.get(f.code.as_str()) {
                f.checked = true;
                f.start = c.start_date.clone();
                f.end = c.end_date.clone().unwrap_or_default();
                if let Some(g) = &c.grade {
                    grade = g.clone();
                }
            }
        }
        PersonForm {
            name: p.name.clone(),
            gender: p.gender.clone().unwrap_or_default(),
            birth_date: p.birth_date.clone().unwrap_or_default(),
            ethnicity: p.ethnicity.clone().unwrap_or_default(),
            org_code: p.org_code.clone(),
            address: p.address.clone(),
            cats: fields,
            past,
            grade,
            difficulty_types: p.difficulty_types.replace(',', "、"),
            difficulty_degree: p.difficulty_degree.clone().unwrap_or_default(),
            health: p.health.clone().unwrap_or_default(),
            employment: p.employment.clone(),
            monthly_income: p.monthly_income.map(|i| i.to_string()).unwrap_or_default(),
            sensitivity: p.sensitivity.clone(),
            consent_by: p.consent_by.clone().unwrap_or_default(),
            consent_relation: p.consent_relation.clone().unwrap_or_default(),
            consent_on: p.consent_on.clone().unwrap_or_default(),
            consent_scope: p.consent_scope.clone().unwrap_or_default(),
            notes: p.notes.clone(),
            version: p.version.to_string(),
            ..Default::default()
        }
    }

    /// The domain input, and the form-only problems (a number that is not a number).
    fn to_input(&self, is_edit: bool) -> (PersonInput, Invalid) {
        let mut inv = Invalid::new();
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let monthly_income = opt(&self.monthly_income).and_then(|v| {
            inv.check(
                "monthly_income",
                shegong_domain::id_number::normalise_digits(&v)
                    .parse::<i64>()
                    .map_err(|_| {
                        Msg::new(
                            "月收入应为整数(元),例如 800",
                            "monthly income is a whole number of yuan, e.g. 800",
                        )
                    }),
            )
        });
        let mut categories: Vec<CategoryInput> = self
            .cats
            .iter()
            .filter(|c| c.checked)
            .map(|c| CategoryInput {
                code: c.code.clone(),
                start_date: opt(&c.start),
                end_date: opt(&c.end),
                grade: (c.code == "disabled").then(|| opt(&self.grade)).flatten(),
            })
            .collect();
        for p in &self.past {
            let mut parts = p.split('|');
            let mut next = || parts.next().and_then(opt);
            let (code, start, end, grade) = (next(), next(), next(), next());
            if let Some(code) = code {
                categories.push(CategoryInput {
                    code,
                    start_date: start,
                    end_date: end,
                    grade,
                });
            }
        }
        // On an edit, an empty number field keeps the stored number unless "remove" is ticked.
        let secret = |value: &str, clear: bool| match opt(value) {
            Some(v) => Some(v),
            None if clear || !is_edit => Some(String::new()),
            None => None,
        };
        let consent = opt(&self.consent_by).map(|by| ConsentInput {
            by,
            relation: self.consent_relation.trim().to_string(),
            on: self.consent_on.trim().to_string(),
            scope: self.consent_scope.trim().to_string(),
        });
        let input = PersonInput {
            name: self.name.clone(),
            gender: opt(&self.gender),
            ethnicity: opt(&self.ethnicity),
            birth_date: opt(&self.birth_date),
            id_number: secret(&self.id_number, self.clear_id_number),
            phone: secret(&self.phone, self.clear_phone),
            address: Some(self.address.clone()),
            difficulty_types: Some(
                self.difficulty_types
                    .split(['、', ',', ',', ';', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            difficulty_degree: opt(&self.difficulty_degree),
            health: opt(&self.health),
            employment: Some(self.employment.clone()),
            monthly_income,
            sensitivity: opt(&self.sensitivity),
            categories: Some(categories),
            consent,
            notes: Some(self.notes.clone()),
        };
        (input, inv)
    }
}

/// The form's own problems together with every other reason the rules give.
async fn all_problems(
    st: &AppState,
    info: &AuthInfo,
    org_code: &str,
    input: &PersonInput,
    form: Invalid,
) -> AppError {
    match super::problems(st, info, org_code, input).await {
        Ok(mut all) => {
            all.errors.extend(form.errors);
            AppError::Invalid(all)
        }
        Err(e) => e,
    }
}

fn past_entry(c: &CategoryRow) -> String {
    format!(
        "{}|{}|{}|{}",
        c.category,
        c.start_date,
        c.end_date.clone().unwrap_or_default(),
        c.grade.clone().unwrap_or_default()
    )
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    c: Chrome,
    v: PersonForm,
    /// `Some((id, masked ID, masked phone))` when editing.
    edit: Option<(i64, String, String)>,
    places: Vec<Opt>,
    genders: Vec<Opt>,
    degrees: Vec<Opt>,
    healths: Vec<Opt>,
    grades: Vec<Opt>,
    sensitivities: Vec<Opt>,
    ethnicities: Vec<&'static str>,
    errors: Errors,
    /// A duplicate ID number: offer a transfer request instead.
    duplicate: bool,
}

async fn form_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    v: PersonForm,
    edit: Option<(i64, String, String)>,
    errors: Errors,
    duplicate: bool,
) -> Result<FormPage, AppError> {
    let places = super::places(st, info).await?;
    let path = match &edit {
        Some((id, ..)) => format!("/persons/{id}/edit"),
        None => "/persons/new".to_string(),
    };
    let pick = |list: &[shegong_domain::Choice], sel: &str| choices(l, list, sel);
    Ok(FormPage {
        c: Chrome::for_user(l, info, &path),
        places: place_opts(&places, &v.org_code),
        genders: pick(
            &[("male", "男", "male"), ("female", "女", "female")],
            &v.gender,
        ),
        degrees: pick(&person::DIFFICULTY_DEGREES, &v.difficulty_degree),
        healths: pick(&person::HEALTH, &v.health),
        grades: opts(
            person::DISABILITY_GRADES.iter().map(|g| {
                let label = match l.is_en() {
                    true => format!("grade {g}"),
                    false => format!(
                        "{}级",
                        ["一", "二", "三", "四"][g.parse::<usize>().unwrap_or(1) - 1]
                    ),
                };
                (g.to_string(), label)
            }),
            &v.grade,
        ),
        sensitivities: sensitivity_opts(l, &v.sensitivity),
        ethnicities: person::ETHNICITIES.to_vec(),
        v,
        edit,
        errors,
        duplicate,
    })
}

/// The answer to a submitted form that the rules refused: the form again, with the reasons.
async fn refused(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    v: PersonForm,
    edit: Option<(i64, String, String)>,
    err: AppError,
) -> Result<Response, AppError> {
    let (errors, duplicate, status) = match err {
        AppError::Invalid(i) => (Errors::from(&i, l), false, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Conflict(m) => {
            let field = if edit.is_some() && !m.zh.contains("身份证") {
                "version"
            } else {
                "id_number"
            };
            let dup = field == "id_number";
            (Errors::one(field, &m, l), dup, StatusCode::CONFLICT)
        }
        other => return Err(other),
    };
    let page = form_page(st, l, info, v, edit, errors, duplicate).await?;
    Ok((status, Page(page)).into_response())
}

async fn new_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    if !role_may(info.principal.role, Action::WriteRecord) {
        return Err(AppError::forbidden());
    }
    let all = super::all_categories(&st).await?;
    let org_code = match info.principal.scope.roots() {
        [only] if !only.is_operator() => only.to_string(),
        _ => String::new(),
    };
    let v = PersonForm {
        cats: blank_cats(&all, l),
        org_code,
        ..Default::default()
    };
    Ok(Page(form_page(&st, l, &info, v, None, Errors::default(), false).await?).into_response())
}

async fn new_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let all = super::all_categories(&st).await?;
    let v = PersonForm::from_pairs(pairs, &all, l);
    let (input, form_inv) = v.to_input(false);
    let result = match form_inv.into_result() {
        Ok(()) => super::create(&st, &info, &v.org_code, input).await,
        Err(i) => Err(all_problems(&st, &info, &v.org_code, &input, i).await),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/persons/{}", p.id)).into_response()),
        Err(e) => refused(&st, l, &info, v, None, e).await,
    }
}

async fn edit_form(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let d = super::get(&st, &info, id).await?;
    if !d.may_write {
        return Err(AppError::forbidden());
    }
    let all = super::all_categories(&st).await?;
    let v = PersonForm::from_person(&d.person, &d.categories, &all, l);
    let edit = Some(masked(&d.person));
    Ok(Page(form_page(&st, l, &info, v, edit, Errors::default(), false).await?).into_response())
}

fn masked(p: &PersonRow) -> (i64, String, String) {
    (
        p.id,
        p.id_number_masked.clone().unwrap_or_default(),
        p.phone_masked.clone().unwrap_or_default(),
    )
}

async fn edit_submit(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let d = super::get(&st, &info, id).await?;
    let all = super::all_categories(&st).await?;
    let v = PersonForm::from_pairs(pairs, &all, l);
    let (input, mut form_inv) = v.to_input(true);
    let version = form_inv.check(
        "version",
        v.version.trim().parse::<i64>().map_err(|_| {
            Msg::new(
                "表单已过期,请重新打开编辑页",
                "the form is out of date; open the edit page again",
            )
        }),
    );
    // A missing version is among the form's errors, so `unwrap_or_default` is never reached.
    let result = match form_inv.into_result() {
        Ok(()) => super::update(
            &st,
            &info,
            id,
            version.unwrap_or_default(),
            &v.org_code,
            input,
        )
        .await
        .map(|_| ()),
        Err(i) => Err(all_problems(&st, &info, &v.org_code, &input, i).await),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(e) => refused(&st, l, &info, v, Some(masked(&d.person)), e).await,
    }
}

// ---------------------------------------------------------------- the person page

pub struct CatView {
    pub label: String,
    pub start: String,
    pub end: String,
    pub grade: String,
    pub current: bool,
}

pub struct TimelineView {
    pub at: String,
    pub kind: String,
    pub summary: String,
    pub actor: String,
}

/// A module page about this person (elderly archive, guardianship archive, household).
pub struct ModuleLink {
    pub href: String,
    pub label: &'static str,
    pub clause: &'static str,
}

/// One of the person's cases (section 10), newest first.
pub struct CaseLink {
    pub id: i64,
    pub stage: String,
    pub opened_on: String,
}

#[derive(Template)]
#[template(path = "person_detail.html")]
struct DetailPage {
    c: Chrome,
    cases: Vec<CaseLink>,
    p: PersonRow,
    place: String,
    gender: String,
    age: String,
    degree: String,
    health: String,
    sensitivity: String,
    sensitivity_class: &'static str,
    updated: String,
    cats: Vec<CatView>,
    timeline: Vec<TimelineView>,
    links: Vec<ModuleLink>,
    may_write: bool,
    may_reveal: bool,
    revealed_id: Option<String>,
    revealed_phone: Option<String>,
}

/// The module an entry of the timeline comes from (kinds are `module.event`).
fn timeline_kind(kind: &str, l: Lang) -> String {
    let module = kind.split('.').next().unwrap_or(kind);
    let (zh, en) = match module {
        "archive" => ("档案", "record"),
        "household" | "households" => ("家庭", "household"),
        "care" | "visit" | "elderly" | "guardianship" => ("关爱", "care"),
        "case" | "cases" => ("个案", "case"),
        "assessment" => ("评估", "assessment"),
        "referral" => ("转介", "referral"),
        "activity" => ("活动", "activity"),
        "import" => ("导入", "import"),
        "transfer" => ("转移", "transfer"),
        "merge" => ("合并", "merge"),
        _ => return kind.to_string(),
    };
    l.t(zh, en).to_string()
}

async fn detail_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    id: i64,
    revealed: (Option<String>, Option<String>),
) -> Result<DetailPage, AppError> {
    // One checked (and, for a sensitive record, audited) read; the rest follows from it.
    let d = super::get(st, info, id).await?;
    let timeline = super::timeline_of(st, info, id).await?;
    let v = super::viewer(info);
    let cases = st
        .read(move |c| shegong_store::cases::of_person(c, &v, id))
        .await?
        .into_iter()
        .map(|k| CaseLink {
            id: k.id,
            stage: shegong_domain::case::Stage::from_id(&k.stage)
                .map(|s| l.m(&s.label()).to_string())
                .unwrap_or(k.stage),
            opened_on: k.opened_on,
        })
        .collect();
    let all = super::all_categories(st).await?;
    let code = d.person.org_code.clone();
    let place = st
        .read(move |c| Ok(shegong_store::org::get_unscoped(c, &code)?.map(|u| u.name)))
        .await?
        .unwrap_or_else(|| d.person.org_code.clone());
    let today = dates::today();
    let day = dates::iso(today);
    let p = d.person;
    let age = p.age(today);
    let mut links = Vec::new();
    if let Some(h) = p.household_id {
        links.push(ModuleLink {
            href: format!("/households/{h}"),
            label: l.t("家庭与入户调查", "Household and investigations"),
            clause: "8.1.1.1",
        });
    }
    if age.is_none_or(|a| a >= 60) {
        links.push(ModuleLink {
            href: format!("/persons/{id}/elderly"),
            label: l.t("老年人档案与走访", "Elderly archive and visits"),
            clause: "8.2.1.1",
        });
    }
    if age.is_none_or(|a| a < 18) {
        links.push(ModuleLink {
            href: format!("/persons/{id}/guardianship"),
            label: l.t("儿童监护档案", "Child guardianship archive"),
            clause: "8.3.1",
        });
    }
    links.push(ModuleLink {
        href: format!("/persons/{id}/assessments"),
        label: l.t("标准化评估", "Standard assessments"),
        clause: "8.2.3.1",
    });
    links.push(ModuleLink {
        href: format!("/persons/{id}/history"),
        label: l.t("修改记录", "Edit history"),
        clause: "7.6.4",
    });
    Ok(DetailPage {
        c: Chrome::for_user(l, info, &format!("/persons/{id}")),
        cases,
        place,
        gender: gender_label(p.gender.as_deref(), l),
        age: age.map(|a| a.to_string()).unwrap_or_default(),
        degree: label_of(
            &person::DIFFICULTY_DEGREES,
            p.difficulty_degree.as_deref(),
            l,
        ),
        health: label_of(&person::HEALTH, p.health.as_deref(), l),
        sensitivity: Sensitivity::from_id(&p.sensitivity)
            .map(|s| l.m(&s.label()).to_string())
            .unwrap_or_default(),
        sensitivity_class: sensitivity_badge(&p.sensitivity),
        updated: clock::display(p.updated_at),
        cats: d
            .categories
            .iter()
            .map(|c| CatView {
                label: category_name(&c.category, &all, l),
                start: c.start_date.clone(),
                end: c.end_date.clone().unwrap_or_default(),
                grade: c.grade.clone().unwrap_or_default(),
                current: c.current(&day),
            })
            .collect(),
        timeline: timeline
            .into_iter()
            .map(|t| TimelineView {
                at: clock::display(t.at),
                kind: timeline_kind(&t.kind, l),
                summary: t.summary,
                actor: t.actor,
            })
            .collect(),
        links,
        may_write: d.may_write,
        may_reveal: d.may_reveal,
        revealed_id: revealed.0,
        revealed_phone: revealed.1,
        p,
    })
}

async fn detail(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    Ok(Page(detail_page(&st, l, &info, id, (None, None)).await?).into_response())
}

#[derive(serde::Deserialize)]
struct RevealForm {
    field: String,
}

/// Shows a full number on the person page: a POST (never in a URL), audited as `person.reveal`.
async fn reveal(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
    UiForm(f): UiForm<RevealForm>,
) -> Result<Response, AppError> {
    let what = match f.field.as_str() {
        "id_number" => Secret::IdNumber,
        "phone" => Secret::Phone,
        _ => {
            return Err(AppError::invalid(
                "field",
                Msg::new("只能查看身份证号或电话", "field is id_number or phone"),
            ));
        }
    };
    let value = super::reveal(&st, &info, id, what)
        .await?
        .unwrap_or_default();
    let revealed = match what {
        Secret::IdNumber => (Some(value), None),
        Secret::Phone => (None, Some(value)),
    };
    Ok(Page(detail_page(&st, l, &info, id, revealed).await?).into_response())
}

// ---------------------------------------------------------------- history

pub struct HistoryView {
    pub at: String,
    pub actor: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "person_history.html")]
struct HistoryPage {
    c: Chrome,
    id: i64,
    name: String,
    rows: Vec<HistoryView>,
}

/// A field of the person, or `record.field` / `record:id.field` of one of their records in
/// another module (care archives, visits, household investigations and reviews).
fn field_label(field: &str, l: Lang) -> String {
    if let Some((record, f)) = field.split_once('.') {
        let (kind, id) = record.split_once(':').unwrap_or((record, ""));
        let (zh, en) = match kind {
            "elderly" => ("老年人档案", "elderly archive"),
            "guardianship" => ("儿童监护档案", "guardianship archive"),
            "visit" => ("走访记录", "visit"),
            "investigation" => ("入户调查", "investigation"),
            "review" => ("救助复核", "review"),
            other => (other, other),
        };
        let id = if id.is_empty() {
            String::new()
        } else {
            format!(" #{id}")
        };
        return format!("{}{id} · {}", l.t(zh, en), record_field_label(f, l));
    }
    person_field_label(field, l)
}

fn record_field_label(field: &str, l: Lang) -> String {
    let (zh, en) = match field {
        "deleted" => ("删除", "deleted"),
        "living_arrangement" => ("居住方式", "living arrangement"),
        "visit_interval_days" => ("走访周期", "visit interval"),
        "carers" => ("照顾者", "carers"),
        "living_situation" => ("生活状况", "living situation"),
        "guardians" => ("监护人", "guardians"),
        "support" => ("抚养状况", "support"),
        "school" => ("学校", "school"),
        "grade" => ("年级", "grade"),
        "study_status" => ("就学状况", "study"),
        "health_notes" => ("健康说明", "health notes"),
        "social_support" => ("社会支持", "social support"),
        "visited_on" => ("走访日期", "visit date"),
        "visitor" => ("走访人", "visitor"),
        "mode" => ("走访方式", "mode"),
        "findings" => ("发现的情况", "findings"),
        "date" => ("调查日期", "date"),
        "investigators" => ("调查人", "investigators"),
        "members" => ("成员情况", "members"),
        "incomes" => ("收入", "income"),
        "spending" => ("支出", "spending"),
        "property" => ("财产", "property"),
        "per_capita_monthly" => ("月人均收入", "monthly income per person"),
        "signed" => ("签字", "signed"),
        "category" => ("救助类别", "category"),
        "reviewed_on" => ("复核日期", "review date"),
        "result" => ("复核结果", "result"),
        "next_due" => ("下次复核", "next review due"),
        other => return person_field_label(other, l),
    };
    l.t(zh, en).to_string()
}

fn person_field_label(field: &str, l: Lang) -> String {
    let (zh, en) = match field {
        "created" => ("建档", "registered"),
        "name" => ("姓名", "name"),
        "org_code" => ("所属村(社区)", "village / community"),
        "gender" => ("性别", "gender"),
        "ethnicity" => ("民族", "ethnicity"),
        "birth_date" => ("出生日期", "birth date"),
        "id_number" => ("身份证号", "ID number"),
        "phone" => ("电话", "phone"),
        "address" => ("住址", "address"),
        "difficulty_types" => ("困难类型", "difficulty types"),
        "difficulty_degree" => ("困难程度", "difficulty degree"),
        "health" => ("健康状况", "health"),
        "employment" => ("就业情况", "employment"),
        "monthly_income" => ("月收入", "monthly income"),
        "sensitivity" => ("密级", "sensitivity"),
        "consent" => ("知情同意", "consent"),
        "notes" => ("备注", "notes"),
        "categories" => ("类别", "categories"),
        other => return other.to_string(),
    };
    l.t(zh, en).to_string()
}

async fn history(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(id): P<i64>,
) -> Result<Response, AppError> {
    let d = super::get(&st, &info, id).await?;
    let rows = super::history_of(&st, &info, id)
        .await?
        .into_iter()
        .map(|h| HistoryView {
            at: clock::display(h.at),
            actor: h.actor,
            field: field_label(&h.field, l),
            old: h.old_value.unwrap_or_default(),
            new: h.new_value.unwrap_or_default(),
            reason: h.reason.unwrap_or_default(),
        })
        .collect();
    Ok(Page(HistoryPage {
        c: Chrome::for_user(l, &info, &format!("/persons/{id}/history")),
        id,
        name: d.person.name,
        rows,
    })
    .into_response())
}

// ---------------------------------------------------------------- categories

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    c: Chrome,
    builtin: Vec<(String, String, String)>,
    custom: Vec<(String, String, String)>,
    may_add: bool,
    v: CategoryForm,
    errors: Errors,
}

#[derive(Default, serde::Deserialize)]
struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_zh: String,
    #[serde(default)]
    label_en: String,
}

async fn categories_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    v: CategoryForm,
    errors: Errors,
) -> Result<CategoriesPage, AppError> {
    let role = info.principal.role;
    if !role_may(role, Action::ReadRecord) && !role_may(role, Action::ManageSystem) {
        return Err(AppError::forbidden());
    }
    let all = super::all_categories(st).await?;
    let (builtin, custom) = all
        .into_iter()
        .partition(|(c, ..)| person::category(c).is_some());
    Ok(CategoriesPage {
        c: Chrome::for_user(l, info, "/categories"),
        builtin,
        custom,
        may_add: role_may(role, Action::ManageSystem),
        v,
        errors,
    })
}

async fn categories(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let page = categories_page(&st, l, &info, CategoryForm::default(), Errors::default()).await?;
    Ok(Page(page).into_response())
}

async fn add_category(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    UiForm(f): UiForm<CategoryForm>,
) -> Result<Response, AppError> {
    match super::add_category(&st, &info, &f.code, &f.label_zh, &f.label_en).await {
        Ok(_) => Ok(Redirect::to("/categories").into_response()),
        Err(AppError::Invalid(i)) => {
            let errors = Errors::from(&i, l);
            let page = categories_page(&st, l, &info, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Page(page)).into_response())
        }
        Err(AppError::Conflict(m)) => {
            let errors = Errors::one("code", &m, l);
            let page = categories_page(&st, l, &info, f, errors).await?;
            Ok((StatusCode::CONFLICT, Page(page)).into_response())
        }
        Err(e) => Err(e),
    }
}
