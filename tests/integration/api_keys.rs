//! `/api/v1/api-keys`: created by signed-in users with roles no wider than theirs, the secret
//! shown once and stored hashed, usable as a bearer credential, revocable.

use crate::common::{self, problem, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn keys_work_and_stop(app: TestApp) {
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fiona@example.com", &["finance", "auditor"]).await;

    let wider = app.post("/api/v1/api-keys", &finance, &json!({"name": "crm", "roles": ["finance", "admin"]})).await;
    assert_eq!(common::pointers(&problem(wider, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/roles/1"]);
    let forever = app
        .post("/api/v1/api-keys", &finance, &json!({"name": "crm", "roles": ["finance"], "expires_in_days": 0}))
        .await;
    assert_eq!(common::pointers(&problem(forever, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/expires_in_days"]);
    let expiring: Value = app
        .post("/api/v1/api-keys", &finance, &json!({"name": "temp", "roles": ["finance"], "expires_in_days": 30}))
        .await
        .json()
        .await
        .unwrap();
    let expires_at = chrono::DateTime::parse_from_rfc3339(expiring["expires_at"].as_str().unwrap()).unwrap();
    let hours = (expires_at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&hours), "expires in 30 days: {hours} hours");
    app.action(&format!("/api/v1/api-keys/{}/revocation", expiring["id"]), &finance).await;

    let created = app.post("/api/v1/api-keys", &finance, &json!({"name": "crm", "roles": ["auditor"]})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let created: Value = created.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with(&format!("odk_{}_", created["prefix"].as_str().unwrap())));
    let id = created["id"].as_i64().unwrap();

    let read: Value = app.get(&format!("/api/v1/api-keys/{id}"), &finance).await.json().await.unwrap();
    assert!(read.get("secret").is_none(), "the secret is shown only once");
    assert_eq!(read["active"], true);

    // The key acts for its user with only the key's roles.
    let me: Value = app.get("/api/v1/auth/me", &secret).await.json().await.unwrap();
    assert_eq!(me["credential"], "api_key");
    assert_eq!(me["effective_roles"], json!(["auditor"]));
    assert_eq!(app.get("/api/v1/audit-events", &secret).await.status(), StatusCode::OK);
    let key_minting_key = app.post("/api/v1/api-keys", &secret, &json!({"name": "again", "roles": ["auditor"]})).await;
    problem(key_minting_key, StatusCode::FORBIDDEN).await;
    let password = app
        .post(
            "/api/v1/auth/password",
            &secret,
            &json!({"current_password": PASSWORD, "new_password": "some other passphrase"}),
        )
        .await;
    problem(password, StatusCode::FORBIDDEN).await;

    // Another user cannot see or revoke it; it is not found for them.
    let other = app.user_token(&admin, "otto@example.com", &["ops"]).await;
    problem(app.get(&format!("/api/v1/api-keys/{id}"), &other).await, StatusCode::NOT_FOUND).await;
    problem(app.action(&format!("/api/v1/api-keys/{id}/revocation"), &other).await, StatusCode::NOT_FOUND).await;
    let others_list: Value = app.get("/api/v1/api-keys", &other).await.json().await.unwrap();
    assert_eq!(others_list["items"].as_array().unwrap().len(), 0);
    let admin_list: Value = app.get("/api/v1/api-keys", &admin).await.json().await.unwrap();
    assert_eq!(admin_list["items"].as_array().unwrap().len(), 2, "the revoked temporary key and the live one");

    assert_eq!(
        app.action(&format!("/api/v1/api-keys/{id}/revocation"), &finance).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(app.get("/api/v1/auth/me", &secret).await, StatusCode::UNAUTHORIZED).await;
    let revoked: Value = app.get(&format!("/api/v1/api-keys/{id}"), &finance).await.json().await.unwrap();
    assert_eq!(revoked["active"], false);
    assert!(revoked["revoked_at"].is_string());
}
both_backends!(api_key_lifecycle, keys_work_and_stop);

async fn keys_follow_their_user(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "ann@example.com", &["auditor", "ops"]).await;
    let token = app.token_for("ann@example.com", PASSWORD).await;
    let key: Value = app
        .post("/api/v1/api-keys", &token, &json!({"name": "script", "roles": ["auditor", "ops"]}))
        .await
        .json()
        .await
        .unwrap();
    let secret = key["secret"].as_str().unwrap();
    let path = format!("/api/v1/users/{}", user["id"]);

    // The user loses a role: so does the key, at once.
    app.patch(&path, &admin, &json!({"roles": ["ops"]}), None).await;
    let me: Value = app.get("/api/v1/auth/me", secret).await.json().await.unwrap();
    assert_eq!(me["effective_roles"], json!(["ops"]));
    problem(app.get("/api/v1/audit-events", secret).await, StatusCode::FORBIDDEN).await;

    // The user is deactivated: the key stops.
    app.action(&format!("{path}/deactivation"), &admin).await;
    problem(app.get("/api/v1/auth/me", secret).await, StatusCode::UNAUTHORIZED).await;
}
both_backends!(api_keys_never_outlive_their_user, keys_follow_their_user);
