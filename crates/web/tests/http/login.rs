use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};

http_test!(async fn api_login_me_and_logout(app) {
    let api = app.api("worker").await;
    let me: Value = api.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["username"], "worker");
    assert_eq!(me["role"], "social_worker");
    assert_eq!(me["org_code"], "430202001");
    assert_eq!(me["next_step"], "done");
    assert_eq!(api.post("/api/v1/auth/logout", json!({})).await.status(), 204);
    problem(api.get("/api/v1/auth/me").await, 401).await;
    assert_eq!(app.audit_count("auth.login"), 1);
    assert_eq!(app.audit_count("auth.logout"), 1);
});

http_test!(async fn wrong_passwords_lock_the_account_after_five(app) {
    let c = client();
    let bad = json!({"username": "worker", "password": "Wrong#2026"});
    for i in 1..=4 {
        let v = problem(c.post(app.url("/api/v1/auth/login")).json(&bad).send().await.unwrap(), 401).await;
        assert!(v["detail"].as_str().unwrap().contains("用户名或密码错误"), "attempt {i}");
    }
    let v = problem(c.post(app.url("/api/v1/auth/login")).json(&bad).send().await.unwrap(), 429).await;
    assert!(v["detail"].as_str().unwrap().contains("锁定"));
    // Even the right password is refused while locked.
    let good = json!({"username": "worker", "password": PASSWORD});
    problem(c.post(app.url("/api/v1/auth/login")).json(&good).send().await.unwrap(), 429).await;
    // An unknown user gets the same message as a wrong password, and never locks.
    let v = problem(c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "nobody", "password": "x"})).send().await.unwrap(), 401).await;
    assert!(v["detail"].as_str().unwrap().contains("用户名或密码错误"));
    assert_eq!(app.audit_count("auth.login"), 7);
});

http_test!(async fn session_cookie_is_httponly_lax_and_renewed_at_login(app) {
    let c = client();
    let login = || c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "worker", "password": PASSWORD})).send();
    let r1 = login().await.unwrap();
    let cookie1 = r1.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie1.contains("HttpOnly") && cookie1.contains("SameSite=Lax"), "{cookie1}");
    let r2 = login().await.unwrap();
    assert_eq!(r2.status(), 200, "{:?}", r2.text().await);
    let r2 = login().await.unwrap();
    let cookie2 = r2.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert_ne!(cookie1.split(';').next(), cookie2.split(';').next(), "a new session id at each login");
});

http_test!(async fn unsafe_requests_need_the_csrf_token(app) {
    let api = app.api("admin").await;
    let r = api.c.post(api.url("/api/v1/auth/tokens")).json(&json!({"name": "x"})).send().await.unwrap();
    problem(r, 403).await;
    let r = api.c.post(api.url("/api/v1/auth/tokens")).header("X-CSRF-Token", "wrong").json(&json!({"name": "x"})).send().await.unwrap();
    problem(r, 403).await;
    assert_eq!(api.post("/api/v1/auth/tokens", json!({"name": "对接"})).await.status(), 201);
});

