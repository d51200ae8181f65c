//! `Idempotency-Key` on POST: replay, a different body, concurrent duplicates, and responses
//! holding a secret.

use crate::common::{self, problem, today, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn post_with_key(app: &TestApp, token: &str, key: &str, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, path, Some(token)).header("Idempotency-Key", key).json(body).send().await.unwrap()
}

async fn replays_and_rejects(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"email": "ann@example.com", "name": "Ann", "roles": ["agent"], "password": PASSWORD});
    let first = post_with_key(&app, &admin, "create-ann", "/api/v1/users", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers()["idempotent-replayed"], "false");
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();

    // A new access token of the same user: the key is the user's, not the token's.
    let admin_again = app.admin_token().await;
    let replay = post_with_key(&app, &admin_again, "create-ann", "/api/v1/users", &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["location"], location);
    assert_eq!(replay.json::<Value>().await.unwrap(), first);

    let different = post_with_key(
        &app,
        &admin,
        "create-ann",
        "/api/v1/users",
        &json!({"email": "bob@example.com", "name": "Bob", "roles": ["agent"], "password": PASSWORD}),
    )
    .await;
    problem(different, StatusCode::UNPROCESSABLE_ENTITY).await;

    let users: Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 2, "one admin and one Ann: nothing created twice");

    // Keys are per caller: another user's identical key is a different request.
    let other_admin = app.user_token(&admin, "root2@example.com", &["admin"]).await;
    let theirs = post_with_key(
        &app,
        &other_admin,
        "create-ann",
        "/api/v1/users",
        &json!({"email": "cy@example.com", "name": "Cy", "roles": ["agent"], "password": PASSWORD}),
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);

    // A client error is final too and replays the same problem.
    let invalid = json!({"email": "nope", "name": "X", "roles": ["agent"], "password": PASSWORD});
    let bad = post_with_key(&app, &admin, "bad-one", "/api/v1/users", &invalid).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_again = post_with_key(&app, &admin, "bad-one", "/api/v1/users", &invalid).await;
    assert_eq!(bad_again.headers()["idempotent-replayed"], "true");
    problem(bad_again, StatusCode::UNPROCESSABLE_ENTITY).await;
}
both_backends!(replay_and_mismatch, replays_and_rejects);

async fn concurrent_duplicates_create_once(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"email": "ann@example.com", "name": "Ann", "roles": ["agent"], "password": PASSWORD});
    let attempts = (0..6).map(|_| post_with_key(&app, &admin, "same-key", "/api/v1/users", &body));
    let responses = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED if response.headers()["idempotent-replayed"] == "false" => created += 1,
            StatusCode::CREATED => {}
            StatusCode::CONFLICT => {
                problem(response, StatusCode::CONFLICT).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1, "exactly one request ran");
    let users: Value = app.get("/api/v1/users?q=ann", &admin).await.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
}
both_backends!(in_flight_duplicates, concurrent_duplicates_create_once);

async fn secrets_are_not_replayed(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"name": "crm", "roles": ["auditor"]});
    let first = post_with_key(&app, &admin, "key-1", "/api/v1/api-keys", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = post_with_key(&app, &admin, "key-1", "/api/v1/api-keys", &body).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let body = problem(again, StatusCode::CONFLICT).await;
    assert!(body["detail"].as_str().unwrap().contains("shown only once"));
    let keys: Value = app.get("/api/v1/api-keys", &admin).await.json().await.unwrap();
    assert_eq!(keys["items"].as_array().unwrap().len(), 1, "the retry did not create a second key");
}
both_backends!(secret_responses_are_not_kept, secrets_are_not_replayed);

/// Makes every payment's own transaction take a few seconds, after its row is written: on
/// PostgreSQL a trigger that sleeps, on SQLite one that counts to fifteen million.
fn slow_down_payments(app: &TestApp) {
    match app.backend {
        common::Backend::Sqlite => app.execute_sql(
            "CREATE TRIGGER slow_payment AFTER INSERT ON payments BEGIN \
               SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 15000000) SELECT x FROM n); \
             END",
        ),
        common::Backend::Postgres => {
            app.execute_sql(
                "CREATE FUNCTION slow_payment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2.5); RETURN NEW; END $$",
            );
            app.execute_sql(
                "CREATE TRIGGER slow_payment AFTER INSERT ON payments FOR EACH ROW EXECUTE FUNCTION slow_payment()",
            );
        }
    }
}

/// The answer is stored with the change, in one transaction. A payment that outlives its request
/// (here: the request deadline; in the review: kill -9) still commits, and so does its answer: a
/// retry with the same key, even after the 2 minutes after which an unfinished key is taken over,
/// is answered with the first payment instead of paying again.
async fn a_change_never_outlives_its_answer(app: TestApp) {
    let admin = app.admin_token().await;
    let customer: Value = app
        .post("/api/v1/customers", &admin, &json!({"name": "Northwind", "currency": "EUR"}))
        .await
        .json()
        .await
        .unwrap();
    let invoice: Value = app
        .post(
            "/api/v1/invoices",
            &admin,
            &json!({"kind": "receivable", "customer_id": customer["id"],
                    "lines": [{"description": "Work", "quantity": "1", "unit_price": "100"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = invoice["id"].as_i64().unwrap();
    assert_eq!(app.action(&format!("/api/v1/invoices/{id}/issue"), &admin).await.status(), StatusCode::OK);
    let payments = format!("/api/v1/invoices/{id}/payments");
    let payment = json!({"amount": "30.00", "paid_on": today(), "method": "cash"});
    let paid = || async {
        let page: Value = app.get(&payments, &admin).await.json().await.unwrap();
        page["items"].as_array().unwrap().len()
    };

    // The payment's transaction runs past the 1-second deadline: the client hears 503, and the
    // payment commits a moment later.
    slow_down_payments(&app);
    let first = post_with_key(&app, &admin, "pay-once", &payments, &payment).await;
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE, "the request deadline passed");
    // How long the slowed transaction takes depends on the machine and its load (a debug build
    // under parallel tests counted for over ten seconds): wait for it up to a generous deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while paid().await == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(paid().await, 1, "the payment committed after its request ended");

    // Two minutes later (an unfinished key may then be taken over), the client retries.
    app.execute_sql(match app.backend {
        common::Backend::Sqlite => "UPDATE idempotency_keys SET created_at = datetime(created_at, '-3 minutes')",
        common::Backend::Postgres => "UPDATE idempotency_keys SET created_at = created_at - INTERVAL '3 minutes'",
    });
    let retry = post_with_key(&app, &admin, "pay-once", &payments, &payment).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true", "the stored answer, not a second run");
    assert_eq!(paid().await, 1, "one payment for one key");
    let balance: Value = app.get(&format!("/api/v1/invoices/{id}"), &admin).await.json().await.unwrap();
    assert_eq!(balance["balance"], "70.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_never_outlives_its_answer_sqlite() {
    let app =
        TestApp::spawn_with(common::Backend::Sqlite, |c| c.request_timeout = std::time::Duration::from_secs(1)).await;
    a_change_never_outlives_its_answer(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn a_change_never_outlives_its_answer_postgres() {
    let app =
        TestApp::spawn_with(common::Backend::Postgres, |c| c.request_timeout = std::time::Duration::from_secs(1)).await;
    a_change_never_outlives_its_answer(app).await;
}
