//! Excel import (issue 3 point 10): the sample rosters of `examples/`, bad files, the column
//! mapping, all-or-nothing commits, re-imports, CSRF on multipart forms, access.

use crate::helpers::*;
use crate::http_test;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::{Formula, Workbook};
use serde_json::{Value, json};

pub fn sample(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn file_form(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()))
}

pub async fn upload(api: &Api, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    api.c
        .post(api.url("/api/v1/imports"))
        .header("X-CSRF-Token", &api.csrf)
        .multipart(file_form(name, bytes))
        .send()
        .await
        .unwrap()
}

async fn put(api: &Api, path: &str, body: Value) -> reqwest::Response {
    api.c
        .put(api.url(path))
        .header("X-CSRF-Token", &api.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn total(api: &Api) -> i64 {
    let l: Value = api.get("/api/v1/persons").await.json().await.unwrap();
    l["total"].as_i64().unwrap()
}

/// A small roster written with rust_xlsxwriter: the header on row 2, a formula with its cached value.
fn small_roster(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "花名册").unwrap();
    ws.write_string(1, 0, "姓名").unwrap();
    ws.write_string(1, 1, "身份证号").unwrap();
    ws.write_string(1, 2, "村(社区)").unwrap();
    for (i, (name, id)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        if let Some(rest) = name.strip_prefix('=') {
            ws.write_formula(r, 0, Formula::new(format!("=\"{rest}\"")).set_result(rest))
                .unwrap();
        } else {
            ws.write_string(r, 0, *name).unwrap();
        }
        ws.write_string(r, 1, *id).unwrap();
        ws.write_string(r, 2, "文化路社区").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

http_test!(async fn the_xlsx_sample_is_checked_committed_and_reimported_without_duplicates(app) {
    let worker = app.api("worker").await;
    let r = upload(&worker, "roster-yuetang.xlsx", sample("roster-yuetang.xlsx")).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["header_row"], 3, "found under the merged title and the note row");
    assert_eq!(v["mapping"]["name"], 1);
    assert_eq!(v["mapping"]["id_number"], 2);
    assert_eq!(v["mapping"]["village"], 8);
    let run = &v["dry_run"];
    assert_eq!(run["rows_total"], 8, "the blank row is skipped: {run}");
    assert_eq!(run["rows_bad"], 0, "{run}");
    assert_eq!(run["to_create"], 8);
    assert_eq!(total(&worker).await, 0, "a dry run registers nobody");
    let id = v["id"].as_i64().unwrap();
    let r = worker.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "committed");
    assert_eq!(done["report"], json!({"created": 8, "updated": 0, "unchanged": 0, "households_new": 0, "members_new": 0}));
    assert_eq!(total(&worker).await, 8);
    // Rare characters kept, full-width digits and stray spaces cleaned, IDs stored as numbers whole.
    let l: Value = worker.get("/api/v1/persons?q=%E6%AC%A7%E9%98%B3").await.json().await.unwrap();
    assert_eq!(l["items"][0]["name"], "欧阳𠮷祥");
    assert_eq!(l["items"][0]["id_number_masked"], "4302**********0274");
    assert_eq!(l["items"][0]["org_code"], "430202001005");
    let l: Value = worker.get("/api/v1/persons?q=%E6%9D%8E%E6%A1%82%E8%8B%B1").await.json().await.unwrap();
    assert_eq!(l["total"], 1, "李 桂英 → 李桂英");
    let pid = l["items"][0]["id"].as_i64().unwrap();
    let tl: Value = worker.get(&format!("/api/v1/persons/{pid}/timeline")).await.json().await.unwrap();
    assert!(tl["items"].as_array().unwrap().iter().any(|t| t["kind"] == "import.created" && t["ref_id"] == id));
    let p: Value = worker.get(&format!("/api/v1/persons/{pid}")).await.json().await.unwrap();
    assert_eq!(p["categories"].as_array().unwrap().len(), 2);
    // The same file again: nothing to create.
    let v2: Value = upload(&worker, "roster-yuetang.xlsx", sample("roster-yuetang.xlsx")).await.json().await.unwrap();
    assert_eq!(v2["dry_run"]["to_create"], 0);
    assert_eq!(v2["dry_run"]["unchanged"], 8);
    let id2 = v2["id"].as_i64().unwrap();
    let done2: Value = worker.post(&format!("/api/v1/imports/{id2}/commit"), json!({})).await.json().await.unwrap();
    assert_eq!(done2["report"], json!({"created": 0, "updated": 0, "unchanged": 8, "households_new": 0, "members_new": 0}));
    assert_eq!(total(&worker).await, 8);
    // Committing again is a conflict; the list shows both imports.
    problem(worker.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await, 409).await;
    let l: Value = worker.get("/api/v1/imports").await.json().await.unwrap();
    assert_eq!(l["total"], 2);
    assert_eq!(app.audit_count("import.upload"), 2);
    assert_eq!(app.audit_count("import.commit"), 2);
    let audit = app.t.db.read(|c| shegong_store::audit::list(c, &shegong_domain::scope::Scope::new(vec![shegong_domain::org::OrgCode::parse("43").unwrap()]), &shegong_store::audit::Filter { action_prefix: Some("import".into()), include_unscoped: true, ..Default::default() }, shegong_store::query::Page::default())).unwrap();
    let text = serde_json::to_string(&audit.items.iter().map(|e| e.detail.clone()).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains("欧阳") && !text.contains("430202"), "no personal data in audit details: {text}");
});

http_test!(async fn the_household_sample_puts_people_into_households_once(app) {
    let worker = app.api("worker").await;
    let v: Value = upload(&worker, "roster-households.xlsx", sample("roster-households.xlsx")).await.json().await.unwrap();
    for (field, col) in [("name", 4), ("id_number", 5), ("household_no", 1), ("head_name", 2), ("head_id_number", 3), ("relation", 7), ("household_size", 8)] {
        assert_eq!(v["mapping"][field], col, "{field}: {}", v["mapping"]);
    }
    let run = &v["dry_run"];
    assert_eq!((run["rows_bad"].as_i64(), run["households_new"].as_i64(), run["members_new"].as_i64()), (Some(0), Some(4), Some(8)), "{run}");
    let id = v["id"].as_i64().unwrap();
    let done: Value = worker.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await.json().await.unwrap();
    assert_eq!(done["report"], json!({"created": 8, "updated": 0, "unchanged": 0, "households_new": 4, "members_new": 8}));
    let hh: Value = worker.get("/api/v1/households").await.json().await.unwrap();
    assert_eq!(hh["total"], 4, "{hh}");
    // The page of the committed import shows the households.
    let page = worker.c.get(app.url(&format!("/imports/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-households=\"4\"") && page.contains("data-members=\"8\""), "{page}");
    // Again: no new household, no membership twice.
    let v2: Value = upload(&worker, "roster-households.xlsx", sample("roster-households.xlsx")).await.json().await.unwrap();
    assert_eq!((v2["dry_run"]["households_new"].as_i64(), v2["dry_run"]["members_new"].as_i64()), (Some(0), Some(0)));
    let id2 = v2["id"].as_i64().unwrap();
    let done2: Value = worker.post(&format!("/api/v1/imports/{id2}/commit"), json!({})).await.json().await.unwrap();
    assert_eq!(done2["report"]["households_new"], 0);
    let hh: Value = worker.get("/api/v1/households").await.json().await.unwrap();
    assert_eq!(hh["total"], 4);
    // Bad household columns: row, column and a Chinese reason in the dry run; the commit refuses.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "与户主关系", "家庭人口", "户编号"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in [["甲", "户主", "1", "X1"], ["乙", "邻居", "1", "X1"], ["丙", "子女", "1", "X1"]].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(1 + r as u32, c as u16, *v).unwrap();
        }
    }
    let v3: Value = upload(&worker, "bad.xlsx", wb.save_to_buffer().unwrap()).await.json().await.unwrap();
    let errors = v3["dry_run"]["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["row"] == 3 && e["column"] == "B(与户主关系)" && e["reason"].as_str().unwrap().contains("与户主关系应为")), "{errors:?}");
    assert!(errors.iter().any(|e| e["row"] == 4 && e["column"] == "C(家庭人口)" && e["reason"].as_str().unwrap().contains("超过家庭人口")), "{errors:?}");
    let id3 = v3["id"].as_i64().unwrap();
    problem(worker.post(&format!("/api/v1/imports/{id3}/commit"), json!({})).await, 422).await;
    // Another station's worker cannot see the import (404); a purchaser may not import (403).
    let w2 = app.api("worker2").await;
    problem(w2.post(&format!("/api/v1/imports/{id3}/commit"), json!({})).await, 404).await;
    let p = app.api("purchaser").await;
    problem(upload(&p, "roster-households.xlsx", sample("roster-households.xlsx")).await, 403).await;
});

http_test!(async fn the_xls_sample_is_imported(app) {
    let worker2 = app.api("worker2").await;
    let v: Value = upload(&worker2, "roster-chiguotang.xls", sample("roster-chiguotang.xls")).await.json().await.unwrap();
    assert_eq!(v["header_row"], 2);
    assert_eq!(v["dry_run"]["rows_bad"], 0, "{v}");
    assert_eq!(v["dry_run"]["to_create"], 4);
    let id = v["id"].as_i64().unwrap();
    let done: Value = worker2.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await.json().await.unwrap();
    assert_eq!(done["report"]["created"], 4);
    assert_eq!(total(&worker2).await, 4);
    let again: Value = upload(&worker2, "roster-chiguotang.xls", sample("roster-chiguotang.xls")).await.json().await.unwrap();
    assert_eq!(again["dry_run"]["unchanged"], 4);
    // Not the other station's to see.
    problem(app.api("worker").await.get(&format!("/api/v1/imports/{id}")).await, 404).await;
});

http_test!(async fn every_bad_row_is_listed_with_row_column_and_reason_and_nothing_is_written(app) {
    let worker = app.api("worker").await;
    let v: Value = upload(&worker, "roster-bad-rows.xlsx", sample("roster-bad-rows.xlsx")).await.json().await.unwrap();
    let run = &v["dry_run"];
    assert_eq!(run["rows_total"], 11);
    assert_eq!(run["rows_bad"], 10, "{run:#}");
    let errors = run["errors"].as_array().unwrap();
    let rows: std::collections::BTreeSet<i64> = errors.iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, (3..=13).filter(|r| *r != 9).collect(), "row 9 is the one good row");
    let reason = |row: i64, col: &str| -> String {
        errors.iter().filter(|e| e["row"] == row && e["column"].as_str().unwrap().starts_with(col)).map(|e| e["reason"].as_str().unwrap().to_string()).collect::<Vec<_>>().join(" | ")
    };
    assert!(reason(3, "C").contains("15 位"), "lost digits: {}", reason(3, "C"));
    assert!(reason(4, "C").contains("校验码"));
    assert!(reason(5, "E").contains("1990/2/30"));
    assert!(reason(6, "F").contains("火星村"));
    assert!(reason(7, "B").contains("😀"));
    assert!(reason(8, "B").contains('<'));
    assert!(reason(6, "G").contains("16"), "a left-behind child is under 16");
    assert!(reason(10, "C").contains("科学计数法"));
    assert!(reason(11, "G").contains("富人") && reason(11, "H").contains("电话"));
    assert!(reason(12, "C").contains("#N/A"));
    assert!(reason(13, "C").contains("第 9 行"));
    assert!(errors.iter().all(|e| e["reason"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    let id = v["id"].as_i64().unwrap();
    let p = problem(worker.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await, 422).await;
    assert_eq!(p["errors"].as_array().unwrap().len(), errors.len());
    assert!(p["errors"][0]["field"].as_str().unwrap().starts_with("第 3 行"));
    assert_eq!(total(&worker).await, 0, "nothing half-written");
    assert_eq!(app.audit_count("import.commit"), 0);
});

http_test!(async fn bad_files_are_refused_in_chinese_never_with_a_5xx(app) {
    let worker = app.api("worker").await;
    let v = problem(upload(&worker, "roster.xlsx", b"name,id\nzhang,1\n".to_vec()).await, 422).await;
    assert!(v.to_string().contains("不是有效的 Excel 文件"));
    let v = problem(upload(&worker, "roster.xlsx", sample("roster-yuetang.xlsx")[..3000].to_vec()).await, 422).await;
    assert!(v.to_string().contains("不是有效的 Excel 文件"), "a truncated file: {v}");
    let v = problem(upload(&worker, "roster.xlsm", sample("roster-yuetang.xlsx")).await, 422).await;
    assert!(v.to_string().contains("宏"));
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "没有表头").unwrap();
    let v = problem(upload(&worker, "x.xlsx", wb.save_to_buffer().unwrap()).await, 422).await;
    assert!(v.to_string().contains("表头"));
    // Not multipart at all.
    problem(worker.post("/api/v1/imports", json!({"file": "x"})).await, 415).await;
    // No file part.
    let r = worker.c.post(worker.url("/api/v1/imports")).header("X-CSRF-Token", &worker.csrf)
        .multipart(Form::new().text("org_code", "430202001")).send().await.unwrap();
    problem(r, 422).await;
    // A formula's cached value is what is imported.
    let v: Value = upload(&worker, "f.xlsx", small_roster(&[("=张三", "")])).await.json().await.unwrap();
    assert_eq!(v["dry_run"]["to_create"], 1, "{v}");
    // Another station than one's own: 404, as if it did not exist.
    let form = file_form("r.xlsx", small_roster(&[("张三", "")])).text("org_code", "430202002");
    let r = worker.c.post(worker.url("/api/v1/imports")).header("X-CSRF-Token", &worker.csrf).multipart(form).send().await.unwrap();
    problem(r, 404).await;
    assert_eq!(total(&worker).await, 0);
});

http_test!(async fn more_than_200000_rows_are_refused(app) {
    let worker = app.api("worker").await;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(0, 1, "性别").unwrap();
    for r in 1..=1_000_000u32 {
        ws.write_string(r, 0, "张三").unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 20 * 1024 * 1024, "{} bytes", bytes.len());
    let v = problem(upload(&worker, "big.xlsx", bytes).await, 422).await;
    assert!(v.to_string().contains("200000"), "{v}");
    assert_eq!(total(&worker).await, 0);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_is_413() {
    let cfg = shegong_web::WebConfig {
        import_limit: 4096,
        ..Default::default()
    };
    let app = spawn_app_with(shegong_store::testing::TestDb::sqlite(), cfg).await;
    let worker = app.api("worker").await;
    let big = sample("roster-yuetang.xlsx");
    assert!(big.len() > 4096);
    let v = problem(upload(&worker, "big.xlsx", big.clone()).await, 413).await;
    assert!(v["detail"].as_str().unwrap().contains("大小"));
    // Far over the limit (as a 50 MB file would be), and by a bearer-less session form too.
    let huge = vec![b'x'; 200 * 1024];
    problem(upload(&worker, "huge.xlsx", huge).await, 413).await;
    assert_eq!(app.audit_count("import.upload"), 0);
}

http_test!(async fn the_mapping_can_be_changed_and_is_remembered(app) {
    let worker = app.api("worker").await;
    let id = "430202197001010010";
    let bytes = small_roster(&[("张三", id)]);
    let v: Value = upload(&worker, "m.xlsx", bytes.clone()).await.json().await.unwrap();
    let iid = v["id"].as_i64().unwrap();
    assert_eq!(v["mapping"], json!({"name": 0, "id_number": 1, "village": 2}));
    // Leave the ID and village out.
    let r = put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 0}})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["mapping"], json!({"name": 0}));
    assert_eq!(v["columns"][1]["field"], Value::Null);
    let again: Value = upload(&worker, "m.xlsx", bytes).await.json().await.unwrap();
    assert_eq!(again["mapping"], json!({"name": 0}), "remembered for the layout");
    problem(put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"id_number": 1}})).await, 422).await;
    problem(put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 0, "salary": 1}})).await, 422).await;
    problem(put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 9}})).await, 422).await;
    problem(put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 0, "phone": 0}})).await, 422).await;
    problem(put(&worker, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 0}, "x": 1})).await, 400).await;
    problem(put(&app.api("worker2").await, &format!("/api/v1/imports/{iid}/mapping"), json!({"mapping": {"name": 0}})).await, 404).await;
});

