//! CSV out: every list and report answers `Accept: text/csv` or `?format=csv` with the same rows
//! as its JSON, every page, a header of the JSON field names (nested objects as dotted names).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

/// Splits RFC 4180 text into rows of cells (quoted cells may hold commas, quotes and CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty(), "the last line ends with CRLF");
    rows
}

async fn csv_of(app: &TestApp, path: &str, token: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = app.request(Method::GET, path, Some(token)).header("Accept", "text/csv").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(content_type, "text/csv; charset=utf-8", "{path}");
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
    let mut rows = parse_csv(&response.text().await.unwrap());
    let header = rows.remove(0);
    (header, rows)
}

/// Every page of a list as JSON.
async fn all_items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{path}{separator}limit=200&cursor={cursor}"), token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page: Value = response.json().await.unwrap();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return items,
        }
    }
}

/// The cell a JSON view gives a column: dotted names open nested objects; null is empty;
/// lists and free-form objects are their JSON text.
fn expected_cell(item: &Value, column: &str) -> String {
    let value = column.split('.').try_fold(item, |value, part| value.get(part)).unwrap_or(&Value::Null);
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
        other => other.to_string(),
    }
}

/// The CSV of a list holds exactly the JSON pages' rows, cell for cell, and a column for every
/// field of the JSON.
async fn same_rows(app: &TestApp, path: &str, token: &str) -> usize {
    let items = all_items(app, path, token).await;
    let (header, rows) = csv_of(app, path, token).await;
    assert_eq!(rows.len(), items.len(), "{path}");
    for (item, row) in items.iter().zip(&rows) {
        assert_eq!(row.len(), header.len(), "{path}");
        for (column, cell) in header.iter().zip(row) {
            let expected = expected_cell(item, column);
            // A cell that would start a formula is written with a leading apostrophe.
            let cell = if !expected.starts_with('\'') { cell.strip_prefix('\'').unwrap_or(cell) } else { cell };
            if expected.starts_with(['[', '{']) {
                let parsed: Value = serde_json::from_str(cell).unwrap();
                assert_eq!(parsed.to_string(), expected, "{path} {column}");
            } else {
                assert_eq!(cell, &expected, "{path} {column}");
            }
        }
        for (field, value) in item.as_object().unwrap() {
            let opened = header.iter().any(|c| c.starts_with(&format!("{field}.")));
            assert!(header.contains(field) || (opened && (value.is_object() || value.is_null())), "{path}: {field}");
        }
    }
    rows.len()
}

async fn lists_answer_csv(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    let tricky = "=HYPERLINK(\"http://x\"), \"Ltd\"";
    let address = "1 Main St, Suite \"B\"\nSpringfield";
    let customer = created(
        app.post(
            "/api/v1/customers",
            &finance,
            &json!({"name": tricky, "billing_address": address, "currency": "EUR", "hourly_billing_rate": "95.50"}),
        )
        .await,
    )
    .await;
    created(app.post("/api/v1/customers", &finance, &json!({"name": "Plain GmbH", "currency": "USD"})).await).await;
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "currency": "EUR", "issue_date": days_ago(40),
                "due_date": days_ago(10),
                "lines": [{"description": "Work, on site", "quantity": "1.5", "unit_price": "80.00", "tax_rate_percent": "20"}]}),
        )
        .await,
    )
    .await;
    let issued = app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &finance, &json!({})).await;
    assert_eq!(issued.status(), StatusCode::OK);

    // Commas, quotes and line breaks survive quoting, and a formula is defused.
    let (header, rows) = csv_of(&app, "/api/v1/customers?format=csv", &finance).await;
    assert_eq!(header[..4], ["id".to_string(), "kind".into(), "name".into(), "email".into()]);
    let column = |name: &str| header.iter().position(|c| c == name).unwrap();
    assert_eq!(rows[0][column("name")], format!("'{tricky}"));
    assert_eq!(rows[0][column("billing_address")], address);
    assert_eq!(rows[0][column("hourly_billing_rate.amount")], "95.50");
    assert_eq!(rows[1][column("hourly_billing_rate.amount")], "");
    for path in
        ["/api/v1/customers", "/api/v1/invoices", "/api/v1/journal-entries", "/api/v1/users", "/api/v1/audit-events"]
    {
        assert!(same_rows(&app, path, &admin).await > 0, "{path}");
    }
    // The filters are the list's own.
    let (_, usd) = csv_of(&app, "/api/v1/invoices?status=draft&format=csv", &finance).await;
    assert!(usd.is_empty());

    // `format` wins over Accept; an unknown format is named; a list the caller may not read is a
    // 403 problem, not an empty file.
    let json = app
        .request(Method::GET, "/api/v1/customers?format=json", Some(&finance))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    let bad = problem(app.get("/api/v1/customers?format=xml", &finance).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(bad["errors"][0]["parameter"], "format", "{bad}");
    problem(app.get("/api/v1/invoices?format=csv", &agent).await, StatusCode::FORBIDDEN).await;
    let bad_filter = app
        .request(Method::GET, "/api/v1/invoices?status=nonsense", Some(&finance))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_filter.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad_filter.headers()["content-type"], "application/problem+json");

    // A report: its rows, led by its day.
    let report: Value = app.get("/api/v1/reports/receivables-aging", &finance).await.json().await.unwrap();
    let (header, rows) = csv_of(&app, "/api/v1/reports/receivables-aging?format=csv", &finance).await;
    assert_eq!(header[..4], ["as_of".to_string(), "party_id".into(), "name".into(), "currency".into()]);
    assert_eq!(rows.len(), 1);
    let party = &report["parties"][0];
    for (column, cell) in header.iter().zip(&rows[0]) {
        let expected = if column == "as_of" {
            report["as_of"].as_str().unwrap().to_string()
        } else {
            expected_cell(party, column)
        };
        assert_eq!(cell.strip_prefix('\'').unwrap_or(cell), expected, "{column}");
    }
    assert_eq!(rows[0][header.iter().position(|c| c == "days_1_30").unwrap()], "144.00");
}

