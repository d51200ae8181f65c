//! The change feed (`/api/v1/events`) and the audit log (`/api/v1/audit-events`).

use std::collections::BTreeSet;

use crate::common::{problem, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn feed_page(app: &TestApp, token: &str, after: &str) -> Value {
    let path = if after.is_empty() {
        "/api/v1/events?limit=200".to_string()
    } else {
        format!("/api/v1/events?limit=200&after={after}")
    };
    let response = app.get(&path, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn feed_delivers_each_event_once(app: TestApp) {
    let admin = app.admin_token().await;
    let writers = async {
        // API keys: writes with an audit event each, and no password hashing to queue behind.
        let creations = (0..24).map(|i| {
            let app = &app;
            let admin = &admin;
            async move {
                let body = json!({"name": format!("key {i}"), "roles": ["auditor"]});
                assert_eq!(app.post("/api/v1/api-keys", admin, &body).await.status(), StatusCode::CREATED);
            }
        });
        futures_util::future::join_all(creations).await;
    };
    let reader = async {
        let mut cursor = String::new();
        let mut seen = Vec::new();
        for _ in 0..60 {
            let page = feed_page(&app, &admin, &cursor).await;
            seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
            cursor = page["next_cursor"].as_str().unwrap().to_string();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (seen, cursor)
    };
    let ((), (mut seen, mut cursor)) = tokio::join!(writers, reader);
    // Drain until the feed has caught up with every committed event. On PostgreSQL an event
    // shows only once every older transaction in the cluster has ended (other tests' included),
    // so it may lag a little; it must never be skipped.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while seen.len() < 25 && std::time::Instant::now() < deadline {
        let page = feed_page(&app, &admin, &cursor).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
        cursor = page["next_cursor"].as_str().unwrap().to_string();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_all_once(&app, &admin, seen, cursor).await;
}

async fn assert_all_once(app: &TestApp, admin: &str, seen: Vec<i64>, cursor: String) {
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no event delivered twice");
    let log: Value = app.get("/api/v1/audit-events?limit=200", admin).await.json().await.unwrap();
    let all: BTreeSet<i64> = log["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(all.len(), 25, "the bootstrap admin and 24 keys");
    assert_eq!(unique, all, "no event skipped");
    let empty = feed_page(app, admin, &cursor).await;
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert_eq!(empty["next_cursor"], cursor, "a caught-up consumer keeps its cursor");
}
both_backends!(change_feed_under_concurrent_writes, feed_delivers_each_event_once);

async fn audit_log_filters_and_access(app: TestApp) {
    let admin = app.admin_token().await;
    let ann = app.create_user(&admin, "ann@example.com", &["agent"]).await;
    app.patch(&format!("/api/v1/users/{}", ann["id"]), &admin, &json!({"name": "Ann Lee"}), None).await;

    let by_action: Value = app.get("/api/v1/audit-events?action=user.updated", &admin).await.json().await.unwrap();
    let items = by_action["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["entity_id"], ann["id"]);
    assert_eq!(items[0]["changes"]["name"], json!({"before": "ann@example.com", "after": "Ann Lee"}));
    assert!(items[0]["request_id"].is_string(), "events carry the request id");

    let actions = app.audit_actions(&admin, &format!("entity_type=user&entity_id={}", ann["id"])).await;
    assert_eq!(actions, vec!["user.updated", "user.created"], "newest first");
    let by_actor: Value = app.get("/api/v1/audit-events?actor_user_id=1", &admin).await.json().await.unwrap();
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 2);
    let future: Value = app.get("/api/v1/audit-events?from=2999-01-01T00:00:00Z", &admin).await.json().await.unwrap();
    assert!(future["items"].as_array().unwrap().is_empty());

    let auditor = app.user_token(&admin, "audrey@example.com", &["auditor"]).await;
    assert_eq!(app.get("/api/v1/events", &auditor).await.status(), StatusCode::OK);
    let agent = app.token_for("ann@example.com", PASSWORD).await;
    problem(app.get("/api/v1/events", &agent).await, StatusCode::FORBIDDEN).await;
    problem(app.get("/api/v1/audit-events", &agent).await, StatusCode::FORBIDDEN).await;
    problem(app.get("/api/v1/events?after=nonsense", &admin).await, StatusCode::UNPROCESSABLE_ENTITY).await;
}
both_backends!(audit_log, audit_log_filters_and_access);
