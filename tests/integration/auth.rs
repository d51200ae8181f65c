//! Signing in, tokens and their attacks: RFC 8725 checks, refresh rotation and reuse, throttling,
//! the hashing cap, and changes to a user taking effect on the next request.

use crate::common::{self, problem, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SECRET: &str = "a-test-secret-of-at-least-thirty-two-bytes!";

async fn with_known_secret(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.jwt_secret = Some(SECRET.as_bytes().to_vec())).await
}

fn forge(claims: Value, secret: &str) -> String {
    encode(&Header::new(jsonwebtoken::Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn claims(sub: &str, aud: &str, iss: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": iss, "aud": aud, "sub": sub, "exp": now + exp_offset, "iat": now - 10, "nbf": now - 10, "jti": "x",
           "email": "admin@example.com", "roles": "admin", "sid": FORGED_SESSION})
}

/// A sign-in of user 1 that the forged tokens name (a token is good only within an open sign-in).
const FORGED_SESSION: &str = "forged-session";

fn open_forged_session(app: &TestApp) {
    app.execute_sql(&format!(
        "INSERT INTO refresh_tokens (user_id, family, token_hash, issued_at, expires_at) \
         VALUES (1, '{FORGED_SESSION}', 'not-a-token', '2026-01-01 00:00:00', '9999-01-01 00:00:00')"
    ));
}

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    let response = app.get("/api/v1/auth/me", token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

async fn forged_tokens_are_rejected_on(app: TestApp) {
    open_forged_session(&app);
    let good = forge(claims("1", "opsdesk-api", "opsdesk", 600), SECRET);
    assert_eq!(app.get("/api/v1/auth/me", &good).await.status(), StatusCode::OK, "a correctly signed token works");
    let mut sessionless = claims("1", "opsdesk-api", "opsdesk", 600);
    sessionless.as_object_mut().unwrap().remove("sid");
    assert_rejected(&app, &forge(sessionless, SECRET), "no sign-in named").await;
    let mut unknown = claims("1", "opsdesk-api", "opsdesk", 600);
    unknown["sid"] = json!("no-such-sign-in");
    assert_rejected(&app, &forge(unknown, SECRET), "a sign-in that does not exist").await;

    assert_rejected(
        &app,
        &forge(claims("1", "opsdesk-api", "opsdesk", 600), "another-secret-of-at-least-thirty-two-b"),
        "bad signature",
    )
    .await;
    assert_rejected(&app, &forge(claims("1", "opsdesk-api", "opsdesk", -120), SECRET), "expired").await;
    assert_rejected(&app, &forge(claims("1", "someone-else", "opsdesk", 600), SECRET), "wrong audience").await;
    assert_rejected(&app, &forge(claims("1", "opsdesk-api", "evil", 600), SECRET), "wrong issuer").await;
    let now = chrono::Utc::now().timestamp();
    assert_rejected(
        &app,
        &forge(json!({"iss": "opsdesk", "aud": "opsdesk-api", "sub": "1", "iat": now, "nbf": now}), SECRET),
        "no exp",
    )
    .await;
    assert_rejected(
        &app,
        &forge(
            json!({"iss": "opsdesk", "aud": "opsdesk-api", "sub": "1", "exp": now + 600, "iat": now, "nbf": now + 300}),
            SECRET,
        ),
        "not yet valid",
    )
    .await;

    use base64::Engine;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned =
        format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims("1", "opsdesk-api", "opsdesk", 600)));
    assert_rejected(&app, &unsigned, "alg none").await;
    let hs512 = encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &claims("1", "opsdesk-api", "opsdesk", 600),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_rejected(&app, &hs512, "another algorithm, even with the right key").await;

    let login: Value = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json().await.unwrap();
    assert_rejected(&app, login["refresh_token"].as_str().unwrap(), "a refresh token is not an access token").await;
    assert_rejected(&app, "garbage", "garbage").await;
    let no_scheme =
        app.client.get(app.url("/api/v1/auth/me")).header("Authorization", "Basic YTpi").send().await.unwrap();
    problem(no_scheme, StatusCode::UNAUTHORIZED).await;
    let anonymous = app.client.get(app.url("/api/v1/users")).send().await.unwrap();
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tokens_are_rejected_sqlite() {
    forged_tokens_are_rejected_on(with_known_secret(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn forged_tokens_are_rejected_postgres() {
    forged_tokens_are_rejected_on(with_known_secret(Backend::Postgres).await).await;
}

async fn login_answers_alike(app: TestApp) {
    let ok = app.login(ADMIN_EMAIL.to_uppercase().as_str(), ADMIN_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK, "email is case-insensitive");
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("odr_"));

    let wrong_password = problem(app.login(ADMIN_EMAIL, "wrong password here").await, StatusCode::UNAUTHORIZED).await;
    let unknown_email =
        problem(app.login("nobody@example.com", "wrong password here").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong_password, unknown_email, "no account enumeration");
}
both_backends!(login_gives_one_answer_for_every_failure, login_answers_alike);

async fn failed_logins_are_throttled(app: TestApp) {
    for _ in 0..5 {
        assert_eq!(app.login(ADMIN_EMAIL, "wrong password here").await.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900);
    problem(throttled, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(
        app.login("other@example.com", "wrong password here").await.status(),
        StatusCode::UNAUTHORIZED,
        "other accounts are not locked"
    );
}
both_backends!(login_throttling, failed_logins_are_throttled);

async fn refresh_tokens_rotate(app: TestApp) {
    let first: Value = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json().await.unwrap();
    let refresh = |token: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/refresh"))
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap()
        }
    };
    let second = refresh(first["refresh_token"].clone()).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get("/api/v1/auth/me", second["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);

    // The first token again: a thief or a replay. The whole sign-in is revoked.
    problem(refresh(first["refresh_token"].clone()).await, StatusCode::UNAUTHORIZED).await;
    problem(refresh(second["refresh_token"].clone()).await, StatusCode::UNAUTHORIZED).await;

    // Logout revokes a sign-in; other sign-ins stay.
    let a: Value = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json().await.unwrap();
    let b: Value = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json().await.unwrap();
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": a["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    problem(refresh(a["refresh_token"].clone()).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(refresh(b["refresh_token"].clone()).await.status(), StatusCode::OK);
}
both_backends!(refresh_rotation_and_reuse_detection, refresh_tokens_rotate);

async fn password_change_cuts_off_old_tokens(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_user(&admin, "ann@example.com", &["agent"]).await;
    let login: Value = app.login("ann@example.com", PASSWORD).await.json().await.unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();

    let wrong = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": "not my password", "new_password": "a brand new passphrase"}),
        )
        .await;
    problem(wrong, StatusCode::FORBIDDEN).await;
    let weak = app
        .post("/api/v1/auth/password", &token, &json!({"current_password": PASSWORD, "new_password": "short"}))
        .await;
    assert_eq!(common::pointers(&problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/new_password"]);

    let changed = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_rejected(&app, &token, "tokens from before the change").await;
    let refreshed = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": login["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("ann@example.com", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let new_token = app.token_for("ann@example.com", "a brand new passphrase").await;
    let me: Value = app.get("/api/v1/auth/me", &new_token).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ann@example.com");
    assert_eq!(me["credential"], "access_token");
}
both_backends!(password_change, password_change_cuts_off_old_tokens);

async fn user_changes_apply_on_next_request(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "second-admin@example.com", &["admin"]).await;
    let id = user["id"].as_i64().unwrap();
    let token = app.token_for("second-admin@example.com", PASSWORD).await;
    assert_eq!(app.get("/api/v1/users", &token).await.status(), StatusCode::OK);

    let demoted = app.patch(&format!("/api/v1/users/{id}"), &admin, &json!({"roles": ["agent"]}), None).await;
    assert_eq!(demoted.status(), StatusCode::OK);
    // The token still names the old roles: it stops working on the next request, reads and
    // writes alike; a fresh token carries the new roles.
    let stale = problem(app.get("/api/v1/users", &token).await, StatusCode::UNAUTHORIZED).await;
    assert!(stale["detail"].as_str().unwrap().contains("roles have changed"));
    let write = app.post("/api/v1/api-keys", &token, &json!({"name": "k", "roles": ["admin"]})).await;
    problem(write, StatusCode::UNAUTHORIZED).await;
    let me_without_db_trip = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(me_without_db_trip.status(), StatusCode::UNAUTHORIZED);
    let token = app.token_for("second-admin@example.com", PASSWORD).await;
    problem(app.get("/api/v1/users", &token).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), StatusCode::OK);
    // A role added does not end the token; it is used once the token is refreshed.
    app.patch(&format!("/api/v1/users/{id}"), &admin, &json!({"roles": ["agent", "auditor"]}), None).await;
    problem(app.get("/api/v1/users", &token).await, StatusCode::FORBIDDEN).await;
    let token = app.token_for("second-admin@example.com", PASSWORD).await;
    assert_eq!(app.get("/api/v1/users", &token).await.status(), StatusCode::OK);

    let deactivated = app.action(&format!("/api/v1/users/{id}/deactivation"), &admin).await;
    assert_eq!(deactivated.status(), StatusCode::NO_CONTENT);
    assert_rejected(&app, &token, "a deactivated user's token").await;
    assert_eq!(app.login("second-admin@example.com", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(role_and_active_changes_take_effect_at_once, user_changes_apply_on_next_request);

async fn hashing_cap_answers_503(app: TestApp) {
    // From 24 addresses, so that the sign-in limits per address stay out of the way.
    let addresses: Vec<String> = (0..24).map(|i| format!("198.51.100.{i}")).collect();
    let logins = addresses.iter().map(|address| login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, address));
    let responses = futures_util::future::join_all(logins).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "only successes and 503: {statuses:?}");
    assert!(statuses.contains(&200), "some sign-ins got through: {statuses:?}");
    let busy = responses
        .into_iter()
        .find(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
        .expect("at least one 503 past the cap");
    assert_eq!(busy.headers()["retry-after"], "1");
    problem(busy, StatusCode::SERVICE_UNAVAILABLE).await;
    // The server is not stalled: other requests are answered.
    assert_eq!(app.client.get(app.url("/health/live")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_past_the_hashing_cap_get_503() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.hash_concurrency = 1;
        c.hash_queue_wait = std::time::Duration::ZERO;
        c.trust_forwarded_for = true;
    })
    .await;
    hashing_cap_answers_503(app).await;
}

async fn login_from(app: &TestApp, email: &str, password: &str, address: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
}

/// Each guess is counted before its password is checked: 30 parallel wrong guesses from one
/// address, over two nodes, get exactly 5 checks (all 30 were once checked). A guesser does not lock the account:
/// the right password from another address still works.
async fn guesses_are_counted_before_they_are_checked(app: TestApp) {
    let node = app.another_node_with(behind_a_proxy).await;
    let guesses = (0..30).map(|i| {
        let target = if i % 2 == 0 { &app } else { &node };
        login_from(target, ADMIN_EMAIL, "wrong password here", "203.0.113.7")
    });
    let responses = futures_util::future::join_all(guesses).await;
    let checked = responses.iter().filter(|r| r.status() == StatusCode::UNAUTHORIZED).count();
    let throttled = responses.iter().filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, throttled), (5, 25), "5 passwords checked, 25 refused unchecked");
    // The guesser's address is stopped for this account, even with the right password...
    problem(login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS).await;
    // ...the owner elsewhere is not, and signing in twice more does not count against them.
    for _ in 0..3 {
        assert_eq!(login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "198.51.100.20").await.status(), StatusCode::OK);
    }
    // Nor is the guesser's address for other accounts, up to its own limit.
    problem(
        login_from(&app, "other@example.com", "wrong password here", "203.0.113.7").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

/// Many addresses guessing one account slow it down to one check a second for unknown
/// addresses; where the owner signed in before they go straight through.
async fn many_guessers_slow_an_account_down(app: TestApp) {
    assert_eq!(login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "198.51.100.20").await.status(), StatusCode::OK);
    for guesser in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        problem(login_from(&app, ADMIN_EMAIL, "wrong password here", guesser).await, StatusCode::UNAUTHORIZED).await;
    }
    // Slowed down (3 failures with OPSDESK_LOGIN_SLOWDOWN_AFTER=3): one check goes through, the
    // next one in the same second waits.
    let (first, second) = tokio::join!(
        login_from(&app, ADMIN_EMAIL, "wrong password here", "203.0.113.4"),
        login_from(&app, ADMIN_EMAIL, "wrong password here", "203.0.113.5")
    );
    let mut statuses = vec![first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]);
    let waited = if first.status() == StatusCode::TOO_MANY_REQUESTS { first } else { second };
    assert_eq!(waited.headers()["retry-after"], "1");
    // The owner's known address is not slowed down.
    assert_eq!(login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "198.51.100.20").await.status(), StatusCode::OK);
    // A second later a new address gets its turn, and the right password works there too.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, "192.0.2.99").await.status(), StatusCode::OK);
}

fn behind_a_proxy(config: &mut opsdesk::config::Config) {
    config.trust_forwarded_for = true;
    config.login_slowdown_after = 3;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_throttling_counts_first_sqlite() {
    guesses_are_counted_before_they_are_checked(TestApp::spawn_with(common::Backend::Sqlite, behind_a_proxy).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn sign_in_throttling_counts_first_postgres() {
    guesses_are_counted_before_they_are_checked(TestApp::spawn_with(common::Backend::Postgres, behind_a_proxy).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_slows_down_not_locks_sqlite() {
    many_guessers_slow_an_account_down(TestApp::spawn_with(common::Backend::Sqlite, behind_a_proxy).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn sign_in_slows_down_not_locks_postgres() {
    many_guessers_slow_an_account_down(TestApp::spawn_with(common::Backend::Postgres, behind_a_proxy).await).await;
}

/// Just after a second begins, so that what follows happens within that second.
async fn start_of_a_second() {
    let into = chrono::Utc::now().timestamp_subsec_millis();
    tokio::time::sleep(std::time::Duration::from_millis(u64::from(1000 - into) + 20)).await;
}

/// Signing out ends the access tokens of that sign-in at once, and a password change ends every
/// sign-in's, also a token issued in the same second as the change (tokens were once compared by
/// whole seconds, and sign-out left them valid until they expired).
async fn sessions_end_their_access_tokens(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_user(&admin, "ann@example.com", &["agent"]).await;
    let sign_in = || async {
        let login: Value = app.login("ann@example.com", PASSWORD).await.json().await.unwrap();
        (login["access_token"].as_str().unwrap().to_string(), login["refresh_token"].clone())
    };
    let (laptop, laptop_refresh) = sign_in().await;
    let (phone, _) = sign_in().await;
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": laptop_refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_rejected(&app, &laptop, "the signed-out session's access token").await;
    assert_eq!(app.get("/api/v1/auth/me", &phone).await.status(), StatusCode::OK, "another sign-in goes on");

    start_of_a_second().await;
    let (same_second, _) = sign_in().await;
    let changed = app
        .post(
            "/api/v1/auth/password",
            &same_second,
            &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_rejected(&app, &same_second, "a token issued in the second of the change").await;
    assert_rejected(&app, &phone, "every other sign-in's token").await;
    let after = app.token_for("ann@example.com", "a brand new passphrase").await;
    assert_eq!(app.get("/api/v1/auth/me", &after).await.status(), StatusCode::OK, "a new sign-in works at once");
}
both_backends!(sessions_end_their_tokens, sessions_end_their_access_tokens);
