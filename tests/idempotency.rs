//! `Idempotency-Key` on POST: replay, a different body, concurrent duplicates, and responses
//! holding a secret.

mod common;

use common::{problem, TestApp, PASSWORD};
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
