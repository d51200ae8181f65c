//! Webhooks: signed deliveries a receiver can check with its own HMAC, filtered by event type and
//! by what the owner may read; retries with backoff (and Retry-After), none after a 4xx; disabling
//! after sustained failure and resuming; SSRF refusals at subscription and at delivery; two nodes
//! delivering each event once; secret rotation, ping and redelivery. The receiver is a small HTTP
//! server on loopback that answers as each test scripts it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{created, etag, pointers, problem, TestApp};
use opsdesk::config::Config;

/// Deliveries to loopback, polled often, retried quickly.
pub fn quick(c: &mut Config) {
    c.webhooks.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
    c.webhooks.poll = Duration::from_millis(50);
    c.webhooks.retry_base = Duration::from_millis(200);
    c.webhooks.retry_max = Duration::from_secs(2);
    c.webhooks.max_attempts = 4;
    c.webhooks.timeout = Duration::from_secs(2);
}

/// As `quick`, and a subscription is disabled after 3 failed attempts in a row.
pub fn fragile(c: &mut Config) {
    quick(c);
    c.webhooks.max_attempts = 10;
    c.webhooks.disable_after_failures = 3;
    c.webhooks.disable_after = Duration::ZERO;
}

#[derive(Clone, Debug)]
struct Received {
    at: Instant,
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str).unwrap_or("")
    }
}

/// A scripted answer: a status and extra headers.
type Answer = (u16, Vec<(String, String)>);

