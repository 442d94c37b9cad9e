//! Case work (issue 4 points 1-3, 7): intake to follow-up through the API, the head's approvals,
//! the work list, and every refusal changing nothing (section 10, 10.4).

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use shegong_domain::role::Role;
use time::Duration;

fn day(offset: i64) -> String {
    dates::iso(dates::today() + Duration::days(offset))
}

async fn person(api: &Api, sensitivity: &str) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": "张秀英", "birth_date": "1944-03-01", "org_code": "430202001001", "sensitivity": sensitivity}),
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

async fn open(api: &Api, pid: i64) -> i64 {
    let r = api
        .post(
            &format!("/api/v1/persons/{pid}/cases"),
            json!({"intake": {"source": "walk_in", "received_on": day(0), "presenting_problem": "独居,情绪低落", "consent": true, "eligible": true}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn step(api: &Api, id: i64, body: Value) -> Response {
    api.post(&format!("/api/v1/cases/{id}/steps"), body).await
}

async fn case(api: &Api, id: i64) -> Value {
    let r = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn needs() -> Value {
    json!({"assessed_on": day(0), "individual": "82 岁,独居", "family": "儿子在外务工", "community": "村里有老年协会",
        "strengths": "性格开朗", "problem_summary": "缺少照料", "needs": [{"need": "日常生活照料", "priority": "high"}],
        "worker_signature": "王芳"})
}

fn plan() -> Value {
    json!({"planned_on": day(0), "goals": [{"goal": "缓解孤独感", "indicator": "每周参加活动 2 次", "target_date": day(90), "needs": [1]}],
        "interventions": [{"action": "每月入户一次", "items": ["8.2.5"]}]})
}

/// Walks a case opened by `worker` to a plan waiting for the head.
async fn to_plan_waiting(worker: &Api, id: i64) {
    assert_eq!(
        step(worker, id, json!({"event": "accept"})).await.status(),
        200
    );
    assert_eq!(
        put(worker, &format!("/api/v1/cases/{id}/needs"), needs())
            .await
            .status(),
        201
    );
    assert_eq!(
        step(worker, id, json!({"event": "advance"})).await.status(),
        200
    );
    assert_eq!(
        put(worker, &format!("/api/v1/cases/{id}/plan"), plan())
            .await
            .status(),
        201
    );
    assert_eq!(
        step(worker, id, json!({"event": "submit_plan"}))
            .await
            .status(),
        200
    );
}

http_test!(async fn a_case_from_intake_to_follow_up(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let pid = person(&worker, "ordinary").await;
    let id = open(&worker, pid).await;
    to_plan_waiting(&worker, id).await;

    // The head sees it in the work list; the worker may not approve (10.2).
    let w: Value = head.get("/api/v1/work").await.json().await.unwrap();
    assert_eq!(w["approvals"].as_array().unwrap().len(), 1);
    let before = app.audit_count("case.approve");
    problem(step(&worker, id, json!({"event": "approve"})).await, 403).await;
    assert_eq!(app.audit_count("case.approve"), before);

    // Returned with comments: in the author's work list, then resubmitted and approved.
    problem(step(&head, id, json!({"event": "return"})).await, 422).await;
    assert_eq!(step(&head, id, json!({"event": "return", "comments": "目标需可测量"})).await.status(), 200);
    let w: Value = worker.get("/api/v1/work").await.json().await.unwrap();
    assert_eq!(w["returned"][0]["id"], id);
    assert_eq!(step(&worker, id, json!({"event": "submit_plan"})).await.status(), 200);
    let c: Value = step(&head, id, json!({"event": "approve"})).await.json().await.unwrap();
    assert_eq!(c["stage"], "intervention");

    // A home visit (10.3) with its section-8 item.
    let r = worker.post(&format!("/api/v1/cases/{id}/services"), json!({"kind": "service", "served_on": day(0), "minutes": 40,
        "mode": "home_visit", "workers": [], "content": "入户探访,聊天疏导", "items": ["8.2.5"], "goals": [1]})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let bad = worker.post(&format!("/api/v1/cases/{id}/services"), json!({"kind": "service", "served_on": day(1), "mode": "walk",
        "content": "", "items": []})).await;
    let p = problem(bad, 422).await;
    assert!(p["errors"].as_array().unwrap().len() >= 3);

    assert_eq!(step(&worker, id, json!({"event": "advance"})).await.status(), 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/evaluation"), json!({"evaluated_on": day(0),
        "goals": [{"goal": 1, "score": 1}], "satisfaction": "4", "reflection": "目标基本达成"})).await.status(), 201);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/closing"), json!({"reason": "goals_met", "summary": "情绪好转",
        "reviewed_with_person": true, "follow_up_plan": "一个月后电话回访", "first_follow_up_days": 30})).await.status(), 201);
    assert_eq!(step(&worker, id, json!({"event": "submit_closing"})).await.status(), 200);
    let c: Value = step(&head, id, json!({"event": "approve"})).await.json().await.unwrap();
    assert_eq!(c["stage"], "closed");
    // The first follow-up is scheduled 30 days after the closing (10.4).
    assert_eq!(c["follow_ups"][0]["due_on"], day(30));
    assert_eq!(c["history"].as_array().unwrap().len(), 10);

    // A closed case is not edited without reopening; a follow-up before closing is refused.
    let n = case(&worker, id).await["records"].as_array().unwrap().len();
    problem(put(&worker, &format!("/api/v1/cases/{id}/needs"), needs()).await, 409).await;
    let p = problem(worker.post(&format!("/api/v1/cases/{id}/follow-ups"), json!({"due_on": day(-1)})).await, 422).await;
    assert!(p.to_string().contains("跟进日期不能早于结案日期"));
    let c = case(&worker, id).await;
    assert_eq!(c["records"].as_array().unwrap().len(), n);
    assert_eq!(c["follow_ups"].as_array().unwrap().len(), 1);
    let fid = c["follow_ups"][0]["id"].as_i64().unwrap();
    let r = worker.post(&format!("/api/v1/cases/{id}/follow-ups/{fid}"), json!({"contacted_on": day(0), "mode": "phone", "outcome": "stable"})).await;
    assert_eq!(r.status(), 204);

    // The head's caseload and the lists.
    let l: Value = head.get("/api/v1/cases/caseload").await.json().await.unwrap();
    assert_eq!(l["workers"].as_array().unwrap().len(), 0);
    problem(worker.get("/api/v1/cases/caseload").await, 403).await;
    let l: Value = worker.get("/api/v1/cases?mine=1&stage=closed").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    problem(worker.get("/api/v1/cases?stage=nope").await, 422).await;
});

