//! Attachments of service records (10.3; issue 4 point 2 and its bad-input list; decision 0017):
//! upload, list, download, delete through the API and the page; every refusal — an `.exe` renamed
//! `.jpg`, an empty file, a 200 MB body, an ended case, another role or station — leaves no file
//! in the directory and no row.

use crate::helpers::*;
use crate::http_test;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shegong_domain::dates;
use std::io::{BufRead, BufReader, Read, Write};

const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9";
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00\xB8\x00";

/// A case of a person at 430202001 opened by `api`, with one service record (10.3): (case, record).
async fn case_with_visit(api: &Api) -> (i64, i64) {
    let r = api
        .post(
            "/api/v1/persons",
            json!({"name": "张秀英", "birth_date": "1944-03-01", "org_code": "430202001001"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let today = dates::iso(dates::today());
    let r = api
        .post(
            &format!("/api/v1/persons/{pid}/cases"),
            json!({"intake": {"source": "walk_in", "received_on": today, "presenting_problem": "独居", "consent": true, "eligible": true}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/cases/{id}/services"),
            json!({"kind": "service", "served_on": today, "minutes": 40, "mode": "home_visit", "workers": [],
                "content": "入户探访", "items": ["8.2.5"], "goals": []}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let rid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (id, rid)
}

fn path(id: i64, rid: i64) -> String {
    format!("/api/v1/cases/{id}/records/{rid}/attachments")
}

async fn send(api: &Api, id: i64, rid: i64, name: &str, bytes: &[u8]) -> reqwest::Response {
    let part = Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str("image/jpeg")
        .unwrap();
    api.c
        .post(api.url(&path(id, rid)))
        .header("X-CSRF-Token", &api.csrf)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

/// Every file under the attachments directory.
fn stored(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut out = Vec::new();
    walk(app.files.path(), &mut out);
    out
}

async fn count(api: &Api, id: i64, rid: i64) -> usize {
    let v: Value = api.get(&path(id, rid)).await.json().await.unwrap();
    v["items"].as_array().unwrap().len()
}

http_test!(async fn a_photo_is_uploaded_listed_downloaded_and_deleted(app) {
    let worker = app.api("worker").await;
    let (id, rid) = case_with_visit(&worker).await;
    let r = send(&worker, id, rid, "../../手机/家访\t.jpg", JPEG).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["file_name"].as_str(), a["content_type"].as_str()), (Some("家访.jpg"), Some("image/jpeg")), "{a}");
    assert_eq!(a["size"], JPEG.len());
    let aid = a["id"].as_i64().unwrap();

    // Stored encrypted under a random key: one file, not holding the photo's bytes.
    let files = stored(&app);
    assert_eq!(files.len(), 1);
    let on_disk = std::fs::read(&files[0]).unwrap();
    assert!(!on_disk.windows(4).any(|w| w == b"JFIF"));
    assert!(!files[0].to_string_lossy().contains("家访"));

    let l: Value = worker.get(&path(id, rid)).await.json().await.unwrap();
    assert_eq!(l["items"][0]["id"], aid);
    let href = l["items"][0]["href"].as_str().unwrap().to_string();

    // The download: the same bytes, as an attachment, never sniffed; audited every time.
    let before = app.audit_count("case.attachment.read");
    let r = worker.get(&href).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert!(h["content-disposition"].to_str().unwrap().contains("%E5%AE%B6%E8%AE%BF.jpg"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), JPEG);
    assert_eq!(app.audit_count("case.attachment.read"), before + 1);
    // The head of the station reads it too.
    let head = app.api("head").await;
    assert_eq!(head.get(&href).await.bytes().await.unwrap().as_ref(), JPEG);

    // The page: a thumbnail through the same audited route, the camera upload form.
    let page = worker.get(&format!("/cases/{id}/records/{rid}/attachments")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("<img src=\"/cases/{id}/attachments/{aid}\"")), "{html}");
    assert!(html.contains("accept=\"image/*,application/pdf\" capture"));
    let r = worker.get(&format!("/cases/{id}/attachments/{aid}")).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), JPEG);

    // Deleting needs a reason; then the bytes go and the row stays with the reason.
    let del = format!("/api/v1/cases/{id}/attachments/{aid}");
    problem(worker.delete_json(&del, json!({"reason": " "})).await, 422).await;
    assert_eq!(stored(&app).len(), 1);
    assert_eq!(worker.delete_json(&del, json!({"reason": "拍错了对象"})).await.status(), 204);
    assert!(stored(&app).is_empty());
    problem(worker.get(&href).await, 404).await;
    problem(worker.delete_json(&del, json!({"reason": "再删一次"})).await, 404).await;
    let l: Value = worker.get(&path(id, rid)).await.json().await.unwrap();
    assert_eq!(l["items"][0]["delete_reason"], "拍错了对象");
    assert!(l["items"][0]["href"].is_null());
    assert_eq!(app.audit_count("case.attachment.delete"), 1);
});

http_test!(async fn an_exe_renamed_jpg_an_empty_file_and_no_file_are_refused_leaving_nothing(app) {
    let worker = app.api("worker").await;
    let (id, rid) = case_with_visit(&worker).await;
    let p = problem(send(&worker, id, rid, "家访照片.jpg", EXE).await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("按文件内容判断"), "{p}");
    let p = problem(send(&worker, id, rid, "空.jpg", b"").await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("空"));
    let none = worker.c.post(worker.url(&path(id, rid))).header("X-CSRF-Token", &worker.csrf)
        .multipart(Form::new().text("note", "x")).send().await.unwrap();
    problem(none, 422).await;
    problem(worker.post(&path(id, rid), json!({"file": "x"})).await, 415).await;
    assert!(stored(&app).is_empty());
    assert_eq!(count(&worker, id, rid).await, 0);
    assert_eq!(app.audit_count("case.attachment.create"), 0);

    // An ended case takes nothing until it is reopened (may_record).
    let r = worker.post(&format!("/api/v1/cases/{id}/steps"), json!({"event": "terminate", "reason": "服务对象搬离"})).await;
    assert_eq!(r.status(), 200);
    problem(send(&worker, id, rid, "a.jpg", JPEG).await, 409).await;
    assert!(stored(&app).is_empty());
    assert_eq!(count(&worker, id, rid).await, 0);
});

/// The session cookie and CSRF token of a fresh login, for a hand-written request.
async fn raw_login(app: &TestApp) -> (String, String) {
    let r = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "worker", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let v: Value = r.json().await.unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_string())
}

/// Sends a 200 MB upload by hand — announced by Content-Length, or streamed in chunks without
/// one — generating it 64 KB at a time, and returns the status line of the answer. The server
/// must answer before the body ends: the writer stops when it does.
fn big_upload(addr: &str, head: &str, chunked: bool) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    s.write_all(head.as_bytes()).unwrap();
    let writer = std::thread::spawn(move || {
        let mut block = vec![0u8; 64 * 1024];
        block[..4].copy_from_slice(b"\xFF\xD8\xFF\xE0");
        let first = b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
        let mut sent = 0usize;
        let mut frame = |data: &[u8]| -> std::io::Result<()> {
            if chunked {
                s.write_all(format!("{:x}\r\n", data.len()).as_bytes())?;
                s.write_all(data)?;
                s.write_all(b"\r\n")
            } else {
                s.write_all(data)
            }
        };
        if frame(first).is_err() {
            return sent;
        }
        while sent < 200 * 1024 * 1024 {
            if frame(&block).is_err() {
                break;
            }
            sent += block.len();
        }
        sent
    });
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut rest = Vec::new();
    let _ = reader.take(64 * 1024).read_to_end(&mut rest);
    let sent = writer.join().unwrap();
    assert!(sent < 200 * 1024 * 1024, "the server read the whole 200 MB");
    format!("{} {}", status.trim(), String::from_utf8_lossy(&rest))
}

http_test!(async fn a_200_mb_upload_is_refused_413_before_it_is_read(app) {
    let worker = app.api("worker").await;
    let (id, rid) = case_with_visit(&worker).await;
    let (cookie, csrf) = raw_login(&app).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let target = path(id, rid);
    for chunked in [false, true] {
        let length = if chunked {
            "Transfer-Encoding: chunked".to_string()
        } else {
            format!("Content-Length: {}", 200 * 1024 * 1024 + 200)
        };
        let head = format!(
            "POST {target} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\
             Content-Type: multipart/form-data; boundary=XYZ\r\n{length}\r\n\r\n"
        );
        let a = addr.clone();
        let answer = tokio::task::spawn_blocking(move || big_upload(&a, &head, chunked)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("附件不能超过 10 MB"), "{answer}");
    }
    assert!(stored(&app).is_empty());
    assert_eq!(count(&worker, id, rid).await, 0);
});

http_test!(async fn attachments_are_forbidden_to_other_roles_and_hidden_out_of_scope(app) {
    let worker = app.api("worker").await;
    let (id, rid) = case_with_visit(&worker).await;
    let a: Value = send(&worker, id, rid, "a.jpg", JPEG).await.json().await.unwrap();
    let aid = a["id"].as_i64().unwrap();
    let href = format!("/api/v1/cases/{id}/attachments/{aid}");

    // A volunteer reads no case records: 403.
    let volunteer = app.api("volunteer").await;
    problem(volunteer.get(&path(id, rid)).await, 403).await;
    problem(volunteer.get(&href).await, 403).await;
    problem(send(&volunteer, id, rid, "b.jpg", JPEG).await, 403).await;
    // Outside the station's scope: not found, as if it did not exist.
    for who in ["lusong_head", "worker2"] {
        let other = app.api(who).await;
        problem(other.get(&path(id, rid)).await, 404).await;
        problem(other.get(&href).await, 404).await;
        problem(send(&other, id, rid, "b.jpg", JPEG).await, 404).await;
        problem(other.delete_json(&href, json!({"reason": "x"})).await, 404).await;
    }
    // A record that is not a service record of this case, an attachment of another case: 404.
    let c: Value = worker.get(&format!("/api/v1/cases/{id}")).await.json().await.unwrap();
    let intake = c["records"].as_array().unwrap().iter().find(|r| r["kind"] == "intake").unwrap()["id"].as_i64().unwrap();
    problem(send(&worker, id, intake, "b.jpg", JPEG).await, 404).await;
    let (other_case, _) = case_with_visit(&worker).await;
    problem(worker.get(&format!("/api/v1/cases/{other_case}/attachments/{aid}")).await, 404).await;
    problem(worker.get(&path(id, 999_999)).await, 404).await;

    assert_eq!(stored(&app).len(), 1);
    assert_eq!(count(&worker, id, rid).await, 1);
});

http_test!(async fn the_page_uploads_with_the_form_and_shows_refusals_in_chinese(app) {
    let worker = app.api("worker").await;
    let (id, rid) = case_with_visit(&worker).await;
    let page = format!("/cases/{id}/records/{rid}/attachments");
    let upload_form = |bytes: &[u8], name: &str| {
        Form::new().text("_csrf", worker.csrf.clone()).part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
    };
    let r = worker.c.post(worker.url(&page)).multipart(upload_form(JPEG, "家访.jpeg")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("{page}?done=uploaded"));
    let r = worker.c.post(worker.url(&page)).multipart(upload_form(EXE, "照片.jpg")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("按文件内容判断"), "{html}");
    // Without the CSRF token nothing is taken.
    let bare = Form::new().part("file", Part::bytes(JPEG.to_vec()).file_name("a.jpg"));
    let r = worker.c.post(worker.url(&page)).multipart(bare).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(stored(&app).len(), 1);

    // Delete through the page: a reason is required.
    let l: Value = worker.get(&path(id, rid)).await.json().await.unwrap();
    let aid = l["items"][0]["id"].as_i64().unwrap();
    let del = format!("/cases/{id}/attachments/{aid}/delete");
    let rid_s = rid.to_string();
    let r = form(&worker, &del, &[("rid", rid_s.as_str()), ("reason", "")]).await;
    assert_eq!(r.status(), 422);
    let r = form(&worker, &del, &[("rid", rid_s.as_str()), ("reason", "重复上传")]).await;
    assert_eq!(r.status(), 303);
    assert!(stored(&app).is_empty());
    // A volunteer does not see the page.
    let volunteer = app.api("volunteer").await;
    assert_eq!(volunteer.get(&page).await.status(), 403);
});
