//! Attachments: the bytes round-trip (ETag = SHA-256, 304, byte ranges across chunks, 416), the
//! limits per file and per record, executables refused, every file exactly as visible as its
//! record (an internal note's, a person's pay document, an invoice's), and the files of an issued
//! invoice kept while a draft's may go, with the removal in the audit log.

use crate::common::{self, open_ticket, problem, TestApp};
use opsdesk::config::Config;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Uploads `bytes` as `filename` of `content_type`, with `query` added (`&parent_type=…`).
async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    content_type: &str,
    query: &str,
    bytes: Vec<u8>,
) -> Response {
    app.request(Method::POST, &format!("/api/v1/attachments?filename={filename}{query}"), Some(token))
        .header("Content-Type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("upload")
}

async fn uploaded(app: &TestApp, token: &str, filename: &str, query: &str, bytes: Vec<u8>) -> Value {
    common::created(upload(app, token, filename, "application/pdf", query, bytes).await).await
}

async fn get_range(app: &TestApp, token: &str, id: &Value, range: &str) -> Response {
    app.request(Method::GET, &format!("/api/v1/attachments/{id}/content"), Some(token))
        .header("Range", range)
        .send()
        .await
        .expect("GET range")
}

fn header(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Bytes that no deny-list rule matches, over several chunks (256 KiB each).
fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"%PDF-1.7 "[i % 9] ^ ((i / 9 % 7) as u8)).collect()
}

