//! Input limits, the same in every module (DESIGN.md, API conventions): amounts and quantities
//! below 10^13, dates 1900-01-01..9999-12-31, times 1970..9999, no key twice in one object.
//! Anything outside is 422 (400 for the duplicate key) naming the field: never a 500, a dropped
//! connection, a wrap-around or a silent zero.

use crate::common::{self, created, pointers, problem, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// 29 digits: rust_decimal's multiplication panicked on these.
const HUGE: &str = "99999999999999999999999999999";

/// A 422 that names `pointer` among its errors.
async fn refused(response: reqwest::Response, pointer: &str) {
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(pointers(&body).iter().any(|p| p == pointer), "422 naming {pointer}: {body}");
}

/// A 422 that names the query parameter `name`.
async fn refused_parameter(response: reqwest::Response, name: &str) {
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let named = body["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["parameter"] == name));
    assert!(named, "422 naming the parameter {name}: {body}");
}

async fn money_and_quantities_have_a_ceiling(app: TestApp) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "OPS", "Ops").await;

    // Rates: the connection used to drop with no answer.
    let person = |rate: &str| {
        json!({"first_name": "Ann", "last_name": "Lee", "work_email": format!("ann{}@corp.example", rate.len()),
               "department_id": department, "employment_type": "full_time", "status": "active",
               "start_date": "2025-01-06", "compensation": {"hourly_cost_rate": rate, "currency": "EUR"}})
    };
    refused(app.post("/api/v1/employees", &admin, &person(HUGE)).await, "/compensation/hourly_cost_rate").await;
    let ann = created(app.post("/api/v1/employees", &admin, &person("45.00")).await).await;
    let raise = json!({"effective_from": "2025-02-01", "hourly_cost_rate": HUGE, "currency": "EUR"});
    let ann_id = ann["id"].as_i64().expect("employee id");
    refused(app.post(&format!("/api/v1/employees/{ann_id}/compensation"), &admin, &raise).await, "/hourly_cost_rate")
        .await;
    let desk = json!({"key": "IT", "name": "IT", "department_id": department, "default_billing_rate": HUGE, "currency": "EUR"});
    refused(app.post("/api/v1/desks", &admin, &desk).await, "/default_billing_rate").await;
    let customer = json!({"name": "Northwind", "currency": "EUR", "hourly_billing_rate": HUGE});
    refused(app.post("/api/v1/customers", &admin, &customer).await, "/hourly_billing_rate").await;
    let item = json!({"sku": "SSD", "name": "SSD", "reorder_point": HUGE});
    refused(app.post("/api/v1/inventory/items", &admin, &item).await, "/reorder_point").await;

    // Budgets: 12 × 92233720368547758.07 was accepted with a total of -0.12.
    let budget =
        |lines: Value| json!({"department_id": department, "fiscal_year": 2026, "currency": "EUR", "lines": lines});
    refused(
        app.post(
            "/api/v1/budgets",
            &admin,
            &budget(json!([{"category": "travel", "monthly": vec!["92233720368547758.07"; 12]}])),
        )
        .await,
        "/lines/0/monthly/0",
    )
    .await;
    refused(
        app.post("/api/v1/budgets", &admin, &budget(json!([{"category": "travel", "annual": HUGE}]))).await,
        "/lines/0/annual",
    )
    .await;
    // Twelve amounts each under the ceiling, whose year is over it.
    refused(
        app.post(
            "/api/v1/budgets",
            &admin,
            &budget(json!([{"category": "travel", "monthly": vec!["9999999999999.99"; 12]}])),
        )
        .await,
        "/lines/0",
    )
    .await;

    // Invoices: every line field, and a product of two allowed numbers that is not allowed.
    let customer =
        created(app.post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"})).await).await
            ["id"]
            .as_i64()
            .expect("customer id");
    let invoice = |line: Value| json!({"kind": "receivable", "customer_id": customer, "lines": [line]});
    let line = |quantity: &str, price: &str| json!({"description": "Work", "quantity": quantity, "unit_price": price});
    refused(app.post("/api/v1/invoices", &admin, &invoice(line(HUGE, "1"))).await, "/lines/0/quantity").await;
    refused(app.post("/api/v1/invoices", &admin, &invoice(line("1", HUGE))).await, "/lines/0/unit_price").await;
    let mut discounted = line("1", "1");
    discounted["discount_percent"] = json!(HUGE);
    refused(app.post("/api/v1/invoices", &admin, &invoice(discounted)).await, "/lines/0/discount_percent").await;
    refused(
        app.post("/api/v1/invoices", &admin, &invoice(line("9999999999999", "9999999999999"))).await,
        "/lines/0/quantity",
    )
    .await;
    // Payments: 92233720368547758.07 EUR fits 64 bits in cents, its sum with what was paid did not.
    let draft = created(app.post("/api/v1/invoices", &admin, &invoice(line("1", "100"))).await).await;
    let invoice_id = draft["id"].as_i64().expect("invoice id");
    let issued = app.action(&format!("/api/v1/invoices/{invoice_id}/issue"), &admin).await;
    assert_eq!(issued.status(), StatusCode::OK);
    let payments = format!("/api/v1/invoices/{invoice_id}/payments");
    let today = common::today();
    for amount in [HUGE, "92233720368547758.07", "10000000000000"] {
        let payment = json!({"amount": amount, "paid_on": today, "method": "bank_transfer"});
        refused(app.post(&payments, &admin, &payment).await, "/amount").await;
    }

    // Stock: a receipt of 1000000 × 99999999999 was accepted and valued at 0.00.
    let wh = created(app.post("/api/v1/inventory/locations", &admin, &json!({"code": "WH", "name": "WH"})).await).await;
    let wh = wh["id"].as_i64().expect("location id");
    let ssd = created(app.post("/api/v1/inventory/items", &admin, &json!({"sku": "SSD", "name": "SSD"})).await).await;
    let ssd = ssd["id"].as_i64().expect("item id");
    let receipt = |quantity: &str, cost: &str| json!({"kind": "receipt", "item_id": ssd, "location_id": wh, "quantity": quantity, "unit_cost": cost});
    let movements = "/api/v1/inventory/movements";
    refused(app.post(movements, &admin, &receipt("1000000", "99999999999")).await, "/unit_cost").await;
    refused(app.post(movements, &admin, &receipt(HUGE, "1")).await, "/quantity").await;
    refused(app.post(movements, &admin, &receipt("1", HUGE)).await, "/unit_cost").await;
    // On hand past the ceiling, one allowed receipt at a time (a 500 "bigint out of range" on
    // PostgreSQL, a 409 "at location 0" on SQLite).
    created(app.post(movements, &admin, &receipt("9999999999999", "0")).await).await;
    refused(app.post(movements, &admin, &receipt("9999999999999", "0")).await, "/quantity").await;
    let count =
        json!({"kind": "adjustment", "item_id": ssd, "location_id": wh, "counted_quantity": HUGE, "reason": "count"});
    refused(app.post(movements, &admin, &count).await, "/counted_quantity").await;
    let held: Value = app.get(&format!("/api/v1/inventory/items/{ssd}"), &admin).await.json().await.expect("item");
    assert_eq!((held["on_hand"].as_str(), held["stock_value"].as_str()), (Some("9999999999999.000"), Some("0.00")));
}
both_backends!(money_and_quantities_have_a_ceiling, money_and_quantities_have_a_ceiling);

async fn dates_lie_in_one_calendar(app: TestApp) {
    let admin = app.admin_token().await;
    // A query date at chrono's edge: no answer at all, or a 500.
    for (path, parameter) in [
        ("/api/v1/reports/desks?to=-262143-01-01", "to"),
        ("/api/v1/reports/customer-profitability?to=-262143-01-01", "to"),
        ("/api/v1/reports/stock-valuation?as_of=%2B262142-12-31", "as_of"),
        ("/api/v1/reports/receivables-aging?as_of=1899-12-31", "as_of"),
        ("/api/v1/time-entries?from=0001-01-01", "from"),
        ("/api/v1/customers?updated_since=-4714-01-01T00:00:00Z", "updated_since"),
        ("/api/v1/tickets?created_from=1969-12-31T23:59:59Z", "created_from"),
        ("/api/v1/audit-events?from=%2B262142-01-01T00:00:00Z", "from"),
    ] {
        refused_parameter(app.get(path, &admin).await, parameter).await;
    }
    // The last day there is still answers, and values the ledger as it is now.
    let department = app.department(&admin, "OPS", "Ops").await;
    let wh = created(app.post("/api/v1/inventory/locations", &admin, &json!({"code": "WH", "name": "WH"})).await).await;
    let ssd = created(app.post("/api/v1/inventory/items", &admin, &json!({"sku": "SSD", "name": "SSD"})).await).await;
    let receipt =
        json!({"kind": "receipt", "item_id": ssd["id"], "location_id": wh["id"], "quantity": "2", "unit_cost": "10"});
    created(app.post("/api/v1/inventory/movements", &admin, &receipt).await).await;
    let last_day: Value =
        app.get("/api/v1/reports/stock-valuation?as_of=9999-12-31", &admin).await.json().await.expect("valuation");
    let today: Value = app.get("/api/v1/reports/stock-valuation", &admin).await.json().await.expect("valuation");
    assert_eq!(last_day["items"], today["items"], "9999-12-31 sees today's stock");
    assert_eq!(today["items"].as_array().map(Vec::len), Some(1));

    let budget = json!({"department_id": department, "fiscal_year": 2026, "currency": "EUR",
                        "lines": [{"category": "travel", "annual": "1200"}]});
    let budget = created(app.post("/api/v1/budgets", &admin, &budget).await).await;
    let variance = format!("/api/v1/budgets/{}/variance?as_of=%2B262142-12-31", budget["id"]);
    refused_parameter(app.get(&variance, &admin).await, "as_of").await;

    // Body dates.
    let customer =
        created(app.post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"})).await).await;
    let lines = json!([{"description": "Work", "quantity": "1", "unit_price": "10"}]);
    for (field, date) in [("issue_date", "+262142-12-31"), ("issue_date", "1899-12-31"), ("due_date", "-4714-11-24")] {
        let mut invoice = json!({"kind": "receivable", "customer_id": customer["id"], "lines": lines});
        invoice[field] = json!(date);
        refused(app.post("/api/v1/invoices", &admin, &invoice).await, &format!("/{field}")).await;
    }
    // The last day is a date like any other; a due date past it is refused when issuing.
    let late = json!({"kind": "receivable", "customer_id": customer["id"], "lines": lines, "issue_date": "9999-12-31"});
    let late = created(app.post("/api/v1/invoices", &admin, &late).await).await;
    let issue = app.action(&format!("/api/v1/invoices/{}/issue", late["id"]), &admin).await;
    refused(issue, "/issue_date").await;
}
both_backends!(dates_lie_in_one_calendar, dates_lie_in_one_calendar);

async fn a_key_named_twice_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    let customer =
        created(app.post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"})).await).await;
    let invoice = json!({"kind": "receivable", "customer_id": customer["id"],
                         "lines": [{"description": "Work", "quantity": "1", "unit_price": "100"}]});
    let invoice = created(app.post("/api/v1/invoices", &admin, &invoice).await).await;
    let id = invoice["id"].as_i64().expect("invoice id");
    assert_eq!(app.action(&format!("/api/v1/invoices/{id}/issue"), &admin).await.status(), StatusCode::OK);
    let today = chrono::Utc::now().date_naive();
    let twice = format!(r#"{{"amount":"1.00","paid_on":"{today}","method":"cash","amount":"60.00"}}"#);
    let response = app
        .request(reqwest::Method::POST, &format!("/api/v1/invoices/{id}/payments"), Some(&admin))
        .header("Content-Type", "application/json")
        .body(twice)
        .send()
        .await
        .expect("POST");
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("\"amount\" appears twice"), "{body}");
    let paid: Value = app.get(&format!("/api/v1/invoices/{id}/payments"), &admin).await.json().await.expect("payments");
    assert_eq!(paid["items"].as_array().map(Vec::len), Some(0), "nothing was recorded");
}
both_backends!(a_key_named_twice_is_refused, a_key_named_twice_is_refused);
