//! The HTTP platform: health, problem+json for every kind of bad request, request ids, the
//! OpenAPI document and the docs UI.

use crate::common::{self, problem, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn health_and_request_ids(app: TestApp) {
    let live = app.client.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let generated = live.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 32, "a generated request id");

    let ready = app.client.get(app.url("/health/ready")).header("X-Request-Id", "trace-abc.123").send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.headers()["x-request-id"], "trace-abc.123", "a sane client id is kept");

    let unsafe_id = app.client.get(app.url("/health/live")).header("X-Request-Id", "a b<script>").send().await.unwrap();
    assert_ne!(unsafe_id.headers()["x-request-id"], "a b<script>", "an unsafe id is replaced");
}
both_backends!(health_and_request_ids_work, health_and_request_ids);

async fn errors_are_problems(app: TestApp) {
    let token = app.admin_token().await;

    let unknown = app.get("/api/v1/no-such-thing", &token).await;
    problem(unknown, StatusCode::NOT_FOUND).await;

    let wrong_method = app.request(Method::PUT, "/api/v1/users", Some(&token)).send().await.unwrap();
    let allow = wrong_method.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "Allow names the methods: {allow}");
    problem(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;

    let malformed = app
        .request(Method::POST, "/api/v1/users", Some(&token))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::BAD_REQUEST).await;

    let not_json = app
        .request(Method::POST, "/api/v1/users", Some(&token))
        .header("content-type", "text/plain")
        .body("email=x")
        .send()
        .await
        .unwrap();
    problem(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    let huge = json!({"email": "a@b.co", "name": "x".repeat(2 * 1024 * 1024), "roles": ["agent"], "password": "long enough password"});
    let too_large = app.post("/api/v1/users", &token, &huge).await;
    problem(too_large, StatusCode::PAYLOAD_TOO_LARGE).await;

    let bad_query = app.get("/api/v1/users?active=maybe", &token).await;
    problem(bad_query, StatusCode::BAD_REQUEST).await;

    let not_an_id = app.get("/api/v1/users/abc", &token).await;
    problem(not_an_id, StatusCode::NOT_FOUND).await;
}
both_backends!(every_error_is_problem_json, errors_are_problems);

