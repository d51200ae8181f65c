//! Finance: customers and vendors (CRM sync), invoices through every state, rounding, gapless
//! numbering under concurrency, payments that never overpay, credit notes, billing desk time
//! once, aging, profitability, and who may call what.

use crate::common::{self, days_ago, etag, pointers, problem, today, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn customer(app: &TestApp, token: &str, name: &str, currency: &str) -> i64 {
    let created = app
        .post("/api/v1/customers", token, &json!({"name": name, "currency": currency, "payment_terms_days": 14}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn draft(app: &TestApp, token: &str, body: Value) -> Value {
    let created = app.post("/api/v1/invoices", token, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED, "draft");
    created.json().await.unwrap()
}

async fn issue(app: &TestApp, token: &str, id: &Value) -> reqwest::Response {
    app.post(&format!("/api/v1/invoices/{id}/issue"), token, &json!({})).await
}

async fn pay(app: &TestApp, token: &str, id: &Value, amount: &str, on: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/invoices/{id}/payments"),
        token,
        &json!({"amount": amount, "paid_on": on, "method": "bank_transfer"}),
    )
    .await
}

async fn parties_and_crm_sync(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    let body = json!({"name": "Northwind", "email": "AP@Northwind.example", "currency": "EUR", "hourly_billing_rate": "120.00"});
    problem(app.post("/api/v1/customers", &agent, &body).await, StatusCode::FORBIDDEN).await;
    problem(app.post("/api/v1/customers", &auditor, &body).await, StatusCode::FORBIDDEN).await;
    problem(app.get("/api/v1/customers", &agent).await, StatusCode::FORBIDDEN).await;
    let created: Value = app.post("/api/v1/customers", &finance, &body).await.json().await.unwrap();
    assert_eq!(created["email"], "ap@northwind.example");
    assert_eq!(created["hourly_billing_rate"], json!({"amount": "120.00", "currency": "EUR"}));
    assert_eq!(created["payment_terms_days"], 30);
    let vendor = app
        .post(
            "/api/v1/vendors",
            &finance,
            &json!({"name": "Acme Supplies", "currency": "EUR", "hourly_billing_rate": "1"}),
        )
        .await;
    assert_eq!(pointers(&problem(vendor, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/hourly_billing_rate"]);

    // The CRM's upsert: created once, then unchanged, then updated — by its own reference.
    let path = "/api/v1/customers/by-external-ref/crm-42";
    let record = json!({"name": "Contoso", "currency": "USD", "payment_terms_days": 45});
    let first = app.request(Method::PUT, path, Some(&finance)).json(&record).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["external_ref"], "crm-42");
    let again = app.request(Method::PUT, path, Some(&finance)).json(&record).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["version"], 1, "the same record twice changes nothing");
    let renamed = json!({"name": "Contoso Ltd", "currency": "USD", "payment_terms_days": 45});
    let updated: Value =
        app.request(Method::PUT, path, Some(&finance)).json(&renamed).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (updated["name"].as_str(), updated["version"].as_i64(), updated["id"].clone()),
        (Some("Contoso Ltd"), Some(2), first["id"].clone())
    );
    // updated_since lists changes back, in the order they happened.
    let since = created["updated_at"].as_str().unwrap().replace('+', "%2B");
    let changed: Value =
        app.get(&format!("/api/v1/customers?updated_since={since}"), &auditor).await.json().await.unwrap();
    let names: Vec<&str> = changed["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Northwind", "Contoso Ltd"]);
    let taken = app
        .post("/api/v1/customers", &finance, &json!({"name": "Dup", "currency": "EUR", "external_ref": "crm-42"}))
        .await;
    problem(taken, StatusCode::CONFLICT).await;
    let archived =
        app.patch(&format!("/api/v1/customers/{}", created["id"]), &finance, &json!({"active": false}), None).await;
    assert_eq!(archived.json::<Value>().await.unwrap()["active"], false);
}
both_backends!(customers_and_vendors, parties_and_crm_sync);

async fn the_invoice_lifecycle(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let northwind = customer(&app, &finance, "Northwind", "EUR").await;
    let invoice = draft(
        &app,
        &finance,
        json!({"kind": "receivable", "customer_id": northwind, "issue_date": days_ago(20), "lines": [
            {"description": "Consulting", "quantity": "2.5", "unit_price": "19.99", "discount_percent": "10", "tax_rate_percent": "19"},
            {"description": "Rounding", "quantity": "1", "unit_price": "0.005", "tax_rate_percent": "19"},
            {"description": "Book", "quantity": "3", "unit_price": "0.3333", "tax_rate_percent": "7"}
        ]}),
    )
    .await;
    assert_eq!(invoice["status"], "draft");
    assert!(invoice["number"].is_null());
    let nets: Vec<&str> = invoice["lines"].as_array().unwrap().iter().map(|l| l["net"].as_str().unwrap()).collect();
    assert_eq!(nets, vec!["44.98", "0.01", "1.00"]);
    // 19 %: on 44.99 = 8.5481 → 8.55; 7 %: on 1.00 = 0.07.
    assert_eq!(
        invoice["taxes"],
        json!([{"rate_percent": "7.00", "base": "1.00", "tax": "0.07"}, {"rate_percent": "19.00", "base": "44.99", "tax": "8.55"}])
    );
    assert_eq!(
        (invoice["subtotal"].as_str(), invoice["tax_total"].as_str(), invoice["total"].as_str()),
        (Some("45.99"), Some("8.62"), Some("54.61"))
    );
    let id = invoice["id"].clone();
    let path = format!("/api/v1/invoices/{id}");

    // A draft changes; server-owned fields cannot be set.
    let bad = app.patch(&path, &finance, &json!({"total": "1.00"}), None).await;
    problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let tag = etag(&app.get(&path, &finance).await);
    let changed: Value = app
        .patch(&path, &finance, &json!({"notes": "Thanks", "due_date": days_ago(10)}), Some(&tag))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["notes"], "Thanks");
    problem(pay(&app, &finance, &id, "1.00", &today()).await, StatusCode::CONFLICT).await;

    // Issue: numbered, immutable, overdue (due 10 days ago).
    let stale = app
        .request(Method::POST, &format!("{path}/issue"), Some(&finance))
        .header("If-Match", &tag)
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let issued: Value = issue(&app, &finance, &id).await.json().await.unwrap();
    let year = &days_ago(20)[..4];
    assert_eq!(issued["number"], format!("INV-{year}-000001"));
    assert_eq!(issued["status"], "issued");
    assert_eq!(issued["overdue"], true);
    problem(app.patch(&path, &finance, &json!({"notes": "x"}), None).await, StatusCode::CONFLICT).await;
    problem(issue(&app, &finance, &id).await, StatusCode::CONFLICT).await;
    let overdue: Value = app.get("/api/v1/invoices?overdue=true", &finance).await.json().await.unwrap();
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    let not_overdue: Value = app.get("/api/v1/invoices?overdue=false", &finance).await.json().await.unwrap();
    assert_eq!(not_overdue["items"].as_array().unwrap().len(), 0);

    // Payments: partial, over the balance (422), the rest; removing one restores.
    assert_eq!(pay(&app, &finance, &id, "20.00", &days_ago(5)).await.status(), StatusCode::CREATED);
    let partly: Value = app.get(&path, &finance).await.json().await.unwrap();
    assert_eq!((partly["status"].as_str(), partly["balance"].as_str()), (Some("partially_paid"), Some("34.61")));
    let over = pay(&app, &finance, &id, "34.62", &today()).await;
    assert_eq!(pointers(&problem(over, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/amount"]);
    problem(pay(&app, &finance, &id, "1.001", &today()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let rest = pay(&app, &finance, &id, "34.61", &days_ago(1)).await;
    assert_eq!(rest.status(), StatusCode::CREATED);
    let rest: Value = rest.json().await.unwrap();
    let paid: Value = app.get(&path, &finance).await.json().await.unwrap();
    assert_eq!(
        (paid["status"].as_str(), paid["balance"].as_str(), paid["overdue"].as_bool()),
        (Some("paid"), Some("0.00"), Some(false))
    );
    assert_eq!(paid["paid_on"], days_ago(1));
    problem(app.post(&format!("{path}/void"), &finance, &json!({"reason": "oops"})).await, StatusCode::CONFLICT).await;
    let removed = app.delete(&format!("{path}/payments/{}", rest["id"]), &finance).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let back: Value = app.get(&path, &finance).await.json().await.unwrap();
    assert_eq!((back["status"].as_str(), back["balance"].as_str()), (Some("partially_paid"), Some("34.61")));
    assert!(back["paid_on"].is_null());

    // Void: only issued with nothing paid; the number stays and is never reused.
    let second = draft(&app, &finance, json!({"kind": "receivable", "customer_id": northwind, "lines": [{"description": "X", "quantity": "1", "unit_price": "10"}]})).await;
    let second_id = second["id"].clone();
    let second: Value = issue(&app, &finance, &second_id).await.json().await.unwrap();
    let number = second["number"].as_str().unwrap().to_string();
    let voided: Value = app
        .post(&format!("/api/v1/invoices/{second_id}/void"), &finance, &json!({"reason": "Sent twice"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((voided["status"].as_str(), voided["number"].as_str()), (Some("void"), Some(number.as_str())));
    problem(pay(&app, &finance, &second_id, "1.00", &today()).await, StatusCode::CONFLICT).await;
    let third = draft(&app, &finance, json!({"kind": "receivable", "customer_id": northwind, "lines": [{"description": "Y", "quantity": "1", "unit_price": "10"}]})).await;
    let third: Value = issue(&app, &finance, &third["id"]).await.json().await.unwrap();
    assert_ne!(third["number"], number);
    assert!(third["number"].as_str().unwrap().ends_with("000003"), "{}", third["number"]);

    // A draft is deleted; an issued invoice is not.
    let scrap = draft(&app, &finance, json!({"kind": "receivable", "customer_id": northwind, "lines": []})).await;
    problem(issue(&app, &finance, &scrap["id"]).await, StatusCode::CONFLICT).await;
    assert_eq!(
        app.delete(&format!("/api/v1/invoices/{}", scrap["id"]), &finance).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(app.delete(&format!("/api/v1/invoices/{}", third["id"]), &finance).await, StatusCode::CONFLICT).await;

    // Who may: an agent nothing, an auditor reads.
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    problem(app.get(&path, &agent).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.get(&path, &auditor).await.status(), StatusCode::OK);
    problem(pay(&app, &auditor, &id, "1.00", &today()).await, StatusCode::FORBIDDEN).await;
    let actions = app.audit_actions(&admin, &format!("entity_type=invoice&entity_id={id}")).await;
    assert_eq!(
        actions,
        vec![
            "invoice.payment_removed",
            "invoice.payment_recorded",
            "invoice.payment_recorded",
            "invoice.issued",
            "invoice.updated",
            "invoice.created"
        ]
    );
}
both_backends!(invoice_lifecycle, the_invoice_lifecycle);

async fn credit_notes_and_currencies(app: TestApp) {
    let admin = app.admin_token().await;
    // Revenue in yen is booked in the base currency (EUR) at the rate of its day.
    let rate = json!({"currency": "JPY", "rate_date": "2020-01-01", "rate": "0.0061"});
    assert_eq!(app.post("/api/v1/exchange-rates", &admin, &rate).await.status(), StatusCode::CREATED);
    let yen = customer(&app, &admin, "Tokyo KK", "JPY").await;
    let invoice = draft(
        &app,
        &admin,
        json!({"kind": "receivable", "customer_id": yen, "lines": [
        {"description": "Parts", "quantity": "3", "unit_price": "333.5", "tax_rate_percent": "10"}]}),
    )
    .await;
    assert_eq!((invoice["lines"][0]["net"].as_str(), invoice["total"].as_str()), (Some("1001"), Some("1101")));
    let id = invoice["id"].clone();
    issue(&app, &admin, &id).await;
    // Three decimals: 1 × 1.0005 BHD = 1.001 (half-up).
    let dinar = draft(
        &app,
        &admin,
        json!({"kind": "receivable", "customer_id": yen, "currency": "BHD",
        "lines": [{"description": "x", "quantity": "1", "unit_price": "1.0005"}]}),
    )
    .await;
    assert_eq!((dinar["currency"].as_str(), dinar["lines"][0]["net"].as_str()), (Some("BHD"), Some("1.001")));
    // A credit note reduces the balance, never below zero; voiding it gives the amount back.
    let credit = draft(
        &app,
        &admin,
        json!({"kind": "credit_note", "credited_invoice_id": id, "lines": [
        {"description": "Damaged part", "quantity": "1", "unit_price": "333", "tax_rate_percent": "10"}]}),
    )
    .await;
    assert_eq!(credit["customer_id"], yen);
    let credit: Value = issue(&app, &admin, &credit["id"]).await.json().await.unwrap();
    assert!(credit["number"].as_str().unwrap().starts_with("CN-"));
    let reduced: Value = app.get(&format!("/api/v1/invoices/{id}"), &admin).await.json().await.unwrap();
    assert_eq!((reduced["credited_total"].as_str(), reduced["balance"].as_str()), (Some("366"), Some("735")));
    problem(
        app.post(&format!("/api/v1/invoices/{id}/void"), &admin, &json!({"reason": "x"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let too_much = draft(
        &app,
        &admin,
        json!({"kind": "credit_note", "credited_invoice_id": id, "lines": [
        {"description": "Everything", "quantity": "1", "unit_price": "736"}]}),
    )
    .await;
    problem(issue(&app, &admin, &too_much["id"]).await, StatusCode::CONFLICT).await;
    let still: Value = app.get(&format!("/api/v1/invoices/{}", too_much["id"]), &admin).await.json().await.unwrap();
    assert_eq!(still["status"], "draft", "a refused issue leaves the draft and uses no number");
    problem(pay(&app, &admin, &credit["id"], "1", &today()).await, StatusCode::CONFLICT).await;
    assert_eq!(
        (credit["balance"].as_str(), credit["overdue"].as_bool()),
        (Some("0"), Some(false)),
        "a credit note owes nothing"
    );
    app.post(&format!("/api/v1/invoices/{}/void", credit["id"]), &admin, &json!({"reason": "Wrong part"})).await;
    let restored: Value = app.get(&format!("/api/v1/invoices/{id}"), &admin).await.json().await.unwrap();
    assert_eq!(restored["balance"], "1101");
    let next = draft(&app, &admin, json!({"kind": "credit_note", "credited_invoice_id": id, "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": "1"}]})).await;
    let next: Value = issue(&app, &admin, &next["id"]).await.json().await.unwrap();
    assert!(next["number"].as_str().unwrap().ends_with("-000002"), "the refused credit note used no number");
}
both_backends!(credit_notes, credit_notes_and_currencies);

async fn gapless_and_never_overpaid(app: TestApp) {
    let admin = app.admin_token().await;
    let northwind = customer(&app, &admin, "Northwind", "EUR").await;
    let mut drafts = Vec::new();
    for _ in 0..12 {
        let d = draft(&app, &admin, json!({"kind": "receivable", "customer_id": northwind, "lines": [{"description": "A", "quantity": "1", "unit_price": "100"}]})).await;
        drafts.push(d["id"].clone());
    }
    let node = if app.backend == common::Backend::Postgres { Some(app.another_node().await) } else { None };
    let issuing = drafts.iter().enumerate().map(|(i, id)| {
        let target = match (&node, i % 2) {
            (Some(node), 1) => node,
            _ => &app,
        };
        let token = admin.clone();
        async move { issue(target, &token, id).await }
    });
    let mut numbers: Vec<String> = Vec::new();
    for response in futures_util::future::join_all(issuing).await {
        assert_eq!(response.status(), StatusCode::OK);
        numbers.push(response.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    let expected: Vec<String> = (1..=12).map(|n| format!("INV-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "unique and gapless under parallel issuing");

    // Ten parallel payments of 30 on a 100 invoice: three go through, the rest are refused.
    let id = drafts[0].clone();
    let paying = (0..10).map(|i| {
        let target = match (&node, i % 2) {
            (Some(node), 1) => node,
            _ => &app,
        };
        let token = admin.clone();
        let id = id.clone();
        async move { pay(target, &token, &id, "30.00", &today()).await.status() }
    });
    let statuses = futures_util::future::join_all(paying).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 3, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::UNPROCESSABLE_ENTITY));
    let after: Value = app.get(&format!("/api/v1/invoices/{id}"), &admin).await.json().await.unwrap();
    assert_eq!((after["paid_total"].as_str(), after["balance"].as_str()), (Some("90.00"), Some("10.00")));
}
both_backends!(invoice_concurrency, gapless_and_never_overpaid);

/// Payments and credit notes on one invoice at once, on two nodes: every one goes through. A
/// credit note once took the journal's counter before the invoice's row while a payment took them
/// the other way round, and PostgreSQL broke the deadlock by refusing one of them (503).
async fn payments_and_credit_notes_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    let customer = customer(&app, &admin, "Fabrikam", "EUR").await;
    let invoice = draft(&app, &admin, json!({"kind": "receivable", "customer_id": customer, "lines": [{"description": "A", "quantity": "1", "unit_price": "1000"}]})).await;
    let id = invoice["id"].clone();
    assert_eq!(issue(&app, &admin, &id).await.status(), StatusCode::OK);
    let node = if app.backend == common::Backend::Postgres { Some(app.another_node().await) } else { None };
    let rounds = 4;
    for _ in 0..rounds {
        let mut credit_notes = Vec::new();
        for _ in 0..6 {
            let note = draft(&app, &admin, json!({"kind": "credit_note", "credited_invoice_id": id, "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": "10"}]})).await;
            credit_notes.push(note["id"].clone());
        }
        let crediting = credit_notes.iter().enumerate().map(|(i, note)| {
            let target = node.as_ref().filter(|_| i % 2 == 1).unwrap_or(&app);
            let token = admin.clone();
            async move { issue(target, &token, note).await.status() }
        });
        let paying = (0..6).map(|i| {
            let target = node.as_ref().filter(|_| i % 2 == 0).unwrap_or(&app);
            let (token, id) = (admin.clone(), id.clone());
            async move { pay(target, &token, &id, "10", &today()).await.status() }
        });
        let (credited, paid) = futures_util::future::join(
            futures_util::future::join_all(crediting),
            futures_util::future::join_all(paying),
        )
        .await;
        assert!(credited.iter().all(|s| *s == StatusCode::OK), "credit notes: {credited:?}");
        assert!(paid.iter().all(|s| *s == StatusCode::CREATED), "payments: {paid:?}");
    }
    let after: Value = app.get(&format!("/api/v1/invoices/{id}"), &admin).await.json().await.unwrap();
    let each = rounds * 6 * 10;
    assert_eq!(
        (after["paid_total"].as_str(), after["credited_total"].as_str()),
        (Some(format!("{each}.00").as_str()), Some(format!("{each}.00").as_str()))
    );
}
both_backends!(payments_and_credit_notes_race, payments_and_credit_notes_at_once);

/// A desk, an agent with a cost rate, a customer (billing rate 120.00) with a ticket and billable
/// time on it: (admin token, customer id, desk id, ticket id, agent token).
async fn billable_work(app: &TestApp) -> (String, i64, i64, i64, String) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "SVC", "Service").await;
    let (ada, agent) = app.employee_user(&admin, department, "ada", &["agent"], "40.00").await;
    let desk = app.desk(&admin, "SVC", "Service", department, "90.00").await;
    app.join_desk(&admin, desk, ada).await;
    let customer: Value = app
        .post("/api/v1/customers", &admin, &json!({"name": "Northwind", "email": "ap@northwind.example", "currency": "EUR", "hourly_billing_rate": "120.00"}))
        .await
        .json()
        .await
        .unwrap();
    let ticket = app
        .post(
            "/api/v1/tickets",
            &agent,
            &json!({"desk_id": desk, "subject": "Router", "requester_customer_id": customer["id"]}),
        )
        .await;
    assert_eq!(ticket.status(), StatusCode::CREATED);
    let ticket: Value = ticket.json().await.unwrap();
    assert_eq!(ticket["requester"]["customer_id"], customer["id"]);
    assert_eq!(ticket["requester"]["name"], "Northwind");
    let entries = format!("/api/v1/tickets/{}/time-entries", ticket["id"]);
    for (minutes, billable) in [(90, true), (30, true), (45, false)] {
        let logged = app
            .post(&entries, &agent, &json!({"work_date": days_ago(1), "minutes": minutes, "billable": billable}))
            .await;
        assert_eq!(logged.status(), StatusCode::CREATED);
    }
    (admin, customer["id"].as_i64().unwrap(), desk, ticket["id"].as_i64().unwrap(), agent)
}

async fn billing_time_once(app: TestApp) {
    let (admin, customer, desk, ticket, agent) = billable_work(&app).await;
    let request = json!({"customer_id": customer, "desk_id": desk, "from": days_ago(30), "to": today(), "tax_rate_percent": "20"});
    let (a, b) = tokio::join!(
        app.post("/api/v1/invoices/from-time-entries", &admin, &request),
        app.post("/api/v1/invoices/from-time-entries", &admin, &request)
    );
    let mut statuses = vec![a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::CREATED, StatusCode::CONFLICT], "each entry is billed once");
    let invoice: Value =
        if a.status() == StatusCode::CREATED { a.json().await.unwrap() } else { b.json().await.unwrap() };
    assert_eq!(invoice["lines"].as_array().unwrap().len(), 1, "one line per ticket");
    let line = &invoice["lines"][0];
    // Billed by the minute at the hourly rate: 120 min × 120.00 ÷ 60.
    assert_eq!(
        (line["quantity"].as_str(), line["unit"].as_str(), line["unit_price"].as_str(), line["price_per"].as_i64()),
        (Some("120.000"), Some("min"), Some("120.0000"), Some(60))
    );
    assert_eq!(line["net"], "240.00");
    assert_eq!(line["ticket_id"], ticket);
    assert_eq!(line["time_entry_ids"].as_array().unwrap().len(), 2);
    assert_eq!(invoice["total"], "288.00");
    let entries: Value = app.get("/api/v1/time-entries?invoiced=true", &admin).await.json().await.unwrap();
    assert_eq!(entries["items"].as_array().unwrap().len(), 2);
    let billed_entry = entries["items"][0]["id"].clone();
    problem(
        app.patch(&format!("/api/v1/time-entries/{billed_entry}"), &agent, &json!({"minutes": 10}), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    problem(app.post("/api/v1/invoices/from-time-entries", &admin, &request).await, StatusCode::CONFLICT).await;

    // Voiding releases the entries; billing again finds them.
    let id = invoice["id"].clone();
    issue(&app, &admin, &id).await;
    let voided = app.post(&format!("/api/v1/invoices/{id}/void"), &admin, &json!({"reason": "Wrong period"})).await;
    assert_eq!(voided.status(), StatusCode::OK);
    let open: Value = app.get("/api/v1/time-entries?invoiced=false&billable=true", &admin).await.json().await.unwrap();
    assert_eq!(open["items"].as_array().unwrap().len(), 2);
    let again = app
        .post(
            "/api/v1/invoices/from-time-entries",
            &admin,
            &json!({"customer_id": customer, "ticket_ids": [ticket], "from": days_ago(30), "to": today()}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    let bad = app.post("/api/v1/invoices/from-time-entries", &admin, &json!({"customer_id": customer, "desk_id": desk, "ticket_ids": [ticket], "from": today(), "to": days_ago(1)})).await;
    let mut found = pointers(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(found, vec!["/desk_id", "/to"]);
}
both_backends!(billing_from_time_entries, billing_time_once);

async fn aging_and_profitability(app: TestApp) {
    let (admin, customer, desk, _, _) = billable_work(&app).await;
    // Three receivables: due 100 days ago (open), due 40 days ago (half paid), not yet due.
    let mut ids = Vec::new();
    for (issued, due, amount) in [(130, 100, "100.00"), (70, 40, "50.00"), (5, -25, "10.00")] {
        let due = days_ago(due);
        let d = draft(
            &app,
            &admin,
            json!({"kind": "receivable", "customer_id": customer, "issue_date": days_ago(issued), "due_date": due,
            "lines": [{"description": "Service", "quantity": "1", "unit_price": amount}]}),
        )
        .await;
        issue(&app, &admin, &d["id"]).await;
        ids.push(d["id"].clone());
    }
    pay(&app, &admin, &ids[1], "25.00", &days_ago(10)).await;
    let report: Value = app.get("/api/v1/reports/receivables-aging", &admin).await.json().await.unwrap();
    let row = &report["parties"][0];
    assert_eq!(row["name"], "Northwind");
    assert_eq!(
        (row["current"].as_str(), row["days_31_60"].as_str(), row["over_90"].as_str(), row["total"].as_str()),
        (Some("10.00"), Some("25.00"), Some("100.00"), Some("135.00"))
    );
    assert_eq!(row["invoices"], 3);
    assert_eq!(report["totals"][0]["total"], "135.00");
    // As of 20 days ago: the payment had not come, the newest invoice did not exist.
    let before: Value = app
        .get(&format!("/api/v1/reports/receivables-aging?as_of={}", days_ago(20)), &admin)
        .await
        .json()
        .await
        .unwrap();
    let row = &before["parties"][0];
    assert_eq!(
        (row["days_1_30"].as_str(), row["days_61_90"].as_str(), row["total"].as_str()),
        (Some("50.00"), Some("100.00"), Some("150.00"))
    );
    let payables: Value = app.get("/api/v1/reports/payables-aging", &admin).await.json().await.unwrap();
    assert_eq!(payables["parties"], json!([]));
    // A vendor's bill of 200.00 and their credit note of 50.00 (VCN series): 150.00 owed to them,
    // and nothing of it in any customer's figures.
    let vendor: Value = app
        .post("/api/v1/vendors", &admin, &json!({"name": "Parts Ltd", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let bill = draft(
        &app,
        &admin,
        json!({"kind": "payable", "vendor_id": vendor["id"], "issue_date": days_ago(10),
        "lines": [{"description": "Parts", "quantity": "1", "unit_price": "200"}]}),
    )
    .await;
    let on_draft = app
        .post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "credit_note", "credited_invoice_id": bill["id"],
            "lines": [{"description": "Returned", "quantity": "1", "unit_price": "50"}]}),
        )
        .await;
    assert_eq!(
        problem(on_draft, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["pointer"],
        "/credited_invoice_id"
    );
    issue(&app, &admin, &bill["id"]).await;
    let vendor_credit = draft(
        &app,
        &admin,
        json!({"kind": "credit_note", "credited_invoice_id": bill["id"],
        "issue_date": days_ago(2), "lines": [{"description": "Returned", "quantity": "1", "unit_price": "50"}]}),
    )
    .await;
    let vendor_credit: Value = issue(&app, &admin, &vendor_credit["id"]).await.json().await.unwrap();
    assert!(vendor_credit["number"].as_str().unwrap().starts_with("VCN-"), "{vendor_credit}");
    assert_eq!(vendor_credit["vendor_id"], vendor["id"]);
    let payables: Value = app.get("/api/v1/reports/payables-aging", &admin).await.json().await.unwrap();
    assert_eq!(
        (payables["parties"][0]["name"].as_str(), payables["parties"][0]["current"].as_str()),
        (Some("Parts Ltd"), Some("150.00"))
    );
    // Only vendors' documents are charged to a department's budget.
    let department = app.department(&admin, "FIN", "Finance").await;
    let charged = app
        .post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "credit_note", "credited_invoice_id": ids[0],
            "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": "5", "department_id": department,
            "budget_category": "other"}]}),
        )
        .await;
    assert_eq!(
        problem(charged, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["pointer"],
        "/lines/0/department_id"
    );

    // Profitability: 160.00 revenue, 1 h 45 min at 40.00 = 70.00 labour, one invoice paid.
    pay(&app, &admin, &ids[2], "10.00", &today()).await;
    let profit: Value = app.get("/api/v1/reports/customer-profitability", &admin).await.json().await.unwrap();
    assert_eq!(profit["customers"].as_array().map(Vec::len), Some(1), "{profit}");
    let c = &profit["customers"][0];
    assert_eq!(
        c["currencies"],
        json!([{"currency": "EUR", "revenue": "160.00", "labour_cost": "110.00", "parts_cost": "0.00", "margin": "50.00", "margin_percent": "31.3"}])
    );
    assert_eq!(c["time_worked_minutes"], 165);
    assert_eq!((c["invoices_paid"].as_i64(), c["average_days_to_pay"].as_str()), (Some(1), Some("5.0")));
    let agent = app.user_token(&admin, "other-agent@example.com", &["agent"]).await;
    problem(app.get("/api/v1/reports/customer-profitability", &agent).await, StatusCode::FORBIDDEN).await;
    let _ = desk;
}
both_backends!(finance_reports, aging_and_profitability);

/// Today's aging from the invoices themselves: each open one's balance in the bucket of its days
/// past due, in minor units (current, 1–30, 31–60, 61–90, over 90).
async fn aging_of(app: &TestApp, token: &str, ids: &[Value]) -> [i64; 5] {
    let today = chrono::Utc::now().date_naive();
    let mut buckets = [0; 5];
    for id in ids {
        let invoice: Value = app.get(&format!("/api/v1/invoices/{id}"), token).await.json().await.unwrap();
        if !matches!(invoice["status"].as_str(), Some("issued" | "partially_paid")) {
            continue;
        }
        let due: chrono::NaiveDate = invoice["due_date"].as_str().unwrap().parse().unwrap();
        let late = (today - due).num_days();
        let bucket = [0, 30, 60, 90].iter().filter(|limit| late > **limit).count();
        buckets[bucket] += cents(&invoice["balance"]);
    }
    buckets
}

fn cents(amount: &Value) -> i64 {
    let amount = amount.as_str().unwrap_or("0");
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, "00"));
    whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

async fn reported_aging(app: &TestApp, token: &str) -> [i64; 5] {
    let report: Value = app.get("/api/v1/reports/receivables-aging", token).await.json().await.unwrap();
    let Some(row) = report["parties"].as_array().and_then(|parties| parties.first()) else { return [0; 5] };
    ["current", "days_1_30", "days_31_60", "days_61_90", "over_90"].map(|bucket| cents(&row[bucket]))
}

/// Today's aging is read from balances kept on every issue, payment, payment removed, credit note
/// and void; after each of them it equals what the invoices say.
async fn todays_aging_follows_every_change(app: TestApp) {
    let admin = app.admin_token().await;
    let customer = customer(&app, &admin, "Contoso", "EUR").await;
    let mut ids = Vec::new();
    for (issued, due) in [(130, 120), (100, 70), (60, 45), (30, 10), (3, -20)] {
        let d = draft(
            &app,
            &admin,
            json!({"kind": "receivable", "customer_id": customer, "issue_date": days_ago(issued),
            "due_date": days_ago(due), "lines": [{"description": "Work", "quantity": "1", "unit_price": "100"}]}),
        )
        .await;
        assert_eq!(issue(&app, &admin, &d["id"]).await.status(), StatusCode::OK);
        ids.push(d["id"].clone());
    }
    let check = |step: &'static str| {
        let (app, admin, ids) = (&app, admin.clone(), ids.clone());
        async move {
            let expected = aging_of(app, &admin, &ids).await;
            assert_eq!(reported_aging(app, &admin).await, expected, "after {step}");
            expected
        }
    };
    assert_eq!(check("issuing").await, [10000, 10000, 10000, 10000, 10000]);
    let paid: Value = pay(&app, &admin, &ids[0], "40", &days_ago(1)).await.json().await.unwrap();
    pay(&app, &admin, &ids[1], "100", &days_ago(1)).await;
    assert_eq!(check("payments").await, [10000, 10000, 10000, 0, 6000]);
    let note = draft(
        &app,
        &admin,
        json!({"kind": "credit_note", "credited_invoice_id": ids[2],
        "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": "30"}]}),
    )
    .await;
    assert_eq!(issue(&app, &admin, &note["id"]).await.status(), StatusCode::OK);
    assert_eq!(check("a credit note").await, [10000, 10000, 7000, 0, 6000]);
    app.post(&format!("/api/v1/invoices/{}/void", note["id"]), &admin, &json!({"reason": "Sent in error"})).await;
    assert_eq!(check("the credit note voided").await, [10000, 10000, 10000, 0, 6000]);
    let removed = app.delete(&format!("/api/v1/invoices/{}/payments/{}", ids[0], paid["id"]), &admin).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(check("a payment removed").await, [10000, 10000, 10000, 0, 10000]);
    let voided = app.post(&format!("/api/v1/invoices/{}/void", ids[3]), &admin, &json!({"reason": "Duplicate"})).await;
    assert_eq!(voided.status(), StatusCode::OK);
    assert_eq!(check("a void").await, [10000, 0, 10000, 0, 10000]);
    // A credit note dated after today is not owed yet today: the report reads the documents.
    let later = draft(
        &app,
        &admin,
        json!({"kind": "credit_note", "credited_invoice_id": ids[4],
        "issue_date": (chrono::Utc::now().date_naive() + chrono::Duration::days(5)).to_string(),
        "lines": [{"description": "Discount", "quantity": "1", "unit_price": "10"}]}),
    )
    .await;
    assert_eq!(issue(&app, &admin, &later["id"]).await.status(), StatusCode::OK);
    assert_eq!(reported_aging(&app, &admin).await, [10000, 0, 10000, 0, 10000], "a credit note dated later");
}
both_backends!(aging_kept_on_write, todays_aging_follows_every_change);

/// 20 minutes at 100.00 an hour is 33.33: minutes × rate ÷ 60, rounded half-up once, and the line
/// shows a quantity and price whose product is its net (0.333 h × 100.00 billed 33.30).
async fn billing_time_is_exact(app: TestApp) {
    let (admin, customer, desk, ticket, agent) = billable_work(&app).await;
    let rate = app
        .patch(&format!("/api/v1/customers/{customer}"), &admin, &json!({"hourly_billing_rate": "100.00"}), None)
        .await;
    assert_eq!(rate.status(), StatusCode::OK);
    // The 120 billable minutes of billable_work are billed first; then 20 minutes alone.
    let period = json!({"customer_id": customer, "desk_id": desk, "from": days_ago(30), "to": today()});
    assert_eq!(app.post("/api/v1/invoices/from-time-entries", &admin, &period).await.status(), StatusCode::CREATED);
    let logged = app
        .post(
            &format!("/api/v1/tickets/{ticket}/time-entries"),
            &agent,
            &json!({"work_date": today(), "minutes": 20, "billable": true}),
        )
        .await;
    assert_eq!(logged.status(), StatusCode::CREATED);
    let billed = app.post("/api/v1/invoices/from-time-entries", &admin, &period).await;
    assert_eq!(billed.status(), StatusCode::CREATED);
    let invoice: Value = billed.json().await.unwrap();
    let line = &invoice["lines"][0];
    assert_eq!(line["net"], "33.33", "{line}");
    assert_eq!(invoice["total"], "33.33");
    let product = line["quantity"].as_str().unwrap().parse::<f64>().unwrap()
        * line["unit_price"].as_str().unwrap().parse::<f64>().unwrap()
        / line["price_per"].as_f64().unwrap();
    assert_eq!(format!("{product:.2}"), "33.33", "quantity × unit price ÷ price per is the net");

    // The same rule for any line: a price for 60 units.
    let manual = draft(
        &app,
        &admin,
        json!({"kind": "receivable", "customer_id": customer, "lines": [
            {"description": "Support", "quantity": "20", "unit": "min", "unit_price": "100", "price_per": 60},
            {"description": "Support", "quantity": "40", "unit": "min", "unit_price": "100", "price_per": 60}]}),
    )
    .await;
    let nets: Vec<&str> = manual["lines"].as_array().unwrap().iter().map(|l| l["net"].as_str().unwrap()).collect();
    assert_eq!(nets, vec!["33.33", "66.67"]);
    for bad in [json!(0), json!(10001), json!("60")] {
        let response = app
            .post(
                "/api/v1/invoices",
                &admin,
                &json!({"kind": "receivable", "customer_id": customer, "lines": [
                    {"description": "X", "quantity": "1", "unit_price": "1", "price_per": bad}]}),
            )
            .await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointers(&body), vec!["/lines/0/price_per"], "{body}");
    }
}
both_backends!(billing_time_exactly, billing_time_is_exact);
