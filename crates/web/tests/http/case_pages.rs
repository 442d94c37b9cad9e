//! Case pages (issue 4 points 1-3, 8, 9; section 10): a case walked from intake to follow-up
//! through the HTML forms, every refusal shown with the domain's Chinese reason and changing
//! nothing, the head's approvals through the form, and who may open which page.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use time::Duration;

fn day(offset: i64) -> String {
    dates::iso(dates::today() + Duration::days(offset))
}

async fn person(api: &Api) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": "张秀英", "birth_date": "1944-03-01", "org_code": "430202001001"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn case(api: &Api, id: i64) -> Value {
    let r = api.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn records(c: &Value, kind: &str) -> usize {
    c["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == kind)
        .count()
}

/// A form post that succeeds: a redirect back to the case.
async fn ok(api: &Api, path: &str, fields: &[(&str, &str)]) {
    let r = form(api, path, fields).await;
    assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
}

/// A refused form post: the status and the page, which names the reason.
async fn refused(r: Response, status: u16, reason: &str) {
    assert_eq!(r.status().as_u16(), status);
    let html = r.text().await.unwrap();
    assert!(html.contains(reason), "{reason} not in the page");
}

async fn open_by_form(api: &Api, pid: i64) -> i64 {
    let today = day(0);
    let r = form(
        api,
        &format!("/persons/{pid}/cases"),
        &[
            ("source", "home_visit"),
            ("received_on", &today),
            ("presenting_problem", "独居,情绪低落"),
            ("consent", "1"),
            ("eligible", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    to.trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn needs_form(today: &str) -> Vec<(&'static str, String)> {
    [
        ("assessed_on", today),
        ("individual", "82 岁,独居"),
        ("family", "儿子在外务工"),
        ("community", "村里有老年协会"),
        ("strengths", "性格开朗"),
        ("problem_summary", "缺少照料"),
        ("need", "日常生活照料"),
        ("priority", "high"),
        ("need", ""),
        ("priority", "medium"),
        ("worker_signature", "王芳"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

async fn post(api: &Api, path: &str, fields: &[(&'static str, String)]) -> Response {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form(api, path, &refs).await
}

/// Walks a case opened by `api` through the forms to a plan waiting for the head.
async fn to_plan_waiting(api: &Api, id: i64) {
    let steps = format!("/cases/{id}/steps");
    ok(api, &steps, &[("event", "accept")]).await;
    let r = post(api, &format!("/cases/{id}/needs"), &needs_form(&day(0))).await;
    assert_eq!(r.status(), 303);
    ok(api, &steps, &[("event", "advance")]).await;
    let target = day(90);
    let today = day(0);
    ok(
        api,
        &format!("/cases/{id}/plan"),
        &[
            ("planned_on", &today),
            ("goal_1", "缓解孤独感"),
            ("indicator_1", "每周参加活动 2 次"),
            ("target_1", &target),
            ("needs_1", "1"),
            ("action_1", "每月入户一次"),
            ("items_1", "8.2.5"),
        ],
    )
    .await;
    ok(api, &steps, &[("event", "submit_plan")]).await;
}

http_test!(async fn a_case_is_worked_through_the_pages(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let pid = person(&worker).await;

    // The person page offers the intake; the form opens the case (9.1).
    let html = worker.get(&format!("/persons/{pid}")).await.text().await.unwrap();
    assert!(html.contains(&format!("/persons/{pid}/cases/new")));
    assert_eq!(worker.get(&format!("/persons/{pid}/cases/new")).await.status(), 200);
    let before = app.audit_count("case.create");
    refused(form(&worker, &format!("/persons/{pid}/cases"), &[("source", "walk_in"), ("received_on", &day(0)), ("eligible", "0")]).await, 422, "不予接案时须写明转介的单位").await;
    assert_eq!(app.audit_count("case.create"), before);
    let id = open_by_form(&worker, pid).await;
    let html = worker.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(html.contains("独居,情绪低落") && html.contains("data-event=\"accept\""));
    assert!(html.contains(&format!("/cases/{id}/archive.pdf")) && html.contains(&format!("/persons/{pid}/assessments")));
    assert!(worker.get(&format!("/persons/{pid}")).await.text().await.unwrap().contains(&format!("/cases/{id}")));

    // Needs (10.1): a form missing its sections is refused inline and saves nothing.
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "accept")]).await;
    assert_eq!(worker.get(&format!("/cases/{id}/needs")).await.status(), 200);
    refused(form(&worker, &format!("/cases/{id}/needs"), &[("assessed_on", &day(0))]).await, 422, "至少列出一项需求").await;
    assert_eq!(records(&case(&worker, id).await, "needs"), 0);
    // Out of order: the plan before planning is the state's refusal (409), shown on the form.
    refused(form(&worker, &format!("/cases/{id}/plan"), &[("planned_on", &day(0))]).await, 409, "不能填写此记录").await;
    let r = post(&worker, &format!("/cases/{id}/needs"), &needs_form(&day(0))).await;
    assert_eq!(r.status(), 303);
    assert_eq!(records(&case(&worker, id).await, "needs"), 1);

    // A skip needs its reason (the state machine's Chinese message, 422).
    refused(form(&worker, &format!("/cases/{id}/steps"), &[("event", "skip"), ("to", "intervention"), ("reason", "")]).await, 422, "须写明原因").await;
    assert_eq!(case(&worker, id).await["stage"], "assessment");

    // Plan (10.2) and the head's approval through the form.
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "advance")]).await;
    assert_eq!(worker.get(&format!("/cases/{id}/plan")).await.status(), 200);
    ok(&worker, &format!("/cases/{id}/plan"), &[("planned_on", &day(0)), ("goal_1", "缓解孤独感"), ("indicator_1", "每周参加活动 2 次"), ("target_1", &day(90)), ("needs_1", "1"), ("action_1", "每月入户一次"), ("items_1", "8.2.5")]).await;
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "submit_plan")]).await;
    refused(form(&worker, &format!("/cases/{id}/steps"), &[("event", "approve")]).await, 403, "只有站长可以审批").await;
    let html = head.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(html.contains("data-event=\"approve\"") && html.contains("待站长审批"));
    refused(form(&head, &format!("/cases/{id}/steps"), &[("event", "return"), ("comments", "")]).await, 422, "退回时须写明意见").await;
    assert_eq!(case(&worker, id).await["review"], "submitted");
    ok(&head, &format!("/cases/{id}/steps"), &[("event", "return"), ("comments", "目标需可测量")]).await;
    assert!(worker.get(&format!("/cases/{id}")).await.text().await.unwrap().contains("目标需可测量"));
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "submit_plan")]).await;
    ok(&head, &format!("/cases/{id}/steps"), &[("event", "approve")]).await;
    assert_eq!(case(&worker, id).await["stage"], "intervention");

    // The phone service form (10.3): today, home visit and 30 minutes are preset.
    let html = worker.get(&format!("/cases/{id}/services/new")).await.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{}\"", day(0))) && html.contains("value=\"home_visit\" checked") && html.contains("value=\"30\" checked"));
    assert!(html.contains("8.2.5 精神慰藉") && html.contains("1. 缓解孤独感"));
    refused(form(&worker, &format!("/cases/{id}/services"), &[("served_on", &day(0)), ("mode", "home_visit"), ("minutes", "30"), ("content", "聊天")]).await, 422, "至少选择一项第 8 章服务内容").await;
    refused(form(&worker, &format!("/cases/{id}/services"), &[("served_on", &day(0)), ("mode", "home_visit"), ("minutes_other", "半小时"), ("items", "8.2.5"), ("content", "聊天")]).await, 422, "服务时长应为 1 至 1440 分钟").await;
    assert_eq!(records(&case(&worker, id).await, "service"), 0);
    ok(&worker, &format!("/cases/{id}/services"), &[("served_on", &day(0)), ("mode", "home_visit"), ("minutes", "45"), ("items", "8.2.1"), ("items", "8.2.5"), ("goals", "1"), ("content", "入户陪伴聊天,测量血压"), ("next_step", "下周电话回访")]).await;
    let html = worker.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(html.contains("入户陪伴聊天") && html.contains("/attachments"));

    // Evaluation (10.5), closing (10.4), the head's approval, the follow-up.
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "advance")]).await;
    assert_eq!(worker.get(&format!("/cases/{id}/evaluation")).await.status(), 200);
    refused(form(&worker, &format!("/cases/{id}/evaluation"), &[("evaluated_on", &day(0)), ("goal", "1"), ("satisfaction", "5"), ("reflection", "按计划完成")]).await, 422, "目标达成程度应为").await;
    ok(&worker, &format!("/cases/{id}/evaluation"), &[("evaluated_on", &day(0)), ("goal", "1"), ("score_1", "1"), ("satisfaction", "5"), ("reflection", "按计划完成")]).await;
    assert_eq!(worker.get(&format!("/cases/{id}/closing")).await.status(), 200);
    refused(form(&worker, &format!("/cases/{id}/closing"), &[("reason", "other"), ("summary", "完成"), ("follow_up_plan", "一个月后电话回访")]).await, 422, "结案原因为“其他”时须说明").await;
    assert_eq!(records(&case(&worker, id).await, "closing"), 0);
    ok(&worker, &format!("/cases/{id}/closing"), &[("reason", "goals_met"), ("summary", "目标达成"), ("reviewed_with_person", "1"), ("follow_up_plan", "一个月后电话回访"), ("first_follow_up_days", "30")]).await;
    ok(&worker, &format!("/cases/{id}/steps"), &[("event", "submit_closing")]).await;
    ok(&head, &format!("/cases/{id}/steps"), &[("event", "approve")]).await;
    let c = case(&worker, id).await;
    assert_eq!(c["stage"], "closed");
    let fid = c["follow_ups"][0]["id"].as_i64().unwrap();
    refused(form(&worker, &format!("/cases/{id}/follow-ups/{fid}"), &[("contacted_on", &day(0)), ("mode", "phone"), ("outcome", "needs_service")]).await, 422, "必填").await;
    ok(&worker, &format!("/cases/{id}/follow-ups/{fid}"), &[("contacted_on", &day(0)), ("mode", "phone"), ("outcome", "stable")]).await;
    refused(form(&worker, &format!("/cases/{id}/follow-ups"), &[("due_on", &day(-400))]).await, 422, "跟进日期不能早于结案日期").await;
    assert_eq!(case(&worker, id).await["follow_ups"].as_array().unwrap().len(), 1);
    let html = worker.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(html.contains("已跟进") && html.contains("重新开启"));
});

