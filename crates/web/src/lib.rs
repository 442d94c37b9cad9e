//! Routes, templates, sessions, CSRF and access checks of the shegong server (design.md layer
//! `web`). Each feature has one module holding its shared logic, its pages and its API.

pub mod account;
pub mod archive;
pub mod assessments;
pub mod attachments;
pub mod audit_log;
pub mod auth;
pub mod care;
pub mod cases;
pub mod communities;
pub mod config;
pub mod duplicates;
pub mod error;
pub mod exports;
pub mod extract;
pub mod home;
pub mod households;
pub mod i18n;
pub mod imports;
pub mod metrics;
pub mod ops;
pub mod org;
pub mod persons;
pub mod protection;
pub mod quality;
pub mod session;
pub mod state;
pub mod supervision;
pub mod transfers;
pub mod ui;
pub mod users;
pub mod work;

pub use config::WebConfig;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "shegong API", description = "乡镇(街道)社工站信息系统接口 — the JSON API of a township social work station system (DB43/T 2783—2023, 7.6). Errors are application/problem+json with a Chinese `detail`. Unsafe requests with a session cookie need the `X-CSRF-Token` header; integrations may use `Authorization: Bearer <token>` instead."),
    tags(
        (name = "auth", description = "登录、两步验证、API 令牌"),
        (name = "home", description = "首页统计"),
        (name = "org", description = "组织架构:行政区划、乡镇(街道)社工站、承接方"),
        (name = "users", description = "用户管理:管理范围内的账号、重置密码、解锁、两步验证"),
        (name = "cases", description = "个案工作:接案、需求评估(10.1)、服务计划(10.2)、服务记录(10.3)、评价(10.5)、结案与跟进(10.4)、站长审批、工作清单"),
        (name = "care", description = "老年人档案与定期走访(8.2.1.1)、儿童监护档案与监护缺失预警(8.3.1)"),
        (name = "assessments", description = "标准化评估:系统计分定级、按量表版本保存、到期复评(8.1.1.3、8.2.3.1、8.2.6.1、8.3.4.2、8.2.5.1)"),
        (name = "persons", description = "服务对象档案(7.6.4):登记、查询、修改、查看完整证件号(留痕)"),
        (name = "households", description = "家庭档案:成员与户主关系、入户调查(8.1.1.1)、救助复核及到期清单(8.1.1.2)"),
        (name = "communities", description = "村(社区)概况(9.3.1.1):人口结构、历史变迁、文化习俗、资源与组织,版本留存"),
        (name = "imports", description = "Excel 导入花名册(7.6.4):上传、列对应、试导入、提交"),
        (name = "supervision", description = "督导记录(7.4 b):督导针对个案或社工的记录、社工回应、跟进事项"),
        (name = "quality", description = "服务质量检查(7.5.2.2、10.5):带种子的随机抽样、检查表评分、满意度、整改措施跟踪"),
        (name = "audit", description = "审计日志(哈希链,只读;《网络安全法》第二十一条:至少保存六个月)")
    )
)]
struct ApiDoc;

/// The API routes and their OpenAPI document, generated from the handlers.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::api::router())
        .merge(home::api::router())
        .merge(org::api::router())
        .merge(users::api::router())
        .merge(persons::api::router())
        .merge(duplicates::api::router())
        .merge(transfers::api::router())
        .merge(care::api::router())
        .merge(assessments::api::router())
        .merge(cases::api::router())
        .merge(protection::api::router())
        .merge(work::api::router())
        .merge(attachments::api::router())
        .merge(cases::archive::api())
        .merge(households::api::router())
        .merge(communities::api::router())
        .merge(imports::api::router())
        .merge(exports::api())
        .merge(supervision::api::router())
        .merge(quality::api::router())
        .merge(audit_log::api::router())
        .split_for_parts()
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(doc);
    let pages = Router::new()
        .merge(session::pages::router())
        .merge(home::pages::router())
        .merge(org::pages::router())
        .merge(users::pages::router())
        .merge(audit_log::pages::router())
        .merge(account::pages::router())
        .merge(care::pages::router())
        .merge(assessments::pages::router())
        .merge(cases::pages::router())
        .merge(attachments::pages::router())
        .merge(archive::router())
        .merge(cases::archive::router())
        .merge(persons::pages::router())
        .merge(duplicates::pages::router())
        .merge(transfers::pages::router())
        .merge(households::pages::router())
        .merge(communities::pages::router())
        .merge(imports::pages::router())
        .merge(protection::pages::router())
        .merge(work::pages::router())
        .merge(supervision::pages::router())
        .merge(quality::pages::router())
        .merge(exports::pages());
    Router::new()
        .merge(pages)
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || std::future::ready(axum::Json(doc.as_ref().clone()))),
        )
        .merge(ops::router())
        .fallback(|| async { error::AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(state.cfg.body_limit))
        .layer(from_fn(ops::finish_errors))
        .layer(from_fn_with_state(state.clone(), ops::record_metrics))
        .layer(from_fn(ops::security_headers))
        .layer(CatchPanicLayer::custom(ops::panic_response))
        .with_state(state)
}
