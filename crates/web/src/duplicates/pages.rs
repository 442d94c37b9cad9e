//! `/persons/duplicates`: likely duplicates side by side, with merge and "not the same person".

use crate::auth::Authed;
use crate::error::AppError;
use crate::extract::UiForm;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shegong_store::persons::PersonRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/persons/duplicates", get(list))
        .route("/persons/duplicates/merge", post(merge))
        .route("/persons/duplicates/dismiss", post(dismiss))
}

pub struct PairView {
    pub a: PersonRow,
    pub b: PersonRow,
    /// The villages (communities) of `a` and `b` by name.
    pub places: (String, String),
    pub reason: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct ListPage {
    c: Chrome,
    pairs: Vec<PairView>,
    max: usize,
    export_href: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let found = super::likely(&st, &info).await?;
    let codes: Vec<String> = found
        .iter()
        .flat_map(|p| [p.a.org_code.clone(), p.b.org_code.clone()])
        .collect();
    let names = st
        .read(move |c| shegong_store::org::names(c, &codes))
        .await?;
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let pairs = found
        .into_iter()
        .map(|p| PairView {
            reason: l.m(&p.likeness.label()).to_string(),
            places: (name(&p.a.org_code), name(&p.b.org_code)),
            a: p.a,
            b: p.b,
        })
        .collect();
    Ok(Page(ListPage {
        c: Chrome::for_user(l, &info, "/persons/duplicates"),
        pairs,
        max: shegong_store::duplicates::MAX_PAIRS,
        export_href: crate::exports::href(&info, "/persons/duplicates/export.xlsx", &[]),
    })
    .into_response())
}

#[derive(Deserialize)]
struct MergeForm {
    keep: i64,
    merge: i64,
}

async fn merge(
    State(st): State<AppState>,
    Authed(info): Authed,
    UiForm(f): UiForm<MergeForm>,
) -> Result<Response, AppError> {
    super::merge(&st, &info, f.keep, f.merge).await?;
    Ok(Redirect::to(&format!("/persons/{}", f.keep)).into_response())
}

#[derive(Deserialize)]
struct DismissForm {
    a: i64,
    b: i64,
}

async fn dismiss(
    State(st): State<AppState>,
    Authed(info): Authed,
    UiForm(f): UiForm<DismissForm>,
) -> Result<Response, AppError> {
    super::dismiss(&st, &info, f.a, f.b).await?;
    Ok(Redirect::to("/persons/duplicates").into_response())
}
