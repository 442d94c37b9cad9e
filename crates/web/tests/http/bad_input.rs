//! Bad input of every kind gets a clear 4xx in Chinese, writes nothing, never a 5xx.

use crate::helpers::*;
use crate::http_test;
use serde_json::json;

http_test!(async fn malformed_json_wrong_type_unknown_fields(app) {
    let c = client();
    let url = app.url("/api/v1/auth/login");
    problem(c.post(&url).header("content-type", "application/json").body("{\"username\": ").send().await.unwrap(), 400).await;
    problem(c.post(&url).header("content-type", "text/plain").body("{}").send().await.unwrap(), 415).await;
    problem(c.post(&url).json(&json!({"username": "worker", "password": PASSWORD, "role": "system_admin"})).send().await.unwrap(), 400).await;
    problem(c.post(&url).json(&json!({"username": 5, "password": []})).send().await.unwrap(), 400).await;
    problem(c.post(&url).header("content-type", "application/json").body(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']).send().await.unwrap(), 400).await;
    assert_eq!(app.audit_count("auth.login"), 0, "nothing reached the login logic");
});

http_test!(async fn oversized_bodies_get_413(app) {
    // A small limit, so the whole body is sent before the server answers.
    let small = spawn_app_with(shegong_store::testing::TestDb::sqlite(), shegong_web::WebConfig { body_limit: 4096, ..Default::default() }).await;
    let api = small.api("head").await;
    let r = api.c.post(api.url("/api/v1/auth/tokens")).header("X-CSRF-Token", &api.csrf).json(&json!({"name": "字".repeat(3000)})).send().await.unwrap();
    problem(r, 413).await;
    // Forms too, including the CSRF check that reads them.
    let r = api.c.post(api.url("/logout")).form(&[("_csrf", api.csrf.as_str()), ("x", &"a".repeat(8000))]).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let _ = app;
});

http_test!(async fn overlong_and_script_values_are_refused_or_kept_inert(app) {
    let api = app.api("head").await;
    let v = problem(api.post("/api/v1/auth/tokens", json!({"name": "x".repeat(61)})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "name");
    problem(api.post("/api/v1/auth/tokens", json!({"name": ""})).await, 422).await;
    problem(api.post("/api/v1/auth/tokens", json!({"name": "a", "days": 0})).await, 422).await;
    // Free text may contain markup; it is stored as typed and escaped wherever shown.
    let payload = "<script>alert(1)</script>'; DROP TABLE users; --";
    assert_eq!(api.post("/api/v1/auth/tokens", json!({"name": payload})).await.status(), 201);
    let r = api.get("/api/v1/auth/tokens").await.text().await.unwrap();
    assert!(r.contains("DROP TABLE"));
    assert_eq!(app.api("worker").await.get("/api/v1/auth/me").await.status(), 200, "users table intact");
});

http_test!(async fn sql_and_script_in_login_fields(app) {
    let c = client();
    for u in ["' OR '1'='1", "admin'--", "<script>", "𠮷", "😀", &"a".repeat(10_000)] {
        let r = c.post(app.url("/api/v1/auth/login")).json(&json!({"username": u, "password": "' OR 1=1 --"})).send().await.unwrap();
        problem(r, 401).await;
    }
});

http_test!(async fn unknown_routes_and_methods(app) {
    let c = client();
    problem(c.get(app.url("/api/v1/nothing-here")).send().await.unwrap(), 404).await;
    problem(c.delete(app.url("/api/v1/auth/me")).send().await.unwrap(), 405).await;
    let api = app.api("worker").await;
    problem(api.delete("/api/v1/auth/tokens/not-a-number").await, 404).await;
});
