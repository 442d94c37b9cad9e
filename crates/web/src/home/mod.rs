//! The home page of each role: real counts from the database, in the user's scope only.

pub mod api;
pub mod pages;

use crate::auth::AuthInfo;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use shegong_domain::Msg;
use shegong_domain::org::OrgLevel;
use shegong_domain::policy::{Action, role_may};
use shegong_domain::role::Role;
use shegong_store::org::{self, OrgUnit};
use shegong_store::{audit, users};
use utoipa::ToSchema;

/// One number on the home page, with where to look at what it counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Card {
    /// Stable key, e.g. `stations`, `users.social_worker`.
    pub key: String,
    #[serde(skip)]
    pub label: Msg,
    /// Label in Chinese.
    pub label_zh: String,
    pub value: i64,
    pub href: Option<String>,
}

fn card(key: impl Into<String>, label: Msg, value: i64, href: Option<String>) -> Card {
    Card {
        key: key.into(),
        label_zh: label.zh.to_string(),
        label,
        value,
        href,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Home {
    /// The node the user's role is held at.
    pub org_code: String,
    pub org_name: String,
    pub cards: Vec<Card>,
    /// Stations the user works across (operators, supervisors): code and name.
    pub stations: Vec<StationRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationRef {
    pub code: String,
    pub name: String,
}

pub async fn load(st: &AppState, info: &AuthInfo) -> Result<Home, AppError> {
    let role = info.user.role();
    let scope = info.principal.scope.clone();
    let org_code = info.user.org_code.clone();
    let now = shegong_domain::clock::now();
    let viewer = crate::persons::viewer(info);
    st.read(move |c| {
        let unit: Option<OrgUnit> = org::get_unscoped(c, &org_code)?;
        let mut cards = Vec::new();
        if role_may(role, Action::ViewOrg) && !scope.is_empty() {
            let levels = org::count_by_level(c, &scope)?;
            for (level, n) in levels {
                let (key, label) = match level {
                    OrgLevel::County => ("counties", Msg::new("县(市、区)", "counties")),
                    OrgLevel::Township => ("stations", Msg::new("乡镇(街道)社工站", "stations")),
                    OrgLevel::Village => {
                        ("villages", Msg::new("村(社区)", "villages / communities"))
                    }
                    _ => continue,
                };
                cards.push(card(key, label, n, Some("/org".into())));
            }
        }
        if role_may(role, Action::ViewUsers) {
            for (r, n) in users::count_by_role(c, &scope)? {
                let l = r.label();
                cards.push(card(
                    format!("users.{}", r.id()),
                    Msg::owned(format!("{}账号", l.zh), format!("{} accounts", l.en)),
                    n,
                    Some(format!("/users?role={}", r.id())),
                ));
            }
        }
        if role_may(role, Action::ManageUsers) {
            let locked = users::count_locked(c, &scope, now)?;
            cards.push(card(
                "users.locked",
                Msg::new("已锁定账号", "locked accounts"),
                locked,
                Some("/users?locked=1".into()),
            ));
        }
        if role_may(role, Action::ReadRecord) {
            let n = shegong_store::persons::count(c, &viewer)?;
            cards.push(card(
                "persons",
                Msg::new("服务对象", "people served"),
                n,
                Some("/persons".into()),
            ));
        }
        if role_may(role, Action::WriteRecord) {
            let n = shegong_store::transfers::count_to_decide(c, &scope)?;
            cards.push(card(
                "transfers.to_decide",
                Msg::new("待处理转移申请", "transfers waiting for you"),
                n,
                Some("/transfers".into()),
            ));
        }
        if role_may(role, Action::ViewAudit) {
            let f = audit::Filter {
                from: Some(now - 86_400),
                include_unscoped: role == Role::SystemAdmin,
                ..Default::default()
            };
            let day = audit::list(
                c,
                &scope,
                &f,
                shegong_store::query::Page::new(Some(1), Some(1)),
            )?
            .total;
            cards.push(card(
                "audit.24h",
                Msg::new("近 24 小时审计事件", "audit events, last 24 h"),
                day,
                Some("/audit".into()),
            ));
            let failed = audit::list(
                c,
                &scope,
                &audit::Filter {
                    outcome: Some("failed".into()),
                    ..f
                },
                shegong_store::query::Page::new(Some(1), Some(1)),
            )?
            .total;
            cards.push(card(
                "audit.failed_24h",
                Msg::new("近 24 小时失败登录", "failed logins, last 24 h"),
                failed,
                Some("/audit?outcome=failed".into()),
            ));
        }
        let stations = if unit
            .as_ref()
            .is_some_and(|u| u.level() == OrgLevel::Operator)
        {
            org::stations_of(c, &org_code)?
                .into_iter()
                .map(|u| StationRef {
                    code: u.code,
                    name: u.name,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Home {
            org_name: unit.map(|u| u.name).unwrap_or_default(),
            org_code,
            cards,
            stations,
        })
    })
    .await
}
