//! Care archives (issue 3 points 4 and 5): the elderly archive, visits and the station's visit
//! list (8.2.1.1); the children's guardianship archive, gap alerts and their reports (8.3.1).

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use time::Duration;

pub(crate) fn day(offset: i64) -> String {
    dates::iso(dates::today() + Duration::days(offset))
}

/// A birth date `years` years ago (minus a few days, so the age is exactly `years`).
fn born(years: i32) -> String {
    let t = dates::today() - Duration::days(3);
    dates::iso(
        time::Date::from_calendar_date(t.year() - years, t.month(), t.day().min(28)).unwrap(),
    )
}

pub(crate) async fn person(api: &Api, name: &str, age: i32, org: &str) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": name, "birth_date": born(age), "org_code": org}),
        )
        .await;
    assert_eq!(r.status(), 201, "create {name}");
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

pub(crate) async fn timeline_kinds(api: &Api, id: i64) -> Vec<String> {
    let t: Value = api
        .get(&format!("/api/v1/persons/{id}/timeline"))
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

/// `<script>` as the page shows it: escaped (askama writes `&#60;`).
fn escaped_script(html: &str) -> bool {
    html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;")
}

pub(crate) fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------------------------------ elderly

http_test!(async fn elderly_archive_visits_and_the_due_list(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "张奶奶", 82, "430202001001").await;
    let path = format!("/api/v1/persons/{id}/elderly");
    let v: Value = worker.get(&path).await.json().await.unwrap();
    assert!(v["archive"].is_null());
    let r = put(&worker, &path, json!({"living_arrangement": "alone", "carers": [{"name": "李红", "relation": "女儿", "phone": "13812345678"}]})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let body = v.to_string();
    assert!(!body.contains("13812345678"), "the carer's phone is masked");
    let a = &v["archive"];
    assert_eq!(a["visit_interval_days"], 7, "people living alone are visited weekly");
    assert_eq!(a["next_visit_due"], day(0), "never visited: due at once");
    assert_eq!(a["visit_status"], "due");
    assert_eq!(a["carers"][0]["phone_masked"], "138****5678");
    let carer_id = a["carers"][0]["id"].as_i64().unwrap();
    // On the station's list, due; not overdue.
    let l: Value = worker.get("/api/v1/care/visits").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["person_id"], id);
    assert_eq!(l["items"][0]["status"], "due");
    let l: Value = worker.get("/api/v1/care/visits?status=overdue").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    // A visit ten days ago: the next one was due three days ago.
    let r = worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": day(-10), "visitor": "王社工", "mode": "home", "findings": "血压偏高"})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["next_visit_due"], day(-3));
    let l: Value = worker.get("/api/v1/care/visits?status=overdue").await.json().await.unwrap();
    assert_eq!((l["total"].as_i64(), l["items"][0]["days_overdue"].as_i64()), (Some(1), Some(3)));
    assert_eq!(worker.get("/api/v1/care/visits?status=due").await.json::<Value>().await.unwrap()["total"], 0);
    // Visited today: due in 7 days, still on the list as coming up.
    let r = worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": day(0), "visitor": "王社工", "mode": "电话探访"})).await;
    assert_eq!(r.status(), 201);
    let l: Value = worker.get("/api/v1/care/visits?status=due").await.json().await.unwrap();
    assert_eq!(l["items"][0]["next_visit_due"], day(7));
    // An older visit recorded late does not move the schedule back.
    worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": day(-30), "visitor": "王社工", "mode": "home"})).await;
    let v: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(v["archive"]["next_visit_due"], day(7));
    assert_eq!(v["archive"]["visits"].as_array().unwrap().len(), 3);
    assert_eq!(v["archive"]["visits"][0]["visited_on"], day(0), "newest first");
    // Changing the interval moves the due date; the masked phone sent back keeps the number.
    let r = put(&worker, &path, json!({"living_arrangement": "with_children", "visit_interval_days": 30, "version": 1,
        "carers": [{"id": carer_id, "name": "李红", "relation": "女儿", "phone": "138****5678"}]})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["archive"]["next_visit_due"], day(30));
    assert_eq!(v["archive"]["carers"][0]["phone_masked"], "138****5678");
    assert_eq!(worker.get("/api/v1/care/visits").await.json::<Value>().await.unwrap()["total"], 0, "not due within 7 days");
    // A masked value that is not this carer's is refused, not guessed.
    let v = problem(put(&worker, &path, json!({"living_arrangement": "alone", "version": 2,
        "carers": [{"id": carer_id, "name": "李红", "relation": "女儿", "phone": "139****5678"}]})).await, 422).await;
    assert_eq!(fields(&v), ["carers"]);
    let v: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!((v["archive"]["version"].as_i64(), v["archive"]["carers"][0]["phone_masked"].as_str()), (Some(2), Some("138****5678")));
    // A stale version is refused.
    problem(put(&worker, &path, json!({"living_arrangement": "alone", "version": 1})).await, 409).await;
    let kinds = timeline_kinds(&worker, id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "care.visit").count(), 3);
    assert!(kinds.contains(&"care.elderly.created".to_string()) && kinds.contains(&"care.elderly.updated".to_string()));
    assert_eq!(app.audit_count("care.elderly.create"), 1);
    assert_eq!(app.audit_count("care.elderly.update"), 1);
    assert_eq!(app.audit_count("care.visit.create"), 3);
});

