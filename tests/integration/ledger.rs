//! The cost book: every producer books what it cost or earned, corrections reverse, movements
//! count on the day they happened, exchange rates convert to the base currency, and the readers
//! (department costs, ticket cost, budgets, profitability) add up to the producers' records.

use crate::common::{created, pointers, problem, TestApp};
use chrono::{Datelike, Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The 10th of the month before this one: a day in a month that is over.
fn last_month() -> NaiveDate {
    let first = today().with_day(1).unwrap();
    (first - Duration::days(1)).with_day(10).unwrap()
}

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// A department with a desk, an agent costing 40.00 an hour, a customer and their ticket, a
/// stock room with 3 seals worth 30.00 received last month, and a vendor.
struct Company {
    admin: String,
    finance: String,
    agent: String,
    department: i64,
    customer: i64,
    ticket: i64,
    shelf: i64,
    seal: i64,
    vendor: i64,
}

async fn company(app: &TestApp) -> Company {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let department = app.department(&admin, "FLD", "Field service").await;
    let (ada, agent) = app.employee_user(&admin, department, "ada", &["agent"], "40.00").await;
    let desk = app.desk(&admin, "FLD", "Field", department, "90").await;
    app.join_desk(&admin, desk, ada).await;
    let id = |v: Value| v["id"].as_i64().unwrap();
    let customer =
        id(created(app.post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"})).await)
            .await);
    let ticket = id(created(
        app.post(
            "/api/v1/tickets",
            &agent,
            &json!({"desk_id": desk, "subject": "Boiler", "requester_customer_id": customer}),
        )
        .await,
    )
    .await);
    let shelf =
        id(created(app.post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"})).await)
            .await);
    let seal =
        id(created(app.post("/api/v1/inventory/items", &admin, &json!({"sku": "SEAL", "name": "Seal"})).await).await);
    let received_on = (last_month() - Duration::days(1)).to_string();
    created(
        app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "receipt", "item_id": seal, "location_id": shelf, "quantity": "3", "unit_cost": "10", "occurred_on": received_on}))
            .await,
    )
    .await;
    let vendor =
        id(created(app.post("/api/v1/vendors", &finance, &json!({"name": "CloudHost", "currency": "EUR"})).await)
            .await);
    Company { admin, finance, agent, department, customer, ticket, shelf, seal, vendor }
}

async fn department_costs(app: &TestApp, token: &str, from: NaiveDate, to: NaiveDate) -> Value {
    json_of(
        app.get(&format!("/api/v1/reports/department-costs?from={from}&to={to}&group_by=month"), token).await,
        StatusCode::OK,
    )
    .await
}

/// (labour, materials, bills, total) of the report's first department.
fn figures(report: &Value) -> (String, String, String, String) {
    let d = &report["departments"][0];
    let s = |k: &str| d[k].as_str().unwrap_or("-").to_string();
    (s("labour"), s("materials"), s("bills"), s("total"))
}

fn strings(values: [&str; 4]) -> (String, String, String, String) {
    (values[0].into(), values[1].into(), values[2].into(), values[3].into())
}

