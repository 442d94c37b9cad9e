//! `/communities` (villages in scope with whether a profile exists) and `/communities/{code}`
//! (the profile, its versions, and the edit form for writers). Plain forms; no JavaScript.

use crate::auth::{AuthInfo, Authed};
use crate::error::AppError;
use crate::extract::{P, Q, UiForm};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Errors, Page, Pager, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use shegong_domain::clock;
use shegong_domain::household::{CommunityFields, CommunityInput};
use shegong_store::query::Page as PageQ;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list))
        .route("/communities/{code}", get(detail).post(save))
}

pub struct Row {
    pub code: String,
    pub name: String,
    pub updated: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "communities_list.html")]
struct ListPage {
    c: Chrome,
    export_href: Option<String>,
    q: String,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
}

#[derive(Deserialize)]
struct ListQ {
    q: Option<String>,
    page: Option<i64>,
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    Q(p): Q<ListQ>,
) -> Result<Response, AppError> {
    let page = PageQ::new(p.page, Some(50));
    let q = p.q.clone().unwrap_or_default();
    let listing = super::list(&st, &info, p.q.clone(), page).await?;
    let href = |n: i64| format!("/communities?q={}&page={n}", url_encode(&q));
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/communities"),
        export_href: crate::exports::href(&info, "/communities/export.xlsx", &[("q", Some(&q))]),
        rows: listing
            .items
            .into_iter()
            .map(|e| Row {
                code: e.code,
                name: e.name,
                updated: e.updated_at.map(clock::display).unwrap_or_default(),
                version: e.version.unwrap_or(0),
            })
            .collect(),
        total: listing.total,
        pager: Pager::new(page, listing.total, None, href),
        q,
    })
    .into_response())
}

#[derive(Default, Deserialize)]
struct ProfileForm {
    #[serde(default)]
    population: String,
    #[serde(default)]
    history: String,
    #[serde(default)]
    culture: String,
    #[serde(default)]
    resources: String,
    #[serde(default)]
    organisations: String,
    #[serde(default)]
    sources: String,
    #[serde(default)]
    version: i64,
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub value: String,
    pub shown: String,
    pub error: Option<String>,
}

pub struct VersionView {
    pub version: i64,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "communities_detail.html")]
struct DetailPage {
    c: Chrome,
    code: String,
    name: String,
    exists: bool,
    version: i64,
    updated: String,
    fields: Vec<Field>,
    versions: Vec<VersionView>,
    may_write: bool,
    errors: Errors,
    saved: bool,
    /// An earlier version being looked at.
    viewing: Option<VersionView>,
}

