//! Supervision records (7.4 b) and quality reviews (7.5.2.2, 10.5) through the API and the pages:
//! who may write and read, out of scope 404, bad input 422, one-time changes 409.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use shegong_domain::quality;
use time::Duration;

fn day(offset: i64) -> String {
    dates::iso(dates::today() + Duration::days(offset))
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

async fn ok(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    r.json().await.unwrap()
}

/// A case opened by `worker` for a new person of `village`.
async fn open_case(worker: &Api, village: &str) -> i64 {
    let p = ok(
        worker
            .post(
                "/api/v1/persons",
                json!({"name": "张秀英", "birth_date": "1944-03-01", "org_code": village}),
            )
            .await,
        201,
    )
    .await;
    let pid = p["id"].as_i64().unwrap();
    let c = ok(worker.post(&format!("/api/v1/persons/{pid}/cases"),
        json!({"intake": {"source": "walk_in", "received_on": day(0), "presenting_problem": "独居,情绪低落", "consent": true, "eligible": true}})).await, 201).await;
    c["id"].as_i64().unwrap()
}

/// A case of 430202001 walked to closed (section 10), its evaluation recording "satisfied".
async fn closed_case(worker: &Api, head: &Api) -> i64 {
    let id = open_case(worker, "430202001001").await;
    let step = async |api: &Api, event: &str| {
        let r = api
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                json!({"event": event}),
            )
            .await;
        assert_eq!(r.status(), 200, "{event}");
    };
    step(worker, "accept").await;
    ok(put(worker, &format!("/api/v1/cases/{id}/needs"), json!({"assessed_on": day(0), "individual": "82 岁,独居", "family": "儿子在外务工",
        "community": "村里有老年协会", "strengths": "性格开朗", "problem_summary": "缺少照料", "needs": [{"need": "日常生活照料", "priority": "high"}],
        "worker_signature": "王芳"})).await, 201).await;
    step(worker, "advance").await;
    ok(put(worker, &format!("/api/v1/cases/{id}/plan"), json!({"planned_on": day(0), "goals": [{"goal": "缓解孤独感",
        "indicator": "每周参加活动 2 次", "target_date": day(90), "needs": [1]}], "interventions": [{"action": "每月入户一次", "items": ["8.2.5"]}]})).await, 201).await;
    step(worker, "submit_plan").await;
    step(head, "approve").await;
    step(worker, "advance").await;
    ok(
        put(
            worker,
            &format!("/api/v1/cases/{id}/evaluation"),
            json!({"evaluated_on": day(0), "goals": [{"goal": 1, "score": 1}],
        "satisfaction": "4", "reflection": "目标基本达成"}),
        )
        .await,
        201,
    )
    .await;
    ok(put(worker, &format!("/api/v1/cases/{id}/closing"), json!({"reason": "goals_met", "summary": "情绪好转",
        "reviewed_with_person": true, "follow_up_plan": "一个月后电话回访", "first_follow_up_days": 30})).await, 201).await;
    step(worker, "submit_closing").await;
    step(head, "approve").await;
    id
}

fn record() -> Value {
    json!({"held_on": day(0), "mode": "individual", "observations": "需求评估具体,家庭系统较弱",
        "advice": "补充家庭支持网络", "follow_up": "补写家庭系统评估", "follow_up_due": day(7)})
}

