//! The audit log viewer: `GET /api/v1/audit` and the `/audit` page — filters, paging, scope,
//! bad input, the htmx partial.

use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};
use shegong_domain::clock::parse_day_start;
use shegong_domain::role::Role;
use shegong_store::audit::{self, Actor, Event, Outcome};

/// Appends an entry as `actor` at a given time, the way a feature would.
fn append(app: &TestApp, actor: &str, action: &str, org: Option<&str>, outcome: Outcome, at: i64) {
    let keys = app.t.keys.clone();
    let (actor, action, org) = (
        actor.to_string(),
        action.to_string(),
        org.map(str::to_string),
    );
    app.t
        .db
        .write(move |c| {
            let who = Actor {
                user_id: None,
                name: actor,
                ip: "10.0.0.9".into(),
            };
            let mut ev = Event::new(&who, &action, "user", 1)
                .outcome(outcome)
                .detail(json!({"field": "x"}));
            if let Some(o) = org {
                ev = ev.org(o);
            }
            audit::append_at(c, &keys, &ev, at)
        })
        .unwrap();
}

async fn list(api: &Api, q: &str) -> Value {
    let r = api.get(&format!("/api/v1/audit{q}")).await;
    assert_eq!(r.status(), 200, "GET /api/v1/audit{q}");
    r.json().await.unwrap()
}

fn field<'a>(v: &'a Value, name: &str) -> Vec<&'a str> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[name].as_str().unwrap_or(""))
        .collect()
}

http_test!(async fn filters_by_actor_action_outcome_and_day(app) {
    let day = |d| parse_day_start(d).unwrap();
    // Early on the 10th, the last minute of the 11th (China time), noon of the 12th.
    append(&app, "head", "user.update", Some("430202001"), Outcome::Ok, day("2025-03-10") + 60);
    append(&app, "head", "user.unlock", Some("430202001"), Outcome::Denied, day("2025-03-11") + 86_400 - 30);
    append(&app, "worker", "auth.login", Some("430202001"), Outcome::Failed, day("2025-03-12") + 43_200);
    let api = app.api("admin").await;

    let v = list(&api, "?actor=head").await;
    assert_eq!(v["total"], 2);
    assert!(field(&v, "actor").iter().all(|a| *a == "head"));
    let e = &v["items"][0];
    for k in ["seq", "at", "actor", "ip", "action", "target_kind", "target_id", "org_code", "outcome", "detail"] {
        assert!(e.get(k).is_some(), "field {k} in {e}");
    }
    assert_eq!(e["detail"]["field"], "x", "detail is JSON");
    assert_eq!(e["action_label"], "解锁账号");

    // Prefixes, with or without a trailing `*`.
    let v = list(&api, "?action=user.").await;
    assert!(field(&v, "action").iter().all(|a| a.starts_with("user.")));
    assert_eq!(v["total"].as_i64(), list(&api, "?action=user.*").await["total"].as_i64());
    // The 10 accounts created by the seed (the operator's two at 430202OPHT01, registered in the
    // province like every other node), and the two above.
    assert_eq!(v["total"], 12);
    let v = list(&api, "?action=auth.login").await;
    assert!(field(&v, "action").iter().all(|a| *a == "auth.login"));
    assert_eq!(v["total"], 2, "the admin's own login and the failed one");

    let v = list(&api, "?outcome=failed").await;
    assert_eq!(field(&v, "outcome"), ["failed"]);
    let v = list(&api, "?outcome=denied&actor=head").await;
    assert_eq!(field(&v, "action"), ["user.unlock"]);

    // Days are China-time days and `until` includes its whole day.
    let v = list(&api, "?from=2025-03-11&until=2025-03-11").await;
    assert_eq!(field(&v, "action"), ["user.unlock"]);
    let v = list(&api, "?from=2025-03-10&until=2025-03-11").await;
    assert_eq!(v["total"], 2);
    let v = list(&api, "?until=2025-03-10").await;
    assert_eq!(field(&v, "action"), ["user.update"]);
    let v = list(&api, "?from=2025-03-12&until=2025-03-12").await;
    assert_eq!(field(&v, "action"), ["auth.login"]);
    // The route is in the OpenAPI document, under its own tag.
    let doc: Value = api.get("/api/openapi.json").await.json().await.unwrap();
    let op = &doc["paths"]["/api/v1/audit"]["get"];
    assert_eq!(op["tags"][0], "audit");
    let params: Vec<&str> = op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for p in ["actor", "action", "outcome", "org_code", "from", "until", "page", "per_page"] {
        assert!(params.contains(&p), "{p} in {params:?}");
    }
    // Empty values mean "any" (what a plain HTML form sends).
    let all = list(&api, "").await["total"].as_i64().unwrap();
    assert_eq!(list(&api, "?actor=&action=&outcome=&org_code=&from=&until=").await["total"].as_i64(), Some(all));
});

