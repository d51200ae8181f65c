//! Bulk import: a dry run lists every bad row (row, column, message) and writes nothing; a
//! whole-file import with one bad row keeps nothing, a per-row one keeps the good rows; upsert by
//! natural key; insert of a key that exists; JSON lines; employees; opening stock reaching stock
//! and its value; who may import what and see which job; broken CSV quotes; the size limits.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{created, problem, TestApp};
use opsdesk::config::Config;

/// Jobs are looked for often.
pub fn quick(c: &mut Config) {
    c.imports.poll = Duration::from_millis(50);
}

/// As `quick`, with small files only: 300 bytes, 3 rows.
pub fn small(c: &mut Config) {
    quick(c);
    c.imports.max_bytes = 300;
    c.imports.max_rows = 3;
}

async fn upload(app: &TestApp, token: &str, query: &str, content_type: &str, body: &str) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/imports?{query}"), Some(token))
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .await
        .expect("POST /imports")
}

/// Uploads a file, checks the 202 and its Location, and waits (at most 20 s) for the job to end.
async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: &str) -> Value {
    let response = upload(app, token, query, content_type, body).await;
    let status = response.status();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let job: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/imports/{}", job["id"]).as_str()));
    finished(app, token, job["id"].as_i64().unwrap()).await
}

