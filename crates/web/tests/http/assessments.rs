//! Standard assessments scored by the system (issue 4 point 4): definitions, recording with the
//! system's score and band, a person's results as a table and an SVG chart, and the re-assessment
//! list (Barthel every 6 months, 8.2.3.1; child check 8.3.4.2). Refused input changes nothing.

use crate::care::{day, fields, person, timeline_kinds};
use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};

/// Barthel answers: every item at its highest (`full`) or second answer.
fn barthel(full: bool) -> Value {
    let high = [
        ("feeding", "10"),
        ("bathing", "5"),
        ("grooming", "5"),
        ("dressing", "10"),
        ("bowels", "10"),
        ("bladder", "10"),
        ("toilet", "10"),
        ("transfer", "15"),
        ("walking", "15"),
        ("stairs", "10"),
    ];
    let second = [
        ("feeding", "5"),
        ("bathing", "0"),
        ("grooming", "0"),
        ("dressing", "5"),
        ("bowels", "5"),
        ("bladder", "5"),
        ("toilet", "5"),
        ("transfer", "10"),
        ("walking", "10"),
        ("stairs", "5"),
    ];
    let pick = if full { high } else { second };
    Value::Object(
        pick.iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    )
}

fn body(answers: Value, on: &str, assessors: &[&str]) -> Value {
    json!({"code": "barthel", "assessed_on": on, "answers": answers, "assessors": assessors})
}

async fn count(api: &Api, id: i64) -> usize {
    let v: Value = api
        .get(&format!("/api/v1/persons/{id}/assessments"))
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().len()
}

http_test!(async fn barthel_is_scored_kept_charted_and_due_again(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "张奶奶", 80, "430202001001").await;
    let defs: Value = worker.get("/api/v1/assessments/definitions").await.json().await.unwrap();
    let b = defs["items"].as_array().unwrap().iter().find(|d| d["code"] == "barthel").unwrap().clone();
    assert_eq!((b["range"][1].as_i64(), b["assessors"].as_i64(), b["reassess_months"].as_i64()), (Some(100), Some(2), Some(6)));
    assert_eq!(b["items"].as_array().unwrap().len(), 10);
    let path = format!("/api/v1/persons/{id}/assessments");
    // Seven months ago: intact, and the re-assessment is overdue.
    let r = worker.post(&path, body(barthel(true), &day(-213), &["王芳", "李强"])).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["score"].as_i64(), a["band"].as_str(), a["version"].as_i64()), (Some(100), Some("intact"), Some(1)));
    assert_eq!(a["band_label"], "能力完好");
    assert_eq!(a["answers"].as_array().unwrap().len(), 10);
    let due: Value = worker.get("/api/v1/assessments/due?status=overdue").await.json().await.unwrap();
    assert_eq!((due["total"].as_i64(), due["items"][0]["person_id"].as_i64()), (Some(1), Some(id)));
    assert_eq!(due["items"][0]["status"], "overdue");
    assert!(due["items"][0]["days_overdue"].as_i64().unwrap() > 0);
    let html = worker.get("/assessments/due").await.text().await.unwrap();
    assert!(html.contains("class=\"overdue\"") && html.contains("张奶奶"), "overdue highlighted");
    // Today: 50, moderately impaired; nothing due any more.
    let r = worker.post(&path, body(barthel(false), &day(0), &["王芳", "李强"])).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["score"].as_i64(), a["band"].as_str()), (Some(50), Some("moderate")));
    assert!(a["next_due"].as_str().unwrap() > day(170).as_str());
    assert_eq!(worker.get("/api/v1/assessments/due").await.json::<Value>().await.unwrap()["total"], 0);
    let l: Value = worker.get(&path).await.json().await.unwrap();
    let scores: Vec<i64> = l["items"].as_array().unwrap().iter().map(|i| i["score"].as_i64().unwrap()).collect();
    assert_eq!(scores, [100, 50], "oldest first");
    // The page: a table row and a chart point per assessment, with an accessible title.
    let html = worker.get(&format!("/persons/{id}/assessments")).await.text().await.unwrap();
    assert_eq!(html.matches("<circle class=\"point\"").count(), 2);
    assert!(html.contains("<title id=\"chart-barthel-title\">"));
    assert!(html.contains("role=\"img\""));
    assert_eq!(html.matches("data-assessment=").count(), 2);
    assert_eq!(app.audit_count("assessment.create"), 2);
    assert!(timeline_kinds(&worker, id).await.iter().any(|k| k == "assessment"));
    // The person page links to it.
    assert!(worker.get(&format!("/persons/{id}")).await.text().await.unwrap().contains(&format!("/persons/{id}/assessments")));
});

