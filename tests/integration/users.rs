//! `/api/v1/users`: who may call what, uniqueness, ETags and If-Match, pagination and filters,
//! history.

use crate::common::{self, etag, problem, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn only_admins_write_users(app: TestApp) {
    let admin = app.admin_token().await;
    for role in ["finance", "hr", "ops", "agent", "employee", "auditor"] {
        let token = app.user_token(&admin, &format!("{role}@example.com"), &[role]).await;
        let create = app
            .post(
                "/api/v1/users",
                &token,
                &json!({"email": "x@example.com", "name": "X", "roles": ["admin"], "password": PASSWORD}),
            )
            .await;
        problem(create, StatusCode::FORBIDDEN).await;
        let me: Value = app.get("/api/v1/auth/me", &token).await.json().await.unwrap();
        let my_id = me["user"]["id"].as_i64().unwrap();
        // Raising one's own role is not possible.
        let raise = app.patch(&format!("/api/v1/users/{my_id}"), &token, &json!({"roles": ["admin"]}), None).await;
        problem(raise, StatusCode::FORBIDDEN).await;
        let deactivate = app.action("/api/v1/users/1/deactivation", &token).await;
        problem(deactivate, StatusCode::FORBIDDEN).await;
        let list = app.get("/api/v1/users", &token).await;
        if role == "auditor" {
            assert_eq!(list.status(), StatusCode::OK, "auditors read everything");
        } else {
            problem(list, StatusCode::FORBIDDEN).await;
        }
    }
    let users: Value = app.get("/api/v1/users?role=admin", &admin).await.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "nobody became admin");
}
both_backends!(role_checks_on_users, only_admins_write_users);

