//! User administration (issue 2 points 4, 5, 7): who may create and change which accounts, list
//! scope, validation, self-protection, password reset, unlock, deactivation, 2FA reset, audit, and
//! the HTML pages.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::org::OrgCode;
use shegong_domain::scope::Scope;
use shegong_store::audit::{self, Entry};
use shegong_store::query::Page;

async fn create(api: &Api, username: &str, role: &str, org: &str) -> Response {
    api.post(
        "/api/v1/users",
        json!({"username": username, "role": role, "org_code": org}),
    )
    .await
}

/// Audit entries of one action anywhere (the province and the operator).
fn audit_entries(app: &TestApp, action: &str) -> Vec<Entry> {
    let scope = Scope::new(vec![
        OrgCode::parse("43").unwrap(),
        OrgCode::parse(OPERATOR).unwrap(),
    ]);
    // The store's prefix filter drops `_`, so ask for the family and pick the exact action.
    let family = action.split('.').next().unwrap().to_string();
    let f = audit::Filter {
        action_prefix: Some(family),
        include_unscoped: true,
        ..Default::default()
    };
    let all = app
        .t
        .db
        .read(move |c| audit::list(c, &scope, &f, Page::new(Some(1), Some(200))))
        .unwrap()
        .items;
    all.into_iter().filter(|e| e.action == action).collect()
}

fn user_count(app: &TestApp) -> i64 {
    let scope = Scope::new(vec![
        OrgCode::parse("43").unwrap(),
        OrgCode::parse(OPERATOR).unwrap(),
    ]);
    app.t
        .db
        .read(move |c| {
            shegong_store::users::list(c, &scope, &Default::default(), Page::default(), 0)
        })
        .unwrap()
        .total
}

