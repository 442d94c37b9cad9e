//! The person pages (7.6.4): search, the phone-first form, the person page with audited reveal,
//! the edit history, and the deployment's categories — success, refusals and nasty input.

use crate::helpers::*;
use crate::http_test;
use serde_json::{Value, json};

const ID: &str = "11010519491231002X";

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

fn person_id(r: &reqwest::Response) -> i64 {
    let loc = r.headers()["location"].to_str().unwrap();
    loc.trim_start_matches("/persons/").parse().unwrap()
}

async fn count(api: &Api) -> i64 {
    let l: Value = api.get("/api/v1/persons").await.json().await.unwrap();
    l["total"].as_i64().unwrap()
}

http_test!(async fn register_on_the_form_then_read_and_reveal(app) {
    let worker = app.api("worker").await;
    let r = worker.get("/persons/new").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"id_number\"") && html.contains("430202001001"), "the form offers the station's villages");
    let id_fw = full_width(ID);
    let r = form(&worker, "/persons/new", &[("name", "欧阳𠮷祥"), ("id_number", &id_fw), ("phone", "138 1234 5678"), ("org_code", "430202001001"), ("cat", "dibao"), ("cat", "disabled"), ("grade", "2"), ("monthly_income", "８００"), ("difficulty_types", "因病、因残")]).await;
    assert_eq!(r.status(), 303);
    let id = person_id(&r);
    let html = worker.get(&format!("/persons/{id}")).await.text().await.unwrap();
    assert!(html.contains("欧阳𠮷祥") && html.contains("1101**********002X") && html.contains("138****5678"));
    assert!(!html.contains(ID) && !html.contains("13812345678"), "only masked numbers on the page");
    assert!(html.contains("低保") && html.contains("残疾人") && html.contains("因病、因残"));
    let p: Value = worker.get(&format!("/api/v1/persons/{id}")).await.json().await.unwrap();
    assert_eq!((p["monthly_income"].as_i64(), p["gender"].as_str()), (Some(800), Some("female")));
    // Reveal: a POST, the number on the page, one audit entry.
    let r = form(&worker, &format!("/persons/{id}/reveal"), &[("field", "id_number")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(ID));
    assert_eq!(app.audit_count("person.reveal"), 1);
    let r = form(&worker, &format!("/persons/{id}/reveal"), &[("field", "password")]).await;
    assert_eq!(r.status(), 422);
    // Without the token nothing is revealed.
    let r = worker.c.post(worker.url(&format!("/persons/{id}/reveal"))).form(&[("field", "phone")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit_count("person.reveal"), 1);
    // The supervisor reads but may not reveal; another station does not find it.
    let sup = app.api("supervisor").await;
    let html = sup.get(&format!("/persons/{id}")).await.text().await.unwrap();
    assert!(!html.contains("data-reveal"), "no reveal button without the right");
    assert_eq!(form(&sup, &format!("/persons/{id}/reveal"), &[("field", "id_number")]).await.status(), 403);
    let w2 = app.api("worker2").await;
    assert_eq!(w2.get(&format!("/persons/{id}")).await.status(), 404);
    assert_eq!(form(&w2, &format!("/persons/{id}/reveal"), &[("field", "id_number")]).await.status(), 404);
    assert_eq!(w2.get(&format!("/persons/{id}/history")).await.status(), 404);
});

http_test!(async fn bad_forms_come_back_with_reasons_and_write_nothing(app) {
    let worker = app.api("worker").await;
    let r = form(&worker, "/persons/new", &[("name", "<script>alert(1)</script>"), ("id_number", "110105194912310021"), ("phone", "123"), ("org_code", "430202001"), ("monthly_income", "很多"), ("birth_date", "1990/2/30")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("校验码") && html.contains("月收入应为整数") && html.contains("aria-invalid"));
    assert!(!html.contains("<script>alert(1)</script>"), "typed values are escaped");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
    for name in ["😀", "", &"长".repeat(60)] {
        assert_eq!(form(&worker, "/persons/new", &[("name", name), ("org_code", "430202001")]).await.status(), 422, "{name}");
    }
    // A place outside the station: not found, as for any out-of-scope record.
    assert_eq!(form(&worker, "/persons/new", &[("name", "张三"), ("org_code", "430202002001")]).await.status(), 404);
    assert_eq!(count(&worker).await, 0);
    assert_eq!(app.audit_count("person.create"), 0);
    // A duplicate ID number at another station: a conflict offering a transfer, saying nothing more.
    assert_eq!(form(&worker, "/persons/new", &[("name", "张三"), ("id_number", ID), ("org_code", "430202001")]).await.status(), 303);
    let w2 = app.api("worker2").await;
    let r = form(&w2, "/persons/new", &[("name", "张三"), ("id_number", ID), ("org_code", "430202002")]).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("转移申请") && html.contains("/transfers/request"));
    assert!(!html.contains("月塘街道") && !html.contains("430202001"), "nothing about the other record: {html}");
    assert_eq!(count(&w2).await, 0);
    // Roles without the right to write never see the form.
    for who in ["purchaser", "supervisor", "volunteer"] {
        let a = app.api(who).await;
        assert_eq!(a.get("/persons/new").await.status(), 403, "{who}");
        assert_eq!(form(&a, "/persons/new", &[("name", "张三"), ("org_code", "430202001")]).await.status(), 403, "{who}");
    }
});