async fn emails_are_unique_regardless_of_case(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "Ann.Lee@Example.com", &["agent"]).await;
    assert_eq!(user["email"], "ann.lee@example.com");
    let again = app
        .post(
            "/api/v1/users",
            &admin,
            &json!({"email": "ANN.LEE@example.COM", "name": "Ann", "roles": ["agent"], "password": PASSWORD}),
        )
        .await;
    problem(again, StatusCode::CONFLICT).await;
    let same_as_email = app
        .post(
            "/api/v1/users",
            &admin,
            &json!({"email": "bob@example.com", "name": "Bob", "roles": ["agent"], "password": "Bob@Example.com"}),
        )
        .await;
    assert_eq!(common::pointers(&problem(same_as_email, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/password"]);
}
both_backends!(unique_emails_and_password_policy, emails_are_unique_regardless_of_case);

async fn versions_and_preconditions(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "ann@example.com", &["agent"]).await;
    let path = format!("/api/v1/users/{}", user["id"]);

    let read = app.get(&path, &admin).await;
    let tag = etag(&read);
    assert_eq!(tag, "\"1\"");
    let not_modified =
        app.request(reqwest::Method::GET, &path, Some(&admin)).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);

    let first = app.patch(&path, &admin, &json!({"name": "Ann Lee"}), Some(&tag)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(etag(&first), "\"2\"");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["name"], "Ann Lee");
    assert_eq!(body["version"], 2);

    // A second writer that read version 1 loses: 412, and nothing changes.
    let stale = app.patch(&path, &admin, &json!({"name": "Somebody Else"}), Some(&tag)).await;
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let stale_delete = app
        .request(reqwest::Method::POST, &format!("{path}/deactivation"), Some(&admin))
        .header("If-Match", &tag)
        .send()
        .await
        .unwrap();
    problem(stale_delete, StatusCode::PRECONDITION_FAILED).await;
    let now: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(now["name"], "Ann Lee");
    assert_eq!(now["active"], true);

    let server_owned = app.patch(&path, &admin, &json!({"version": 9}), None).await;
    assert_eq!(common::pointers(&problem(server_owned, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/version"]);
    let not_a_tag = app.patch(&path, &admin, &json!({"name": "x"}), Some("not-a-tag")).await;
    problem(not_a_tag, StatusCode::PRECONDITION_FAILED).await;
    let weak = app.patch(&path, &admin, &json!({"name": "x"}), Some("W/\"2\"")).await;
    problem(weak, StatusCode::PRECONDITION_FAILED).await;
    let empty = app.patch(&path, &admin, &json!({"name": "x"}), Some("")).await;
    problem(empty, StatusCode::UNPROCESSABLE_ENTITY).await;
}
both_backends!(etags_and_if_match, versions_and_preconditions);

async fn concurrent_edits_lose_no_update(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "ann@example.com", &["agent"]).await;
    let path = format!("/api/v1/users/{}", user["id"]);
    let bodies: Vec<Value> = (0..8).map(|i| json!({"name": format!("Name {i}")})).collect();
    let edits = bodies.iter().map(|body| app.patch(&path, &admin, body, Some("\"1\"")));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(edits).await.iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "exactly one edit of version 1 wins: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::PRECONDITION_FAILED), "{statuses:?}");
    let now: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(now["version"], 2);
}
both_backends!(concurrent_edits, concurrent_edits_lose_no_update);

async fn admins_cannot_lock_themselves_out(app: TestApp) {
    let admin = app.admin_token().await;
    let me = app.patch("/api/v1/users/1", &admin, &json!({"roles": ["agent"]}), None).await;
    problem(me, StatusCode::CONFLICT).await;
    let deactivate_me = app.action("/api/v1/users/1/deactivation", &admin).await;
    problem(deactivate_me, StatusCode::CONFLICT).await;
    let second = app.create_user(&admin, "second@example.com", &["admin"]).await;
    let second_token = app.token_for("second@example.com", PASSWORD).await;
    // With another admin, the first may be removed by the second.
    assert_eq!(app.action("/api/v1/users/1/deactivation", &second_token).await.status(), StatusCode::NO_CONTENT);
    let last = app.action(&format!("/api/v1/users/{}/deactivation", second["id"]), &second_token).await;
    problem(last, StatusCode::CONFLICT).await;
}
both_backends!(admin_lockout_is_refused, admins_cannot_lock_themselves_out);

async fn lists_page_filter_and_sync(app: TestApp) {
    let admin = app.admin_token().await;
    for i in 0..7 {
        app.create_user(&admin, &format!("user{i}@example.com"), &[if i % 2 == 0 { "agent" } else { "finance" }]).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=3&cursor={c}"),
            None => "/api/v1/users?limit=3".to_string(),
        };
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, (1..=8).collect::<Vec<i64>>(), "every user exactly once, in order");

    let clamped = app.get("/api/v1/users?limit=1000000", &admin).await;
    assert_eq!(clamped.status(), StatusCode::OK, "a huge limit is clamped, not refused");
    let clamped: Value = clamped.json().await.unwrap();
    assert_eq!(clamped["items"].as_array().unwrap().len(), 8);
    problem(app.get("/api/v1/users?limit=0", &admin).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    problem(app.get("/api/v1/users?cursor=garbage", &admin).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    let finance: Value = app.get("/api/v1/users?role=finance", &admin).await.json().await.unwrap();
    assert_eq!(finance["items"].as_array().unwrap().len(), 3);
    let search: Value = app.get("/api/v1/users?q=USER3", &admin).await.json().await.unwrap();
    assert_eq!(search["items"].as_array().unwrap().len(), 1);
    let percent: Value = app.get("/api/v1/users?q=%25", &admin).await.json().await.unwrap();
    assert_eq!(percent["items"].as_array().unwrap().len(), 0, "wildcards in q are literal");

    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.patch("/api/v1/users/4", &admin, &json!({"name": "Changed"}), None).await;
    let changed: Value = app
        .get(&format!("/api/v1/users?updated_since={}", since.replace('+', "%2B")), &admin)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = changed["items"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![4], "only what changed since");
}
both_backends!(pagination_filters_and_updated_since, lists_page_filter_and_sync);

async fn history_records_each_change(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "ann@example.com", &["agent"]).await;
    let path = format!("/api/v1/users/{}", user["id"]);
    app.patch(&path, &admin, &json!({"roles": ["agent", "ops"]}), None).await;
    app.action(&format!("{path}/deactivation"), &admin).await;
    let history: Value = app.get(&format!("{path}/history"), &admin).await.json().await.unwrap();
    let events = history["items"].as_array().unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["user.created", "user.updated", "user.deactivated"]);
    assert_eq!(
        events[1]["changes"]["roles"],
        json!({"before": ["agent"], "after": ["ops", "agent"]}),
        "roles in their documented order"
    );
    assert_eq!(events[2]["changes"]["active"], json!({"before": true, "after": false}));
    assert_eq!(events[1]["actor_user_id"], 1);
    assert!(events.iter().all(|e| e["changes"].get("password_hash").is_none()));
    problem(app.get("/api/v1/users/999/history", &admin).await, StatusCode::NOT_FOUND).await;
}
both_backends!(user_history, history_records_each_change);
