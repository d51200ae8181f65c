//! Job desks: keys, owning department, billing rate, SLA policy, members, and who may change them.

use crate::common::{etag, pointers, problem, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn setup(app: &TestApp, token: &str) -> (i64, i64) {
    let department = app.department(token, "IT", "IT").await;
    let person = json!({
        "first_name": "Ada", "last_name": "Gent", "work_email": "ada@corp.example", "department_id": department,
        "employment_type": "full_time", "status": "active", "start_date": "2025-01-06"
    });
    let employee: Value = app.post("/api/v1/employees", token, &person).await.json().await.unwrap();
    (department, employee["id"].as_i64().unwrap())
}

async fn desks_and_members(app: TestApp) {
    let admin = app.admin_token().await;
    let (department, ada) = setup(&app, &admin).await;
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let agent = app.user_token(&admin, "agent@example.com", &["agent"]).await;

    let body = json!({"key": "it", "name": "IT Service Desk", "department_id": department, "default_billing_rate": "95.00", "currency": "EUR"});
    problem(app.post("/api/v1/desks", &agent, &body).await, StatusCode::FORBIDDEN).await;
    let created = app.post("/api/v1/desks", &ops, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let desk: Value = created.json().await.unwrap();
    assert_eq!(desk["key"], "IT");
    assert_eq!(desk["default_billing_rate"], "95.00");
    assert_eq!(desk["sla"]["urgent"], json!({"first_response_minutes": 15, "resolution_minutes": 240}));
    problem(app.post("/api/v1/desks", &ops, &body).await, StatusCode::CONFLICT).await;

    let bad = json!({"key": "IT 2", "name": "X", "department_id": 999, "default_billing_rate": "1.005", "currency": "EUR",
                     "sla": {"low": {"first_response_minutes": 10, "resolution_minutes": 5},
                             "normal": {"first_response_minutes": 1, "resolution_minutes": 2},
                             "high": {"first_response_minutes": 1, "resolution_minutes": 2},
                             "urgent": {"first_response_minutes": 1, "resolution_minutes": 2}}});
    let mut found =
        pointers(&problem(app.post("/api/v1/desks", &ops, &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await);
    found.sort();
    assert_eq!(found, vec!["/default_billing_rate", "/department_id", "/key", "/sla/low/first_response_minutes"]);

    let path = format!("/api/v1/desks/{}", desk["id"]);
    let member = format!("{path}/members/{ada}");
    problem(app.request(reqwest::Method::PUT, &member, Some(&agent)).send().await.unwrap(), StatusCode::FORBIDDEN)
        .await;
    let added: Value =
        app.request(reqwest::Method::PUT, &member, Some(&ops)).send().await.unwrap().json().await.unwrap();
    assert_eq!(added["member_ids"], json!([ada]));
    assert_eq!(added["version"], 2, "membership changes move the desk's version");
    let again: Value =
        app.request(reqwest::Method::PUT, &member, Some(&ops)).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["version"], 2, "adding a member twice changes nothing");
    let unknown = app.request(reqwest::Method::PUT, &format!("{path}/members/999"), Some(&ops)).send().await.unwrap();
    problem(unknown, StatusCode::NOT_FOUND).await;

    // Everyone reads desks; the SLA can change, the key cannot.
    let read = app.get(&path, &agent).await;
    let tag = etag(&read);
    let faster = json!({"sla": {"low": {"first_response_minutes": 60, "resolution_minutes": 600},
                                "normal": {"first_response_minutes": 30, "resolution_minutes": 300},
                                "high": {"first_response_minutes": 10, "resolution_minutes": 120},
                                "urgent": {"first_response_minutes": 5, "resolution_minutes": 60}}});
    let updated: Value = app.patch(&path, &ops, &faster, Some(&tag)).await.json().await.unwrap();
    assert_eq!(updated["sla"]["urgent"]["resolution_minutes"], 60);
    problem(app.patch(&path, &ops, &json!({"name": "Stale"}), Some(&tag)).await, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(
        pointers(
            &problem(app.patch(&path, &ops, &json!({"key": "NEW"}), None).await, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        ),
        vec!["/key"]
    );
    let currency_alone = app.patch(&path, &ops, &json!({"currency": "JPY"}), None).await;
    assert_eq!(
        pointers(&problem(currency_alone, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["/default_billing_rate"]
    );

    let removed = app.delete(&format!("{path}/members/{ada}"), &ops).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let listed: Value =
        app.get(&format!("/api/v1/desks?department_id={department}"), &agent).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["member_ids"], json!([]));

    // A department with a desk is archived, not deleted.
    problem(app.delete(&format!("/api/v1/departments/{department}"), &admin).await, StatusCode::CONFLICT).await;
    let actions = app.audit_actions(&admin, "entity_type=desk").await;
    assert_eq!(actions, vec!["desk.member_removed", "desk.updated", "desk.member_added", "desk.created"]);
}
both_backends!(desk_lifecycle, desks_and_members);

async fn only_active_people_join(app: TestApp) {
    let admin = app.admin_token().await;
    let (department, ada) = setup(&app, &admin).await;
    let desk = app.desk(&admin, "FAC", "Facilities", department, "50").await;
    app.post(&format!("/api/v1/employees/{ada}/transitions"), &admin, &json!({"to": "on_leave"})).await;
    problem(app.put_desk_member(&admin, desk, ada).await, StatusCode::CONFLICT).await;
}
both_backends!(desk_members_must_be_active, only_active_people_join);