/// An HTTP receiver on loopback: logs each request and answers with the next scripted status
/// (and headers), or with `otherwise` when the script is empty.
#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    otherwise: Arc<Mutex<u16>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let receiver = Receiver {
            addr: listener.local_addr().unwrap(),
            log: Arc::default(),
            script: Arc::default(),
            otherwise: Arc::new(Mutex::new(200)),
        };
        let serving = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let receiver = serving.clone();
                tokio::spawn(async move { receiver.answer(stream).await });
            }
        });
        receiver
    }

    async fn answer(&self, mut stream: tokio::net::TcpStream) {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let Ok(n) = stream.read(&mut chunk).await else { return };
            if n == 0 {
                return;
            }
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let path = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("").to_string();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        while buffer.len() < head_end + length {
            let Ok(n) = stream.read(&mut chunk).await else { return };
            if n == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buffer[head_end..]).to_string();
        let at = Instant::now();
        let (status, extra) =
            self.script.lock().unwrap().pop_front().unwrap_or((*self.otherwise.lock().unwrap(), vec![]));
        self.log.lock().unwrap().push(Received { at, path, headers, body });
        let mut reply = format!("HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n");
        for (name, value) in extra {
            reply.push_str(&format!("{name}: {value}\r\n"));
        }
        reply.push_str("\r\n");
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn script(&self, replies: &[(u16, &[(&str, &str)])]) {
        let mut script = self.script.lock().unwrap();
        for (status, headers) in replies {
            script.push_back((*status, headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()));
        }
    }

    fn answer_otherwise(&self, status: u16) {
        *self.otherwise.lock().unwrap() = status;
    }

    fn received(&self, path: &str) -> Vec<Received> {
        self.log.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    /// The requests to `path` once there are at least `count` of them (within 15 s).
    async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.received(path);
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "{path} received {} of {count} requests: {got:?}", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// HMAC-SHA256 (RFC 2104) from SHA-256 alone: an implementation independent of the server's.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether one of the delivery's signatures is `secret`'s over `timestamp.body`, and the
/// timestamp is within five minutes of now (what a receiver checks).
fn signed_by(received: &Received, secret: &str) -> bool {
    let timestamp = received.header("Opsdesk-Timestamp");
    let now = chrono::Utc::now().timestamp();
    let fresh = timestamp.parse::<i64>().is_ok_and(|t| (now - t).abs() < 300);
    let expected =
        format!("v1={}", hmac_sha256(secret.as_bytes(), format!("{timestamp}.{}", received.body).as_bytes()));
    fresh && received.header("Opsdesk-Signature").split(',').any(|s| s.trim() == expected)
}

async fn subscribe(app: &TestApp, token: &str, url: &str, types: &[&str]) -> (i64, String) {
    let body = json!({"url": url, "event_types": types, "description": "test receiver"});
    let webhook = created(app.post("/api/v1/webhooks", token, &body).await).await;
    (webhook["id"].as_i64().unwrap(), webhook["secret"].as_str().unwrap().to_string())
}

async fn customer(app: &TestApp, token: &str, name: &str) -> i64 {
    let body = json!({"name": name, "currency": "EUR"});
    created(app.post("/api/v1/customers", token, &body).await).await["id"].as_i64().unwrap()
}

async fn read(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// The subscription's latest delivery once it is newer than delivery `after` (0: any) and no
/// longer pending (within 15 s), with its attempts.
async fn settled_delivery(app: &TestApp, token: &str, webhook: i64, after: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = read(app, token, &format!("/api/v1/webhooks/{webhook}/deliveries?limit=1")).await;
        if let Some(latest) = page["items"].as_array().and_then(|items| items.first()) {
            let id = latest["id"].as_i64().unwrap();
            if id > after && latest["status"] != "pending" {
                return read(app, token, &format!("/api/v1/webhooks/{webhook}/deliveries/{id}")).await;
            }
        }
        assert!(Instant::now() < deadline, "webhook {webhook}'s delivery did not settle: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn id_of(delivery: &Value) -> i64 {
    delivery["id"].as_i64().unwrap()
}

async fn deliveries_are_signed_and_filtered(app: TestApp) {
    let receiver = Receiver::start().await;
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let hr = app.user_token(&admin, "hr@example.com", &["hr"]).await;
    let (fin_hook, fin_secret) =
        subscribe(&app, &finance, &receiver.url("/fin"), &["customer.*", "department.created"]).await;
    assert!(fin_secret.starts_with("whsec_"));
    let shown = read(&app, &finance, &format!("/api/v1/webhooks/{fin_hook}")).await;
    assert!(shown.get("secret").is_none(), "the secret is shown once: {shown}");
    assert_eq!(shown["event_types"], json!(["customer.*", "department.created"]));
    let (_, hr_secret) = subscribe(&app, &hr, &receiver.url("/hr"), &["*"]).await;

    let customer_id = customer(&app, &finance, "Northwind").await;
    app.department(&hr, "OPS", "Operations").await;

    let fin = receiver.wait_for("/fin", 2).await;
    // Deliveries are sent side by side: they may arrive in either order.
    let mut types: Vec<&str> = fin.iter().map(|r| r.header("Opsdesk-Event-Type")).collect();
    types.sort();
    assert_eq!(types, ["customer.created", "department.created"]);
    for delivery in &fin {
        assert!(signed_by(delivery, &fin_secret), "{delivery:?}");
        assert!(!signed_by(delivery, &hr_secret));
        let body = delivery.json();
        assert_eq!(body["id"], delivery.header("Opsdesk-Event-Id"));
        assert_eq!(body["type"], delivery.header("Opsdesk-Event-Type"));
        assert_eq!(delivery.header("Opsdesk-Delivery-Attempt"), "1");
        assert_eq!(delivery.header("Content-Type"), "application/json");
    }
    let created_customer =
        fin.iter().find(|r| r.header("Opsdesk-Event-Type") == "customer.created").map(Received::json).unwrap();
    assert_eq!(created_customer["data"]["entity_type"], "customer");
    assert_eq!(created_customer["data"]["entity_id"], customer_id);
    // The event id is the change feed's cursor: an integration can resume /events from it.
    let feed = read(&app, &admin, &format!("/api/v1/events?after={}", created_customer["id"].as_str().unwrap())).await;
    assert_eq!(feed["items"][0]["action"], "department.created", "{feed}");

    // Everything, but only what hr may read: the department, not the customer (nor finance's webhook).
    let deadline = Instant::now() + Duration::from_secs(15);
    while !receiver.received("/hr").iter().any(|r| r.header("Opsdesk-Event-Type") == "department.created") {
        assert!(Instant::now() < deadline, "hr's subscription did not receive the department");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hr_got = receiver.received("/hr");
    let hr_types: Vec<&str> = hr_got.iter().map(|r| r.header("Opsdesk-Event-Type")).collect();
    assert!(hr_types.contains(&"department.created"), "{hr_types:?}");
    assert!(!hr_types.contains(&"customer.created"), "{hr_types:?}");
    assert!(hr_got.iter().all(|r| signed_by(r, &hr_secret)));
    assert_eq!(receiver.received("/fin").len(), 2, "nothing else was subscribed");
}
both_backends!(signed_filtered_deliveries, deliveries_are_signed_and_filtered, with = super::quick);

async fn failures_are_retried_with_backoff(app: TestApp) {
    let receiver = Receiver::start().await;
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let (hook, _) = subscribe(&app, &finance, &receiver.url("/in"), &["customer.created"]).await;

    // 500, 503, then 200: three attempts of the same event, waiting 100-200 ms, then 200-400 ms.
    receiver.script(&[(500, &[]), (503, &[])]);
    customer(&app, &finance, "Flaky").await;
    let got = receiver.wait_for("/in", 3).await;
    let ids: Vec<&str> = got.iter().map(|r| r.header("Opsdesk-Event-Id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one event, three attempts: {ids:?}");
    let attempts: Vec<&str> = got.iter().map(|r| r.header("Opsdesk-Delivery-Attempt")).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let (first_wait, second_wait) = (got[1].at - got[0].at, got[2].at - got[1].at);
    assert!(first_wait >= Duration::from_millis(95), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(195), "{second_wait:?}");
    assert!(second_wait <= Duration::from_millis(2500), "{second_wait:?}");
    let delivery = settled_delivery(&app, &finance, hook, 0).await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("succeeded"), Some(3)));
    let outcomes: Vec<(&str, i64)> = delivery["attempts_made"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["outcome"].as_str().unwrap(), a["status_code"].as_i64().unwrap()))
        .collect();
    assert_eq!(outcomes, [("retry", 500), ("retry", 503), ("succeeded", 200)]);
    assert_eq!(delivery["payload"]["type"], "customer.created");

    // 429 with Retry-After: 1 waits a second, though the backoff alone would wait 200 ms.
    receiver.script(&[(429, &[("Retry-After", "1")])]);
    customer(&app, &finance, "Throttled").await;
    let got = receiver.wait_for("/in", 5).await;
    let waited = got[4].at - got[3].at;
    assert!(waited >= Duration::from_millis(950), "Retry-After honoured: {waited:?}");

    // A 4xx other than 408 and 429 is the receiver's "no": not tried again.
    receiver.script(&[(400, &[])]);
    customer(&app, &finance, "Refused").await;
    receiver.wait_for("/in", 6).await;
    let delivery = settled_delivery(&app, &finance, hook, 0).await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("failed"), Some(1)));
    assert_eq!(delivery["last_status_code"], 400);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received("/in").len(), 6, "no retry after a 400");

    // Redelivery sends the same event again, now.
    let id = id_of(&delivery);
    let again = app.action(&format!("/api/v1/webhooks/{hook}/deliveries/{id}/redelivery"), &finance).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let got = receiver.wait_for("/in", 7).await;
    assert_eq!(got[6].header("Opsdesk-Event-Id"), got[5].header("Opsdesk-Event-Id"));
    assert_eq!(got[6].header("Opsdesk-Delivery-Attempt"), "2");
    let delivery = settled_delivery(&app, &finance, hook, id - 1).await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("succeeded"), Some(2)));

    // A name that now resolves inside the network (DNS rebinding, spelled here as the stored
    // URL pointing there) is refused at delivery, without a retry, and nothing is sent.
    app.execute_sql(&format!("UPDATE webhook_subscriptions SET url = 'https://10.255.255.1/hook' WHERE id = {hook}"));
    customer(&app, &finance, "Rebound").await;
    let delivery = settled_delivery(&app, &finance, hook, id).await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("failed"), Some(1)), "{delivery}");
    assert!(delivery["last_error"].as_str().unwrap().contains("private"), "{delivery}");
    assert_eq!(receiver.received("/in").len(), 7);
}
both_backends!(webhook_retries, failures_are_retried_with_backoff, with = super::quick);