http_test!(async fn editing_keeps_numbers_unless_removed_and_refuses_stale_forms(app) {
    let worker = app.api("worker").await;
    let r = form(&worker, "/persons/new", &[("name", "王五"), ("id_number", ID), ("phone", "13812345678"), ("org_code", "430202001"), ("cat", "dibao"), ("cat_start.dibao", "2020-01-01")]).await;
    let id = person_id(&r);
    let html = worker.get(&format!("/persons/{id}/edit")).await.text().await.unwrap();
    assert!(html.contains("1101**********002X") && !html.contains(ID), "the edit form shows the masked number only");
    assert!(html.contains("value=\"2020-01-01\""));
    let base = [("name", "王小五"), ("org_code", "430202001001"), ("cat", "dibao"), ("cat_start.dibao", "2020-01-01"), ("cat_end.dibao", "2025-12-31"), ("cat", "temporary_aid"), ("version", "1")];
    let r = form(&worker, &format!("/persons/{id}/edit"), &base).await;
    assert_eq!(r.status(), 303);
    let reveal = |field: &'static str| {
        let worker = &worker;
        async move {
            let v: Value = worker.post(&format!("/api/v1/persons/{id}/reveal"), json!({"field": field})).await.json().await.unwrap();
            v["value"].clone()
        }
    };
    assert_eq!(reveal("id_number").await, ID, "an empty field keeps the number");
    assert_eq!(reveal("phone").await, "13812345678");
    let p: Value = worker.get(&format!("/api/v1/persons/{id}")).await.json().await.unwrap();
    assert_eq!((p["name"].as_str(), p["version"].as_i64()), (Some("王小五"), Some(2)));
    let cats: Vec<(&str, bool)> = p["categories"].as_array().unwrap().iter().map(|c| (c["code"].as_str().unwrap(), c["current"].as_bool().unwrap())).collect();
    assert!(cats.contains(&("dibao", false)) && cats.contains(&("temporary_aid", true)), "{cats:?}");
    // The same form again (version 1): someone changed it meanwhile.
    let r = form(&worker, &format!("/persons/{id}/edit"), &base).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已被他人修改"));
    // Removing the phone on purpose.
    let r = form(&worker, &format!("/persons/{id}/edit"), &[("name", "王小五"), ("org_code", "430202001001"), ("clear_phone", "1"), ("version", "2")]).await;
    assert_eq!(r.status(), 303);
    assert!(reveal("phone").await.is_null());
    assert_eq!(reveal("id_number").await, ID);
    let html = worker.get(&format!("/persons/{id}/history")).await.text().await.unwrap();
    assert!(html.contains("王小五") && html.contains("电话") && html.contains("138****5678"));
    assert!(!html.contains("13812345678"));
    // The API keeps an omitted number too, and removes it when sent empty.
    let put = |body: Value| worker.c.put(worker.url(&format!("/api/v1/persons/{id}"))).header("X-CSRF-Token", &worker.csrf).json(&body).send();
    let r = put(json!({"name": "王小五", "org_code": "430202001001", "version": 3})).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(reveal("id_number").await, ID);
    assert_eq!(put(json!({"name": "王小五", "org_code": "430202001001", "id_number": "", "version": 3})).await.unwrap().status(), 200);
    assert!(reveal("id_number").await.is_null());
    // Out of scope: 404; no right to write: 403.
    assert_eq!(app.api("worker2").await.get(&format!("/persons/{id}/edit")).await.status(), 404);
    assert_eq!(app.api("supervisor").await.get(&format!("/persons/{id}/edit")).await.status(), 403);
});

