//! Export of every list to `.xlsx` (issue 3 point 11): each export holds exactly the list's rows
//! with its filters and scope (never 芦淞区's records), numbers masked unless revealed by a role
//! that may, an audit entry for each export, 403 for roles without the right, Chinese 4xx for bad
//! filters, and a button on each list page that keeps the page's filters.

use crate::helpers::*;
use crate::http_test;
use crate::imports::{sample, upload};
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use time::Duration;

const VILLAGE: &str = "430202001001";
/// A village of 芦淞区, outside every 荷塘区 account's scope.
const LUSONG: &str = "430203001001";
const ID: &str = "11010519491231002X";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Accounts whose role may not export (only station heads and social workers may).
const NO_EXPORT: [&str; 6] = [
    "admin",
    "purchaser",
    "operator",
    "supervisor",
    "volunteer",
    "liaison",
];

fn day(offset: i64) -> String {
    dates::iso(dates::today() + Duration::days(offset))
}

/// A birth date `years` years ago (minus a few days, so the age is exactly `years`).
fn born(years: i32) -> String {
    let t = dates::today() - Duration::days(3);
    dates::iso(
        time::Date::from_calendar_date(t.year() - years, t.month(), t.day().min(28)).unwrap(),
    )
}

async fn create(api: &Api, path: &str, body: Value) -> i64 {
    let r = api.post(path, body).await;
    assert_eq!(r.status(), 201, "{path}");
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn person(api: &Api, body: Value) -> i64 {
    create(api, "/api/v1/persons", body).await
}

async fn household(api: &Api, head: i64, org: &str, address: &str) -> i64 {
    create(
        api,
        "/api/v1/households",
        json!({"org_code": org, "address": address, "head_person_id": head}),
    )
    .await
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

/// An export answered as a workbook: its header row and its rows, as text. Checks the content
/// type, a file name of the list and the day only, the sheet's name and the title's count.
async fn sheet(r: Response, file: &str, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    use calamine::Reader;
    assert_eq!(r.status(), 200, "{file}");
    assert_eq!(r.headers()["content-type"], XLSX);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    let today = dates::iso(dates::today());
    assert!(
        cd.starts_with(&format!("attachment; filename=\"{file}-{today}.xlsx\"")),
        "{cd}"
    );
    let bytes = r.bytes().await.unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    let mut rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let title = rows.remove(0);
    let header = rows.remove(0);
    assert!(
        title[0].contains(&format!("共 {} 行", rows.len())),
        "{}",
        title[0]
    );
    (header, rows)
}

/// The details of the audit entries with this action, oldest first.
fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let scope =
        shegong_domain::scope::Scope::new(vec![shegong_domain::org::OrgCode::parse("43").unwrap()]);
    let f = shegong_store::audit::Filter {
        action_prefix: Some(action.into()),
        include_unscoped: true,
        ..Default::default()
    };
    let l = app
        .t
        .db
        .read(|c| shegong_store::audit::list(c, &scope, &f, shegong_store::query::Page::default()))
        .unwrap();
    l.items
        .iter()
        .rev()
        .filter(|e| e.action == action)
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect()
}

/// Column `i` of every row.
fn column(rows: &[Vec<String>], i: usize) -> Vec<&str> {
    rows.iter().map(|r| r[i].as_str()).collect()
}

/// Every role without the right gets 403 from both routes of an export.
async fn refused_without_the_right(app: &TestApp, path: &str) {
    for who in NO_EXPORT {
        let a = app.api(who).await;
        problem(a.get(&format!("/api/v1{path}")).await, 403).await;
        assert_eq!(a.get(path).await.status(), 403, "{who} {path}");
    }
}

http_test!(async fn households_and_reviews_due_export_as_listed(app) {
    let worker = app.api("worker").await;
    let lusong = app.api("lusong_head").await;
    let review = |next: String| json!({"category": "dibao", "reviewed_on": day(-400), "result": "continue", "next_due": next});
    let h1 = household(&worker, person(&worker, json!({"name": "王一", "org_code": VILLAGE})).await, VILLAGE, "文化路 1 号").await;
    let h2 = household(&worker, person(&worker, json!({"name": "李二", "org_code": VILLAGE})).await, VILLAGE, "东湖路 2 号").await;
    let h3 = household(&lusong, person(&lusong, json!({"name": "芦淞人", "org_code": LUSONG})).await, LUSONG, "来园路 3 号").await;
    for (api, hh, next) in [(&worker, h1, day(-5)), (&worker, h2, day(10)), (&lusong, h3, day(-5))] {
        assert_eq!(api.post(&format!("/api/v1/households/{hh}/reviews"), review(next)).await.status(), 201);
    }

    let (header, rows) = sheet(worker.get("/api/v1/households/export.xlsx").await, "households", "家庭档案").await;
    assert_eq!(header[1], "户主 (Head)");
    let mut heads = column(&rows, 1);
    heads.sort();
    assert_eq!(heads, ["李二", "王一"], "only the worker's station");
    let (_, rows) = sheet(worker.get("/households/export.xlsx?q=东湖").await, "households", "家庭档案").await;
    assert_eq!((rows.len(), rows[0][0].as_str(), rows[0][3].as_str(), rows[0][4].as_str()), (1, h2.to_string().as_str(), VILLAGE, "文化路社区居委会"));
    let (_, rows) = sheet(lusong.get("/api/v1/households/export.xlsx").await, "households", "家庭档案").await;
    assert_eq!(column(&rows, 1), ["芦淞人"]);

    let (_, rows) = sheet(worker.get("/api/v1/households/reviews/export.xlsx").await, "reviews-due", "救助复核到期清单").await;
    assert_eq!(column(&rows, 1), ["王一", "李二"], "earliest first, in scope only");
    let (_, rows) = sheet(worker.get("/households/reviews/export.xlsx?status=overdue").await, "reviews-due", "救助复核到期清单").await;
    assert_eq!((column(&rows, 1), rows[0][7].as_str(), rows[0][9].as_str()), (vec!["王一"], "继续享受", "已逾期"));

    // Audited with the count and the filters, never the search text.
    let d = audited(&app, "household.export");
    assert_eq!(d.len(), 3);
    assert_eq!((d[1]["count"].as_i64(), d[1]["revealed"].as_bool(), d[1]["filters"]["q"].as_bool()), (Some(1), Some(false), Some(true)));
    assert!(!d[1].to_string().contains("东湖"));
    let d = audited(&app, "household.reviews.export");
    assert_eq!((d.len(), d[1]["count"].as_i64(), d[1]["filters"]["status"].as_str()), (2, Some(1), Some("overdue")));

    refused_without_the_right(&app, "/households/export.xlsx").await;
    refused_without_the_right(&app, "/households/reviews/export.xlsx").await;
    problem(worker.get("/api/v1/households/reviews/export.xlsx?status=later").await, 422).await;
    problem(worker.get(&format!("/api/v1/households/export.xlsx?q={}", "长".repeat(51))).await, 422).await;
    problem(worker.get("/api/v1/households/export.xlsx?page=2").await, 400).await;
    assert_eq!(audited(&app, "household.export").len(), 3, "a refused export is not recorded as one");

    // The buttons keep the page's filters.
    let html = worker.get("/households?q=东湖").await.text().await.unwrap();
    assert!(html.contains("href=\"/households/export.xlsx?q=%E4%B8%9C%E6%B9%96\""), "{html}");
    let html = worker.get("/households/reviews?status=overdue").await.text().await.unwrap();
    assert!(html.contains("href=\"/households/reviews/export.xlsx?status=overdue\""));
});

fn gap_archive() -> Value {
    json!({"living_situation": "unattended",
        "guardians": [{"name": "王大", "relation": "father", "status": "imprisoned"}],
        "school": "荷塘小学", "grade": "一年级", "study_status": "in_school", "health": "healthy"})
}

http_test!(async fn visits_due_and_guardianship_alerts_export_as_listed(app) {
    let worker = app.api("worker").await;
    let lusong = app.api("lusong_head").await;
    let alone = json!({"living_arrangement": "alone"});
    let due = person(&worker, json!({"name": "张奶奶", "birth_date": born(82), "org_code": VILLAGE})).await;
    let late = person(&worker, json!({"name": "李爷爷", "birth_date": born(80), "org_code": VILLAGE})).await;
    let far = person(&lusong, json!({"name": "芦爷爷", "birth_date": born(85), "org_code": LUSONG})).await;
    for (api, id) in [(&worker, due), (&worker, late), (&lusong, far)] {
        assert_eq!(put(api, &format!("/api/v1/persons/{id}/elderly"), alone.clone()).await.status(), 201);
    }
    let r = worker.post(&format!("/api/v1/persons/{late}/visits"), json!({"visited_on": day(-10), "visitor": "王社工", "mode": "home"})).await;
    assert_eq!(r.status(), 201);
    let child = person(&worker, json!({"name": "王小宝", "birth_date": born(6), "org_code": VILLAGE})).await;
    let other = person(&lusong, json!({"name": "芦小宝", "birth_date": born(6), "org_code": LUSONG})).await;
    for (api, id) in [(&worker, child), (&lusong, other)] {
        assert_eq!(put(api, &format!("/api/v1/persons/{id}/guardianship"), gap_archive()).await.status(), 201);
    }

    let (header, rows) = sheet(worker.get("/api/v1/care/visits/export.xlsx").await, "visits-due", "老年人走访到期清单").await;
    assert_eq!(header[8], "状态 (Status)");
    assert_eq!(column(&rows, 1), ["李爷爷", "张奶奶"], "most overdue first, in scope only");
    let (_, rows) = sheet(worker.get("/care/visits/export.xlsx?status=overdue").await, "visits-due", "老年人走访到期清单").await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0][1].as_str(), rows[0][4].as_str(), rows[0][7].as_str(), rows[0][8].as_str(), rows[0][9].as_str()), ("李爷爷", "独居", day(-3).as_str(), "已逾期", "3"));
    let (_, rows) = sheet(worker.get("/api/v1/care/alerts/export.xlsx").await, "guardianship-alerts", "监护缺失预警").await;
    assert_eq!((column(&rows, 2), rows[0][1].as_str(), rows[0][8].as_str()), (vec!["王小宝"], child.to_string().as_str(), "待处理"));
    assert!(rows[0][6].contains("8 周岁"), "{:?}", rows[0]);
    let (_, rows) = sheet(worker.get("/care/alerts/export.xlsx?status=all").await, "guardianship-alerts", "监护缺失预警").await;
    assert_eq!(column(&rows, 2), ["王小宝"]);
    let (_, rows) = sheet(lusong.get("/api/v1/care/alerts/export.xlsx").await, "guardianship-alerts", "监护缺失预警").await;
    assert_eq!(column(&rows, 2), ["芦小宝"]);

    assert_eq!(audited(&app, "care.visits.export").iter().map(|d| d["count"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1]);
    let d = audited(&app, "care.alerts.export");
    assert_eq!((d.len(), d[1]["filters"]["open_only"].as_bool()), (3, Some(false)));

    refused_without_the_right(&app, "/care/visits/export.xlsx").await;
    refused_without_the_right(&app, "/care/alerts/export.xlsx").await;
    problem(worker.get("/api/v1/care/visits/export.xlsx?status=soon").await, 422).await;
    problem(worker.get("/api/v1/care/alerts/export.xlsx?status=closed").await, 422).await;
    problem(worker.get("/api/v1/care/alerts/export.xlsx?reveal=1").await, 400).await;

    let html = worker.get("/care/visits?status=overdue").await.text().await.unwrap();
    assert!(html.contains("href=\"/care/visits/export.xlsx?status=overdue\""));
    let html = worker.get("/care/alerts?status=all").await.text().await.unwrap();
    assert!(html.contains("href=\"/care/alerts/export.xlsx?status=all\""));
});

