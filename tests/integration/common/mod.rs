//! Test harness: each test gets a real opsdesk server on a free port over a fresh database, on
//! SQLite always and on PostgreSQL when TEST_DATABASE_URL is set (see build.rs).

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

use opsdesk::config::Config;
use opsdesk::db::DbConn;

mod fixtures;
pub use fixtures::*;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "a long enough password";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body on both backends: `both_backends!(name, body_fn)` where
/// `async fn body_fn(app: TestApp)`.
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        both_backends!($name, $body, with = $crate::common::default_settings);
    };
    // `with = path::to::fn(&mut Config)`: settings changed before the server starts.
    ($name:ident, $body:ident, with = $adjust:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn_with($crate::common::Backend::Sqlite, $adjust).await;
                super::$body(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
            async fn postgres() {
                let app = $crate::common::TestApp::spawn_with($crate::common::Backend::Postgres, $adjust).await;
                super::$body(app).await;
            }
        }
    };
}

/// The settings of `test_config`, unchanged.
pub fn default_settings(_: &mut Config) {}

pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub database_url: String,
    /// This node's server and the thread that runs it, stopped when the app is dropped.
    server: Option<(actix_web::dev::ServerHandle, std::thread::JoinHandle<()>)>,
    /// None for another node over the database of a TestApp that owns it.
    _database: Option<FreshDatabase>,
}

impl Drop for TestApp {
    /// Stops the server and waits (a few seconds at most) for its thread, so that its database
    /// pool and background tasks end with the test. Left running, every finished test's pool kept
    /// reconnecting to a dropped database, and a connection attempt still under way when the test
    /// process exited crashed it (SIGSEGV in an r2d2 worker) after every test had passed.
    fn drop(&mut self) {
        let Some((handle, thread)) = self.server.take() else { return };
        drop(handle.stop(false));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }
}

/// A new, empty database for one test, removed when this is dropped: a SQLite file in the
/// temporary directory, or a database on the PostgreSQL server of TEST_DATABASE_URL.
pub struct FreshDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl FreshDatabase {
    pub fn new(backend: Backend) -> FreshDatabase {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                FreshDatabase { url: path.to_string_lossy().to_string(), cleanup: Cleanup::SqliteFile(path) }
            }
            Backend::Postgres => {
                let admin_url =
                    std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL must be set for PostgreSQL tests");
                let mut conn =
                    PgConnection::establish(&admin_url).expect("PostgreSQL from TEST_DATABASE_URL must be reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
                FreshDatabase {
                    url: with_database(&admin_url, &name),
                    cleanup: Cleanup::PgDatabase { admin_url, name },
                }
            }
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
                }
            }
        }
    }
}