async fn sustained_failure_disables_the_subscription(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.answer_otherwise(500);
    let admin = app.admin_token().await;
    let finance = app.user_token(&admin, "fin@example.com", &["finance"]).await;
    let (hook, _) = subscribe(&app, &finance, &receiver.url("/down"), &["customer.*"]).await;
    customer(&app, &finance, "Unlucky").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let disabled = loop {
        let webhook = read(&app, &finance, &format!("/api/v1/webhooks/{hook}")).await;
        if webhook["active"] == false {
            break webhook;
        }
        assert!(Instant::now() < deadline, "not disabled: {webhook}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(disabled["disabled_reason"].as_str().unwrap().starts_with("3 failed attempts in a row"), "{disabled}");
    assert_eq!(receiver.received("/down").len(), 3);
    let actions = app.audit_actions(&admin, &format!("entity_type=webhook&entity_id={hook}")).await;
    assert_eq!(actions.first().map(String::as_str), Some("webhook.disabled"), "{actions:?}");

    // Nothing is sent while disabled; resuming delivers what waited and clears the count.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received("/down").len(), 3);
    receiver.answer_otherwise(200);
    let tag = etag(&app.get(&format!("/api/v1/webhooks/{hook}"), &finance).await);
    let resumed = app.patch(&format!("/api/v1/webhooks/{hook}"), &finance, &json!({"active": true}), Some(&tag)).await;
    assert_eq!(resumed.status(), StatusCode::OK);
    let resumed: Value = resumed.json().await.unwrap();
    assert_eq!((resumed["active"].as_bool(), resumed["consecutive_failures"].as_i64()), (Some(true), Some(0)));
    assert!(resumed["disabled_reason"].is_null());
    receiver.wait_for("/down", 4).await;
    let delivery = settled_delivery(&app, &finance, hook, 0).await;
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("succeeded"), Some(4)));
}
both_backends!(webhook_disabled_after_failures, sustained_failure_disables_the_subscription, with = super::fragile);