http_test!(async fn api_tokens_work_without_csrf_and_stop_when_revoked(app) {
    let api = app.api("head").await;
    let v: Value = api.post("/api/v1/auth/tokens", json!({"name": "报表对接", "days": 30})).await.json().await.unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let c = client();
    let me: Value = c.get(app.url("/api/v1/auth/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "head");
    let listed: Value = api.get("/api/v1/auth/tokens").await.json().await.unwrap();
    assert_eq!(listed["total"], 1);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(api.delete(&format!("/api/v1/auth/tokens/{id}")).await.status(), 204);
    problem(c.get(app.url("/api/v1/auth/me")).bearer_auth(&token).send().await.unwrap(), 401).await;
    problem(c.get(app.url("/api/v1/auth/me")).bearer_auth("sgt_made_up").send().await.unwrap(), 401).await;
    // Someone else's token id is simply not found.
    let other = app.api("worker").await;
    problem(other.delete(&format!("/api/v1/auth/tokens/{id}")).await, 404).await;
});

http_test!(async fn idle_sessions_expire(app) {
    let api = app.api("worker").await;
    // Age the session past the idle timeout directly in the database.
    let past = shegong_domain::clock::now() - 31 * 60;
    app.t.exec(&format!("UPDATE sessions SET last_seen_at = {past}"));
    let v = problem(api.get("/api/v1/auth/me").await, 401).await;
    assert!(v["detail"].as_str().unwrap().contains("超时"));
    // In the browser, the next page goes to the login page, which says why.
    let r = api.c.get(api.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
});

/// Gives `username` an initial password it must change, and/or takes away its 2FA exemption.
fn set_flags(app: &TestApp, username: &str, must_change: bool, exempt: bool) {
    app.t.exec(&format!("UPDATE users SET must_change_password = {must_change}, two_factor_exempt = {exempt} WHERE username = '{username}'"));
}

http_test!(async fn an_initial_password_must_be_changed_before_anything_else(app) {
    set_flags(&app, "worker", true, true);
    let api = app.api("worker").await;
    let me: Value = api.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["next_step"], "change_password");
    problem(api.get("/api/v1/home").await, 403).await;
    let weak = problem(api.post("/api/v1/auth/password", json!({"new_password": "short"})).await, 422).await;
    assert_eq!(weak["errors"][0]["field"], "new_password");
    let same = problem(api.post("/api/v1/auth/password", json!({"new_password": PASSWORD})).await, 422).await;
    assert!(same["detail"].as_str().unwrap().contains("不能与原密码相同"));
    let r: Value = api.post("/api/v1/auth/password", json!({"new_password": "Xinmima#2027"})).await.json().await.unwrap();
    assert_eq!(r["next_step"], "done");
    assert_eq!(api.get("/api/v1/home").await.status(), 200);
    // The old password no longer works; the new one does.
    let c = client();
    problem(c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "worker", "password": PASSWORD})).send().await.unwrap(), 401).await;
    assert_eq!(c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "worker", "password": "Xinmima#2027"})).send().await.unwrap().status(), 200);
});

http_test!(async fn a_voluntary_change_needs_the_current_password_and_ends_other_sessions(app) {
    let a = app.api("worker").await;
    let b = app.api("worker").await;
    let v = problem(a.post("/api/v1/auth/password", json!({"current_password": "nope", "new_password": "Xinmima#2027"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "current_password");
    assert_eq!(a.post("/api/v1/auth/password", json!({"current_password": PASSWORD, "new_password": "Xinmima#2027"})).await.status(), 200);
    assert_eq!(a.get("/api/v1/auth/me").await.status(), 200);
    problem(b.get("/api/v1/auth/me").await, 401).await;
});

http_test!(async fn admins_must_set_up_two_factor_and_then_use_it(app) {
    set_flags(&app, "admin", false, false);
    let api = app.api("admin").await;
    let me: Value = api.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["next_step"], "set_up_two_factor");
    problem(api.get("/api/v1/home").await, 403).await;
    let setup: Value = api.post("/api/v1/auth/two-factor/setup", json!({})).await.json().await.unwrap();
    let secret = totp_secret(setup["secret"].as_str().unwrap());
    assert!(setup["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"));
    problem(api.post("/api/v1/auth/two-factor/confirm", json!({"code": "000000"})).await, 422).await;
    let now = shegong_domain::clock::now();
    let code = shegong_web::session::two_factor::code_at(&secret, now);
    let r: Value = api.post("/api/v1/auth/two-factor/confirm", json!({"code": code})).await.json().await.unwrap();
    assert_eq!(r["next_step"], "done");
    assert_eq!(api.get("/api/v1/home").await.status(), 200);
    // Next login: password, then the code; a code already used is refused (replay).
    let c = client();
    let v: Value = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "admin", "password": PASSWORD})).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["next_step"], "two_factor");
    let csrf = v["csrf_token"].as_str().unwrap().to_string();
    problem(c.get(app.url("/api/v1/home")).send().await.unwrap(), 403).await;
    let replay = c.post(app.url("/api/v1/auth/code")).header("X-CSRF-Token", &csrf).json(&json!({"code": code})).send().await.unwrap();
    problem(replay, 422).await;
    let next = shegong_web::session::two_factor::code_at(&secret, now + 30);
    let ok: Value = c.post(app.url("/api/v1/auth/code")).header("X-CSRF-Token", &csrf).json(&json!({"code": next})).send().await.unwrap().json().await.unwrap();
    assert_eq!(ok["next_step"], "done");
    assert_eq!(c.get(app.url("/api/v1/home")).send().await.unwrap().status(), 200);
    // The secret is stored encrypted, never as the base32 shown to the user.
    let stored = app.t.db.read(|c| shegong_store::users::credentials_by_username(c, "admin")).unwrap().unwrap().totp_secret.unwrap();
    assert_ne!(stored, secret);
});