async fn finished(app: &TestApp, token: &str, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let job: Value = app.get(&format!("/api/v1/imports/{id}"), token).await.json().await.unwrap();
        if !["queued", "running"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        assert!(Instant::now() < deadline, "the import did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every row error of a job, as (row, column, message), read page by page.
async fn errors(app: &TestApp, token: &str, id: i64) -> Vec<(i64, Option<String>, String)> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value =
            app.get(&format!("/api/v1/imports/{id}/errors?limit=2&cursor={cursor}"), token).await.json().await.unwrap();
        for e in page["items"].as_array().unwrap() {
            let column = e["column"].as_str().map(str::to_string);
            all.push((e["row"].as_i64().unwrap(), column, e["message"].as_str().unwrap().to_string()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return all,
        }
    }
}

async fn customers(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app.get("/api/v1/customers", token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn counts(job: &Value) -> (i64, i64, i64, i64, i64) {
    let n = |k: &str| job[k].as_i64().unwrap();
    (n("total_rows"), n("processed_rows"), n("inserted"), n("updated"), n("failed_rows"))
}

const BAD_CUSTOMERS: &str = "name,email,currency,payment_terms_days,external_ref\n\
Northwind Traders,ap@northwind.example,EUR,30,CRM-1\n\
Contoso,not-an-email,EUR,400,CRM-2\n\
\"Fabrikam, Inc.\",,USD,,CRM-3\n";

async fn dry_run_and_whole_file(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;

    // Dry run: every error of every row, nothing written.
    let job = import(&app, &finance, "kind=customers&dry_run=true", "text/csv", BAD_CUSTOMERS).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["dry_run"], true);
    assert_eq!(counts(&job), (3, 3, 2, 0, 1), "two rows would be inserted, one fails");
    let listed = errors(&app, &finance, job["id"].as_i64().unwrap()).await;
    let columns: Vec<(i64, Option<&str>)> = listed.iter().map(|(r, c, _)| (*r, c.as_deref())).collect();
    assert_eq!(columns, vec![(3, Some("email")), (3, Some("payment_terms_days"))], "{listed:?}");
    assert!(listed[1].2.contains("365"), "{listed:?}");
    assert!(customers(&app, &finance).await.is_empty(), "a dry run writes nothing");

    // For real, whole file: one bad row, nothing kept.
    let job = import(&app, &finance, "kind=customers", "text/csv", BAD_CUSTOMERS).await;
    assert_eq!(job["status"], "failed");
    assert_eq!((job["inserted"].as_i64(), job["failed_rows"].as_i64()), (Some(0), Some(1)));
    assert_eq!(errors(&app, &finance, job["id"].as_i64().unwrap()).await.len(), 2);
    assert!(customers(&app, &finance).await.is_empty(), "whole file: nothing kept");

    // Fixed: every row kept, through the endpoint's own code (the audit log says so).
    let fixed = BAD_CUSTOMERS.replace("not-an-email,EUR,400", "ap@contoso.example,EUR,45");
    let job = import(&app, &finance, "kind=customers&commit=whole_file&mode=insert", "text/csv", &fixed).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(counts(&job), (3, 3, 3, 0, 0));
    let names: Vec<String> =
        customers(&app, &finance).await.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, vec!["Northwind Traders", "Contoso", "Fabrikam, Inc."]);
    let actions = app.audit_actions(&admin, "entity_type=customer").await;
    assert_eq!(actions.iter().filter(|a| *a == "customer.created").count(), 3, "{actions:?}");

    // Insert of a key that exists is the row's error.
    let again = "name,currency,external_ref\nNorthwind again,EUR,CRM-1\n";
    let job = import(&app, &finance, "kind=customers", "text/csv", again).await;
    assert_eq!(job["status"], "failed");
    let listed = errors(&app, &finance, job["id"].as_i64().unwrap()).await;
    assert_eq!((listed[0].0, listed[0].1.as_deref()), (2, Some("external_ref")), "{listed:?}");

    // The caller lists their jobs (newest first); another finance user sees none of them.
    let page: Value = app.get("/api/v1/imports", &finance).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let other = app.user_token(&admin, "fin2@example.com", &["finance"]).await;
    let page: Value = app.get("/api/v1/imports", &other).await.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
    problem(app.get(&format!("/api/v1/imports/{}", job["id"]), &other).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&format!("/api/v1/imports/{}/errors", job["id"]), &other).await, StatusCode::NOT_FOUND).await;
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    assert_eq!(app.get(&format!("/api/v1/imports/{}", job["id"]), &auditor).await.status(), StatusCode::OK);
}
both_backends!(import_dry_run_and_errors, dry_run_and_whole_file, with = crate::imports::quick);

async fn per_row_and_upsert(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;

    let job = import(&app, &finance, "kind=customers&commit=per_row", "text/csv", BAD_CUSTOMERS).await;
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    assert_eq!(counts(&job), (3, 3, 2, 0, 1));
    let listed = errors(&app, &finance, job["id"].as_i64().unwrap()).await;
    assert!(listed.iter().all(|(row, _, _)| *row == 3), "{listed:?}");
    assert_eq!(customers(&app, &finance).await.len(), 2, "the good rows are kept");

    // Upsert: CRM-1 is updated (only the fields given), CRM-9 inserted.
    let upsert = "name,currency,hourly_billing_rate,external_ref\n\
                  Northwind Traders Ltd,EUR,95.50,CRM-1\n\
                  Tailspin Toys,EUR,,CRM-9\n";
    let job = import(&app, &finance, "kind=customers&mode=upsert", "text/csv", upsert).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!((job["inserted"].as_i64(), job["updated"].as_i64()), (Some(1), Some(1)));
    let all = customers(&app, &finance).await;
    let northwind = all.iter().find(|c| c["external_ref"] == "CRM-1").unwrap();
    assert_eq!(northwind["name"], "Northwind Traders Ltd");
    assert_eq!(northwind["email"], "ap@northwind.example", "fields not given are kept");
    assert_eq!(northwind["hourly_billing_rate"]["amount"], "95.50");
    assert_eq!(northwind["version"], 2);
    assert_eq!(all.len(), 3);

    // Update of a key that is not there is the row's error.
    let job = import(&app, &finance, "kind=customers&mode=update", "text/csv", "name,external_ref\nX,CRM-404\n").await;
    let listed = errors(&app, &finance, job["id"].as_i64().unwrap()).await;
    assert_eq!(listed[0].1.as_deref(), Some("external_ref"), "{listed:?}");

    // JSON lines: vendors, one bad line among them.
    let lines = "{\"name\":\"Acme Supplies\",\"currency\":\"EUR\",\"external_ref\":\"V-1\"}\n\
                 \n\
                 {\"name\":\"Broken\",\"currency\":\"EUR\"\n\
                 {\"name\":\"Globex\",\"currency\":\"EUR\",\"hourly_billing_rate\":\"10.00\"}\n";
    let job = import(&app, &finance, "kind=vendors&commit=per_row", "application/x-ndjson", lines).await;
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    assert_eq!(counts(&job), (3, 3, 1, 0, 2));
    let listed = errors(&app, &finance, job["id"].as_i64().unwrap()).await;
    let where_: Vec<(i64, Option<&str>)> = listed.iter().map(|(r, c, _)| (*r, c.as_deref())).collect();
    assert_eq!(where_, vec![(3, None), (4, Some("hourly_billing_rate"))], "{listed:?}");
    let vendors: Value = app.get("/api/v1/vendors", &finance).await.json().await.unwrap();
    assert_eq!(vendors["items"][0]["name"], "Acme Supplies");
}
both_backends!(import_per_row_upsert_and_json_lines, per_row_and_upsert, with = crate::imports::quick);

async fn employees_items_and_opening_stock(app: TestApp) {
    let admin = app.admin_token().await;
    let hr = app.user_token(&admin, "hr@example.com", &["hr"]).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let department = app.department(&admin, "FIELD", "Field service").await;

    let people = format!(
        "first_name,last_name,work_email,department_id,employment_type,status,start_date,compensation\n\
         Ann,Lee,ann.lee@example.com,{department},full_time,active,2026-01-05,\"{{\"\"hourly_cost_rate\"\":\"\"40.00\"\",\"\"currency\"\":\"\"EUR\"\"}}\"\n\
         Bo,Chen,bo.chen@example.com,{department},contractor,,2026-02-01,\n"
    );
    let job = import(&app, &hr, "kind=employees", "text/csv", &people).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["inserted"], 2);
    let list: Value = app.get("/api/v1/employees?sort=number", &hr).await.json().await.unwrap();
    let ann = list["items"].as_array().unwrap().iter().find(|e| e["work_email"] == "ann.lee@example.com").unwrap();
    let number = ann["employee_number"].as_str().unwrap().to_string();

    // Update by employee_number; a number opsdesk never gave is the row's error.
    let update = format!("employee_number,job_title,status\n{number},Lead technician,active\nE999999,Nobody,\n");
    let job = import(&app, &hr, "kind=employees&mode=upsert&commit=per_row", "text/csv", &update).await;
    assert_eq!((job["updated"].as_i64(), job["failed_rows"].as_i64()), (Some(1), Some(1)), "{job}");
    let listed = errors(&app, &hr, job["id"].as_i64().unwrap()).await;
    assert_eq!((listed[0].0, listed[0].1.as_deref()), (3, Some("employee_number")), "{listed:?}");
    let ann: Value = app.get(&format!("/api/v1/employees/{}", ann["id"]), &hr).await.json().await.unwrap();
    assert_eq!(ann["job_title"], "Lead technician");

    // Items (JSON lines), then their opening stock by location code or id.
    let location =
        created(app.post("/api/v1/inventory/locations", &ops, &json!({"code": "MAIN", "name": "Main store"})).await)
            .await;
    let item_lines =
        "{\"sku\":\"flt-1\",\"name\":\"Filter\",\"reorder_point\":\"5\"}\n{\"sku\":\"BLT-2\",\"name\":\"Belt\"}\n";
    let job = import(&app, &ops, "kind=items", "application/x-ndjson", item_lines).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let stock = format!(
        "sku,location,quantity,unit_cost,occurred_on\nFLT-1,main,10,1.00,2026-01-05\nFLT-1,{},5,4.00,\nBLT-2,MAIN,2.5,3.3333,\n",
        location["id"]
    );
    let job = import(&app, &ops, "kind=opening_stock", "text/csv", &stock).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["inserted"], 3);
    let items: Value = app.get("/api/v1/inventory/items", &ops).await.json().await.unwrap();
    let filter = items["items"].as_array().unwrap().iter().find(|i| i["sku"] == "FLT-1").unwrap().clone();
    assert_eq!((filter["on_hand"].as_str(), filter["stock_value"].as_str()), (Some("15.000"), Some("30.00")));
    assert_eq!(filter["average_unit_cost"], "2.0000");
    let belt = items["items"].as_array().unwrap().iter().find(|i| i["sku"] == "BLT-2").unwrap().clone();
    assert_eq!((belt["on_hand"].as_str(), belt["stock_value"].as_str()), (Some("2.500"), Some("8.33")));
    let movements: Value = app.get("/api/v1/inventory/movements", &ops).await.json().await.unwrap();
    assert_eq!(movements["items"].as_array().unwrap().len(), 3);

    // Opening stock of an unknown SKU and location; opening stock is insert only.
    let job =
        import(&app, &ops, "kind=opening_stock", "text/csv", "sku,location,quantity,unit_cost\nNOPE,NOWHERE,1,1\n")
            .await;
    let listed = errors(&app, &ops, job["id"].as_i64().unwrap()).await;
    let columns: Vec<Option<&str>> = listed.iter().map(|(_, c, _)| c.as_deref()).collect();
    assert_eq!(columns, vec![Some("sku"), Some("location")], "{listed:?}");
    let refused = upload(&app, &ops, "kind=opening_stock&mode=upsert", "text/csv", "sku\n").await;
    problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Who may: exactly who may create the kind.
    problem(upload(&app, &hr, "kind=items", "application/x-ndjson", item_lines).await, StatusCode::FORBIDDEN).await;
    problem(upload(&app, &ops, "kind=employees", "text/csv", &people).await, StatusCode::FORBIDDEN).await;
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    problem(upload(&app, &auditor, "kind=customers", "text/csv", "name\n").await, StatusCode::FORBIDDEN).await;
}
both_backends!(
    import_employees_items_and_opening_stock,
    employees_items_and_opening_stock,
    with = crate::imports::quick
);

