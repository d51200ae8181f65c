//! Inventory: the moving average through receipts and issues (exact money), transfers, counts,
//! reversals, the negative-stock race, valuation as of a day, reorder crossings, parts on tickets.

use crate::common::{self, days_ago, pointers, problem, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn location(app: &TestApp, token: &str, code: &str) -> i64 {
    let created = app.post("/api/v1/inventory/locations", token, &json!({"code": code, "name": code})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn item(app: &TestApp, token: &str, sku: &str, reorder_point: &str) -> i64 {
    let created = app
        .post("/api/v1/inventory/items", token, &json!({"sku": sku, "name": format!("Item {sku}"), "reorder_point": reorder_point, "reorder_quantity": "20"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn move_stock(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/inventory/movements", token, &body).await
}

async fn posted(app: &TestApp, token: &str, body: Value) -> Value {
    let response = move_stock(app, token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn get_item(app: &TestApp, token: &str, id: i64) -> Value {
    app.get(&format!("/api/v1/inventory/items/{id}"), token).await.json().await.unwrap()
}

async fn average_cost_and_the_ledger(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let employee = app.user_token(&admin, "emp@example.com", &["employee"]).await;
    let (a, b) = (location(&app, &ops, "wh1-a").await, location(&app, &ops, "WH1-B").await);
    let filter = item(&app, &ops, "flt-42", "0").await;
    problem(app.get("/api/v1/inventory/items", &employee).await, StatusCode::FORBIDDEN).await;
    problem(
        move_stock(
            &app,
            &finance,
            json!({"kind": "receipt", "item_id": filter, "location_id": a, "quantity": "1", "unit_cost": "1"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // 10 at 1.00 and 5 at 4.00: 15 worth 30.00, average 2.0000, received three days ago (recorded
    // today: the day a movement happened is given with it).
    let three_days_ago = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let first = posted(
        &app,
        &ops,
        json!({"kind": "receipt", "item_id": filter, "location_id": a, "quantity": "10", "unit_cost": "1.00", "occurred_on": three_days_ago}),
    )
    .await;
    assert_eq!(first["occurred_on"], json!(three_days_ago));
    posted(
        &app,
        &ops,
        json!({"kind": "receipt", "item_id": filter, "location_id": a, "quantity": "5", "unit_cost": "4", "occurred_on": three_days_ago}),
    )
    .await;
    // Never in the future.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let future = move_stock(
        &app,
        &ops,
        json!({"kind": "receipt", "item_id": filter, "location_id": a, "quantity": "1", "unit_cost": "1", "occurred_on": tomorrow}),
    )
    .await;
    assert_eq!(pointers(&problem(future, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/occurred_on"]);
    let held = get_item(&app, &finance, filter).await;
    assert_eq!(
        (held["on_hand"].as_str(), held["stock_value"].as_str(), held["average_unit_cost"].as_str()),
        (Some("15.000"), Some("30.00"), Some("2.0000"))
    );
    // An issue takes its share: 1.5 of 15 = 3.00 (department), then 1 of 13.5 worth 27.00 = 2.00.
    let departments = app.department(&admin, "OPS", "Ops").await;
    let issued = posted(
        &app,
        &ops,
        json!({"kind": "issue", "item_id": filter, "location_id": a, "quantity": "1.5", "department_id": departments}),
    )
    .await;
    assert_eq!(
        (issued["value"].as_str(), issued["value_change"].as_str(), issued["on_hand_after"].as_str()),
        (Some("3.00"), Some("-3.00"), Some("13.500"))
    );
    // Transfer 4 to B: totals stay; then too much from B is 409 naming what is there.
    posted(
        &app,
        &ops,
        json!({"kind": "transfer", "item_id": filter, "from_location_id": a, "to_location_id": b, "quantity": "4"}),
    )
    .await;
    let short = move_stock(
        &app,
        &ops,
        json!({"kind": "transfer", "item_id": filter, "from_location_id": b, "to_location_id": a, "quantity": "4.001"}),
    )
    .await;
    let detail = problem(short, StatusCode::CONFLICT).await["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("4.000 available"), "{detail}");
    let held = get_item(&app, &finance, filter).await;
    assert_eq!(
        held["locations"],
        json!([{"location_id": a, "quantity": "9.500"}, {"location_id": b, "quantity": "4.000"}])
    );
    assert_eq!(held["stock_value"], "27.00");
    // A count at B finds 3: one short, posted at the average (2.00) with the reason.
    let counted = posted(&app, &ops, json!({"kind": "adjustment", "item_id": filter, "location_id": b, "counted_quantity": "3", "reason": "cycle count"})).await;
    assert_eq!((counted["quantity_change"].as_str(), counted["value"].as_str()), (Some("-1.000"), Some("2.00")));
    let unchanged = move_stock(
        &app,
        &ops,
        json!({"kind": "adjustment", "item_id": filter, "location_id": b, "counted_quantity": "3", "reason": "again"}),
    )
    .await;
    problem(unchanged, StatusCode::CONFLICT).await;
    let no_reason = move_stock(
        &app,
        &ops,
        json!({"kind": "adjustment", "item_id": filter, "location_id": b, "counted_quantity": "2"}),
    )
    .await;
    assert_eq!(pointers(&problem(no_reason, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/reason"]);

    // A reversal undoes a movement at its value, once.
    let reversal: Value = app
        .post(
            &format!("/api/v1/inventory/movements/{}/reversal", issued["id"]),
            &ops,
            &json!({"reason": "wrong department"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (reversal["value_change"].as_str(), reversal["reverses_id"].clone()),
        (Some("3.00"), issued["id"].clone())
    );
    problem(
        app.post(&format!("/api/v1/inventory/movements/{}/reversal", issued["id"]), &ops, &json!({"reason": "x"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        app.post(&format!("/api/v1/inventory/movements/{}/reversal", reversal["id"]), &ops, &json!({"reason": "x"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    let held = get_item(&app, &finance, filter).await;
    assert_eq!((held["on_hand"].as_str(), held["stock_value"].as_str()), (Some("14.000"), Some("28.00")));

    // The ledger with its running balance; every value change adds up to the stock value.
    let ledger: Value =
        app.get(&format!("/api/v1/inventory/items/{filter}/movements"), &finance).await.json().await.unwrap();
    let balances: Vec<&str> =
        ledger["items"].as_array().unwrap().iter().map(|m| m["on_hand_after"].as_str().unwrap()).collect();
    assert_eq!(balances, vec!["10.000", "15.000", "13.500", "13.500", "12.500", "14.000"]);
    let total: rust_decimal::Decimal = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value_change"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(total.to_string(), "28.00");

    // Valuation reproduces any past day from the ledger: two days ago only the receipts had
    // happened (15 worth 30.00), a week ago nothing; today 28.00.
    let valuation = |days: i64| format!("/api/v1/reports/stock-valuation?as_of={}", days_ago(days));
    let then: Value = app.get(&valuation(2), &finance).await.json().await.unwrap();
    assert_eq!(
        (then["items"][0]["on_hand"].as_str(), then["items"][0]["average_unit_cost"].as_str()),
        (Some("15.000"), Some("2.0000"))
    );
    assert_eq!(then["totals"], json!([{"amount": "30.00", "currency": "EUR"}]));
    let before: Value = app.get(&valuation(7), &finance).await.json().await.unwrap();
    assert_eq!(before["items"], json!([]));
    let now: Value = app.get("/api/v1/reports/stock-valuation", &finance).await.json().await.unwrap();
    assert_eq!(now["items"][0]["value"], json!({"amount": "28.00", "currency": "EUR"}));
    assert_eq!(now["totals"], json!([{"amount": "28.00", "currency": "EUR"}]));
}
both_backends!(inventory_ledger, average_cost_and_the_ledger);

async fn never_negative(app: TestApp) {
    let admin = app.admin_token().await;
    let shelf = location(&app, &admin, "SHELF").await;
    let bolt = item(&app, &admin, "BOLT", "0").await;
    posted(
        &app,
        &admin,
        json!({"kind": "receipt", "item_id": bolt, "location_id": shelf, "quantity": "3", "unit_cost": "0.10"}),
    )
    .await;
    let departments = app.department(&admin, "OPS", "Ops").await;
    let node = if app.backend == common::Backend::Postgres { Some(app.another_node().await) } else { None };
    let takers = (0..12).map(|i| {
        let target = match (&node, i % 2) {
            (Some(node), 1) => node,
            _ => &app,
        };
        let token = admin.clone();
        let body = json!({"kind": "issue", "item_id": bolt, "location_id": shelf, "quantity": "1", "department_id": departments});
        async move { move_stock(target, &token, body).await.status() }
    });
    let statuses = futures_util::future::join_all(takers).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 3, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
    let held = get_item(&app, &admin, bolt).await;
    assert_eq!((held["on_hand"].as_str(), held["stock_value"].as_str()), (Some("0.000"), Some("0.00")));
}
both_backends!(negative_stock_race, never_negative);

async fn reorder_crossings(app: TestApp) {
    let admin = app.admin_token().await;
    let shelf = location(&app, &admin, "SHELF").await;
    let fuse = item(&app, &admin, "FUSE", "5").await;
    let departments = app.department(&admin, "OPS", "Ops").await;
    let issue = |quantity: &str| json!({"kind": "issue", "item_id": fuse, "location_id": shelf, "quantity": quantity, "department_id": departments});
    let receipt = json!({"kind": "receipt", "item_id": fuse, "location_id": shelf, "quantity": "10", "unit_cost": "2"});
    posted(&app, &admin, receipt.clone()).await;
    let low: Value = app.get("/api/v1/reports/low-stock", &admin).await.json().await.unwrap();
    assert_eq!(low, json!([]));
    posted(&app, &admin, issue("5")).await; // 5: at the reorder point — a crossing
    posted(&app, &admin, issue("1")).await; // 4: still under, no second event
    let low: Value = app.get("/api/v1/reports/low-stock", &admin).await.json().await.unwrap();
    assert_eq!(low[0]["suggested_order_quantity"], "20.000");
    posted(&app, &admin, receipt).await; // 14: above again
    posted(&app, &admin, issue("9")).await; // 5: a second crossing
    let events: Value =
        app.get("/api/v1/audit-events?action=item.reorder_point_reached", &admin).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 2, "one event per crossing");
    assert_eq!(events["items"][0]["entity_id"], fuse);
}
both_backends!(reorder_point_crossings, reorder_crossings);

async fn parts_on_tickets(app: TestApp) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "SVC", "Service").await;
    let user = app.create_user(&admin, "ada@corp.example", &["agent"]).await;
    let ada: Value = app
        .post("/api/v1/employees", &admin, &json!({"first_name": "Ada", "last_name": "Gent", "work_email": "ada@corp.example",
            "department_id": department, "employment_type": "full_time", "status": "active", "start_date": "2025-01-06", "user_id": user["id"]}))
        .await
        .json()
        .await
        .unwrap();
    let desk = app.desk(&admin, "SVC", "Service", department, "90").await;
    let other = app.desk(&admin, "OTH", "Other", department, "90").await;
    app.join_desk(&admin, desk, ada["id"].as_i64().unwrap()).await;
    let customer: Value = app
        .post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let agent = app.token_for("ada@corp.example", common::PASSWORD).await;
    let ticket: Value = app
        .post(
            "/api/v1/tickets",
            &agent,
            &json!({"desk_id": desk, "subject": "Pump", "requester_customer_id": customer["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let foreign: Value = app
        .post(
            "/api/v1/tickets",
            &admin,
            &json!({"desk_id": other, "subject": "Else", "requester_customer_id": customer["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let shelf = location(&app, &admin, "SHELF").await;
    let seal = item(&app, &admin, "SEAL", "0").await;
    posted(
        &app,
        &admin,
        json!({"kind": "receipt", "item_id": seal, "location_id": shelf, "quantity": "4", "unit_cost": "12.50"}),
    )
    .await;
    // The agent issues parts to their desk's ticket; not to another desk's, and nothing else.
    let used = posted(
        &app,
        &agent,
        json!({"kind": "issue", "item_id": seal, "location_id": shelf, "quantity": "2", "ticket_id": ticket["id"]}),
    )
    .await;
    assert_eq!((used["value"].as_str(), used["department_id"].clone()), (Some("25.00"), Value::from(department)));
    problem(move_stock(&app, &agent, json!({"kind": "issue", "item_id": seal, "location_id": shelf, "quantity": "1", "ticket_id": foreign["id"]})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    problem(
        move_stock(
            &app,
            &agent,
            json!({"kind": "receipt", "item_id": seal, "location_id": shelf, "quantity": "1", "unit_cost": "1"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // The parts reach the customer's profitability.
    let profit: Value = app.get("/api/v1/reports/customer-profitability", &admin).await.json().await.unwrap();
    assert_eq!(profit["customers"][0]["currencies"][0]["parts_cost"], "25.00");
    assert_eq!(profit["customers"][0]["currencies"][0]["margin"], "-25.00");
    let on_ticket: Value =
        app.get(&format!("/api/v1/inventory/movements?ticket_id={}", ticket["id"]), &admin).await.json().await.unwrap();
    assert_eq!(on_ticket["items"].as_array().unwrap().len(), 1);
}
both_backends!(parts_issued_to_tickets, parts_on_tickets);

/// A movement as the test reads it back from the ledger: (item, day, quantity change, value change).
#[derive(diesel::QueryableByName)]
struct LedgerRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    item_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    occurred_on: chrono::NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    quantity_delta: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value_delta: i64,
}

fn ledger_rows(app: &TestApp) -> Vec<LedgerRow> {
    use diesel::RunQueryDsl;
    let sql = "SELECT item_id, occurred_on, quantity_delta, value_delta FROM stock_movements";
    match &mut common::connect(&app.database_url) {
        opsdesk::db::DbConn::Pg(conn) => diesel::sql_query(sql).load(conn).unwrap(),
        opsdesk::db::DbConn::Sqlite(conn) => diesel::sql_query(sql).load(conn).unwrap(),
    }
}

/// The whole ledger summed up to the end of `as_of`: (item, quantity, value) of the items holding
/// something, by id — what the valuation answered before its rollup.
fn summed_to(ledger: &[LedgerRow], as_of: chrono::NaiveDate) -> Vec<(i64, i64, i64)> {
    let mut sums = std::collections::BTreeMap::<i64, (i64, i64)>::new();
    for row in ledger.iter().filter(|r| r.occurred_on <= as_of) {
        let sum = sums.entry(row.item_id).or_default();
        sum.0 += row.quantity_delta;
        sum.1 += row.value_delta;
    }
    sums.into_iter().filter(|(_, s)| *s != (0, 0)).map(|(id, (q, v))| (id, q, v)).collect()
}

/// "12.500" (thousandths) or "27.00" (cents) as the whole number of its smallest unit.
fn minor_units(decimal: &Value) -> i64 {
    decimal.as_str().unwrap().replace('.', "").parse().unwrap()
}

/// A valuation report's rows as (item, quantity in thousandths, value in cents), by id.
fn valued(report: &Value) -> Vec<(i64, i64, i64)> {
    let mut rows: Vec<(i64, i64, i64)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["item_id"].as_i64().unwrap(), minor_units(&i["on_hand"]), minor_units(&i["value"]["amount"])))
        .collect();
    rows.sort();
    rows
}

async fn valuation_at(app: &TestApp, token: &str, as_of: chrono::NaiveDate) -> Vec<(i64, i64, i64)> {
    let report = app.get(&format!("/api/v1/reports/stock-valuation?as_of={as_of}"), token).await;
    assert_eq!(report.status(), StatusCode::OK);
    valued(&report.json().await.unwrap())
}

/// The stock valuation of every day, read from the monthly rollup and a month of movements (or the
/// items' totals for today), equals the whole ledger summed up to that day — with movements
/// backdated into earlier months and posted out of order, receipts, issues, transfers, counts and
/// reversals, days at a month's start, middle and end. `opsdesk ledger verify` finds the rollup
/// equal to the ledger, and names a month row that was spoiled or lost.
async fn valuation_equals_the_whole_ledger(app: TestApp) {
    use chrono::{Datelike, Duration, Months};
    let admin = app.admin_token().await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let (a, b) = (location(&app, &ops, "VAL-A").await, location(&app, &ops, "VAL-B").await);
    let department = app.department(&admin, "OPS", "Ops").await;
    let (bolt, nut) = (item(&app, &ops, "BOLT", "0").await, item(&app, &ops, "NUT", "0").await);
    let today = chrono::Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap();
    let month = |back: u32| this_month - Months::new(back);
    let day = |d: chrono::NaiveDate| d.to_string();
    // Posted in this order; the days go back and forth.
    let first = posted(&app, &ops, json!({"kind": "receipt", "item_id": bolt, "location_id": a, "quantity": "100", "unit_cost": "2.00", "occurred_on": day(month(3) + Duration::days(4))})).await;
    posted(&app, &ops, json!({"kind": "receipt", "item_id": nut, "location_id": a, "quantity": "50", "unit_cost": "1.10", "occurred_on": day(month(2))})).await;
    let issued = posted(&app, &ops, json!({"kind": "issue", "item_id": bolt, "location_id": a, "quantity": "10", "department_id": department, "occurred_on": day(month(2) - Duration::days(1))})).await;
    posted(&app, &ops, json!({"kind": "transfer", "item_id": bolt, "from_location_id": a, "to_location_id": b, "quantity": "20", "occurred_on": day(month(2) + Duration::days(14))})).await;
    posted(&app, &ops, json!({"kind": "receipt", "item_id": bolt, "location_id": b, "quantity": "30", "unit_cost": "3.00", "occurred_on": day(month(1) + Duration::days(9))})).await;
    let nuts_out = posted(&app, &ops, json!({"kind": "issue", "item_id": nut, "location_id": a, "quantity": "5.5", "department_id": department, "occurred_on": day(month(2) + Duration::days(14))})).await;
    posted(&app, &ops, json!({"kind": "adjustment", "item_id": bolt, "location_id": b, "counted_quantity": "48", "reason": "count", "occurred_on": day(month(1) + Duration::days(20))})).await;
    posted(&app, &ops, json!({"kind": "receipt", "item_id": bolt, "location_id": a, "quantity": "7", "unit_cost": "2.50", "occurred_on": day(month(3))})).await;
    posted(
        &app,
        &ops,
        json!({"kind": "issue", "item_id": bolt, "location_id": a, "quantity": "3", "department_id": department}),
    )
    .await;
    for (movement, on) in [(&issued, this_month), (&nuts_out, month(1) + Duration::days(9))] {
        let reversal = app
            .post(
                &format!("/api/v1/inventory/movements/{}/reversal", movement["id"]),
                &ops,
                &json!({"reason": "undone", "occurred_on": day(on)}),
            )
            .await;
        assert_eq!(reversal.status(), StatusCode::CREATED);
    }
    assert_eq!(first["occurred_on"], json!(day(month(3) + Duration::days(4))));

    let ledger = ledger_rows(&app);
    assert_eq!(ledger.len(), 11, "every movement is in the ledger");
    let summed = |as_of: chrono::NaiveDate| summed_to(&ledger, as_of);
    // Every day from before the first movement to tomorrow.
    let mut as_of = month(3) - Duration::days(1);
    while as_of <= today + Duration::days(1) {
        assert_eq!(valuation_at(&app, &finance, as_of).await, summed(as_of), "the valuation at the end of {as_of}");
        as_of += Duration::days(1);
    }
    let now: Value = app.get("/api/v1/reports/stock-valuation", &finance).await.json().await.unwrap();
    assert_eq!(valued(&now), summed(today));
    assert!(!summed(today).is_empty() && summed(month(2)).len() == 2, "the check compares something");

    // Another node whose clock has passed midnight already dates a receipt tomorrow (written here
    // as it would be: movement, item totals and month row): today's valuation leaves it out.
    let tomorrow = today + Duration::days(1);
    app.execute_sql(&format!(
        "INSERT INTO stock_movements (item_id, kind, quantity, to_location_id, quantity_delta, value_delta, unit_cost, value, on_hand_after, created_at, occurred_on) \
         SELECT id, 'receipt', 1000, {a}, 1000, 100, 1000, 100, on_hand + 1000, '{today} 23:59:59', '{tomorrow}' FROM items WHERE id = {nut};
         UPDATE items SET on_hand = on_hand + 1000, stock_value = stock_value + 100 WHERE id = {nut};
         INSERT INTO stock_month_totals (item_id, month, quantity_delta, value_delta) VALUES ({nut}, '{}', 1000, 100) \
         ON CONFLICT (item_id, month) DO UPDATE SET quantity_delta = stock_month_totals.quantity_delta + 1000, \
           value_delta = stock_month_totals.value_delta + 100;",
        tomorrow.with_day(1).unwrap()
    ));
    let ledger = ledger_rows(&app);
    let summed = |as_of: chrono::NaiveDate| summed_to(&ledger, as_of);
    for as_of in [today, tomorrow] {
        assert_eq!(valuation_at(&app, &finance, as_of).await, summed(as_of), "the valuation at the end of {as_of}");
    }
    assert_ne!(summed(today), summed(tomorrow));

    // The rollup equals the ledger; a spoiled row and a lost one are named, and the check fails.
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_opsdesk"))
            .args(["ledger", "verify"])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let checked = verify();
    let said = String::from_utf8_lossy(&checked.stdout).to_string();
    assert!(checked.status.success() && said.contains("stock month rows"), "{said}");
    let (spoiled_month, lost_month) = (month(3).format("%Y-%m"), month(2).format("%Y-%m"));
    app.execute_sql(&format!(
        "UPDATE stock_month_totals SET value_delta = value_delta + 1 WHERE item_id = {bolt} AND month = '{}';
         DELETE FROM stock_month_totals WHERE item_id = {nut} AND month = '{}';",
        month(3),
        month(2)
    ));
    let spoiled = verify();
    let said = String::from_utf8_lossy(&spoiled.stdout).to_string();
    assert!(!spoiled.status.success(), "{said}");
    assert!(said.contains(&format!("stock month totals of item {bolt} {spoiled_month}: hold ")), "{said}");
    assert!(said.contains(&format!("stock month totals of item {nut} {lost_month}: hold 0/0")), "{said}");
}
both_backends!(valuation_from_the_monthly_rollup, valuation_equals_the_whole_ledger);