async fn validation_names_every_field(app: TestApp) {
    let token = app.admin_token().await;
    let response = app
        .post("/api/v1/users", &token, &json!({"email": "not-an-email", "name": " ", "roles": [], "password": "short"}))
        .await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut pointers = common::pointers(&body);
    pointers.sort();
    assert_eq!(pointers, vec!["/email", "/name", "/password", "/roles"]);

    let unknown_field = app
        .post(
            "/api/v1/users",
            &token,
            &json!({"email": "a@b.co", "name": "A", "roles": ["agent"], "password": "long enough password", "id": 7}),
        )
        .await;
    let body = problem(unknown_field, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(common::pointers(&body), vec!["/id"], "server-owned fields cannot be set");

    let wrong_type = app
        .post(
            "/api/v1/users",
            &token,
            &json!({"email": "a@b.co", "name": "A", "roles": ["wizard"], "password": "long enough password"}),
        )
        .await;
    let body = problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(common::pointers(&body), vec!["/roles/0"]);

    let missing = app.post("/api/v1/users", &token, &json!({"name": "A"})).await;
    let body = problem(missing, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(common::pointers(&body), vec!["/email"]);
}
both_backends!(validation_errors_point_at_fields, validation_names_every_field);

async fn document_and_docs_are_served(app: TestApp) {
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let operations: Vec<&Value> =
        doc["paths"].as_object().unwrap().values().flat_map(|item| item.as_object().unwrap().values()).collect();
    assert!(operations.len() >= 15, "every operation is documented");
    for operation in operations {
        assert!(operation["operationId"].is_string(), "operationId on {operation}");
        assert!(operation["tags"].is_array(), "tag on {operation}");
    }
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"), "the Swagger UI page, served locally");
}
both_backends!(openapi_and_docs, document_and_docs_are_served);

#[test]
fn committed_openapi_matches_the_code() {
    let generated = opsdesk::openapi_document().to_pretty_json().expect("document");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

/// The document is refined (`http::openapi::refine`): every date-time carries the calendar the
/// server accepts as a pattern. (A schema the refinement could not read back once left the whole
/// document unrefined, and fuzzers sent `updated_since=1939-…` to every list.)
#[test]
fn every_timestamp_parameter_states_the_calendar() {
    let doc: Value = serde_json::from_str(&opsdesk::openapi_document().to_json().expect("document")).expect("JSON");
    let mut checked = 0;
    for item in doc["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("path item").values() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["schema"]["format"] == "date-time" {
                    assert!(parameter["schema"]["pattern"].is_string(), "{parameter}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked} date-time parameters");
}

/// Every `$ref` names a component the document defines (a query enum once pointed nowhere, and
/// clients and Schemathesis skipped it).
#[test]
fn every_schema_reference_resolves() {
    let doc: Value = serde_json::from_str(&opsdesk::openapi_document().to_json().expect("document")).expect("JSON");
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    found.sort();
    found.dedup();
    let dangling: Vec<&String> =
        found.iter().filter(|r| r.strip_prefix('#').is_none_or(|pointer| doc.pointer(pointer).is_none())).collect();
    assert!(!found.is_empty());
    assert!(dangling.is_empty(), "references to undefined components: {dangling:?}");
}

/// The Rust names of the types that become schemas: utoipa names a schema after its type (or its
/// `#[schema(as = …)]`), and two types with one name become one schema, the other lost (the
/// invoice lines were once described as the budget's).
fn schema_type_names() -> Vec<(String, String)> {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut names = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            // `#[derive(…ToSchema…)]`, then attributes and doc comments, then the type.
            let implemented =
                line.strip_prefix("impl ToSchema for ").or_else(|| line.strip_prefix("impl utoipa::ToSchema for "));
            if let Some(rest) = implemented {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                names.push((name, file.display().to_string()));
                continue;
            }
            let derived = line.starts_with("#[derive(") && line.contains("ToSchema");
            // The invoices' `stored_enum!(` macro derives ToSchema for the name it is given.
            let macro_enum = *line == "stored_enum!(";
            if !derived && !macro_enum {
                continue;
            }
            let mut renamed = None;
            // Open brackets of an attribute that spans lines (`#[schema(example = json!({…}))]`).
            let mut open = 0i32;
            for next in &lines[i + 1..] {
                if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                    renamed = rest.split([')', ',']).next().map(str::to_string);
                }
                if open > 0 || next.starts_with("#[") {
                    open += next.matches('[').count() as i32 - next.matches(']').count() as i32;
                    continue;
                }
                if next.starts_with("///") || next.starts_with("//") {
                    continue;
                }
                let declared = next
                    .strip_prefix("pub struct ")
                    .or_else(|| next.strip_prefix("pub enum "))
                    .or_else(|| next.strip_prefix("struct "))
                    .or_else(|| next.strip_prefix("enum "))
                    .unwrap_or(next);
                let name: String = declared.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let name = renamed.take().map(|r| r.rsplit("::").next().unwrap_or(&r).to_string()).unwrap_or(name);
                names.push((name, file.display().to_string()));
                break;
            }
        }
    }
    names
}

#[test]
fn every_schema_has_a_name_of_its_own() {
    let names = schema_type_names();
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for (name, file) in &names {
        if let Some(first) = seen.insert(name, file) {
            clashes.push(format!("{name} in {first} and {file}"));
        }
    }
    assert!(clashes.is_empty(), "two types map to one schema name: {clashes:?}");
    // The scan must see every schema the document holds, or it could miss a clash.
    let doc = opsdesk::openapi_document();
    let schemas = doc.components.as_ref().map(|c| c.schemas.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert!(schemas.len() > 50);
    let unseen: Vec<&String> =
        schemas.iter().filter(|s| !s.starts_with("Page_") && !seen.contains_key(s.as_str())).collect();
    assert!(unseen.is_empty(), "schemas the source scan did not find: {unseen:?}");
}

/// A client generated from the document can send an invoice line: the lines of CreateInvoice
/// and UpdateInvoice are the invoice's, not the budget's.
#[test]
fn invoice_lines_are_described_as_invoice_lines() {
    let doc: Value = serde_json::from_str(&opsdesk::openapi_document().to_json().expect("document")).expect("JSON");
    for input in ["CreateInvoice", "UpdateInvoice"] {
        let lines = &doc["components"]["schemas"][input]["properties"]["lines"];
        let reference = lines.pointer("/items/$ref").or_else(|| lines.pointer("/oneOf/0/items/$ref"));
        let reference = reference.and_then(Value::as_str).unwrap_or_else(|| panic!("{input}.lines: {lines}"));
        let line = doc.pointer(reference.trim_start_matches('#')).expect("the line schema");
        for field in ["description", "quantity", "unit_price"] {
            assert!(line["properties"][field].is_object(), "{input}.lines items have {field}: {line}");
        }
        assert!(line["properties"]["monthly"].is_null(), "not a budget line: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
async fn recovers_by_itself_when_the_database_connections_drop() {
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::spawn(common::Backend::Postgres).await;
    let token = app.admin_token().await;
    assert_eq!(app.get("/api/v1/users/1", &token).await.status(), StatusCode::OK);

    // What a database restart does to open connections.
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let database = app.database_url.rsplit('/').next().unwrap().to_string();
    let mut conn = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"))
        .execute(&mut conn)
        .unwrap();

    let mut recovered = false;
    for _ in 0..20 {
        let status = app.get("/api/v1/users/1", &token).await.status();
        assert!(status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE, "never a 500: {status}");
        if status == StatusCode::OK {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "requests succeed again without a restart");
    let mut ready = false;
    for _ in 0..10 {
        if app.client.get(app.url("/health/ready")).send().await.unwrap().status() == StatusCode::OK {
            ready = true;
            break;
        }
    }
    assert!(ready, "readiness recovers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_configured_origins() {
    let app =
        TestApp::spawn_with(common::Backend::Sqlite, |c| c.cors_origins = vec!["https://app.example.com".into()]).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/users"))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://app.example.com");

    let token = app.admin_token().await;
    let simple = app
        .request(Method::GET, "/api/v1/users/1", Some(&token))
        .header("Origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    let exposed = simple.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("x-request-id"), "frontends can read ETag: {exposed}");

    let foreign = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/users"))
        .header("Origin", "https://evil.example.net")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none(), "other origins are not allowed");
}

async fn text_the_database_cannot_hold(app: TestApp) {
    let token = app.admin_token().await;
    // NUL cannot be stored in PostgreSQL text: never a 500, on either backend the same answer.
    let login = app.login("ann\u{0}@example.com", "some password here").await;
    problem(login, StatusCode::UNAUTHORIZED).await;
    let name = app
        .post(
            "/api/v1/users",
            &token,
            &json!({"email": "a@b.co", "name": "A\u{0}B", "roles": ["agent"], "password": "long enough password"}),
        )
        .await;
    assert_eq!(common::pointers(&problem(name, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["/name"]);
    let search = app.get("/api/v1/users?q=%00", &token).await;
    assert_eq!(search.status(), StatusCode::OK);
    let body: Value = search.json().await.unwrap();
    assert!(body["items"].as_array().unwrap().is_empty());
    let audit = app.get("/api/v1/audit-events?action=%00", &token).await;
    assert_eq!(audit.status(), StatusCode::OK);
    let whole_float = app
        .post("/api/v1/api-keys", &token, &json!({"name": "k", "roles": ["auditor"], "expires_in_days": 30.0}))
        .await;
    assert_eq!(whole_float.status(), StatusCode::CREATED, "30.0 is an integer in JSON");
}
both_backends!(nul_characters_and_whole_floats, text_the_database_cannot_hold);

async fn malformed_requests_do_not_consume_an_idempotency_key(app: TestApp) {
    let token = app.admin_token().await;
    let wrong_type = app
        .request(Method::POST, "/api/v1/api-keys", Some(&token))
        .header("Idempotency-Key", "k1")
        .header("content-type", "text/plain")
        .body(r#"{"name": "k", "roles": ["auditor"]}"#)
        .send()
        .await
        .unwrap();
    problem(wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let corrected = app
        .request(Method::POST, "/api/v1/api-keys", Some(&token))
        .header("Idempotency-Key", "k1")
        .json(&json!({"name": "k", "roles": ["auditor"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(corrected.status(), StatusCode::CREATED, "the corrected request runs");
}
both_backends!(idempotency_keys_survive_malformed_requests, malformed_requests_do_not_consume_an_idempotency_key);

/// Authenticated answers are not stored by browsers or caches, and no answer is sniffed; a
/// request whose headers are too large is a 431 problem like every other error, whichever layer
/// refuses it (it was an empty 431).
async fn answers_carry_safe_headers_and_431_is_a_problem(app: TestApp) {
    let token = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(me.headers()["cache-control"], "no-store");
    assert_eq!(me.headers()["x-content-type-options"], "nosniff");
    let refused = app.get("/api/v1/users/999999", &token).await;
    assert_eq!(refused.headers()["cache-control"], "no-store", "errors too");
    let public = app.client.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(public.headers()["x-content-type-options"], "nosniff");

    async fn is_431_problem(response: reqwest::Response, what: &str) {
        let body = problem(response, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await;
        assert_eq!(body["type"], "/problems/headers-too-large", "{what}: {body}");
    }
    let big = "a".repeat(20_000);
    let ours = app.request(Method::GET, "/api/v1/auth/me", Some(&token)).header("X-Big", big).send().await.unwrap();
    assert!(ours.headers().contains_key("x-request-id"), "our own limit answers with the request id");
    is_431_problem(ours, "20 KB of headers").await;
    let mut many = app.request(Method::GET, "/api/v1/auth/me", Some(&token));
    for i in 0..100 {
        many = many.header(format!("X-Header-{i}"), "v");
    }
    is_431_problem(many.send().await.unwrap(), "100 headers").await;
    let huge = "a".repeat(200_000);
    let beyond = app.request(Method::GET, "/api/v1/auth/me", Some(&token)).header("X-Big", huge).send().await.unwrap();
    is_431_problem(beyond, "200 KB of headers").await;
    // The server goes on answering.
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), StatusCode::OK);
}
both_backends!(safe_headers_and_431, answers_carry_safe_headers_and_431_is_a_problem);
