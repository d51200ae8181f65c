//! Budgets: lines and spreading, the lifecycle with separation of duties, revisions, actuals from
//! each source in exact sums, variance and forecast on known data, who reads what.

use crate::common::{self, pointers, problem, this_year, today, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn lifecycle_and_revisions(app: TestApp) {
    let admin = app.admin_token().await;
    let fiona = app.user_token(&admin, "fiona@example.com", &["finance"]).await;
    let frank = app.user_token(&admin, "frank@example.com", &["finance"]).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let department = app.department(&admin, "IT", "IT").await;
    let body = json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR", "exceed_policy": "stop",
        "lines": [{"category": "labour", "annual": "1000.00"},
                  {"category": "software", "monthly": ["10", "10", "10", "10", "10", "10", "10", "10", "10", "10", "10", "10.5"]}]});
    problem(app.post("/api/v1/budgets", &ops, &body).await, StatusCode::FORBIDDEN).await;
    let created = app.post("/api/v1/budgets", &fiona, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let budget: Value = created.json().await.unwrap();
    assert_eq!((budget["status"].as_str(), budget["revision"].as_i64()), (Some("draft"), Some(1)));
    let labour = budget["lines"].as_array().unwrap().iter().find(|l| l["category"] == "labour").unwrap().clone();
    assert_eq!(
        (labour["monthly"][0].as_str(), labour["monthly"][11].as_str(), labour["annual"].as_str()),
        (Some("83.33"), Some("83.37"), Some("1000.00"))
    );
    assert_eq!(budget["total"], "1120.50");
    problem(app.post("/api/v1/budgets", &fiona, &body).await, StatusCode::CONFLICT).await;
    let bad = app
        .post(
            "/api/v1/budgets",
            &fiona,
            &json!({"department_id": 999, "fiscal_year": this_year(), "currency": "EUR",
        "lines": [{"category": "travel", "monthly": ["1"]}, {"category": "travel", "annual": "1.001"}]}),
        )
        .await;
    let mut found = pointers(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(found, vec!["/department_id", "/lines/0/monthly", "/lines/1/annual", "/lines/1/category"]);

    // Draft → submitted → approved, and not by the one who submitted.
    let id = budget["id"].clone();
    let path = format!("/api/v1/budgets/{id}");
    let changed: Value = app.patch(&path, &fiona, &json!({"notes": "Plan A"}), None).await.json().await.unwrap();
    assert_eq!(changed["notes"], "Plan A");
    problem(app.post(&format!("{path}/approve"), &frank, &json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(app.post(&format!("{path}/submit"), &fiona, &json!({})).await.status(), StatusCode::OK);
    problem(app.patch(&path, &fiona, &json!({"notes": "late"}), None).await, StatusCode::CONFLICT).await;
    problem(app.post(&format!("{path}/approve"), &fiona, &json!({})).await, StatusCode::FORBIDDEN).await;
    let approved: Value = app.post(&format!("{path}/approve"), &frank, &json!({})).await.json().await.unwrap();
    assert_eq!(approved["status"], "approved");

    // A change to an approved budget is a new revision; the old one stays readable.
    let revision: Value = app.post(&format!("{path}/revisions"), &fiona, &json!({})).await.json().await.unwrap();
    assert_eq!(
        (revision["revision"].as_i64(), revision["status"].as_str(), revision["total"].as_str()),
        (Some(2), Some("draft"), Some("1120.50"))
    );
    problem(app.post(&format!("{path}/revisions"), &fiona, &json!({})).await, StatusCode::CONFLICT).await;
    let r = format!("/api/v1/budgets/{}", revision["id"]);
    app.patch(&r, &fiona, &json!({"lines": [{"category": "labour", "annual": "1200"}]}), None).await;
    app.post(&format!("{r}/submit"), &frank, &json!({})).await;
    let second: Value = app.post(&format!("{r}/approve"), &fiona, &json!({})).await.json().await.unwrap();
    assert_eq!((second["status"].as_str(), second["total"].as_str()), (Some("approved"), Some("1200.00")));
    let first: Value = app.get(&path, &fiona).await.json().await.unwrap();
    assert_eq!((first["status"].as_str(), first["total"].as_str()), (Some("superseded"), Some("1120.50")));

    // Readers: auditor all, a department's manager theirs, others nothing.
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    assert_eq!(app.get(&path, &auditor).await.status(), StatusCode::OK);
    problem(app.get(&path, &ops).await, StatusCode::NOT_FOUND).await;
    let listed: Value = app.get("/api/v1/budgets", &ops).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    let user = app.create_user(&admin, "mia@corp.example", &["employee"]).await;
    let mia: Value = app
        .post("/api/v1/employees", &admin, &json!({"first_name": "Mia", "last_name": "Manager", "work_email": "mia@corp.example",
            "department_id": department, "employment_type": "full_time", "status": "active", "start_date": "2025-01-06", "user_id": user["id"]}))
        .await
        .json()
        .await
        .unwrap();
    app.patch(&format!("/api/v1/departments/{}", department), &admin, &json!({"manager_id": mia["id"]}), None).await;
    let manager = app.token_for("mia@corp.example", common::PASSWORD).await;
    assert_eq!(app.get(&path, &manager).await.status(), StatusCode::OK);
    let mine: Value = app.get("/api/v1/budgets", &manager).await.json().await.unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}
both_backends!(budget_lifecycle, lifecycle_and_revisions);

async fn actuals_from_every_source(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    // A department with a desk, an agent costing 40.00 an hour, a vendor, a stock room.
    let department = app.department(&admin, "SVC", "Service").await;
    let (ada, agent) = app.employee_user(&admin, department, "ada", &["agent"], "40.00").await;
    let desk = app.desk(&admin, "SVC", "Service", department, "90").await;
    app.join_desk(&admin, desk, ada).await;
    let ticket: Value =
        app.post("/api/v1/tickets", &agent, &json!({"desk_id": desk, "subject": "Boiler"})).await.json().await.unwrap();
    // Labour: 90 minutes = 60.00.
    let logged = app
        .post(
            &format!("/api/v1/tickets/{}/time-entries", ticket["id"]),
            &agent,
            &json!({"work_date": today(), "minutes": 90}),
        )
        .await;
    assert_eq!(logged.status(), StatusCode::CREATED);
    // Materials: 2 of 3 seals worth 30.00 issued to the ticket = 20.00.
    let shelf: Value = app
        .post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"}))
        .await
        .json()
        .await
        .unwrap();
    let seal: Value = app
        .post("/api/v1/inventory/items", &admin, &json!({"sku": "SEAL", "name": "Seal"}))
        .await
        .json()
        .await
        .unwrap();
    app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "receipt", "item_id": seal["id"], "location_id": shelf["id"], "quantity": "3", "unit_cost": "10"})).await;
    let issued = app.post("/api/v1/inventory/movements", &agent, &json!({"kind": "issue", "item_id": seal["id"], "location_id": shelf["id"], "quantity": "2", "ticket_id": ticket["id"]})).await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    // Software: an issued bill line of 99.99 (before tax) and a draft of 50.00 (committed).
    let vendor: Value = app
        .post("/api/v1/vendors", &finance, &json!({"name": "CloudHost", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let bill = |amount: &str| {
        json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [{"description": "Licences", "quantity": "1", "unit_price": amount,
        "tax_rate_percent": "19", "department_id": department, "budget_category": "software"}]})
    };
    let issued_bill: Value = app.post("/api/v1/invoices", &finance, &bill("99.99")).await.json().await.unwrap();
    app.post(&format!("/api/v1/invoices/{}/issue", issued_bill["id"]), &finance, &json!({})).await;
    app.post("/api/v1/invoices", &finance, &bill("50")).await;

    let budget: Value = app
        .post(
            "/api/v1/budgets",
            &finance,
            &json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR",
            "lines": [{"category": "labour", "annual": "1200"}, {"category": "software", "annual": "120"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let variance: Value =
        app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &finance).await.json().await.unwrap();
    let line = |category: &str| {
        variance["lines"].as_array().unwrap().iter().find(|l| l["category"] == category).unwrap().clone()
    };
    let month = chrono::Datelike::month(&chrono::Utc::now().date_naive()) as usize;
    let labour = line("labour");
    assert_eq!(
        (labour["actual"].as_str(), labour["months"][month - 1]["actual"].as_str()),
        (Some("60.00"), Some("60.00"))
    );
    assert_eq!(line("materials")["actual"], "20.00", "parts to the department's desk's ticket");
    assert_eq!(line("materials")["planned"], "0.00");
    let software = line("software");
    assert_eq!((software["actual"].as_str(), software["committed"].as_str()), (Some("99.99"), Some("50.00")));
    // Forecast at the run rate: 99.99 over the months so far, continued to December.
    let expected = (rust_decimal::Decimal::new(9_999, 2) * rust_decimal::Decimal::from(12)
        / rust_decimal::Decimal::from(month as i64))
    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(software["forecast"], expected.to_string());
    assert_eq!(software["forecast_exceeds_plan"], expected > rust_decimal::Decimal::from(120));
    assert_eq!(variance["actual"], "179.99");
    let report: Value =
        app.get(&format!("/api/v1/reports/budgets?year={}", this_year()), &finance).await.json().await.unwrap();
    assert_eq!(report["departments"][0]["actual"], "179.99");
    problem(app.get("/api/v1/reports/budgets?year=1999", &finance).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Voids, credit notes and reversals flow through. Another department's spending stays its own.
    let other = app.department(&admin, "OPS", "Operations").await;
    let other_bill: Value = app
        .post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [{"description": "Seats",
            "quantity": "1", "unit_price": "700", "department_id": other, "budget_category": "software"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.post(&format!("/api/v1/invoices/{}/issue", other_bill["id"]), &finance, &json!({})).await;
    // The vendor credits 9.99 of the issued bill, charged back to the department's software line.
    let credit: Value = app
        .post(
            "/api/v1/invoices",
            &finance,
            &json!({"kind": "credit_note", "credited_invoice_id": issued_bill["id"],
            "vendor_reference": "CR-17", "lines": [{"description": "Unused seat", "quantity": "1", "unit_price": "9.99",
            "tax_rate_percent": "19", "department_id": department, "budget_category": "software"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((credit["vendor_id"].clone(), credit["customer_id"].clone()), (vendor["id"].clone(), Value::Null));
    let software_actual = |variance: Value| {
        let line = variance["lines"].as_array().unwrap().iter().find(|l| l["category"] == "software").unwrap().clone();
        (line["actual"].as_str().unwrap().to_string(), line["committed"].as_str().unwrap().to_string())
    };
    let variance_now = || async {
        app.get(&format!("/api/v1/budgets/{}/variance", budget["id"]), &finance).await.json::<Value>().await.unwrap()
    };
    assert_eq!(
        software_actual(variance_now().await),
        ("99.99".into(), "50.00".into()),
        "a draft credit counts nothing"
    );
    let credited: Value =
        app.post(&format!("/api/v1/invoices/{}/issue", credit["id"]), &finance, &json!({})).await.json().await.unwrap();
    assert!(credited["number"].as_str().unwrap().starts_with(&format!("VCN-{}-", this_year())), "{credited}");
    assert_eq!(software_actual(variance_now().await), ("90.00".into(), "50.00".into()));
    let bill_after: Value =
        app.get(&format!("/api/v1/invoices/{}", issued_bill["id"]), &finance).await.json().await.unwrap();
    assert_eq!(
        (bill_after["status"].as_str(), bill_after["balance"].as_str()),
        (Some("partially_paid"), Some("107.10"))
    );
    // The parts go back to the shelf, the labour entry is deleted: both actuals fall back.
    let reversed = app
        .post(
            &format!("/api/v1/inventory/movements/{}/reversal", issued.json::<Value>().await.unwrap()["id"]),
            &admin,
            &json!({"reason": "Not used"}),
        )
        .await;
    assert_eq!(reversed.status(), StatusCode::CREATED);
    let entry: Value = logged.json().await.unwrap();
    let deleted = app
        .request(Method::DELETE, &format!("/api/v1/time-entries/{}", entry["id"]), Some(&agent))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // Voiding the credit note gives the 9.99 back to the actual.
    let voided =
        app.post(&format!("/api/v1/invoices/{}/void", credit["id"]), &finance, &json!({"reason": "Sent twice"})).await;
    assert_eq!(voided.status(), StatusCode::OK);
    let variance = variance_now().await;
    assert_eq!(software_actual(variance.clone()), ("99.99".into(), "50.00".into()));
    let line = |category: &str| {
        variance["lines"].as_array().unwrap().iter().find(|l| l["category"] == category).unwrap().clone()
    };
    assert_eq!((line("labour")["actual"].as_str(), line("materials")["actual"].as_str()), (Some("0.00"), Some("0.00")));
    assert_eq!(variance["actual"], "99.99", "the other department's 700.00 is not this one's");
    // In the report each department has its own actuals.
    let other_budget: Value = app
        .post(
            "/api/v1/budgets",
            &finance,
            &json!({"department_id": other, "fiscal_year": this_year(), "currency": "EUR",
            "lines": [{"category": "software", "annual": "6000"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let report: Value =
        app.get(&format!("/api/v1/reports/budgets?year={}", this_year()), &finance).await.json().await.unwrap();
    let actual_of = |id: &Value| {
        report["departments"].as_array().unwrap().iter().find(|d| d["budget_id"] == *id).unwrap()["actual"].clone()
    };
    assert_eq!((actual_of(&budget["id"]), actual_of(&other_budget["id"])), (json!("99.99"), json!("700.00")));
    // Voiding the other bill takes it out.
    app.post(&format!("/api/v1/invoices/{}/void", other_bill["id"]), &finance, &json!({"reason": "Wrong vendor"}))
        .await;
    let after: Value =
        app.get(&format!("/api/v1/budgets/{}/variance", other_budget["id"]), &finance).await.json().await.unwrap();
    assert_eq!(after["actual"], "0.00");
    let relogged = app
        .post(
            &format!("/api/v1/tickets/{}/time-entries", ticket["id"]),
            &agent,
            &json!({"work_date": today(), "minutes": 30}),
        )
        .await;
    assert_eq!(relogged.status(), StatusCode::CREATED);
    // Months that are over are read from the monthly rollup the writes above kept; the month of
    // the cut-off from the ledgers. As of next year, every month of this year is over: the rollup
    // must say what the ledgers say.
    let figures = |variance: &Value| -> Vec<(Value, Value, Value)> {
        variance["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["category"].clone(), l["actual"].clone(), l["committed"].clone()))
            .collect()
    };
    for id in [&budget["id"], &other_budget["id"]] {
        let from_ledgers: Value =
            app.get(&format!("/api/v1/budgets/{id}/variance?as_of={}", today()), &finance).await.json().await.unwrap();
        let from_rollup: Value = app
            .get(&format!("/api/v1/budgets/{id}/variance?as_of={}-01-01", this_year() + 1), &finance)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(figures(&from_rollup), figures(&from_ledgers), "budget {id}");
        assert!(!figures(&from_rollup).is_empty());
        if *id == budget["id"] {
            assert_eq!(figures(&from_rollup)[0], (json!("labour"), json!("20.00"), json!("0.00")));
        }
    }
}
both_backends!(budget_actuals, actuals_from_every_source);

/// A new department with an approved budget of one line (through two finance users):
/// (department, budget).
async fn approved_budget(app: &TestApp, admin: &str, policy: &str, category: &str, annual: &str) -> (i64, Value) {
    let code = category.to_uppercase();
    let department = app.department(admin, &code, category).await;
    let a = app.user_token(admin, &format!("a-{category}@example.com"), &["finance"]).await;
    let b = app.user_token(admin, &format!("b-{category}@example.com"), &["finance"]).await;
    let budget: Value = app
        .post(
            "/api/v1/budgets",
            &a,
            &json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR",
            "exceed_policy": policy, "lines": [{"category": category, "annual": annual}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.post(&format!("/api/v1/budgets/{}/submit", budget["id"]), &a, &json!({})).await;
    let approved: Value =
        app.post(&format!("/api/v1/budgets/{}/approve", budget["id"]), &b, &json!({})).await.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    (department, approved)
}

async fn exceed_policy_at_spending(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let vendor: Value = app
        .post("/api/v1/vendors", &finance, &json!({"name": "CloudHost", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let bill = |amount: &str, department: i64, category: &str| {
        json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [{"description": "x", "quantity": "1",
        "unit_price": amount, "department_id": department, "budget_category": category}]})
    };
    let month = chrono::Datelike::month(&chrono::Utc::now().date_naive()) as i64;

    // Warn: the bill is issued and the answer and the change feed carry the warning.
    let (department, budget) = approved_budget(&app, &admin, "warn", "software", "1200").await;
    let over = format!("{}.00", month * 100 + 1);
    let draft: Value =
        app.post("/api/v1/invoices", &finance, &bill(&over, department, "software")).await.json().await.unwrap();
    let issued = app.post(&format!("/api/v1/invoices/{}/issue", draft["id"]), &finance, &json!({})).await;
    assert_eq!(issued.status(), StatusCode::OK);
    let issued: Value = issued.json().await.unwrap();
    assert_eq!(issued["budget_warnings"][0]["overrun"], "1.00");
    assert_eq!(issued["budget_warnings"][0]["budget_id"], budget["id"]);
    let events: Value = app.get("/api/v1/audit-events?action=budget.exceeded", &admin).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 1);

    // Stop: 409 naming the budget and overrun; an override with a reason goes through, audited.
    let (department, _) = approved_budget(&app, &admin, "stop", "travel", "120").await;
    let draft: Value =
        app.post("/api/v1/invoices", &finance, &bill("500", department, "travel")).await.json().await.unwrap();
    let stopped = problem(
        app.post(&format!("/api/v1/invoices/{}/issue", draft["id"]), &finance, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(stopped["detail"].as_str().unwrap().contains("travel"), "{stopped}");
    let still: Value = app.get(&format!("/api/v1/invoices/{}", draft["id"]), &finance).await.json().await.unwrap();
    assert_eq!(still["status"], "draft");
    let overridden = app
        .post(
            &format!("/api/v1/invoices/{}/issue", draft["id"]),
            &finance,
            &json!({"budget_override_reason": "Conference booked by the board"}),
        )
        .await;
    assert_eq!(overridden.status(), StatusCode::OK);
    let events: Value = app.get("/api/v1/audit-events?action=budget.overridden", &admin).await.json().await.unwrap();
    assert_eq!(events["items"][0]["changes"]["override_reason"]["after"], "Conference booked by the board");
    let bad = app.post(&format!("/api/v1/invoices/{}/issue", draft["id"]), &finance, &json!({"unknown": 1})).await;
    assert!(bad.status() == StatusCode::UNPROCESSABLE_ENTITY || bad.status() == StatusCode::BAD_REQUEST);

    // Two parallel bills that each fit but together exceed: one goes through, one is stopped.
    let (department, _) = approved_budget(&app, &admin, "stop", "services", "1200").await;
    let half = format!("{}.00", month * 100 / 2 + 10);
    let first: Value =
        app.post("/api/v1/invoices", &finance, &bill(&half, department, "services")).await.json().await.unwrap();
    let second: Value =
        app.post("/api/v1/invoices", &finance, &bill(&half, department, "services")).await.json().await.unwrap();
    let (first_path, second_path) =
        (format!("/api/v1/invoices/{}/issue", first["id"]), format!("/api/v1/invoices/{}/issue", second["id"]));
    let empty = json!({});
    let (a, b) = tokio::join!(app.post(&first_path, &finance, &empty), app.post(&second_path, &finance, &empty));
    let mut statuses = vec![a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT]);

    // Materials: a stock issue to the department against a stop budget; admin may override.
    let (department, _) = approved_budget(&app, &admin, "stop", "materials", "12").await;
    let shelf: Value = app
        .post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"}))
        .await
        .json()
        .await
        .unwrap();
    let disk: Value =
        app.post("/api/v1/inventory/items", &admin, &json!({"sku": "SSD", "name": "SSD"})).await.json().await.unwrap();
    app.post("/api/v1/inventory/movements", &admin, &json!({"kind": "receipt", "item_id": disk["id"], "location_id": shelf["id"], "quantity": "2", "unit_cost": "90"})).await;
    let issue = json!({"kind": "issue", "item_id": disk["id"], "location_id": shelf["id"], "quantity": "1", "department_id": department});
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    problem(app.post("/api/v1/inventory/movements", &ops, &issue).await, StatusCode::CONFLICT).await;
    let mut forced = issue.clone();
    forced["budget_override_reason"] = json!("Server down");
    problem(app.post("/api/v1/inventory/movements", &ops, &forced).await, StatusCode::FORBIDDEN).await;
    let done = app.post("/api/v1/inventory/movements", &admin, &forced).await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["budget_warnings"][0]["category"], "materials");
}
both_backends!(budget_exceed_policy, exceed_policy_at_spending);

async fn taken_back_spending_leaves_no_trace(app: TestApp) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "TMP", "Temporary").await;
    let vendor: Value = app
        .post("/api/v1/vendors", &admin, &json!({"name": "Supplier", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let draft: Value = app
        .post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [{"description": "Desk",
            "quantity": "1", "unit_price": "80", "department_id": department, "budget_category": "facilities"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(app.delete(&format!("/api/v1/invoices/{}", draft["id"]), &admin).await.status(), StatusCode::NO_CONTENT);
    // The draft's commitment came and went; the department can still be deleted.
    let deleted = app.delete(&format!("/api/v1/departments/{}", department), &admin).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}
both_backends!(budget_rollup_cleanup, taken_back_spending_leaves_no_trace);

async fn rollup_exact_under_parallel_writes(app: TestApp) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "PAR", "Parallel").await;
    let (employee, _) = app.employee_user(&admin, department, "pat", &["employee"], "33.33").await;
    let desk = app.desk(&admin, "PAR", "Parallel", department, "90").await;
    let ticket: Value = app
        .post(
            "/api/v1/tickets",
            &admin,
            &json!({"desk_id": desk, "subject": "Load", "requester_employee_id": employee}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(ticket["id"].is_i64(), "{ticket} {desk}");
    let finance = app.user_token(&admin, "par-fin@example.com", &["finance"]).await;
    let budget: Value = app
        .post(
            "/api/v1/budgets",
            &finance,
            &json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR",
            "lines": [{"category": "labour", "annual": "1200"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    // 16 entries of 7 minutes (3.89 each at 33.33 an hour), in parallel, from two nodes on PostgreSQL.
    let node = if app.backend == common::Backend::Postgres { Some(app.another_node().await) } else { None };
    let path = format!("/api/v1/tickets/{}/time-entries", ticket["id"]);
    let body = json!({"employee_id": employee, "work_date": today(), "minutes": 7});
    let requests = (0..16).map(|i| {
        let target = match (&node, i % 2) {
            (Some(other), 1) => other,
            _ => &app,
        };
        target.post(&path, &admin, &body)
    });
    for response in futures_util::future::join_all(requests).await {
        let status = response.status();
        assert_eq!(status, StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    }
    for as_of in [today(), format!("{}-01-01", this_year() + 1)] {
        let variance: Value = app
            .get(&format!("/api/v1/budgets/{}/variance?as_of={as_of}", budget["id"]), &finance)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(variance["actual"], "62.24", "16 × 3.89, as of {as_of}");
    }
}
both_backends!(budget_rollup_parallel, rollup_exact_under_parallel_writes);

/// Stock bought is inventory, not spend: a bill line for stock that is received and then issued
/// counts once, as the parts issued; a materials line never received counts as itself. Read from
/// the ledgers (as of today) and from the monthly rollup (as of next year) alike.
async fn materials_are_counted_once(app: TestApp) {
    let admin = app.admin_token().await;
    let department = app.department(&admin, "WS", "Workshop").await;
    let budget: Value = app
        .post(
            "/api/v1/budgets",
            &admin,
            &json!({"department_id": department, "fiscal_year": this_year(), "currency": "EUR",
            "lines": [{"category": "materials", "annual": "1200"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let materials = |as_of: String| {
        let path = format!("/api/v1/budgets/{}/variance?as_of={as_of}", budget["id"]);
        let (app, admin) = (&app, &admin);
        async move {
            let variance: Value = app.get(&path, admin).await.json().await.unwrap();
            let line = variance["lines"].as_array().unwrap().iter().find(|l| l["category"] == "materials").cloned();
            line.map(|l| l["actual"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
        }
    };
    let next_year = format!("{}-01-01", this_year() + 1);
    let both = |expected: &'static str| {
        let (materials, next_year) = (&materials, next_year.clone());
        async move {
            assert_eq!(materials(today()).await, expected, "from the ledgers");
            assert_eq!(materials(next_year).await, expected, "from the rollup");
        }
    };
    let vendor: Value = app
        .post("/api/v1/vendors", &admin, &json!({"name": "Parts Inc", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let bill: Value = app
        .post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "payable", "vendor_id": vendor["id"], "lines": [
                {"description": "2 SSD for stock", "quantity": "2", "unit_price": "10", "department_id": department, "budget_category": "materials"},
                {"description": "Cleaning supplies", "quantity": "1", "unit_price": "5", "department_id": department, "budget_category": "materials"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.post(&format!("/api/v1/invoices/{}/issue", bill["id"]), &admin, &json!({})).await.status(),
        StatusCode::OK
    );
    both("25.00").await;

    let shelf: Value = app
        .post("/api/v1/inventory/locations", &admin, &json!({"code": "SHELF", "name": "Shelf"}))
        .await
        .json()
        .await
        .unwrap();
    let ssd: Value =
        app.post("/api/v1/inventory/items", &admin, &json!({"sku": "SSD", "name": "SSD"})).await.json().await.unwrap();
    let received = app
        .post(
            "/api/v1/inventory/movements",
            &admin,
            &json!({"kind": "receipt", "item_id": ssd["id"], "location_id": shelf["id"], "quantity": "2",
                    "unit_cost": "10", "invoice_line_id": bill["lines"][0]["id"]}),
        )
        .await;
    assert_eq!(received.status(), StatusCode::CREATED);
    let receipt: Value = received.json().await.unwrap();
    both("5.00").await; // the stock is inventory; the supplies stay spend
    let issue = app
        .post(
            "/api/v1/inventory/movements",
            &admin,
            &json!({"kind": "issue", "item_id": ssd["id"], "location_id": shelf["id"], "quantity": "1", "department_id": department}),
        )
        .await;
    assert_eq!(issue.status(), StatusCode::CREATED);
    let issue: Value = issue.json().await.unwrap();
    both("15.00").await; // 10.00 issued + 5.00 supplies, not 20.00 + 10.00 + 5.00

    // Taken back in the other order: the issue, then the receipt; the bill line is spend again.
    let undo = |id: &Value| format!("/api/v1/inventory/movements/{id}/reversal");
    assert_eq!(app.post(&undo(&issue["id"]), &admin, &json!({"reason": "unused"})).await.status(), StatusCode::CREATED);
    both("5.00").await;
    assert_eq!(
        app.post(&undo(&receipt["id"]), &admin, &json!({"reason": "wrong bill"})).await.status(),
        StatusCode::CREATED
    );
    both("25.00").await;
}
both_backends!(budget_materials_counted_once, materials_are_counted_once);