http_test!(async fn pages_newest_first(app) {
    for i in 0..5 {
        append(&app, "head", &format!("user.update{i}"), Some("430202001"), Outcome::Ok, 1_700_000_000 + i);
    }
    let api = app.api("head").await;
    let p1 = list(&api, "?action=user.update&per_page=2&page=1").await;
    let p2 = list(&api, "?action=user.update&per_page=2&page=2").await;
    let p3 = list(&api, "?action=user.update&per_page=2&page=3").await;
    assert_eq!(p1["total"], 5);
    assert_eq!(p3["total"], 5);
    assert_eq!(field(&p1, "action"), ["user.update4", "user.update3"]);
    assert_eq!(field(&p2, "action"), ["user.update2", "user.update1"]);
    assert_eq!(field(&p3, "action"), ["user.update0"]);
    let seqs: Vec<i64> = [&p1, &p2, &p3].iter().flat_map(|p| p["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap())).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    assert_eq!(list(&api, "?per_page=1000").await["items"].as_array().unwrap().len() as i64, list(&api, "").await["total"].as_i64().unwrap().min(200));
    assert!(list(&api, "?page=99").await["items"].as_array().unwrap().is_empty());
});

http_test!(async fn each_role_sees_its_own_scope_only(app) {
    append(&app, "worker", "user.update", Some("430202001001"), Outcome::Ok, 1_700_000_000);
    append(&app, "worker2", "user.update", Some("430202002"), Outcome::Ok, 1_700_000_001);
    append(&app, "lusong_head", "user.update", Some("430203001"), Outcome::Ok, 1_700_000_002);
    append(&app, "system:cli", "audit.purge", None, Outcome::Ok, 1_700_000_003);

    // The station head: its station and its villages, nothing of the next station.
    let head = app.api("head").await;
    let v = list(&head, "?per_page=200").await;
    let orgs = field(&v, "org_code");
    assert!(!orgs.is_empty());
    assert!(orgs.iter().all(|o| o.starts_with("430202001")), "{orgs:?}");
    assert!(orgs.contains(&"430202001001"));
    assert!(!field(&v, "actor").contains(&"worker2"));
    // Filtering by an org outside the scope finds nothing, as if it were empty.
    assert_eq!(list(&head, "?org_code=430202002").await["total"], 0);
    assert_eq!(list(&head, "?org_code=43").await["total"], 0);
    assert_eq!(list(&head, "?org_code=430202001001").await["total"], 1);

    // The purchaser: the whole district (430202), not 芦淞区, not events of no org.
    let purchaser = app.api("purchaser").await;
    let v = list(&purchaser, "?per_page=200").await;
    let orgs = field(&v, "org_code");
    assert!(orgs.iter().all(|o| o.starts_with("430202")), "{orgs:?}");
    assert!(orgs.contains(&"430202001") && orgs.contains(&"430202002"));
    assert_eq!(list(&purchaser, "?action=audit.").await["total"], 0);
    // A subtree of its scope narrows the list.
    let v = list(&purchaser, "?org_code=430202002").await;
    assert!(field(&v, "org_code").iter().all(|o| *o == "430202002"));
    assert!(v["total"].as_i64().unwrap() >= 2);

    // The province's system admin sees everything, including events of no org.
    let admin = app.api("admin").await;
    let v = list(&admin, "?action=audit.purge").await;
    assert_eq!(v["total"], 1);
    assert!(v["items"][0]["org_code"].is_null());
    assert_eq!(list(&admin, "?actor=lusong_head&action=user.update").await["total"], 1);
    // …but an org filter means that org: events of no org drop out.
    assert_eq!(list(&admin, "?org_code=43&action=audit.").await["total"], 0);

    // A failed login of an unknown name belongs to no org either.
    let c = client();
    c.post(app.url("/api/v1/auth/login")).json(&json!({"username": "nobody", "password": "x"})).send().await.unwrap();
    assert_eq!(list(&admin, "?actor=nobody").await["total"], 1);
    assert_eq!(list(&purchaser, "?actor=nobody").await["total"], 0);
    assert_eq!(list(&head, "?actor=nobody").await["total"], 0);

    // A city-level system admin is not the province's: no events of no org.
    let hash = shegong_store::passwords::Hashing::fast_insecure().hash(PASSWORD);
    app.t
        .db
        .write(move |c| {
            let u = shegong_store::users::NewUser { username: "cityadmin", display_name: "cityadmin", role: Role::SystemAdmin, org_code: "4302", password_hash: &hash, must_change_password: false, two_factor_exempt: true };
            shegong_store::users::create(c, &u, shegong_domain::clock::now())
        })
        .unwrap();
    let city = app.api("cityadmin").await;
    assert_eq!(list(&city, "?actor=nobody").await["total"], 0);
    assert_eq!(list(&city, "?actor=lusong_head&action=user.update").await["total"], 1, "芦淞区 (430203) is inside 株洲市 (4302)");
    assert!(list(&city, "?per_page=200").await["items"].as_array().unwrap().iter().all(|e| e["org_code"].as_str().is_some_and(|o| o.starts_with("4302"))));

    // 芦淞区's head sees none of 荷塘区.
    let lusong = app.api("lusong_head").await;
    assert!(field(&list(&lusong, "?per_page=200").await, "org_code").iter().all(|o| o.starts_with("430203")));
});

http_test!(async fn roles_without_view_audit_get_403(app) {
    for who in ["worker", "volunteer", "operator", "supervisor", "liaison"] {
        let api = app.api(who).await;
        let v = problem(api.get("/api/v1/audit").await, 403).await;
        assert!(v["detail"].as_str().unwrap().contains("权限"), "{who}");
        let r = api.get("/audit").await;
        assert_eq!(r.status(), 403, "{who} page");
    }
    problem(client().get(app.url("/api/v1/audit")).send().await.unwrap(), 401).await;
    let r = client().get(app.url("/audit")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Faudit");
});

http_test!(async fn bad_filters_get_a_chinese_4xx(app) {
    let api = app.api("head").await;
    for (q, field) in [
        ("?from=2025-13-01", "from"),
        ("?from=2025-02-30", "from"),
        ("?until=yesterday", "until"),
        ("?from=2025-03-12&until=2025-03-11", "until"),
        ("?outcome=maybe", "outcome"),
        ("?org_code=abc", "org_code"),
        ("?action=auth%25", "action"),
    ] {
        let v = problem(api.get(&format!("/api/v1/audit{q}")).await, 422).await;
        assert_eq!(v["errors"][0]["field"], field, "{q}");
    }
    let v = problem(api.get("/api/v1/audit?from=2025/03/01").await, 422).await;
    assert!(v["detail"].as_str().unwrap().contains("YYYY-MM-DD"));
    // Every bad field at once.
    let v = problem(api.get("/api/v1/audit?from=x&until=y&outcome=z").await, 422).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);
    problem(api.get("/api/v1/audit?page=abc").await, 400).await;
    problem(api.get("/api/v1/audit?colour=red").await, 400).await;
});

http_test!(async fn reading_the_log_is_not_itself_logged(app) {
    let api = app.api("admin").await;
    let before = list(&api, "").await["total"].as_i64().unwrap();
    api.get("/audit").await;
    api.get("/audit?outcome=failed").await;
    assert_eq!(list(&api, "").await["total"].as_i64().unwrap(), before);
});

http_test!(async fn the_page_filters_pages_and_answers_htmx_with_the_table(app) {
    append(&app, "worker", "auth.login", Some("430202001"), Outcome::Failed, 1_700_000_000);
    let api = app.api("head").await;
    let r = api.get("/audit").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<!DOCTYPE html>"));
    assert!(html.contains("审计日志") && html.contains("网络安全法") && html.contains("shegong audit verify"));
    assert!(html.contains(r#"hx-get="/audit""#) && html.contains(r##"hx-target="#audit-results""##));
    assert!(html.contains(r#"<option value="user.">"#), "action choices");
    assert!(html.contains("登录") && html.contains("data-outcome=\"failed\""));
    // Times in China time: 1_700_000_000 is 2023-11-15 06:13 in Changsha.
    assert!(html.contains("2023-11-15 06:13"));

    // A plain GET of the form (no JavaScript): the whole page, filtered.
    let html = api.get("/audit?actor=worker&action=auth.login&outcome=failed&org_code=&from=&until=").await.text().await.unwrap();
    assert!(html.contains("<!DOCTYPE html>"));
    assert!(html.contains(r#"data-total="1""#), "one entry");
    assert!(html.contains(r#"<option value="auth.login" selected>"#));

    // htmx: only the table.
    let r = api.c.get(api.url("/audit?outcome=failed")).header("HX-Request", "true").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["vary"], "HX-Request");
    let part = r.text().await.unwrap();
    assert!(!part.contains("<html") && !part.contains("<form"), "a fragment");
    assert!(part.contains("<table") && part.contains(r#"data-total="1""#));
    // A history restore asks for the whole page again.
    let r = api.c.get(api.url("/audit")).header("HX-Request", "true").header("HX-History-Restore-Request", "true").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<!DOCTYPE html>"));

    // Paging links keep the filters.
    let html = api.get("/audit?per_page=1&action=user.").await.text().await.unwrap();
    assert!(html.contains("/audit?action=user.&amp;per_page=1&amp;page=2") || html.contains("/audit?action=user.&#38;per_page=1&#38;page=2"), "next link");

    // Bad input: the form again with the message beside the field (422), or in the fragment.
    let r = api.get("/audit?from=2025-13-01").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("field-error") && html.contains("YYYY-MM-DD"));
    assert!(html.contains(r#"value="2025-13-01""#), "the value stays for correcting");
    let r = api.c.get(api.url("/audit?from=2025-13-01")).header("HX-Request", "true").send().await.unwrap();
    assert_eq!(r.status(), 200, "htmx swaps 2xx only");
    assert!(r.text().await.unwrap().contains("YYYY-MM-DD"));

    // English.
    assert_eq!(api.get("/lang/en?next=/audit").await.status(), 303);
    let html = api.get("/audit").await.text().await.unwrap();
    assert!(html.contains("Audit log") && html.contains("Cybersecurity Law"));
});
