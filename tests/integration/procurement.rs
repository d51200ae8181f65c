//! Purchase orders: the whole flow (send with a gapless number, partial receipts into stock at the
//! order's price, a bill citing the lines and its three-way match, the clearing account back to
//! zero), the match's override, commitments in budget variance and under a stop (two parallel
//! orders that together exceed), cancel and close releasing, numbering under parallel sending.

use crate::common::{created, pointers, problem, this_year, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

struct Setup {
    admin: String,
    finance: String,
    ops: String,
    vendor: i64,
    department: i64,
    shelf: i64,
    cable: i64,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let vendor =
        created(app.post("/api/v1/vendors", &finance, &json!({"name": "Cables Ltd", "currency": "EUR"})).await).await
            ["id"]
            .as_i64()
            .unwrap();
    let department = app.department(&admin, "IT", "IT").await;
    let shelf =
        created(app.post("/api/v1/inventory/locations", &ops, &json!({"code": "SHELF", "name": "Shelf"})).await).await
            ["id"]
            .as_i64()
            .unwrap();
    let cable = created(app.post("/api/v1/inventory/items", &ops, &json!({"sku": "CAB", "name": "Cable"})).await).await
        ["id"]
        .as_i64()
        .unwrap();
    Setup { admin, finance, ops, vendor, department, shelf, cable }
}

/// A trial balance row's (debit, credit) by account code.
async fn balance(app: &TestApp, token: &str, code: &str) -> (String, String) {
    let tb = ok(app.get("/api/v1/reports/trial-balance", token).await).await;
    let row = tb["rows"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned().unwrap_or(Value::Null);
    (row["debit"].as_str().unwrap_or("0.00").to_string(), row["credit"].as_str().unwrap_or("0.00").to_string())
}

async fn whole_flow(app: TestApp) {
    let s = setup(&app).await;
    let year = this_year();
    let order = json!({"vendor_id": s.vendor, "department_id": s.department, "expected_on": format!("{year}-12-31"),
        "lines": [{"item_id": s.cable, "quantity": "10", "unit_price": "4.50", "tax_rate_percent": "20"},
                  {"description": "Installation", "quantity": "2", "unit_price": "50", "budget_category": "services"}]});
    problem(
        app.post("/api/v1/purchase-orders", &app.user_token(&s.admin, "e@example.com", &["employee"]).await, &order)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let bad = app
        .post(
            "/api/v1/purchase-orders",
            &s.ops,
            &json!({"vendor_id": 999, "lines": [{"quantity": "0", "unit_price": "-1"}]}),
        )
        .await;
    let mut found = pointers(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(
        found,
        vec![
            "/lines/0/department_id",
            "/lines/0/description",
            "/lines/0/quantity",
            "/lines/0/unit_price",
            "/vendor_id"
        ]
    );
    let draft = created(app.post("/api/v1/purchase-orders", &s.ops, &order).await).await;
    assert_eq!((draft["status"].as_str(), draft["number"].as_str()), (Some("draft"), None));
    assert_eq!(
        (draft["subtotal"].as_str(), draft["tax_total"].as_str(), draft["total"].as_str()),
        (Some("145.00"), Some("9.00"), Some("154.00"))
    );
    assert_eq!(draft["lines"][0]["description"], "Cable");
    assert_eq!(draft["lines"][0]["budget_category"], "materials");
    assert_eq!(draft["open_commitment"], "0.00", "a draft commits nothing");
    let id = draft["id"].as_i64().unwrap();
    let path = format!("/api/v1/purchase-orders/{id}");
    problem(
        app.post(
            &format!("{path}/receipts"),
            &s.ops,
            &json!({"location_id": s.shelf, "lines": [{"order_line_id": draft["lines"][0]["id"], "quantity": "1"}]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // A body is an object: an array is not read as the fields in order.
    let array = problem(
        app.post(&format!("{path}/sending"), &s.ops, &json!([null, null])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&array), vec![""]);
    let sent = ok(app.post(&format!("{path}/sending"), &s.ops, &json!({})).await).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["number"], format!("PO-{year}-000001"));
    assert_eq!(sent["open_commitment"], "145.00");
    problem(app.patch(&path, &s.ops, &json!({"note": "late"}), None).await, StatusCode::CONFLICT).await;

    // Partial receipt: 4 of 10 cables at the order's price; stock and its value follow.
    let cable_line = sent["lines"][0]["id"].as_i64().unwrap();
    let service_line = sent["lines"][1]["id"].as_i64().unwrap();
    let receipt = |quantity: &str, line: i64| json!({"location_id": s.shelf, "lines": [{"order_line_id": line, "quantity": quantity}]});
    problem(
        app.post(&format!("{path}/receipts"), &s.ops, &receipt("1", service_line)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(app.post(&format!("{path}/receipts"), &s.finance, &receipt("1", cable_line)).await, StatusCode::FORBIDDEN)
        .await;
    let first = created(app.post(&format!("{path}/receipts"), &s.ops, &receipt("4", cable_line)).await).await;
    assert_eq!(first["order"]["status"], "partially_received");
    assert_eq!(first["order"]["lines"][0]["received_quantity"], "4.000");
    assert_eq!(first["order"]["open_commitment"], "127.00", "6 cables (27.00) and the service (100.00) stay committed");
    let item = ok(app.get(&format!("/api/v1/inventory/items/{}", s.cable), &s.ops).await).await;
    assert_eq!((item["on_hand"].as_str(), item["stock_value"].as_str()), (Some("4.000"), Some("18.00")), "{item}");

    // Over-receipt beyond the 5 % tolerance is refused, naming the line and what is left.
    let over =
        problem(app.post(&format!("{path}/receipts"), &s.ops, &receipt("6.6", cable_line)).await, StatusCode::CONFLICT)
            .await;
    assert!(over["detail"].as_str().unwrap().contains("at most 6.5"), "{over}");
    let rest = created(app.post(&format!("{path}/receipts"), &s.ops, &receipt("6", cable_line)).await).await;
    assert_eq!(rest["order"]["status"], "received");
    assert!(rest["order"]["received_on"].is_string());
    let receipts = ok(app.get(&format!("{path}/receipts"), &s.finance).await).await;
    assert_eq!(receipts["items"].as_array().unwrap().len(), 2);
    // Receipts post inventory against goods received not billed (2300).
    assert_eq!(balance(&app, &s.admin, "2300").await.1, "45.00");

    // A bill citing the lines: billing more than received, or a price past the tolerance, is 409
    // naming the line and the difference, until finance overrides with a reason.
    let bill = |quantity: &str, price: &str| {
        json!({"kind": "payable", "vendor_id": s.vendor, "vendor_reference": "CAB-1", "lines": [
            {"description": "Cable", "quantity": quantity, "unit_price": price, "tax_rate_percent": "20", "purchase_order_line_id": cable_line},
            {"description": "Installation", "quantity": "2", "unit_price": "50", "purchase_order_line_id": service_line}]})
    };
    let mismatched = created(app.post("/api/v1/invoices", &s.finance, &bill("10", "4.65")).await).await;
    assert_eq!(mismatched["lines"][0]["item_id"], s.cable, "the item comes from the order line");
    assert_eq!(mismatched["lines"][1]["department_id"], s.department);
    let refused = problem(
        app.post(&format!("/api/v1/invoices/{}/issue", mismatched["id"]), &s.finance, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("line 1") && detail.contains("unit price 4.65 against 4.5"), "{detail}");
    app.delete(&format!("/api/v1/invoices/{}", mismatched["id"]), &s.finance).await;
    let too_many = created(app.post("/api/v1/invoices", &s.finance, &bill("11", "4.50")).await).await;
    let refused = problem(
        app.post(&format!("/api/v1/invoices/{}/issue", too_many["id"]), &s.finance, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("11.000 billed but 10.000 received (1.000 more)"),
        "{refused}"
    );
    app.delete(&format!("/api/v1/invoices/{}", too_many["id"]), &s.finance).await;

    let matching = created(app.post("/api/v1/invoices", &s.finance, &bill("10", "4.50")).await).await;
    let issued =
        ok(app.post(&format!("/api/v1/invoices/{}/issue", matching["id"]), &s.finance, &json!({})).await).await;
    assert_eq!(issued["total"], "154.00");
    let after = ok(app.get(&path, &s.finance).await).await;
    assert_eq!(after["lines"][0]["billed_quantity"], "10.000");
    assert_eq!(after["open_commitment"], "0.00", "received and billed: nothing left committed");
    // Bill and receipt agree: the clearing account is back to zero.
    let (debit, credit) = balance(&app, &s.admin, "2300").await;
    assert_eq!(debit, credit, "goods received not billed clears");

    // A second bill for the same line would bill more than was received.
    let again = created(app.post("/api/v1/invoices", &s.finance, &bill("1", "4.50")).await).await;
    problem(
        app.post(&format!("/api/v1/invoices/{}/issue", again["id"]), &s.finance, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let forced = ok(app
        .post(
            &format!("/api/v1/invoices/{}/issue", again["id"]),
            &s.finance,
            &json!({"match_override_reason": "Freight charged as a cable"}),
        )
        .await)
    .await;
    assert_eq!(forced["match_override_reason"], "Freight charged as a cable");
    let audited = app.audit_actions(&s.admin, "action=invoice.match_overridden").await;
    assert_eq!(audited.len(), 1);

    let closed = ok(app.post(&format!("{path}/closing"), &s.ops, &json!({})).await).await;
    assert_eq!(closed["status"], "closed");
    problem(app.post(&format!("{path}/cancellation"), &s.ops, &json!({"reason": "x"})).await, StatusCode::CONFLICT)
        .await;
    let actions = app.audit_actions(&s.admin, &format!("entity_type=purchase_order&entity_id={id}")).await;
    for action in ["purchase_order.created", "purchase_order.sent", "purchase_order.received", "purchase_order.closed"]
    {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }

    // Vendor performance: one order sent and received; the forced bill's line at the order price.
    let report = ok(app.get("/api/v1/reports/vendors", &s.finance).await).await;
    let row = report["vendors"].as_array().unwrap().iter().find(|v| v["vendor_id"] == s.vendor).cloned().unwrap();
    assert_eq!((row["orders_sent"].as_i64(), row["orders_received"].as_i64()), (Some(1), Some(1)));
    assert_eq!(row["on_time_share"], "1");
    assert_eq!(row["price_variance"], "0.00");
    assert_eq!(row["open_commitments"], "0.00");

    // Two damaged cables go back from the shelf: stock leaves at the order's price (9.00), the
    // order keeps its state (closed), and goods received not billed now shows what was billed
    // but not kept: 11 cables billed (one by the override), 8 kept, 3 × 4.50 owed back.
    let back = |quantity: &str, location: i64| {
        json!({"location_id": location, "reason": "Damaged in transit",
        "lines": [{"order_line_id": cable_line, "quantity": quantity}]})
    };
    let other =
        created(app.post("/api/v1/inventory/locations", &s.ops, &json!({"code": "VAN", "name": "Van"})).await).await;
    let refused = problem(
        app.post(&format!("{path}/returns"), &s.ops, &back("1", other["id"].as_i64().unwrap())).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("0.000 of it was received"), "{refused}");
    problem(
        app.post(
            &format!("{path}/returns"),
            &s.ops,
            &json!({"location_id": s.shelf, "reason": " ",
        "lines": [{"order_line_id": cable_line, "quantity": "1"}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let returned = created(app.post(&format!("{path}/returns"), &s.ops, &back("2", s.shelf)).await).await;
    assert_eq!(returned["receipts"][0]["quantity"], "-2.000");
    assert_eq!(returned["order"]["status"], "closed");
    assert_eq!(returned["order"]["lines"][0]["received_quantity"], "8.000");
    let item = ok(app.get(&format!("/api/v1/inventory/items/{}", s.cable), &s.ops).await).await;
    assert_eq!((item["on_hand"].as_str(), item["stock_value"].as_str()), (Some("8.000"), Some("36.00")), "{item}");
    let (debit, credit) = balance(&app, &s.admin, "2300").await;
    assert_eq!((debit.as_str(), credit.as_str()), ("13.50", "0.00"), "the vendor owes a credit note for 13.50");
}
both_backends!(procurement_whole_flow, whole_flow);

/// A new approved budget of one line for `department` (through two finance users).
async fn approve_budget(
    app: &TestApp,
    admin: &str,
    department: i64,
    policy: &str,
    category: &str,
    annual: &str,
) -> Value {
    let a = app.user_token(admin, "budget-a@example.com", &["finance"]).await;
    let b = app.user_token(admin, "budget-b@example.com", &["finance"]).await;
    let budget = created(
        app.post(
            "/api/v1/budgets",
            &a,
            &json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR",
            "exceed_policy": policy, "lines": [{"category": category, "annual": annual}]}),
        )
        .await,
    )
    .await;
    ok(app.post(&format!("/api/v1/budgets/{}/submit", budget["id"]), &a, &json!({})).await).await;
    ok(app.post(&format!("/api/v1/budgets/{}/approve", budget["id"]), &b, &json!({})).await).await
}

async fn commitments(app: TestApp) {
    let s = setup(&app).await;
    let budget = approve_budget(&app, &s.admin, s.department, "stop", "services", "12000").await;
    let month = chrono::Datelike::month(&chrono::Utc::now().date_naive()) as i64;
    // Planned to date is month × 1000; two orders of 60 % of it each fit alone, not together.
    let share = format!("{}.00", month * 1000 * 6 / 10);
    let order = |price: &str| {
        json!({"vendor_id": s.vendor, "department_id": s.department,
        "lines": [{"description": "Consulting", "quantity": "1", "unit_price": price, "budget_category": "services"}]})
    };
    let a = created(app.post("/api/v1/purchase-orders", &s.ops, &order(&share)).await).await;
    let b = created(app.post("/api/v1/purchase-orders", &s.ops, &order(&share)).await).await;
    let (pa, pb) = (
        format!("/api/v1/purchase-orders/{}/sending", a["id"]),
        format!("/api/v1/purchase-orders/{}/sending", b["id"]),
    );
    let empty = json!({});
    let (ra, rb) = tokio::join!(app.post(&pa, &s.ops, &empty), app.post(&pb, &s.ops, &empty));
    let mut statuses = vec![ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT], "the second commitment passes the stop");
    let sent_id = if ra.status() == StatusCode::OK { a["id"].clone() } else { b["id"].clone() };
    let stopped_id = if ra.status() == StatusCode::OK { b["id"].clone() } else { a["id"].clone() };

    // Variance shows the sent order as committed, not actual.
    let variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!(variance["committed"], share, "{variance}");
    assert_eq!(variance["actual"], "0.00");

    // ops may not override a stop; finance may, with a reason.
    let with_reason = json!({"budget_override_reason": "Board approved the project"});
    let stopped_path = format!("/api/v1/purchase-orders/{stopped_id}/sending");
    problem(app.post(&stopped_path, &s.ops, &with_reason).await, StatusCode::FORBIDDEN).await;
    let forced = ok(app.post(&stopped_path, &s.finance, &with_reason).await).await;
    assert_eq!(forced["budget_warnings"][0]["category"], "services");
    assert_eq!(forced["budget_override_reason"], "Board approved the project");

    // Cancelling releases the commitment; a cancelled order needs a reason.
    let cancel = format!("/api/v1/purchase-orders/{stopped_id}/cancellation");
    let missing =
        problem(app.post(&cancel, &s.ops, &json!({"reason": " "})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&missing), vec!["/reason"]);
    let cancelled = ok(app.post(&cancel, &s.ops, &json!({"reason": "Vendor withdrew"})).await).await;
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["open_commitment"].as_str()),
        (Some("cancelled"), Some("0.00"))
    );
    let variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!(variance["committed"], share);

    // Billing the service moves the commitment to actual.
    let sent = ok(app.get(&format!("/api/v1/purchase-orders/{sent_id}"), &s.finance).await).await;
    let bill = created(app
        .post("/api/v1/invoices", &s.finance, &json!({"kind": "payable", "vendor_id": s.vendor, "lines": [
            {"description": "Consulting", "quantity": "1", "unit_price": share, "purchase_order_line_id": sent["lines"][0]["id"]}]}))
        .await)
    .await;
    let draft_variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!(draft_variance["committed"], share, "a draft bill citing the order adds no second commitment");
    ok(app.post(&format!("/api/v1/invoices/{}/issue", bill["id"]), &s.finance, &json!({})).await).await;
    let variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!(
        (variance["committed"].as_str(), variance["actual"].as_str()),
        (Some("0.00"), Some(share.as_str())),
        "{variance}"
    );

    // Voiding the bill commits the order again.
    ok(app
        .post(
            &format!("/api/v1/invoices/{}/void", bill["id"]),
            &s.finance,
            &json!({"reason": "Wrong vendor reference"}),
        )
        .await)
    .await;
    let variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!((variance["committed"].as_str(), variance["actual"].as_str()), (Some(share.as_str()), Some("0.00")));
    let closed = ok(app.post(&format!("/api/v1/purchase-orders/{sent_id}/closing"), &s.ops, &json!({})).await).await;
    assert_eq!(closed["open_commitment"], "0.00");
    let variance = ok(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &s.finance).await).await;
    assert_eq!(variance["committed"], "0.00", "closing releases what is left");
}
both_backends!(procurement_commitments, commitments);

async fn numbering_and_links(app: TestApp) {
    let s = setup(&app).await;
    let year = this_year();
    let order = json!({"vendor_id": s.vendor, "department_id": s.department,
        "lines": [{"item_id": s.cable, "quantity": "2", "unit_price": "3"}]});
    let mut paths = Vec::new();
    for _ in 0..6 {
        let draft = created(app.post("/api/v1/purchase-orders", &s.ops, &order).await).await;
        paths.push(format!("/api/v1/purchase-orders/{}/sending", draft["id"]));
    }
    let empty = json!({});
    let sends = paths.iter().map(|p| app.post(p, &s.ops, &empty));
    let mut numbers = Vec::new();
    for response in futures_util::future::join_all(sends).await {
        numbers.push(ok(response).await["number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("PO-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "gapless and unique under parallel sending");

    // A bill written without citing the order is linked after the fact, and matched then.
    let first_path = paths[0].trim_end_matches("/sending").to_string();
    let po = ok(app.get(&first_path, &s.ops).await).await;
    let line = po["lines"][0]["id"].as_i64().unwrap();
    let bill = created(
        app.post(
            "/api/v1/invoices",
            &s.finance,
            &json!({"kind": "payable", "vendor_id": s.vendor,
            "lines": [{"description": "Cables", "quantity": "2", "unit_price": "3"}]}),
        )
        .await,
    )
    .await;
    ok(app.post(&format!("/api/v1/invoices/{}/issue", bill["id"]), &s.finance, &json!({})).await).await;
    let link = json!({"invoice_line_id": bill["lines"][0]["id"], "order_line_id": line});
    let refused =
        problem(app.post(&format!("{first_path}/bill-links"), &s.finance, &link).await, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().contains("received"), "nothing received yet: {refused}");
    created(
        app.post(
            &format!("{first_path}/receipts"),
            &s.ops,
            &json!({"location_id": s.shelf, "lines": [{"order_line_id": line, "quantity": "2"}]}),
        )
        .await,
    )
    .await;
    let linked = ok(app.post(&format!("{first_path}/bill-links"), &s.finance, &link).await).await;
    assert_eq!(linked["lines"][0]["billed_quantity"], "2.000");
    let bill = ok(app.get(&format!("/api/v1/invoices/{}", bill["id"]), &s.finance).await).await;
    assert_eq!(bill["lines"][0]["purchase_order_line_id"], line);
    problem(app.post(&format!("{first_path}/bill-links"), &s.finance, &link).await, StatusCode::CONFLICT).await;
    // Another vendor's bill cannot cite the order.
    let other =
        created(app.post("/api/v1/vendors", &s.finance, &json!({"name": "Other", "currency": "EUR"})).await).await;
    let wrong = app
        .post(
            "/api/v1/invoices",
            &s.finance,
            &json!({"kind": "payable", "vendor_id": other["id"],
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1", "purchase_order_line_id": line}]}),
        )
        .await;
    assert_eq!(
        pointers(&problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["/lines/0/purchase_order_line_id"]
    );
    let listed = ok(app.get("/api/v1/purchase-orders?status=sent", &s.finance).await).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 5);
    let csv = app.get("/api/v1/purchase-orders?format=csv", &s.finance).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().lines().count() == 7, "a header and six orders");
}
both_backends!(procurement_numbering_and_links, numbering_and_links);

async fn orders_from_requests(app: TestApp) {
    let s = setup(&app).await;
    let request = created(app
        .post("/api/v1/purchase-requests", &s.ops, &json!({"department_id": s.department, "submit": true,
            "lines": [{"item_id": s.cable, "quantity": "20"}, {"description": "Crimping tool", "quantity": "1", "estimated_price": "35"}]}))
        .await)
    .await;
    let request_path = format!("/api/v1/purchase-requests/{}", request["id"]);
    ok(app.post(&format!("{request_path}/approval"), &s.admin, &json!({})).await).await;

    // The order takes the approved request's lines at their estimates (none for the cable).
    let order = created(
        app.post(
            "/api/v1/purchase-orders",
            &s.finance,
            &json!({"vendor_id": s.vendor, "request_ids": [request["id"]]}),
        )
        .await,
    )
    .await;
    assert_eq!(order["request_ids"], json!([request["id"]]));
    assert_eq!(
        (order["lines"][0]["department_id"].as_i64(), order["total"].as_str()),
        (Some(s.department), Some("35.00"))
    );
    assert_eq!(ok(app.get(&request_path, &s.ops).await).await["status"], "ordered");
    problem(
        app.post(
            "/api/v1/purchase-orders",
            &s.finance,
            &json!({"vendor_id": s.vendor, "request_ids": [request["id"]]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Pricing the cable keeps the request when its lines cite their request lines.
    let path = format!("/api/v1/purchase-orders/{}", order["id"]);
    let priced = |cable_request_line: Value| {
        json!({"lines": [
        {"item_id": s.cable, "quantity": "20", "unit_price": "4.40", "request_line_id": cable_request_line},
        {"description": "Crimping tool", "quantity": "1", "unit_price": "35", "request_line_id": order["lines"][1]["request_line_id"]}]})
    };
    let bad =
        problem(app.patch(&path, &s.finance, &priced(json!(999_999)), None).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert!(pointers(&bad).contains(&"/lines/0/request_line_id".to_string()), "{bad}");
    let kept =
        ok(app.patch(&path, &s.finance, &priced(order["lines"][0]["request_line_id"].clone()), None).await).await;
    assert_eq!((kept["total"].as_str(), kept["request_ids"].as_array().map(Vec::len)), (Some("123.00"), Some(1)));
    assert_eq!(ok(app.get(&request_path, &s.ops).await).await["status"], "ordered");

    // Lines that cite none of its lines give the request back, approved, for another order.
    let dropped = ok(app
        .patch(
            &path,
            &s.finance,
            &json!({"department_id": s.department, "lines": [{"description": "Other", "quantity": "1", "unit_price": "1"}]}),
            None,
        )
        .await)
    .await;
    assert_eq!(dropped["request_ids"], json!([]));
    assert_eq!(ok(app.get(&request_path, &s.ops).await).await["status"], "approved");
}
both_backends!(procurement_orders_from_requests, orders_from_requests);
