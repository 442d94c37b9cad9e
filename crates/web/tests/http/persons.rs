//! The service archive's person routes (issue 3, interface.md contract routes).

use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};

async fn create(api: &Api, body: Value) -> reqwest::Response {
    api.post("/api/v1/persons", body).await
}

http_test!(async fn the_contract_create_read_search(app) {
    let worker = app.api("worker").await;
    let r = create(&worker, json!({"name": "欧阳𠮷祥", "id_number": "11010519491231002x", "phone": "13812345678", "org_code": "430202001001", "categories": ["低保", {"code": "disabled", "grade": "二级"}]})).await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["name"], "欧阳𠮷祥");
    assert_eq!(p["id_number_masked"], "1101**********002X");
    assert_eq!(p["phone_masked"], "138****5678");
    assert_eq!(p["org_code"], "430202001001");
    assert_eq!(p["birth_date"], "1949-12-31");
    assert_eq!(p["gender"], "female");
    assert_eq!(p["categories"][1]["grade"], "2");
    let body = serde_json::to_string(&p).unwrap();
    assert!(!body.contains("11010519491231002X") && !body.contains("13812345678"), "never the full numbers");
    let id = p["id"].as_i64().unwrap();
    let got: Value = worker.get(&format!("/api/v1/persons/{id}")).await.json().await.unwrap();
    assert_eq!(got["version"], 1);
    for q in ["%E6%AC%A7%E9%98%B3", "ouyang", "oy", "11010519491231002X", "138-1234-5678"] {
        let l: Value = worker.get(&format!("/api/v1/persons?q={q}")).await.json().await.unwrap();
        assert_eq!(l["total"], 1, "{q}");
        assert_eq!(l["items"][0]["id"], id);
    }
    assert_eq!(app.audit_count("person.create"), 1);
});

http_test!(async fn a_registered_id_number_is_a_conflict_that_reveals_nothing(app) {
    let worker = app.api("worker").await;
    assert_eq!(create(&worker, json!({"name": "张三", "id_number": "11010519491231002X", "org_code": "430202001"})).await.status(), 201);
    let other = app.api("worker2").await;
    let v = problem(create(&other, json!({"name": "张三", "id_number": "11010519491231002X", "org_code": "430202002"})).await, 409).await;
    let text = v.to_string();
    assert!(text.contains("转移申请"));
    assert!(!text.contains("430202001") && !text.contains("月塘") && !text.contains("\"id\""), "{text}");
    let l: Value = other.get("/api/v1/persons").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
});

http_test!(async fn invalid_people_get_every_reason_and_nothing_is_written(app) {
    let worker = app.api("worker").await;
    let v = problem(create(&worker, json!({"name": "<script>alert(1)</script>", "id_number": "110105194912310021", "phone": "123", "birth_date": "1990/2/30", "org_code": "430202001", "categories": ["富豪"]})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "id_number", "phone", "birth_date", "categories"]);
    assert!(v["errors"][1]["message"].as_str().unwrap().contains("校验码"));
    problem(create(&worker, json!({"name": "张三", "org_code": "430202"})).await, 422).await;
    problem(create(&worker, json!({"name": "张三", "org_code": "430202001", "salary": 5})).await, 400).await;
    problem(create(&worker, json!({"name": "😀", "org_code": "430202001"})).await, 422).await;
    let l: Value = worker.get("/api/v1/persons").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    assert_eq!(app.audit_count("person.create"), 0);
});