http_test!(async fn the_form_scores_on_a_phone_and_refuses_inline(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "李爷爷", 75, "430202001001").await;
    let html = worker.get(&format!("/persons/{id}/assessments/new?code=barthel")).await.text().await.unwrap();
    assert!(html.contains("type=\"radio\" name=\"a_feeding\" value=\"10\""));
    assert!(html.contains(&format!("value=\"{}\"", day(0))), "the date defaults to today");
    let page = format!("/persons/{id}/assessments");
    let mut f: Vec<(String, String)> = barthel(false).as_object().unwrap().iter()
        .map(|(k, v)| (format!("a_{k}"), v.as_str().unwrap().to_string())).collect();
    f.extend([("code".into(), "barthel".into()), ("assessed_on".into(), day(0)), ("assessor".into(), "王芳".into())]);
    let send = |f: Vec<(String, String)>| {
        let worker = &worker;
        let page = &page;
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            form(worker, page, &refs).await
        }
    };
    // One assessor for Barthel, and the stairs item left out: both said inline, nothing saved.
    let missing: Vec<_> = f.iter().filter(|(k, _)| k != "a_stairs").cloned().collect();
    let r = send(missing).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("须由 2 名不同的评估人共同评估"), "single assessor refused");
    assert!(html.contains("“上下楼梯”未作答"), "missing item named");
    assert!(html.contains("name=\"a_feeding\" value=\"5\" checked"), "answers kept");
    assert_eq!(count(&worker, id).await, 0);
    // Two assessors: scored and shown.
    f.push(("assessor".into(), "李强".into()));
    let r = send(f).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("/persons/{id}/assessments?recorded=")));
    let html = worker.get(&to).await.text().await.unwrap();
    assert!(html.contains("data-score=\"50\"") && html.contains("中度受损"));
    assert_eq!(count(&worker, id).await, 1);
});

http_test!(async fn bad_answers_are_refused_with_nothing_changed(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "王奶奶", 78, "430202001001").await;
    let path = format!("/api/v1/persons/{id}/assessments");
    let mut out_of_range = barthel(true);
    out_of_range["feeding"] = json!("7");
    let v = problem(worker.post(&path, body(out_of_range, &day(0), &["王芳", "李强"])).await, 422).await;
    assert_eq!(fields(&v), ["answers"]);
    let mut missing = barthel(true);
    missing.as_object_mut().unwrap().remove("stairs");
    let v = problem(worker.post(&path, body(missing, &day(0), &["王芳", "李强"])).await, 422).await;
    assert_eq!(fields(&v), ["answers"]);
    let v = problem(worker.post(&path, body(barthel(true), &day(0), &["王芳"])).await, 422).await;
    assert_eq!(fields(&v), ["assessors"]);
    let v = problem(worker.post(&path, body(barthel(true), &day(0), &["王芳", "王芳"])).await, 422).await;
    assert_eq!(fields(&v), ["assessors"], "the same person twice is one assessor");
    let v = problem(worker.post(&path, body(barthel(true), &day(1), &["王芳", "李强"])).await, 422).await;
    assert_eq!(fields(&v), ["assessed_on"]);
    let v = problem(worker.post(&path, json!({"code": "phq9", "assessed_on": day(0), "answers": {}, "assessors": ["王芳"]})).await, 422).await;
    assert_eq!(fields(&v), ["code"]);
    // A score cannot be sent: the system computes it.
    problem(worker.post(&path, json!({"code": "barthel", "assessed_on": day(0), "answers": barthel(false), "assessors": ["王芳", "李强"], "score": 100})).await, 400).await;
    assert_eq!(count(&worker, id).await, 0);
    assert_eq!(app.audit_count("assessment.create"), 0);
    assert!(!timeline_kinds(&worker, id).await.iter().any(|k| k == "assessment"));
    problem(worker.get("/api/v1/assessments/due?status=later").await, 422).await;
});

http_test!(async fn a_child_at_high_risk_is_marked_and_needs_a_referral(app) {
    let worker = app.api("worker").await;
    let child = person(&worker, "王小宝", 9, "430202001001").await;
    let adult = person(&worker, "王大明", 40, "430202001001").await;
    let answers = json!({"harm_signs": "yes", "unattended": "no", "guardian_duties": "yes", "home_safety": "yes",
        "family_violence": "no", "physical_health": "good", "mental_health": "concern", "schooling": "normal"});
    let mut b = json!({"code": "child_safety", "assessed_on": day(0), "answers": answers, "assessors": ["王芳", "李强"]});
    // The child check is for children only.
    let v = problem(worker.post(&format!("/api/v1/persons/{adult}/assessments"), b.clone()).await, 422).await;
    assert_eq!(fields(&v), ["code"]);
    let path = format!("/api/v1/persons/{child}/assessments");
    let v = problem(worker.post(&path, b.clone()).await, 422).await;
    assert_eq!(fields(&v), ["referral_to"], "a high risk names the referral");
    assert_eq!(count(&worker, child).await, 0);
    b["referral_to"] = json!("荷塘区未成年人救助保护中心");
    let r = worker.post(&path, b).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["band"].as_str(), a["referral_needed"].as_bool()), (Some("high"), Some(true)));
    let html = worker.get(&format!("/persons/{child}/assessments?recorded={}", a["id"])).await.text().await.unwrap();
    assert!(html.contains("data-child-high-risk"), "the high risk is marked");
    assert!(html.contains("badge bad"));
    // A child's record is sensitive: reading its assessments is audited.
    assert!(app.audit_count("assessment.read") >= 2);
});