http_test!(async fn the_list_searches_filters_and_stays_in_scope(app) {
    let worker = app.api("worker").await;
    for (name, village, birth, cat) in [("张三", "430202001001", "1950-03-01", "dibao"), ("张三丰", "430202001002", "2015-06-01", "child_left_behind"), ("李四", "430202001001", "1980-01-01", "tekun")] {
        let r = form(&worker, "/persons/new", &[("name", name), ("org_code", village), ("birth_date", birth), ("cat", cat)]).await;
        assert_eq!(r.status(), 303, "{name}");
    }
    let w2 = app.api("worker2").await;
    assert_eq!(form(&w2, "/persons/new", &[("name", "张三"), ("org_code", "430202002")]).await.status(), 303);
    let total = |html: &str| between(html, "data-total=\"", "\"");
    let html = worker.get("/persons?q=zs").await.text().await.unwrap();
    assert_eq!(total(&html), "2", "pinyin initials; not the other station's 张三");
    assert!(html.find("张三<").unwrap() < html.find("张三丰").unwrap(), "exact first");
    let html = worker.get("/persons?q=%E5%BC%A0&category=child_left_behind").await.text().await.unwrap();
    assert_eq!(total(&html), "1");
    let html = worker.get("/persons?age_min=60&age_max=").await.text().await.unwrap();
    assert_eq!(total(&html), "1");
    let html = worker.get("/persons?org_code=430202001002").await.text().await.unwrap();
    assert_eq!(total(&html), "1");
    assert!(html.contains("href=\"/persons/export.xlsx?org_code=430202001002\""), "the export takes the list's filters");
    let html = worker.get("/persons?sensitivity=sensitive").await.text().await.unwrap();
    assert_eq!(total(&html), "1", "the child");
    // htmx asks for the results only.
    let r = worker.c.get(worker.url("/persons?q=lisi")).header("hx-request", "true").header("hx-target", "results").send().await.unwrap();
    let frag = r.text().await.unwrap();
    assert!(frag.contains("李四") && !frag.contains("<html"));
    // Bad filters: a clear message, never a 5xx.
    let r = worker.get("/persons?age_min=abc").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("年龄应为"));
    problem(worker.get("/api/v1/persons?age_min=200").await, 422).await;
    assert_eq!(worker.get(&format!("/persons?q={}", "长".repeat(101))).await.status(), 422);
    assert_eq!(worker.get("/persons?unknown=1").await.status(), 400);
    for who in ["purchaser", "admin", "volunteer"] {
        assert_eq!(app.api(who).await.get("/persons").await.status(), 403, "{who}");
    }
    // The home page counts the people in scope.
    let home: Value = worker.get("/api/v1/home").await.json().await.unwrap();
    let card = home["cards"].as_array().unwrap().iter().find(|c| c["key"] == "persons").unwrap().clone();
    assert_eq!(card["value"], 3);
});

http_test!(async fn deployments_add_categories(app) {
    let admin = app.api("admin").await;
    let r = admin.post("/api/v1/categories", json!({"code": "veteran_family", "label_zh": "优抚对象", "label_en": "veteran family"})).await;
    assert_eq!(r.status(), 201);
    problem(admin.post("/api/v1/categories", json!({"code": "veteran_family", "label_zh": "优抚"})).await, 409).await;
    let v = problem(admin.post("/api/v1/categories", json!({"code": "Bad Code", "label_zh": "<b>x</b>"})).await, 422).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    problem(admin.post("/api/v1/categories", json!({"code": "x1", "label_zh": "甲", "color": "red"})).await, 400).await;
    let worker = app.api("worker").await;
    problem(worker.post("/api/v1/categories", json!({"code": "mine", "label_zh": "我的"})).await, 403).await;
    assert_eq!(form(&worker, "/categories", &[("code", "mine"), ("label_zh", "我的")]).await.status(), 403);
    assert_eq!(app.audit_count("category.create"), 1);
    let l: Value = worker.get("/api/v1/categories").await.json().await.unwrap();
    assert_eq!(l["total"], 14);
    // Workers use it at once, on the form and through the API.
    let r = form(&worker, "/persons/new", &[("name", "赵六"), ("org_code", "430202001"), ("cat", "veteran_family")]).await;
    assert_eq!(r.status(), 303);
    let html = worker.get("/persons?category=veteran_family").await.text().await.unwrap();
    assert!(html.contains("赵六") && html.contains("优抚对象"));
    let html = worker.get("/categories").await.text().await.unwrap();
    assert!(html.contains("veteran_family") && !html.contains("name=\"label_zh\""), "workers see the list, not the form");
    let r = form(&admin, "/categories", &[("code", "dibao"), ("label_zh", "低保")]).await;
    assert_eq!(r.status(), 422);
});

http_test!(async fn opening_a_sensitive_page_is_one_audited_read(app) {
    let worker = app.api("worker").await;
    let r = worker.post("/api/v1/persons", json!({"name": "小明", "birth_date": "2016-05-01", "org_code": "430202001"})).await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let before = app.audit_count("person.read");
    assert_eq!(worker.get(&format!("/persons/{id}")).await.status(), 200);
    assert_eq!(app.audit_count("person.read"), before + 1, "the page, its timeline and its place: one read");
    assert_eq!(worker.get(&format!("/persons/{id}/history")).await.status(), 200);
    assert_eq!(app.audit_count("person.read"), before + 2);
});