async fn producers_book_and_readers_add_up(app: TestApp) {
    let c = company(&app).await;
    let (from, to) = (last_month().with_day(1).unwrap(), today());
    // Labour: 90 minutes last month at 40.00 = 60.00.
    let entry = created(
        app.post(
            &format!("/api/v1/tickets/{}/time-entries", c.ticket),
            &c.agent,
            &json!({"work_date": last_month().to_string(), "minutes": 90}),
        )
        .await,
    )
    .await;
    // Materials: 2 seals to the ticket, used last month but recorded today (20.00), and 1 to the
    // department today (10.00).
    let to_ticket = created(app.post("/api/v1/inventory/movements", &c.agent, &json!({"kind": "issue", "item_id": c.seal, "location_id": c.shelf, "quantity": "2", "ticket_id": c.ticket, "occurred_on": last_month().to_string()}))
            .await)
    .await;
    assert_eq!(to_ticket["occurred_on"], json!(last_month().to_string()));
    let to_department = created(app.post("/api/v1/inventory/movements", &c.admin, &json!({"kind": "issue", "item_id": c.seal, "location_id": c.shelf, "quantity": "1", "department_id": c.department}))
            .await)
    .await;
    // Bills: an issued bill line of 99.99 (before tax) and a draft of 50.00 (a commitment, no cost).
    let bill = |amount: &str| {
        json!({"kind": "payable", "vendor_id": c.vendor, "lines": [{"description": "Licences", "quantity": "1", "unit_price": amount,
        "tax_rate_percent": "19", "department_id": c.department, "budget_category": "software"}]})
    };
    let issued_bill = created(app.post("/api/v1/invoices", &c.finance, &bill("99.99")).await).await;
    json_of(
        app.post(&format!("/api/v1/invoices/{}/issue", issued_bill["id"]), &c.finance, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    created(app.post("/api/v1/invoices", &c.finance, &bill("50")).await).await;
    // Revenue: 200.00 invoiced to the customer.
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &c.finance,
            &json!({"kind": "receivable", "customer_id": c.customer,
            "lines": [{"description": "Service", "quantity": "1", "unit_price": "200", "tax_rate_percent": "19"}]}),
        )
        .await,
    )
    .await;
    json_of(
        app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &c.finance, &json!({})).await,
        StatusCode::OK,
    )
    .await;

    // The department's cost: what the producers recorded, each counted once, in the month it
    // happened.
    let report = department_costs(&app, &c.finance, from, to).await;
    assert_eq!(report["currency"], "EUR");
    assert_eq!(figures(&report), strings(["60.00", "30.00", "99.99", "189.99"]));
    let months = report["departments"][0]["months"].as_array().unwrap().clone();
    assert_eq!(months[0]["month"], json!(month_of(last_month())));
    assert_eq!((months[0]["labour"].as_str(), months[0]["materials"].as_str()), (Some("60.00"), Some("20.00")));
    assert_eq!(months[1]["month"], json!(month_of(today())));
    assert_eq!((months[1]["materials"].as_str(), months[1]["bills"].as_str()), (Some("10.00"), Some("99.99")));
    assert_eq!(report["totals"]["total"], "189.99");
    // Read from the rollup (last month whole) or from the lines (from its 2nd): the same sums.
    let from_lines = department_costs(&app, &c.finance, from + Duration::days(1), to).await;
    assert_eq!(figures(&from_lines), figures(&report));
    // Only last month.
    let last = department_costs(&app, &c.finance, from, today().with_day(1).unwrap() - Duration::days(1)).await;
    assert_eq!(figures(&last), strings(["60.00", "20.00", "0.00", "80.00"]));

    // The ticket's cost: the labour and the parts booked to it.
    let cost = json_of(app.get(&format!("/api/v1/tickets/{}/cost", c.ticket), &c.finance).await, StatusCode::OK).await;
    assert_eq!(cost["costs"], json!([{"currency": "EUR", "labour": "60.00", "parts": "20.00", "total": "80.00"}]));
    // The customer's margin: 200.00 revenue less 60.00 labour and 20.00 parts.
    let profit = json_of(
        app.get(&format!("/api/v1/reports/customer-profitability?from={from}&to={to}"), &c.finance).await,
        StatusCode::OK,
    )
    .await;
    let row = &profit["customers"][0];
    assert_eq!(row["customer_id"], json!(c.customer));
    assert_eq!(
        (row["currencies"][0]["revenue"].as_str(), row["currencies"][0]["margin"].as_str()),
        (Some("200.00"), Some("120.00"))
    );
    assert_eq!(
        (row["margin_in_base"].as_str(), row["margin_in_base_percent"].as_str()),
        (Some("120.00"), Some("60.0"))
    );
    // The budget counts the parts in the month they were used.
    let budget = created(
        app.post(
            "/api/v1/budgets",
            &c.finance,
            &json!({"department_id": c.department, "fiscal_year": last_month().year(), "currency": "EUR",
            "lines": [{"category": "materials", "annual": "1200"}]}),
        )
        .await,
    )
    .await;
    let variance =
        json_of(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &c.finance).await, StatusCode::OK).await;
    let materials =
        variance["lines"].as_array().unwrap().iter().find(|l| l["category"] == "materials").unwrap().clone();
    assert_eq!(materials["months"][last_month().month0() as usize]["actual"], "20.00");

    // Corrections reverse: the entry grows to 120 minutes (80.00), the department's seal comes
    // back, the bill is voided.
    let edited = app
        .request(Method::PATCH, &format!("/api/v1/time-entries/{}", entry["id"]), Some(&c.agent))
        .header("If-Match", format!("\"{}\"", entry["version"]))
        .json(&json!({"minutes": 120}))
        .send()
        .await
        .unwrap();
    json_of(edited, StatusCode::OK).await;
    created(
        app.post(
            &format!("/api/v1/inventory/movements/{}/reversal", to_department["id"]),
            &c.admin,
            &json!({"reason": "not used"}),
        )
        .await,
    )
    .await;
    json_of(
        app.post(&format!("/api/v1/invoices/{}/void", issued_bill["id"]), &c.finance, &json!({"reason": "sent twice"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let corrected = department_costs(&app, &c.finance, from, to).await;
    assert_eq!(figures(&corrected), strings(["80.00", "20.00", "0.00", "100.00"]));
    let corrected = department_costs(&app, &c.finance, from + Duration::days(1), to).await;
    assert_eq!(figures(&corrected), strings(["80.00", "20.00", "0.00", "100.00"]), "rollups and lines agree");

    // Who reads it; what is refused.
    problem(
        app.get(&format!("/api/v1/reports/department-costs?from={from}&to={to}"), &c.agent).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let backwards = app.get(&format!("/api/v1/reports/department-costs?from={to}&to={from}"), &c.finance).await;
    let backwards = problem(backwards, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(backwards["errors"][0]["parameter"], "from");
}

both_backends!(cost_book_producers_and_readers, producers_book_and_readers_add_up);

async fn rates_convert_to_the_base_currency(app: TestApp) {
    let c = company(&app).await;
    let ops = app.user_token(&c.admin, "ops@example.com", &["ops"]).await;
    let rate_day = last_month().with_day(1).unwrap();
    // Only finance and admin add rates; the base currency has none; never in the future.
    let usd = json!({"currency": "USD", "rate_date": rate_day.to_string(), "rate": "0.9"});
    problem(app.post("/api/v1/exchange-rates", &ops, &usd).await, StatusCode::FORBIDDEN).await;
    let bad = app
        .post(
            "/api/v1/exchange-rates",
            &c.finance,
            &json!({"currency": "EUR", "rate_date": (today() + Duration::days(1)).to_string(), "rate": "0"}),
        )
        .await;
    let mut wrong = pointers(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await);
    wrong.sort();
    assert_eq!(wrong, vec!["/currency", "/rate", "/rate_date"]);
    let rate = created(app.post("/api/v1/exchange-rates", &c.finance, &usd).await).await;
    assert_eq!((rate["base_currency"].as_str(), rate["rate"].as_str()), (Some("EUR"), Some("0.9")));
    let listed = json_of(app.get("/api/v1/exchange-rates?currency=USD", &ops).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // A bill in USD (100.00) counts in the department's EUR budget at 0.9: 90.00.
    let dollars =
        created(app.post("/api/v1/vendors", &c.finance, &json!({"name": "US Cloud", "currency": "USD"})).await).await;
    let bill = created(app.post("/api/v1/invoices", &c.finance, &json!({"kind": "payable", "vendor_id": dollars["id"], "currency": "USD",
            "lines": [{"description": "Hosting", "quantity": "1", "unit_price": "100", "department_id": c.department, "budget_category": "software"}]}))
            .await)
    .await;
    assert_eq!(bill["currency"], "USD");
    json_of(app.post(&format!("/api/v1/invoices/{}/issue", bill["id"]), &c.finance, &json!({})).await, StatusCode::OK)
        .await;
    let budget = created(
        app.post(
            "/api/v1/budgets",
            &c.finance,
            &json!({"department_id": c.department, "fiscal_year": today().year(), "currency": "EUR",
            "lines": [{"category": "software", "annual": "1200"}]}),
        )
        .await,
    )
    .await;
    let variance =
        json_of(app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &c.finance).await, StatusCode::OK).await;
    assert_eq!(variance["actual"], "90.00");
    let report = department_costs(&app, &c.finance, rate_day, today()).await;
    assert_eq!(report["departments"][0]["bills"], "90.00");

    // A bill in a currency without a rate is refused, naming the pair and the day.
    let yen =
        created(app.post("/api/v1/vendors", &c.finance, &json!({"name": "Tokyo Parts", "currency": "JPY"})).await)
            .await;
    let yen_bill = created(app.post("/api/v1/invoices", &c.finance, &json!({"kind": "payable", "vendor_id": yen["id"], "currency": "JPY",
            "lines": [{"description": "Valves", "quantity": "1", "unit_price": "5000", "department_id": c.department, "budget_category": "other"}]}))
            .await)
    .await;
    let refused = app.post(&format!("/api/v1/invoices/{}/issue", yen_bill["id"]), &c.finance, &json!({})).await;
    let refused = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let detail = refused["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("JPY/EUR") && detail.contains(&today().to_string()), "{detail}");
    let still =
        json_of(app.get(&format!("/api/v1/invoices/{}", yen_bill["id"]), &c.finance).await, StatusCode::OK).await;
    assert_eq!(still["status"], "draft", "nothing half written");

    // One margin across currencies: 100.00 USD revenue (90.00 EUR) less 30.00 EUR labour.
    let us_customer =
        created(app.post("/api/v1/customers", &c.finance, &json!({"name": "Acme Inc", "currency": "USD"})).await).await
            ["id"]
            .as_i64()
            .unwrap();
    let desk_ticket: Value = app.get(&format!("/api/v1/tickets/{}", c.ticket), &c.admin).await.json().await.unwrap();
    let ticket = created(
        app.post(
            "/api/v1/tickets",
            &c.agent,
            &json!({"desk_id": desk_ticket["desk_id"], "subject": "Pump", "requester_customer_id": us_customer}),
        )
        .await,
    )
    .await;
    created(
        app.post(
            &format!("/api/v1/tickets/{}/time-entries", ticket["id"]),
            &c.agent,
            &json!({"work_date": today().to_string(), "minutes": 45}),
        )
        .await,
    )
    .await;
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &c.finance,
            &json!({"kind": "receivable", "customer_id": us_customer, "currency": "USD",
            "lines": [{"description": "Service", "quantity": "1", "unit_price": "100"}]}),
        )
        .await,
    )
    .await;
    json_of(
        app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &c.finance, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let profit = json_of(app.get("/api/v1/reports/customer-profitability", &c.finance).await, StatusCode::OK).await;
    let row = profit["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == json!(us_customer))
        .unwrap()
        .clone();
    assert_eq!(row["currencies"].as_array().unwrap().len(), 2, "USD revenue and EUR labour: {row}");
    assert_eq!(
        (row["revenue_in_base"].as_str(), row["cost_in_base"].as_str(), row["margin_in_base"].as_str()),
        (Some("90.00"), Some("30.00"), Some("60.00"))
    );
}

both_backends!(cost_book_exchange_rates, rates_convert_to_the_base_currency);

/// The reports a reader sees of the company: department costs, the ticket's cost, profitability.
async fn readings(app: &TestApp, c: &Company) -> (Value, Value, Value) {
    let (from, to) = (last_month().with_day(1).unwrap(), today());
    let costs = department_costs(app, &c.finance, from, to).await;
    let ticket =
        json_of(app.get(&format!("/api/v1/tickets/{}/cost", c.ticket), &c.finance).await, StatusCode::OK).await;
    let profit = json_of(
        app.get(&format!("/api/v1/reports/customer-profitability?from={from}&to={to}"), &c.finance).await,
        StatusCode::OK,
    )
    .await;
    (costs, ticket, profit)
}

async fn older_data_is_booked_once(app: TestApp) {
    let c = company(&app).await;
    let entries = format!("/api/v1/tickets/{}/time-entries", c.ticket);
    created(app.post(&entries, &c.agent, &json!({"work_date": last_month().to_string(), "minutes": 75})).await).await;
    created(
        app.post("/api/v1/inventory/movements", &c.agent, &json!({"kind": "issue", "item_id": c.seal, "location_id": c.shelf, "quantity": "1", "ticket_id": c.ticket}))
            .await,
    )
    .await;
    let bill = created(
        app.post("/api/v1/invoices", &c.finance, &json!({"kind": "payable", "vendor_id": c.vendor,
            "lines": [{"description": "Licences", "quantity": "2", "unit_price": "12.50", "department_id": c.department, "budget_category": "software"}]}))
            .await,
    )
    .await;
    json_of(app.post(&format!("/api/v1/invoices/{}/issue", bill["id"]), &c.finance, &json!({})).await, StatusCode::OK)
        .await;
    let invoice = created(
        app.post(
            "/api/v1/invoices",
            &c.finance,
            &json!({"kind": "receivable", "customer_id": c.customer,
            "lines": [{"description": "Service", "quantity": "1", "unit_price": "150"}]}),
        )
        .await,
    )
    .await;
    json_of(
        app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &c.finance, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let booked = readings(&app, &c).await;
    assert_eq!(figures(&booked.0), strings(["50.00", "10.00", "25.00", "85.00"]));

    // As if this data had been written before the book existed: the first start books it all,
    // by the same rules, once.
    app.execute_sql("DELETE FROM cost_rollups");
    app.execute_sql("DELETE FROM cost_lines");
    app.execute_sql("UPDATE ledger_state SET backfilled_at = NULL");
    let emptied = readings(&app, &c).await;
    assert_eq!(emptied.0["departments"], json!([]), "nothing booked");
    let upgraded = app.another_node().await;
    assert_eq!(readings(&upgraded, &c).await, booked);
    let restarted = app.another_node().await;
    assert_eq!(readings(&restarted, &c).await, booked, "a second start books nothing again");
}

both_backends!(cost_book_older_data, older_data_is_booked_once);

async fn bill(app: &TestApp, c: &Company, include_parts: bool) -> reqwest::Response {
    app.post(
        "/api/v1/invoices/from-time-entries",
        &c.finance,
        &json!({"customer_id": c.customer, "ticket_ids": [c.ticket], "from": last_month().to_string(),
            "to": today().to_string(), "include_parts": include_parts}),
    )
    .await
}

async fn parts_used_on_a_ticket_are_billed_once(app: TestApp) {
    let c = company(&app).await;
    // 2 seals (20.00 at cost) go to the customer's ticket; the customer pays cost plus 15 %.
    let issue = created(
        app.post("/api/v1/inventory/movements", &c.agent, &json!({"kind": "issue", "item_id": c.seal, "location_id": c.shelf, "quantity": "2", "ticket_id": c.ticket}))
            .await,
    )
    .await;
    let customer = format!("/api/v1/customers/{}", c.customer);
    let marked = app.patch(&customer, &c.finance, &json!({"parts_markup_percent": "15"}), None).await;
    assert_eq!(json_of(marked, StatusCode::OK).await["parts_markup_percent"], "15.00");
    // Without parts there is nothing to bill (no billable time either).
    problem(bill(&app, &c, false).await, StatusCode::CONFLICT).await;
    let invoice = created(bill(&app, &c, true).await).await;
    let line = &invoice["lines"][0];
    assert_eq!(
        (line["quantity"].as_str(), line["unit_price"].as_str(), line["net"].as_str(), line["item_id"].as_i64()),
        (Some("2.000"), Some("11.5000"), Some("23.00"), Some(c.seal))
    );
    // Each issue is billed once, and a billed issue is not reversed behind the invoice's back.
    problem(bill(&app, &c, true).await, StatusCode::CONFLICT).await;
    let reversal = app
        .post(
            &format!("/api/v1/inventory/movements/{}/reversal", issue["id"]),
            &c.admin,
            &json!({"reason": "returned"}),
        )
        .await;
    let refused = problem(reversal, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().contains("billed"), "{refused}");
    // Deleting the draft releases the parts; at the item's sale price they bill at 14.99 each.
    let deleted = app
        .request(Method::DELETE, &format!("/api/v1/invoices/{}", invoice["id"]), Some(&c.finance))
        .header("If-Match", format!("\"{}\"", invoice["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let priced = app
        .patch(&format!("/api/v1/inventory/items/{}", c.seal), &c.admin, &json!({"sale_price": "14.99"}), None)
        .await;
    assert_eq!(json_of(priced, StatusCode::OK).await["sale_price"], "14.9900");
    let invoice = created(bill(&app, &c, true).await).await;
    assert_eq!(
        (invoice["lines"][0]["unit_price"].as_str(), invoice["subtotal"].as_str()),
        (Some("14.9900"), Some("29.98"))
    );
    // Issued, the parts are the customer's revenue in the cost book.
    json_of(
        app.post(&format!("/api/v1/invoices/{}/issue", invoice["id"]), &c.finance, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let profit = json_of(app.get("/api/v1/reports/customer-profitability", &c.finance).await, StatusCode::OK).await;
    let row =
        profit["customers"].as_array().unwrap().iter().find(|r| r["customer_id"] == json!(c.customer)).unwrap().clone();
    assert_eq!(
        (row["currencies"][0]["revenue"].as_str(), row["currencies"][0]["parts_cost"].as_str()),
        (Some("29.98"), Some("20.00"))
    );
}

both_backends!(cost_book_parts_billing, parts_used_on_a_ticket_are_billed_once);