http_test!(async fn transfers_and_duplicates_export_masked_unless_revealed(app) {
    let worker = app.api("worker").await;
    let lusong = app.api("lusong_head").await;
    let sent = person(&worker, json!({"name": "孙七", "id_number": ID, "org_code": VILLAGE})).await;
    create(&worker, "/api/v1/transfers", json!({"person_id": sent, "to_org": "430202002003", "reason": "迁居"})).await;
    let gone = person(&lusong, json!({"name": "芦淞二", "org_code": LUSONG})).await;
    let r = lusong.post("/api/v1/transfers", json!({"person_id": gone, "to_org": "430203002", "reason": "迁居"})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for (api, org, phone) in [(&worker, "430202001", "13912345678"), (&worker, "430202001", ""), (&lusong, LUSONG, "13712345678"), (&lusong, LUSONG, "")] {
        person(api, json!({"name": "刘一", "birth_date": "1960-01-01", "org_code": org, "phone": (!phone.is_empty()).then_some(phone)})).await;
    }

    let (header, rows) = sheet(worker.get("/api/v1/transfers/export.xlsx").await, "transfers", "档案转移").await;
    assert_eq!(header[2], "身份证号 (ID number)");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0][1].as_str(), rows[0][2].as_str(), rows[0][3].as_str(), rows[0][9].as_str()), ("孙七", "1101**********002X", "转出", "待处理"));
    let (_, rows) = sheet(worker.get("/transfers/export.xlsx?reveal=1&status=pending").await, "transfers", "档案转移").await;
    assert_eq!(rows[0][2], ID, "revealed to a role that may");
    let (_, rows) = sheet(worker.get("/api/v1/transfers/export.xlsx?status=accepted").await, "transfers", "档案转移").await;
    assert!(rows.is_empty());
    // The receiving station sees the name, but not the record yet: its number stays masked.
    let (_, rows) = sheet(app.api("worker2").await.get("/api/v1/transfers/export.xlsx?box=to_decide&reveal=1").await, "transfers", "档案转移").await;
    assert_eq!((rows.len(), rows[0][2].as_str()), (1, "1101**********002X"));
    let (_, rows) = sheet(lusong.get("/api/v1/transfers/export.xlsx").await, "transfers", "档案转移").await;
    assert_eq!(column(&rows, 1), ["芦淞二"]);

    let (_, rows) = sheet(worker.get("/api/v1/persons/duplicates/export.xlsx").await, "likely-duplicates", "疑似重复档案").await;
    assert_eq!(rows.len(), 2, "one pair, two rows: {rows:?}");
    assert_eq!((column(&rows, 0), column(&rows, 3)), (vec!["1", "1"], vec!["刘一", "刘一"]));
    assert!(rows.iter().all(|r| r[7] == "430202001"), "never 芦淞区's pair");
    assert_eq!(column(&rows, 6).concat(), "139****5678");
    let (_, rows) = sheet(app.api("head").await.get("/persons/duplicates/export.xlsx?reveal=1").await, "likely-duplicates", "疑似重复档案").await;
    assert_eq!(column(&rows, 6).concat(), "13912345678");

    let d = audited(&app, "transfer.export");
    assert_eq!(d.iter().map(|d| d["revealed"].as_bool().unwrap()).collect::<Vec<_>>(), [false, true, false, true, false]);
    let d = audited(&app, "person.duplicates.export");
    assert_eq!((d.len(), d[1]["revealed"].as_bool(), d[1]["count"].as_i64()), (2, Some(true), Some(2)));
    assert!(!d.iter().chain(audited(&app, "transfer.export").iter()).any(|d| d.to_string().contains("1391") || d.to_string().contains("刘")));

    refused_without_the_right(&app, "/transfers/export.xlsx").await;
    refused_without_the_right(&app, "/persons/duplicates/export.xlsx").await;
    for bad in ["?reveal=maybe", "?box=inbox", "?status=lost"] {
        problem(worker.get(&format!("/api/v1/transfers/export.xlsx{bad}")).await, 422).await;
    }
    problem(worker.get("/api/v1/persons/duplicates/export.xlsx?reveal=2").await, 422).await;

    assert!(worker.get("/transfers").await.text().await.unwrap().contains("href=\"/transfers/export.xlsx\""));
    assert!(worker.get("/persons/duplicates").await.text().await.unwrap().contains("href=\"/persons/duplicates/export.xlsx\""));
});