async fn unsafe_targets_are_refused(app: TestApp) {
    let admin = app.admin_token().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/",
        "https://[::1]/",
        "http://93.184.216.34/",
        "ftp://example.com/",
        "https://user:pass@93.184.216.34/",
    ] {
        let refused = app.post("/api/v1/webhooks", &admin, &json!({"url": url, "event_types": ["*"]})).await;
        let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointers(&body), ["/url"], "{url}: {body}");
    }
    let bad_types = app
        .post("/api/v1/webhooks", &admin, &json!({"url": "https://93.184.216.34/", "event_types": ["invoice", "*"]}))
        .await;
    assert_eq!(pointers(&problem(bad_types, StatusCode::UNPROCESSABLE_ENTITY).await), ["/event_types/0"]);
    let none = app.post("/api/v1/webhooks", &admin, &json!({"url": "https://93.184.216.34/", "event_types": []})).await;
    assert_eq!(pointers(&problem(none, StatusCode::UNPROCESSABLE_ENTITY).await), ["/event_types"]);
    // A public https address is fine (nothing is sent until an event comes).
    let fine =
        app.post("/api/v1/webhooks", &admin, &json!({"url": "https://93.184.216.34/in", "event_types": ["*"]})).await;
    assert_eq!(fine.status(), StatusCode::CREATED);

    // Who may: finance, hr, ops and admin subscribe; agents, employees and auditors do not;
    // auditors read every subscription, others only their own.
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;
    let auditor = app.user_token(&admin, "auditor@example.com", &["auditor"]).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let body = json!({"url": "https://93.184.216.34/in", "event_types": ["ticket.*"]});
    for token in [&agent, &auditor] {
        problem(app.post("/api/v1/webhooks", token, &body).await, StatusCode::FORBIDDEN).await;
    }
    let id = created(app.post("/api/v1/webhooks", &ops, &body).await).await["id"].as_i64().unwrap();
    let admins = fine_id(&app, &admin).await;
    problem(app.get(&format!("/api/v1/webhooks/{admins}"), &ops).await, StatusCode::NOT_FOUND).await;
    assert!(read(&app, &auditor, &format!("/api/v1/webhooks/{id}")).await["owner_user_id"].is_i64());
    let listed = read(&app, &ops, "/api/v1/webhooks").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "ops sees its own only: {listed}");
    assert_eq!(read(&app, &auditor, "/api/v1/webhooks").await["items"].as_array().unwrap().len(), 2);
    let auditor_delete =
        app.request(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&auditor)).send().await.unwrap();
    problem(auditor_delete, StatusCode::FORBIDDEN).await;
    assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}"), &ops).await.status(), StatusCode::NO_CONTENT);
}
both_backends!(webhook_targets_and_roles, unsafe_targets_are_refused);