http_test!(async fn forbidden_and_out_of_scope(app) {
    let worker = app.api("worker").await;
    let id = person(&worker, "赵爷爷", 81, "430202001001").await;
    let path = format!("/api/v1/persons/{id}/assessments");
    assert_eq!(worker.post(&path, body(barthel(true), &day(-300), &["王芳", "李强"])).await.status(), 201);
    // A volunteer reads no records; a supervisor reads but may not write.
    let volunteer = app.api("volunteer").await;
    problem(volunteer.get("/api/v1/assessments/definitions").await, 403).await;
    problem(volunteer.get(&path).await, 403).await;
    problem(volunteer.post(&path, body(barthel(true), &day(0), &["王芳", "李强"])).await, 403).await;
    problem(volunteer.get("/api/v1/assessments/due").await, 403).await;
    assert_eq!(volunteer.get("/assessments/due").await.status(), 403);
    assert_eq!(volunteer.get(&format!("/persons/{id}/assessments")).await.status(), 403);
    let supervisor = app.api("supervisor").await;
    assert_eq!(supervisor.get(&path).await.status(), 200);
    problem(supervisor.post(&path, body(barthel(true), &day(0), &["王芳", "李强"])).await, 403).await;
    assert_eq!(supervisor.get(&format!("/persons/{id}/assessments/new?code=barthel")).await.status(), 403);
    let r = form(&supervisor, &format!("/persons/{id}/assessments"), &[("code", "barthel")]).await;
    assert_eq!(r.status(), 403);
    // Another district: not found, and its due list is empty.
    let lusong = app.api("lusong_head").await;
    problem(lusong.get(&path).await, 404).await;
    problem(lusong.post(&path, body(barthel(true), &day(0), &["王芳", "李强"])).await, 404).await;
    assert_eq!(lusong.get(&format!("/persons/{id}/assessments")).await.status(), 404);
    assert_eq!(lusong.get(&format!("/persons/{id}/assessments/new?code=barthel")).await.status(), 404);
    let r = form(&lusong, &format!("/persons/{id}/assessments"), &[("code", "barthel")]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(lusong.get("/api/v1/assessments/due").await.json::<Value>().await.unwrap()["total"], 0);
    assert_eq!(worker.get("/api/v1/assessments/due").await.json::<Value>().await.unwrap()["total"], 1);
    assert_eq!(count(&worker, id).await, 1, "nothing changed");
    assert_eq!(app.audit_count("assessment.create"), 1);
});

/// A deployment's Barthel bands (8.2.3.1, decision 0017): new assessments are banded with them,
/// the definition and the form show them, the result keeps the wording it was given.
async fn barthel_with_deployment_bands(t: shegong_store::testing::TestDb) {
    use shegong_domain::assessment::{Band, BandsConfig, Instruments};
    let band = |code: &str, zh: &str, min, max| Band {
        code: code.into(),
        zh: zh.into(),
        en: code.into(),
        min: Some(min),
        max: Some(max),
        referral: false,
    };
    let bands = BandsConfig {
        source: "本地评估细则".into(),
        bands: vec![
            band("severe", "重度依赖", 0, 50),
            band("moderate", "中度依赖", 51, 70),
            band("mild", "轻度依赖", 71, 99),
            band("intact", "无需依赖", 100, 100),
        ],
    };
    let cfg = shegong_web::WebConfig {
        instruments: Instruments::configure(&[("barthel".to_string(), bands)].into()).unwrap(),
        ..Default::default()
    };
    let app = spawn_app_with(t, cfg).await;
    let worker = app.api("worker").await;
    let id = person(&worker, "张奶奶", 80, "430202001001").await;
    let defs: Value = worker
        .get("/api/v1/assessments/definitions")
        .await
        .json()
        .await
        .unwrap();
    let b = defs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "barthel")
        .unwrap()
        .clone();
    assert_eq!(b["bands"][0]["max"], 50);
    assert!(b["source"].as_str().unwrap().contains("本地评估细则"));
    let html = worker
        .get(&format!("/persons/{id}/assessments/new?code=barthel"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("0–50 重度依赖"), "the form shows the bands");
    let r = worker
        .post(
            &format!("/api/v1/persons/{id}/assessments"),
            body(barthel(false), &day(0), &["王芳", "李强"]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    // 50 points: 中度受损 under MZ/T 039, 重度依赖 under this deployment's rule.
    assert_eq!(
        (
            a["score"].as_i64(),
            a["band"].as_str(),
            a["band_label"].as_str()
        ),
        (Some(50), Some("severe"), Some("重度依赖"))
    );
    let html = worker
        .get(&format!("/persons/{id}/assessments"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("重度依赖"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barthel_with_deployment_bands_sqlite() {
    barthel_with_deployment_bands(shegong_store::testing::TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barthel_with_deployment_bands_postgres() {
    match shegong_store::testing::TestDb::postgres() {
        Some(t) => barthel_with_deployment_bands(t).await,
        None => eprintln!("SHEGONG_TEST_PG_URL not set: PostgreSQL half skipped"),
    }
}
