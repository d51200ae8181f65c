//! What the operator on call reads: `/metrics` (its token, its request counters by route
//! template, the pool and SQLite write-lane figures, sign-ins, slow queries) and writes queued in
//! arrival order on SQLite.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, TestApp, ADMIN_EMAIL};

const TOKEN: &str = "metrics-token-0123456789";

fn with_metrics(config: &mut opsdesk::config::Config) {
    config.metrics_token = Some(TOKEN.into());
}

fn with_every_query_slow(config: &mut opsdesk::config::Config) {
    with_metrics(config);
    config.slow_query = Some(Duration::ZERO);
}

async fn scrape(app: &TestApp) -> String {
    let response = app.request(reqwest::Method::GET, "/metrics", Some(TOKEN)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

/// The value of the sample `series` (name and labels exactly as written), or None.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_requests_by_route_template(app: TestApp) {
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", &admin).await.json::<serde_json::Value>().await.unwrap();
    let id = me["user"]["id"].as_i64().unwrap();
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/api/v1/users/{id}"), &admin).await.status(), StatusCode::OK);
    }
    assert_eq!(app.get("/api/v1/users/999999", &admin).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.login(ADMIN_EMAIL, "not the password").await.status(), StatusCode::UNAUTHORIZED);

    // Without the token, or with another one, nothing is told.
    let anonymous = app.request(reqwest::Method::GET, "/metrics", None).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = app.request(reqwest::Method::GET, "/metrics", Some("metrics-token-0123456788")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let with_a_user_token = app.request(reqwest::Method::GET, "/metrics", Some(&admin)).send().await.unwrap();
    assert_eq!(with_a_user_token.status(), StatusCode::UNAUTHORIZED);

    let text = scrape(&app).await;
    let series = |status: u16| {
        format!("opsdesk_http_requests_total{{method=\"GET\",route=\"/api/v1/users/{{id}}\",status=\"{status}\"}}")
    };
    assert_eq!(sample(&text, &series(200)), Some(3.0), "{text}");
    assert_eq!(sample(&text, &series(404)), Some(1.0));
    let count = "opsdesk_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/users/{id}\"}";
    assert_eq!(sample(&text, count), Some(4.0));
    let all = "opsdesk_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/users/{id}\",le=\"+Inf\"}";
    assert_eq!(sample(&text, all), Some(4.0));
    assert_eq!(sample(&text, "opsdesk_logins_total{outcome=\"wrong_credentials\"}"), Some(1.0));
    assert!(sample(&text, "opsdesk_logins_total{outcome=\"signed_in\"}").unwrap() >= 1.0);
    assert_eq!(sample(&text, "opsdesk_db_pool_connections{state=\"max\"}"), Some(4.0));
    assert_eq!(sample(&text, "opsdesk_webhook_queue_depth"), Some(0.0));
    // Nothing was slower than the default threshold of 250 ms here.
    assert_eq!(sample(&text, "opsdesk_slow_queries_total"), Some(0.0));
    // The refused scrapes were counted too, under the route template.
    assert_eq!(
        sample(&text, "opsdesk_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}"),
        Some(3.0)
    );
}
both_backends!(
    metrics_count_requests_by_route_template,
    metrics_count_requests_by_route_template,
    with = super::with_metrics
);

async fn metrics_are_off_without_a_token(app: TestApp) {
    let admin = app.admin_token().await;
    let response = app.request(reqwest::Method::GET, "/metrics", Some(&admin)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    // Without credentials it is 401, as every protected operation.
    let anonymous = app.request(reqwest::Method::GET, "/metrics", None).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(metrics_are_off_without_a_token, metrics_are_off_without_a_token);

async fn slow_queries_are_counted(app: TestApp) {
    let admin = app.admin_token().await;
    assert_eq!(app.get("/api/v1/users", &admin).await.status(), StatusCode::OK);
    let text = scrape(&app).await;
    // With a threshold of zero every statement is slow: at least the sign-in's and the list's.
    assert!(sample(&text, "opsdesk_slow_queries_total").unwrap() >= 2.0, "{text}");
}
both_backends!(slow_queries_are_counted, slow_queries_are_counted, with = super::with_every_query_slow);

/// Thirty-two writers at once on a pool of four connections: on SQLite every one queues in the
/// write lane and is answered 201 (none waits on SQLite's busy handler or times out), and the
/// lane's queue is seen in the metrics; on PostgreSQL there is no lane.
async fn parallel_writers_all_succeed(app: TestApp) {
    let admin = app.admin_token().await;
    let writes = (0..32).map(|n| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post(
                "/api/v1/inventory/items",
                admin,
                &json!({"sku": format!("LANE-{n}"), "name": format!("Lane item {n}"), "reorder_point": "1", "reorder_quantity": "2"}),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    let listed = app.get("/api/v1/inventory/items?limit=100", &admin).await.json::<serde_json::Value>().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 32);

    let text = scrape(&app).await;
    let lane_waits = sample(&text, "opsdesk_sqlite_write_lane_waits_total").unwrap();
    match app.backend {
        Backend::Sqlite => assert!(lane_waits >= 1.0, "32 writers at once never queued: {text}"),
        Backend::Postgres => assert_eq!(lane_waits, 0.0),
    }
    assert_eq!(sample(&text, "opsdesk_sqlite_write_lane_waiting"), Some(0.0));
    assert_eq!(sample(&text, "opsdesk_db_pool_timeouts_total"), Some(0.0));
}
both_backends!(parallel_writers_all_succeed, parallel_writers_all_succeed, with = super::with_metrics);