async fn login_as(app: &TestApp, username: &str, password: &str) -> Response {
    client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The place each role is created at in the matrix, and who may do it.
const TARGETS: [(&str, &str); 10] = [
    ("social_worker", "430202001"),
    ("volunteer", "430202001"),
    ("station_head", "430202001"),
    ("supervisor", OPERATOR),
    ("operator_admin", OPERATOR),
    ("purchaser", "430202"),
    ("system_admin", "43"),
    ("township_liaison", "430202001"),
    // The operator's other station, not the head's.
    ("social_worker", "430202002"),
    // 芦淞区: outside every 荷塘区 scope.
    ("social_worker", "430203001"),
];

/// Expected status per actor, in the order of `TARGETS`. 404: the place is out of the actor's
/// scope; 403: in scope, but the actor may not give that role (or manages no one).
const MATRIX: [(&str, [u16; 10]); 8] = [
    // The province's system admin: every node, operators registered in the province included.
    ("admin", [201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    (
        "operator",
        [201, 201, 201, 201, 403, 404, 404, 403, 201, 404],
    ),
    ("head", [201, 201, 403, 404, 404, 404, 404, 403, 404, 404]),
    ("worker", [403, 403, 403, 404, 404, 404, 404, 403, 404, 404]),
    (
        "purchaser",
        [403, 403, 403, 403, 403, 403, 404, 403, 403, 404],
    ),
    (
        "supervisor",
        [403, 403, 403, 403, 403, 404, 404, 403, 403, 404],
    ),
    (
        "liaison",
        [403, 403, 403, 404, 404, 404, 404, 403, 404, 404],
    ),
    // Volunteers reach no one.
    (
        "volunteer",
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
];

http_test!(async fn account_creation_follows_the_role_and_scope_matrix(app) {
    let mut created = 0;
    for (actor, expected) in MATRIX {
        let api = app.api(actor).await;
        for (i, ((role, org), want)) in TARGETS.iter().zip(expected).enumerate() {
            let username = format!("m_{actor}_{i}");
            let r = create(&api, &username, role, org).await;
            if want == 201 {
                assert_eq!(r.status(), 201, "{actor} creating {role} at {org}");
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["user"]["username"], username.as_str());
                assert_eq!(v["user"]["role"], *role);
                assert_eq!(v["user"]["org_code"], *org);
                assert_eq!(v["user"]["must_change_password"], true);
                assert!(v["initial_password"].as_str().unwrap().len() >= 12);
                created += 1;
            } else {
                let body = problem(r, want).await;
                assert!(body["detail"].is_string(), "{actor} creating {role} at {org}: {body}");
            }
        }
    }
    // Refusals wrote nothing; each creation one account and one audit entry.
    assert_eq!(user_count(&app), ACCOUNTS.len() as i64 + created);
    assert_eq!(audit_entries(&app, "user.create").len(), ACCOUNTS.len() + created as usize);
    // A station head outside 荷塘区 manages its own station only.
    let lusong = app.api("lusong_head").await;
    assert_eq!(create(&lusong, "lusong_worker", "social_worker", "430203001").await.status(), 201);
    problem(create(&lusong, "lusong_x", "social_worker", "430202001").await, 404).await;
});

http_test!(async fn the_created_account_logs_in_with_its_initial_password_and_must_change_it(app) {
    let head = app.api("head").await;
    let r = head.post("/api/v1/users", json!({"username": "New.Worker", "display_name": "欧阳𠮷祥", "role": "social_worker", "org_code": "430202001"})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["user"]["username"], "new.worker", "usernames are folded to lower case");
    assert_eq!(v["user"]["display_name"], "欧阳𠮷祥");
    let pw = v["initial_password"].as_str().unwrap();
    let me: Value = login_as(&app, "new.worker", pw).await.json().await.unwrap();
    assert_eq!(me["next_step"], "change_password");
    let entry = &audit_entries(&app, "user.create")[0];
    assert_eq!(entry.org_code.as_deref(), Some("430202001"));
    assert_eq!(entry.actor, "head");
    assert!(!entry.detail.contains("欧阳"), "no names in audit details: {}", entry.detail);
});

http_test!(async fn lists_hold_only_accounts_in_scope(app) {
    let total = |v: &Value| v["total"].as_i64().unwrap();
    let codes = |v: &Value| v["items"].as_array().unwrap().iter().map(|u| u["org_code"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    let head = app.api("head").await;
    let v: Value = head.get("/api/v1/users").await.json().await.unwrap();
    assert_eq!(total(&v), 4, "head, worker, volunteer, liaison: {v}");
    assert!(codes(&v).iter().all(|c| c == "430202001"));
    let v: Value = head.get("/api/v1/users?role=social_worker").await.json().await.unwrap();
    assert_eq!(total(&v), 1);
    // Asking for another station gives nothing, not even a count.
    let v: Value = head.get("/api/v1/users?org_code=430202002").await.json().await.unwrap();
    assert_eq!((total(&v), v["items"].as_array().unwrap().len()), (0, 0));

    let lusong = app.api("lusong_head").await;
    let v: Value = lusong.get("/api/v1/users?per_page=200").await.json().await.unwrap();
    assert_eq!(total(&v), 1);
    assert!(codes(&v).iter().all(|c| c.starts_with("430203")), "none of 荷塘区: {v}");
    let v: Value = lusong.get("/api/v1/users?q=worker").await.json().await.unwrap();
    assert_eq!(total(&v), 0);

    let purchaser = app.api("purchaser").await;
    let v: Value = purchaser.get("/api/v1/users").await.json().await.unwrap();
    assert_eq!(total(&v), 8, "荷塘区 accounts, with the operator registered there: {v}");
    let v: Value = purchaser.get("/api/v1/users?q=work").await.json().await.unwrap();
    assert_eq!(total(&v), 2);
    let v: Value = purchaser.get("/api/v1/users?org_code=430202002").await.json().await.unwrap();
    assert_eq!(codes(&v), ["430202002"]);
    let v: Value = purchaser.get("/api/v1/users?per_page=4&page=2").await.json().await.unwrap();
    assert_eq!((total(&v), v["items"].as_array().unwrap().len()), (8, 4));

    let operator = app.api("operator").await;
    let v: Value = operator.get("/api/v1/users").await.json().await.unwrap();
    assert_eq!(total(&v), 7, "its stations and its own staff: {v}");
    let admin = app.api("admin").await;
    let v: Value = admin.get("/api/v1/users").await.json().await.unwrap();
    assert_eq!(total(&v), 10, "the whole province, operators included");

    // Roles that may not see accounts, and bad filters.
    for who in ["supervisor", "liaison", "volunteer"] {
        problem(app.api(who).await.get("/api/v1/users").await, 403).await;
    }
    let v = problem(head.get("/api/v1/users?role=root&org_code=x&locked=maybe").await, 422).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);
    problem(head.get("/api/v1/users?colour=red").await, 400).await;

    // Single accounts: in scope, out of scope, not allowed to see.
    let worker = app.user_id("worker");
    let worker2 = app.user_id("worker2");
    let v: Value = head.get(&format!("/api/v1/users/{worker}")).await.json().await.unwrap();
    assert_eq!(v["username"], "worker");
    problem(head.get(&format!("/api/v1/users/{worker2}")).await, 404).await;
    problem(lusong.get(&format!("/api/v1/users/{worker}")).await, 404).await;
    problem(app.api("supervisor").await.get(&format!("/api/v1/users/{worker}")).await, 403).await;
    problem(head.get("/api/v1/users/999999").await, 404).await;
    problem(head.get("/api/v1/users/abc").await, 404).await;
});

http_test!(async fn duplicate_usernames_are_a_conflict(app) {
    let admin = app.api("admin").await;
    let v = problem(create(&admin, "worker", "social_worker", "430202002").await, 409).await;
    assert!(v["detail"].as_str().unwrap().contains("用户名"));
    problem(create(&admin, " WORKER ", "social_worker", "430202002").await, 409).await;
    assert_eq!(user_count(&app), ACCOUNTS.len() as i64);
    assert_eq!(audit_entries(&app, "user.create").len(), ACCOUNTS.len());
});

http_test!(async fn invalid_accounts_report_every_field_and_write_nothing(app) {
    let admin = app.api("admin").await;
    let fields = |v: &Value| v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let chinese = |v: &Value| v["errors"].as_array().unwrap().iter().all(|e| e["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));

    let bad = json!({"username": "坏 名字", "display_name": "张三😀", "role": "root", "org_code": "430299001"});
    let v = problem(admin.post("/api/v1/users", bad).await, 422).await;
    assert_eq!(fields(&v), ["username", "display_name", "role", "org_code"], "{v}");
    assert!(chinese(&v), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("没有这个组织代码"));

    // A role where it cannot be held: a social worker at a county, a purchaser at a station.
    let v = problem(create(&admin, "at_county", "social_worker", "430202").await, 422).await;
    assert_eq!(fields(&v), ["org_code"]);
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("不能设在"));
    let v = problem(create(&admin, "at_station", "purchaser", "430202001").await, 422).await;
    assert_eq!(fields(&v), ["org_code"]);
    // Malformed codes and markup in the name.
    let v = problem(create(&admin, "bad_code", "social_worker", "43O2O2").await, 422).await;
    assert_eq!(fields(&v), ["org_code"]);
    let script = json!({"username": "xss", "display_name": "<script>alert(1)</script>", "role": "social_worker", "org_code": "430202001"});
    let v = problem(admin.post("/api/v1/users", script).await, 422).await;
    assert_eq!(fields(&v), ["display_name"]);
    // Missing fields are named, unknown fields and wrong types refused.
    let v = problem(admin.post("/api/v1/users", json!({})).await, 422).await;
    assert_eq!(fields(&v), ["username", "role", "org_code"]);
    problem(admin.post("/api/v1/users", json!({"username": "x1y", "role": "social_worker", "org_code": "430202001", "password": "Mine#2026"})).await, 400).await;
    problem(admin.post("/api/v1/users", json!({"username": 7, "role": "social_worker", "org_code": "430202001"})).await, 400).await;
    // A head cannot learn about org codes outside its station from validation messages.
    let head = app.api("head").await;
    problem(create(&head, "probe", "social_worker", "430299001").await, 404).await;

    assert_eq!(user_count(&app), ACCOUNTS.len() as i64);
    assert_eq!(audit_entries(&app, "user.create").len(), ACCOUNTS.len());
});

http_test!(async fn changes_follow_the_policy_and_nobody_demotes_themselves(app) {
    let admin = app.api("admin").await;
    let me = app.user_id("admin");
    for patch in [json!({"role": "purchaser", "org_code": "430202"}), json!({"org_code": "4302"}), json!({"active": false})] {
        let v = problem(admin.patch(&format!("/api/v1/users/{me}"), patch).await, 403).await;
        assert!(v["detail"].as_str().unwrap().contains("自己"), "{v}");
    }
    // Unchanged values and one's own name are fine.
    let v: Value = admin.patch(&format!("/api/v1/users/{me}"), json!({"display_name": "系统管理员", "role": "system_admin", "active": true})).await.json().await.unwrap();
    assert_eq!((v["display_name"].as_str(), v["role"].as_str()), (Some("系统管理员"), Some("system_admin")));

    let head = app.api("head").await;
    let head_id = app.user_id("head");
    problem(head.patch(&format!("/api/v1/users/{head_id}"), json!({"role": "social_worker"})).await, 403).await;
    problem(head.post(&format!("/api/v1/users/{head_id}/password-reset"), json!({})).await, 403).await;
    let worker = app.user_id("worker");
    // A head cannot promote, cannot move a worker away, cannot touch other stations.
    problem(head.patch(&format!("/api/v1/users/{worker}"), json!({"role": "station_head"})).await, 403).await;
    problem(head.patch(&format!("/api/v1/users/{worker}"), json!({"org_code": "430202002"})).await, 404).await;
    problem(head.patch(&format!("/api/v1/users/{}", app.user_id("worker2")), json!({"display_name": "x"})).await, 404).await;
    problem(head.patch(&format!("/api/v1/users/{}", app.user_id("liaison")), json!({"display_name": "x"})).await, 403).await;
    let v = problem(head.patch(&format!("/api/v1/users/{worker}"), json!({"display_name": "李<b>四</b>"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "display_name");
    problem(head.patch(&format!("/api/v1/users/{worker}"), json!({"nickname": "x"})).await, 400).await;
    let v: Value = head.patch(&format!("/api/v1/users/{worker}"), json!({"display_name": "李四", "role": "volunteer"})).await.json().await.unwrap();
    assert_eq!((v["display_name"].as_str(), v["role"].as_str()), (Some("李四"), Some("volunteer")));

    // The operator moves a head to another of its stations and makes them a worker there.
    let operator = app.api("operator").await;
    let v: Value = operator.patch(&format!("/api/v1/users/{head_id}"), json!({"role": "social_worker", "org_code": "430202003"})).await.json().await.unwrap();
    assert_eq!((v["role"].as_str(), v["org_code"].as_str()), (Some("social_worker"), Some("430202003")));
    // …which ended the head's sessions: the new role starts with a new login.
    problem(head.get("/api/v1/auth/me").await, 401).await;
    // But not to a station it does not run, nor to a role it cannot give.
    problem(operator.patch(&format!("/api/v1/users/{worker}"), json!({"org_code": "430203001"})).await, 404).await;
    problem(operator.patch(&format!("/api/v1/users/{worker}"), json!({"role": "township_liaison"})).await, 403).await;

    let updates = audit_entries(&app, "user.update");
    assert_eq!(updates.len(), 3, "the admin's own name, the worker, the head");
    let moved = updates.iter().find(|e| e.target_id == head_id.to_string()).unwrap();
    assert_eq!(moved.org_code.as_deref(), Some("430202003"));
    let d: Value = serde_json::from_str(&moved.detail).unwrap();
    assert_eq!(d["fields"], json!(["role", "org_code"]));
    assert_eq!(d["org_code"]["from"], "430202001");
    let renamed = updates.iter().find(|e| e.target_id == worker.to_string()).unwrap();
    assert!(renamed.detail.contains("display_name") && !renamed.detail.contains("李四"), "{}", renamed.detail);
    // Every entry written by these changes joins the chain under the server's key.
    let keys = app.state.keys.clone();
    let finding = app.t.db.read(move |c| audit::verify(c, &keys)).unwrap();
    assert!(matches!(finding, audit::Finding::Intact { .. }), "{finding}");
});

http_test!(async fn a_reset_password_works_once_and_must_be_changed(app) {
    let worker_session = app.api("worker").await;
    let head = app.api("head").await;
    let worker = app.user_id("worker");
    let r = head.post(&format!("/api/v1/users/{worker}/password-reset"), json!({})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let pw = v["initial_password"].as_str().unwrap().to_string();
    problem(worker_session.get("/api/v1/auth/me").await, 401).await;
    problem(login_as(&app, "worker", PASSWORD).await, 401).await;
    let r = login_as(&app, "worker", &pw).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["next_step"], "change_password");
    assert_eq!(v["user"]["must_change_password"], true);
    let e = audit_entries(&app, "user.password_reset");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].target_id.as_str(), e[0].org_code.as_deref()), (worker.to_string().as_str(), Some("430202001")));
    assert!(!e[0].detail.contains(&pw));
    // Out of scope, not allowed.
    problem(head.post(&format!("/api/v1/users/{}/password-reset", app.user_id("worker2")), json!({})).await, 404).await;
    problem(app.api("worker2").await.post(&format!("/api/v1/users/{}/password-reset", app.user_id("head")), json!({})).await, 404).await;
    problem(app.api("purchaser").await.post(&format!("/api/v1/users/{worker}/password-reset"), json!({})).await, 403).await;
});

http_test!(async fn unlock_lets_a_locked_account_log_in_again(app) {
    for _ in 0..4 {
        problem(login_as(&app, "worker", "Wrong#2026").await, 401).await;
    }
    problem(login_as(&app, "worker", "Wrong#2026").await, 429).await;
    problem(login_as(&app, "worker", PASSWORD).await, 429).await;
    let head = app.api("head").await;
    let v: Value = head.get("/api/v1/users?locked=1").await.json().await.unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["locked"], true);
    let worker = app.user_id("worker");
    problem(app.api("lusong_head").await.post(&format!("/api/v1/users/{worker}/unlock"), json!({})).await, 404).await;
    problem(app.api("worker2").await.post(&format!("/api/v1/users/{worker}/unlock"), json!({})).await, 404).await;
    let v: Value = head.post(&format!("/api/v1/users/{worker}/unlock"), json!({})).await.json().await.unwrap();
    assert_eq!(v["locked"], false);
    assert_eq!(login_as(&app, "worker", PASSWORD).await.status(), 200);
    let e = audit_entries(&app, "user.unlock");
    assert_eq!(e.len(), 1);
    assert!(e[0].detail.contains("\"was_locked\":true"), "{}", e[0].detail);
});

http_test!(async fn deactivated_accounts_cannot_log_in_and_their_sessions_end(app) {
    let worker_session = app.api("worker").await;
    let t: Value = worker_session.post("/api/v1/auth/tokens", json!({"name": "对接"})).await.json().await.unwrap();
    let token = t["token"].as_str().unwrap().to_string();
    let head = app.api("head").await;
    let worker = app.user_id("worker");
    let v: Value = head.patch(&format!("/api/v1/users/{worker}"), json!({"active": false})).await.json().await.unwrap();
    assert_eq!(v["active"], false);
    problem(worker_session.get("/api/v1/auth/me").await, 401).await;
    problem(client().get(app.url("/api/v1/auth/me")).bearer_auth(&token).send().await.unwrap(), 401).await;
    problem(login_as(&app, "worker", PASSWORD).await, 401).await;
    let sessions: Vec<i64> = {
        let e = audit_entries(&app, "user.update");
        e.iter().map(|e| serde_json::from_str::<Value>(&e.detail).unwrap()["sessions_ended"].as_i64().unwrap()).collect()
    };
    assert_eq!(sessions, [1]);
    // Reactivated, the account logs in again.
    head.patch(&format!("/api/v1/users/{worker}"), json!({"active": true})).await;
    assert_eq!(login_as(&app, "worker", PASSWORD).await.status(), 200);
    assert_eq!(audit_entries(&app, "user.update").len(), 2);
});

http_test!(async fn a_two_factor_reset_makes_the_user_set_it_up_again(app) {
    app.t.exec("UPDATE users SET totp_enabled = TRUE, two_factor_exempt = FALSE WHERE username = 'purchaser'");
    let v: Value = login_as(&app, "purchaser", PASSWORD).await.json().await.unwrap();
    assert_eq!(v["next_step"], "two_factor");
    let purchaser = app.user_id("purchaser");
    // The purchaser's own county sees accounts but resets nothing; the admin does.
    problem(app.api("head").await.post(&format!("/api/v1/users/{purchaser}/two-factor-reset"), json!({})).await, 404).await;
    let admin = app.api("admin").await;
    let v: Value = admin.post(&format!("/api/v1/users/{purchaser}/two-factor-reset"), json!({})).await.json().await.unwrap();
    assert_eq!(v["two_factor_enabled"], false);
    let v: Value = login_as(&app, "purchaser", PASSWORD).await.json().await.unwrap();
    assert_eq!(v["next_step"], "set_up_two_factor");
    let e = audit_entries(&app, "user.two_factor_reset");
    assert_eq!((e.len(), e[0].org_code.as_deref()), (1, Some("430202")));
    let admin_id = app.user_id("admin");
    problem(admin.post(&format!("/api/v1/users/{admin_id}/two-factor-reset"), json!({})).await, 403).await;
});

http_test!(async fn the_users_api_is_documented(app) {
    let doc: Value = client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/api/v1/users", "/api/v1/users/{id}", "/api/v1/users/{id}/password-reset", "/api/v1/users/{id}/unlock", "/api/v1/users/{id}/two-factor-reset"] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    assert!(paths["/api/v1/users"]["post"].is_object() && paths["/api/v1/users/{id}"]["patch"].is_object());
    assert!(doc["tags"].as_array().unwrap().iter().any(|t| t["name"] == "users"));
});

// ---------------------------------------------------------------- HTML pages

fn initial_password(html: &str) -> String {
    let start = html
        .find("id=\"initial-password\">")
        .expect("password shown")
        + "id=\"initial-password\">".len();
    html[start..].split('<').next().unwrap().to_string()
}

http_test!(async fn the_list_page_filters_in_scope_with_and_without_htmx(app) {
    let head = app.api("head").await;
    let r = head.get("/users").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html") && html.contains("用户管理"));
    assert!(html.contains(">worker<") && html.contains(">liaison<"));
    assert!(!html.contains(">worker2<") && !html.contains(">admin<"), "out of scope");
    assert!(html.contains("href=\"/users/new\""));
    // The home page's links.
    let html = head.get("/users?role=social_worker").await.text().await.unwrap();
    assert!(html.contains(">worker<") && !html.contains(">liaison<"));
    assert!(html.contains("data-total=\"1\""));
    let html = head.get("/users?locked=1").await.text().await.unwrap();
    assert!(html.contains("data-total=\"0\""));
    // htmx asks for the results only.
    let r = head.c.get(head.url("/users?q=liai")).header("HX-Request", "true").header("HX-Target", "results").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let frag = r.text().await.unwrap();
    assert!(!frag.contains("<html") && frag.contains(">liaison<") && !frag.contains(">worker<"));
    // A bad filter says so on the page.
    let r = head.get("/users?role=root").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("未知的角色"));
    // Paging keeps the filters.
    let html = app.api("admin").await.get("/users?org_code=430202&per_page=2").await.text().await.unwrap();
    let html = html.replace("&amp;", "&").replace("&#38;", "&");
    assert!(html.contains("data-total=\"8\"") && html.contains("1 / 4"), "four pages: 荷塘区 and its operator");
    assert!(html.contains("href=\"/users?org_code=430202&per_page=2&page=2\""), "pager links keep the filters");
    // Roles without the right to see accounts get the error page.
    let r = app.api("volunteer").await.get("/users").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("没有权限"));
});

http_test!(async fn the_create_form_shows_inline_errors_and_then_the_password_once(app) {
    let head = app.api("head").await;
    let html = head.get("/users/new").await.text().await.unwrap();
    assert!(html.contains("name=\"_csrf\""));
    assert!(html.contains("value=\"social_worker\"") && html.contains("value=\"volunteer\""));
    assert!(!html.contains("value=\"station_head\""), "only roles the head may give");
    assert!(html.contains("value=\"430202001\""), "the head's station is filled in");

    let r = form(&head, "/users/new", &[("username", "坏"), ("display_name", "<script>x</script>"), ("role", "social_worker"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<form") && html.contains("field-error"));
    assert!(html.contains("用户名为 3 至 32 位") && html.contains("不能包含字符"), "both messages");
    assert!(html.contains("value=\"&#60;script&#62;x&#60;/script&#62;\"") || html.contains("value=\"&lt;script&gt;x&lt;/script&gt;\""), "value kept, escaped");
    assert!(!html.contains("<script>x</script>"));
    let r = form(&head, "/users/new", &[("username", "worker"), ("role", "social_worker"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("用户名已被使用"));
    // Not allowed: an error page, nothing written.
    let r = form(&head, "/users/new", &[("username", "boss"), ("role", "station_head"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("不能给账号设置这个角色") && html.contains("value=\"boss\""), "inline, values kept");
    let r = form(&head, "/users/new", &[("username", "elsewhere"), ("role", "social_worker"), ("org_code", "430202002")]).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("不在您的管理范围内"));
    // Without the CSRF token nothing happens.
    let r = head.c.post(head.url("/users/new")).form(&[("username", "nocsrf"), ("role", "social_worker"), ("org_code", "430202001")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(user_count(&app), ACCOUNTS.len() as i64);

    let r = form(&head, "/users/new", &[("username", "zhangsan01"), ("display_name", "张三"), ("role", "social_worker"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    assert!(html.contains("不会再显示") || html.contains("将不再显示"));
    let pw = initial_password(&html);
    let v: Value = login_as(&app, "zhangsan01", &pw).await.json().await.unwrap();
    assert_eq!(v["next_step"], "change_password");
});

http_test!(async fn the_account_page_edits_and_acts_with_csrf_forms(app) {
    let head = app.api("head").await;
    let viewer = app.api("worker").await;
    let vol = app.user_id("volunteer");
    let html = head.get(&format!("/users/{vol}")).await.text().await.unwrap();
    for action in ["password-reset", "deactivate"] {
        assert!(html.contains(&format!("action=\"/users/{vol}/{action}\"")), "{action} form");
    }
    assert!(!html.contains("/unlock\""), "nothing to unlock");

    // Edit with an error: the form again, values kept; then a good edit.
    let r = form(&head, &format!("/users/{vol}"), &[("display_name", "王五😀"), ("role", "volunteer"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("field-error") && html.contains("王五😀"));
    let r = form(&head, &format!("/users/{vol}"), &[("display_name", "王五"), ("role", "volunteer"), ("org_code", "430202001")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/users/{vol}?done=saved"));
    let html = head.get(&format!("/users/{vol}?done=saved")).await.text().await.unwrap();
    assert!(html.contains("已保存") && html.contains("王五"));
    // A place out of reach: the form again with the reason.
    let r = form(&head, &format!("/users/{vol}"), &[("display_name", "王五"), ("role", "volunteer"), ("org_code", "430202002")]).await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("不在您的管理范围内") && html.contains("value=\"430202002\""));

    // Reset the password: shown once on the answer page.
    let r = form(&head, &format!("/users/{vol}/password-reset"), &[]).await;
    assert_eq!(r.status(), 200);
    let pw = initial_password(&r.text().await.unwrap());
    assert_eq!(login_as(&app, "volunteer", &pw).await.status(), 200);
    let html = head.get(&format!("/users/{vol}")).await.text().await.unwrap();
    assert!(!html.contains(&pw), "never shown again");
    assert!(html.contains("须改初始密码"));

    // Lock, then unlock from the page.
    app.t.exec(&format!("UPDATE users SET locked_until = {} WHERE id = {vol}", shegong_domain::clock::now() + 600));
    let html = head.get(&format!("/users/{vol}")).await.text().await.unwrap();
    assert!(html.contains("已锁定") && html.contains(&format!("action=\"/users/{vol}/unlock\"")));
    let r = form(&head, &format!("/users/{vol}/unlock"), &[]).await;
    assert_eq!(r.headers()["location"], format!("/users/{vol}?done=unlocked"));

    // Deactivate and reactivate; both need the CSRF token.
    let r = head.c.post(head.url(&format!("/users/{vol}/deactivate"))).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = form(&head, &format!("/users/{vol}/deactivate"), &[]).await;
    assert_eq!(r.headers()["location"], format!("/users/{vol}?done=deactivated"));
    let html = head.get(&format!("/users/{vol}?done=deactivated")).await.text().await.unwrap();
    assert!(html.contains("已停用") && html.contains(&format!("action=\"/users/{vol}/reactivate\"")));
    let r = form(&head, &format!("/users/{vol}/reactivate"), &[]).await;
    assert_eq!(r.status(), 303);

    // One's own page has no role, place or deactivation controls.
    let me = app.user_id("head");
    let html = head.get(&format!("/users/{me}")).await.text().await.unwrap();
    assert!(!html.contains("/deactivate\"") && !html.contains("name=\"role\""));
    let r = form(&head, &format!("/users/{me}/deactivate"), &[]).await;
    assert_eq!(r.status(), 403);

    // Read-only for a worker; out of scope is not found.
    let html = viewer.get(&format!("/users/{me}")).await.text().await.unwrap();
    assert!(html.contains("站长") && !html.contains("password-reset"));
    assert_eq!(head.get(&format!("/users/{}", app.user_id("worker2"))).await.status(), 404);
    assert_eq!(head.get("/users/not-a-number").await.status(), 404);
    assert_eq!(audit_entries(&app, "user.password_reset").len(), 1);
    assert_eq!(audit_entries(&app, "user.unlock").len(), 1);
});
