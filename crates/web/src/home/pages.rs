use super::Home;
use crate::auth::Authed;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Chrome, Page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    h: Home,
    role_hint: &'static str,
}

async fn home(
    State(st): State<AppState>,
    l: Lang,
    Authed(info): Authed,
) -> Result<Response, AppError> {
    let h = super::load(&st, &info).await?;
    use shegong_domain::role::Role::*;
    let role_hint = match info.user.role() {
        SocialWorker => l.t("您可以在这里管理本站服务对象、个案和走访记录(随后续模块开放)。", "Here you will manage your station's service users, cases and visits as modules open."),
        StationHead => l.t("您负责本站的人员、审批和月度报告;可在“用户管理”中为本站社工开设账号。", "You run the station: staff, approvals and monthly reports. Open accounts for your workers under Accounts."),
        Supervisor => l.t("您可以查看所督导社工站的个案并撰写督导记录。", "You read the cases of the stations you supervise and write supervision records."),
        OperatorAdmin => l.t("您管理承接的社工站的运营与人员。", "You run the operations and staff of the stations your organisation operates."),
        Purchaser => l.t("您可以查看辖区统计、验收与评估;个人信息默认脱敏。", "You see statistics, acceptance and assessment for your area; personal data is masked."),
        TownshipLiaison => l.t("您可以查看本乡镇(街道)社工站的报告与会议。", "You see your township station's reports and meetings."),
        SystemAdmin => l.t("您负责组织架构、账号、配置与备份;不查看服务对象的个人档案。", "You run the org tree, accounts, configuration and backups; you do not read personal files."),
        Volunteer => l.t("欢迎参加志愿服务!活动报名、时长与积分将在这里显示。", "Welcome! Activities, hours and points will show here."),
    };
    Ok(Page(HomePage {
        c: Chrome::for_user(l, &info, "/"),
        h,
        role_hint,
    })
    .into_response())
}