http_test!(async fn elderly_bad_input_writes_nothing(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "刘爷爷", 75, "430202001").await;
    let young = person(&worker, "刘青年", 40, "430202001").await;
    let path = format!("/api/v1/persons/{id}/elderly");
    // A visit before the archive is opened: a conflict with the reason.
    problem(worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": day(0), "visitor": "王社工", "mode": "home"})).await, 409).await;
    let v = problem(put(&worker, &path, json!({"living_arrangement": "月球", "visit_interval_days": 0,
        "carers": [{"name": "<script>alert(1)</script>", "relation": "儿子"}, {"name": "王五", "relation": "邻居", "phone": "123"}]})).await, 422).await;
    assert_eq!(fields(&v), ["living_arrangement", "carers", "carers", "visit_interval_days"]);
    problem(put(&worker, &path, json!({"living_arrangement": "alone", "visit_interval_days": 366})).await, 422).await;
    problem(put(&worker, &path, json!({"living_arrangement": "alone", "salary": 1})).await, 400).await;
    let v = problem(put(&worker, &format!("/api/v1/persons/{young}/elderly"), json!({"living_arrangement": "alone"})).await, 422).await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("60"));
    assert!(worker.get(&path).await.json::<Value>().await.unwrap()["archive"].is_null(), "nothing written");
    assert_eq!(put(&worker, &path, json!({"living_arrangement": "with_spouse"})).await.status(), 201);
    let v = problem(worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": day(1), "visitor": "王社工", "mode": "home"})).await, 422).await;
    assert_eq!(fields(&v), ["visited_on"]);
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("晚于今天"));
    let v = problem(worker.post(&format!("/api/v1/persons/{id}/visits"), json!({"visited_on": "2026/2/30", "visitor": "<b>x</b>", "mode": "fly"})).await, 422).await;
    assert_eq!(fields(&v), ["visited_on", "visitor", "mode"]);
    problem(worker.get("/api/v1/care/visits?status=someday").await, 422).await;
    let v: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(v["archive"]["visits"].as_array().unwrap().len(), 0);
    assert_eq!(app.audit_count("care.visit.create"), 0);
    assert_eq!(app.audit_count("care.elderly.create"), 1);
});

http_test!(async fn elderly_access_follows_scope_and_role(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "陈奶奶", 88, "430202001001").await;
    let path = format!("/api/v1/persons/{id}/elderly");
    assert_eq!(put(&worker, &path, json!({"living_arrangement": "alone"})).await.status(), 201);
    let visit = json!({"visited_on": day(0), "visitor": "王社工", "mode": "home"});
    for who in ["purchaser", "volunteer"] {
        let a = app.api(who).await;
        problem(a.get(&path).await, 403).await;
        problem(put(&a, &path, json!({"living_arrangement": "alone"})).await, 403).await;
        problem(a.post(&format!("/api/v1/persons/{id}/visits"), visit.clone()).await, 403).await;
        problem(a.get("/api/v1/care/visits").await, 403).await;
    }
    for who in ["worker2", "lusong_head"] {
        let a = app.api(who).await;
        problem(a.get(&path).await, 404).await;
        problem(put(&a, &path, json!({"living_arrangement": "alone"})).await, 404).await;
        problem(a.post(&format!("/api/v1/persons/{id}/visits"), visit.clone()).await, 404).await;
        let l: Value = a.get("/api/v1/care/visits").await.json().await.unwrap();
        assert_eq!(l["total"], 0, "{who} sees no one of another station");
        assert_eq!(a.get(&format!("/persons/{id}/elderly")).await.status(), 404);
    }
    // The supervisor reads but does not write; the head sees the list.
    let sup = app.api("supervisor").await;
    assert_eq!(sup.get(&path).await.status(), 200);
    problem(sup.post(&format!("/api/v1/persons/{id}/visits"), visit.clone()).await, 403).await;
    let l: Value = app.api("head").await.get("/api/v1/care/visits").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    assert_eq!(app.audit_count("care.visit.create"), 0);
});

