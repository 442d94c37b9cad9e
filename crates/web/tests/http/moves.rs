//! Likely duplicates, merging and transfers between stations through the API and the pages
//! (issue 3 points 2 and 8).

use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};

const ID: &str = "11010519491231002X";

async fn create(api: &Api, body: Value) -> i64 {
    let r = api.post("/api/v1/persons", body).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

http_test!(async fn duplicates_are_listed_merged_or_dismissed(app) {
    let worker = app.api("worker").await;
    let a = create(&worker, json!({"name": "张晓", "birth_date": "1949-12-31", "org_code": "430202001001"})).await;
    let b = create(&worker, json!({"name": "章晓", "id_number": ID, "org_code": "430202001002"})).await;
    let c = create(&worker, json!({"name": "刘一", "birth_date": "1960-01-01", "org_code": "430202001"})).await;
    let d = create(&worker, json!({"name": "刘一", "birth_date": "1960-01-01", "org_code": "430202001"})).await;
    let l: Value = worker.get("/api/v1/persons/duplicates").await.json().await.unwrap();
    assert_eq!(l["total"], 2);
    assert_eq!((l["items"][0]["a"]["id"].as_i64(), l["items"][0]["likeness"].as_str()), (Some(a), Some("same_pinyin")));
    assert_eq!(l["items"][1]["likeness"], "same_name");
    let html = worker.get("/persons/duplicates").await.text().await.unwrap();
    assert!(html.contains(&format!("data-pair=\"{a}-{b}\"")) && html.contains("同县、同拼音、同出生日期"));
    assert!(html.contains("<td>月塘街道</td>"), "villages by name");
    // Not allowed, or out of scope: nothing changes.
    for who in ["supervisor", "purchaser", "volunteer"] {
        let x = app.api(who).await;
        problem(x.get("/api/v1/persons/duplicates").await, 403).await;
        let r = x.post("/api/v1/persons/merge", json!({"keep": a, "merge": b})).await;
        assert!(r.status() == 403, "{who}: {}", r.status());
    }
    let w2 = app.api("worker2").await;
    problem(w2.post("/api/v1/persons/merge", json!({"keep": a, "merge": b})).await, 404).await;
    problem(w2.post("/api/v1/persons/duplicates/dismiss", json!({"a": c, "b": d})).await, 404).await;
    problem(worker.post("/api/v1/persons/merge", json!({"keep": a, "merge": a})).await, 409).await;
    problem(worker.post("/api/v1/persons/merge", json!({"keep": a})).await, 400).await;
    assert_eq!(app.audit_count("person.merge"), 0);
    // Merge on the page: the kept record takes the ID number; both histories stay.
    let r = form(&worker, "/persons/duplicates/merge", &[("keep", &a.to_string()), ("merge", &b.to_string())]).await;
    assert_eq!(r.status(), 303);
    let p: Value = worker.get(&format!("/api/v1/persons/{a}")).await.json().await.unwrap();
    assert_eq!(p["id_number_masked"], "1101**********002X");
    let gone: Value = worker.get(&format!("/api/v1/persons/{b}")).await.json().await.unwrap();
    assert_eq!(gone["merged_into"], a);
    let html = worker.get(&format!("/persons/{b}")).await.text().await.unwrap();
    assert!(html.contains(&format!("href=\"/persons/{a}\"")), "the merged record points to the kept one");
    let h: Value = worker.get(&format!("/api/v1/persons/{a}/history")).await.json().await.unwrap();
    assert_eq!(h["items"].as_array().unwrap().iter().filter(|i| i["field"] == "created").count(), 2);
    assert_eq!(app.audit_count("person.merge"), 1);
    // Dismiss through the API: the pair is gone from the list.
    assert_eq!(worker.post("/api/v1/persons/duplicates/dismiss", json!({"a": c, "b": d})).await.status(), 204);
    let l: Value = worker.get("/api/v1/persons/duplicates").await.json().await.unwrap();
    assert_eq!(l["total"], 0);
    let list: Value = worker.get("/api/v1/persons").await.json().await.unwrap();
    assert_eq!(list["total"], 3, "the merged record left the list");
});

http_test!(async fn a_station_asks_for_a_person_by_id_number_and_learns_nothing_until_accepted(app) {
    let worker = app.api("worker").await;
    let p = create(&worker, json!({"name": "孙七", "id_number": ID, "org_code": "430202001001"})).await;
    let w2 = app.api("worker2").await;
    // The registration conflict offers a transfer; asking for it says nothing about the record.
    problem(w2.post("/api/v1/persons", json!({"name": "孙七", "id_number": ID, "org_code": "430202002"})).await, 409).await;
    let r = w2.post("/api/v1/transfers/by-id-number", json!({"id_number": ID.to_lowercase(), "to_org": "430202002003", "reason": "已迁居本社区"})).await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let text = t.to_string();
    assert!(!text.contains("430202001") && !text.contains("孙七") && t.get("person_id").is_none(), "{text}");
    let tid = t["id"].as_i64().unwrap();
    let l: Value = w2.get("/api/v1/transfers?box=asked").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    assert!(!l.to_string().contains("孙七") && !l.to_string().contains("430202001"));
    // Bad requests: every reason in Chinese, nothing written.
    let v = problem(w2.post("/api/v1/transfers/by-id-number", json!({"id_number": "110105194912310021", "to_org": "43", "reason": "x"})).await, 422).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    problem(w2.post("/api/v1/transfers/by-id-number", json!({"id_number": "110105194912310046", "to_org": "430202002"})).await, 422).await;
    problem(w2.post("/api/v1/transfers/by-id-number", json!({"id_number": ID, "to_org": "430202001"})).await, 404).await;
    problem(w2.post("/api/v1/transfers/by-id-number", json!({"id_number": ID, "to_org": "430202002"})).await, 409).await;
    problem(worker.post("/api/v1/transfers/by-id-number", json!({"id_number": ID, "to_org": "430202001"})).await, 409).await;
    problem(app.api("purchaser").await.post("/api/v1/transfers/by-id-number", json!({"id_number": ID, "to_org": "430202002"})).await, 403).await;
    // Only the holding station decides; the asking one may withdraw; others see nothing.
    problem(w2.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "accept"})).await, 403).await;
    problem(app.api("lusong_head").await.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "accept"})).await, 404).await;
    problem(worker.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "maybe"})).await, 422).await;
    let inbox: Value = worker.get("/api/v1/transfers?box=to_decide&status=pending").await.json().await.unwrap();
    assert_eq!((inbox["total"].as_i64(), inbox["items"][0]["name"].as_str()), (Some(1), Some("孙七")));
    let html = worker.get("/transfers").await.text().await.unwrap();
    assert!(html.contains(&format!("data-transfer=\"{tid}\"")) && html.contains("已迁居本社区"));
    assert!(html.contains("新月塘社区居委会(430202002003)"), "places by name");
    let asking = w2.get("/transfers").await.text().await.unwrap();
    assert!(!asking.contains("月塘街道") && !asking.contains("430202001"), "the holding station stays unnamed");
    let r = form(&worker, &format!("/transfers/{tid}/decision"), &[("decision", "accept"), ("note", "同意")]).await;
    assert_eq!(r.status(), 303);
    problem(worker.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "decline"})).await, 409).await;
    // The record moved, with its history.
    problem(worker.get(&format!("/api/v1/persons/{p}")).await, 404).await;
    let moved: Value = w2.get(&format!("/api/v1/persons/{p}")).await.json().await.unwrap();
    assert_eq!(moved["org_code"], "430202002003");
    let h: Value = w2.get(&format!("/api/v1/persons/{p}/history")).await.json().await.unwrap();
    assert!(h["items"].as_array().unwrap().iter().any(|i| i["field"] == "created"));
    assert_eq!(app.audit_count("transfer.create"), 1);
    assert_eq!(app.audit_count("transfer.accept"), 1);
    // The request page works without JS and keeps the typed values on a refusal.
    let r = form(&w2, "/transfers/request", &[("id_number", "123"), ("to_org", "430202002")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("aria-invalid"));
});

