//! The printable case archive (个案档案, issue 4 point 8; 7.6.4): the PDF for those who may print
//! it, read back as text where `pdftotext` is installed; refused (403) or hidden (404) for the
//! rest; every print audited with counts only; 503 naming the font package on a server without
//! Chinese fonts.

use crate::helpers::*;
use crate::http_test;
use reqwest::Response;
use serde_json::{Value, json};
use shegong_domain::dates;
use shegong_domain::role::Role;
use shegong_pdf::testing::{self as pdf, squeeze};
use shegong_store::audit;
use shegong_store::testing::TestDb;

const NAME: &str = "欧阳𠮷祥";
const ID_NUMBER: &str = "11010519491231002X";
/// User text that must print as written, never run as typst markup.
const HOSTILE: &str = r#"#eval("1+1") *粗* $x$ \ [a] <script>alert(1)</script> 女儿㛃娟"#;

async fn person(api: &Api, name: &str, id_number: Option<&str>, sensitivity: &str) -> i64 {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": name, "id_number": id_number, "org_code": "430202001001", "sensitivity": sensitivity}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn open(api: &Api, pid: i64) -> i64 {
    let r = api
        .post(
            &format!("/api/v1/persons/{pid}/cases"),
            json!({"intake": {"source": "walk_in", "received_on": dates::iso(dates::today()),
                "presenting_problem": HOSTILE, "consent": true, "eligible": true}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn path(id: i64) -> String {
    format!("/api/v1/cases/{id}/archive.pdf")
}

/// The audit details of every print so far.
fn printed(app: &TestApp) -> Vec<String> {
    let scope =
        shegong_domain::scope::Scope::new(vec![shegong_domain::org::OrgCode::parse("43").unwrap()]);
    let f = audit::Filter {
        action_prefix: Some("case.archive_pdf".into()),
        ..Default::default()
    };
    app.t
        .db
        .read(|c| {
            audit::list(
                c,
                &scope,
                &f,
                shegong_store::query::Page::new(Some(1), Some(50)),
            )
        })
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.detail)
        .collect()
}

async fn pdf_of(r: Response, id: i64) -> Vec<u8> {
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["cache-control"], "no-store");
    // The file name says the case number and nothing about the person.
    assert_eq!(
        h["content-disposition"],
        format!("inline; filename=\"case-{id}-archive.pdf\"").as_str()
    );
    assert_eq!(h["x-missing-glyphs"], "0");
    let body = r.bytes().await.unwrap().to_vec();
    assert!(body.starts_with(b"%PDF-"));
    body
}

http_test!(async fn the_worker_prints_the_case_archive_with_the_id_masked(app) {
    // Without Chinese fonts this machine answers 503 (tested below); CI has them.
    let Some(_) = pdf::engine() else { return };
    let worker = app.api("worker").await;
    let pid = person(&worker, NAME, Some(ID_NUMBER), "ordinary").await;
    let id = open(&worker, pid).await;
    assert_eq!(worker.post(&format!("/api/v1/cases/{id}/steps"), json!({"event": "accept"})).await.status(), 200);

    let body = pdf_of(worker.get(&path(id)).await, id).await;
    let text = squeeze(&pdf::text(&body));
    for want in ["个案档案", NAME, "1101**********002X", "株洲市荷塘区月塘街道社工站", "第1页共", "接案", "需求评估"] {
        assert!(text.contains(want), "{want} not in the archive");
    }
    assert!(text.contains(&squeeze(HOSTILE)), "the presenting problem printed as written");
    assert!(!text.contains(ID_NUMBER), "the full ID number is never printed");

    // The same archive for the browser, on the page route with the session cookie.
    let body = pdf_of(worker.c.get(app.url(&format!("/cases/{id}/archive.pdf"))).send().await.unwrap(), id).await;
    assert!(squeeze(&pdf::text(&body)).contains(NAME));

    // Each print is audited with counts only, never the name.
    let details = printed(&app);
    assert_eq!(details.len(), 2);
    for d in &details {
        let v: Value = serde_json::from_str(d).unwrap();
        assert!(v["pages"].as_u64().unwrap() >= 1);
        assert_eq!(v["missing_glyphs"], 0);
        assert!(!d.contains(NAME) && !d.contains("1101"));
    }
});

http_test!(async fn a_confidential_case_prints_for_the_head_marked_and_audited(app) {
    let Some(_) = pdf::engine() else { return };
    let worker = app.api("worker").await;
    let pid = person(&worker, NAME, None, "confidential").await;
    let id = open(&worker, pid).await;
    let reads = app.audit_count("case.read");
    let head = app.api("head").await;
    let body = pdf_of(head.get(&path(id)).await, id).await;
    let text = squeeze(&pdf::text(&body));
    assert!(text.contains("【机密】"), "every page is marked confidential");
    assert!(text.contains("未登记"), "no ID number on file");
    assert_eq!(app.audit_count("case.read"), reads + 1);
    assert_eq!(printed(&app).len(), 1);
});

http_test!(async fn the_archive_is_forbidden_or_out_of_scope(app) {
    add_account(&app, "worker_b", Role::SocialWorker, "430202001");
    let worker = app.api("worker").await;
    let pid = person(&worker, NAME, Some(ID_NUMBER), "ordinary").await;
    let id = open(&worker, pid).await;
    let secret_person = person(&worker, "李四", None, "confidential").await;
    let secret = open(&worker, secret_person).await;

    // Roles that read no records, and the supervisor, who reads cases but does not print them.
    for who in ["volunteer", "liaison", "purchaser", "supervisor"] {
        problem(app.api(who).await.get(&path(id)).await, 403).await;
    }
    // Out of scope: another district, another station; a confidential case of a worker not on
    // it (R-7.4g); no such case; not a number.
    for who in ["lusong_head", "worker2"] {
        problem(app.api(who).await.get(&path(id)).await, 404).await;
    }
    let other = app.api("worker_b").await;
    problem(other.get(&path(secret)).await, 404).await;
    problem(worker.get(&path(secret + 100)).await, 404).await;
    problem(worker.get("/api/v1/cases/abc/archive.pdf").await, 404).await;
    // Not logged in: 401 on the API; the page route sends the browser to the login page.
    problem(client().get(app.url(&path(id))).send().await.unwrap(), 401).await;
    let r = client().get(app.url(&format!("/cases/{id}/archive.pdf"))).send().await.unwrap();
    assert!(r.status().is_redirection());
    assert!(printed(&app).is_empty(), "nothing printed, nothing audited");
});

/// Runs on any machine: the server is pointed at a folder without fonts. The answer does not
/// depend on the database, so SQLite alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_chinese_fonts_the_answer_is_503_naming_the_package() {
    let empty = tempfile::tempdir().unwrap();
    let cfg = shegong_web::WebConfig {
        font_dirs: vec![empty.path().to_path_buf()],
        ..Default::default()
    };
    let app = spawn_app_with(TestDb::sqlite(), cfg).await;
    let worker = app.api("worker").await;
    let pid = person(&worker, NAME, None, "ordinary").await;
    let id = open(&worker, pid).await;
    let p = problem(worker.get(&path(id)).await, 503).await;
    assert!(
        p["detail"].as_str().unwrap().contains("fonts-noto-cjk"),
        "{p}"
    );
    assert!(printed(&app).is_empty());
}