async fn fine_id(app: &TestApp, admin: &str) -> i64 {
    read(app, admin, "/api/v1/webhooks").await["items"][0]["id"].as_i64().unwrap()
}

async fn rotation_signs_with_both_secrets_for_a_while(app: TestApp) {
    let receiver = Receiver::start().await;
    let admin = app.admin_token().await;
    let (hook, first) = subscribe(&app, &admin, &receiver.url("/rot"), &["customer.*"]).await;
    let rotated = app
        .post(&format!("/api/v1/webhooks/{hook}/secret-rotation"), &admin, &json!({"grace_period_secs": 3600}))
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let second = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert!(rotated["previous_secret_until"].is_string());

    let ping = app.action(&format!("/api/v1/webhooks/{hook}/ping"), &admin).await;
    assert_eq!(ping.status(), StatusCode::ACCEPTED);
    let got = receiver.wait_for("/rot", 1).await;
    assert_eq!(got[0].header("Opsdesk-Event-Type"), "webhook.ping");
    assert_eq!(got[0].json()["data"]["webhook_id"], hook);
    assert_eq!(got[0].header("Opsdesk-Signature").matches("v1=").count(), 2);
    assert!(signed_by(&got[0], &first) && signed_by(&got[0], &second), "both secrets sign during the grace period");

    // Without a grace period the old secret stops signing at once.
    let third: Value = app
        .post(&format!("/api/v1/webhooks/{hook}/secret-rotation"), &admin, &json!({"grace_period_secs": 0}))
        .await
        .json()
        .await
        .unwrap();
    let third = third["secret"].as_str().unwrap().to_string();
    customer(&app, &admin, "Rotated").await;
    let got = receiver.wait_for("/rot", 2).await;
    assert!(signed_by(&got[1], &third));
    assert!(!signed_by(&got[1], &second) && !signed_by(&got[1], &first));
    let out_of_range = app
        .post(&format!("/api/v1/webhooks/{hook}/secret-rotation"), &admin, &json!({"grace_period_secs": 604801}))
        .await;
    assert_eq!(pointers(&problem(out_of_range, StatusCode::UNPROCESSABLE_ENTITY).await), ["/grace_period_secs"]);
}
both_backends!(webhook_secret_rotation, rotation_signs_with_both_secrets_for_a_while, with = super::quick);

async fn two_nodes_deliver_each_event_once(app: TestApp) {
    let receiver = Receiver::start().await;
    let other = app.another_node_with(quick).await;
    let admin = app.admin_token().await;
    subscribe(&app, &admin, &receiver.url("/both"), &["customer.created"]).await;
    let creations = (0..30).map(|i| {
        let (node, admin) = (if i % 2 == 0 { &app } else { &other }, admin.clone());
        async move { customer(node, &admin, &format!("Customer {i}")).await }
    });
    futures_util::future::join_all(creations).await;
    receiver.wait_for("/both", 30).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got = receiver.received("/both");
    let mut ids: Vec<&str> = got.iter().map(|r| r.header("Opsdesk-Event-Id")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (30, 30), "each event once");
}
both_backends!(webhooks_on_two_nodes, two_nodes_deliver_each_event_once, with = super::quick);