http_test!(async fn out_of_order_and_own_approval_are_refused_with_nothing_changed(app) {
    let head = app.api("head").await;
    let pid = person(&head, "ordinary").await;
    let id = open(&head, pid).await;
    let p = problem(step(&head, id, json!({"event": "advance"})).await, 409).await;
    assert!(p["detail"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    problem(put(&head, &format!("/api/v1/cases/{id}/plan"), plan()).await, 409).await;
    problem(step(&head, id, json!({"event": "fly"})).await, 422).await;
    let c = case(&head, id).await;
    assert_eq!(c["stage"], "intake");
    assert_eq!(c["history"].as_array().unwrap().len(), 1);
    assert_eq!(c["records"].as_array().unwrap().len(), 1);

    // The head leads this case: approving their own plan is refused.
    to_plan_waiting(&head, id).await;
    let before = app.audit_count("case.approve");
    problem(step(&head, id, json!({"event": "approve"})).await, 403).await;
    let c = case(&head, id).await;
    assert_eq!((c["stage"].as_str(), c["review"].as_str()), (Some("planning"), Some("submitted")));
    assert_eq!(app.audit_count("case.approve"), before);
    let w: Value = head.get("/api/v1/work").await.json().await.unwrap();
    assert!(w["approvals"].as_array().unwrap().is_empty());
});

http_test!(async fn cases_are_forbidden_or_out_of_scope(app) {
    add_account(&app, "worker_b", Role::SocialWorker, "430202001");
    let worker = app.api("worker").await;
    let pid = person(&worker, "ordinary").await;
    let id = open(&worker, pid).await;
    let secret_person = person(&worker, "confidential").await;
    let secret = open(&worker, secret_person).await;

    let volunteer = app.api("volunteer").await;
    problem(volunteer.get(&format!("/api/v1/cases/{id}")).await, 403).await;
    problem(step(&volunteer, id, json!({"event": "accept"})).await, 403).await;
    problem(volunteer.post(&format!("/api/v1/persons/{pid}/cases"), json!({"intake": {"source": "walk_in",
        "received_on": day(0), "presenting_problem": "x", "consent": true, "eligible": true}})).await, 403).await;
    problem(volunteer.get("/api/v1/work").await, 403).await;

    let lusong = app.api("lusong_head").await;
    problem(lusong.get(&format!("/api/v1/cases/{id}")).await, 404).await;
    problem(step(&lusong, id, json!({"event": "accept"})).await, 404).await;
    problem(lusong.post(&format!("/api/v1/cases/{id}/follow-ups"), json!({"due_on": day(0)})).await, 404).await;
    let l: Value = lusong.get("/api/v1/cases").await.json().await.unwrap();
    assert_eq!(l["total"], 0);

    // A confidential case is hidden from a worker of the station not on it (R-7.4g).
    let other = app.api("worker_b").await;
    assert_eq!(other.get(&format!("/api/v1/cases/{id}")).await.status(), 200);
    problem(other.get(&format!("/api/v1/cases/{secret}")).await, 404).await;
    problem(step(&other, secret, json!({"event": "accept"})).await, 404).await;
    assert_eq!(case(&worker, secret).await["stage"], "intake");
    // Reading it is audited.
    assert!(app.audit_count("case.read") >= 1);

    // Bad input: an unknown field (400); a declined intake is referred at once.
    problem(worker.post(&format!("/api/v1/persons/{pid}/cases"), json!({"intake": {}, "extra": 1})).await, 400).await;
    let r = worker.post(&format!("/api/v1/persons/{pid}/cases"), json!({"intake": {"source": "walk_in", "received_on": day(0),
        "presenting_problem": "需要长期照护", "consent": true, "eligible": false, "eligibility_notes": "超出服务范围", "referral_to": "区民政局"}})).await;
    assert_eq!(r.status(), 201);
    let declined = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(case(&worker, declined).await["stage"], "referred");
});
