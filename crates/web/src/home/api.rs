use super::Home;
use crate::auth::Authed;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(home))
}

/// The numbers of the caller's home page (in scope only).
#[utoipa::path(get, path = "/api/v1/home", tag = "home", responses((status = 200, body = Home), (status = 401, body = Problem)))]
async fn home(State(st): State<AppState>, Authed(info): Authed) -> ApiResult<Json<Home>> {
    Ok(Json(super::load(&st, &info).await?))
}