both_backends!(lists_and_reports_answer_csv, lists_answer_csv);

/// More rows than one export page: every page is streamed, in the list's order, none twice.
async fn many_pages(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let total = 1_130;
    let skus: Vec<String> = (0..total).map(|i| format!("SKU-{i:05}")).collect();
    for chunk in skus.chunks(16) {
        let bodies: Vec<Value> =
            chunk.iter().map(|sku| json!({"sku": sku, "name": format!("Part, {sku}"), "sale_price": "1.25"})).collect();
        let posts = bodies.iter().map(|body| app.post("/api/v1/inventory/items", &ops, body));
        for response in futures_util::future::join_all(posts).await {
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    }
    let (header, rows) = csv_of(&app, "/api/v1/inventory/items?limit=5", &ops).await;
    assert_eq!(rows.len(), total, "limit does not cut an export");
    let sku = header.iter().position(|c| c == "sku").unwrap();
    let mut seen: Vec<&str> = rows.iter().map(|r| r[sku].as_str()).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order");
    seen.sort();
    assert_eq!(seen, skus.iter().map(String::as_str).collect::<Vec<_>>());
    // From a cursor on: the rows after it.
    let cursor = format!("{:016x}", ids[999]);
    let (_, rest) = csv_of(&app, &format!("/api/v1/inventory/items?cursor={cursor}"), &ops).await;
    assert_eq!(rest.len(), total - 1000);
    assert_eq!(same_rows(&app, "/api/v1/inventory/items", &ops).await, total);
}

both_backends!(an_export_streams_every_page, many_pages);

/// Every list and report in the OpenAPI document answers CSV when asked (a list added later
/// without going through `Listing` would answer JSON here).
async fn every_list_and_report(app: TestApp) {
    let admin = app.admin_token().await;
    let doc: Value = app.get("/api/v1/openapi.json", &admin).await.json().await.unwrap();
    let mut asked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let offers_csv = get["responses"]["200"]["content"].get("text/csv").is_some();
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let is_list = params.iter().any(|p| p["name"] == "cursor");
        assert!(!is_list || offers_csv, "{path} is a list without CSV");
        // Paths with an id need a record; the lists and reports at the top level need none.
        if !offers_csv || path.contains('{') {
            continue;
        }
        let response = app.request(Method::GET, path, Some(&admin)).header("Accept", "text/csv").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8", "{path}");
        let text = response.text().await.unwrap();
        assert!(text.ends_with("\r\n"), "{path}: a header at least");
        asked += 1;
    }
    assert!(asked >= 25, "{asked} lists and reports asked");
}

both_backends!(every_list_and_report_offers_csv, every_list_and_report);