http_test!(async fn elderly_pages_work_without_javascript(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "周爷爷", 90, "430202001001").await;
    let page = format!("/persons/{id}/elderly");
    let html = worker.get(&page).await.text().await.unwrap();
    assert!(html.contains("周爷爷") && html.contains("建立老年人档案") && html.contains("8.2.1.1"));
    let young = person(&worker, "周青年", 30, "430202001").await;
    let html = worker.get(&format!("/persons/{young}/elderly")).await.text().await.unwrap();
    assert!(html.contains("只适用于年满 60 周岁") && !html.contains("name=\"living_arrangement\""), "no form for a young person");
    let r = form(&worker, &page, &[("living_arrangement", "alone"), ("visit_interval_days", "0"), ("carer_id", ""), ("carer_name", "李红"), ("carer_relation", "女儿"), ("carer_phone", "13812345678")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("走访间隔应在 1 至 365 天之间") && html.contains("李红"), "the form again, as typed");
    let r = form(&worker, &page, &[("living_arrangement", "alone"), ("visit_interval_days", ""), ("notes", "<script>alert(1)</script>"),
        ("carer_id", ""), ("carer_name", "李红"), ("carer_relation", "女儿"), ("carer_phone", "13812345678"),
        ("carer_id", ""), ("carer_name", ""), ("carer_relation", ""), ("carer_phone", "")]).await;
    assert_eq!(r.status(), 303);
    let html = worker.get(&format!("{page}?done=saved")).await.text().await.unwrap();
    assert!(html.contains("138****5678") && !html.contains("13812345678"));
    assert!(escaped_script(&html) && !html.contains("<script>alert(1)"), "notes are escaped");
    let r = form(&worker, &format!("/persons/{id}/visits"), &[("visited_on", &day(2)), ("visitor", "王社工"), ("mode", "home")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("走访日期不能晚于今天"));
    let r = form(&worker, &format!("/persons/{id}/visits"), &[("visited_on", &day(-9)), ("visitor", "王社工"), ("mode", "home"), ("findings", "独自在家,行动不便")]).await;
    assert_eq!(r.status(), 303);
    let html = worker.get("/care/visits").await.text().await.unwrap();
    assert!(html.contains("周爷爷") && html.contains("class=\"overdue\""), "overdue highlighted");
    let html = worker.get("/care/visits?status=due").await.text().await.unwrap();
    assert!(!html.contains("周爷爷"));
    assert_eq!(app.api("volunteer").await.get("/care/visits").await.status(), 403);
    // Forms posted by the wrong people: out of scope 404, no right 403, nothing written.
    let visit_form = [("visited_on", day(0)), ("visitor", "王社工".to_string()), ("mode", "home".to_string())];
    let visit_form: Vec<(&str, &str)> = visit_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(form(&app.api("worker2").await, &format!("/persons/{id}/visits"), &visit_form).await.status(), 404);
    assert_eq!(form(&app.api("lusong_head").await, &page, &[("living_arrangement", "other")]).await.status(), 404);
    assert_eq!(form(&app.api("volunteer").await, &format!("/persons/{id}/visits"), &visit_form).await.status(), 403);
    assert_eq!(form(&app.api("supervisor").await, &page, &[("living_arrangement", "other")]).await.status(), 403);
    assert_eq!(app.audit_count("care.visit.create"), 1);
    // Someone who may only read sees no forms.
    let html = app.api("supervisor").await.get(&page).await.text().await.unwrap();
    assert!(html.contains("周爷爷") && !html.contains("记录走访"));
});

// ----------------------------------------------------------------------------------- children

fn gap_archive(situation: &str) -> Value {
    json!({"living_situation": situation,
        "guardians": [{"name": "王大", "relation": "father", "status": "imprisoned"}, {"name": "李二", "relation": "母亲", "status": "失联(6 个月以上)"}, {"name": "王奶奶", "relation": "grandparent", "status": "normal"}],
        "school": "荷塘小学", "grade": "一年级", "study_status": "in_school", "health": "healthy", "social_support": "儿童主任每周看望"})
}

http_test!(async fn a_gap_alert_stays_until_the_report_is_recorded(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "王小宝", 6, "430202001001").await;
    let path = format!("/api/v1/persons/{id}/guardianship");
    let r = put(&worker, &path, gap_archive("unattended")).await;
    assert_eq!(r.status(), 201);
    let s: Value = r.json().await.unwrap();
    let alert = s["alert_raised"].as_i64().expect("an alert is raised");
    let g: Value = worker.get(&path).await.json().await.unwrap();
    assert_eq!(g["archive"]["support"], "de_facto_unsupported");
    assert_eq!(g["archive"]["guardians"].as_array().unwrap().len(), 3);
    assert_eq!(g["alerts"][0]["kind"], "unattended_under_8");
    assert_eq!(g["alerts"][0]["open"], true);
    assert_eq!(app.audit_count("care.guardianship.read"), 1, "every read is audited");
    let l: Value = worker.get("/api/v1/care/alerts").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    assert_eq!((l["items"][0]["id"].as_i64(), l["items"][0]["person_id"].as_i64()), (Some(alert), Some(id)));
    // Saving again while it is open raises no second alert.
    let mut again = gap_archive("unattended");
    again["version"] = json!(1);
    let s: Value = put(&worker, &path, again).await.json().await.unwrap();
    assert!(s["alert_raised"].is_null());
    assert_eq!(worker.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 1);
    // Reporting: bad input, wrong people, then the report.
    let report = |on: String| json!({"reported_by": "王社工", "department": "荷塘区民政局", "reported_on": on, "method": "phone", "notes": "已电话报告,受理人张科长"});
    let rpath = format!("/api/v1/care/alerts/{alert}/report");
    let v = problem(worker.post(&rpath, report(day(1))).await, 422).await;
    assert_eq!(fields(&v), ["reported_on"]);
    let v = problem(worker.post(&rpath, json!({"reported_by": "<script>", "department": "", "reported_on": day(0), "method": "飞鸽"})).await, 422).await;
    assert_eq!(fields(&v), ["reported_by", "department", "method"]);
    problem(worker.post(&rpath, json!({"reported_by": "王社工", "department": "x", "reported_on": day(0), "method": "phone", "extra": 1})).await, 400).await;
    problem(app.api("purchaser").await.post(&rpath, report(day(0))).await, 403).await;
    problem(app.api("supervisor").await.post(&rpath, report(day(0))).await, 403).await;
    problem(app.api("worker2").await.post(&rpath, report(day(0))).await, 404).await;
    problem(app.api("lusong_head").await.post(&rpath, report(day(0))).await, 404).await;
    problem(worker.post("/api/v1/care/alerts/999999/report", report(day(0))).await, 404).await;
    assert_eq!(worker.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 1, "still open");
    let r = worker.post(&rpath, report(day(0))).await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["open"].as_bool(), a["department"].as_str(), a["method"].as_str()), (Some(false), Some("荷塘区民政局"), Some("phone")));
    assert_eq!(worker.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 0, "gone from the open list");
    let all: Value = worker.get("/api/v1/care/alerts?status=all").await.json().await.unwrap();
    assert_eq!(all["total"], 1);
    problem(worker.post(&rpath, report(day(0))).await, 409).await;
    problem(worker.get("/api/v1/care/alerts?status=closed").await, 422).await;
    // A gap recorded again after the report raises a new alert.
    let mut again = gap_archive("unattended");
    again["version"] = json!(2);
    let s: Value = put(&worker, &path, again).await.json().await.unwrap();
    assert!(s["alert_raised"].as_i64().is_some_and(|n| n != alert));
    let kinds = timeline_kinds(&worker, id).await;
    for k in ["care.guardianship.created", "care.guardianship.updated", "care.alert.raised", "care.alert.reported"] {
        assert!(kinds.iter().any(|x| x == k), "{k} on the timeline");
    }
    assert_eq!(app.audit_count("care.alert.raise"), 2);
    assert_eq!(app.audit_count("care.alert.report"), 1);
    assert_eq!(app.audit_count("care.guardianship.create"), 1);
    assert_eq!(app.audit_count("care.guardianship.update"), 2);
});