async fn detail_page(
    st: &AppState,
    l: Lang,
    info: &Arc<AuthInfo>,
    code: &str,
    typed: Option<(ProfileForm, Errors)>,
    saved: bool,
    old: Option<i64>,
) -> Result<DetailPage, AppError> {
    let (typed, errors) = match typed {
        Some((f, e)) => (Some(f), e),
        None => (None, Errors::default()),
    };
    let d = super::get(st, info, code).await?;
    let p = d.profile.as_ref();
    let texts = |f: CommunityFields| {
        [
            f.population,
            f.history,
            f.culture,
            f.resources,
            f.organisations,
            f.sources,
        ]
    };
    let current = texts(p.map(|p| p.fields()).unwrap_or_default());
    let old = old.and_then(|n| d.versions.iter().find(|v| v.version == n));
    let shown = old
        .map(|v| texts(v.fields()))
        .unwrap_or_else(|| current.clone());
    let viewing = old.map(|v| VersionView {
        version: v.version,
        by: v.updated_by_name.clone(),
        at: clock::display(v.updated_at),
    });
    let values = match &typed {
        Some(t) => [
            t.population.clone(),
            t.history.clone(),
            t.culture.clone(),
            t.resources.clone(),
            t.organisations.clone(),
            t.sources.clone(),
        ],
        None => current,
    };
    let meta: [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ); 6] = [
        (
            "population",
            "人口结构",
            "Population structure",
            "户数、人口、年龄与性别构成、外出务工、留守老人和儿童等",
            "households, people, age and sex, migrant workers, people left behind",
        ),
        (
            "history",
            "历史变迁",
            "History",
            "建村(社区)沿革、区划调整、重大事件",
            "origins, boundary changes, major events",
        ),
        (
            "culture",
            "文化习俗",
            "Culture and customs",
            "民族、方言、节庆、婚丧习俗、宗族与信仰",
            "ethnic groups, dialect, festivals, customs, clans and beliefs",
        ),
        (
            "resources",
            "重点资源",
            "Key resources",
            "学校、卫生室、养老设施、活动场地、产业、能人",
            "schools, clinics, elderly-care places, meeting places, industries, capable people",
        ),
        (
            "organisations",
            "社区组织",
            "Organisations",
            "村(居)委会、老年协会、志愿队、社会组织",
            "village committee, elders' association, volunteer teams, social organisations",
        ),
        (
            "sources",
            "资料来源",
            "Sources",
            "文献、社区资料、媒体报道、走访访谈(9.3.1.1.1)",
            "documents, community records, media reports, visits and interviews (9.3.1.1.1)",
        ),
    ];
    let fields = meta
        .iter()
        .zip(values)
        .zip(shown)
        .map(|(((name, zh, en, hzh, hen), value), shown)| Field {
            name,
            label: l.t(zh, en),
            help: l.t(hzh, hen),
            error: errors.get(name),
            value,
            shown,
        })
        .collect();
    Ok(DetailPage {
        c: Chrome::for_user(l, info, &format!("/communities/{}", d.code)),
        exists: p.is_some(),
        version: typed
            .as_ref()
            .map(|t| t.version)
            .unwrap_or_else(|| p.map(|p| p.version).unwrap_or(0)),
        updated: p
            .map(|p| format!("{} {}", p.updated_by_name, clock::display(p.updated_at)))
            .unwrap_or_default(),
        versions: d
            .versions
            .iter()
            .map(|v| VersionView {
                version: v.version,
                by: v.updated_by_name.clone(),
                at: clock::display(v.updated_at),
            })
            .collect(),
        may_write: d.may_write,
        code: d.code,
        name: d.name,
        fields,
        errors,
        saved,
        viewing,
    })
}

#[derive(Deserialize)]
struct DoneQ {
    done: Option<String>,
    /// An earlier version to look at.
    version: Option<i64>,
}

async fn detail(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(code): P<String>,
    Q(q): Q<DoneQ>,
) -> Result<Response, AppError> {
    let saved = q.done.as_deref() == Some("saved");
    Ok(Page(detail_page(&st, l, &info, &code, None, saved, q.version).await?).into_response())
}

async fn save(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
    P(code): P<String>,
    UiForm(f): UiForm<ProfileForm>,
) -> Result<Response, AppError> {
    let input = CommunityInput {
        population: Some(f.population.clone()),
        history: Some(f.history.clone()),
        culture: Some(f.culture.clone()),
        resources: Some(f.resources.clone()),
        organisations: Some(f.organisations.clone()),
        sources: Some(f.sources.clone()),
    };
    let (status, errors) = match super::save(&st, &info, &code, input, Some(f.version)).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/communities/{}?done=saved", url_encode(&code)))
                    .into_response(),
            );
        }
        Err(AppError::Invalid(i)) => (StatusCode::UNPROCESSABLE_ENTITY, Errors::from(&i, l)),
        Err(AppError::Conflict(m)) => (StatusCode::CONFLICT, Errors::one("sources", &m, l)),
        Err(e) => return Err(e),
    };
    let page = detail_page(&st, l, &info, &code, Some((f, errors)), false, None).await?;
    Ok((status, Page(page)).into_response())
}