both_backends!(bytes_round_trip_with_etag_and_ranges, bytes_round_trip_with_etag_and_ranges_body);
async fn bytes_round_trip_with_etag_and_ranges_body(app: TestApp) {
    let admin = app.admin_token().await;
    let data = sample(600 * 1024 + 17);
    let response = upload(&app, &admin, "Angebot%20Q3.pdf", "application/pdf", "", data.clone()).await;
    let location = header(&response, "location");
    let file = common::created(response).await;
    let id = file["id"].clone();
    assert_eq!(location, format!("/api/v1/attachments/{id}"));
    assert_eq!(file["size_bytes"], data.len() as i64);
    assert_eq!(file["sha256"], sha256_hex(&data));
    assert_eq!(file["filename"], "Angebot Q3.pdf");
    assert!(file["parent_type"].is_null(), "not attached yet");

    let whole = app.get(&format!("/api/v1/attachments/{id}/content"), &admin).await;
    assert_eq!(whole.status(), StatusCode::OK);
    let etag = header(&whole, "etag");
    assert_eq!(etag, format!("\"{}\"", sha256_hex(&data)));
    assert_eq!(header(&whole, "content-type"), "application/pdf");
    assert_eq!(header(&whole, "x-content-type-options"), "nosniff");
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    assert!(header(&whole, "content-disposition").starts_with("attachment; filename=\"Angebot Q3.pdf\""));
    assert_eq!(whole.bytes().await.unwrap().to_vec(), data, "the bytes come back as they went");

    let cached = app
        .request(Method::GET, &format!("/api/v1/attachments/{id}/content"), Some(&admin))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // Ranges: across the first chunk boundary (262144), open-ended, and a suffix.
    let size = data.len();
    for (range, from, to) in [
        ("bytes=262140-262150", 262_140, 262_150),
        ("bytes=500000-", 500_000, size - 1),
        ("bytes=-100", size - 100, size - 1),
        ("bytes=0-0", 0, 0),
    ] {
        let part = get_range(&app, &admin, &id, range).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(header(&part, "content-range"), format!("bytes {from}-{to}/{size}"), "{range}");
        assert_eq!(part.bytes().await.unwrap().to_vec(), data[from..=to].to_vec(), "{range}");
    }
    let outside = get_range(&app, &admin, &id, &format!("bytes={size}-")).await;
    assert_eq!(header(&outside, "content-range"), format!("bytes */{size}"));
    problem(outside, StatusCode::RANGE_NOT_SATISFIABLE).await;
    let several = get_range(&app, &admin, &id, "bytes=0-1,5-6").await;
    assert_eq!(several.status(), StatusCode::OK, "several ranges: the whole file");

    // The filename may come from Content-Disposition instead.
    let named = app
        .request(Method::POST, "/api/v1/attachments", Some(&admin))
        .header("Content-Type", "text/plain")
        .header("Content-Disposition", "attachment; filename=\"notes.txt\"")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(common::created(named).await["filename"], "notes.txt");
    problem(upload(&app, &admin, "a%2Fb.txt", "text/plain", "", b"x".to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
}

fn small_limits(config: &mut Config) {
    config.attachments.max_bytes = 1000;
    config.attachments.max_bytes_per_record = 1500;
}

both_backends!(limits_per_file_and_per_record, limits_per_file_and_per_record_body, with = super::small_limits);
async fn limits_per_file_and_per_record_body(app: TestApp) {
    let admin = app.admin_token().await;
    problem(upload(&app, &admin, "big.pdf", "application/pdf", "", sample(1001)).await, StatusCode::PAYLOAD_TOO_LARGE)
        .await;
    // Without a Content-Length (a chunked body), the limit still holds as the bytes arrive.
    let (addr, token) = (app.addr, admin.clone());
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        let head = format!(
            "POST /api/v1/attachments?filename=big.pdf HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
        for _ in 0..4 {
            let mut piece = b"12c\r\n".to_vec();
            piece.extend(sample(300));
            piece.extend(b"\r\n");
            // The server may answer and close before the rest is sent.
            let _ = stream.write_all(&piece);
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    let d = app.desk_with_people("LIM", "Limits", ["40.00", "30.00", "35.00"]).await;
    let ticket = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Scans"})).await;
    let on_ticket = format!("&parent_type=ticket&parent_id={}", ticket["id"]);
    let first = uploaded(&app, &d.bob_token, "one.pdf", &on_ticket, sample(800)).await;
    assert_eq!(first["parent_type"], "ticket");
    let second = problem(
        upload(&app, &d.bob_token, "two.pdf", "application/pdf", &on_ticket, sample(800)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(second["detail"].as_str().unwrap().contains("OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD"), "{second}");
    // Attaching later counts the same way.
    let loose = uploaded(&app, &d.bob_token, "two.pdf", "", sample(800)).await;
    let attach = app
        .request(Method::PUT, &format!("/api/v1/attachments/{}/parent", loose["id"]), Some(&d.bob_token))
        .json(&json!({"parent_type": "ticket", "parent_id": ticket["id"]}))
        .send()
        .await
        .unwrap();
    problem(attach, StatusCode::CONFLICT).await;
    uploaded(&app, &d.bob_token, "three.pdf", &on_ticket, sample(700)).await;
}

both_backends!(executables_are_refused, executables_are_refused_body);
async fn executables_are_refused_body(app: TestApp) {
    let admin = app.admin_token().await;
    let by_type = upload(&app, &admin, "setup.bin", "application/x-msdownload", "", b"hello".to_vec()).await;
    assert!(problem(by_type, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["detail"]
        .as_str()
        .unwrap()
        .contains("Content-Type"));
    let by_name = upload(&app, &admin, "invoice.pdf.exe", "application/pdf", "", b"hello".to_vec()).await;
    assert!(problem(by_name, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["detail"]
        .as_str()
        .unwrap()
        .contains("filename"));
    for (magic, name) in [
        (&b"MZ\x90\x00\x03"[..], "report.pdf"),
        (b"\x7fELF\x02\x01", "photo.jpg"),
        (b"#!/bin/sh\nrm -rf /", "notes.txt"),
    ] {
        let mut bytes = magic.to_vec();
        bytes.extend(sample(300 * 1024));
        let by_bytes = upload(&app, &admin, name, "application/pdf", "", bytes).await;
        assert!(problem(by_bytes, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["detail"]
            .as_str()
            .unwrap()
            .contains("body"));
    }
    // Nothing refused was kept.
    let mine: Value = app.get("/api/v1/attachments", &admin).await.json().await.unwrap();
    assert_eq!(mine["items"], json!([]));
}

async fn status_of(app: &TestApp, token: &str, id: &Value) -> (StatusCode, StatusCode) {
    let meta = app.get(&format!("/api/v1/attachments/{id}"), token).await.status();
    let content = app.get(&format!("/api/v1/attachments/{id}/content"), token).await.status();
    (meta, content)
}

const SEEN: (StatusCode, StatusCode) = (StatusCode::OK, StatusCode::OK);
const HIDDEN: (StatusCode, StatusCode) = (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND);

both_backends!(visibility_follows_the_parent, visibility_follows_the_parent_body);
async fn visibility_follows_the_parent_body(app: TestApp) {
    let d = app.desk_with_people("VIS", "Visibility", ["40.00", "30.00", "35.00"]).await;
    let hr = app.user_token(&d.admin, "hr@example.com", &["hr"]).await;
    let finance = app.user_token(&d.admin, "fin@example.com", &["finance"]).await;
    let ops = app.user_token(&d.admin, "ops@example.com", &["ops"]).await;

    // An internal note's file: the desk's agent sees it, the requester never; a public reply's
    // file both; an agent of another desk neither.
    let ticket = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Printer"})).await;
    let comments = format!("/api/v1/tickets/{}/comments", ticket["id"]);
    let note =
        common::created(app.post(&comments, &d.ada_token, &json!({"body": "Vendor quote", "internal": true})).await)
            .await;
    let reply = common::created(app.post(&comments, &d.bob_token, &json!({"body": "Photo attached"})).await).await;
    let on_note = format!("&parent_type=comment&parent_id={}", note["id"]);
    let internal = uploaded(&app, &d.ada_token, "quote.pdf", &on_note, sample(10)).await;
    let photo = uploaded(
        &app,
        &d.bob_token,
        "photo.pdf",
        &format!("&parent_type=comment&parent_id={}", reply["id"]),
        sample(10),
    )
    .await;
    // The requester may attach to their own reply and their ticket, never to the note.
    let refused = upload(&app, &d.bob_token, "x.pdf", "application/pdf", &on_note, sample(10)).await;
    problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(status_of(&app, &d.ada_token, &internal["id"]).await, SEEN);
    assert_eq!(status_of(&app, &d.bob_token, &internal["id"]).await, HIDDEN);
    assert_eq!(status_of(&app, &d.bob_token, &photo["id"]).await, SEEN);
    assert_eq!(status_of(&app, &d.cy_token, &photo["id"]).await, HIDDEN);
    assert_eq!(status_of(&app, &ops, &internal["id"]).await, SEEN, "ops reads every ticket");
    let note_list = format!("/api/v1/attachments?parent_type=comment&parent_id={}", note["id"]);
    problem(app.get(&note_list, &d.bob_token).await, StatusCode::NOT_FOUND).await;
    let listed: Value = app.get(&note_list, &d.ada_token).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], internal["id"]);

    // A person's pay document: hr, finance and the person see it; a colleague does not.
    let payslip =
        uploaded(&app, &hr, "payslip.pdf", &format!("&parent_type=employee&parent_id={}", d.bob), sample(10)).await;
    assert_eq!(status_of(&app, &d.bob_token, &payslip["id"]).await, SEEN);
    assert_eq!(status_of(&app, &finance, &payslip["id"]).await, SEEN);
    assert_eq!(status_of(&app, &d.ada_token, &payslip["id"]).await, HIDDEN);
    assert_eq!(status_of(&app, &ops, &payslip["id"]).await, HIDDEN);
    let pay_list = format!("/api/v1/attachments?parent_type=employee&parent_id={}", d.bob);
    problem(app.get(&pay_list, &d.ada_token).await, StatusCode::NOT_FOUND).await;

    // An invoice's file: finance only.
    let customer = common::created(
        app.post("/api/v1/customers", &finance, &json!({"name": "Northwind", "currency": "EUR"})).await,
    )
    .await;
    let invoice = common::created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "lines": [{"description": "Work", "quantity": "1", "unit_price": "10.00", "tax_rate_percent": "0"}]}),
        )
        .await,
    )
    .await;
    let scan =
        uploaded(&app, &finance, "po.pdf", &format!("&parent_type=invoice&parent_id={}", invoice["id"]), sample(10))
            .await;
    assert_eq!(status_of(&app, &finance, &scan["id"]).await, SEEN);
    assert_eq!(status_of(&app, &ops, &scan["id"]).await, HIDDEN);
    assert_eq!(status_of(&app, &d.ada_token, &scan["id"]).await, HIDDEN);
    // Not a bill: the same id named as a bill is no such record.
    let as_bill = upload(
        &app,
        &finance,
        "b.pdf",
        "application/pdf",
        &format!("&parent_type=bill&parent_id={}", invoice["id"]),
        sample(10),
    )
    .await;
    problem(as_bill, StatusCode::UNPROCESSABLE_ENTITY).await;

    // An upload not attached yet: its uploader (and admins) only; then attached, its record's.
    let loose = uploaded(&app, &d.ada_token, "loose.pdf", "", sample(10)).await;
    assert_eq!(status_of(&app, &d.cy_token, &loose["id"]).await, HIDDEN);
    assert_eq!(status_of(&app, &d.admin, &loose["id"]).await, SEEN);
    let attach = |token: &str, body: Value| {
        app.request(Method::PUT, &format!("/api/v1/attachments/{}/parent", loose["id"]), Some(token)).json(&body).send()
    };
    problem(
        attach(&d.cy_token, json!({"parent_type": "ticket", "parent_id": ticket["id"]})).await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let attached = attach(&d.ada_token, json!({"parent_type": "ticket", "parent_id": ticket["id"]})).await.unwrap();
    assert_eq!(attached.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &d.bob_token, &loose["id"]).await, SEEN, "now the ticket's: its requester sees it");
    let elsewhere = attach(&d.ada_token, json!({"parent_type": "comment", "parent_id": note["id"]})).await.unwrap();
    problem(elsewhere, StatusCode::CONFLICT).await;
    // The auditor uploads nothing.
    let auditor = app.user_token(&d.admin, "aud@example.com", &["auditor"]).await;
    problem(upload(&app, &auditor, "a.pdf", "application/pdf", "", sample(10)).await, StatusCode::FORBIDDEN).await;
    assert_eq!(status_of(&app, &auditor, &payslip["id"]).await, SEEN);
}

both_backends!(issued_invoices_keep_their_files, issued_invoices_keep_their_files_body);
async fn issued_invoices_keep_their_files_body(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let customer = common::created(
        app.post("/api/v1/customers", &finance, &json!({"name": "Northwind", "currency": "EUR"})).await,
    )
    .await;
    let body = json!({"kind": "receivable", "customer_id": customer["id"], "lines": [{"description": "Work", "quantity": "1", "unit_price": "10.00", "tax_rate_percent": "0"}]});
    let draft = common::created(app.post("/api/v1/invoices", &finance, &body).await).await;
    let issued = common::created(app.post("/api/v1/invoices", &finance, &body).await).await;
    let on = |invoice: &Value| format!("&parent_type=invoice&parent_id={}", invoice["id"]);
    let draft_file = uploaded(&app, &finance, "draft.pdf", &on(&draft), sample(10)).await;
    let kept = uploaded(&app, &finance, "signed.pdf", &on(&issued), sample(10)).await;
    let issuing = app.post(&format!("/api/v1/invoices/{}/issue", issued["id"]), &finance, &json!({})).await;
    assert_eq!(issuing.status(), StatusCode::OK);

    // A draft with files cannot be deleted under them.
    problem(app.delete(&format!("/api/v1/invoices/{}", draft["id"]), &finance).await, StatusCode::CONFLICT).await;
    let refused =
        problem(app.delete(&format!("/api/v1/attachments/{}", kept["id"]), &finance).await, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().contains("issued"), "{refused}");
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    problem(app.delete(&format!("/api/v1/attachments/{}", draft_file["id"]), &ops).await, StatusCode::NOT_FOUND).await;
    let removed = app.delete(&format!("/api/v1/attachments/{}", draft_file["id"]), &finance).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &finance, &draft_file["id"]).await, HIDDEN);
    assert_eq!(
        app.delete(&format!("/api/v1/invoices/{}", draft["id"]), &finance).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(status_of(&app, &finance, &kept["id"]).await, SEEN);

    let actions = app.audit_actions(&admin, &format!("entity_type=attachment&entity_id={}", draft_file["id"])).await;
    assert_eq!(actions, vec!["attachment.deleted", "attachment.uploaded"]);
}