http_test!(async fn gap_rule_over_ages_and_situations(app) {
    let worker = app.api("worker").await;
    for (age, situation, kind) in [(10, "alone", Some("alone_under_16")), (10, "unattended", None), (15, "alone", Some("alone_under_16")),
        (16, "alone", None), (7, "unattended", Some("unattended_under_8")), (3, "with_relatives", None)] {
        let id = person(&worker, "赵小", age, "430202001").await;
        let s: Value = put(&worker, &format!("/api/v1/persons/{id}/guardianship"), json!({"living_situation": situation})).await.json().await.unwrap();
        assert_eq!(s["alert_raised"].as_i64().is_some(), kind.is_some(), "{age} {situation}");
        if let Some(k) = kind {
            let g: Value = worker.get(&format!("/api/v1/persons/{id}/guardianship")).await.json().await.unwrap();
            assert_eq!(g["alerts"][0]["kind"], k);
            assert_eq!(g["archive"]["support"], "unknown", "parents not recorded");
        }
    }
    assert_eq!(worker.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 3);
});

http_test!(async fn guardianship_bad_input_and_access(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "孙小妹", 9, "430202001001").await;
    let adult = person(&worker, "孙大哥", 18, "430202001").await;
    let path = format!("/api/v1/persons/{id}/guardianship");
    let v = problem(put(&worker, &format!("/api/v1/persons/{adult}/guardianship"), json!({"living_situation": "alone"})).await, 422).await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("18"));
    let v = problem(put(&worker, &path, json!({"living_situation": "月球", "guardians": [{"name": "<script>alert(1)</script>", "relation": "boss", "status": "happy"}], "study_status": "x"})).await, 422).await;
    assert_eq!(fields(&v), ["living_situation", "guardians", "guardians", "guardians", "study_status"]);
    problem(put(&worker, &path, json!({"living_situation": "alone", "pets": 2})).await, 400).await;
    let g: Value = worker.get(&path).await.json().await.unwrap();
    assert!(g["archive"].is_null(), "nothing written");
    assert_eq!(worker.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 0);
    assert_eq!(put(&worker, &path, json!({"living_situation": "alone"})).await.status(), 201);
    for who in ["purchaser", "volunteer"] {
        let a = app.api(who).await;
        problem(a.get(&path).await, 403).await;
        problem(put(&a, &path, json!({"living_situation": "with_guardian"})).await, 403).await;
        problem(a.get("/api/v1/care/alerts").await, 403).await;
        assert_eq!(a.get("/care/alerts").await.status(), 403);
    }
    for who in ["worker2", "lusong_head"] {
        let a = app.api(who).await;
        problem(a.get(&path).await, 404).await;
        problem(put(&a, &path, json!({"living_situation": "with_guardian"})).await, 404).await;
        assert_eq!(a.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 0);
        assert_eq!(a.get(&format!("/persons/{id}/guardianship")).await.status(), 404);
        assert_eq!(a.get("/care/alerts/1").await.status(), 404);
    }
    problem(put(&app.api("supervisor").await, &path, json!({"living_situation": "with_guardian"})).await, 403).await;
    assert_eq!(app.api("head").await.get("/api/v1/care/alerts").await.json::<Value>().await.unwrap()["total"], 1);
    assert_eq!(app.audit_count("care.guardianship.create"), 1);
});