http_test!(async fn imports_communities_users_and_the_audit_log_export_as_listed(app) {
    let worker = app.api("worker").await;
    let head = app.api("head").await;
    let lusong = app.api("lusong_head").await;
    assert_eq!(upload(&worker, "r.xlsx", sample("roster-yuetang.xlsx")).await.status(), 201);
    let r = upload(&lusong, "c.xls", sample("roster-chiguotang.xls")).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    let (header, rows) = sheet(worker.get("/api/v1/imports/export.xlsx").await, "imports", "导入记录").await;
    assert_eq!(header[3], "文件名 (File)");
    assert_eq!((column(&rows, 1), column(&rows, 3), column(&rows, 5)), (vec!["430202001"], vec!["r.xlsx"], vec!["待提交"]));
    problem(worker.get("/api/v1/imports/export.xlsx?page=1").await, 400).await;

    let listed: Value = worker.get("/api/v1/communities?per_page=200").await.json().await.unwrap();
    let (_, rows) = sheet(worker.get("/api/v1/communities/export.xlsx").await, "communities", "村(社区)概况").await;
    assert_eq!(rows.len() as i64, listed["total"].as_i64().unwrap());
    assert!(rows.iter().all(|r| r[0].starts_with("430202001")), "in scope only");
    let (_, rows) = sheet(worker.get("/communities/export.xlsx?q=文化路").await, "communities", "村(社区)概况").await;
    assert_eq!((column(&rows, 0), column(&rows, 1)), (vec![VILLAGE], vec!["文化路社区居委会"]));
    problem(worker.get(&format!("/api/v1/communities/export.xlsx?q={}", "长".repeat(51))).await, 422).await;

    let listed: Value = head.get("/api/v1/users").await.json().await.unwrap();
    let (_, rows) = sheet(head.get("/api/v1/users/export.xlsx").await, "users", "用户账号").await;
    assert_eq!(rows.len() as i64, listed["total"].as_i64().unwrap());
    assert!(!column(&rows, 0).contains(&"lusong_head") && !column(&rows, 0).contains(&"worker2"), "in scope only");
    let (_, rows) = sheet(head.get("/users/export.xlsx?role=social_worker").await, "users", "用户账号").await;
    assert_eq!((column(&rows, 0), column(&rows, 2)), (vec!["worker"], vec!["驻站社工"]));
    problem(head.get("/api/v1/users/export.xlsx?role=king&locked=maybe").await, 422).await;

    // The audit log: the station head only (the right to read it and to export).
    let listed: Value = head.get("/api/v1/audit?action=import.").await.json().await.unwrap();
    let (_, rows) = sheet(head.get("/api/v1/audit/export.xlsx?action=import.").await, "audit-log", "审计日志").await;
    assert_eq!(rows.len() as i64, listed["total"].as_i64().unwrap());
    assert!(rows.iter().all(|r| r[4].starts_with("import.") && !r[8].starts_with("430203")), "{rows:?}");
    let (_, rows) = sheet(head.get("/audit/export.xlsx").await, "audit-log", "审计日志").await;
    assert!(!column(&rows, 2).contains(&"lusong_head"), "never 芦淞区's entries");
    assert!(column(&rows, 4).contains(&"import.export"), "earlier exports are in the log");
    problem(head.get("/api/v1/audit/export.xlsx?from=2026-13-01").await, 422).await;
    problem(worker.get("/api/v1/audit/export.xlsx").await, 403).await;
    let (_, rows) = sheet(lusong.get("/api/v1/audit/export.xlsx?org_code=430202001").await, "audit-log", "审计日志").await;
    assert!(rows.is_empty(), "a node outside the scope matches nothing");

    for (action, n) in [("import.export", 1), ("community.export", 2), ("user.export", 2), ("audit.export", 3)] {
        assert_eq!(audited(&app, action).len(), n, "{action}");
    }
    for path in ["/imports/export.xlsx", "/communities/export.xlsx", "/users/export.xlsx", "/audit/export.xlsx"] {
        refused_without_the_right(&app, path).await;
    }

    assert!(worker.get("/imports").await.text().await.unwrap().contains("href=\"/imports/export.xlsx\""));
    assert!(worker.get("/communities?q=文化路").await.text().await.unwrap().contains("href=\"/communities/export.xlsx?q=%E6%96%87%E5%8C%96%E8%B7%AF\""));
    assert!(head.get("/users?role=social_worker").await.text().await.unwrap().contains("href=\"/users/export.xlsx?role=social_worker\""));
    assert!(head.get("/audit?action=user.").await.text().await.unwrap().contains("href=\"/audit/export.xlsx?action=user.\""));
    // No button for whoever may not export.
    assert!(!app.api("purchaser").await.get("/users").await.text().await.unwrap().contains("export.xlsx"));
});