http_test!(async fn the_head_may_not_approve_their_own_plan(app) {
    let head = app.api("head").await;
    let pid = person(&head).await;
    let id = open_by_form(&head, pid).await;
    to_plan_waiting(&head, id).await;
    let html = head.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(!html.contains("data-event=\"approve\""), "no approve button on one's own plan");
    let before = app.audit_count("case.approve");
    refused(form(&head, &format!("/cases/{id}/steps"), &[("event", "approve")]).await, 403, "不能审批自己提交的服务计划").await;
    assert_eq!(app.audit_count("case.approve"), before);
    assert_eq!(case(&head, id).await["review"], "submitted");
});

http_test!(async fn lists_and_caseload(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let pid = person(&worker).await;
    let id = open_by_form(&worker, pid).await;
    for path in ["/cases", "/cases?mine=1", "/cases?stage=intake", "/cases?overdue=1"] {
        let r = worker.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        if path != "/cases?overdue=1" {
            assert!(html.contains(&format!("/cases/{id}\"")), "{path}");
        }
    }
    let html = worker.get("/cases?stage=closed").await.text().await.unwrap();
    assert!(!html.contains(&format!("/cases/{id}\"")));
    assert!(worker.get("/cases?stage=later").await.text().await.unwrap().contains("未知的环节"));
    assert!(worker.get("/").await.text().await.unwrap().contains("href=\"/cases\""));
    let html = head.get("/cases/caseload").await.text().await.unwrap();
    assert!(html.contains(&format!("data-worker=\"{}\"", app.user_id("worker"))));
    assert_eq!(worker.get("/cases/caseload").await.status(), 403);
});

