//! "My account" (`/account`) and `POST /api/v1/auth/two-factor/disable`, plus the whole first
//! login through the HTML forms.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::clock;
use shegong_web::session::two_factor::code_at;

/// Posts an HTML form with the session's CSRF token.
async fn form(api: &Api, path: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = vec![("_csrf", api.csrf.as_str())];
    all.extend_from_slice(fields);
    api.c.post(api.url(path)).form(&all).send().await.unwrap()
}

fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn page(api: &Api, path: &str) -> String {
    let r = api.get(path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    r.text().await.unwrap()
}

/// The authenticator key shown on a setup page.
fn shown_secret(html: &str) -> Vec<u8> {
    totp_secret(&between(html, r#"<p class="secret">"#, "</p>"))
}

http_test!(async fn the_page_renders_for_every_role(app) {
    for (username, role, org) in ACCOUNTS {
        let api = app.api(username).await;
        let html = page(&api, "/account").await;
        assert!(html.contains("我的账户"), "{username}");
        assert!(html.contains(&format!(r#"data-field="username">{username}<"#)), "{username}");
        assert!(html.contains(&format!(r#"data-field="role">{}<"#, role.label().zh)), "{username}");
        assert!(html.contains(org), "{username}");
        assert!(html.contains(r#"action="/account/password""#) && html.contains(r#"action="/account/tokens""#));
        assert!(html.contains("/lang/en?next=%2Faccount"));
        // This login, in China time; no login before it yet.
        assert!(html.contains(&clock::display(clock::now())[..13]), "{username}");
        assert!(html.contains("无记录"));
    }
    // The previous login shows once there is one.
    let api = app.api("worker").await;
    assert!(page(&api, "/account").await.contains("127.0.0.1"));
    // Not logged in: to the login page.
    let r = client().get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Faccount");
});

http_test!(async fn password_change_through_the_form(app) {
    let a = app.api("worker").await;
    let b = app.api("worker").await;
    let r = form(&a, "/account/password", &[("current_password", "Wrong#2026"), ("new_password", "Xinmima#2027")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("当前密码不正确") && html.contains("field-error"));
    let r = form(&a, "/account/password", &[("current_password", PASSWORD), ("new_password", "short")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("至少 8"));
    assert_eq!(app.audit_count("auth.password_change"), 0);

    let r = form(&a, "/account/password", &[("current_password", PASSWORD), ("new_password", "Xinmima#2027")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account?done=password");
    assert!(page(&a, "/account?done=password").await.contains("密码已修改"));
    assert_eq!(app.audit_count("auth.password_change"), 1);
    // The other session ended; this one goes on; the new password works.
    problem(b.get("/api/v1/auth/me").await, 401).await;
    assert_eq!(a.get("/api/v1/auth/me").await.status(), 200);
    let c = client();
    let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "worker", "password": "Xinmima#2027"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
});

http_test!(async fn a_social_worker_sets_up_two_factor_then_turns_it_off(app) {
    let api = app.api("worker").await;
    assert!(page(&api, "/account").await.contains(r#"action="/account/two-factor/setup""#));
    let r = form(&api, "/account/two-factor/setup", &[]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains(r#"action="/account/two-factor/confirm""#));
    assert!(html.contains("取消"), "a way back");
    // A wrong code: the page again with a fresh key.
    let r = form(&api, "/account/two-factor/confirm", &[("code", "12345")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("验证码不正确"));
    let secret = shown_secret(&html);
    let r = form(&api, "/account/two-factor/confirm", &[("code", &code_at(&secret, clock::now()))]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account?done=two_factor_on");
    let html = page(&api, "/account?done=two_factor_on").await;
    assert!(html.contains("两步验证已开启") && html.contains(r#"action="/account/two-factor/disable""#));
    assert_eq!(app.audit_count("auth.two_factor_enabled"), 1);

    // Turning it off needs a current code; a wrong one is refused inline and counted.
    let r = form(&api, "/account/two-factor/disable", &[("code", "abcdef")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("验证码不正确"));
    let failures = app.t.db.read(|c| shegong_store::users::credentials_by_username(c, "worker")).unwrap().unwrap().user.failed_logins;
    assert_eq!(failures, 1, "counts toward the lockout");
    let r = form(&api, "/account/two-factor/disable", &[("code", &code_at(&secret, clock::now() + 30))]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account?done=two_factor_off");
    let html = page(&api, "/account?done=two_factor_off").await;
    assert!(html.contains("两步验证已关闭") && html.contains(r#"action="/account/two-factor/setup""#));
    let u = app.t.db.read(|c| shegong_store::users::credentials_by_username(c, "worker")).unwrap().unwrap();
    assert!(!u.user.totp_enabled && u.totp_secret.is_none());
    // Audited: one refused attempt, one done.
    let admin = app.api("admin").await;
    let v: Value = admin.get("/api/v1/audit?action=auth.two_factor_disabled").await.json().await.unwrap();
    let outcomes: Vec<&str> = v["items"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["ok", "failed"]);
    // The next login asks for no code.
    let v: Value = client().post(app.url("/api/v1/auth/login")).json(&json!({"username": "worker", "password": PASSWORD})).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["next_step"], "done");
});

http_test!(async fn the_api_turns_two_factor_off(app) {
    let api = app.api("head").await;
    problem(api.post("/api/v1/auth/two-factor/disable", json!({"code": "123456"})).await, 409).await;
    let setup: Value = api.post("/api/v1/auth/two-factor/setup", json!({})).await.json().await.unwrap();
    let secret = totp_secret(setup["secret"].as_str().unwrap());
    let r: Value = api.post("/api/v1/auth/two-factor/confirm", json!({"code": code_at(&secret, clock::now())})).await.json().await.unwrap();
    assert_eq!(r["next_step"], "done");
    let v = problem(api.post("/api/v1/auth/two-factor/disable", json!({"code": "000000x"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "code");
    problem(api.post("/api/v1/auth/two-factor/disable", json!({"code": "1", "extra": true})).await, 400).await;
    let r = api.post("/api/v1/auth/two-factor/disable", json!({"code": code_at(&secret, clock::now() + 30)})).await;
    assert_eq!(r.status(), 204);
    let me: Value = api.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["two_factor_enabled"], false);
    problem(api.post("/api/v1/auth/two-factor/disable", json!({"code": "123456"})).await, 409).await;
    // Without CSRF, and not logged in.
    let r = api.c.post(api.url("/api/v1/auth/two-factor/disable")).json(&json!({"code": "123456"})).send().await.unwrap();
    problem(r, 403).await;
    problem(client().post(app.url("/api/v1/auth/two-factor/disable")).json(&json!({"code": "123456"})).send().await.unwrap(), 401).await;
    assert!(app.api("head").await.get("/api/openapi.json").await.text().await.unwrap().contains("/api/v1/auth/two-factor/disable"));
});

http_test!(async fn admins_and_purchasers_cannot_turn_two_factor_off(app) {
    for who in ["admin", "purchaser"] {
        let api = app.api(who).await;
        let setup: Value = api.post("/api/v1/auth/two-factor/setup", json!({})).await.json().await.unwrap();
        let secret = totp_secret(setup["secret"].as_str().unwrap());
        api.post("/api/v1/auth/two-factor/confirm", json!({"code": code_at(&secret, clock::now())})).await;
        let code = code_at(&secret, clock::now() + 30);
        let v = problem(api.post("/api/v1/auth/two-factor/disable", json!({"code": code})).await, 403).await;
        assert!(v["detail"].as_str().unwrap().contains("必须使用两步验证"), "{who}");
        let r = form(&api, "/account/two-factor/disable", &[("code", &code)]).await;
        assert_eq!(r.status(), 403, "{who} form");
        let html = page(&api, "/account").await;
        assert!(!html.contains(r#"action="/account/two-factor/disable""#), "{who}: no form offered");
        assert!(html.contains("不能关闭"));
        let me: Value = api.get("/api/v1/auth/me").await.json().await.unwrap();
        assert_eq!(me["two_factor_enabled"], true, "{who}");
    }
    assert_eq!(app.audit_count("auth.two_factor_disabled"), 0);
});

http_test!(async fn tokens_are_shown_once_and_can_be_revoked(app) {
    let api = app.api("head").await;
    // Bad input: both fields reported at once, values kept.
    let r = form(&api, "/account/tokens", &[("name", ""), ("days", "abc")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("有效天数") && html.matches("field-error").count() == 2, "{html}");
    let r = form(&api, "/account/tokens", &[("name", "对接"), ("days", "0")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(r#"value="对接""#));

    let r = form(&api, "/account/tokens", &[("name", "报表对接"), ("days", "30")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let secret = between(&html, "<p class=\"secret\" data-new-token>", "</p>");
    assert!(secret.starts_with("sgt_"));
    assert!(html.contains("报表对接"));
    // Shown once: the page afterwards lists the token but not its secret.
    let html = page(&api, "/account").await;
    assert!(html.contains("报表对接") && !html.contains(&secret) && html.contains(r#"data-status="active""#));
    let c = client();
    let me: Value = c.get(app.url("/api/v1/auth/me")).bearer_auth(&secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "head");
    // A token without expiry.
    assert_eq!(form(&api, "/account/tokens", &[("name", "长期"), ("days", "")]).await.status(), 200);
    assert!(page(&api, "/account").await.contains("永不过期"));

    let listed: Value = api.get("/api/v1/auth/tokens").await.json().await.unwrap();
    let id = listed["items"].as_array().unwrap().iter().find(|t| t["name"] == "报表对接").unwrap()["id"].as_i64().unwrap();
    // Someone else's token is not found.
    let other = app.api("worker").await;
    assert_eq!(form(&other, &format!("/account/tokens/{id}/revoke"), &[]).await.status(), 404);
    let r = form(&api, &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account?done=token_revoked");
    let html = page(&api, "/account?done=token_revoked").await;
    assert!(html.contains("已撤销") && html.contains(r#"data-status="revoked""#));
    problem(c.get(app.url("/api/v1/auth/me")).bearer_auth(&secret).send().await.unwrap(), 401).await;
    assert_eq!(form(&api, &format!("/account/tokens/{id}/revoke"), &[]).await.status(), 404, "already revoked");
    assert_eq!(app.audit_count("token.create"), 2);
    assert_eq!(app.audit_count("token.revoke"), 1);
});

http_test!(async fn every_account_form_needs_the_csrf_token(app) {
    let api = app.api("worker").await;
    let id = {
        let v: Value = api.post("/api/v1/auth/tokens", json!({"name": "x"})).await.json().await.unwrap();
        v["id"].as_i64().unwrap()
    };
    let revoke = format!("/account/tokens/{id}/revoke");
    let posts: [(&str, Vec<(&str, &str)>); 6] = [
        ("/account/password", vec![("current_password", PASSWORD), ("new_password", "Xinmima#2027")]),
        ("/account/two-factor/setup", vec![]),
        ("/account/two-factor/confirm", vec![("code", "123456")]),
        ("/account/two-factor/disable", vec![("code", "123456")]),
        ("/account/tokens", vec![("name", "y")]),
        (&revoke, vec![]),
    ];
    for (path, fields) in &posts {
        let r = api.c.post(api.url(path)).form(fields).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path} without _csrf");
        let mut wrong = fields.clone();
        wrong.push(("_csrf", "0000"));
        let r = api.c.post(api.url(path)).form(&wrong).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path} with a wrong _csrf");
        assert!(r.text().await.unwrap().contains("CSRF"));
    }
    // Nothing happened.
    assert_eq!(app.audit_count("auth.password_change"), 0);
    assert_eq!(app.audit_count("token.create"), 1);
    assert_eq!(app.audit_count("token.revoke"), 0);
    let u = app.t.db.read(|c| shegong_store::users::credentials_by_username(c, "worker")).unwrap().unwrap();
    assert!(u.totp_secret.is_none());
});

// The first login of a purchaser with an initial password and no exemption from two-factor
// login, entirely through the HTML forms: password → forced change → forced 2FA setup → home.
http_test!(async fn first_login_through_the_forms_walks_every_step(app) {
    app.t.exec("UPDATE users SET must_change_password = TRUE, two_factor_exempt = FALSE WHERE username = 'purchaser'");
    let c = client();
    let login = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    let token = form_value(&html, "_login");
    // Without the double-submit token the form is refused.
    let r = c.post(app.url("/login")).form(&[("_login", "forged"), ("username", "purchaser"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token2 = form_value(&html, "_login");
    assert_ne!(token, token2);
    let r = c.post(app.url("/login")).form(&[("_login", token2.as_str()), ("username", "purchaser"), ("password", PASSWORD), ("next", "/")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login/password");
    // Nothing else opens before the steps are done.
    let r = c.get(app.url("/account")).send().await.unwrap();
    assert_eq!(location(&r), "/login/password");

    let html = c.get(app.url("/login/password")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("初始密码"));
    let csrf = form_value(&html, "_csrf");
    let r = c.post(app.url("/login/password")).form(&[("_csrf", csrf.as_str()), ("new_password", "weak")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = c.post(app.url("/login/password")).form(&[("new_password", "Xinmima#2027")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "no _csrf");
    let r = c.post(app.url("/login/password")).form(&[("_csrf", csrf.as_str()), ("new_password", "Xinmima#2027")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login/two-factor-setup");
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/login/two-factor-setup");

    let html = c.get(app.url("/login/two-factor-setup")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("必须开启两步验证"));
    assert!(!html.contains(r#"href="/account""#) && !html.contains("取消"), "no way around a required setup");
    let secret = shown_secret(&html);
    let csrf = form_value(&html, "_csrf");
    let r = c.post(app.url("/login/two-factor-setup")).form(&[("_csrf", csrf.as_str()), ("code", code_at(&secret, clock::now()).as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    let home = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("荷塘区") && html.contains(r#"href="/audit""#));
    let html = c.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("已开启") && html.contains("不能关闭"));

    // The next login asks for the new password, then a code.
    let c2 = client();
    let html = c2.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let t = form_value(&html, "_login");
    let r = c2.post(app.url("/login")).form(&[("_login", t.as_str()), ("username", "purchaser"), ("password", "Xinmima#2027")]).send().await.unwrap();
    assert_eq!(location(&r), "/login/code");
    assert_eq!(app.audit_count("auth.password_change"), 1);
    assert_eq!(app.audit_count("auth.two_factor_enabled"), 1);
});
