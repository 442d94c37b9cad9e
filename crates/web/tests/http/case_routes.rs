//! The contract's case routes (`POST /api/v1/cases`, `POST /api/v1/cases/{id}/transitions`,
//! interface.md) and household-level cases (issue 4 point 3), on both databases.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;

const VILLAGE: &str = "430202001001";

fn today() -> String {
    dates::iso(dates::today())
}

async fn person(api: &Api, name: &str, sensitivity: &str) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": name, "birth_date": "1950-03-01", "org_code": VILLAGE, "sensitivity": sensitivity}),
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

async fn to(api: &Api, id: i64, body: Value) -> Response {
    api.post(&format!("/api/v1/cases/{id}/transitions"), body)
        .await
}

async fn state(api: &Api, id: i64) -> Value {
    api.get(&format!("/api/v1/cases/{id}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["state"]
        .clone()
}

fn intake() -> Value {
    json!({"source": "walk_in", "received_on": today(), "presenting_problem": "独居,情绪低落", "consent": true, "eligible": true})
}

http_test!(async fn a_case_opened_by_person_and_title_moves_by_state(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let pid = person(&worker, "张秀英", "ordinary").await;
    let r = worker.post("/api/v1/cases", json!({"person_id": pid, "title": "独居老人情绪支持"})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!((c["state"].as_str(), c["title"].as_str()), (Some("intake"), Some("独居老人情绪支持")));
    let id = c["id"].as_i64().unwrap();
    assert!(c["records"].as_array().unwrap().is_empty());

    // No intake yet: accepting it (→ assessment) is incomplete, nothing changes.
    let p = problem(to(&worker, id, json!({"to": "assessment"})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "intake");
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/intake"), intake()).await.status(), 201);
    let r = to(&worker, id, json!({"to": "assessment"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "assessment");
    // The intake is fixed once accepted.
    problem(put(&worker, &format!("/api/v1/cases/{id}/intake"), intake()).await, 409).await;

    // A skip needs a reason (422); the same state again, or closed without approval, is 409.
    problem(to(&worker, id, json!({"to": "intervention"})).await, 422).await;
    problem(to(&worker, id, json!({"to": "assessment"})).await, 409).await;
    problem(to(&worker, id, json!({"to": "closed", "reason": "好了"})).await, 409).await;
    problem(to(&worker, id, json!({"to": "flying"})).await, 422).await;
    problem(to(&worker, id, json!({"to": "planning", "extra": 1})).await, 400).await;
    assert_eq!(state(&worker, id).await, "assessment");
    let r = to(&worker, id, json!({"to": "intervention", "reason": "突发危机,先行介入"})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "intervention");
    // Back to planning with a reason; the plan then needs the head's approval.
    assert_eq!(to(&worker, id, json!({"to": "planning", "reason": "需求有变"})).await.status(), 200);
    let p = problem(to(&worker, id, json!({"to": "intervention"})).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("审批"));

    // A referral needs its destination, named in `referred_to`.
    let p = problem(to(&worker, id, json!({"to": "referred", "reason": "需要专业心理服务"})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "referred_to");
    let r = to(&worker, id, json!({"to": "referred", "reason": "需要专业心理服务", "referred_to": "市心理援助中心"})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "referred");
    // Ended: only reopened (to assessment, with a reason); the head may do it too.
    problem(to(&head, id, json!({"to": "planning", "reason": "x"})).await, 409).await;
    problem(to(&head, id, json!({"to": "assessment"})).await, 422).await;
    assert_eq!(to(&head, id, json!({"to": "assessment", "reason": "再次求助"})).await.status(), 200);
    assert_eq!(state(&worker, id).await, "assessment");
    assert!(app.audit_count("case.reopen") == 1);

    // Found by its title.
    let l: Value = worker.get("/api/v1/cases?q=情绪支持").await.json().await.unwrap();
    assert_eq!((l["total"].as_i64(), l["items"][0]["id"].as_i64()), (Some(1), Some(id)));
    problem(worker.get(&format!("/api/v1/cases?q={}", "长".repeat(51))).await, 422).await;
});

http_test!(async fn the_head_approves_a_plan_by_moving_it_to_intervention(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let pid = person(&worker, "张秀英", "ordinary").await;
    let id = worker.post("/api/v1/cases", json!({"person_id": pid, "intake": intake()})).await
        .json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(to(&worker, id, json!({"to": "assessment"})).await.status(), 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/needs"), json!({"assessed_on": today(), "individual": "独居",
        "family": "子女在外", "community": "有老年协会", "strengths": "开朗", "problem_summary": "缺少照料",
        "needs": [{"need": "日常照料", "priority": "high"}], "worker_signature": "王芳"})).await.status(), 201);
    assert_eq!(to(&worker, id, json!({"to": "planning"})).await.status(), 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/plan"), json!({"planned_on": today(), "goals": [{"goal": "缓解孤独",
        "indicator": "每周活动 2 次", "target_date": dates::iso(dates::today() + time::Duration::days(60)), "needs": [1]}],
        "interventions": [{"action": "每月入户", "items": ["8.2.5"]}]})).await.status(), 201);
    assert_eq!(worker.post(&format!("/api/v1/cases/{id}/steps"), json!({"event": "submit_plan"})).await.status(), 200);
    // The worker may not approve (403); the head's move to intervention is the approval.
    problem(to(&worker, id, json!({"to": "intervention"})).await, 403).await;
    let r = to(&head, id, json!({"to": "intervention"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "intervention");
    assert_eq!(app.audit_count("case.approve"), 1);
});

http_test!(async fn case_routes_are_forbidden_out_of_scope_or_invalid(app) {
    let worker = app.api("worker").await;
    let pid = person(&worker, "张秀英", "ordinary").await;
    let id = worker.post("/api/v1/cases", json!({"person_id": pid})).await
        .json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let volunteer = app.api("volunteer").await;
    problem(volunteer.post("/api/v1/cases", json!({"person_id": pid})).await, 403).await;
    problem(to(&volunteer, id, json!({"to": "terminated", "reason": "x"})).await, 403).await;
    problem(volunteer.get(&format!("/api/v1/persons/{pid}/cases")).await, 403).await;
    let lusong = app.api("lusong_head").await;
    problem(lusong.post("/api/v1/cases", json!({"person_id": pid})).await, 404).await;
    problem(to(&lusong, id, json!({"to": "terminated", "reason": "x"})).await, 404).await;
    problem(lusong.get(&format!("/api/v1/persons/{pid}/cases")).await, 404).await;
    problem(worker.post("/api/v1/cases", json!({"person_id": 999999})).await, 404).await;
    problem(to(&worker, 999999, json!({"to": "assessment"})).await, 404).await;

    let before = app.audit_count("case.create");
    problem(worker.post("/api/v1/cases", json!({})).await, 422).await;
    let p = problem(worker.post("/api/v1/cases", json!({"person_id": pid, "title": "x".repeat(101)})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "title");
    problem(worker.post("/api/v1/cases", json!({"person_id": pid, "title": "a\nb"})).await, 422).await;
    problem(worker.post(&format!("/api/v1/persons/{pid}/cases"), json!({"person_id": pid + 1})).await, 422).await;
    problem(worker.post("/api/v1/cases", json!({"person_id": pid, "intake": {"source": "phone"}})).await, 422).await;
    assert_eq!(app.audit_count("case.create"), before);
    assert_eq!(state(&worker, id).await, "intake");
});

/// (household, head, spouse) at the village: a household of two.
async fn household(worker: &Api) -> (i64, i64, i64) {
    let head = person(worker, "王建国", "ordinary").await;
    let spouse = person(worker, "李桂兰", "ordinary").await;
    let r = worker
        .post(
            "/api/v1/households",
            json!({"org_code": VILLAGE, "address": "文化路 12 号"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let hh = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for (p, rel) in [(head, "head"), (spouse, "spouse")] {
        let r = worker
            .post(
                &format!("/api/v1/households/{hh}/members"),
                json!({"person_id": p, "relation": rel}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.status());
    }
    (hh, head, spouse)
}

http_test!(async fn a_household_case_covers_its_members(app) {
    let worker = app.api("worker").await;
    let (hh, head_person, spouse) = household(&worker).await;
    let other = person(&worker, "赵六", "ordinary").await;
    let r = worker.post(&format!("/api/v1/households/{hh}/cases"), json!({"title": "家庭照料支持"})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!((c["household_id"].as_i64(), c["person_id"].as_i64()), (Some(hh), Some(head_person)));
    assert_eq!(c["state"], "intake");
    let id = c["id"].as_i64().unwrap();
    // Listed and on the timeline for each member; not for others.
    for p in [head_person, spouse] {
        let l: Value = worker.get(&format!("/api/v1/persons/{p}/cases")).await.json().await.unwrap();
        assert_eq!(l["items"][0]["id"].as_i64(), Some(id), "{p}");
        let t = worker.get(&format!("/api/v1/persons/{p}/timeline")).await.text().await.unwrap();
        assert!(t.contains("家庭个案"), "{p}");
    }
    let l: Value = worker.get(&format!("/api/v1/persons/{other}/cases")).await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    // Registered to another member on request; a non-member is refused and nothing written.
    let r = worker.post(&format!("/api/v1/households/{hh}/cases"), json!({"person_id": spouse})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["person_id"].as_i64(), Some(spouse));
    let before = app.audit_count("case.create");
    let p = problem(worker.post(&format!("/api/v1/households/{hh}/cases"), json!({"person_id": other})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "person_id");
    assert_eq!(app.audit_count("case.create"), before);

    // Forbidden and out of scope.
    let volunteer = app.api("volunteer").await;
    problem(volunteer.post(&format!("/api/v1/households/{hh}/cases"), json!({})).await, 403).await;
    let lusong = app.api("lusong_head").await;
    problem(lusong.post(&format!("/api/v1/households/{hh}/cases"), json!({})).await, 404).await;
    problem(lusong.get(&format!("/api/v1/cases/{id}")).await, 404).await;
    problem(worker.post("/api/v1/households/999999/cases", json!({})).await, 404).await;
    // A household without a head: the member must be named.
    let r = worker.post("/api/v1/households", json!({"org_code": VILLAGE, "address": "文化路 13 号"})).await;
    let empty = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    problem(worker.post(&format!("/api/v1/households/{empty}/cases"), json!({})).await, 422).await;
    assert_eq!(app.audit_count("case.create"), before);
});

http_test!(async fn a_household_case_is_as_confidential_as_its_strictest_member(app) {
    add_account(&app, "worker_b", shegong_domain::role::Role::SocialWorker, "430202001");
    let worker = app.api("worker").await;
    let (hh, _, _) = household(&worker).await;
    let child = person(&worker, "王小明", "confidential").await;
    let r = worker.post(&format!("/api/v1/households/{hh}/members"), json!({"person_id": child, "relation": "child"})).await;
    assert!(r.status().is_success());
    let c: Value = worker.post(&format!("/api/v1/households/{hh}/cases"), json!({})).await.json().await.unwrap();
    assert_eq!(c["sensitivity"], "confidential");
    let other = app.api("worker_b").await;
    problem(other.get(&format!("/api/v1/cases/{}", c["id"])).await, 404).await;
});