http_test!(async fn forbidden_and_out_of_scope(app) {
    let worker = app.api("worker").await;
    let pid = person(&worker).await;
    let id = open_by_form(&worker, pid).await;
    let pages = [
        format!("/cases/{id}"),
        format!("/cases/{id}/needs"),
        format!("/cases/{id}/plan"),
        format!("/cases/{id}/evaluation"),
        format!("/cases/{id}/closing"),
        format!("/cases/{id}/services/new"),
        format!("/persons/{pid}/cases/new"),
    ];
    let posts = [
        format!("/cases/{id}/steps"),
        format!("/cases/{id}/needs"),
        format!("/cases/{id}/services"),
        format!("/cases/{id}/follow-ups"),
        format!("/persons/{pid}/cases"),
    ];
    // A role that reads no records: 403 everywhere, the list too.
    let volunteer = app.api("volunteer").await;
    assert_eq!(volunteer.get("/cases").await.status(), 403);
    for p in &pages {
        assert_eq!(volunteer.get(p).await.status(), 403, "{p}");
    }
    for p in &posts {
        assert_eq!(form(&volunteer, p, &[("event", "accept"), ("due_on", "x")]).await.status(), 403, "{p}");
    }
    // Out of scope: 404.
    let lusong = app.api("lusong_head").await;
    for p in &pages {
        assert_eq!(lusong.get(p).await.status(), 404, "{p}");
    }
    for p in &posts {
        assert_eq!(form(&lusong, p, &[("event", "accept"), ("due_on", "x")]).await.status(), 404, "{p}");
    }
    assert_eq!(lusong.get("/cases/caseload").await.status(), 200);
    assert!(!lusong.get("/cases").await.text().await.unwrap().contains(&format!("/cases/{id}\"")));
    // The supervisor reads the case but writes nothing: no buttons, the forms refused.
    let supervisor = app.api("supervisor").await;
    let html = supervisor.get(&format!("/cases/{id}")).await.text().await.unwrap();
    assert!(!html.contains("data-event="));
    assert_eq!(supervisor.get(&format!("/cases/{id}/services/new")).await.status(), 403);
    assert_eq!(form(&supervisor, &format!("/cases/{id}/steps"), &[("event", "accept")]).await.status(), 403);
    assert_eq!(case(&worker, id).await["stage"], "intake");
});
