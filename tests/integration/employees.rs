//! People: departments, employees, field-level access, status lifecycle, reporting lines,
//! effective-dated compensation and the department report.

use crate::common::{etag, pointers, problem, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn department(app: &TestApp, token: &str, code: &str, parent: Option<i64>) -> i64 {
    let response = app
        .post(
            "/api/v1/departments",
            token,
            &json!({"code": code, "name": format!("{code} department"), "parent_id": parent}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "department {code}");
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn employee(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post("/api/v1/employees", token, &body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn person(first: &str, department: i64) -> Value {
    json!({
        "first_name": first, "last_name": "Tester", "work_email": format!("{}@corp.example", first.to_lowercase()),
        "job_title": "Technician", "department_id": department, "employment_type": "full_time",
        "status": "active", "start_date": "2025-01-06",
        "phone": "+1 555 0100", "home_address": "1 Main St",
        "compensation": {"hourly_cost_rate": "40.00", "currency": "EUR", "salary": "70000.00", "salary_period": "annual"}
    })
}

async fn departments_form_a_tree(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "ops", None).await;
    let field = department(&app, &admin, "OPS-FIELD", Some(ops)).await;
    let read: Value = app.get(&format!("/api/v1/departments/{ops}"), &admin).await.json().await.unwrap();
    assert_eq!(read["code"], "OPS", "codes are upper-cased");

    let duplicate = app.post("/api/v1/departments", &admin, &json!({"code": "OPS", "name": "Again"})).await;
    problem(duplicate, StatusCode::CONFLICT).await;
    let cycle = app.patch(&format!("/api/v1/departments/{ops}"), &admin, &json!({"parent_id": field}), None).await;
    assert_eq!(pointers(&problem(cycle, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/parent_id"]);
    let bad_code = app.post("/api/v1/departments", &admin, &json!({"code": "has space", "name": "X"})).await;
    assert_eq!(pointers(&problem(bad_code, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/code"]);

    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    problem(app.post("/api/v1/departments", &agent, &json!({"code": "X", "name": "X"})).await, StatusCode::FORBIDDEN)
        .await;
    let listed: Value = app.get("/api/v1/departments?q=field", &agent).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "everyone reads departments");

    // In use: refused, archived instead; unused: deleted.
    problem(app.delete(&format!("/api/v1/departments/{ops}"), &admin).await, StatusCode::CONFLICT).await;
    employee(&app, &admin, person("Ann", field)).await;
    let archived = app.patch(&format!("/api/v1/departments/{field}"), &admin, &json!({"active": false}), None).await;
    assert_eq!(archived.status(), StatusCode::OK);
    let into_archived = app.post("/api/v1/employees", &admin, &person("Bob", field)).await;
    assert_eq!(pointers(&problem(into_archived, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/department_id"]);
    let spare = department(&app, &admin, "SPARE", None).await;
    assert_eq!(app.delete(&format!("/api/v1/departments/{spare}"), &admin).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&format!("/api/v1/departments/{spare}"), &admin).await, StatusCode::NOT_FOUND).await;
}
both_backends!(department_tree, departments_form_a_tree);

async fn views_depend_on_who_asks(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    let ann_user = app.create_user(&admin, "ann@example.com", &["employee"]).await;
    let mut ann = person("Ann", ops);
    ann["user_id"] = ann_user["id"].clone();
    let ann = employee(&app, &admin, ann).await;
    let bob = employee(&app, &admin, person("Bob", ops)).await;
    assert!(ann["employee_number"].as_str().unwrap().starts_with('E'));
    assert_eq!(ann["current_compensation"]["hourly_cost_rate"], "40.00");

    let ann_token = app.token_for("ann@example.com", PASSWORD).await;
    let other: Value = app.get(&format!("/api/v1/employees/{}", bob["id"]), &ann_token).await.json().await.unwrap();
    let keys: Vec<&str> = other.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    for restricted in ["status", "personal", "current_compensation", "employment_type", "start_date", "user_id"] {
        assert!(
            !keys.contains(&restricted),
            "the directory view never carries {restricted}, not even as null: {keys:?}"
        );
    }
    assert_eq!(other["job_title"], "Technician");
    let wrong_method = app.patch("/api/v1/employees/me", &ann_token, &json!({}), None).await;
    assert_eq!(wrong_method.headers()["allow"], "GET", "/employees/me is its own resource");
    problem(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
    let own: Value = app.get("/api/v1/employees/me", &ann_token).await.json().await.unwrap();
    assert_eq!(own["personal"]["phone"], "+1 555 0100");
    assert_eq!(own["current_compensation"]["salary"], "70000.00");

    // Compensation and history of others: not for Ann; her own: yes.
    problem(app.get(&format!("/api/v1/employees/{}/compensation", bob["id"]), &ann_token).await, StatusCode::FORBIDDEN)
        .await;
    problem(app.get(&format!("/api/v1/employees/{}/history", bob["id"]), &ann_token).await, StatusCode::FORBIDDEN)
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/employees/{}/compensation", ann["id"]), &ann_token).await.status(),
        StatusCode::OK
    );
    problem(app.get("/api/v1/employees?status=active", &ann_token).await, StatusCode::FORBIDDEN).await;

    // Finance and auditors see everyone in full, but write nothing.
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let full: Value = app.get(&format!("/api/v1/employees/{}", bob["id"]), &finance).await.json().await.unwrap();
    assert_eq!(full["current_compensation"]["hourly_cost_rate"], "40.00");
    let list: Value = app.get("/api/v1/employees?sort=name", &finance).await.json().await.unwrap();
    assert!(
        list["items"].as_array().unwrap().iter().all(|e| e["current_compensation"].is_object()),
        "no N+1: rates come with the page"
    );
    problem(
        app.patch(&format!("/api/v1/employees/{}", bob["id"]), &finance, &json!({"job_title": "x"}), None).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Self-service: personal details yes; placement, pay and status no.
    let path = format!("/api/v1/employees/{}", ann["id"]);
    let phone = app.patch(&path, &ann_token, &json!({"phone": "+1 555 0199"}), None).await;
    assert_eq!(phone.status(), StatusCode::OK);
    for forbidden in [json!({"department_id": ops}), json!({"manager_id": bob["id"]}), json!({"job_title": "Boss"})] {
        problem(app.patch(&path, &ann_token, &forbidden, None).await, StatusCode::FORBIDDEN).await;
    }
    let rate = app
        .post(
            &format!("{path}/compensation"),
            &ann_token,
            &json!({"effective_from": "2026-01-01", "hourly_cost_rate": "99.00", "currency": "EUR"}),
        )
        .await;
    problem(rate, StatusCode::FORBIDDEN).await;
    let status = app.post(&format!("{path}/transitions"), &ann_token, &json!({"to": "on_leave"})).await;
    problem(status, StatusCode::FORBIDDEN).await;
    let status = app.patch(&path, &ann_token, &json!({"status": "terminated"}), None).await;
    assert_eq!(
        pointers(&problem(status, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["/status"],
        "status is not a field"
    );
}
both_backends!(field_level_access, views_depend_on_who_asks);

async fn references_are_checked(app: TestApp) {
    let hr = {
        let admin = app.admin_token().await;
        app.user_token(&admin, "hr@example.com", &["hr"]).await
    };
    let ops = department(&app, &hr, "OPS", None).await;
    let mut unknown = person("Ann", 999);
    unknown["manager_id"] = json!(999);
    let body = problem(app.post("/api/v1/employees", &hr, &unknown).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut found = pointers(&body);
    found.sort();
    assert_eq!(found, vec!["/department_id", "/manager_id"]);

    let a = employee(&app, &hr, person("Ann", ops)).await;
    let mut b = person("Bob", ops);
    b["manager_id"] = a["id"].clone();
    let b = employee(&app, &hr, b).await;
    let mut c = person("Cy", ops);
    c["manager_id"] = b["id"].clone();
    let c = employee(&app, &hr, c).await;
    let cycle = app.patch(&format!("/api/v1/employees/{}", a["id"]), &hr, &json!({"manager_id": c["id"]}), None).await;
    assert_eq!(pointers(&problem(cycle, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/manager_id"]);
    let own_manager =
        app.patch(&format!("/api/v1/employees/{}", a["id"]), &hr, &json!({"manager_id": a["id"]}), None).await;
    assert_eq!(pointers(&problem(own_manager, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/manager_id"]);

    let chain: Value = app.get(&format!("/api/v1/employees/{}/chain", c["id"]), &hr).await.json().await.unwrap();
    let ids: Vec<&Value> = chain.as_array().unwrap().iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, vec![&b["id"], &a["id"]], "nearest manager first");
    let reports: Value = app.get(&format!("/api/v1/employees/{}/reports", a["id"]), &hr).await.json().await.unwrap();
    assert_eq!(reports["items"].as_array().unwrap().len(), 1);

    let taken = app.post("/api/v1/employees", &hr, &person("Ann", ops)).await;
    problem(taken, StatusCode::CONFLICT).await;
    let bad_money = app
        .post(
            &format!("/api/v1/employees/{}/compensation", a["id"]),
            &hr,
            &json!({"effective_from": "2026-01-01", "hourly_cost_rate": "12.345", "currency": "EUR"}),
        )
        .await;
    assert_eq!(pointers(&problem(bad_money, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/hourly_cost_rate"]);

    // Concurrent edits: the second writer of the same version gets 412.
    let path = format!("/api/v1/employees/{}", b["id"]);
    let tag = etag(&app.get(&path, &hr).await);
    assert_eq!(app.patch(&path, &hr, &json!({"job_title": "Lead"}), Some(&tag)).await.status(), StatusCode::OK);
    problem(app.patch(&path, &hr, &json!({"job_title": "Other"}), Some(&tag)).await, StatusCode::PRECONDITION_FAILED)
        .await;
}
both_backends!(reporting_lines_and_references, references_are_checked);

async fn status_lifecycle(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    let mut newcomer = person("Ann", ops);
    newcomer["status"] = json!("onboarding");
    let ann = employee(&app, &admin, newcomer).await;
    assert_eq!(ann["allowed_transitions"], json!(["active", "terminated"]));
    let path = format!("/api/v1/employees/{}", ann["id"]);
    let go = |to: &str| json!({"to": to});

    let illegal = app.post(&format!("{path}/transitions"), &admin, &go("on_leave")).await;
    let body = problem(illegal, StatusCode::CONFLICT).await;
    assert!(body["detail"].as_str().unwrap().contains("allowed: active, terminated"));
    for (to, expected) in [("active", "active"), ("on_leave", "on_leave"), ("active", "active")] {
        let moved: Value = app.post(&format!("{path}/transitions"), &admin, &go(to)).await.json().await.unwrap();
        assert_eq!(moved["status"], expected);
    }
    let stale = app
        .request(reqwest::Method::POST, &format!("{path}/transitions"), Some(&admin))
        .header("If-Match", "\"1\"")
        .json(&go("on_leave"))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;

    // A manager with reports must hand them over first.
    let mut bob = person("Bob", ops);
    bob["manager_id"] = ann["id"].clone();
    let bob = employee(&app, &admin, bob).await;
    let no_date = app.post(&format!("{path}/transitions"), &admin, &go("terminated")).await;
    assert_eq!(pointers(&problem(no_date, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/effective_date"]);
    // The status changes now: a date ahead would say one thing and do another, so it is refused.
    let ahead = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let later = json!({"to": "terminated", "effective_date": ahead, "reason": "resigned"});
    let later = app.post(&format!("{path}/transitions"), &admin, &later).await;
    assert_eq!(pointers(&problem(later, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/effective_date"]);
    let leaving = json!({"to": "terminated", "effective_date": "2026-06-30", "reason": "resigned"});
    problem(app.post(&format!("{path}/transitions"), &admin, &leaving).await, StatusCode::CONFLICT).await;
    app.patch(&format!("/api/v1/employees/{}", bob["id"]), &admin, &json!({"manager_id": null}), None).await;
    let gone: Value = app.post(&format!("{path}/transitions"), &admin, &leaving).await.json().await.unwrap();
    assert_eq!(gone["status"], "terminated");
    assert_eq!(gone["end_date"], "2026-06-30");
    assert_eq!(gone["allowed_transitions"], json!([]));
    problem(app.post(&format!("{path}/transitions"), &admin, &go("active")).await, StatusCode::CONFLICT).await;
    // Terminated people cannot be given people to manage.
    let assign =
        app.patch(&format!("/api/v1/employees/{}", bob["id"]), &admin, &json!({"manager_id": ann["id"]}), None).await;
    assert_eq!(pointers(&problem(assign, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/manager_id"]);

    let changes: Value = app.get(&format!("{path}/status-changes"), &admin).await.json().await.unwrap();
    let statuses: Vec<&str> =
        changes["items"].as_array().unwrap().iter().map(|c| c["to_status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["onboarding", "active", "on_leave", "active", "terminated"]);
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    let directory: Value = app.get("/api/v1/employees", &agent).await.json().await.unwrap();
    assert_eq!(directory["items"].as_array().unwrap().len(), 1, "the directory leaves terminated people out");
}
both_backends!(employee_status_lifecycle, status_lifecycle);

async fn pay_history_is_never_rewritten(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    let ann = employee(&app, &admin, person("Ann", ops)).await;
    let path = format!("/api/v1/employees/{}/compensation", ann["id"]);
    for (from, rate) in [("2025-07-01", "45.00"), ("2026-01-01", "50.00"), ("2026-01-01", "48.50")] {
        let recorded = app
            .post(
                &path,
                &admin,
                &json!({"effective_from": from, "hourly_cost_rate": rate, "currency": "EUR", "note": "review"}),
            )
            .await;
        assert_eq!(recorded.status(), StatusCode::CREATED);
    }
    let on = |date: &str| format!("{path}/effective?on={date}");
    let rate_on = |date: String| {
        let app = &app;
        let admin = &admin;
        async move { app.get(&date, admin).await.json::<Value>().await.unwrap()["hourly_cost_rate"].clone() }
    };
    assert_eq!(rate_on(on("2025-03-01")).await, "40.00");
    assert_eq!(rate_on(on("2025-12-31")).await, "45.00");
    assert_eq!(rate_on(on("2026-01-01")).await, "48.50", "the correction recorded later wins");
    problem(app.get(&on("2024-01-01"), &admin).await, StatusCode::NOT_FOUND).await;
    let history: Value = app.get(&path, &admin).await.json().await.unwrap();
    let rates: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|c| c["hourly_cost_rate"].as_str().unwrap()).collect();
    assert_eq!(rates, vec!["48.50", "50.00", "45.00", "40.00"], "every record kept, latest effective first");
    let before_start = app
        .post(&path, &admin, &json!({"effective_from": "2020-01-01", "hourly_cost_rate": "1.00", "currency": "EUR"}))
        .await;
    assert_eq!(pointers(&problem(before_start, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/effective_from"]);
    let yen = app
        .post(&path, &admin, &json!({"effective_from": "2026-02-01", "hourly_cost_rate": "1500.5", "currency": "JPY"}))
        .await;
    assert_eq!(
        pointers(&problem(yen, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["/hourly_cost_rate"],
        "yen has no minor unit"
    );
}
both_backends!(effective_dated_compensation, pay_history_is_never_rewritten);

async fn department_report(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    department(&app, &admin, "EMPTY", None).await;
    for (name, rate) in [("Ann", "40.00"), ("Bob", "40.01"), ("Cy", "40.00")] {
        let mut p = person(name, ops);
        p["compensation"]["hourly_cost_rate"] = json!(rate);
        employee(&app, &admin, p).await;
    }
    let mut no_rate = person("Dee", ops);
    no_rate["compensation"] = Value::Null;
    no_rate["employment_type"] = json!("contractor");
    no_rate["status"] = json!("onboarding");
    employee(&app, &admin, no_rate).await;

    let report: Value = app.get("/api/v1/reports/departments?as_of=2026-01-01", &admin).await.json().await.unwrap();
    let rows = report["departments"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let ops_row = rows.iter().find(|r| r["code"] == "OPS").unwrap();
    assert_eq!(ops_row["headcount"], 4);
    assert_eq!(ops_row["active_employees"], 3);
    assert_eq!(ops_row["onboarding"], 1);
    assert_eq!(ops_row["contractors"], 1);
    assert_eq!(ops_row["without_rate"], 1);
    let eur = &ops_row["labour_rates"][0];
    assert_eq!(eur["employees"], 3);
    assert_eq!(eur["total_hourly_cost"], "120.01");
    assert_eq!(eur["average_hourly_cost_rate"], "40.00", "120.01 / 3 = 40.0033…, half-up to the cent");
    assert_eq!(eur["max_hourly_cost_rate"], "40.01");
    let empty = rows.iter().find(|r| r["code"] == "EMPTY").unwrap();
    assert_eq!(empty["headcount"], 0);

    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    problem(app.get("/api/v1/reports/departments", &agent).await, StatusCode::FORBIDDEN).await;
}
both_backends!(headcount_and_rates_report, department_report);

async fn numbers_are_unique_and_gapless(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    let bodies: Vec<Value> = (0..12).map(|i| person(&format!("P{i}"), ops)).collect();
    let created = futures_util::future::join_all(bodies.iter().map(|b| app.post("/api/v1/employees", &admin, b))).await;
    let mut numbers = Vec::new();
    for response in created {
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        numbers.push(body["employee_number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("E{n:06}")).collect();
    assert_eq!(numbers, expected);
}
both_backends!(concurrent_hires_get_gapless_numbers, numbers_are_unique_and_gapless);

async fn search_by_name_or_email(app: TestApp) {
    let admin = app.admin_token().await;
    let ops = department(&app, &admin, "OPS", None).await;
    let ann = employee(&app, &admin, person("Ann", ops)).await;
    employee(&app, &admin, person("Bob", ops)).await;
    let count = |q: &str| {
        let app = &app;
        let admin = &admin;
        let path = format!("/api/v1/employees?q={q}");
        async move { app.get(&path, admin).await.json::<Value>().await.unwrap()["items"].as_array().unwrap().len() }
    };
    assert_eq!(count("ann").await, 1, "first name");
    assert_eq!(count("TEST").await, 2, "last name, any case");
    assert_eq!(count("n%20tes").await, 1, "across first and last name");
    assert_eq!(count("corp.exa").await, 2, "work email");
    assert_eq!(count("an").await, 1, "short needles too");
    assert_eq!(count("%25").await, 0, "wildcards are literal");
    assert_eq!(count("%22").await, 0, "quotes are literal");
    app.patch(&format!("/api/v1/employees/{}", ann["id"]), &admin, &json!({"first_name": "Zed"}), None).await;
    assert_eq!(count("zed").await, 1, "the index follows changes");
    assert_eq!(count("ann%20t").await, 0);
}
both_backends!(employee_search, search_by_name_or_email);