http_test!(async fn scope_roles_and_sensitivity(app) {
    let worker = app.api("worker").await;
    let p: Value = create(&worker, json!({"name": "小明", "birth_date": "2016-05-01", "org_code": "430202001", "categories": ["child_left_behind"]})).await.json().await.unwrap();
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["sensitivity"], "sensitive", "a child's record is sensitive at least");
    assert_eq!(app.audit_count("person.read"), 1, "reading a sensitive record is audited");
    // Other station: not found. Roles without record access: 403 on lists, 404/403 on records.
    problem(app.api("worker2").await.get(&format!("/api/v1/persons/{id}")).await, 404).await;
    problem(app.api("lusong_head").await.get(&format!("/api/v1/persons/{id}")).await, 404).await;
    for who in ["purchaser", "admin", "operator", "liaison", "volunteer"] {
        problem(app.api(who).await.get("/api/v1/persons").await, 403).await;
    }
    problem(app.api("purchaser").await.get(&format!("/api/v1/persons/{id}")).await, 403).await;
    // The head of the station sees it; the supervisor of the operator's stations reads but cannot write.
    assert_eq!(app.api("head").await.get(&format!("/api/v1/persons/{id}")).await.status(), 200);
    let sup = app.api("supervisor").await;
    assert_eq!(sup.get(&format!("/api/v1/persons/{id}")).await.status(), 200);
    problem(create(&sup, json!({"name": "张三", "org_code": "430202001"})).await, 403).await;
    // Confidential: not for a colleague who is not assigned.
    let c: Value = create(&worker, json!({"name": "李四", "org_code": "430202001", "sensitivity": "confidential"})).await.json().await.unwrap();
    let cid = c["id"].as_i64().unwrap();
    let colleague_token = {
        add_account(&app, "worker_b", shegong_domain::role::Role::SocialWorker, "430202001");
        app.api("worker_b").await
    };
    problem(colleague_token.get(&format!("/api/v1/persons/{cid}")).await, 404).await;
    let l: Value = colleague_token.get("/api/v1/persons").await.json().await.unwrap();
    assert_eq!(l["total"], 1, "the confidential record is not even counted");
    assert_eq!(app.api("head").await.get(&format!("/api/v1/persons/{cid}")).await.status(), 200);
});

http_test!(async fn reveal_is_separate_and_audited(app) {
    let worker = app.api("worker").await;
    let p: Value = create(&worker, json!({"name": "张三", "id_number": "11010519491231002X", "org_code": "430202001"})).await.json().await.unwrap();
    let id = p["id"].as_i64().unwrap();
    let v: Value = worker.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": "id_number"})).await.json().await.unwrap();
    assert_eq!(v["value"], "11010519491231002X");
    let v: Value = worker.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": "phone"})).await.json().await.unwrap();
    assert!(v["value"].is_null());
    problem(worker.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": "password"})).await, 422).await;
    problem(app.api("supervisor").await.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": "id_number"})).await, 403).await;
    problem(app.api("worker2").await.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": "id_number"})).await, 404).await;
    assert_eq!(app.audit_count("person.reveal"), 2);
});

http_test!(async fn updates_keep_history_and_refuse_stale_versions(app) {
    let worker = app.api("worker").await;
    let p: Value = create(&worker, json!({"name": "王五", "org_code": "430202001"})).await.json().await.unwrap();
    let id = p["id"].as_i64().unwrap();
    let put = |body: Value| worker.c.put(worker.url(&format!("/api/v1/persons/{id}"))).header("X-CSRF-Token", &worker.csrf).json(&body).send();
    let r = put(json!({"name": "王小五", "org_code": "430202001002", "version": 1})).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["name"].as_str(), v["version"].as_i64()), (Some("王小五"), Some(2)));
    problem(put(json!({"name": "王五五", "org_code": "430202001", "version": 1})).await.unwrap(), 409).await;
    problem(put(json!({"name": "王五五", "org_code": "430202001"})).await.unwrap(), 422).await;
    problem(put(json!({"name": "王五五", "org_code": "430202002001", "version": 2})).await.unwrap(), 404).await;
    let h: Value = worker.get(&format!("/api/v1/persons/{id}/history")).await.json().await.unwrap();
    let fields: Vec<&str> = h["items"].as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"org_code") && fields.contains(&"created"));
    let t: Value = worker.get(&format!("/api/v1/persons/{id}/timeline")).await.json().await.unwrap();
    assert!(t["items"].as_array().unwrap().len() >= 2);
    assert_eq!(app.audit_count("person.update"), 1);
});