/// A connection to a test database, opened as opsdesk opens its own. In this one test process
/// every SQLite connection must open that way: opsdesk sets SQLite's process-wide options before
/// its first connection, which SQLite allows only while no other thread is using it.
pub fn connect(database_url: &str) -> DbConn {
    opsdesk::db::establish(database_url).expect("open the test database")
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("opsdesk_test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), rand::random::<u32>())
}

/// `postgres://host/db?x` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_env().expect("test configuration");
    config.database_url = database_url.to_string();
    config.workers = 2;
    config.pool_size = 4;
    config.admin_email = Some(ADMIN_EMAIL.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.jwt_secret = None;
    config.hash_concurrency = 2;
    config
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with settings changed by `adjust` first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database = FreshDatabase::new(backend);
        let mut config = test_config(&database.url);
        adjust(&mut config);
        Self::serve(backend, config, database.url.clone(), Some(database)).await
    }

    /// A second opsdesk node over this app's database (several stateless nodes over one
    /// PostgreSQL, as in production). Keep `self` alive while the node is used.
    pub async fn another_node(&self) -> TestApp {
        self.another_node_with(|_| {}).await
    }

    /// Like `another_node`, with settings changed by `adjust` first.
    pub async fn another_node_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config(&self.database_url);
        adjust(&mut config);
        Self::serve(self.backend, config, self.database_url.clone(), None).await
    }

    async fn serve(backend: Backend, config: Config, database_url: String, database: Option<FreshDatabase>) -> TestApp {
        let (service, _) = tokio::task::spawn_blocking(move || opsdesk::prepare(config))
            .await
            .expect("prepare task")
            .expect("prepare the service");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let addr = listener.local_addr().expect("local address");
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = opsdesk::start(service, listener).expect("start server");
                let _ = handle_tx.send(server.handle());
                let _ = server.await;
            })
        });
        let handle = handle_rx.recv().expect("the test server's handle");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        let app = TestApp { addr, backend, client, database_url, server: Some((handle, thread)), _database: database };
        for _ in 0..100 {
            if app.client.get(app.url("/health/live")).send().await.is_ok() {
                return app;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the test server did not start");
    }

    /// Runs SQL directly on the app's database: for tests that must set up what the API rightly
    /// never allows (a ledger entry dated in the past).
    pub fn execute_sql(&self, sql: &str) {
        connect(&self.database_url).batch_execute(sql).expect("execute");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token)).json(body).send().await.expect("POST")
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut builder = self.request(Method::PATCH, path, Some(token)).json(body);
        if let Some(etag) = if_match {
            builder = builder.header("If-Match", etag);
        }
        builder.send().await.expect("PATCH")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token)).send().await.expect("DELETE")
    }

    /// POSTs an action that takes no body, such as `…/deactivation`.
    pub async fn action(&self, path: &str, token: &str) -> Response {
        self.request(Method::POST, path, Some(token)).send().await.expect("POST action")
    }

    /// Signs in and returns the whole token response.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        let body: Value = response.json().await.expect("token JSON");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token_for(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a user with `roles` (password `PASSWORD`) and returns it.
    pub async fn create_user(&self, admin_token: &str, email: &str, roles: &[&str]) -> Value {
        let response = self
            .post(
                "/api/v1/users",
                admin_token,
                &json!({"email": email, "name": email, "roles": roles, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {email}");
        response.json().await.expect("user JSON")
    }

    /// A person who signs in and works: a user with `roles` (`{name}@corp.example`) linked to an
    /// active full-time employee of `department` costing `rate` EUR an hour. Returns the
    /// employee's id and the user's access token.
    pub async fn employee_user(
        &self,
        admin_token: &str,
        department: i64,
        name: &str,
        roles: &[&str],
        rate: &str,
    ) -> (i64, String) {
        let email = format!("{name}@corp.example");
        let user = self.create_user(admin_token, &email, roles).await;
        let body = json!({
            "first_name": name, "last_name": "Tester", "work_email": email, "department_id": department,
            "employment_type": "full_time", "status": "active", "start_date": "2025-01-06", "user_id": user["id"],
            "compensation": {"hourly_cost_rate": rate, "currency": "EUR"}
        });
        let created = self.post("/api/v1/employees", admin_token, &body).await;
        assert_eq!(created.status(), StatusCode::CREATED, "employee {name}");
        let employee: Value = created.json().await.expect("employee JSON");
        (employee["id"].as_i64().expect("employee id"), self.token_for(&email, PASSWORD).await)
    }

    /// Creates a user with `roles` and returns an access token of theirs.
    pub async fn user_token(&self, admin_token: &str, email: &str, roles: &[&str]) -> String {
        self.create_user(admin_token, email, roles).await;
        self.token_for(email, PASSWORD).await
    }
}

/// Reads a response as a problem+json body, checking the media type.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(content_type, "application/problem+json", "problem media type");
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status.as_u16(), "problem status member");
    assert!(
        body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(),
        "problem members: {body}"
    );
    body
}

/// The JSON pointers named by a 422 problem.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["pointer"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

pub fn etag(response: &Response) -> String {
    response.headers().get("etag").and_then(|v| v.to_str().ok()).expect("ETag header").to_string()
}
