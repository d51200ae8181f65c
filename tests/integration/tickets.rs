//! Tickets: numbering, the workflow (every legal and illegal move), SLA clocks, comments,
//! visibility by role, filters, concurrent creation and edits.

use crate::common::{self, etag, open_ticket, pointers, problem, DeskWithPeople, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The desk `IT` with Ada, Bob and Cy (`DeskWithPeople`), each costing 45.50 an hour.
async fn desk_with_people(app: &TestApp) -> DeskWithPeople {
    app.desk_with_people("IT", "IT Service Desk", ["45.50", "45.50", "45.50"]).await
}

async fn move_to(app: &TestApp, token: &str, ticket: &Value, to: &str) -> reqwest::Response {
    app.post(&format!("/api/v1/tickets/{}/transitions", ticket["id"]), token, &json!({"to": to})).await
}

async fn numbering_and_fields(app: TestApp) {
    let d = desk_with_people(&app).await;
    // An employee opens a ticket for themself: the requester is their own record.
    let first = open_ticket(
        &app,
        &d.bob_token,
        json!({"desk_id": d.desk, "subject": "VPN drops", "description": "Every hour.\nSince Monday.", "tags": ["VPN", "network"], "kind": "incident"}),
    )
    .await;
    assert_eq!(first["number"], "IT-1");
    assert_eq!(first["status"], "new");
    assert_eq!(first["requester"]["employee_id"], d.bob);
    assert_eq!(first["tags"], json!(["network", "vpn"]));
    assert_eq!(first["priority"], "normal");
    assert_eq!(first["allowed_transitions"], json!(["cancelled"]), "the requester may only cancel a new ticket");
    // The desk opens one for a customer, assigned and linked.
    let second = open_ticket(
        &app,
        &d.ada_token,
        json!({"desk_id": d.desk, "subject": "Invoice portal down", "requester_name": "Grace Customer",
               "requester_email": "Grace@Customer.example", "assignee_id": d.ada, "priority": "urgent",
               "links": [{"kind": "blocks", "ticket_id": first["id"]}]}),
    )
    .await;
    assert_eq!(second["number"], "IT-2");
    assert_eq!(second["requester"]["email"], "grace@customer.example");
    assert_eq!(second["allowed_transitions"], json!(["open", "cancelled"]));
    assert_eq!(second["links"], json!([{"relation": "blocks", "ticket_id": first["id"], "number": "IT-1"}]));
    let first_again: Value = app.get(&format!("/api/v1/tickets/{}", first["id"]), &d.admin).await.json().await.unwrap();
    assert_eq!(first_again["links"], json!([{"relation": "blocked_by", "ticket_id": second["id"], "number": "IT-2"}]));

    // Bad input names every field; the counter does not move on a refused ticket.
    let bad = app
        .post(
            "/api/v1/tickets",
            &d.ada_token,
            &json!({"desk_id": 999, "subject": " ", "tags": ["ok", "not ok"], "requester_email": "x@y.example",
                    "links": [{"kind": "relates_to", "ticket_id": 12345}]}),
        )
        .await;
    let mut found = pointers(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(found, vec!["/desk_id", "/links/0/ticket_id", "/requester_name", "/subject", "/tags/1"]);
    let bad_assignee = app
        .post(
            "/api/v1/tickets",
            &d.admin,
            &json!({"desk_id": d.desk, "subject": "x", "requester_employee_id": d.bob, "assignee_id": d.bob}),
        )
        .await;
    assert_eq!(pointers(&problem(bad_assignee, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/assignee_id"]);
    // Employees cannot assign or open tickets for others; server-owned fields cannot be set.
    problem(
        app.post("/api/v1/tickets", &d.bob_token, &json!({"desk_id": d.desk, "subject": "x", "assignee_id": d.ada}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post("/api/v1/tickets", &d.bob_token, &json!({"desk_id": d.desk, "subject": "x", "status": "resolved"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let third = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Third"})).await;
    assert_eq!(third["number"], "IT-3", "numbers have no gaps");
}
both_backends!(ticket_numbers_and_fields, numbering_and_fields);

async fn the_whole_workflow(app: TestApp) {
    let d = desk_with_people(&app).await;
    let workflow: Value = app.get("/api/v1/tickets/workflow", &d.bob_token).await.json().await.unwrap();
    assert_eq!(workflow["initial"], "new");
    let edges: Vec<(String, String)> = workflow["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_str().unwrap().to_string(), t["to"].as_str().unwrap().to_string()))
        .collect();
    let legal = [
        ("new", "open"),
        ("new", "cancelled"),
        ("open", "pending"),
        ("open", "resolved"),
        ("open", "cancelled"),
        ("pending", "open"),
        ("pending", "resolved"),
        ("pending", "cancelled"),
        ("resolved", "closed"),
        ("resolved", "open"),
    ];
    assert_eq!(edges.len(), legal.len());
    for (from, to) in legal {
        assert!(edges.contains(&(from.to_string(), to.to_string())), "{from} -> {to} is in the graph");
    }

    // Walk a ticket into every status, trying every move from each: illegal ones are 409 naming
    // the allowed ones, legal ones succeed.
    let statuses = ["new", "open", "pending", "resolved", "closed", "cancelled"];
    let paths: [(&str, &[&str]); 6] = [
        ("new", &[]),
        ("open", &["open"]),
        ("pending", &["open", "pending"]),
        ("resolved", &["open", "resolved"]),
        ("closed", &["open", "resolved", "closed"]),
        ("cancelled", &["cancelled"]),
    ];
    for (status, path) in paths {
        for to in statuses {
            let ticket = open_ticket(
                &app,
                &d.ada_token,
                json!({"desk_id": d.desk, "subject": format!("{status} to {to}"), "requester_employee_id": d.bob}),
            )
            .await;
            for step in path {
                assert_eq!(move_to(&app, &d.ada_token, &ticket, step).await.status(), StatusCode::OK);
            }
            let answer = move_to(&app, &d.ada_token, &ticket, to).await;
            if legal.contains(&(status, to)) {
                assert_eq!(answer.status(), StatusCode::OK, "{status} -> {to}");
                let moved: Value = answer.json().await.unwrap();
                assert_eq!(moved["status"], to);
            } else {
                let body = problem(answer, StatusCode::CONFLICT).await;
                let detail = body["detail"].as_str().unwrap();
                let allowed: Vec<&str> = legal.iter().filter(|(f, _)| *f == status).map(|(_, t)| *t).collect();
                if allowed.is_empty() {
                    assert!(detail.contains("final"), "{status} -> {to}: {detail}");
                } else {
                    assert!(detail.contains(&format!("Allowed: {}", allowed.join(", "))), "{status} -> {to}: {detail}");
                }
            }
        }
    }

    // Who may move: the requester cancels, closes or reopens their own; only the desk opens,
    // resolves, or puts on hold; an agent of another desk does not see the ticket.
    let ticket = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Rights"})).await;
    problem(move_to(&app, &d.bob_token, &ticket, "open").await, StatusCode::FORBIDDEN).await;
    problem(move_to(&app, &d.cy_token, &ticket, "open").await, StatusCode::NOT_FOUND).await;
    let opened: Value = move_to(&app, &d.ada_token, &ticket, "open").await.json().await.unwrap();
    assert_eq!(opened["allowed_transitions"], json!(["pending", "resolved", "cancelled"]));
    move_to(&app, &d.ada_token, &ticket, "resolved").await;
    let mine: Value = app.get(&format!("/api/v1/tickets/{}", ticket["id"]), &d.bob_token).await.json().await.unwrap();
    assert_eq!(mine["allowed_transitions"], json!(["closed", "open"]));
    let reopened = move_to(&app, &d.bob_token, &ticket, "open").await;
    assert_eq!(reopened.status(), StatusCode::OK);
    let reopened: Value = reopened.json().await.unwrap();
    assert!(reopened["resolved_at"].is_null(), "a reopen clears the resolution");

    // If-Match on transitions: a stale version is 412 and nothing moves.
    let read = app.get(&format!("/api/v1/tickets/{}", ticket["id"]), &d.ada_token).await;
    let tag = etag(&read);
    app.post(&format!("/api/v1/tickets/{}/comments", ticket["id"]), &d.ada_token, &json!({"body": "On it"})).await;
    let stale = app
        .request(reqwest::Method::POST, &format!("/api/v1/tickets/{}/transitions", ticket["id"]), Some(&d.ada_token))
        .header("If-Match", &tag)
        .json(&json!({"to": "pending"}))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let history: Value =
        app.get(&format!("/api/v1/tickets/{}/history", ticket["id"]), &d.admin).await.json().await.unwrap();
    let actions: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["ticket.created", "ticket.transitioned", "ticket.transitioned", "ticket.transitioned", "ticket.commented"]
    );
    problem(app.get(&format!("/api/v1/tickets/{}/history", ticket["id"]), &d.bob_token).await, StatusCode::FORBIDDEN)
        .await;
}
both_backends!(ticket_workflow, the_whole_workflow);

async fn comments_and_first_response(app: TestApp) {
    let d = desk_with_people(&app).await;
    let ticket = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Printer"})).await;
    let path = format!("/api/v1/tickets/{}", ticket["id"]);
    let comments = format!("{path}/comments");
    // The requester's reply does not answer; an internal note does not either.
    assert_eq!(app.post(&comments, &d.bob_token, &json!({"body": "Any news?"})).await.status(), StatusCode::CREATED);
    problem(app.post(&comments, &d.bob_token, &json!({"body": "psst", "internal": true})).await, StatusCode::FORBIDDEN)
        .await;
    let note = app.post(&comments, &d.ada_token, &json!({"body": "Toner is out", "internal": true})).await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let after_note: Value = app.get(&path, &d.ada_token).await.json().await.unwrap();
    assert!(after_note["sla"]["first_response_at"].is_null());
    // A public reply by a member of the desk does.
    app.post(&comments, &d.ada_token, &json!({"body": "New toner tomorrow"})).await;
    let answered: Value = app.get(&path, &d.ada_token).await.json().await.unwrap();
    assert!(answered["sla"]["first_response_at"].is_string());
    assert_eq!(answered["sla"]["first_response_breached"], false);
    assert!(answered["sla"]["first_response_minutes_left"].is_null());

    let staff: Value = app.get(&comments, &d.ada_token).await.json().await.unwrap();
    assert_eq!(staff["items"].as_array().unwrap().len(), 3);
    let requester: Value = app.get(&comments, &d.bob_token).await.json().await.unwrap();
    let bodies: Vec<&str> =
        requester["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["Any news?", "New toner tomorrow"], "internal notes never reach the requester");
    problem(app.get(&comments, &d.cy_token).await, StatusCode::NOT_FOUND).await;
    assert_eq!(
        pointers(
            &problem(app.post(&comments, &d.ada_token, &json!({"body": "  "})).await, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        ),
        vec!["/body"]
    );

    // A closed ticket takes no more comments.
    for to in ["open", "resolved", "closed"] {
        move_to(&app, &d.ada_token, &ticket, to).await;
    }
    problem(app.post(&comments, &d.bob_token, &json!({"body": "Thanks"})).await, StatusCode::CONFLICT).await;
}
both_backends!(ticket_comments, comments_and_first_response);

async fn who_sees_what(app: TestApp) {
    let d = desk_with_people(&app).await;
    let ops = app.user_token(&d.admin, "ops@example.com", &["ops"]).await;
    let finance = app.user_token(&d.admin, "fin@example.com", &["finance"]).await;
    let auditor = app.user_token(&d.admin, "audit@example.com", &["auditor"]).await;
    let (_, dan_token) = app.employee_user(&d.admin, d.department, "dan", &["employee"], "45.50").await;
    let bobs = open_ticket(&app, &d.bob_token, json!({"desk_id": d.desk, "subject": "Bob's"})).await;
    let customer = open_ticket(
        &app,
        &d.ada_token,
        json!({"desk_id": d.desk, "subject": "Customer's", "requester_name": "C", "requester_email": "c@c.example"}),
    )
    .await;
    let count = |v: &Value| v["items"].as_array().map(Vec::len).unwrap_or(0);
    for (token, expected, who) in [
        (&d.ada_token, 2, "agent"),
        (&ops, 2, "ops"),
        (&finance, 2, "finance"),
        (&auditor, 2, "auditor"),
        (&d.bob_token, 1, "requester"),
        (&dan_token, 0, "other employee"),
        (&d.cy_token, 0, "agent of no desk"),
    ] {
        let listed: Value = app.get("/api/v1/tickets", token).await.json().await.unwrap();
        assert_eq!(count(&listed), expected, "{who} sees {expected}");
    }
    problem(app.get(&format!("/api/v1/tickets/{}", bobs["id"]), &dan_token).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&format!("/api/v1/tickets/{}", customer["id"]), &d.bob_token).await, StatusCode::NOT_FOUND).await;
    // Readers who do not work the desk cannot change or move its tickets; auditors write nothing.
    let path = format!("/api/v1/tickets/{}", bobs["id"]);
    problem(app.patch(&path, &ops, &json!({"priority": "high"}), None).await, StatusCode::FORBIDDEN).await;
    problem(app.patch(&path, &d.bob_token, &json!({"priority": "high"}), None).await, StatusCode::FORBIDDEN).await;
    problem(move_to(&app, &finance, &bobs, "open").await, StatusCode::FORBIDDEN).await;
    problem(
        app.post("/api/v1/tickets", &auditor, &json!({"desk_id": d.desk, "subject": "x"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Someone with no employee record must name the requester.
    let nobody = app.user_token(&d.admin, "nobody@example.com", &["employee"]).await;
    let refused = app.post("/api/v1/tickets", &nobody, &json!({"desk_id": d.desk, "subject": "x"})).await;
    assert_eq!(pointers(&problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/requester_employee_id"]);
}
both_backends!(ticket_visibility, who_sees_what);

async fn sla_clocks_and_filters(app: TestApp) {
    let d = desk_with_people(&app).await;
    let urgent = open_ticket(
        &app,
        &d.ada_token,
        json!({"desk_id": d.desk, "subject": "Server room flooded", "priority": "urgent", "requester_employee_id": d.bob, "tags": ["facility"]}),
    )
    .await;
    let created = chrono::DateTime::parse_from_rfc3339(urgent["created_at"].as_str().unwrap()).unwrap();
    let due = |v: &Value, field: &str| chrono::DateTime::parse_from_rfc3339(v["sla"][field].as_str().unwrap()).unwrap();
    assert_eq!((due(&urgent, "first_response_due_at") - created).num_minutes(), 15);
    assert_eq!((due(&urgent, "resolution_due_at") - created).num_minutes(), 240);
    assert!(matches!(urgent["sla"]["resolution_minutes_left"].as_i64(), Some(238..=240)));
    assert_eq!(urgent["sla"]["first_response_breached"], false);

    // A priority change retargets from creation.
    let path = format!("/api/v1/tickets/{}", urgent["id"]);
    let low: Value = app.patch(&path, &d.ada_token, &json!({"priority": "low"}), None).await.json().await.unwrap();
    assert_eq!((due(&low, "resolution_due_at") - created).num_minutes(), 4320);
    assert_eq!((due(&low, "first_response_due_at") - created).num_minutes(), 480);

    // Pending stops the resolution clock; resuming moves the due time by the time it stood.
    move_to(&app, &d.ada_token, &urgent, "open").await;
    let pending: Value = move_to(&app, &d.ada_token, &urgent, "pending").await.json().await.unwrap();
    assert_eq!(pending["sla"]["clock_paused"], true);
    let frozen = pending["sla"]["resolution_minutes_left"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let resumed: Value = move_to(&app, &d.ada_token, &urgent, "open").await.json().await.unwrap();
    assert_eq!(resumed["sla"]["clock_paused"], false);
    let moved_by = due(&resumed, "resolution_due_at") - due(&pending, "resolution_due_at");
    assert!(moved_by.num_milliseconds() >= 1000, "the due time moved by the pending time: {moved_by}");
    assert!(resumed["sla"]["resolution_minutes_left"].as_i64().unwrap() >= frozen - 1);

    // Filters: breached, due within, tag, status, priority, text, sorts.
    let quiet = open_ticket(
        &app,
        &d.bob_token,
        json!({"desk_id": d.desk, "subject": "Mouse squeaks", "description": "The left button", "kind": "inquiry"}),
    )
    .await;
    let ids =
        |v: &Value| -> Vec<i64> { v["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect() };
    let list = |query: &str| {
        let app = &app;
        let token = d.ada_token.clone();
        let url = format!("/api/v1/tickets?{query}");
        async move {
            let response = app.get(&url, &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            response.json::<Value>().await.unwrap()
        }
    };
    let (u, q) = (urgent["id"].as_i64().unwrap(), quiet["id"].as_i64().unwrap());
    assert_eq!(ids(&list("breached=true").await), Vec::<i64>::new());
    assert_eq!(ids(&list("breached=false&sort=created").await), vec![u, q]);
    assert_eq!(ids(&list("due_within=480").await), vec![q, u], "first response due within 8 h");
    assert_eq!(ids(&list("due_within=200").await), Vec::<i64>::new());
    assert_eq!(ids(&list("tag=facility").await), vec![u]);
    assert_eq!(ids(&list("status=new").await), vec![q]);
    assert_eq!(ids(&list("kind=inquiry").await), vec![q]);
    assert_eq!(ids(&list("q=LEFT%20butt").await), vec![q]);
    assert_eq!(ids(&list("q=flooded%20room").await), vec![u], "every word, in any order");
    assert_eq!(ids(&list("q=ro").await), vec![u], "short words match too");
    assert_eq!(ids(&list("q=flooded%20mouse").await), Vec::<i64>::new());
    assert_eq!(ids(&list("requester_employee_id=999").await), Vec::<i64>::new());
    assert_eq!(ids(&list("unassigned=true&sort=priority").await), vec![q, u], "normal before low");
    assert_eq!(ids(&list("sort=due").await), vec![q, u]);
    assert_eq!(ids(&list("sort=-updated&limit=1").await), vec![q]);
    let page: Value = list("sort=-updated&limit=1").await;
    let next: Value = list(&format!("sort=-updated&limit=1&cursor={}", page["next_cursor"].as_str().unwrap())).await;
    assert_eq!(ids(&next), vec![u]);
    assert!(next["next_cursor"].is_null());
    problem(app.get("/api/v1/tickets?due_within=0", &d.ada_token).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    problem(app.get("/api/v1/tickets?tag=no%20tag", &d.ada_token).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Concurrent edits: the loser of two PATCHes with the same ETag gets 412.
    let read = app.get(&format!("/api/v1/tickets/{q}"), &d.ada_token).await;
    let tag = etag(&read);
    let path = format!("/api/v1/tickets/{q}");
    let (subject_a, subject_b) = (json!({"subject": "A"}), json!({"subject": "B"}));
    let (a, b) = tokio::join!(
        app.patch(&path, &d.ada_token, &subject_a, Some(&tag)),
        app.patch(&path, &d.ada_token, &subject_b, Some(&tag))
    );
    let mut statuses = vec![a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);

    // The work queue: active tickets (new, open, pending) by priority; a resolved one leaves it.
    assert_eq!(ids(&list("active=true&sort=priority").await), vec![q, u]);
    assert!(ids(&list("active=false").await).is_empty());
    assert_eq!(move_to(&app, &d.ada_token, &urgent, "resolved").await.status(), StatusCode::OK);
    assert_eq!(ids(&list("active=true&sort=priority").await), vec![q]);
    assert_eq!(ids(&list("active=false").await), vec![u]);
    assert_eq!(ids(&list("active=true&sort=due").await), vec![q]);
}
both_backends!(ticket_sla_and_filters, sla_clocks_and_filters);

async fn concurrent_numbering(app: TestApp) {
    let d = desk_with_people(&app).await;
    let requests = (0..24).map(|i| {
        let app = &app;
        let token = d.ada_token.clone();
        let body = json!({"desk_id": d.desk, "subject": format!("Parallel {i}"), "requester_employee_id": d.bob});
        async move { app.post("/api/v1/tickets", &token, &body).await }
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut numbers = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        let ticket: Value = response.json().await.unwrap();
        numbers.push(ticket["number"].as_str().unwrap().trim_start_matches("IT-").parse::<i64>().unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=24).collect::<Vec<i64>>(), "unique and gapless");
}
both_backends!(ticket_numbers_under_concurrency, concurrent_numbering);

/// Two nodes over one PostgreSQL opening tickets on one desk at once: numbers stay unique and
/// gapless (the counter row is locked in each creating transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn ticket_numbers_across_two_nodes() {
    let app = TestApp::spawn(common::Backend::Postgres).await;
    let d = desk_with_people(&app).await;
    let node = app.another_node().await;
    let requests = (0..30).map(|i| {
        let target = if i % 2 == 0 { &app } else { &node };
        let token = d.ada_token.clone();
        let body = json!({"desk_id": d.desk, "subject": format!("Node {i}"), "requester_employee_id": d.bob});
        async move { target.post("/api/v1/tickets", &token, &body).await }
    });
    let mut numbers = Vec::new();
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), StatusCode::CREATED);
        let ticket: Value = response.json().await.unwrap();
        numbers.push(ticket["number"].as_str().unwrap().trim_start_matches("IT-").parse::<i64>().unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=30).collect::<Vec<i64>>());
}