async fn malformed_files_and_limits(app: TestApp) {
    let admin = app.admin_token().await;
    let broken = "name,currency,external_ref\n\
                  \"Open quote,EUR,A-1\n";
    let job = import(&app, &admin, "kind=customers&commit=per_row", "text/csv", broken).await;
    let listed = errors(&app, &admin, job["id"].as_i64().unwrap()).await;
    assert_eq!((listed[0].0, listed[0].1.as_deref()), (2, Some("name")), "{listed:?}");
    assert!(listed[0].2.contains("unbalanced quote"), "{listed:?}");

    let stray = "name,currency\nA \"quoted\" name,EUR\nGood,EUR\nToo,many,cells\n";
    let job = import(&app, &admin, "kind=customers&commit=per_row", "text/csv", stray).await;
    assert_eq!(counts(&job), (3, 3, 1, 0, 2), "{job}");
    let listed = errors(&app, &admin, job["id"].as_i64().unwrap()).await;
    assert_eq!((listed[0].0, listed[0].1.as_deref()), (2, Some("name")), "{listed:?}");
    assert_eq!((listed[1].0, listed[1].1.as_deref()), (4, None), "{listed:?}");

    // A header that names an unknown column is refused on upload, before any job is queued.
    let unknown = "name,colour\nA,red\n";
    let refused =
        problem(upload(&app, &admin, "kind=customers", "text/csv", unknown).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert!(refused.to_string().contains("colour"), "{refused}");

    // Limits: bytes and rows (413), and the media type (415).
    let big = format!("name,currency\n{}", "Somebody,EUR\n".repeat(30));
    problem(upload(&app, &admin, "kind=customers", "text/csv", &big).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    let many = "name,currency\nA,EUR\nB,EUR\nC,EUR\nD,EUR\n";
    let too_many =
        problem(upload(&app, &admin, "kind=customers", "text/csv", many).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(too_many["detail"].as_str().unwrap().contains("rows"), "{too_many}");
    problem(upload(&app, &admin, "kind=customers", "application/json", "{}").await, StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .await;
    let keyed = app
        .request(Method::POST, "/api/v1/imports?kind=customers", Some(&admin))
        .header("Content-Type", "text/csv")
        .header("Idempotency-Key", "import-1")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    problem(keyed, StatusCode::PAYLOAD_TOO_LARGE).await;
}
both_backends!(import_malformed_files_and_limits, malformed_files_and_limits, with = crate::imports::small);

/// The runner looks for jobs only at start: a job queued later waits.
pub fn idle(c: &mut Config) {
    c.imports.poll = Duration::from_secs(3600);
}

/// A per-row job whose node died after committing its first row is taken over by another node
/// once the lease has run out, and goes on after that row (nothing twice).
async fn taken_over_after_a_node_died(app: TestApp) {
    let admin = app.admin_token().await;
    // Past the runner's first look, made at start.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A job queued by someone who loses the right before it runs fails, writing nothing.
    let ops = app.create_user(&admin, "ops@example.com", &["ops"]).await;
    let ops_token = app.token_for("ops@example.com", crate::common::PASSWORD).await;
    let items = "sku,name\nFLT-1,Filter\n";
    let queued: Value = upload(&app, &ops_token, "kind=items", "text/csv", items).await.json().await.unwrap();
    let changed = app.patch(&format!("/api/v1/users/{}", ops["id"]), &admin, &json!({"roles": ["agent"]}), None).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let file = "name,currency,external_ref\nA,EUR,r-1\nB,EUR,r-2\nC,EUR,r-3\n";
    let response = upload(&app, &admin, "kind=customers&commit=per_row", "text/csv", file).await;
    let job: Value = response.json().await.unwrap();
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["status"], "queued");
    // As a node leaves it that committed row 2 (customer A) and died with its lease running out.
    created(
        app.post("/api/v1/customers", &admin, &json!({"name": "A", "currency": "EUR", "external_ref": "r-1"})).await,
    )
    .await;
    app.execute_sql(&format!(
        "UPDATE import_jobs SET status = 'running', lease_owner = 'dead-node', lease_until = '2000-01-01 00:00:00', \
         attempts = 1, next_row = 1, processed_rows = 1, inserted = 1 WHERE id = {id}"
    ));
    let other = app.another_node_with(quick).await;
    let job = finished(&other, &admin, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(counts(&job), (3, 3, 3, 0, 0));
    let refs: Vec<String> =
        customers(&other, &admin).await.iter().map(|c| c["external_ref"].as_str().unwrap().to_string()).collect();
    assert_eq!(refs, vec!["r-1", "r-2", "r-3"]);
    let lost = finished(&other, &admin, queued["id"].as_i64().unwrap()).await;
    assert_eq!(lost["status"], "failed", "{lost}");
    assert!(lost["failure"].as_str().unwrap().contains("no longer allow"), "{lost}");
    let items: Value = other.get("/api/v1/inventory/items", &admin).await.json().await.unwrap();
    assert!(items["items"].as_array().unwrap().is_empty());
}
both_backends!(import_taken_over_after_a_node_died, taken_over_after_a_node_died, with = crate::imports::idle);
