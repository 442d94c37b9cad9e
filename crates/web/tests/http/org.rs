//! The org tree (issue 2 points 3 and 7): lists, search, paging, scope per role, node pages,
//! operators and operator–station links, through the API and the HTML pages.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::org::OrgCode;
use shegong_domain::role::Role;
use shegong_store::audit;
use shegong_store::org;

async fn put(api: &Api, path: impl AsRef<str>, body: Value) -> Response {
    api.c
        .put(api.url(path.as_ref()))
        .header("X-CSRF-Token", &api.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `path?q=…` with the query encoded.
fn with_q(path: &str, q: &str) -> String {
    format!(
        "{path}?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    )
}

async fn json_of(r: Response) -> Value {
    assert_eq!(r.status(), 200, "status");
    r.json().await.unwrap()
}

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

/// Audit entries with this action, newest first.
fn audit_entries(app: &TestApp, action: &str) -> Vec<audit::Entry> {
    let scope = shegong_domain::scope::Scope::new(vec![OrgCode::parse("43").unwrap()]);
    let f = audit::Filter {
        action_prefix: Some(action.into()),
        include_unscoped: true,
        ..Default::default()
    };
    app.t
        .db
        .read(|c| {
            audit::list(
                c,
                &scope,
                &f,
                shegong_store::query::Page::new(Some(1), Some(200)),
            )
        })
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

fn node_exists(app: &TestApp, code: &str) -> bool {
    let code = code.to_string();
    app.t
        .db
        .read(move |c| org::get_unscoped(c, &code))
        .unwrap()
        .is_some()
}

http_test!(async fn each_role_starts_at_the_top_of_its_scope(app) {
    let top = |v: &Value| codes(v);
    let admin = json_of(app.api("admin").await.get("/api/v1/org-units").await).await;
    assert_eq!(top(&admin), ["43"]);
    assert_eq!(admin["items"][0]["name"], "湖南省");
    assert_eq!(admin["items"][0]["level"], "province");
    assert_eq!(admin["items"][0]["children"], 1);
    let purchaser = json_of(app.api("purchaser").await.get("/api/v1/org-units").await).await;
    assert_eq!(top(&purchaser), ["430202"]);
    assert_eq!(purchaser["total"], 1);
    assert_eq!(purchaser["items"][0]["children"], 8, "荷塘区's seven townships and the operator registered there");
    assert_eq!(purchaser["items"][0]["parent_code"], "4302");
    assert_eq!(purchaser["items"][0]["level_label"], "县(市、区)");
    let worker = json_of(app.api("worker").await.get("/api/v1/org-units").await).await;
    assert_eq!(top(&worker), ["430202001"]);
    assert_eq!(worker["items"][0]["children"], 11);
    // The operator's staff: the operator itself and the stations it runs, nothing else.
    let operator = json_of(app.api("operator").await.get("/api/v1/org-units").await).await;
    assert_eq!(top(&operator), ["430202001", "430202002", "430202003", OPERATOR]);
    assert_eq!(operator["total"], 4);
    let lusong = json_of(app.api("lusong_head").await.get("/api/v1/org-units").await).await;
    assert_eq!(top(&lusong), ["430203001"]);
});

http_test!(async fn search_by_name_or_code_prefix_with_children_counts(app) {
    let api = app.api("purchaser").await;
    let by_name = json_of(api.get("/api/v1/org-units?q=%E6%9C%88%E5%A1%98").await).await; // 月塘
    assert_eq!(codes(&by_name), ["430202001", "430202002002", "430202002003"], "月塘街道, 上月塘社区, 新月塘社区");
    assert_eq!(by_name["items"][0]["name"], "月塘街道");
    assert_eq!(by_name["items"][0]["children"], 11);
    let by_code = json_of(api.get("/api/v1/org-units?q=430202001").await).await;
    assert_eq!(by_code["total"], 12, "the station and its 11 communities");
    assert!(codes(&by_code).iter().all(|c| c.starts_with("430202001")));
    // A name part matches anywhere; a code only from its start.
    let mid = json_of(api.get("/api/v1/org-units?q=0202001").await).await;
    assert_eq!(mid["total"], 0);
    // Children of a node, with their own child counts.
    let kids = json_of(api.get("/api/v1/org-units?parent=430202").await).await;
    assert_eq!(kids["total"], 8, "seven townships and the operator registered at the county");
    let counts: Vec<i64> = kids["items"].as_array().unwrap().iter().map(|i| i["children"].as_i64().unwrap()).collect();
    assert_eq!(counts, [11, 13, 6, 8, 8, 5, 11, 0]);
    // Level filter, alone and with a query.
    let towns = json_of(api.get("/api/v1/org-units?level=township&q=%E9%95%87").await).await; // 镇
    assert_eq!(codes(&towns), ["430202100"]);
    // Operator codes are found whatever the case typed (both databases alike).
    let admin = app.api("admin").await;
    let ops = json_of(admin.get("/api/v1/org-units?q=430202opht").await).await;
    assert_eq!(codes(&ops), [OPERATOR]);
    let ops = json_of(admin.get("/api/v1/org-units?level=operator").await).await;
    assert_eq!(codes(&ops), [OPERATOR]);
});

http_test!(async fn paging_is_capped_at_200(app) {
    // All of 株洲市, so that one level holds more than 200 nodes.
    let rows: Vec<_> = org::read_division_dir(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../divisions/hunan"))
        .unwrap()
        .into_iter()
        .filter(|r| r.code.as_str().starts_with("4302"))
        .collect();
    app.t.db.write(move |c| org::import_divisions(c, &rows)).unwrap();
    let api = app.api("admin").await;
    let all = json_of(api.get("/api/v1/org-units?level=village&per_page=1000").await).await;
    assert!(all["total"].as_i64().unwrap() > 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 200);
    let p1 = json_of(api.get("/api/v1/org-units?level=village&per_page=20").await).await;
    let p2 = json_of(api.get("/api/v1/org-units?level=village&per_page=20&page=2").await).await;
    assert_eq!(codes(&p2).len(), 20);
    assert_eq!(p1["total"], p2["total"]);
    assert!(codes(&p1).last() < codes(&p2).first(), "pages follow each other in code order");
    let far = json_of(api.get("/api/v1/org-units?level=village&page=100000").await).await;
    assert_eq!(far["items"].as_array().unwrap().len(), 0);
    assert_eq!(far["total"], all["total"]);
    // The purchaser's totals stay within 荷塘区.
    let p = json_of(app.api("purchaser").await.get("/api/v1/org-units?level=village&per_page=10&page=2").await).await;
    assert_eq!(p["total"], 62);
    assert_eq!(codes(&p).len(), 10);
});

http_test!(async fn scope_limits_lists_searches_and_nodes(app) {
    // A worker reaches its station's subtree only.
    let worker = app.api("worker").await;
    assert_eq!(json_of(worker.get("/api/v1/org-units?q=%E8%A1%97%E9%81%93").await).await["total"], 1); // 街道
    assert_eq!(codes(&json_of(worker.get("/api/v1/org-units?parent=430202").await).await), ["430202001"]);
    assert_eq!(worker.get("/api/v1/org-units/430202001").await.status(), 200);
    assert_eq!(worker.get("/api/v1/org-units/430202001001").await.status(), 200);
    for out in ["430202002", "430202", "43", OPERATOR, "430203001"] {
        problem(worker.get(&format!("/api/v1/org-units/{out}")).await, 404).await;
    }
    // The county purchaser: 荷塘区 but not 芦淞区.
    let purchaser = app.api("purchaser").await;
    assert_eq!(purchaser.get("/api/v1/org-units/430202").await.status(), 200);
    problem(purchaser.get("/api/v1/org-units/430203").await, 404).await;
    problem(purchaser.get("/api/v1/org-units/430203001").await, 404).await;
    // The operator registered in 荷塘区 lies in the purchaser's county, who contracts it.
    assert_eq!(purchaser.get(&format!("/api/v1/org-units/{OPERATOR}")).await.status(), 200);
    assert_eq!(json_of(purchaser.get("/api/v1/org-units?q=430203").await).await["total"], 0);
    assert_eq!(json_of(purchaser.get("/api/v1/org-units?parent=430203").await).await["total"], 0);
    // The operator: its three stations and itself, not 桂花街道 (430202004).
    let op = app.api("operator").await;
    for code in ["430202001", "430202002", "430202003", "430202003009", OPERATOR] {
        assert_eq!(op.get(&format!("/api/v1/org-units/{code}")).await.status(), 200, "{code}");
    }
    problem(op.get("/api/v1/org-units/430202004").await, 404).await;
    problem(op.get("/api/v1/org-units/430202").await, 404).await;
    let streets = json_of(op.get("/api/v1/org-units?level=township").await).await;
    assert_eq!(codes(&streets), ["430202001", "430202002", "430202003"]);
    assert_eq!(json_of(op.get("/api/v1/org-units?q=%E6%A1%82%E8%8A%B1").await).await["total"], 0); // 桂花
    // An account in 芦淞区 learns nothing about 荷塘区.
    let lusong = app.api("lusong_head").await;
    for code in ["430202", "430202001", "430202001001", "430299001"] {
        problem(lusong.get(&format!("/api/v1/org-units/{code}")).await, 404).await;
    }
    assert_eq!(json_of(lusong.get("/api/v1/org-units?q=%E6%9C%88%E5%A1%98").await).await["total"], 0);
    assert_eq!(json_of(lusong.get("/api/v1/org-units?parent=430202").await).await["total"], 0);
    // Unknown codes look exactly like out-of-scope ones.
    let admin = app.api("admin").await;
    problem(admin.get("/api/v1/org-units/430299001").await, 404).await;
    problem(admin.get("/api/v1/org-units/not-a-code").await, 404).await;
});

http_test!(async fn volunteers_have_no_org_access(app) {
    let v = app.api("volunteer").await;
    problem(v.get("/api/v1/org-units").await, 403).await;
    problem(v.get("/api/v1/org-units?q=%E6%9C%88%E5%A1%98").await, 403).await;
    problem(v.get("/api/v1/org-units/430202001").await, 403).await;
    problem(v.get("/api/v1/org-units/430299999").await, 403).await;
    let page = v.get("/org").await;
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("组织架构"));
    assert_eq!(v.get("/org/430202001").await.status(), 403);
    problem(client().get(app.url("/api/v1/org-units")).send().await.unwrap(), 401).await;
});

http_test!(async fn node_detail_has_path_kind_operator_stations_and_accounts(app) {
    let purchaser = app.api("purchaser").await;
    let d = json_of(purchaser.get("/api/v1/org-units/430202001").await).await;
    assert_eq!(d["name"], "月塘街道");
    assert_eq!(d["level"], "township");
    assert_eq!(d["level_label"], "乡镇(街道)社工站");
    assert_eq!(d["township_kind"], "街道");
    assert_eq!(d["children"], 11);
    assert_eq!(d["accounts"], 4, "head, worker, volunteer, liaison");
    assert_eq!(d["operator"]["code"], OPERATOR);
    assert_eq!(d["operator"]["name"], "荷塘区阳光社会工作服务中心");
    let path: Vec<&str> = d["path"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(path, ["430202"], "ancestors above the purchaser's scope are left out");
    let town = json_of(purchaser.get("/api/v1/org-units/430202100").await).await;
    assert_eq!(town["township_kind"], "镇");
    assert!(town["operator"].is_null());
    let admin = app.api("admin").await;
    let village = json_of(admin.get("/api/v1/org-units/430202001001").await).await;
    let path: Vec<&str> = village["path"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(path, ["湖南省", "株洲市", "荷塘区", "月塘街道"]);
    assert!(village["township_kind"].is_null());
    let op = json_of(admin.get(&format!("/api/v1/org-units/{OPERATOR}")).await).await;
    assert_eq!(op["level"], "operator");
    assert_eq!(op["accounts"], 2, "operator admin and supervisor");
    let stations: Vec<&str> = op["stations"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(stations, ["430202001", "430202002", "430202003"]);
    let path: Vec<&str> = op["path"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(path, ["43", "4302", "430202"], "an operator sits under the county that registered it");
    // Roles that do not see accounts do not see their number either.
    let sup = json_of(app.api("supervisor").await.get("/api/v1/org-units/430202001").await).await;
    assert!(sup["accounts"].is_null());
});

http_test!(async fn admin_registers_an_operator_and_links_stations(app) {
    let admin = app.api("admin").await;
    let r = admin.post("/api/v1/org-units/operators", json!({"code": "430202OPHT02", "name": "荷塘区同心社会工作服务中心"})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "430202OPHT02");
    assert_eq!(v["level"], "operator");
    let e = audit_entries(&app, "org.operator");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].target_id.as_str(), e[0].org_code.as_deref(), e[0].actor.as_str()), ("430202OPHT02", Some("430202OPHT02"), "admin"));
    assert_eq!(e[0].actor_id, Some(app.user_id("admin")));
    assert!(!e[0].detail.contains("同心"), "no names in audit details");
    assert_eq!(json_of(admin.get("/api/v1/org-units/430202OPHT02").await).await["stations"], json!([]));
    // Link an unlinked station, then move one from the other operator.
    let r = json_of(put(&admin, "/api/v1/org-units/430202004/operator", json!({"operator_code": "430202OPHT02"})).await).await;
    assert_eq!(r["station"]["code"], "430202004");
    assert_eq!(r["operator"]["code"], "430202OPHT02");
    assert!(r["previous_operator_code"].is_null());
    let r = json_of(put(&admin, "/api/v1/org-units/430202001/operator", json!({"operator_code": "430202OPHT02"})).await).await;
    assert_eq!(r["previous_operator_code"], OPERATOR);
    let links = audit_entries(&app, "org.link");
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].org_code.as_deref(), Some("430202001"));
    assert_eq!(links[0].target_id, "430202001");
    let detail: Value = serde_json::from_str(&links[0].detail).unwrap();
    assert_eq!(detail, json!({"operator": "430202OPHT02", "previous": OPERATOR}));
    assert_eq!(links[1].org_code.as_deref(), Some("430202004"));
    // Linking again to the same operator changes nothing and records nothing.
    assert_eq!(put(&admin, "/api/v1/org-units/430202001/operator", json!({"operator_code": "430202OPHT02"})).await.status(), 200);
    assert_eq!(audit_entries(&app, "org.link").len(), 2);
    // The tree shows the new links, and the old operator's staff lost the station at once.
    let op2 = json_of(admin.get("/api/v1/org-units/430202OPHT02").await).await;
    let stations: Vec<&str> = op2["stations"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(stations, ["430202001", "430202004"]);
    assert_eq!(json_of(admin.get("/api/v1/org-units/430202004").await).await["operator"]["code"], "430202OPHT02");
    let old = app.api("operator").await;
    problem(old.get("/api/v1/org-units/430202001").await, 404).await;
    assert_eq!(codes(&json_of(old.get("/api/v1/org-units").await).await), ["430202002", "430202003", OPERATOR]);
    assert_eq!(app.audit_count("org.operator"), 1);
});

http_test!(async fn operator_validation_errors_are_chinese_and_write_nothing(app) {
    let admin = app.api("admin").await;
    let post = |body: Value| admin.post("/api/v1/org-units/operators", body);
    let v = problem(post(json!({"code": "op1", "name": "阳光社工"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "code");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("OP"));
    let v = problem(post(json!({"code": "430202OPHT05", "name": "阳光社工😀"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "name");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("不能包含字符"));
    let v = problem(post(json!({"code": "430202OPHT06", "name": "<script>alert(1)</script>"})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "name");
    // Every bad field at once.
    let v = problem(post(json!({"code": "OP-1", "name": ""})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name"]);
    assert!(v["detail"].as_str().unwrap().contains("必填"));
    let v = problem(post(json!({"code": "430202OPHT07", "name": "名".repeat(61)})).await, 422).await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("60"));
    // A division code is not an operator code, nor is an operator under a township or a place
    // that does not exist; an operator code that exists is taken.
    for code in ["430299001", "430202001", "430202001OPHT01", "430299OPHT01"] {
        let v = problem(post(json!({"code": code, "name": "阳光社工"})).await, 422).await;
        assert_eq!(v["errors"][0]["field"], "code", "{code}");
    }
    let v = problem(post(json!({"code": OPERATOR, "name": "改名社工"})).await, 409).await;
    assert!(v["detail"].as_str().unwrap().contains("已被使用"));
    problem(post(json!({"code": "430202OPHT08", "name": "阳光社工", "parent": "43"})).await, 400).await;
    problem(post(json!({"code": "430202OPHT08"})).await, 400).await;
    for code in ["430202OPHT05", "430202OPHT06", "430202OPHT07", "430202OPHT08", "430299001"] {
        assert!(!node_exists(&app, code), "{code} was not written");
    }
    assert_eq!(json_of(admin.get(&format!("/api/v1/org-units/{OPERATOR}")).await).await["name"], "荷塘区阳光社会工作服务中心");
    assert_eq!(app.audit_count("org.operator"), 0);
});

http_test!(async fn link_validation_errors_write_nothing(app) {
    let admin = app.api("admin").await;
    let link = |station: &str, op: &str| put(&admin, format!("/api/v1/org-units/{station}/operator"), json!({"operator_code": op}));
    let v = problem(link("430202", OPERATOR).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "station_code");
    assert!(v["detail"].as_str().unwrap().contains("乡镇(街道)社工站"));
    problem(link("430202001001", OPERATOR).await, 422).await;
    problem(link(OPERATOR, OPERATOR).await, 422).await;
    let v = problem(link("430202004", "nope").await, 422).await;
    assert_eq!(v["errors"][0]["field"], "operator_code");
    let v = problem(link("430202004", "430202OPZZ99").await, 422).await;
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("没有这个编码的承接方"));
    problem(link("430202004", "430202002").await, 422).await;
    problem(link("430202999", OPERATOR).await, 404).await;
    problem(put(&admin, "/api/v1/org-units/430202004/operator", json!({"operator": OPERATOR})).await, 400).await;
    // Nodes are not edited through this route (renames come from the division files).
    problem(admin.patch("/api/v1/org-units/430202004", json!({"name": "改名"})).await, 405).await;
    assert!(json_of(admin.get("/api/v1/org-units/430202004").await).await["operator"].is_null());
    assert_eq!(app.audit_count("org.link"), 0);
});

http_test!(async fn only_admins_manage_operators_and_only_in_scope(app) {
    for who in ["purchaser", "operator", "head", "worker", "supervisor", "liaison"] {
        let api = app.api(who).await;
        problem(api.post("/api/v1/org-units/operators", json!({"code": "430202OPHT03", "name": "阳光社工"})).await, 403).await;
        // In scope but not theirs to change: 403.
        problem(put(&api, "/api/v1/org-units/430202002/operator", json!({"operator_code": OPERATOR})).await, if who == "purchaser" || who == "operator" || who == "supervisor" { 403 } else { 404 }).await;
        problem(put(&api, "/api/v1/org-units/430202001/operator", json!({"operator_code": OPERATOR})).await, 403).await;
    }
    // Out of scope: 404, for the role that could otherwise.
    let worker = app.api("worker").await;
    problem(put(&worker, "/api/v1/org-units/430202004/operator", json!({"operator_code": OPERATOR})).await, 404).await;
    let volunteer = app.api("volunteer").await;
    problem(volunteer.post("/api/v1/org-units/operators", json!({"code": "430202OPHT03", "name": "阳光社工"})).await, 403).await;
    problem(put(&volunteer, "/api/v1/org-units/430202001/operator", json!({"operator_code": OPERATOR})).await, 404).await;
    // A county admin registers operators in its own county (the code starts with the county) and
    // links its own stations to any registered operator, but touches nothing of another county.
    add_account(&app, "lusong_admin", Role::SystemAdmin, "430203");
    let county = app.api("lusong_admin").await;
    problem(put(&county, "/api/v1/org-units/430202001/operator", json!({"operator_code": OPERATOR})).await, 404).await;
    let v = problem(county.post("/api/v1/org-units/operators", json!({"code": "430202OPHT03", "name": "阳光社工"})).await, 403).await;
    assert!(v["detail"].as_str().unwrap().contains("管辖"));
    problem(county.get(&format!("/api/v1/org-units/{OPERATOR}")).await, 404).await;
    let r = json_of(put(&county, "/api/v1/org-units/430203001/operator", json!({"operator_code": OPERATOR})).await).await;
    assert_eq!(r["operator"]["code"], OPERATOR);
    // The county sees who runs its station, without reaching the operator's own page.
    assert_eq!(json_of(county.get("/api/v1/org-units/430203001").await).await["operator"]["code"], OPERATOR);
    assert!(!node_exists(&app, "430202OPHT03"));
    assert_eq!(app.audit_count("org.operator"), 0);
    assert_eq!(app.audit_count("org.link"), 1);
    assert_eq!(county.post("/api/v1/org-units/operators", json!({"code": "430203OPLS01", "name": "芦淞社工"})).await.status(), 201);
    assert_eq!(json_of(county.get("/api/v1/org-units/430203OPLS01").await).await["level"], "operator");
    assert_eq!(app.audit_count("org.operator"), 1);
    // Without the CSRF header nothing happens.
    let admin = app.api("admin").await;
    let r = admin.c.post(admin.url("/api/v1/org-units/operators")).json(&json!({"code": "430202OPHT03", "name": "阳光社工"})).send().await.unwrap();
    problem(r, 403).await;
    assert!(!node_exists(&app, "430202OPHT03"));
});

http_test!(async fn sql_and_wildcard_payloads_in_q_find_nothing(app) {
    let api = app.api("purchaser").await;
    for q in ["%", "_", "%%", "\\", "%月%", "4302_2", "430202%", "' OR '1'='1", "'; DROP TABLE org_units; --", "\" OR 1=1 --", "*", "[a-z]", "<script>alert(1)</script>", "𠮷", "😀"] {
        let r = api.c.get(api.url(&with_q("/api/v1/org-units", q))).send().await.unwrap();
        let v = json_of(r).await;
        assert_eq!(v["total"], 0, "{q}");
        let page = api.c.get(api.url(&with_q("/org", q))).send().await.unwrap();
        assert_eq!(page.status(), 200, "{q}");
        let html = page.text().await.unwrap();
        assert!(!html.contains("<script>alert(1)</script>"), "the query is escaped");
    }
    // What is not a search at all is refused with a reason.
    let v = problem(api.c.get(api.url(&with_q("/api/v1/org-units", "a\u{0}b"))).send().await.unwrap(), 422).await;
    assert_eq!(v["errors"][0]["field"], "q");
    problem(api.c.get(api.url(&with_q("/api/v1/org-units", &"月".repeat(51)))).send().await.unwrap(), 422).await;
    let v = problem(api.get("/api/v1/org-units?level=planet").await, 422).await;
    assert_eq!(v["errors"][0]["field"], "level");
    let v = problem(api.get("/api/v1/org-units?parent=abc&level=moon").await, 422).await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    problem(api.get("/api/v1/org-units?page=abc").await, 400).await;
    assert_eq!(json_of(api.get("/api/v1/org-units").await).await["total"], 1, "the tree is intact");
});

http_test!(async fn org_pages_render_with_search_partial(app) {
    let admin = app.api("admin").await;
    let r = admin.get("/org").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("湖南省") && html.contains("<html"));
    assert!(html.contains("hx-get=\"/org\"") && html.contains("keyup changed delay:300ms"));
    assert!(html.contains("3.1") && html.contains("7.4"), "clauses cited");
    let purchaser = app.api("purchaser").await;
    let full = purchaser.c.get(purchaser.url(&with_q("/org", "月塘"))).send().await.unwrap().text().await.unwrap();
    assert!(full.contains("月塘街道") && full.contains("<html") && full.contains("value=\"月塘\""));
    // htmx asks for the results only.
    let part = purchaser.c.get(purchaser.url(&with_q("/org", "月塘"))).header("HX-Request", "true").send().await.unwrap();
    assert_eq!(part.status(), 200);
    assert_eq!(part.headers()["vary"], "HX-Request");
    let part = part.text().await.unwrap();
    assert!(part.contains("月塘街道") && part.contains("/org/430202001"));
    assert!(!part.contains("<html") && !part.contains("<form"), "a fragment, not a page");
    assert!(!part.contains("桂花街道"));
    // A history restore needs the whole page.
    let restore = purchaser.c.get(purchaser.url("/org?q=x")).header("HX-Request", "true").header("HX-History-Restore-Request", "true").send().await.unwrap();
    assert!(restore.text().await.unwrap().contains("<html"));
    // Paged results, with plain links that also work without JavaScript.
    let villages = purchaser.get("/org?level=village").await.text().await.unwrap();
    assert!(villages.contains("62") && villages.contains("下一页") && villages.contains("page=2\" hx-get="));
    let p2 = purchaser.get("/org?level=village&page=2").await.text().await.unwrap();
    assert!(p2.contains("上一页") && !p2.contains("下一页"));
    // Out of scope searches find nothing; the page says so.
    let none = purchaser.c.get(purchaser.url(&with_q("/org", "贺家土"))).header("HX-Request", "true").send().await.unwrap().text().await.unwrap();
    assert!(none.contains("没有匹配"));
    // Each role's top nodes.
    let op = app.api("operator").await.get("/org").await.text().await.unwrap();
    assert!(op.contains("月塘街道") && op.contains("宋家桥街道") && op.contains("荷塘区阳光社会工作服务中心") && !op.contains("桂花街道"));
    // English.
    assert_eq!(admin.get("/lang/en?next=/org").await.status(), 303);
    let en = admin.get("/org").await.text().await.unwrap();
    assert!(en.contains("Org tree"));
});

http_test!(async fn node_pages_show_details_children_and_admin_forms(app) {
    let purchaser = app.api("purchaser").await;
    let r = purchaser.get("/org/430202001").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for want in ["月塘街道", "430202001", "乡镇(街道)社工站", "街道", "荷塘区阳光社会工作服务中心", "文化路社区居委会", "荷塘铺村委会", "href=\"/org/430202\"", "7.4"] {
        assert!(html.contains(want), "{want}");
    }
    assert!(html.contains("href=\"/org/430202OPHT01\""), "the operator registered in the purchaser's county");
    assert!(!html.contains("name=\"operator_code\"") && !html.contains("action=\"/org/operators\""), "no admin forms");
    assert!(!html.contains("湖南省"), "no breadcrumb above the scope");
    let kind = purchaser.get("/org/430202100").await.text().await.unwrap();
    assert!(kind.contains("仙庾镇") && kind.contains(">镇<") && kind.contains("尚未关联承接方"));
    problem(purchaser.get("/api/v1/org-units/430203001").await, 404).await;
    assert_eq!(purchaser.get("/org/430203001").await.status(), 404);
    assert_eq!(purchaser.get("/org/430202001?page=2").await.status(), 200);
    let admin = app.api("admin").await;
    let html = admin.get("/org/430202001").await.text().await.unwrap();
    assert!(html.contains("湖南省") && html.contains("name=\"operator_code\"") && html.contains("value=\"430202OPHT01\""));
    assert!(html.contains("<option value=\"430202OPHT01\">"));
    // Operators are registered at a province, city or county: the form is there, code begun.
    assert!(!html.contains("action=\"/org/operators\""));
    let county = admin.get("/org/430202").await.text().await.unwrap();
    assert!(county.contains("action=\"/org/operators\"") && county.contains("value=\"430202OP\""));
    let op = admin.get("/org/430202OPHT01").await.text().await.unwrap();
    assert!(op.contains("承接的社工站") && op.contains("宋家桥街道") && !op.contains("桂花街道"));
    let village = admin.get("/org/430202001001").await.text().await.unwrap();
    assert!(village.contains("文化路社区居委会") && !village.contains("action=\"/org/operators\""));
    assert_eq!(admin.get("/org/operators").await.headers()["location"], "/org?level=operator");
    assert_eq!(app.api("worker").await.get("/org/430202002").await.status(), 404);
    assert_eq!(app.api("lusong_head").await.get("/org/430202").await.status(), 404);
});

http_test!(async fn html_forms_show_inline_errors_and_save(app) {
    let admin = app.api("admin").await;
    let form = |path: &str, fields: Vec<(&str, &str)>| {
        let mut f = vec![("_csrf", admin.csrf.as_str())];
        f.extend(fields);
        admin.c.post(admin.url(path)).form(&f).send()
    };
    // Bad values: the page again, 422, with the messages and what was typed.
    let r = form("/org/operators", vec![("code", "op-1"), ("name", "阳光<b>社工</b>"), ("from", "430202")]).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("承接方编码应为") && html.contains("不能包含字符"));
    assert!(html.contains("value=\"op-1\"") && html.contains("value=\"阳光&#60;b&#62;社工&#60;/b&#62;\""));
    assert!(!html.contains("<b>社工"), "what was typed is escaped");
    assert!(html.contains("荷塘区"), "shown again on the page that held the form");
    let r = form("/org/operators", vec![("code", "430202OPHT01"), ("name", "阳光社工"), ("from", "43")]).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已被使用"));
    assert_eq!(app.audit_count("org.operator"), 0);
    // Good values: saved, then back on the new operator's page.
    let r = form("/org/operators", vec![("code", "430202OPHT09"), ("name", "荷塘区新星社会工作服务中心"), ("from", "43")]).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/org/430202OPHT09?done=created");
    let page = admin.get("/org/430202OPHT09?done=created").await.text().await.unwrap();
    assert!(page.contains("承接方已登记") && page.contains("荷塘区新星社会工作服务中心"));
    // The link form.
    let r = form("/org/430202004/operator", vec![("operator_code", "430202OPZZ")]).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("没有这个编码的承接方") && html.contains("value=\"430202OPZZ\"") && html.contains("桂花街道"));
    let r = form("/org/430202004/operator", vec![("operator_code", "430202OPHT09")]).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/org/430202004?done=linked");
    let page = admin.get("/org/430202004?done=linked").await.text().await.unwrap();
    assert!(page.contains("已保存") && page.contains("荷塘区新星社会工作服务中心"));
    assert_eq!(app.audit_count("org.operator"), 1);
    assert_eq!(app.audit_count("org.link"), 1);
    // Others get the refusal page; a form without its CSRF token is refused too.
    let purchaser = app.api("purchaser").await;
    let r = purchaser.c.post(purchaser.url("/org/430202004/operator")).form(&[("_csrf", purchaser.csrf.as_str()), ("operator_code", OPERATOR)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("没有权限"));
    let r = purchaser.c.post(purchaser.url("/org/operators")).form(&[("_csrf", purchaser.csrf.as_str()), ("code", "430202OPHT10"), ("name", "阳光社工")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = admin.c.post(admin.url("/org/operators")).form(&[("code", "430202OPHT10"), ("name", "阳光社工")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(!node_exists(&app, "430202OPHT10"));
    assert_eq!(app.audit_count("org.link"), 1);
});

http_test!(async fn openapi_documents_the_org_routes(app) {
    let doc: Value = client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/api/v1/org-units", "/api/v1/org-units/{code}", "/api/v1/org-units/operators", "/api/v1/org-units/{code}/operator"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/org-units"]["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "per_page"));
    assert!(doc["paths"]["/api/v1/org-units/{code}/operator"]["put"].is_object());
    assert!(doc["tags"].as_array().unwrap().iter().any(|t| t["name"] == "org"));
    for schema in ["OrgList", "OrgDetail", "NewOperator", "LinkBody", "LinkOut"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
});