http_test!(async fn the_holding_station_sends_a_person_and_the_other_accepts_or_declines(app) {
    let worker = app.api("worker").await;
    let p = create(&worker, json!({"name": "周八", "org_code": "430202001001"})).await;
    let html = worker.get(&format!("/persons/{p}/transfer")).await.text().await.unwrap();
    assert!(html.contains("430202002") && !html.contains("<code>430202001</code>"), "other stations of the county are offered");
    let r = form(&worker, &format!("/persons/{p}/transfer"), &[("to_org", "430202001002"), ("reason", "")]).await;
    assert_eq!(r.status(), 422, "within the station it is an edit");
    assert!(r.text().await.unwrap().contains("直接修改档案"));
    problem(worker.post("/api/v1/transfers", json!({"person_id": p, "to_org": "430202999", "reason": ""})).await, 422).await;
    let w2 = app.api("worker2").await;
    problem(w2.post("/api/v1/transfers", json!({"person_id": p, "to_org": "430202002"})).await, 404).await;
    problem(app.api("supervisor").await.post("/api/v1/transfers", json!({"person_id": p, "to_org": "430202002"})).await, 403).await;
    let r = form(&worker, &format!("/persons/{p}/transfer"), &[("to_org", "430202002"), ("reason", "投靠子女")]).await;
    assert_eq!(r.status(), 303);
    problem(worker.post("/api/v1/transfers", json!({"person_id": p, "to_org": "430202002"})).await, 409).await;
    let home: Value = w2.get("/api/v1/home").await.json().await.unwrap();
    let card = home["cards"].as_array().unwrap().iter().find(|c| c["key"] == "transfers.to_decide").unwrap().clone();
    assert_eq!(card["value"], 1, "the receiving station's home page counts it");
    let inbox: Value = w2.get("/api/v1/transfers?box=to_decide").await.json().await.unwrap();
    assert_eq!(inbox["items"][0]["name"], "周八", "the receiver sees whom it is sent");
    let tid = inbox["items"][0]["id"].as_i64().unwrap();
    problem(worker.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "accept"})).await, 403).await;
    let r = w2.post(&format!("/api/v1/transfers/{tid}/decision"), json!({"decision": "decline", "note": "未在本地居住"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(worker.get(&format!("/api/v1/persons/{p}")).await.status(), 200, "declined: the record stays");
    // Sent again and withdrawn by the sender.
    let r = worker.post("/api/v1/transfers", json!({"person_id": p, "to_org": "430202002"})).await;
    let tid: i64 = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = form(&worker, &format!("/transfers/{tid}/decision"), &[("decision", "cancel")]).await;
    assert_eq!(r.status(), 303);
    let l: Value = worker.get("/api/v1/transfers?status=cancelled").await.json().await.unwrap();
    assert_eq!(l["total"], 1);
    problem(worker.get("/api/v1/transfers?box=mine").await, 422).await;
    for who in ["purchaser", "volunteer"] {
        problem(app.api(who).await.get("/api/v1/transfers").await, 403).await;
    }
});