http_test!(async fn guardianship_pages_and_the_report_form(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "钱小花", 5, "430202001001").await;
    let page = format!("/persons/{id}/guardianship");
    let html = worker.get(&page).await.text().await.unwrap();
    assert!(html.contains("钱小花") && html.contains("8.3.1.2") && html.contains("建立儿童监护档案"));
    let r = form(&worker, &page, &[("living_situation", "unattended"), ("g_name", "<script>"), ("g_relation", "father"), ("g_status", "normal"), ("g_notes", "")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(escaped_script(&html) && !html.contains("value=\"<script>"), "typed values come back escaped");
    let r = form(&worker, &page, &[("living_situation", "unattended"), ("version", ""),
        ("g_name", "钱大"), ("g_relation", "father"), ("g_status", "severe_illness"), ("g_notes", "长期住院"),
        ("g_name", "赵二"), ("g_relation", "mother"), ("g_status", "dead"), ("g_notes", ""),
        ("g_name", ""), ("g_relation", ""), ("g_status", ""), ("g_notes", ""),
        ("school", "荷塘幼儿园"), ("study_status", "kindergarten"), ("health", "healthy"), ("social_support", "")]).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("done=alert"));
    let html = worker.get(&format!("{page}?done=alert")).await.text().await.unwrap();
    assert!(html.contains("符合事实无人抚养儿童条件") && html.contains("未满 8 周岁儿童处于无人看护状态"));
    let html = worker.get("/care/alerts").await.text().await.unwrap();
    assert!(html.contains("钱小花"));
    let alert = between(&html, "class=\"button small\" href=\"/care/alerts/", "\"");
    let apage = format!("/care/alerts/{alert}");
    assert!(worker.get(&apage).await.text().await.unwrap().contains("记录报告"));
    let r = form(&worker, &format!("{apage}/report"), &[("reported_by", "王社工"), ("department", "荷塘区民政局"), ("reported_on", &day(1)), ("method", "phone")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("报告日期不能晚于今天"));
    let ok_report = [("reported_by", "王社工"), ("department", "荷塘区民政局"), ("reported_on", &day(0)), ("method", "in_person"), ("notes", "")];
    assert_eq!(app.api("worker2").await.get(&apage).await.status(), 404);
    assert_eq!(app.api("purchaser").await.get(&apage).await.status(), 403);
    assert_eq!(form(&app.api("worker2").await, &format!("{apage}/report"), &ok_report).await.status(), 404);
    assert_eq!(form(&app.api("volunteer").await, &format!("{apage}/report"), &ok_report).await.status(), 403);
    assert_eq!(form(&app.api("supervisor").await, &format!("{apage}/report"), &ok_report).await.status(), 403);
    assert_eq!(form(&app.api("worker2").await, &page, &[("living_situation", "alone")]).await.status(), 404);
    assert_eq!(app.audit_count("care.alert.report"), 0);
    let r = form(&worker, &format!("{apage}/report"), &ok_report).await;
    assert_eq!(r.status(), 303);
    let html = worker.get("/care/alerts").await.text().await.unwrap();
    assert!(!html.contains("钱小花"), "reported: off the open list");
    let html = worker.get("/care/alerts?status=all").await.text().await.unwrap();
    assert!(html.contains("钱小花") && html.contains("荷塘区民政局"));
    assert!(app.audit_count("care.guardianship.read") >= 2);
    assert_eq!(app.audit_count("care.alert.report"), 1);
});

// ------------------------------------------------------------------------------------ corrections

async fn history_rows(api: &Api, pid: i64) -> Vec<Value> {
    let h: Value = api
        .get(&format!("/api/v1/persons/{pid}/history"))
        .await
        .json()
        .await
        .unwrap();
    h["items"].as_array().unwrap().clone()
}

async fn overdue_ids(api: &Api) -> Vec<i64> {
    let l: Value = api
        .get("/api/v1/care/visits?status=overdue")
        .await
        .json()
        .await
        .unwrap();
    l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["person_id"].as_i64().unwrap())
        .collect()
}

