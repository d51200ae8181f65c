//! The general ledger: the default chart and posting map, manual entries (balanced, numbered
//! gaplessly, approved above the threshold by someone else), reversals, the lock date, the
//! database's own checks, an account's ledger and the statements on a scenario worked out by hand.

use crate::common::{connect, created, problem, TestApp};
use chrono::{Datelike, Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn account_id(app: &TestApp, token: &str, code: &str) -> i64 {
    let page = ok(app.get("/api/v1/accounts?limit=200", token).await).await;
    page["items"].as_array().unwrap().iter().find(|a| a["code"] == code).expect(code)["id"].as_i64().unwrap()
}

fn entry(day: NaiveDate, memo: &str, lines: Value) -> Value {
    json!({"entry_date": day.to_string(), "memo": memo, "lines": lines})
}

async fn the_chart_and_the_journal(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let controller = app.user_token(&admin, "ctl@example.com", &["finance"]).await;
    let auditor = app.user_token(&admin, "aud@example.com", &["auditor"]).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let department = app.department(&admin, "FLD", "Field service").await;

    // The default chart and its map: every event of the books has an account.
    let accounts = ok(app.get("/api/v1/accounts?limit=200", &auditor).await).await;
    assert_eq!(accounts["items"].as_array().unwrap().len(), 23);
    let map = ok(app.get("/api/v1/posting-map", &auditor).await).await;
    let events: Vec<&str> = map["items"].as_array().unwrap().iter().map(|m| m["event"].as_str().unwrap()).collect();
    for event in [
        "bank",
        "receivables",
        "payables",
        "inventory",
        "output_tax",
        "input_tax",
        "revenue.time",
        "expense.travel",
        "fx_gain",
    ] {
        assert!(events.contains(&event), "{event}");
    }
    problem(app.get("/api/v1/accounts", &ops).await, StatusCode::FORBIDDEN).await;

    let (bank, equity, revenue, travel) = (
        account_id(&app, &finance, "1000").await,
        account_id(&app, &finance, "3000").await,
        account_id(&app, &finance, "4900").await,
        account_id(&app, &finance, "6200").await,
    );
    let day = today() - Duration::days(3);
    // 10000.00 is not above the default threshold: posted at once, numbered.
    let invest = created(
        app.post(
            "/api/v1/journal-entries",
            &finance,
            &entry(
                day,
                "Owner's investment",
                json!([
                    {"account_id": bank, "debit": "10000.00"},
                    {"account_id": equity, "credit": "10000.00"}
                ]),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(invest["status"], "posted");
    let year = day.year();
    assert_eq!(invest["number"], format!("JE-{year}-000001"));
    assert_eq!(invest["total"], "10000.00");

    // Unbalanced, one-sided, both sides, unknown account: 422 naming the line.
    let unbalanced = app
        .post(
            "/api/v1/journal-entries",
            &finance,
            &entry(day, "x", json!([{"account_id": bank, "debit": "10.00"}, {"account_id": equity, "credit": "9.99"}])),
        )
        .await;
    let body = problem(unbalanced, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.to_string().contains("differ"), "{body}");
    let bad = app
        .post(
            "/api/v1/journal-entries",
            &finance,
            &entry(day, "x", json!([{"account_id": bank, "debit": "1.00", "credit": "1.00"}, {"account_id": 999999, "credit": "1.00"}])),
        )
        .await;
    let body = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let pointers = crate::common::pointers(&body);
    assert!(
        pointers.contains(&"/lines/0/debit".to_string()) && pointers.contains(&"/lines/1/account_id".to_string()),
        "{body}"
    );
    problem(app.post("/api/v1/journal-entries", &ops, &entry(day, "x", json!([]))).await, StatusCode::FORBIDDEN).await;

    // Revenue and spend charged to the department.
    for (memo, debit, credit, amount) in
        [("Consulting", bank, revenue, "1200.00"), ("Train tickets", travel, bank, "300.00")]
    {
        created(
            app.post(
                "/api/v1/journal-entries",
                &finance,
                &entry(
                    day + Duration::days(1),
                    memo,
                    json!([
                        {"account_id": debit, "debit": amount, "department_id": department},
                        {"account_id": credit, "credit": amount, "department_id": department}
                    ]),
                ),
            )
            .await,
        )
        .await;
    }

    // Above the threshold: waits; its writer may not approve; another finance person does.
    let big = created(
        app.post(
            "/api/v1/journal-entries",
            &finance,
            &entry(
                day + Duration::days(2),
                "Loan",
                json!([
                    {"account_id": bank, "debit": "20000.00"},
                    {"account_id": equity, "credit": "20000.00"}
                ]),
            ),
        )
        .await,
    )
    .await;
    assert_eq!((big["status"].as_str(), big["number"].as_str()), (Some("pending_approval"), None));
    let big_id = big["id"].as_i64().unwrap();
    let tb = ok(app.get("/api/v1/reports/trial-balance", &auditor).await).await;
    assert_eq!(tb["total_debit"], "11200.00", "a waiting entry is not in the books: {tb}");
    problem(app.action(&format!("/api/v1/journal-entries/{big_id}/approve"), &finance).await, StatusCode::FORBIDDEN)
        .await;
    let approved = ok(app.action(&format!("/api/v1/journal-entries/{big_id}/approve"), &controller).await).await;
    assert_eq!(approved["status"], "posted");
    assert_eq!(approved["number"], format!("JE-{year}-000004"), "numbers are given when posted: gapless");

    // A reversal is a new entry; an entry is reversed once.
    let reversal = created(app.action(&format!("/api/v1/journal-entries/{big_id}/reversal"), &finance).await).await;
    assert_eq!(reversal["reverses_id"], big_id);
    assert_eq!(reversal["lines"][0]["credit"], "20000.00");
    problem(app.action(&format!("/api/v1/journal-entries/{big_id}/reversal"), &finance).await, StatusCode::CONFLICT)
        .await;

    // The statements, worked out by hand: bank 10000 + 1200 − 300 (+ 20000 − 20000) = 10900.
    let tb = ok(app.get("/api/v1/reports/trial-balance", &auditor).await).await;
    let balance_of = |code: &str| {
        let row = tb["rows"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned().unwrap_or(Value::Null);
        (row["debit"].as_str().map(String::from), row["credit"].as_str().map(String::from))
    };
    assert_eq!(balance_of("1000"), (Some("10900.00".into()), Some("0.00".into())));
    assert_eq!(balance_of("3000"), (Some("0.00".into()), Some("10000.00".into())));
    assert_eq!(balance_of("4900"), (Some("0.00".into()), Some("1200.00".into())));
    assert_eq!(balance_of("6200"), (Some("300.00".into()), Some("0.00".into())));
    assert_eq!((tb["total_debit"].as_str(), tb["total_credit"].as_str()), (Some("11200.00"), Some("11200.00")));

    let from = (day - Duration::days(1)).to_string();
    let pl = ok(app.get(&format!("/api/v1/reports/profit-and-loss?from={from}&compare=previous_year"), &finance).await)
        .await;
    assert_eq!(pl["totals"], json!({"income": "1200.00", "expenses": "300.00", "net_profit": "900.00"}));
    assert_eq!(pl["compare_totals"]["net_profit"], "0.00");
    let by_department = ok(app
        .get(
            &format!("/api/v1/reports/profit-and-loss?from={from}&department_id={department}&group_by=month"),
            &finance,
        )
        .await)
    .await;
    assert_eq!(by_department["totals"]["net_profit"], "900.00");
    assert!(by_department["income"][0]["columns"][0]["key"].as_str().is_some_and(|k| k.len() == 7));
    let elsewhere =
        ok(app.get(&format!("/api/v1/reports/profit-and-loss?from={from}&department_id=999"), &finance).await).await;
    assert_eq!(elsewhere["totals"]["net_profit"], "0.00");

    let bs = ok(app.get("/api/v1/reports/balance-sheet", &auditor).await).await;
    assert_eq!(
        (
            bs["total_assets"].as_str(),
            bs["total_liabilities"].as_str(),
            bs["total_equity"].as_str(),
            bs["profit_to_date"].as_str()
        ),
        (Some("10900.00"), Some("0.00"), Some("10900.00"), Some("900.00"))
    );
    let csv = app.get("/api/v1/reports/trial-balance?format=csv", &auditor).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("code,name,type,debit,credit\r\n") && text.contains("1000,Bank,asset,10900.00,0.00\r\n"),
        "{text}"
    );

    // The bank's ledger: the running balance after each line.
    let ledger = ok(app.get(&format!("/api/v1/accounts/{bank}/ledger?from={from}"), &auditor).await).await;
    let balances: Vec<&str> =
        ledger["lines"].as_array().unwrap().iter().map(|l| l["balance"].as_str().unwrap()).collect();
    assert_eq!(balances, vec!["10000.00", "11200.00", "10900.00", "30900.00", "10900.00"]);
    assert_eq!(ledger["opening_balance"], "0.00");
    let paged = ok(app.get(&format!("/api/v1/accounts/{bank}/ledger?from={from}&limit=2"), &auditor).await).await;
    let cursor = paged["next_cursor"].as_str().expect("a next page");
    let rest =
        ok(app.get(&format!("/api/v1/accounts/{bank}/ledger?from={from}&limit=50&cursor={cursor}"), &auditor).await)
            .await;
    let joined: Vec<&str> = paged["lines"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["lines"].as_array().unwrap())
        .map(|l| l["balance"].as_str().unwrap())
        .collect();
    assert_eq!(joined, balances, "pages carry the running balance on");
    // The opening balance of a later day: whole months from the monthly balances, the days of
    // its own month from the lines (tomorrow may be either; in 40 days is always a later month).
    for later in [1, 40] {
        let on = (today() + Duration::days(later)).to_string();
        let ledger = ok(app.get(&format!("/api/v1/accounts/{bank}/ledger?from={on}&to={on}"), &auditor).await).await;
        assert_eq!(
            (ledger["opening_balance"].as_str(), ledger["lines"].as_array().map(Vec::len)),
            (Some("10900.00"), Some(0)),
            "{ledger}"
        );
    }

    // An account in use is archived, not deleted.
    problem(app.delete(&format!("/api/v1/accounts/{bank}"), &finance).await, StatusCode::CONFLICT).await;
    let spare = created(
        app.post("/api/v1/accounts", &finance, &json!({"code": "6400", "name": "Training", "account_type": "expense"}))
            .await,
    )
    .await;
    problem(
        app.post("/api/v1/accounts", &finance, &json!({"code": "6400", "name": "Again", "account_type": "expense"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    let spare_id = spare["id"].as_i64().unwrap();
    let mapped = app
        .request(reqwest::Method::PUT, "/api/v1/posting-map/expense.other", Some(&finance))
        .json(&json!({"account_id": spare_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(mapped.status(), StatusCode::OK);
    problem(app.delete(&format!("/api/v1/accounts/{spare_id}"), &finance).await, StatusCode::CONFLICT).await;
    let unknown = app
        .request(reqwest::Method::PUT, "/api/v1/posting-map/gifts", Some(&finance))
        .json(&json!({"account_id": spare_id}))
        .send()
        .await
        .unwrap();
    problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The lock date: finance closes, nothing is posted on or before it; only admin reopens.
    let stale = app
        .request(reqwest::Method::PUT, "/api/v1/books/lock", Some(&finance))
        .header("If-Match", "\"999\"")
        .json(&json!({"lock_date": day.to_string()}))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let lock = app
        .request(reqwest::Method::PUT, "/api/v1/books/lock", Some(&finance))
        .json(&json!({"lock_date": (day + Duration::days(1)).to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::OK);
    let locked = app
        .post(
            "/api/v1/journal-entries",
            &finance,
            &entry(
                day + Duration::days(1),
                "late",
                json!([{"account_id": bank, "debit": "1.00"}, {"account_id": equity, "credit": "1.00"}]),
            ),
        )
        .await;
    let body = problem(locked, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::common::pointers(&body), vec!["/entry_date"]);
    let reopen = app
        .request(reqwest::Method::PUT, "/api/v1/books/lock", Some(&finance))
        .json(&json!({"lock_date": null}))
        .send()
        .await
        .unwrap();
    problem(reopen, StatusCode::FORBIDDEN).await;
    let reopen = app
        .request(reqwest::Method::PUT, "/api/v1/books/lock", Some(&admin))
        .json(&json!({"lock_date": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(reopen.status(), StatusCode::OK);
    let audit = app.audit_actions(&auditor, "entity_type=books").await;
    assert!(audit.contains(&"books.locked".to_string()) && audit.contains(&"books.unlocked".to_string()), "{audit:?}");

    // The database's own checks: a posted entry never changes; an unbalanced one is never posted.
    let mut conn = connect(&app.database_url);
    let first = invest["id"].as_i64().unwrap();
    assert!(conn.batch_execute(&format!("UPDATE journal_entries SET memo = 'x' WHERE id = {first}")).is_err());
    assert!(conn.batch_execute(&format!("DELETE FROM journal_lines WHERE entry_id = {first}")).is_err());
    conn.batch_execute(&format!(
        "INSERT INTO journal_entries (entry_date, memo, origin, status, created_at, updated_at) \
         VALUES ('{day}', 'forged', 'manual', 'pending_approval', '{day} 00:00:00', '{day} 00:00:00')"
    ))
    .expect("a waiting entry");
    let forged: i64 = {
        use diesel::prelude::*;
        use opsdesk::db::schema::journal_entries;
        journal_entries::table
            .filter(journal_entries::memo.eq("forged"))
            .select(journal_entries::id)
            .first(&mut conn)
            .unwrap()
    };
    conn.batch_execute(&format!(
        "INSERT INTO journal_lines (entry_id, account_id, debit, credit, currency, amount, rate, entry_date) \
         VALUES ({forged}, {bank}, 500, 0, 'EUR', 500, '1', '{day}'), ({forged}, {equity}, 0, 400, 'EUR', -400, '1', '{day}')"
    ))
    .expect("lines of a waiting entry");
    let post_unbalanced = format!(
        "UPDATE journal_entries SET status = 'posted', number = 'JE-X', posted_at = created_at WHERE id = {forged}"
    );
    assert!(conn.batch_execute(&post_unbalanced).is_err(), "the database refuses an unbalanced entry");
}
both_backends!(chart_journal_and_statements, the_chart_and_the_journal);

async fn parallel_entries_are_numbered_without_gaps(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let (bank, equity) = (account_id(&app, &finance, "1000").await, account_id(&app, &finance, "3000").await);
    let day = today();
    let posts = (0..12).map(|i| {
        let body = entry(
            day,
            &format!("parallel {i}"),
            json!([
                {"account_id": bank, "debit": format!("{}.00", i + 1)},
                {"account_id": equity, "credit": format!("{}.00", i + 1)}
            ]),
        );
        let (app, finance) = (&app, finance.clone());
        async move { app.post("/api/v1/journal-entries", &finance, &body).await.status() }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    let page = ok(app.get("/api/v1/journal-entries?limit=50", &finance).await).await;
    let mut numbers: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap().to_string()).collect();
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("JE-{}-{n:06}", day.year())).collect();
    assert_eq!(numbers, expected);
    let tb = ok(app.get("/api/v1/reports/trial-balance", &finance).await).await;
    assert_eq!((tb["total_debit"].as_str(), tb["total_credit"].as_str()), (Some("78.00"), Some("78.00")));
}
both_backends!(parallel_journal_entries, parallel_entries_are_numbered_without_gaps);

/// The lines of the entries of one document, as (account code, debit, credit).
async fn posted(app: &TestApp, token: &str, source: &str, id: &Value) -> Vec<(String, String, String)> {
    let page = ok(app.get(&format!("/api/v1/journal-entries?source_type={source}&source_id={id}"), token).await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["lines"].as_array().unwrap().clone())
        .map(|l| {
            (
                l["account_code"].as_str().unwrap().into(),
                l["debit"].as_str().unwrap().into(),
                l["credit"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn lines(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected.iter().map(|(a, d, c)| (a.to_string(), d.to_string(), c.to_string())).collect()
}

/// What a control account holds in `currency` (debit positive), from its ledger.
async fn control(app: &TestApp, token: &str, account: i64, currency: &str) -> f64 {
    let ledger =
        ok(app.get(&format!("/api/v1/accounts/{account}/ledger?from=2000-01-01&limit=200"), token).await).await;
    ledger["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["currency"] == currency)
        .map(|l| l["amount"].as_str().unwrap().parse::<f64>().unwrap())
        .sum()
}

async fn events_post_their_entries(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let department = app.department(&admin, "FLD", "Field service").await;
    let id = |v: &Value| v["id"].clone();
    let customer =
        created(app.post("/api/v1/customers", &finance, &json!({"name": "Northwind", "currency": "EUR"})).await).await;
    let vendor =
        created(app.post("/api/v1/vendors", &finance, &json!({"name": "Rail", "currency": "EUR"})).await).await;
    let issue = |doc: Value| {
        let app = &app;
        let finance = finance.clone();
        async move { ok(app.post(&format!("/api/v1/invoices/{}/issue", doc["id"]), &finance, &json!({})).await).await }
    };

    // An invoice: 100.00 at 20% and 50.00 at 0%: receivables 170.00, revenue 150.00 (one line per
    // account and dimensions), tax 20.00.
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "lines": [
        {"description": "Service", "quantity": "1", "unit_price": "100", "tax_rate_percent": "20"},
        {"description": "Travel time", "quantity": "1", "unit_price": "50"}]}),
        )
        .await,
    )
    .await;
    assert!(posted(&app, &finance, "invoice", &id(&invoice)).await.is_empty(), "a draft posts nothing");
    issue(invoice.clone()).await;
    assert_eq!(
        posted(&app, &finance, "invoice", &id(&invoice)).await,
        lines(&[("4900", "0.00", "150.00"), ("2100", "0.00", "20.00"), ("1100", "170.00", "0.00")])
    );
    // A payment of 70.00, a credit note of 24.00 (20.00 + 4.00 tax).
    let today = today().to_string();
    let payment = app
        .post(
            &format!("/api/v1/invoices/{}/payments", invoice["id"]),
            &finance,
            &json!({"amount": "70", "paid_on": today, "method": "bank_transfer"}),
        )
        .await;
    let payment = created(payment).await;
    assert_eq!(
        posted(&app, &finance, "payment", &id(&payment)).await,
        lines(&[("1000", "70.00", "0.00"), ("1100", "0.00", "70.00")])
    );
    let credit = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "credit_note", "credited_invoice_id": invoice["id"], "lines": [
        {"description": "Goodwill", "quantity": "1", "unit_price": "20", "tax_rate_percent": "20"}]}),
        )
        .await,
    )
    .await;
    issue(credit.clone()).await;
    assert_eq!(
        posted(&app, &finance, "invoice", &id(&credit)).await,
        lines(&[("4900", "20.00", "0.00"), ("2100", "4.00", "0.00"), ("1100", "0.00", "24.00")])
    );

    // A bill: travel 300.00 and 2 filters (an item: goods received not invoiced) at 19% tax.
    let shelf =
        created(app.post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"})).await)
            .await;
    let filter =
        created(app.post("/api/v1/inventory/items", &admin, &json!({"sku": "FLT", "name": "Filter"})).await).await;
    let bill = created(app.post("/api/v1/invoices", &finance, &json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [
        {"description": "Trains", "quantity": "1", "unit_price": "300", "budget_category": "travel", "department_id": department},
        {"description": "Filters", "quantity": "2", "unit_price": "15", "tax_rate_percent": "19", "item_id": filter["id"]}]})).await).await;
    issue(bill.clone()).await;
    assert_eq!(
        posted(&app, &finance, "invoice", &id(&bill)).await,
        lines(&[
            ("6200", "300.00", "0.00"),
            ("2300", "30.00", "0.00"),
            ("1300", "5.70", "0.00"),
            ("2000", "0.00", "335.70")
        ])
    );
    let paid_bill = created(
        app.post(
            &format!("/api/v1/invoices/{}/payments", bill["id"]),
            &finance,
            &json!({"amount": "335.70", "paid_on": today, "method": "bank_transfer"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        posted(&app, &finance, "payment", &id(&paid_bill)).await,
        lines(&[("1000", "0.00", "335.70"), ("2000", "335.70", "0.00")])
    );

    // Stock: the filters arrive (inventory against goods received), one is issued to the
    // department (materials), and the issue is reversed.
    let receipt = created(app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "receipt", "item_id": filter["id"], "location_id": shelf["id"], "quantity": "2", "unit_cost": "15"})).await).await;
    assert_eq!(
        posted(&app, &finance, "stock_movement", &id(&receipt)).await,
        lines(&[("1200", "30.00", "0.00"), ("2300", "0.00", "30.00")])
    );
    let issued = created(app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "issue", "item_id": filter["id"], "location_id": shelf["id"], "quantity": "1", "department_id": department})).await).await;
    assert_eq!(
        posted(&app, &finance, "stock_movement", &id(&issued)).await,
        lines(&[("1200", "0.00", "15.00"), ("5100", "15.00", "0.00")])
    );
    let back = created(
        app.post(
            &format!("/api/v1/inventory/movements/{}/reversal", issued["id"]),
            &admin,
            &json!({"reason": "unused"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        posted(&app, &finance, "stock_movement", &id(&back)).await,
        lines(&[("1200", "15.00", "0.00"), ("5100", "0.00", "15.00")])
    );

    // A void reverses what the document posted; deleting a payment reverses the payment.
    let spare = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "lines": [
        {"description": "Oops", "quantity": "1", "unit_price": "10"}]}),
        )
        .await,
    )
    .await;
    issue(spare.clone()).await;
    ok(app.post(&format!("/api/v1/invoices/{}/void", spare["id"]), &finance, &json!({"reason": "sent twice"})).await)
        .await;
    let voided = posted(&app, &finance, "invoice", &id(&spare)).await;
    assert_eq!(
        voided,
        lines(&[
            ("4900", "0.00", "10.00"),
            ("1100", "10.00", "0.00"),
            ("4900", "10.00", "0.00"),
            ("1100", "0.00", "10.00")
        ])
    );
    let removed = app.delete(&format!("/api/v1/invoices/{}/payments/{}", invoice["id"], payment["id"]), &finance).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        posted(&app, &finance, "payment", &id(&payment)).await,
        lines(&[
            ("1000", "70.00", "0.00"),
            ("1100", "0.00", "70.00"),
            ("1000", "0.00", "70.00"),
            ("1100", "70.00", "0.00")
        ])
    );

    // A USD invoice posted at 0.90 and paid when the rate is 0.95: 5.00 of exchange gain.
    let rate = |day: NaiveDate, rate: &str| json!({"currency": "USD", "rate_date": day.to_string(), "rate": rate});
    created(app.post("/api/v1/exchange-rates", &finance, &rate(self::today() - Duration::days(20), "0.9")).await).await;
    created(app.post("/api/v1/exchange-rates", &finance, &rate(self::today() - Duration::days(1), "0.95")).await).await;
    let yankee =
        created(app.post("/api/v1/customers", &finance, &json!({"name": "Contoso", "currency": "USD"})).await).await;
    let usd = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": yankee["id"],
        "issue_date": (self::today() - Duration::days(10)).to_string(),
        "lines": [{"description": "Audit", "quantity": "1", "unit_price": "100"}]}),
        )
        .await,
    )
    .await;
    issue(usd.clone()).await;
    assert_eq!(
        posted(&app, &finance, "invoice", &id(&usd)).await,
        lines(&[("4900", "0.00", "90.00"), ("1100", "90.00", "0.00")])
    );
    let usd_payment = created(
        app.post(
            &format!("/api/v1/invoices/{}/payments", usd["id"]),
            &finance,
            &json!({"amount": "100", "paid_on": today, "method": "bank_transfer"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        posted(&app, &finance, "payment", &id(&usd_payment)).await,
        lines(&[("1000", "95.00", "0.00"), ("1100", "0.00", "90.00"), ("7000", "0.00", "5.00")])
    );

    // The books balance, and the control accounts equal the aging reports to the cent.
    let tb = ok(app.get("/api/v1/reports/trial-balance", &finance).await).await;
    assert_eq!(tb["total_debit"], tb["total_credit"], "{tb}");
    let (receivables, payables) = (account_id(&app, &finance, "1100").await, account_id(&app, &finance, "2000").await);
    let aging = ok(app.get("/api/v1/reports/receivables-aging", &finance).await).await;
    let aged = |report: &Value, currency: &str| {
        report["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["currency"] == currency)
            .map(|t| t["total"].as_str().unwrap().parse::<f64>().unwrap())
            .unwrap_or(0.0)
    };
    // Northwind owes 170.00 − 24.00 (the payment was removed); Contoso paid in full.
    assert_eq!(aged(&aging, "EUR"), 146.0);
    assert_eq!(control(&app, &finance, receivables, "EUR").await, 146.0);
    assert_eq!(control(&app, &finance, receivables, "USD").await, aged(&aging, "USD"));
    let owed = ok(app.get("/api/v1/reports/payables-aging", &finance).await).await;
    assert_eq!(-control(&app, &finance, payables, "EUR").await, aged(&owed, "EUR"));

    // The exchange gain shows in the profit: revenue 150 − 20 + 90 = 220, expenses 300, gain 5.
    let pl = ok(app
        .get(&format!("/api/v1/reports/profit-and-loss?from={}", self::today() - Duration::days(30)), &finance)
        .await)
    .await;
    assert_eq!(pl["totals"], json!({"income": "225.00", "expenses": "300.00", "net_profit": "-75.00"}));

    // An invoice of five days ago, issued before the period closes.
    let early = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "issue_date": (self::today() - Duration::days(5)).to_string(),
            "lines": [{"description": "Early", "quantity": "1", "unit_price": "7"}]}),
        )
        .await,
    )
    .await;
    issue(early.clone()).await;

    // A payment dated in a closed period is refused, naming the field.
    let lock = app
        .request(reqwest::Method::PUT, "/api/v1/books/lock", Some(&finance))
        .json(&json!({"lock_date": (self::today() - Duration::days(1)).to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::OK);
    let late = app
        .post(
            &format!("/api/v1/invoices/{}/payments", invoice["id"]),
            &finance,
            &json!({"amount": "1", "paid_on": (self::today() - Duration::days(1)).to_string(), "method": "cash"}),
        )
        .await;
    assert_eq!(crate::common::pointers(&problem(late, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/paid_on"]);
    let backdated = created(
        app.post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "receivable", "customer_id": customer["id"], "issue_date": (self::today() - Duration::days(2)).to_string(),
            "lines": [{"description": "Late", "quantity": "1", "unit_price": "5"}]}),
        )
        .await,
    )
    .await;
    let refused = app.post(&format!("/api/v1/invoices/{}/issue", backdated["id"]), &finance, &json!({})).await;
    assert_eq!(crate::common::pointers(&problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/issue_date"]);
    // A correction of a document of the closed period is posted on the first open day.
    ok(app.post(&format!("/api/v1/invoices/{}/void", early["id"]), &finance, &json!({"reason": "withdrawn"})).await)
        .await;
    let page =
        ok(app.get(&format!("/api/v1/journal-entries?source_type=invoice&source_id={}", early["id"]), &finance).await)
            .await;
    let dates: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|e| e["entry_date"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        dates,
        vec![(self::today() - Duration::days(5)).to_string(), today.clone()],
        "the reversal is dated the day after the lock date"
    );
}
both_backends!(events_post_to_the_journal, events_post_their_entries);

/// An installation upgraded to the general ledger: its records older than the ledger are posted
/// at the first start, by the rules that post new events, and its books open balanced.
async fn history_is_posted_once_at_the_upgrade(app: TestApp) {
    let admin = app.admin_token().await;
    let customer =
        created(app.post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"})).await).await;
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "receivable", "customer_id": customer["id"], "lines": [
        {"description": "Service", "quantity": "1", "unit_price": "100", "tax_rate_percent": "20"}]}),
        )
        .await,
    )
    .await;
    ok(app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &admin, &json!({})).await).await;
    let payment = created(
        app.post(
            &format!("/api/v1/invoices/{}/payments", invoice["id"]),
            &admin,
            &json!({"amount": "50", "paid_on": today().to_string(), "method": "cash"}),
        )
        .await,
    )
    .await;
    let shelf =
        created(app.post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"})).await)
            .await;
    let item =
        created(app.post("/api/v1/inventory/items", &admin, &json!({"sku": "FLT", "name": "Filter"})).await).await;
    let receipt = created(app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "receipt", "item_id": item["id"], "location_id": shelf["id"], "quantity": "4", "unit_cost": "2.5"})).await).await;
    let before = ok(app.get("/api/v1/reports/trial-balance", &admin).await).await;

    // Back to the database before the ledger (its migration reverted), then a node starts.
    let down = std::process::Command::new(env!("CARGO_BIN_EXE_opsdesk"))
        .args(["migrate", "--down"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    let upgraded = app.another_node().await;
    let admin = upgraded.admin_token().await;
    for (source, id) in [("invoice", &invoice["id"]), ("payment", &payment["id"]), ("stock_movement", &receipt["id"])] {
        let page =
            ok(upgraded.get(&format!("/api/v1/journal-entries?source_type={source}&source_id={id}"), &admin).await)
                .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{source} {id} is posted once: {page}");
    }
    let after = ok(upgraded.get("/api/v1/reports/trial-balance", &admin).await).await;
    assert_eq!(after["rows"], before["rows"], "the same books as the events posted");
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_opsdesk"))
        .args(["ledger", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success() && said.contains("the general ledger balances"), "{said}");
    // A later start posts nothing again.
    let again = app.another_node().await;
    let page = ok(again.get("/api/v1/journal-entries?limit=50", &admin).await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
}
both_backends!(journal_history_at_the_upgrade, history_is_posted_once_at_the_upgrade);
