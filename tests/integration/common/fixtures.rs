//! Records that tests of several areas need, made through the API as a client would, and the
//! dates they are written with. A helper used by one area only stays in that area's file.

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use super::TestApp;

/// Today (UTC) as `YYYY-MM-DD`, the day the server takes for today.
pub fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// The day `days` days before today (UTC) as `YYYY-MM-DD`.
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(days)).to_string()
}

/// This year (UTC).
pub fn this_year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now().date_naive())
}

/// The JSON body of a 201 Created answer (the body is shown if the status is another).
pub async fn created(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A desk with people: a department and a desk both named `name` with key (and code) `key`,
/// agent Ada (a member of the desk), requester Bob (an employee), and Cy, an agent on no desk.
/// Each is a user linked to an employee (`{name}@corp.example`).
pub struct DeskWithPeople {
    pub desk: i64,
    pub department: i64,
    pub ada: i64,
    pub bob: i64,
    pub admin: String,
    pub ada_token: String,
    pub bob_token: String,
    pub cy_token: String,
}

/// Opens a ticket with `body` as the holder of `token` and returns it.
pub async fn open_ticket(app: &TestApp, token: &str, body: Value) -> Value {
    let created = app.post("/api/v1/tickets", token, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED, "create ticket");
    created.json().await.expect("ticket JSON")
}

impl TestApp {
    /// Creates a department and returns its id.
    pub async fn department(&self, token: &str, code: &str, name: &str) -> i64 {
        let department =
            created(self.post("/api/v1/departments", token, &json!({"code": code, "name": name})).await).await;
        department["id"].as_i64().expect("department id")
    }

    /// Creates a desk of `department` billing `rate` EUR an hour by default and returns its id.
    pub async fn desk(&self, token: &str, key: &str, name: &str, department: i64, rate: &str) -> i64 {
        let body = json!({"key": key, "name": name, "department_id": department, "default_billing_rate": rate, "currency": "EUR"});
        created(self.post("/api/v1/desks", token, &body).await).await["id"].as_i64().expect("desk id")
    }

    /// Asks to make `employee` a member of `desk` (PUT, which answers 200 or a problem).
    pub async fn put_desk_member(&self, token: &str, desk: i64, employee: i64) -> Response {
        self.request(Method::PUT, &format!("/api/v1/desks/{desk}/members/{employee}"), Some(token))
            .send()
            .await
            .expect("PUT desk member")
    }

    /// Makes `employee` a member of `desk`.
    pub async fn join_desk(&self, token: &str, desk: i64, employee: i64) {
        let joined = self.put_desk_member(token, desk, employee).await;
        assert_eq!(joined.status(), StatusCode::OK, "employee {employee} joins desk {desk}");
    }

    /// The actions of the audit events that `query` selects (`entity_type=desk&entity_id=3`),
    /// newest first.
    pub async fn audit_actions(&self, token: &str, query: &str) -> Vec<String> {
        let events: Value = self.get(&format!("/api/v1/audit-events?{query}"), token).await.json().await.expect("JSON");
        let items = events["items"].as_array().expect("audit events");
        items.iter().map(|e| e["action"].as_str().expect("action").to_string()).collect()
    }

    /// See [`DeskWithPeople`]; `rates` are the hourly costs of Ada, Bob and Cy, and the desk bills
    /// 90.00 EUR an hour.
    pub async fn desk_with_people(&self, key: &str, name: &str, rates: [&str; 3]) -> DeskWithPeople {
        let admin = self.admin_token().await;
        let department = self.department(&admin, key, name).await;
        let (ada, ada_token) = self.employee_user(&admin, department, "ada", &["agent"], rates[0]).await;
        let (bob, bob_token) = self.employee_user(&admin, department, "bob", &["employee"], rates[1]).await;
        let (_, cy_token) = self.employee_user(&admin, department, "cy", &["agent"], rates[2]).await;
        let desk = self.desk(&admin, key, name, department, "90.00").await;
        self.join_desk(&admin, desk, ada).await;
        DeskWithPeople { desk, department, ada, bob, admin, ada_token, bob_token, cy_token }
    }
}