// 8.2.1.1: a visit is corrected or deleted with a reason; the next visit due and the overdue list
// are computed again; refusals change nothing.
http_test!(async fn visits_are_corrected_and_deleted_and_the_due_list_follows(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "张奶奶", 82, "430202001001").await;
    let archive = format!("/api/v1/persons/{id}/elderly");
    assert_eq!(put(&worker, &archive, json!({"living_arrangement": "alone"})).await.status(), 201);
    let visits = format!("/api/v1/persons/{id}/visits");
    let visit = |on: i64| json!({"visited_on": day(on), "visitor": "王社工", "mode": "home"});
    let early = worker.post(&visits, visit(-10)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let latest = worker.post(&visits, visit(-2)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert!(overdue_ids(&worker).await.is_empty());
    let path = format!("{visits}/{latest}");
    let before: Value = worker.get(&archive).await.json().await.unwrap();
    problem(put(&worker, &path, json!({"visit": visit(-1)})).await, 422).await;
    let v = problem(put(&worker, &path, json!({"reason": "", "visit": {"visited_on": day(5), "visitor": "", "mode": "飞行"}})).await, 422).await;
    let f = fields(&v);
    for x in ["visited_on", "visitor", "mode", "reason"] {
        assert!(f.contains(&x.to_string()), "{x} in {f:?}");
    }
    problem(put(&app.api("supervisor").await, &path, json!({"reason": "x", "visit": visit(-1)})).await, 403).await;
    problem(put(&app.api("lusong_head").await, &path, json!({"reason": "x", "visit": visit(-1)})).await, 404).await;
    problem(put(&worker, &format!("{visits}/999999"), json!({"reason": "x", "visit": visit(-1)})).await, 404).await;
    problem(app.api("supervisor").await.delete_json(&path, json!({"reason": "x"})).await, 403).await;
    problem(app.api("lusong_head").await.delete_json(&path, json!({"reason": "x"})).await, 404).await;
    problem(worker.delete_json(&path, json!({"reason": "   "})).await, 422).await;
    assert_eq!(worker.get(&archive).await.json::<Value>().await.unwrap(), before, "nothing changed on refusal");
    // Deleting the latest visit: overdue again (−10 + 7 = −3).
    let r = worker.delete_json(&path, json!({"reason": "记到了别的老人名下"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["next_visit_due"], day(-3));
    assert_eq!(overdue_ids(&worker).await, [id]);
    let v: Value = worker.get(&archive).await.json().await.unwrap();
    assert_eq!(v["archive"]["visits"].as_array().unwrap().len(), 1);
    problem(worker.delete_json(&path, json!({"reason": "again"})).await, 404).await;
    // Correcting the remaining visit's date: no longer overdue.
    let r = put(&worker, &format!("{visits}/{early}"), json!({"reason": "日期填错", "visit": visit(-1)})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["next_visit_due"], day(6));
    assert!(overdue_ids(&worker).await.is_empty());
    let h = history_rows(&worker, id).await;
    assert!(h.iter().any(|r| r["field"] == format!("visit:{latest}.deleted") && r["reason"] == "记到了别的老人名下"));
    assert!(h.iter().any(|r| r["field"] == format!("visit:{early}.visited_on") && r["old_value"] == day(-10) && r["new_value"] == day(-1)));
    assert_eq!((app.audit_count("care.visit.update"), app.audit_count("care.visit.delete")), (1, 1));
    // The pages: a correction form filled from the visit, the reason required, then a deletion.
    let edit = format!("/persons/{id}/visits/{early}/edit");
    let page = worker.get(&format!("/persons/{id}/elderly")).await.text().await.unwrap();
    assert!(page.contains(&edit));
    let html = worker.get(&edit).await.text().await.unwrap();
    assert!(html.contains(&day(-1)) && html.contains("name=\"reason\""));
    let r = form(&worker, &edit, &[("visited_on", &day(-4)), ("visitor", "王社工"), ("mode", "home"), ("reason", "")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("请填写更正或删除的原因") && html.contains(&day(-4)), "typed values kept");
    let r = form(&worker, &edit, &[("visited_on", &day(-4)), ("visitor", "王社工"), ("mode", "home"), ("reason", "又记错")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(worker.get(&archive).await.json::<Value>().await.unwrap()["archive"]["next_visit_due"], day(3));
    let reader = app.api("supervisor").await;
    assert_eq!(reader.get(&edit).await.status(), 403);
    assert!(!reader.get(&format!("/persons/{id}/elderly")).await.text().await.unwrap().contains(&edit));
    assert_eq!(app.api("lusong_head").await.get(&edit).await.status(), 404);
    let del = format!("/persons/{id}/visits/{early}/delete");
    assert_eq!(form(&reader, &del, &[("reason", "x")]).await.status(), 403);
    assert_eq!(form(&app.api("lusong_head").await, &del, &[("reason", "x")]).await.status(), 404);
    let r = form(&worker, &del, &[("reason", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写更正或删除的原因"));
    let r = form(&worker, &del, &[("reason", "没有去成")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(worker.get(&edit).await.status(), 404);
    // No visit left: due at once, as an archive never visited.
    assert_eq!(worker.get(&archive).await.json::<Value>().await.unwrap()["archive"]["next_visit_due"], day(0));
});

// Archive changes go to the person's edit history (carers' phones masked); a carer's full number
// is revealed by POST, audited, only for roles that may reveal.
http_test!(async fn archive_history_and_carer_phone_reveal(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "张奶奶", 82, "430202001001").await;
    let archive = format!("/api/v1/persons/{id}/elderly");
    let v: Value = put(&worker, &archive, json!({"living_arrangement": "alone", "carers": [{"name": "李红", "relation": "女儿", "phone": "13812345678"}]})).await.json().await.unwrap();
    let carer = v["archive"]["carers"][0]["id"].as_i64().unwrap();
    assert_eq!(put(&worker, &archive, json!({"living_arrangement": "with_children", "version": 1, "carers": [{"id": carer, "name": "李红", "relation": "女儿", "phone": "138****5678"}]})).await.status(), 200);
    let h = history_rows(&worker, id).await;
    assert!(h.iter().any(|r| r["field"] == "elderly.living_arrangement" && r["old_value"] == "独居" && r["new_value"] == "与子女同住"));
    assert!(h.iter().any(|r| r["field"] == "elderly.carers" && r["new_value"] == "李红(女儿) 138****5678"));
    assert!(!serde_json::to_string(&h).unwrap().contains("13812345678"), "phones masked in the history");
    let html = worker.get(&format!("/persons/{id}/history")).await.text().await.unwrap();
    assert!(html.contains("老年人档案 · 居住方式"));
    // Guardianship changes too.
    let child = person(&worker, "王小宝", 10, "430202001001").await;
    let g = format!("/api/v1/persons/{child}/guardianship");
    put(&worker, &g, json!({"living_situation": "with_guardian", "school": "一小"})).await;
    put(&worker, &g, json!({"living_situation": "with_guardian", "school": "二小", "version": 1})).await;
    assert!(history_rows(&worker, child).await.iter().any(|r| r["field"] == "guardianship.school" && r["old_value"] == "一小" && r["new_value"] == "二小"));
    // Reveal: the archive read shows it masked; the reveal shows it in full and is audited.
    let carer = worker.get(&archive).await.json::<Value>().await.unwrap()["archive"]["carers"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/persons/{id}/carers/{carer}/reveal");
    let v: Value = worker.post(&path, json!({})).await.json().await.unwrap();
    assert_eq!(v["value"], "13812345678");
    assert_eq!(app.audit_count("care.carer.reveal"), 1);
    problem(app.api("supervisor").await.post(&path, json!({})).await, 403).await;
    problem(app.api("lusong_head").await.post(&path, json!({})).await, 404).await;
    problem(worker.post(&format!("/api/v1/persons/{child}/carers/{carer}/reveal"), json!({})).await, 404).await;
    assert_eq!(app.audit_count("care.carer.reveal"), 1, "refusals reveal nothing and audit no reveal");
    // The page: masked with a POST button; the reveal shows the number.
    let page = worker.get(&format!("/persons/{id}/elderly")).await.text().await.unwrap();
    assert!(page.contains("138****5678") && !page.contains("13812345678"));
    let reveal = format!("/persons/{id}/elderly/carers/{carer}/reveal");
    assert!(page.contains(&format!("action=\"{reveal}\"")));
    let by_get = worker.get(&reveal).await;
    assert_ne!(by_get.status(), 200, "never by GET");
    assert!(!by_get.text().await.unwrap().contains("13812345678"));
    let r = form(&worker, &reveal, &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("13812345678"));
    assert_eq!(app.audit_count("care.carer.reveal"), 2);
    let reader = app.api("supervisor").await;
    assert!(!reader.get(&format!("/persons/{id}/elderly")).await.text().await.unwrap().contains(&reveal), "no button for readers");
    assert_eq!(form(&reader, &reveal, &[]).await.status(), 403);
    assert_eq!(form(&app.api("lusong_head").await, &reveal, &[]).await.status(), 404);
    let doc: Value = worker.get("/api/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/persons/{id}/visits/{visit_id}"]["delete"].is_object());
    assert!(doc["paths"]["/api/v1/persons/{id}/carers/{carer_id}/reveal"]["post"].is_object());
});
