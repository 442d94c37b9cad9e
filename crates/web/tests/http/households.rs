//! Households, investigations (8.1.1.1), reviews (8.1.1.2) and community profiles (9.3.1.1):
//! every route, with the forbidden, out-of-scope and bad-input cases.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;

const VILLAGE: &str = "430202001001";

async fn person(api: &Api, name: &str, org: &str) -> i64 {
    let r = api
        .post("/api/v1/persons", json!({"name": name, "org_code": org}))
        .await;
    assert_eq!(r.status(), 201, "person {name}");
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn household(api: &Api, head: Option<i64>) -> i64 {
    let r = api
        .post(
            "/api/v1/households",
            json!({"org_code": VILLAGE, "address": "文化路 12 号", "head_person_id": head}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn put(api: &Api, path: &str, body: Value) -> Response {
    api.c
        .put(api.url(path))
        .header("X-CSRF-Token", &api.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn form(api: &Api, path: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = vec![("_csrf", api.csrf.as_str())];
    all.extend_from_slice(fields);
    api.c.post(api.url(path)).form(&all).send().await.unwrap()
}

/// Markup typed into a field shows as text, never as markup.
fn escaped(html: &str, what: &str) -> bool {
    !html.contains("<script>alert")
        && (html.contains(&format!("&lt;{what}")) || html.contains(&format!("&#60;{what}")))
}

fn day(offset: i64) -> String {
    dates::iso(dates::today() + time::Duration::days(offset))
}

async fn timeline_kinds(api: &Api, pid: i64) -> Vec<String> {
    let t: Value = api
        .get(&format!("/api/v1/persons/{pid}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

http_test!(async fn households_members_and_the_head(app) {
    let worker = app.api("worker").await;
    let head = person(&worker, "王建国", VILLAGE).await;
    let wife = person(&worker, "李秀英", "430202001002").await;
    let son = person(&worker, "王小明", VILLAGE).await;
    let id = household(&worker, Some(head)).await;
    let h: Value = worker.get(&format!("/api/v1/households/{id}")).await.json().await.unwrap();
    assert_eq!(h["head_person_id"], head);
    assert_eq!(h["members"][0]["relation"], "head");
    assert_eq!(h["members"][0]["relation_label"], "户主");
    // Add, then change a relation (200), then nothing to change (200, not audited).
    let r = worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": wife, "relation": "配偶"})).await;
    assert_eq!(r.status(), 201);
    let r = worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": son, "relation": "other"})).await;
    assert_eq!(r.status(), 201);
    let r = worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": son, "relation": "子女"})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["members"].as_array().unwrap().len(), 3);
    assert!(v["members"].as_array().unwrap().iter().any(|m| m["person_id"] == son && m["relation"] == "child"));
    assert_eq!(worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": son, "relation": "child"})).await.status(), 200);
    // The person record points at the household.
    let p: Value = worker.get(&format!("/api/v1/persons/{son}")).await.json().await.unwrap();
    assert_eq!(p["household_id"], id);
    assert!(timeline_kinds(&worker, son).await.contains(&"household.joined".to_string()));
    // Search by the head's name or the address.
    for q in ["%E7%8E%8B%E5%BB%BA", "%E6%96%87%E5%8C%96%E8%B7%AF"] {
        let l: Value = worker.get(&format!("/api/v1/households?q={q}")).await.json().await.unwrap();
        assert_eq!(l["total"], 1, "{q}");
        assert_eq!(l["items"][0]["head_name"], "王建国");
        assert_eq!(l["items"][0]["member_count"], 3);
    }
    let l: Value = worker.get("/api/v1/households?q=nobody").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    // A new head: the former head becomes 其他.
    worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": wife, "relation": "head"})).await;
    let h: Value = worker.get(&format!("/api/v1/households/{id}")).await.json().await.unwrap();
    assert_eq!(h["head_person_id"], wife);
    assert!(h["members"].as_array().unwrap().iter().any(|m| m["person_id"] == head && m["relation"] == "other"));
    // Update.
    let r = put(&worker, &format!("/api/v1/households/{id}"), json!({"org_code": "430202001002", "address": "东湖 3 栋", "housing": "砖混平房", "difficulty_degree": "serious"})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["address"].as_str(), v["difficulty_degree"].as_str()), (Some("东湖 3 栋"), Some("serious")));
    problem(put(&worker, &format!("/api/v1/households/{id}"), json!({"org_code": "430202001002", "difficulty_degree": "rich"})).await, 422).await;
    problem(put(&worker, &format!("/api/v1/households/{id}"), json!({"org_code": "430202002002"})).await, 404).await;
    // Remove both ways.
    assert_eq!(worker.delete(&format!("/api/v1/households/{id}/members/{son}")).await.status(), 204);
    let r = worker.c.delete(worker.url(&format!("/api/v1/households/{id}/members"))).header("X-CSRF-Token", &worker.csrf).json(&json!({"person_id": head})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    problem(worker.delete(&format!("/api/v1/households/{id}/members/{son}")).await, 404).await;
    let p: Value = worker.get(&format!("/api/v1/persons/{son}")).await.json().await.unwrap();
    assert!(p["household_id"].is_null());
    assert!(timeline_kinds(&worker, son).await.contains(&"household.left".to_string()));
    assert_eq!(app.audit_count("household.create"), 1);
    assert_eq!(app.audit_count("household.member_add"), 4, "wife, son, son's relation, new head (the first head came with household.create)");
    assert_eq!(app.audit_count("household.member_remove"), 2);
    assert_eq!(app.audit_count("household.update"), 1);
});

http_test!(async fn households_follow_scope_and_roles(app) {
    let worker = app.api("worker").await;
    let a = person(&worker, "张三", VILLAGE).await;
    let id = household(&worker, Some(a)).await;
    for who in ["worker2", "lusong_head"] {
        let other = app.api(who).await;
        problem(other.get(&format!("/api/v1/households/{id}")).await, 404).await;
        problem(other.get(&format!("/api/v1/households/{id}/investigations")).await, 404).await;
        problem(other.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": a, "relation": "spouse"})).await, 404).await;
        problem(put(&other, &format!("/api/v1/households/{id}"), json!({"org_code": VILLAGE})).await, 404).await;
        let l: Value = other.get("/api/v1/households").await.json().await.unwrap();
        assert_eq!(l["total"], 0, "{who}");
    }
    problem(app.api("worker2").await.post("/api/v1/households", json!({"org_code": VILLAGE})).await, 404).await;
    for who in ["purchaser", "admin", "operator", "liaison", "volunteer"] {
        let api = app.api(who).await;
        problem(api.get("/api/v1/households").await, 403).await;
        problem(api.post("/api/v1/households", json!({"org_code": VILLAGE})).await, 403).await;
    }
    problem(app.api("purchaser").await.get(&format!("/api/v1/households/{id}")).await, 403).await;
    // The supervisor reads but does not write.
    let sup = app.api("supervisor").await;
    assert_eq!(sup.get(&format!("/api/v1/households/{id}")).await.status(), 200);
    problem(sup.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": a, "relation": "head"})).await, 403).await;
    problem(sup.delete(&format!("/api/v1/households/{id}/members/{a}")).await, 403).await;
    problem(sup.post("/api/v1/households", json!({"org_code": VILLAGE})).await, 403).await;
    // People of another station cannot be added (and nothing about them is said).
    let w2 = app.api("worker2").await;
    let theirs = person(&w2, "赵六", "430202002").await;
    let v = problem(worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": theirs, "relation": "spouse"})).await, 422).await;
    assert!(!v.to_string().contains("赵六"));
    // One household per person.
    let other_hh = household(&worker, None).await;
    problem(worker.post(&format!("/api/v1/households/{other_hh}/members"), json!({"person_id": a, "relation": "spouse"})).await, 409).await;
    // Bad input.
    let v = problem(worker.post("/api/v1/households", json!({"org_code": "430202", "address": "a\u{0}b", "difficulty_degree": "x"})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["org_code", "address", "difficulty_degree"]);
    problem(worker.post("/api/v1/households", json!({"org_code": VILLAGE, "income": 5})).await, 400).await;
    problem(worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": a, "relation": "<script>"})).await, 422).await;
    problem(worker.post("/api/v1/households", json!({"org_code": VILLAGE, "head_person_id": 999999})).await, 422).await;
    let l: Value = worker.get("/api/v1/households").await.json().await.unwrap();
    assert_eq!(l["total"], 2, "nothing half-written");
    assert_eq!(app.audit_count("household.create"), 2);
});

fn investigation(members: &[i64]) -> Value {
    json!({
        "date": day(-1),
        "investigators": ["张社工", "李社工"],
        "members": members.iter().map(|m| json!({"person_id": m, "hukou": "rural", "health": "多病", "disability": "2", "employment": "farming", "education": "小学"})).collect::<Vec<_>>(),
        "incomes": [{"kind": "wages", "amount_fen": 1_200_000}, {"kind": "farming", "amount_fen": 600_000}],
        "spending": [{"kind": "medical", "amount_fen": 300_000}],
        "property": {"housing": "砖木结构 80 平方米", "vehicles": "无", "savings_fen": 500_000, "business": ""},
        "notes": "<script>alert(1)</script> 家中老人长期服药",
        "signed": true
    })
}

http_test!(async fn investigations_compute_per_capita_income_and_refuse_bad_input(app) {
    let worker = app.api("worker").await;
    let a = person(&worker, "王建国", VILLAGE).await;
    let b = person(&worker, "李秀英", VILLAGE).await;
    let id = household(&worker, Some(a)).await;
    worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": b, "relation": "spouse"})).await;
    let path = format!("/api/v1/households/{id}/investigations");
    let r = worker.post(&path, investigation(&[a, b])).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total_income_fen"], 1_800_000);
    assert_eq!(v["per_capita_monthly_fen"], 75_000, "18,000 元 ÷ 12 ÷ 2");
    assert_eq!(v["members"][0]["health"], "chronic");
    assert_eq!(v["property"]["savings_fen"], 500_000);
    let l: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let h: Value = worker.get(&format!("/api/v1/households/{id}")).await.json().await.unwrap();
    assert_eq!(h["per_capita_monthly_fen"], 75_000);
    for p in [a, b] {
        assert!(timeline_kinds(&worker, p).await.contains(&"household.investigation".to_string()));
    }
    // Bad input: every reason, nothing written.
    let mut bad = investigation(&[a]);
    bad["investigators"] = json!(["张社工", " 张社工 "]);
    bad["date"] = json!(day(3));
    bad["incomes"] = json!([{"kind": "wages", "amount_fen": -100}]);
    bad["signed"] = json!(false);
    let v = problem(worker.post(&path, bad).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["date", "investigators", "incomes", "signed"]);
    assert!(v.to_string().contains("至少需要两名"));
    let mut bad = investigation(&[a]);
    bad["investigators"] = json!(["<script>alert(1)</script>", "李社工"]);
    problem(worker.post(&path, bad).await, 422).await;
    let mut bad = investigation(&[a]);
    bad["members"] = json!([]);
    problem(worker.post(&path, bad).await, 422).await;
    let outsider = person(&worker, "路人", VILLAGE).await;
    problem(worker.post(&path, investigation(&[outsider])).await, 422).await;
    let mut bad = investigation(&[a]);
    bad["incomes"] = json!([{"kind": "wages", "amount_fen": 12.5}]);
    problem(worker.post(&path, bad).await, 400).await;
    let mut bad = investigation(&[a]);
    bad["salary"] = json!(1);
    problem(worker.post(&path, bad).await, 400).await;
    // Roles and scope.
    problem(app.api("supervisor").await.post(&path, investigation(&[a])).await, 403).await;
    problem(app.api("worker2").await.post(&path, investigation(&[a])).await, 404).await;
    problem(app.api("volunteer").await.get(&path).await, 403).await;
    let l: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1, "nothing half-written");
    assert_eq!(app.audit_count("household.investigation"), 1);
    // The form page: shown on the household page, saved through a plain form.
    let html = worker.get(&format!("/households/{id}")).await.text().await.unwrap();
    assert!(html.contains("data-per-capita=\"750.00\""));
    assert!(html.contains(&format!("href=\"/persons/{a}\"")) && html.contains(&format!("href=\"/persons/{b}\"")));
    assert!(escaped(&html, "script"), "notes escaped");
    let new = format!("/households/{id}/investigations/new");
    let html = worker.get(&new).await.text().await.unwrap();
    assert!(html.contains("name=\"_csrf\"") && html.contains(&format!("name=\"m{a}_include\"")));
    assert!(html.contains("<option value=\"chronic\" selected>"), "the last answers are the starting point");
    let inc = format!("m{a}_include");
    let hk = format!("m{a}_hukou");
    let r = form(&worker, &new, &[("date", &day(0)), ("investigator", "张社工"), ("investigator", ""), (&inc, "1"), (&hk, "rural"), ("income_wages", "-5")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("至少需要两名") && html.contains("金额不能为负数"));
    let r = form(&worker, &new, &[("date", &day(0)), ("investigator", "张社工"), ("investigator", "李社工"), (&inc, "1"), (&hk, "rural"), ("income_wages", "12,000"), ("income_pension", "1200.5"), ("signed", "1")]).await;
    assert_eq!(r.status(), 303);
    let l: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(l["items"][0]["total_income_fen"], 1_320_050);
    assert_eq!(l["items"][0]["per_capita_monthly_fen"], 110_004, "13,200.50 元 ÷ 12, rounded");
    assert_eq!(app.api("supervisor").await.get(&new).await.status(), 403);
    assert_eq!(app.api("worker2").await.get(&new).await.status(), 404);
});

http_test!(async fn reading_a_household_with_a_child_is_audited(app) {
    let worker = app.api("worker").await;
    let adult = person(&worker, "王建国", VILLAGE).await;
    let id = household(&worker, Some(adult)).await;
    worker.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(app.audit_count("household.read"), 0, "ordinary members: not audited");
    let child: Value = worker.post("/api/v1/persons", json!({"name": "王小宝", "org_code": VILLAGE, "birth_date": "2018-03-01"})).await.json().await.unwrap();
    worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": child["id"], "relation": "孙子女"})).await;
    assert_eq!(app.audit_count("household.read"), 1, "the answer to adding the child shows the child");
    worker.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(app.audit_count("household.read"), 2);
    // A confidential member is not shown to a colleague who is not assigned.
    let c: Value = worker.post("/api/v1/persons", json!({"name": "保密人", "org_code": VILLAGE, "sensitivity": "confidential"})).await.json().await.unwrap();
    worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": c["id"], "relation": "other"})).await;
    add_account(&app, "worker_b", shegong_domain::role::Role::SocialWorker, "430202001");
    let colleague = app.api("worker_b").await;
    let h: Value = colleague.get(&format!("/api/v1/households/{id}")).await.json().await.unwrap();
    assert_eq!(h["members"].as_array().unwrap().len(), 2);
    assert!(!h.to_string().contains("保密人"));
    let l: Value = colleague.get("/api/v1/households").await.json().await.unwrap();
    assert_eq!(l["items"][0]["member_count"], 2, "a hidden member is not even counted");
    let h: Value = app.api("head").await.get(&format!("/api/v1/households/{id}")).await.json().await.unwrap();
    assert_eq!(h["members"].as_array().unwrap().len(), 3, "the station head sees everyone");
});

http_test!(async fn reviews_due_and_overdue_for_the_station(app) {
    let worker = app.api("worker").await;
    let due_hh = household(&worker, Some(person(&worker, "甲", VILLAGE).await)).await;
    let late_hh = household(&worker, Some(person(&worker, "乙", VILLAGE).await)).await;
    let later_hh = household(&worker, None).await;
    let review = |cat: &str, on: String, result: &str, next: Option<String>| json!({"category": cat, "reviewed_on": on, "result": result, "next_due": next});
    let r = worker.post(&format!("/api/v1/households/{due_hh}/reviews"), review("低保", day(-355), "继续", Some(day(10)))).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["category"].as_str(), v["result"].as_str()), (Some("dibao"), Some("continue")));
    assert_eq!(worker.post(&format!("/api/v1/households/{late_hh}/reviews"), review("tekun", day(-400), "adjust", Some(day(-5)))).await.status(), 201);
    assert_eq!(worker.post(&format!("/api/v1/households/{later_hh}/reviews"), review("dibao", day(0), "continue", Some(day(100)))).await.status(), 201);
    assert_eq!(worker.post(&format!("/api/v1/households/{later_hh}/reviews"), review("temporary_urgent", day(0), "stop", None)).await.status(), 201);
    let list = |s: &'static str| {
        let w = &worker;
        async move { w.get(&format!("/api/v1/households/reviews{s}")).await.json::<Value>().await.unwrap() }
    };
    let l = list("?status=due").await;
    assert_eq!(l["total"], 1);
    assert_eq!((l["items"][0]["household_id"].as_i64(), l["items"][0]["status"].as_str(), l["items"][0]["days_left"].as_i64()), (Some(due_hh), Some("due"), Some(10)));
    assert_eq!(l["items"][0]["head_name"], "甲");
    let l = list("?status=overdue").await;
    assert_eq!(l["total"], 1);
    assert_eq!((l["items"][0]["household_id"].as_i64(), l["items"][0]["status"].as_str()), (Some(late_hh), Some("overdue")));
    let l = list("").await;
    assert_eq!(l["total"], 2);
    assert_eq!(l["items"][0]["household_id"], late_hh, "overdue first");
    problem(worker.get("/api/v1/households/reviews?status=soon").await, 422).await;
    // The page highlights the overdue one.
    let html = worker.get("/households/reviews").await.text().await.unwrap();
    assert!(html.contains("class=\"overdue\"") && html.contains("data-total=\"2\""));
    // A new review replaces the old one on the list.
    worker.post(&format!("/api/v1/households/{late_hh}/reviews"), review("特困供养", day(0), "continue", Some(day(365)))).await;
    assert_eq!(list("?status=overdue").await["total"], 0);
    let h: Value = worker.get(&format!("/api/v1/households/{late_hh}/reviews")).await.json().await.unwrap();
    assert_eq!(h["items"].as_array().unwrap().len(), 2);
    assert_eq!(h["items"][1]["superseded"], true);
    // Scope and roles.
    let l: Value = app.api("worker2").await.get("/api/v1/households/reviews").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    let l: Value = app.api("lusong_head").await.get("/api/v1/households/reviews").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    problem(app.api("purchaser").await.get("/api/v1/households/reviews").await, 403).await;
    assert_eq!(app.api("volunteer").await.get("/households/reviews").await.status(), 403);
    problem(app.api("supervisor").await.post(&format!("/api/v1/households/{due_hh}/reviews"), review("dibao", day(0), "continue", Some(day(30)))).await, 403).await;
    problem(app.api("worker2").await.post(&format!("/api/v1/households/{due_hh}/reviews"), review("dibao", day(0), "continue", Some(day(30)))).await, 404).await;
    // Bad input.
    let path = format!("/api/v1/households/{due_hh}/reviews");
    let v = problem(worker.post(&path, review("富豪", day(2), "maybe", None)).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["category", "reviewed_on", "result"]);
    problem(worker.post(&path, review("dibao", day(0), "continue", None)).await, 422).await;
    problem(worker.post(&path, review("dibao", day(0), "continue", Some(day(-1)))).await, 422).await;
    problem(worker.post(&path, review("dibao", "2026/2/30".into(), "continue", Some(day(30)))).await, 422).await;
    assert_eq!(app.audit_count("household.review"), 5);
    // The household page's review form.
    let r = form(&worker, &format!("/households/{due_hh}/reviews"), &[("category", "dibao"), ("reviewed_on", &day(0)), ("result", "continue"), ("next_due", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写下次复核日期"));
    let r = form(&worker, &format!("/households/{due_hh}/reviews"), &[("category", "dibao"), ("reviewed_on", &day(0)), ("result", "continue"), ("next_due", &day(365))]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(list("?status=due").await["total"], 0);
});

http_test!(async fn household_pages_list_create_and_edit(app) {
    let worker = app.api("worker").await;
    let a: Value = worker.post("/api/v1/persons", json!({"name": "欧阳𠮷祥", "org_code": VILLAGE, "health": "重病"})).await.json().await.unwrap();
    let a = a["id"].as_i64().unwrap();
    let html = worker.get("/households/new").await.text().await.unwrap();
    assert!(html.contains("name=\"_csrf\"") && html.contains("value=\"430202001\""));
    let r = form(&worker, "/households/new", &[("org_code", "430202"), ("address", "x"), ("head_person_id", "abc")]).await;
    assert_eq!(r.status(), 422);
    let r = form(&worker, "/households/new", &[("org_code", "430202002"), ("address", "x")]).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("不在您的管理范围内"));
    let r = form(&worker, "/households/new", &[("org_code", VILLAGE), ("address", "<script>alert(1)</script>路"), ("head_person_id", &a.to_string())]).await;
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/households/").split('?').next().unwrap().parse().unwrap();
    let html = worker.get(&loc).await.text().await.unwrap();
    assert!(html.contains("家庭已建立") && html.contains(&format!("href=\"/persons/{a}\"")) && html.contains("欧阳𠮷祥"));
    assert!(escaped(&html, "script"));
    let html = worker.get(&format!("/households/{id}/investigations/new")).await.text().await.unwrap();
    assert!(html.contains("<option value=\"serious\" selected>"), "health as on the person's record");
    // Find a person at the station and add them.
    let b = person(&worker, "欧阳小明", "430202001002").await;
    let html = worker.get(&format!("/households/{id}?member_q=%E6%AC%A7%E9%98%B3")).await.text().await.unwrap();
    assert!(html.contains(&format!("name=\"person_id\" value=\"{b}\"")));
    let r = form(&worker, &format!("/households/{id}/members"), &[("person_id", &b.to_string()), ("relation", "grandchild")]).await;
    assert_eq!(r.status(), 303);
    let r = form(&worker, &format!("/households/{id}/members"), &[("person_id", "x"), ("relation", "grandchild")]).await;
    assert_eq!(r.status(), 422);
    let r = form(&worker, &format!("/households/{id}/members/{b}/remove"), &[]).await;
    assert_eq!(r.status(), 303);
    let r = form(&worker, &format!("/households/{id}"), &[("org_code", VILLAGE), ("address", "新地址"), ("difficulty_degree", "extreme")]).await;
    assert_eq!(r.status(), 303);
    let r = form(&worker, &format!("/households/{id}"), &[("org_code", VILLAGE), ("difficulty_degree", "huge")]).await;
    assert_eq!(r.status(), 422);
    // The list and its search.
    let html = worker.get("/households?q=%E6%AC%A7%E9%98%B3").await.text().await.unwrap();
    assert!(html.contains("data-total=\"1\"") && html.contains(&format!("href=\"/households/{id}\"")));
    let html = worker.get("/households?q=zzz").await.text().await.unwrap();
    assert!(html.contains("data-total=\"0\""));
    // In English too.
    assert_eq!(worker.get("/lang/en?next=/households").await.status(), 303);
    for (path, text) in [("/households".to_string(), "Households"), (format!("/households/{id}"), "Assistance reviews"), (format!("/households/{id}/investigations/new"), "Income, last 12 months"), ("/households/reviews".to_string(), "Reviews due"), ("/communities".to_string(), "Community profiles")] {
        let html = worker.get(&path).await.text().await.unwrap();
        assert!(html.contains(text), "{path} in English");
    }
    assert_eq!(worker.get("/lang/zh?next=/households").await.status(), 303);
    // Without the right, or out of scope.
    assert_eq!(app.api("volunteer").await.get("/households").await.status(), 403);
    assert_eq!(app.api("purchaser").await.get("/households/new").await.status(), 403);
    assert_eq!(app.api("worker2").await.get(&format!("/households/{id}")).await.status(), 404);
    let sup = app.api("supervisor").await;
    let html = sup.get(&format!("/households/{id}")).await.text().await.unwrap();
    assert!(!html.contains("/members\"") && !html.contains("investigations/new"), "no forms for readers");
    assert_eq!(form(&sup, &format!("/households/{id}"), &[("org_code", VILLAGE)]).await.status(), 403);
    // Without the CSRF token.
    let r = worker.c.post(worker.url(&format!("/households/{id}"))).form(&[("org_code", VILLAGE)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
});

http_test!(async fn community_profiles_are_versioned(app) {
    let worker = app.api("worker").await;
    let l: Value = worker.get("/api/v1/communities").await.json().await.unwrap();
    assert!(l["total"].as_i64().unwrap() >= 3);
    assert!(l["items"].as_array().unwrap().iter().all(|e| e["code"].as_str().unwrap().starts_with("430202001") && e["version"].is_null()));
    let path = format!("/api/v1/communities/{VILLAGE}");
    let v: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(v["name"], "文化路社区居委会");
    assert!(v["profile"].is_null());
    let r = put(&worker, &path, json!({"population": "1200 户 3500 人,60 岁以上 820 人", "history": "<script>alert(1)</script>始建于 1958 年", "sources": "社区台账 2025"})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["profile"]["version"], 1);
    assert_eq!(v["profile"]["updated_by"], "worker");
    let r = put(&worker, &path, json!({"population": "1210 户", "history": "始建于 1958 年", "culture": "花鼓戏", "sources": "社区台账 2026", "version": 1})).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["profile"]["version"], 2);
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(v["history"][1]["population"], "1200 户 3500 人,60 岁以上 820 人", "the previous version is kept");
    // Stale, empty, unsourced, overlong, unknown fields.
    problem(put(&worker, &path, json!({"population": "x", "sources": "y", "version": 1})).await, 409).await;
    problem(put(&worker, &path, json!({})).await, 422).await;
    problem(put(&worker, &path, json!({"culture": "花鼓戏"})).await, 422).await;
    problem(put(&worker, &path, json!({"culture": "x".repeat(5001), "sources": "y"})).await, 422).await;
    problem(put(&worker, &path, json!({"culture": "x", "sources": "y", "author": "z"})).await, 400).await;
    // Scope, level and roles.
    problem(app.api("worker2").await.get(&path).await, 404).await;
    problem(put(&app.api("lusong_head").await, &path, json!({"culture": "x", "sources": "y"})).await, 404).await;
    problem(worker.get("/api/v1/communities/430202001").await, 404).await;
    problem(worker.get("/api/v1/communities/430202002002").await, 404).await;
    problem(put(&app.api("supervisor").await, &path, json!({"culture": "x", "sources": "y", "version": 2})).await, 403).await;
    assert_eq!(app.api("supervisor").await.get(&path).await.status(), 200);
    problem(app.api("volunteer").await.get(&path).await, 403).await;
    problem(app.api("purchaser").await.get("/api/v1/communities").await, 403).await;
    assert_eq!(app.audit_count("community.update"), 2);
    // Pages.
    let html = worker.get("/communities").await.text().await.unwrap();
    assert!(html.contains("文化路社区居委会") && html.contains("v2"));
    let page = format!("/communities/{VILLAGE}");
    let html = worker.get(&page).await.text().await.unwrap();
    assert!(html.contains("花鼓戏") && html.contains("name=\"_csrf\"") && html.contains("v1"));
    let r = form(&worker, &page, &[("culture", "花鼓戏、龙舟"), ("sources", ""), ("version", "2")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("资料来源"));
    let r = form(&worker, &page, &[("history", "<script>alert(2)</script>"), ("sources", "走访"), ("version", "2")]).await;
    assert_eq!(r.status(), 303);
    let html = worker.get(&page).await.text().await.unwrap();
    assert!(escaped(&html, "script&gt;alert(2)") || escaped(&html, "script&#62;alert(2)"));
    let html = worker.get(&format!("{page}?version=1")).await.text().await.unwrap();
    assert!(html.contains("正在查看历史版本") && html.contains("1200 户 3500 人"), "an earlier version stays readable");
    assert_eq!(app.api("worker2").await.get(&page).await.status(), 404);
    let html = app.api("supervisor").await.get(&page).await.text().await.unwrap();
    assert!(!html.contains("name=\"version\""), "no form for readers");
});

http_test!(async fn the_routes_are_documented(app) {
    let doc: Value = app.api("worker").await.get("/api/openapi.json").await.json().await.unwrap();
    let paths = &doc["paths"];
    for p in ["/api/v1/households", "/api/v1/households/{id}", "/api/v1/households/{id}/members", "/api/v1/households/{id}/investigations", "/api/v1/households/{id}/reviews", "/api/v1/households/reviews", "/api/v1/communities/{code}"] {
        assert!(paths[p].is_object(), "{p} documented");
    }
    assert!(paths["/api/v1/communities/{code}"]["put"].is_object());
    for p in ["/api/v1/households/{id}/investigations/{investigation_id}", "/api/v1/households/{id}/reviews/{review_id}"] {
        assert!(paths[p]["put"].is_object() && paths[p]["delete"].is_object(), "{p} documented");
    }
});

// Every role × reading and changing a household, in scope (月塘) and out of it (芦淞区). Written
// out, not derived from the policy.
http_test!(async fn the_household_access_matrix(app) {
    const ROLES: [&str; 8] = ["admin", "purchaser", "operator", "head", "worker", "supervisor", "liaison", "volunteer"];
    let ours = household(&app.api("worker").await, None).await;
    let lusong = app.api("lusong_head").await;
    let r = lusong.post("/api/v1/households", json!({"org_code": "430203001", "address": "芦淞"})).await;
    assert_eq!(r.status(), 201);
    let theirs = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let read_in = [403, 403, 403, 200, 200, 200, 403, 403];
    let read_out = [403, 403, 403, 404, 404, 404, 403, 403];
    let write_in = [403, 403, 403, 200, 200, 403, 403, 403];
    let write_out = [403, 403, 403, 404, 404, 404, 403, 403];
    for (i, who) in ROLES.iter().enumerate() {
        let api = app.api(who).await;
        for (id, read, write) in [(ours, read_in[i], write_in[i]), (theirs, read_out[i], write_out[i])] {
            let r = api.get(&format!("/api/v1/households/{id}")).await;
            assert_eq!(r.status().as_u16(), read, "{who} reads household {id}");
            let r = put(&api, &format!("/api/v1/households/{id}"), json!({"org_code": if id == ours { VILLAGE } else { "430203001" }, "address": "改"})).await;
            assert_eq!(r.status().as_u16(), write, "{who} changes household {id}");
            let r = api.get(&format!("/households/{id}")).await;
            assert_eq!(r.status().as_u16(), read, "{who} opens the page of household {id}");
        }
    }
});

// ---------------------------------------------------------------- corrections (8.1.1.1, 8.1.1.2)

async fn history_rows(api: &Api, pid: i64) -> Vec<Value> {
    let h: Value = api
        .get(&format!("/api/v1/persons/{pid}/history"))
        .await
        .json()
        .await
        .unwrap();
    h["items"].as_array().unwrap().clone()
}

http_test!(async fn investigations_are_corrected_and_deleted_with_a_reason(app) {
    let worker = app.api("worker").await;
    let a = person(&worker, "王建国", VILLAGE).await;
    let b = person(&worker, "李秀英", VILLAGE).await;
    let id = household(&worker, Some(a)).await;
    worker.post(&format!("/api/v1/households/{id}/members"), json!({"person_id": b, "relation": "spouse"})).await;
    let r = worker.post(&format!("/api/v1/households/{id}/investigations"), investigation(&[a, b])).await;
    let iid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/households/{id}/investigations/{iid}");
    let list = format!("/api/v1/households/{id}/investigations");
    let before: Value = worker.get(&list).await.json().await.unwrap();
    // Refusals change nothing: no reason, bad values (every reason at once), no right, out of scope.
    let mut fixed = investigation(&[a, b]);
    fixed["incomes"] = json!([{"kind": "wages", "amount_fen": 2_400_000}]);
    let v = problem(put(&worker, &path, json!({"investigation": fixed})).await, 422).await;
    assert!(v.to_string().contains("请填写更正或删除的原因"));
    let mut bad = fixed.clone();
    bad["date"] = json!(day(3));
    bad["investigators"] = json!(["张社工"]);
    let v = problem(put(&worker, &path, json!({"reason": "  ", "investigation": bad})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["date", "investigators", "reason"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    problem(put(&app.api("supervisor").await, &path, json!({"reason": "x", "investigation": fixed})).await, 403).await;
    problem(put(&app.api("lusong_head").await, &path, json!({"reason": "x", "investigation": fixed})).await, 404).await;
    problem(put(&worker, &format!("/api/v1/households/{id}/investigations/999999"), json!({"reason": "x", "investigation": fixed})).await, 404).await;
    problem(app.api("supervisor").await.delete_json(&path, json!({"reason": "x"})).await, 403).await;
    problem(app.api("lusong_head").await.delete_json(&path, json!({"reason": "x"})).await, 404).await;
    problem(worker.delete_json(&path, json!({})).await, 422).await;
    assert_eq!(worker.get(&list).await.json::<Value>().await.unwrap(), before, "nothing changed on refusal");
    assert_eq!(app.audit_count("household.investigation.update") + app.audit_count("household.investigation.delete"), 0);
    // A correction: per-capita income computed again; each changed field in both members' history.
    let r = put(&worker, &path, json!({"reason": "工资收入少算", "investigation": fixed})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["per_capita_monthly_fen"], 100_000, "24,000 元 ÷ 12 ÷ 2");
    for p in [a, b] {
        let h = history_rows(&worker, p).await;
        let row = h.iter().find(|r| r["field"] == format!("investigation:{iid}.per_capita_monthly")).expect("in history");
        assert_eq!((row["old_value"].as_str(), row["new_value"].as_str(), row["reason"].as_str()), (Some("750.00 元"), Some("1000.00 元"), Some("工资收入少算")));
    }
    assert_eq!(app.audit_count("household.investigation.update"), 1);
    // A deletion: gone from the list, kept in the history (and the database).
    let r = worker.delete_json(&path, json!({"reason": "重复录入"})).await;
    assert_eq!(r.status(), 204);
    assert!(worker.get(&list).await.json::<Value>().await.unwrap()["items"].as_array().unwrap().is_empty());
    problem(worker.delete_json(&path, json!({"reason": "again"})).await, 404).await;
    let h = history_rows(&worker, a).await;
    assert!(h.iter().any(|r| r["field"] == format!("investigation:{iid}.deleted") && r["reason"] == "重复录入"));
    assert_eq!(app.audit_count("household.investigation.delete"), 1);
    let html = worker.get(&format!("/persons/{a}/history")).await.text().await.unwrap();
    assert!(html.contains("入户调查 #") && html.contains("重复录入"), "the history page names the record and the reason");
});

http_test!(async fn reviews_are_corrected_and_deleted_and_the_due_list_follows(app) {
    let worker = app.api("worker").await;
    let a = person(&worker, "王建国", VILLAGE).await;
    let id = household(&worker, Some(a)).await;
    let reviews = format!("/api/v1/households/{id}/reviews");
    let review = |on: i64, next: i64| json!({"category": "dibao", "reviewed_on": day(on), "result": "continue", "next_due": day(next)});
    let older = worker.post(&reviews, review(-400, -30)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let newer = worker.post(&reviews, review(-10, 20)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let due = |s: &'static str| { let w = &worker; async move { w.get(&format!("/api/v1/households/reviews?status={s}")).await.json::<Value>().await.unwrap() } };
    assert_eq!(due("overdue").await["total"], 0);
    assert_eq!(due("due").await["items"][0]["review_id"], newer);
    let path = format!("{reviews}/{newer}");
    // Refusals change nothing.
    problem(put(&worker, &path, json!({"review": review(-10, 20)})).await, 422).await;
    let v = problem(put(&worker, &path, json!({"reason": "x", "review": {"category": "什么", "reviewed_on": "2026/2/30", "result": "continue", "next_due": day(20)}})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"category") && fields.contains(&"reviewed_on"), "{fields:?}");
    problem(put(&app.api("supervisor").await, &path, json!({"reason": "x", "review": review(-10, 20)})).await, 403).await;
    problem(put(&app.api("lusong_head").await, &path, json!({"reason": "x", "review": review(-10, 20)})).await, 404).await;
    problem(app.api("supervisor").await.delete_json(&path, json!({"reason": "x"})).await, 403).await;
    problem(app.api("lusong_head").await.delete_json(&path, json!({"reason": "x"})).await, 404).await;
    problem(worker.delete_json(&path, json!({"reason": ""})).await, 422).await;
    problem(worker.delete_json(&path, json!({"reason": "x", "extra": 1})).await, 400).await;
    assert_eq!(due("due").await["items"][0]["review_id"], newer, "nothing changed on refusal");
    // Deleting the latest review: the one before it is current again, and overdue.
    assert_eq!(worker.delete_json(&path, json!({"reason": "录错了户"})).await.status(), 204);
    let o = due("overdue").await;
    assert_eq!((o["total"].as_i64(), o["items"][0]["review_id"].as_i64()), (Some(1), Some(older)));
    let l: Value = worker.get(&reviews).await.json().await.unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    // Correcting its next due date takes it off the overdue list.
    let r = put(&worker, &format!("{reviews}/{older}"), json!({"reason": "下次复核日期填错", "review": review(-400, 10)})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["next_due"], day(10));
    assert_eq!(due("overdue").await["total"], 0);
    assert_eq!(due("due").await["items"][0]["review_id"], older);
    let h = history_rows(&worker, a).await;
    assert!(h.iter().any(|r| r["field"] == format!("review:{older}.next_due") && r["reason"] == "下次复核日期填错" && r["new_value"] == day(10)));
    assert!(h.iter().any(|r| r["field"] == format!("review:{newer}.deleted") && r["reason"] == "录错了户"));
    assert_eq!((app.audit_count("household.review.update"), app.audit_count("household.review.delete")), (1, 1));
});

http_test!(async fn review_and_investigation_correction_pages(app) {
    let worker = app.api("worker").await;
    let a = person(&worker, "王建国", VILLAGE).await;
    let id = household(&worker, Some(a)).await;
    let rid = worker.post(&format!("/api/v1/households/{id}/reviews"), json!({"category": "dibao", "reviewed_on": day(-5), "result": "continue", "next_due": day(100)})).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let iid = worker.post(&format!("/api/v1/households/{id}/investigations"), investigation(&[a])).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let detail = worker.get(&format!("/households/{id}")).await.text().await.unwrap();
    assert!(detail.contains(&format!("/households/{id}/reviews/{rid}/edit")) && detail.contains(&format!("/households/{id}/investigations/{iid}/edit")));
    let reader = app.api("supervisor").await;
    let html = reader.get(&format!("/households/{id}")).await.text().await.unwrap();
    assert!(!html.contains("/edit\""), "no correction links for readers");
    // Review: the form starts from what was saved; a missing reason comes back inline.
    let edit = format!("/households/{id}/reviews/{rid}/edit");
    let html = worker.get(&edit).await.text().await.unwrap();
    assert!(html.contains(&day(100)) && html.contains("name=\"reason\""));
    let r = form(&worker, &edit, &[("category", "dibao"), ("reviewed_on", &day(-5)), ("result", "adjust"), ("next_due", &day(100)), ("notes", ""), ("reason", "")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("请填写更正或删除的原因") && html.contains("value=\"adjust\" selected"), "typed values kept");
    let r = form(&worker, &edit, &[("category", "dibao"), ("reviewed_on", &day(-5)), ("result", "adjust"), ("next_due", &day(100)), ("notes", ""), ("reason", "结果填错")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/households/{id}?done=corrected"));
    assert_eq!(worker.get(&format!("/api/v1/households/{id}/reviews")).await.json::<Value>().await.unwrap()["items"][0]["result"], "adjust");
    assert_eq!(reader.get(&edit).await.status(), 403);
    assert_eq!(app.api("lusong_head").await.get(&edit).await.status(), 404);
    assert_eq!(form(&reader, &edit, &[("reason", "x")]).await.status(), 403);
    // Delete from the page: the reason is required.
    let del = format!("/households/{id}/reviews/{rid}/delete");
    let r = form(&worker, &del, &[("reason", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写更正或删除的原因"));
    assert_eq!(form(&app.api("lusong_head").await, &del, &[("reason", "x")]).await.status(), 404);
    assert_eq!(form(&reader, &del, &[("reason", "x")]).await.status(), 403);
    let r = form(&worker, &del, &[("reason", "重复")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(worker.get(&edit).await.status(), 404, "a deleted review is gone");
    // Investigation: the form is filled from the saved record, corrected, then deleted.
    let edit = format!("/households/{id}/investigations/{iid}/edit");
    let html = worker.get(&edit).await.text().await.unwrap();
    assert!(html.contains("value=\"12000.00\"") && html.contains(&format!("action=\"{edit}\"")), "filled from the record");
    let typed = |reason: &'static str| {
        let d = day(-1);
        vec![("date".to_string(), d), ("investigator".into(), "张社工".into()), ("investigator".into(), "李社工".into()),
            (format!("m{a}_include"), "1".into()), (format!("m{a}_hukou"), "rural".into()), ("income_wages".into(), "36000".into()),
            ("signed".into(), "1".into()), ("reason".into(), reason.into())]
    };
    let post = |fields: Vec<(String, String)>| {
        let w = &worker;
        let edit = edit.clone();
        async move {
            let mut all = vec![("_csrf".to_string(), w.csrf.clone())];
            all.extend(fields);
            w.c.post(w.url(&edit)).form(&all).send().await.unwrap()
        }
    };
    let r = post(typed("")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写更正或删除的原因"));
    let r = post(typed("收入填错")).await;
    assert_eq!(r.status(), 303);
    let v: Value = worker.get(&format!("/api/v1/households/{id}/investigations")).await.json().await.unwrap();
    assert_eq!(v["items"][0]["per_capita_monthly_fen"], 300_000);
    assert_eq!(form(&reader, &edit, &[("reason", "x")]).await.status(), 403);
    let del = format!("/households/{id}/investigations/{iid}/delete");
    assert_eq!(form(&worker, &del, &[("reason", "")]).await.status(), 422);
    assert_eq!(form(&worker, &del, &[("reason", "错户")]).await.status(), 303);
    assert_eq!(worker.get(&edit).await.status(), 404);
});