http_test!(async fn who_may_import(app) {
    let worker = app.api("worker").await;
    let v: Value = upload(&worker, "r.xlsx", small_roster(&[("张三", "")])).await.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    for who in ["purchaser", "volunteer", "liaison", "supervisor", "admin", "operator"] {
        let api = app.api(who).await;
        problem(upload(&api, "r.xlsx", small_roster(&[("李四", "")])).await, 403).await;
        let s = api.get(&format!("/api/v1/imports/{id}")).await.status().as_u16();
        assert!(s == 403 || s == 404, "{who}: {s}");
        problem(api.get("/api/v1/imports").await, 403).await;
    }
    problem(app.api("lusong_head").await.get(&format!("/api/v1/imports/{id}")).await, 404).await;
    problem(app.api("lusong_head").await.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await, 404).await;
    problem(app.api("worker2").await.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await, 404).await;
    let head = app.api("head").await;
    assert_eq!(head.get(&format!("/api/v1/imports/{id}")).await.status(), 200);
    assert_eq!(head.post(&format!("/api/v1/imports/{id}/commit"), json!({})).await.status(), 200);
    assert_eq!(total(&worker).await, 1);
});

http_test!(async fn the_pages_work_without_javascript_and_multipart_needs_the_csrf_token(app) {
    let w = app.api("worker").await;
    let c = &w.c;
    let page = c.get(app.url("/imports/new")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("multipart/form-data"));
    let csrf = form_value(&page, "_csrf");
    // Without the token (in the form or the header): 403, nothing stored.
    let r = c.post(app.url("/imports/new")).multipart(file_form("r.xlsx", sample("roster-yuetang.xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.post(app.url("/imports/new")).multipart(file_form("r.xlsx", sample("roster-yuetang.xlsx")).text("_csrf", "wrong")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit_count("import.upload"), 0);
    // With it: stored and shown.
    let form = Form::new().text("_csrf", csrf.clone()).part("file", Part::bytes(sample("roster-yuetang.xlsx")).file_name("roster-yuetang.xlsx"));
    let r = c.post(app.url("/imports/new")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = c.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-rows=\"8\"") && page.contains("data-bad=\"0\""), "{page}");
    assert!(page.contains("确认导入"));
    // Change the mapping by form (drop the category column), then commit.
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("name", "1"), ("id_number", "2"), ("village", "8")];
    fields.push(("category", ""));
    let r = c.post(app.url(&format!("{to}/mapping"))).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.post(app.url(&format!("{to}/commit"))).form(&[("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-created=\"8\""), "{page}");
    let list = c.get(app.url("/imports")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("roster-yuetang.xlsx") && list.contains("data-status=\"committed\""));
    // A bad file shows the form again with the reason.
    let form = Form::new().text("_csrf", csrf.clone()).part("file", Part::bytes(b"hello".to_vec()).file_name("x.xlsx"));
    let r = c.post(app.url("/imports/new")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是有效的 Excel 文件"));
    // The bad-rows sample: the page lists the rows; committing shows them again, writes nothing.
    let form = Form::new().text("_csrf", csrf.clone()).part("file", Part::bytes(sample("roster-bad-rows.xlsx")).file_name("bad.xlsx"));
    let r = c.post(app.url("/imports/new")).multipart(form).send().await.unwrap();
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = c.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("row-errors") && page.contains("1990/2/30") && !page.contains("确认导入"));
    let r = c.post(app.url(&format!("{to}/commit"))).form(&[("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("未导入任何数据"));
    // Pages of roles without the right: 403; another station's import: 404.
    let w2 = app.api("worker2").await;
    assert_eq!(w2.c.get(app.url(&to)).send().await.unwrap().status(), 404);
    let p = app.api("purchaser").await;
    assert_eq!(p.c.get(app.url("/imports/new")).send().await.unwrap().status(), 403);
    assert_eq!(p.c.get(app.url("/imports")).send().await.unwrap().status(), 403);
});

// ------------------------------------------------------------------ export (issue 3 point 11)

/// The rows of an exported workbook (below its title row), as text.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range("服务对象").unwrap();
    range
        .rows()
        .skip(1)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

async fn export(api: &Api, query: &str) -> reqwest::Response {
    api.get(&format!("/api/v1/persons/export.xlsx{query}"))
        .await
}

http_test!(async fn the_person_list_exports_to_xlsx_masked_unless_revealed_and_audited(app) {
    let worker = app.api("worker").await;
    let v: Value = upload(&worker, "r.xlsx", sample("roster-yuetang.xlsx")).await.json().await.unwrap();
    worker.post(&format!("/api/v1/imports/{}/commit", v["id"]), json!({})).await;
    // Someone at another station, never in worker's export.
    let w2 = app.api("worker2").await;
    let v: Value = upload(&w2, "c.xls", sample("roster-chiguotang.xls")).await.json().await.unwrap();
    w2.post(&format!("/api/v1/imports/{}/commit", v["id"]), json!({})).await;

    let r = export(&worker, "").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let rows = sheet_rows(&r.bytes().await.unwrap());
    assert_eq!(rows[0][0], "姓名 (Name)");
    assert_eq!(rows[0][4], "身份证号 (ID number)");
    let people = &rows[1..];
    assert_eq!(people.len(), 8, "only the worker's station");
    assert!(people.iter().all(|p| p[4].contains("**********") || p[4].is_empty()), "masked: {people:?}");
    assert!(!people.iter().any(|p| p[0] == "周桂花"), "out of scope never appears");
    let ouyang = people.iter().find(|p| p[0] == "欧阳𠮷祥").unwrap();
    assert_eq!(ouyang[4], "4302**********0274");
    assert_eq!(ouyang[8], "学院社区");
    assert!(ouyang[10].contains("空巢老人"));
    // Filters as in the list; reveal shows the full numbers.
    let r = export(&worker, "?category=dibao&reveal=1").await;
    let rows = sheet_rows(&r.bytes().await.unwrap());
    let people = &rows[1..];
    assert_eq!(people.len(), 2, "{people:?}");
    assert!(people.iter().all(|p| p[4].len() == 18 && !p[4].contains('*')), "{people:?}");
    assert_eq!(app.audit_count("person.export"), 2);
    let audit = app.t.db.read(|c| shegong_store::audit::list(c, &shegong_domain::scope::Scope::new(vec![shegong_domain::org::OrgCode::parse("43").unwrap()]), &shegong_store::audit::Filter { action_prefix: Some("person.export".into()), include_unscoped: true, ..Default::default() }, shegong_store::query::Page::default())).unwrap();
    let text = audit.items.iter().map(|e| e.detail.to_string()).collect::<Vec<_>>().join(" ");
    assert!(text.contains("\"revealed\":true") && text.contains("\"revealed\":false"), "{text}");
    assert!(text.contains("\"count\":2") && text.contains("\"count\":8"), "{text}");
    // The page route answers the same file.
    let r = worker.get("/persons/export.xlsx?age_min=80").await;
    assert_eq!(r.status(), 200);
    let rows = sheet_rows(&r.bytes().await.unwrap());
    assert!(rows[1..].iter().all(|p| p[3].parse::<f64>().unwrap() >= 80.0));
    // Roles without the right, bad filters, other counties.
    for who in ["purchaser", "supervisor", "volunteer", "liaison", "admin"] {
        problem(export(&app.api(who).await, "").await, 403).await;
    }
    problem(export(&worker, "?sensitivity=secret").await, 422).await;
    problem(export(&worker, "?reveal=maybe").await, 422).await;
    problem(export(&worker, "?salary=1").await, 400).await;
    // Refused as the list refuses it (400 or 422 with the reason).
    let r = export(&worker, "?age_min=old").await;
    let s = r.status().as_u16();
    assert!(s == 400 || s == 422, "{s}");
    problem(r, s).await;
    problem(export(&worker, "?age_min=200").await, 422).await;
    let r = export(&app.api("lusong_head").await, "?org_code=430202001").await;
    assert_eq!(r.status(), 200);
    assert_eq!(sheet_rows(&r.bytes().await.unwrap()).len(), 1, "header only: nothing out of scope");
    let r = export(&w2, "").await;
    assert_eq!(sheet_rows(&r.bytes().await.unwrap()).len(), 5);
});
