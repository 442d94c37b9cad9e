//! Child protection (8.3.4.1, R-8.3.4): a finding of harm with or without the report to the
//! police, the notifications to the head and the county purchaser, the red banner on every page
//! until the report is completed, the work list (issue 4 point 7) and every refusal.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::{clock, dates};

async fn child_case(api: &Api) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": "李小明", "birth_date": "2017-05-01", "org_code": "430202001001", "sensitivity": "ordinary"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/persons/{pid}/cases"),
            json!({"intake": {"source": "home_visit", "received_on": dates::iso(dates::today()), "presenting_problem": "监护缺失", "consent": true, "consent_by": "奶奶", "eligible": true}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn ago(minutes: i64) -> String {
    clock::display(clock::now() - minutes * 60)
}

fn finding(report: Option<Value>) -> Value {
    let mut f = json!({"finding": "suspected", "harms": ["physical"], "found_at": ago(60),
        "description": "手臂有多处淤青"});
    if let Some(r) = report {
        f["report"] = r;
    }
    f
}

fn report() -> Value {
    json!({"reported_at": ago(10), "unit": "月塘派出所", "officer": "刘警官", "method": "call_110"})
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

async fn html(api: &Api, path: &str) -> String {
    let r = api.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

const BANNER: &str = "个儿童保护报告未完成";

async fn unread(api: &Api) -> Vec<Value> {
    let v: Value = api.get("/api/v1/notifications").await.json().await.unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["read_at"].is_null())
        .cloned()
        .collect()
}

http_test!(async fn an_unreported_harm_is_raised_shown_everywhere_and_completed(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let purchaser = app.api("purchaser").await;
    let worker2 = app.api("worker2").await;
    let id = child_case(&worker).await;

    let r = worker.post(&format!("/api/v1/cases/{id}/protection"), finding(None)).await;
    assert_eq!(r.status(), 201);
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // 机密 from now on, and every read of it is audited.
    let reads = app.audit_count("case.read");
    let c: Value = worker.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    assert_eq!(c["sensitivity"], "confidential");
    assert_eq!(app.audit_count("case.read"), reads + 1);
    worker.get(&format!("/api/v1/cases/{id}/protection")).await;
    assert_eq!(app.audit_count("case.read"), reads + 2);

    // Raised at once to the head and the county purchaser; not to the worker or another station.
    let note = unread(&head).await;
    assert_eq!(note.len(), 1);
    assert_eq!(note[0]["case_id"], id);
    assert!(note[0]["text"].as_str().unwrap().contains(&format!("个案 #{id}")));
    assert!(!note[0]["text"].as_str().unwrap().contains("李小明"));
    assert_eq!(unread(&purchaser).await.len(), 1);
    assert!(unread(&worker).await.is_empty());
    assert!(unread(&worker2).await.is_empty());

    // The red banner on another page: the worker and the head link to the case, the purchaser to
    // the work list; nothing for a worker of another station.
    let page = html(&worker, "/").await;
    assert!(page.contains(BANNER));
    assert!(page.contains(&format!("/cases/{id}/protection")));
    let page = html(&head, "/").await;
    assert!(page.contains(BANNER));
    assert!(page.contains("nav-count red"));
    let page = html(&purchaser, "/").await;
    assert!(page.contains(BANNER));
    assert!(!page.contains(&format!("/cases/{id}/protection")));
    assert!(!html(&worker2, "/").await.contains(BANNER));

    // The work list: the unfinished report and the notification.
    let w: Value = head.get("/api/v1/work").await.json().await.unwrap();
    assert_eq!(w["unfinished_reports"][0]["case_id"], id);
    assert_eq!(w["notifications"].as_array().unwrap().len(), 1);
    for key in ["approvals", "returned", "follow_ups", "visits", "reassessments"] {
        assert!(w[key].is_array(), "{key}");
    }
    let page = html(&head, "/work").await;
    assert!(page.contains("work-unfinished"));
    assert!(page.contains(&format!("个案 #{id} 有未完成的儿童保护报告")));
    let page = html(&purchaser, "/work").await;
    assert!(page.contains("work-unfinished"));

    // Completing: bad input 422, another station 404, a volunteer 403; then done, and again 409.
    let path = format!("/api/v1/cases/{id}/protection/{pid}/report");
    let bad = json!({"reported_at": "昨天", "unit": "", "officer": "刘警官", "method": "pigeon"});
    let p = problem(put(&worker, &path, bad).await, 422).await;
    assert!(p.to_string().contains("reported_at"));
    problem(put(&worker2, &path, report()).await, 404).await;
    problem(put(&app.api("volunteer").await, &path, report()).await, 403).await;
    problem(put(&worker, &format!("/api/v1/cases/{id}/protection/{}/report", pid + 99), report()).await, 404).await;
    assert_eq!(put(&worker, &path, report()).await.status(), 204);
    problem(put(&worker, &path, report()).await, 409).await;
    let list: Value = worker.get(&format!("/api/v1/cases/{id}/protection")).await.json().await.unwrap();
    assert_eq!(list["items"][0]["reported"], true);
    assert_eq!(list["items"][0]["method"], "call_110");
    assert_eq!(app.audit_count("case.protection.report"), 1);

    // The banner is gone for everyone.
    assert!(!html(&head, "/").await.contains(BANNER));
    assert!(!html(&worker, "/").await.contains(BANNER));
    assert!(!html(&purchaser, "/").await.contains(BANNER));

    // Marking read: one's own 204, someone else's 404.
    let nid = note[0]["id"].as_i64().unwrap();
    problem(worker.post(&format!("/api/v1/notifications/{nid}/read"), json!({})).await, 404).await;
    assert_eq!(head.post(&format!("/api/v1/notifications/{nid}/read"), json!({})).await.status(), 204);
    assert!(unread(&head).await.is_empty());
    problem(head.post("/api/v1/notifications/999999/read", json!({})).await, 404).await;
});

http_test!(async fn a_harm_reported_in_the_same_step_raises_nothing(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let id = child_case(&worker).await;
    let r = worker.post(&format!("/api/v1/cases/{id}/protection"), finding(Some(report()))).await;
    assert_eq!(r.status(), 201);
    assert!(unread(&head).await.is_empty());
    assert!(!html(&head, "/").await.contains(BANNER));
    let c: Value = head.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    assert_eq!(c["sensitivity"], "confidential");
});

http_test!(async fn protection_refusals_change_nothing(app) {
    let worker = app.api("worker").await;
    let id = child_case(&worker).await;
    let path = format!("/api/v1/cases/{id}/protection");
    // Not allowed (403), out of scope (404), unknown case (404).
    problem(app.api("volunteer").await.post(&path, finding(None)).await, 403).await;
    problem(app.api("purchaser").await.post(&path, finding(None)).await, 403).await;
    problem(app.api("lusong_head").await.post(&path, finding(None)).await, 404).await;
    problem(app.api("worker2").await.post(&path, finding(None)).await, 404).await;
    problem(worker.post("/api/v1/cases/999999/protection", finding(None)).await, 404).await;
    problem(app.api("lusong_head").await.get(&path).await, 404).await;
    problem(app.api("volunteer").await.get("/api/v1/work").await, 403).await;
    // Bad input: every field at once (422), a half-written report refused, unknown fields.
    let p = problem(
        worker
            .post(&path, json!({"finding": "maybe", "harms": [], "found_at": "x", "description": ""}))
            .await,
        422,
    )
    .await;
    let s = p.to_string();
    for f in ["finding", "harms", "found_at"] {
        assert!(s.contains(f), "{f}: {s}");
    }
    let half = finding(Some(json!({"reported_at": ago(5), "unit": "月塘派出所", "officer": "", "method": ""})));
    problem(worker.post(&path, half).await, 422).await;
    // A body with unknown fields is refused as malformed (400).
    problem(worker.post(&path, json!({"finding": "suspected", "extra": 1})).await, 400).await;
    // Nothing was written: the case is as it was and no one was told.
    let list: Value = worker.get(&path).await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let c: Value = worker.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    assert_ne!(c["sensitivity"], "confidential");
    assert!(unread(&app.api("head").await).await.is_empty());
});

http_test!(async fn the_protection_page_records_and_completes(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let id = child_case(&worker).await;
    let path = format!("/cases/{id}/protection");
    let page = html(&worker, &path).await;
    assert!(page.contains("record-harm"));
    assert!(page.contains("8.3.4.1"));
    // A bad form comes back with its messages (422), nothing written.
    let r = form(&worker, &path, &[("finding", "suspected"), ("found_at", "昨天"), ("description", "淤青")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("harms-error"));
    assert!(body.contains("found_at-error"));
    // Recorded without the report: back to the page, which shows it unfinished.
    let found = ago(30);
    let r = form(&worker, &path, &[("finding", "actual"), ("harms", "physical"), ("harms", "neglect"),
        ("found_at", &found), ("description", "淤青"), ("reported_at", ""), ("unit", ""), ("officer", ""), ("method", "")]).await;
    assert_eq!(r.status(), 303);
    let page = html(&worker, &path).await;
    assert!(page.contains("report-unfinished"));
    assert!(page.contains(BANNER));
    let list: Value = worker.get(&format!("/api/v1/cases/{id}/protection")).await.json().await.unwrap();
    let pid = list["items"][0]["id"].as_i64().unwrap();
    assert_eq!(list["items"][0]["harms"], json!(["physical", "neglect"]));
    // The completion form: refused with its message, then accepted.
    let done = format!("/cases/{id}/protection/{pid}/report");
    let r = form(&worker, &done, &[("reported_at", &found), ("unit", ""), ("officer", "刘警官"), ("method", "call_110")]).await;
    assert_eq!(r.status(), 422);
    let at = ago(5);
    let r = form(&worker, &done, &[("reported_at", &at), ("unit", "月塘派出所"), ("officer", "刘警官"), ("method", "call_110")]).await;
    assert_eq!(r.status(), 303);
    let page = html(&head, &path).await;
    assert!(page.contains("report-done"));
    assert!(!page.contains(BANNER));
    // Who may not: a volunteer 403, another district 404.
    assert_eq!(app.api("volunteer").await.get(&path).await.status(), 403);
    assert_eq!(app.api("lusong_head").await.get(&path).await.status(), 404);
    assert_eq!(app.api("worker2").await.get(&path).await.status(), 404);
    // The notifications page and marking read from it.
    let page = html(&head, "/notifications").await;
    assert!(page.contains(&format!("个案 #{id}")));
    let nid: i64 = between(&page, "/notifications/", "/read").parse().unwrap();
    let r = form(&head, &format!("/notifications/{nid}/read"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(unread(&head).await.is_empty());
    let r = form(&worker, &format!("/notifications/{nid}/read"), &[]).await;
    assert_eq!(r.status(), 404);
});

http_test!(async fn the_work_page_and_the_menu_count(app) {
    let worker = app.api("worker").await;
    let page = html(&worker, "/work").await;
    assert!(page.contains("工作清单"));
    assert!(page.contains("href=\"/work\""));
    let id = child_case(&worker).await;
    worker.post(&format!("/api/v1/cases/{id}/protection"), finding(None)).await;
    let page = html(&worker, "/work").await;
    assert!(page.contains("nav-count red"));
    assert!(page.contains("已逾期"));
    assert!(page.contains(&format!("/cases/{id}/protection")));
    // A volunteer has no work list: no menu entry, 403.
    let volunteer = app.api("volunteer").await;
    assert!(!html(&volunteer, "/").await.contains("href=\"/work\""));
    assert_eq!(volunteer.get("/work").await.status(), 403);
});

http_test!(async fn a_case_is_not_closed_while_its_report_to_the_police_is_unfinished(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let id = child_case(&worker).await;
    async fn step(api: &Api, id: i64, event: &str) -> reqwest::StatusCode {
        api.post(&format!("/api/v1/cases/{id}/steps"), json!({"event": event})).await.status()
    }
    let today = dates::iso(dates::today());
    assert_eq!(step(&worker, id, "accept").await, 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/needs"), json!({"assessed_on": today, "individual": "8 岁",
        "family": "父母在外务工", "community": "村小", "strengths": "爱读书", "problem_summary": "监护缺失",
        "needs": [{"need": "安全监护", "priority": "high"}], "worker_signature": "王芳"})).await.status(), 201);
    assert_eq!(step(&worker, id, "advance").await, 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/plan"), json!({"planned_on": today, "goals": [{"goal": "落实监护",
        "indicator": "每周核实一次", "target_date": dates::iso(dates::today() + time::Duration::days(60)), "needs": [1]}],
        "interventions": [{"action": "联系村委会", "items": ["8.3.4"]}]})).await.status(), 201);
    assert_eq!(step(&worker, id, "submit_plan").await, 200);
    assert_eq!(step(&head, id, "approve").await, 200);
    assert_eq!(step(&worker, id, "advance").await, 200);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/evaluation"), json!({"evaluated_on": today,
        "goals": [{"goal": 1, "score": 1}], "satisfaction": "4", "reflection": "监护已落实"})).await.status(), 201);
    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/closing"), json!({"reason": "goals_met", "summary": "监护落实",
        "reviewed_with_person": true, "follow_up_plan": "一个月后回访", "first_follow_up_days": 30})).await.status(), 201);
    assert_eq!(step(&worker, id, "submit_closing").await, 200);

    // Harm found while the closing waits: the head's approval is refused until the police are told.
    let r = worker.post(&format!("/api/v1/cases/{id}/protection"), finding(None)).await;
    assert_eq!(r.status(), 201);
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = head.post(&format!("/api/v1/cases/{id}/steps"), json!({"event": "approve"})).await;
    let p = problem(r, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("8.3.4.1"), "{p}");
    let c: Value = head.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    assert_eq!(c["stage"], "evaluation");

    assert_eq!(put(&worker, &format!("/api/v1/cases/{id}/protection/{pid}/report"), report()).await.status(), 204);
    assert_eq!(step(&head, id, "approve").await, 200);
    let c: Value = head.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    assert_eq!(c["stage"], "closed");
});
