use crate::helpers::*;
use crate::http_test;
use serde_json::Value;

http_test!(async fn probes_metrics_and_headers(app) {
    let c = client();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    let r = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let m = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("shegong_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), "{m}");
    assert!(!m.contains("worker"), "no user data in metrics");
});

http_test!(async fn openapi_lists_every_api_route(app) {
    let doc: Value = client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/api/v1/auth/login", "/api/v1/auth/me", "/api/v1/auth/tokens", "/api/v1/home"] {
        assert!(paths.contains_key(p), "{p} documented");
    }
});

http_test!(async fn assets_are_embedded(app) {
    let r = client().get(app.url("/assets/htmx.min.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(client().get(app.url("/assets/app.css")).send().await.unwrap().status(), 200);
    let icon = client().get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert_eq!(client().get(app.url("/assets/../Cargo.toml")).send().await.unwrap().status(), 404);
});