http_test!(async fn supervision_on_cases_and_workers(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let sup = app.api("supervisor").await;
    let purchaser = app.api("purchaser").await;
    let case = open_case(&worker, "430202001001").await;
    let path = format!("/api/v1/cases/{case}/supervision");

    // Bad input first: nothing written, every field named.
    let p = problem(sup.post(&path, json!({"held_on": day(1), "mode": "chat", "observations": " ", "advice": ""})).await, 422).await;
    assert!(p["errors"].as_array().unwrap().len() >= 4);
    let mut bad = record();
    bad["follow_up_due"] = json!(day(-1));
    problem(sup.post(&path, bad).await, 422).await;
    let mut named = record();
    named["worker_id"] = json!(app.user_id("worker"));
    problem(sup.post(&path, named).await, 422).await;
    assert_eq!(app.audit_count("supervision.create"), 0);

    let id = ok(sup.post(&path, record()).await, 201).await["id"].as_i64().unwrap();
    assert_eq!(app.audit_count("supervision.create"), 1);
    // Only the supervisor writes: a worker 403, a purchaser (who reads no cases) 403.
    problem(worker.post(&path, record()).await, 403).await;
    problem(purchaser.post(&path, record()).await, 403).await;
    // A case outside the supervisor's stations: 404, as if it did not exist.
    let lusong = app.api("lusong_head").await;
    let far = open_case(&lusong, "430203001001").await;
    problem(sup.post(&format!("/api/v1/cases/{far}/supervision"), record()).await, 404).await;
    problem(sup.get(&format!("/api/v1/cases/{far}/supervision")).await, 404).await;

    // Readers: the worker on the case, the head, the supervisor; another station's worker 404.
    for api in [&worker, &head, &sup] {
        let l = ok(api.get(&path).await, 200).await;
        assert_eq!(l["total"], 1);
        assert_eq!(l["items"][0]["worker_id"], app.user_id("worker"));
    }
    problem(app.api("worker2").await.get(&path).await, 404).await;
    problem(purchaser.get(&path).await, 403).await;

    // The worker answers once; nobody else does.
    let resp = format!("/api/v1/supervision/{id}/response");
    problem(worker.post(&resp, json!({"response": " "})).await, 422).await;
    problem(head.post(&resp, json!({"response": "好"})).await, 403).await;
    let r = ok(worker.post(&resp, json!({"response": "已补写家庭系统"})).await, 200).await;
    assert_eq!(r["response"], "已补写家庭系统");
    problem(worker.post(&resp, json!({"response": "again"})).await, 409).await;

    // The supervisor marks the follow-up done once.
    let done = format!("/api/v1/supervision/{id}/follow-up-done");
    problem(worker.post(&done, json!({})).await, 403).await;
    assert_eq!(ok(sup.post(&done, json!({})).await, 200).await["follow_up_done_on"], day(0));
    problem(sup.post(&done, json!({})).await, 409).await;

    // On a worker: in scope only; the worker reads it with their case's.
    let mut on_worker = record();
    on_worker["worker_id"] = json!(app.user_id("worker"));
    ok(sup.post("/api/v1/supervision", on_worker.clone()).await, 201).await;
    on_worker["worker_id"] = json!(app.user_id("lusong_head"));
    problem(sup.post("/api/v1/supervision", on_worker.clone()).await, 404).await;
    problem(sup.post("/api/v1/supervision", record()).await, 422).await;
    on_worker["worker_id"] = json!(app.user_id("worker"));
    problem(head.post("/api/v1/supervision", on_worker).await, 403).await;
    assert_eq!(ok(worker.get("/api/v1/supervision").await, 200).await["total"], 2);
    assert_eq!(ok(app.api("worker2").await.get("/api/v1/supervision").await, 200).await["total"], 0);
    problem(app.api("volunteer").await.get("/api/v1/supervision").await, 403).await;
    problem(purchaser.get(&format!("/api/v1/supervision/{id}")).await, 403).await;
    problem(lusong.get(&format!("/api/v1/supervision/{id}")).await, 404).await;

    // The pages: the supervisor's form, a refused form shown again, the worker's answer box.
    let page = sup.get(&format!("/cases/{case}/supervision")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"observations\""));
    let r = form(&sup, &format!("/cases/{case}/supervision"), &[("held_on", &day(0)), ("mode", "group"), ("observations", ""), ("advice", "x")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("必填"));
    let r = form(&sup, &format!("/cases/{case}/supervision"), &[("held_on", &day(0)), ("mode", "group"), ("observations", "小组督导"), ("advice", "x")]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let page = worker.get("/supervision").await.text().await.unwrap();
    assert!(page.contains("/response"));
    assert_eq!(sup.get(&format!("/cases/{far}/supervision")).await.status(), 404);
    assert_eq!(purchaser.get("/supervision").await.status(), 403);
});

fn all_scores(s: i64) -> Value {
    let m: serde_json::Map<String, Value> = quality::latest()
        .items
        .iter()
        .map(|i| (i.code.to_string(), json!(s)))
        .collect();
    json!({"scores": m})
}

http_test!(async fn a_quality_review_from_draw_to_done_actions(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let case = closed_case(&worker, &head).await;
    let period = json!({"from": day(-30), "to": day(0), "count": 5});

    // Who draws: head and purchaser; not a worker or a supervisor; not out of scope.
    problem(worker.post("/api/v1/quality-reviews", period.clone()).await, 403).await;
    problem(app.api("supervisor").await.post("/api/v1/quality-reviews", period.clone()).await, 403).await;
    let mut far = period.clone();
    far["org_code"] = json!("430203001");
    problem(head.post("/api/v1/quality-reviews", far).await, 404).await;
    // Bad input: both sizes, a future end, a period without closed cases.
    problem(head.post("/api/v1/quality-reviews", json!({"from": day(-30), "to": day(0), "count": 5, "percent": 10})).await, 422).await;
    problem(head.post("/api/v1/quality-reviews", json!({"from": day(-30), "to": day(1), "count": 5})).await, 422).await;
    problem(head.post("/api/v1/quality-reviews", json!({"from": day(-400), "to": day(-300), "count": 5})).await, 422).await;

    let r = ok(head.post("/api/v1/quality-reviews", period.clone()).await, 201).await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["population"], 1);
    assert_eq!(r["cases"][0]["case_id"], case);
    assert_eq!(r["cases"][0]["satisfaction"], "4");
    assert_eq!(r["cases"][0]["suggested"]["plan"], 2);
    assert_eq!(r["satisfied_percent"], 100);
    assert!(!r["seed"].as_str().unwrap().is_empty());
    assert_eq!(app.audit_count("quality_review.create"), 1);
    // The purchaser draws too, from the county, and sees the sample without personal data.
    let mut seeded = period.clone();
    seeded["seed"] = json!(42);
    let pr = ok(app.api("purchaser").await.post("/api/v1/quality-reviews", seeded).await, 201).await;
    assert_eq!(pr["seed"], "42");
    assert!(!pr.to_string().contains("张秀英"));
    problem(app.api("lusong_head").await.get(&format!("/api/v1/quality-reviews/{id}")).await, 404).await;
    problem(worker.get("/api/v1/quality-reviews").await, 403).await;
    assert_eq!(ok(head.get("/api/v1/quality-reviews").await, 200).await["total"], 1);

    // Scoring: every item 0–2; the system sums.
    let sc = format!("/api/v1/quality-reviews/{id}/cases/{case}");
    problem(put(&head, &sc, all_scores(3)).await, 422).await;
    problem(put(&head, &sc, json!({"scores": {"intake": 2}})).await, 422).await;
    problem(put(&head, &format!("/api/v1/quality-reviews/{id}/cases/999999"), all_scores(2)).await, 404).await;
    problem(put(&worker, &sc, all_scores(2)).await, 403).await;
    let complete = format!("/api/v1/quality-reviews/{id}/complete");
    problem(head.post(&complete, json!({"findings": "记录完整"})).await, 409).await;
    let r = ok(put(&head, &sc, all_scores(2)).await, 200).await;
    assert_eq!(r["cases"][0]["total"], 16);
    assert_eq!(r["cases"][0]["grade"], "优秀");
    problem(head.post(&complete, json!({"findings": ""})).await, 422).await;
    ok(head.post(&complete, json!({"findings": "记录完整,跟进及时"})).await, 200).await;
    problem(head.post(&complete, json!({"findings": "again"})).await, 409).await;
    problem(put(&head, &sc, all_scores(1)).await, 409).await;

    // Improvement actions: due after the review, owned in its org, done once by the owner.
    let acts = format!("/api/v1/quality-reviews/{id}/actions");
    problem(head.post(&acts, json!({"description": "补齐知情同意书", "owner": app.user_id("worker"), "due_on": day(-1)})).await, 422).await;
    problem(head.post(&acts, json!({"description": "补齐知情同意书", "owner": app.user_id("lusong_head"), "due_on": day(7)})).await, 422).await;
    problem(head.post(&acts, json!({"description": "", "owner": app.user_id("worker"), "due_on": day(7)})).await, 422).await;
    let a = ok(head.post(&acts, json!({"description": "补齐知情同意书", "owner": app.user_id("worker"), "due_on": day(7)})).await, 201).await;
    assert_eq!(a["status"], "open");
    let aid = a["id"].as_i64().unwrap();
    let due = ok(worker.get("/api/v1/quality-actions/due").await, 200).await;
    assert_eq!(due["items"][0]["id"], aid);
    problem(worker.get("/api/v1/quality-actions/due?days=999").await, 422).await;
    let done = format!("/api/v1/quality-actions/{aid}/done");
    problem(app.api("worker2").await.post(&done, json!({"note": "x"})).await, 404).await;
    problem(worker.post(&done, json!({"note": ""})).await, 422).await;
    assert_eq!(ok(worker.post(&done, json!({"note": "已补齐"})).await, 200).await["status"], "done");
    problem(head.post(&done, json!({"note": "again"})).await, 409).await;
    assert!(ok(worker.get("/api/v1/quality-actions/due").await, 200).await["items"].as_array().unwrap().is_empty());

    // The pages.
    let page = head.get("/quality").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&format!("/quality/{id}")));
    let page = head.get(&format!("/quality/{id}")).await.text().await.unwrap();
    assert!(page.contains("data-seed"));
    assert!(page.contains("记录完整,跟进及时"));
    assert_eq!(head.get("/quality/new").await.status(), 200);
    assert_eq!(worker.get("/quality").await.status(), 403);
    let r = form(&head, "/quality/new", &[("org_code", "430202001"), ("from", &day(-30)), ("to", &day(0)), ("count", "x")]).await;
    assert_eq!(r.status(), 422);
    let r = form(&head, "/quality/new", &[("org_code", "430202001"), ("from", &day(-30)), ("to", &day(0)), ("percent", "50")]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    assert_eq!(ok(head.get("/api/v1/quality-reviews").await, 200).await["total"], 2);
    let checklists = ok(head.get("/api/v1/quality-checklists").await, 200).await;
    assert_eq!(checklists["items"][0]["version"], 1);
});
