//! Time entries: cost at the rate on the work date (a snapshot), billable amounts, who logs for
//! whom, what may not be logged, the cross-ticket list; and the desk report on known data.

use crate::common::{days_ago, open_ticket, pointers, problem, DeskWithPeople, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The desk `SVC` with Ada (45.50 an hour), Bob (30.00) and Cy (40.00): `DeskWithPeople`.
async fn setup(app: &TestApp) -> DeskWithPeople {
    app.desk_with_people("SVC", "Service", ["45.50", "30.00", "40.00"]).await
}

/// A ticket on the desk that Ada opens for Bob.
async fn ticket(app: &TestApp, s: &DeskWithPeople) -> Value {
    open_ticket(app, &s.ada_token, json!({"desk_id": s.desk, "subject": "Boiler", "requester_employee_id": s.bob}))
        .await
}

async fn cost_is_a_snapshot(app: TestApp) {
    let s = setup(&app).await;
    let t = ticket(&app, &s).await;
    let entries = format!("/api/v1/tickets/{}/time-entries", t["id"]);
    // 90 minutes at 45.50 = 68.25; billable at the desk's 90.00 = 135.00.
    let logged = app
        .post(
            &entries,
            &s.ada_token,
            &json!({"work_date": days_ago(2), "minutes": 90, "billable": true, "note": "Replaced valve"}),
        )
        .await;
    assert_eq!(logged.status(), StatusCode::CREATED);
    let entry: Value = logged.json().await.unwrap();
    assert_eq!(entry["employee_id"], s.ada);
    assert_eq!(entry["cost"], json!({"amount": "68.25", "currency": "EUR"}));
    assert_eq!(entry["hourly_cost_rate"]["amount"], "45.50");
    assert_eq!(entry["billable_amount"], json!({"amount": "135.00", "currency": "EUR"}));
    assert_eq!(entry["department_id"], s.department);
    assert_eq!(entry["invoiced"], false);
    // 1 minute at 45.50 = 0.7583 → 0.76 (half-up at the minor unit).
    let minute: Value =
        app.post(&entries, &s.ada_token, &json!({"work_date": days_ago(2), "minutes": 1})).await.json().await.unwrap();
    assert_eq!(minute["cost"]["amount"], "0.76");
    assert!(minute["billable_amount"].is_null());

    // A new rate from yesterday costs new work at the new rate and leaves past entries alone.
    let raise = app
        .post(
            &format!("/api/v1/employees/{}/compensation", s.ada),
            &s.admin,
            &json!({"effective_from": days_ago(1), "hourly_cost_rate": "60.00", "currency": "EUR"}),
        )
        .await;
    assert_eq!(raise.status(), StatusCode::CREATED);
    let after: Value =
        app.post(&entries, &s.ada_token, &json!({"work_date": days_ago(0), "minutes": 30})).await.json().await.unwrap();
    assert_eq!(after["cost"]["amount"], "30.00");
    let before: Value = app.get(&format!("/api/v1/time-entries/{}", entry["id"]), &s.admin).await.json().await.unwrap();
    assert_eq!(before["cost"]["amount"], "68.25", "past cost is never rewritten");
    // Moving an entry to another day values it at that day's rate.
    let path = format!("/api/v1/time-entries/{}", minute["id"]);
    let moved: Value = app
        .patch(&path, &s.ada_token, &json!({"work_date": days_ago(0), "minutes": 60}), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["cost"]["amount"], "60.00");
    let on_ticket: Value = app.get(&format!("/api/v1/tickets/{}", t["id"]), &s.ada_token).await.json().await.unwrap();
    assert_eq!(on_ticket["time_spent_minutes"], 180);

    // Who sees cost: finance, admin and the person; not another agent or the requester.
    let finance = app.user_token(&s.admin, "fin@example.com", &["finance"]).await;
    let for_finance: Value = app.get(&entries, &finance).await.json().await.unwrap();
    assert!(for_finance["items"][0]["cost"].is_object());
    let for_requester: Value = app.get(&entries, &s.bob_token).await.json().await.unwrap();
    assert_eq!(for_requester["items"].as_array().unwrap().len(), 3);
    assert!(for_requester["items"][0].get("cost").is_none(), "cost is not the requester's to see");
    assert!(for_requester["items"][0].get("hourly_cost_rate").is_none());

    let removed = app.delete(&path, &s.ada_token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let on_ticket: Value = app.get(&format!("/api/v1/tickets/{}", t["id"]), &s.ada_token).await.json().await.unwrap();
    assert_eq!(on_ticket["time_spent_minutes"], 120);
    let actions = app.audit_actions(&s.admin, &format!("entity_type=time_entry&entity_id={}", minute["id"])).await;
    assert_eq!(actions, vec!["time_entry.deleted", "time_entry.updated", "time_entry.created"]);
    // The ticket's history tells of the time too, without its cost.
    let ticket_history: Value =
        app.get(&format!("/api/v1/tickets/{}/history?limit=200", t["id"]), &s.admin).await.json().await.unwrap();
    let ticket_actions: Vec<&str> =
        ticket_history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        ticket_actions,
        vec![
            "ticket.created",
            "ticket.time_logged",
            "ticket.time_logged",
            "ticket.time_logged",
            "ticket.time_changed",
            "ticket.time_removed"
        ]
    );
    assert!(!ticket_history.to_string().contains("cost"));
}
both_backends!(time_cost_snapshot, cost_is_a_snapshot);

async fn what_may_be_logged(app: TestApp) {
    let s = setup(&app).await;
    let t = ticket(&app, &s).await;
    let entries = format!("/api/v1/tickets/{}/time-entries", t["id"]);
    let today = days_ago(0);
    // The requester logs their own time; not someone else's. Agents of the desk, ops and admin
    // log for others; an agent of no desk does not even see the ticket.
    let own = app.post(&entries, &s.bob_token, &json!({"work_date": today, "minutes": 15})).await;
    assert_eq!(own.status(), StatusCode::CREATED);
    problem(
        app.post(&entries, &s.bob_token, &json!({"work_date": today, "minutes": 15, "employee_id": s.ada})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(app.post(&entries, &s.cy_token, &json!({"work_date": today, "minutes": 15})).await, StatusCode::NOT_FOUND)
        .await;
    let for_bob =
        app.post(&entries, &s.ada_token, &json!({"work_date": today, "minutes": 15, "employee_id": s.bob})).await;
    assert_eq!(for_bob.status(), StatusCode::CREATED);
    let ops = app.user_token(&s.admin, "ops@example.com", &["ops"]).await;
    let by_ops = app.post(&entries, &ops, &json!({"work_date": today, "minutes": 15, "employee_id": s.bob})).await;
    assert_eq!(by_ops.status(), StatusCode::CREATED);

    // Bad input: future date, day over 24 h, no rate in force, unknown person.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let future = app.post(&entries, &s.ada_token, &json!({"work_date": tomorrow, "minutes": 15})).await;
    assert_eq!(pointers(&problem(future, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/work_date"]);
    app.post(&entries, &s.ada_token, &json!({"work_date": days_ago(3), "minutes": 1400})).await;
    let too_long = app.post(&entries, &s.ada_token, &json!({"work_date": days_ago(3), "minutes": 41})).await;
    assert_eq!(pointers(&problem(too_long, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/minutes"]);
    let before_rates = app.post(&entries, &s.ada_token, &json!({"work_date": "2025-01-01", "minutes": 10})).await;
    let mut found = pointers(&problem(before_rates, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(found, vec!["/work_date", "/work_date"], "before the start date, and no rate then");
    let nobody = app.post(&entries, &s.admin, &json!({"work_date": today, "minutes": 10, "employee_id": 9999})).await;
    assert_eq!(pointers(&problem(nobody, StatusCode::UNPROCESSABLE_ENTITY).await)[0], "/employee_id");
    problem(
        app.post(&entries, &s.ada_token, &json!({"work_date": today, "minutes": 0})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Nobody logs time for a terminated employee.
    let (dan, _) = app.employee_user(&s.admin, s.department, "dan", &["employee"], "20.00").await;
    let gone = app
        .post(
            &format!("/api/v1/employees/{dan}/transitions"),
            &s.admin,
            &json!({"to": "terminated", "effective_date": today}),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::OK);
    let for_dan = app.post(&entries, &s.admin, &json!({"work_date": today, "minutes": 10, "employee_id": dan})).await;
    assert_eq!(pointers(&problem(for_dan, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/employee_id"]);

    // Nor on a closed ticket; its entries are then fixed too.
    for to in ["open", "resolved", "closed"] {
        let moved =
            app.post(&format!("/api/v1/tickets/{}/transitions", t["id"]), &s.ada_token, &json!({"to": to})).await;
        assert_eq!(moved.status(), StatusCode::OK);
    }
    problem(app.post(&entries, &s.ada_token, &json!({"work_date": today, "minutes": 10})).await, StatusCode::CONFLICT)
        .await;
    let own: Value = own.json().await.unwrap();
    problem(app.delete(&format!("/api/v1/time-entries/{}", own["id"]), &s.bob_token).await, StatusCode::CONFLICT).await;

    // The cross-ticket list: filters, and each caller's scope.
    let listed = |query: String, token: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/time-entries?{query}"), &token).await;
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = response.json().await.unwrap();
            body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed(format!("desk_id={}", s.desk), s.admin.clone()).await, 4);
    assert_eq!(listed(format!("employee_id={}", s.bob), s.admin.clone()).await, 3);
    assert_eq!(
        listed(format!("department_id={}&billable=false&invoiced=false", s.department), s.admin.clone()).await,
        4
    );
    assert_eq!(listed(format!("from={}&to={}", days_ago(3), days_ago(3)), s.admin.clone()).await, 1);
    assert_eq!(listed("billable=true".into(), s.admin.clone()).await, 0);
    assert_eq!(listed(String::new(), s.bob_token.clone()).await, 3, "an employee sees their own time");
    assert_eq!(listed(String::new(), s.ada_token.clone()).await, 4, "an agent sees their desks' time");
    assert_eq!(listed(String::new(), s.cy_token.clone()).await, 0);
    let ada_count = listed(format!("employee_id={}", s.ada), s.ada_token.clone()).await;
    assert_eq!(ada_count, 1);
}
both_backends!(time_entry_rules, what_may_be_logged);

async fn report_on_known_data(app: TestApp) {
    let s = setup(&app).await;
    // Three tickets: one answered and resolved in time with 90 minutes logged, one cancelled,
    // one still new and unassigned.
    let done = ticket(&app, &s).await;
    let path = format!("/api/v1/tickets/{}", done["id"]);
    app.patch(&path, &s.ada_token, &json!({"assignee_id": s.ada}), None).await;
    app.post(&format!("{path}/comments"), &s.ada_token, &json!({"body": "Looking"})).await;
    for to in ["open", "resolved"] {
        app.post(&format!("{path}/transitions"), &s.ada_token, &json!({"to": to})).await;
    }
    app.post(&format!("{path}/time-entries"), &s.ada_token, &json!({"work_date": days_ago(0), "minutes": 90})).await;
    let cancelled = ticket(&app, &s).await;
    app.post(&format!("/api/v1/tickets/{}/transitions", cancelled["id"]), &s.ada_token, &json!({"to": "cancelled"}))
        .await;
    ticket(&app, &s).await;

    let finance = app.user_token(&s.admin, "fin@example.com", &["finance"]).await;
    let response = app.get("/api/v1/reports/desks", &finance).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    let desk = &report["desks"][0];
    assert_eq!(desk["key"], "SVC");
    assert_eq!(desk["backlog"]["total"], 1);
    assert_eq!(desk["backlog"]["new"], 1);
    assert_eq!(desk["backlog"]["by_age"]["under_1_day"], 1);
    assert_eq!(desk["created"], 3);
    assert_eq!(desk["resolved"], 1);
    assert_eq!(desk["first_response_minutes"], json!({"count": 1, "median": 0, "p90": 0}));
    assert_eq!(desk["resolution_minutes"]["count"], 1);
    assert_eq!(desk["sla_compliance_percent"], "100.0");
    assert_eq!(desk["time_logged_minutes"], 90);
    assert_eq!(desk["labour_cost"], json!([{"amount": "68.25", "currency": "EUR"}]));
    assert_eq!(desk["cost_per_resolved_ticket"], json!([{"amount": "68.25", "currency": "EUR"}]));
    let weeks = desk["weeks"].as_array().unwrap();
    assert!(weeks.len() >= 4 && weeks.len() <= 5, "28 days span 4 or 5 weeks");
    let last = weeks.last().unwrap();
    assert_eq!((last["created"].as_i64(), last["resolved"].as_i64()), (Some(3), Some(1)));
    assert_eq!(desk["agents"].as_array().unwrap().len(), 1);
    assert_eq!(desk["agents"][0]["employee_id"], s.ada);
    assert_eq!(desk["agents"][0]["resolved"], 1);

    // ops reads the report without costs; agents and employees do not read it.
    let ops = app.user_token(&s.admin, "ops@example.com", &["ops"]).await;
    let for_ops: Value = app.get("/api/v1/reports/desks", &ops).await.json().await.unwrap();
    assert!(for_ops["desks"][0]["labour_cost"].is_null());
    assert_eq!(for_ops["desks"][0]["time_logged_minutes"], 90);
    problem(app.get("/api/v1/reports/desks", &s.ada_token).await, StatusCode::FORBIDDEN).await;
    problem(
        app.get("/api/v1/reports/desks?from=2026-02-01&to=2026-01-01", &ops).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        app.get("/api/v1/reports/desks?from=2024-01-01&to=2026-01-01", &ops).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(app.get("/api/v1/reports/desks?desk_id=999", &ops).await, StatusCode::NOT_FOUND).await;
    // A period with nothing in it.
    let empty: Value =
        app.get("/api/v1/reports/desks?from=2025-01-01&to=2025-01-31", &finance).await.json().await.unwrap();
    assert_eq!(empty["desks"][0]["created"], 0);
    assert!(empty["desks"][0]["sla_compliance_percent"].is_null());
    assert_eq!(empty["desks"][0]["cost_per_resolved_ticket"], json!([]));
}
both_backends!(desk_report, report_on_known_data);

/// At most 24 hours a day per person, also under parallel requests on two nodes: of 32 parallel
/// hours for one person and day exactly 24 go through (on PostgreSQL all 32 once did), and
/// moving or growing an entry into a full day is refused as well.
async fn a_day_holds_24_hours_under_parallel_writes(app: TestApp) {
    let s = setup(&app).await;
    let ticket = ticket(&app, &s).await;
    let node = app.another_node().await;
    let path = format!("/api/v1/tickets/{}/time-entries", ticket["id"]);
    let day = days_ago(1);
    let body = json!({"work_date": day, "minutes": 60});
    let requests = (0..32).map(|i| {
        let target = if i % 2 == 0 { &app } else { &node };
        target.post(&path, &s.ada_token, &body)
    });
    let responses = futures_util::future::join_all(requests).await;
    let (mut created, mut refused) = (0, 0);
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(pointers(&problem), vec!["/minutes"], "{problem}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap_or_default()),
        }
    }
    assert_eq!((created, refused), (24, 8), "exactly a day's worth of hours");
    let listed: Value = app
        .get(&format!("/api/v1/time-entries?employee_id={}&from={day}&to={day}&limit=200", s.ada), &s.admin)
        .await
        .json()
        .await
        .unwrap();
    let total: i64 = listed["items"].as_array().unwrap().iter().map(|e| e["minutes"].as_i64().unwrap()).sum();
    assert_eq!(total, 1440);

    // A full day takes nothing more: not a new entry, not a longer one, not one moved into it;
    // a minute freed is a minute that can be logged again.
    let one = |minutes: i64| json!({"work_date": day, "minutes": minutes});
    problem(app.post(&path, &s.ada_token, &one(1)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let first = &listed["items"][0];
    let entry = format!("/api/v1/time-entries/{}", first["id"]);
    problem(app.patch(&entry, &s.ada_token, &json!({"minutes": 61}), None).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let elsewhere = app.post(&path, &s.ada_token, &json!({"work_date": days_ago(2), "minutes": 30})).await;
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
    let elsewhere: Value = elsewhere.json().await.unwrap();
    let moved = app
        .patch(&format!("/api/v1/time-entries/{}", elsewhere["id"]), &s.ada_token, &json!({"work_date": day}), None)
        .await;
    problem(moved, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.patch(&entry, &s.ada_token, &json!({"minutes": 30}), None).await.status(), StatusCode::OK);
    assert_eq!(app.post(&path, &s.ada_token, &one(30)).await.status(), StatusCode::CREATED);
    problem(app.post(&path, &s.ada_token, &one(1)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.delete(&entry, &s.ada_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.post(&path, &s.ada_token, &one(30)).await.status(), StatusCode::CREATED);
}
both_backends!(day_of_24_hours_in_parallel, a_day_holds_24_hours_under_parallel_writes);

/// Auditors write nothing: one linked to an employee logged time on any ticket it could see.
/// Every operation that writes, as the document lists them, is 403 for an auditor (or a
/// read-only API key); only its own password and API keys are its to change.
async fn auditors_write_nothing(app: TestApp) {
    let s = setup(&app).await;
    let ticket = ticket(&app, &s).await;
    let (_, auditor) = app.employee_user(&s.admin, s.department, "audrey", &["auditor"], "50.00").await;
    let entry = json!({"work_date": days_ago(1), "minutes": 30});
    let logged = app.post(&format!("/api/v1/tickets/{}/time-entries", ticket["id"]), &auditor, &entry).await;
    problem(logged, StatusCode::FORBIDDEN).await;
    let entries: Value = app.get("/api/v1/time-entries", &auditor).await.json().await.unwrap();
    assert_eq!(entries["items"].as_array().unwrap().len(), 0, "nothing was logged");

    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut refused = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() || path.starts_with("/api/v1/auth/") || path.starts_with("/api/v1/api-keys") {
                continue;
            }
            let concrete = path.replace("{id}", "1").replace("{payment_id}", "1").replace("{employee_id}", "1");
            let concrete = concrete.replace("{external_ref}", "crm-1");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response =
                app.request(method.clone(), &concrete, Some(&auditor)).json(&json!({})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {concrete}");
            refused += 1;
        }
    }
    assert!(refused > 40, "every writing operation was tried: {refused}");
    // What every account does for itself stays open.
    let key = app.post("/api/v1/api-keys", &auditor, &json!({"name": "audit export", "roles": ["auditor"]})).await;
    assert_eq!(key.status(), StatusCode::CREATED);
}
both_backends!(auditors_write_nothing, auditors_write_nothing);
