//! Purchase requests: the whole flow with its ETags and audit, separation of duties (nobody
//! approves their own; a manager decides their department's), a rejection's reason, who sees
//! what (404), the fields a validation problem names, and low stock raising exactly one draft
//! per item.

use crate::common::{etag, pointers, problem, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

const REQUESTS: &str = "/api/v1/purchase-requests";

/// POSTs a transition, with If-Match when given.
async fn act(app: &TestApp, path: &str, token: &str, if_match: Option<&str>, body: Option<Value>) -> Response {
    let mut builder = app.request(Method::POST, path, Some(token));
    if let Some(tag) = if_match {
        builder = builder.header("If-Match", tag);
    }
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    builder.send().await.expect("POST")
}

async fn ok(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn location(app: &TestApp, token: &str, code: &str) -> i64 {
    ok(app.post("/api/v1/inventory/locations", token, &json!({"code": code, "name": code})).await).await["id"]
        .as_i64()
        .expect("location id")
}

async fn item(app: &TestApp, token: &str, sku: &str, reorder_point: &str, reorder_quantity: &str) -> i64 {
    let body = json!({"sku": sku, "name": format!("Item {sku}"), "reorder_point": reorder_point, "reorder_quantity": reorder_quantity});
    ok(app.post("/api/v1/inventory/items", token, &body).await).await["id"].as_i64().expect("item id")
}

async fn whole_flow(app: TestApp) {
    let admin = app.admin_token().await;
    let it = app.department(&admin, "IT", "IT").await;
    let sales = app.department(&admin, "SALES", "Sales").await;
    let (_, eve) = app.employee_user(&admin, it, "eve", &["employee"], "30.00").await;
    let (_, carl) = app.employee_user(&admin, it, "carl", &["employee"], "30.00").await;
    let (_, olga) = app.employee_user(&admin, sales, "olga", &["employee"], "30.00").await;
    let (mia_id, mia) = app.employee_user(&admin, it, "mia", &["employee"], "50.00").await;
    let patched = app.patch(&format!("/api/v1/departments/{it}"), &admin, &json!({"manager_id": mia_id}), None).await;
    assert_eq!(patched.status(), StatusCode::OK);
    let ops = app.user_token(&admin, "ops@example.com", &["ops"]).await;
    let auditor = app.user_token(&admin, "audit@example.com", &["auditor"]).await;
    let ssd = item(&app, &admin, "SSD", "0", "0").await;

    // Eve asks for her department: an item (named after it) and a free-text line.
    let body = json!({"needed_by": crate::common::today(), "note": "New starters",
        "lines": [{"item_id": ssd, "quantity": "2.5", "estimated_price": "19.99"},
                  {"description": "Desk chair", "quantity": "1"}]});
    let created = app.post(REQUESTS, &eve, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let tag = etag(&created);
    let request: Value = created.json().await.unwrap();
    assert_eq!((request["status"].as_str(), request["department_id"].as_i64()), (Some("draft"), Some(it)));
    assert_eq!((request["currency"].as_str(), request["requested_by"].is_i64()), (Some("EUR"), true));
    assert_eq!(request["lines"][0]["description"], "Item SSD");
    assert_eq!(
        (request["lines"][0]["quantity"].as_str(), request["lines"][0]["estimated_price"].as_str()),
        (Some("2.500"), Some("19.9900"))
    );
    // 2.5 × 19.99 = 49.975, half-up once.
    assert_eq!(
        (request["lines"][0]["estimated_amount"].as_str(), request["estimated_total"].as_str()),
        (Some("49.98"), Some("49.98"))
    );
    assert_eq!(request["lines"][1]["estimated_price"], Value::Null);
    let path = format!("{REQUESTS}/{}", request["id"]);

    // Only ops and admin name another department; auditors raise nothing.
    problem(
        app.post(REQUESTS, &eve, &json!({"department_id": sales, "lines": [{"description": "x", "quantity": "1"}]}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post(
            REQUESTS,
            &auditor,
            &json!({"department_id": sales, "lines": [{"description": "x", "quantity": "1"}]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let for_sales = ok(app
        .post(
            REQUESTS,
            &ops,
            &json!({"department_id": sales, "currency": "USD", "lines": [{"description": "Banner", "quantity": "3"}]}),
        )
        .await)
    .await;
    assert_eq!((for_sales["department_id"].as_i64(), for_sales["currency"].as_str()), (Some(sales), Some("USD")));

    // A draft changes with If-Match; a stale tag is 412.
    let changed = app.patch(&path, &eve, &json!({"note": "Two new starters"}), Some(&tag)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    problem(app.patch(&path, &eve, &json!({"note": "again"}), Some(&tag)).await, StatusCode::PRECONDITION_FAILED).await;
    let tag = etag(&changed);

    // Submitted by Eve; then it no longer changes, and Eve does not approve her own.
    let submitted = act(&app, &format!("{path}/submission"), &eve, Some(&tag), None).await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let tag = etag(&submitted);
    assert_eq!(submitted.json::<Value>().await.unwrap()["status"], "submitted");
    problem(app.patch(&path, &eve, &json!({"note": "late"}), None).await, StatusCode::CONFLICT).await;
    problem(act(&app, &format!("{path}/approval"), &eve, Some(&tag), None).await, StatusCode::FORBIDDEN).await;

    // Who sees it: Eve, her manager, ops, finance and auditors; not a colleague, not another
    // department (404, as if it did not exist).
    problem(app.get(&path, &carl).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&path, &olga).await, StatusCode::NOT_FOUND).await;
    problem(act(&app, &format!("{path}/approval"), &olga, Some(&tag), None).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.get(&path, &auditor).await.status(), StatusCode::OK);
    let carls: Value = app.get(REQUESTS, &carl).await.json().await.unwrap();
    assert_eq!(carls["items"], json!([]));
    let mias: Value = app.get(REQUESTS, &mia).await.json().await.unwrap();
    assert_eq!(mias["items"].as_array().unwrap().len(), 1, "the manager sees IT's request, not Sales'");
    let all: Value = app.get(REQUESTS, &ops).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let filtered: Value =
        app.get(&format!("{REQUESTS}?status=submitted&department_id={it}"), &ops).await.json().await.unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    let csv = app.request(Method::GET, REQUESTS, Some(&ops)).header("Accept", "text/csv").send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().starts_with("id,department_id"));

    // The manager approves (a stale tag is 412); a second approval is 409 naming the state.
    problem(act(&app, &format!("{path}/approval"), &mia, Some("\"1\""), None).await, StatusCode::PRECONDITION_FAILED)
        .await;
    let approved = ok(act(&app, &format!("{path}/approval"), &mia, Some(&tag), None).await).await;
    assert_eq!(approved["status"], "approved");
    assert!(approved["decided_by"].is_i64() && approved["decided_at"].is_string());
    let again = problem(act(&app, &format!("{path}/approval"), &mia, None, None).await, StatusCode::CONFLICT).await;
    assert!(again["detail"].as_str().unwrap().contains("is approved"), "{again}");

    // Withdrawn by Eve before an order takes it; then nothing moves it.
    let cancelled = ok(act(&app, &format!("{path}/cancellation"), &eve, None, None).await).await;
    assert_eq!(cancelled["status"], "cancelled");
    problem(act(&app, &format!("{path}/submission"), &eve, None, None).await, StatusCode::CONFLICT).await;
    let actions = app.audit_actions(&admin, &format!("entity_type=purchase_request&entity_id={}", request["id"])).await;
    assert_eq!(
        actions,
        [
            "purchase_request.cancelled",
            "purchase_request.approved",
            "purchase_request.submitted",
            "purchase_request.updated",
            "purchase_request.created"
        ]
    );

    // Submitted at once; a rejection needs a reason; a rejected request is not cancelled.
    let second = ok(app
        .post(
            REQUESTS,
            &eve,
            &json!({"submit": true, "lines": [{"description": "Monitor", "quantity": "1", "estimated_price": "200"}]}),
        )
        .await)
    .await;
    assert_eq!(second["status"], "submitted");
    let second_path = format!("{REQUESTS}/{}", second["id"]);
    let missing = problem(
        act(&app, &format!("{second_path}/rejection"), &mia, None, Some(json!({}))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&missing), ["/reason"]);
    let blank = problem(
        act(&app, &format!("{second_path}/rejection"), &mia, None, Some(json!({"reason": "  "}))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&blank), ["/reason"]);
    problem(
        act(&app, &format!("{second_path}/rejection"), &eve, None, Some(json!({"reason": "mine"}))).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let rejected =
        ok(act(&app, &format!("{second_path}/rejection"), &mia, None, Some(json!({"reason": "Use the spare one"})))
            .await)
        .await;
    assert_eq!(
        (rejected["status"].as_str(), rejected["rejection_reason"].as_str()),
        (Some("rejected"), Some("Use the spare one"))
    );
    let refused =
        problem(act(&app, &format!("{second_path}/cancellation"), &eve, None, None).await, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().contains("rejected"), "{refused}");

    // A draft is deleted by its requester (not by someone who cannot see it); a submitted one is not.
    let third =
        ok(app.post(REQUESTS, &eve, &json!({"lines": [{"description": "Cable", "quantity": "4"}]})).await).await;
    let third_path = format!("{REQUESTS}/{}", third["id"]);
    problem(app.delete(&third_path, &carl).await, StatusCode::NOT_FOUND).await;
    problem(app.delete(&second_path, &eve).await, StatusCode::CONFLICT).await;
    assert_eq!(app.delete(&third_path, &eve).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&third_path, &eve).await, StatusCode::NOT_FOUND).await;
}
both_backends!(purchase_request_flow, whole_flow);

async fn validation_names_the_field(app: TestApp) {
    let admin = app.admin_token().await;
    let it = app.department(&admin, "IT", "IT").await;
    let (_, eve) = app.employee_user(&admin, it, "eve", &["employee"], "30.00").await;
    let ssd = item(&app, &admin, "SSD", "0", "0").await;
    let archived = item(&app, &admin, "OLD", "0", "0").await;
    let deactivated =
        app.patch(&format!("/api/v1/inventory/items/{archived}"), &admin, &json!({"active": false}), None).await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    let invalid = |body: Value| {
        let app = &app;
        let eve = eve.clone();
        async move {
            let mut found =
                pointers(&problem(app.post(REQUESTS, &eve, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await);
            found.sort();
            found
        }
    };
    assert_eq!(invalid(json!({"lines": []})).await, ["/lines"]);
    assert_eq!(invalid(json!({"note": "x"})).await, ["/lines"]);
    assert_eq!(
        invalid(json!({"needed_by": "2020-01-01", "lines": [
            {"quantity": "0"},
            {"item_id": ssd, "quantity": "1.0001", "estimated_price": "-1"},
            {"item_id": 999999, "quantity": "1", "estimated_price": "1.00001"},
            {"item_id": archived, "description": "old one", "quantity": "abc"}]}))
        .await,
        [
            "/lines/0/description",
            "/lines/0/quantity",
            "/lines/1/estimated_price",
            "/lines/1/quantity",
            "/lines/2/estimated_price",
            "/lines/2/item_id",
            "/lines/3/item_id",
            "/lines/3/quantity",
            "/needed_by"
        ]
    );
    let too_many: Vec<Value> = (0..201).map(|_| json!({"description": "x", "quantity": "1"})).collect();
    assert_eq!(invalid(json!({"lines": too_many})).await, ["/lines"]);
    // Server-owned fields cannot be set.
    assert_eq!(
        invalid(json!({"status": "approved", "lines": [{"description": "x", "quantity": "1"}]})).await,
        ["/status"]
    );
    // An admin without an employee record names the department.
    let mut found = pointers(
        &problem(
            app.post(REQUESTS, &admin, &json!({"lines": [{"description": "x", "quantity": "1"}]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await,
    );
    found.sort();
    assert_eq!(found, ["/department_id"]);
}
both_backends!(purchase_request_validation, validation_names_the_field);

async fn low_stock_raises_one_draft_per_item(app: TestApp) {
    let admin = app.admin_token().await;
    // A department with a lower id than ops's: the request goes to the department ops work in.
    app.department(&admin, "AAA", "First").await;
    let ops_department = app.department(&admin, "OPS", "Operations").await;
    let (_, ops) = app.employee_user(&admin, ops_department, "otto", &["ops"], "40.00").await;
    let shelf = location(&app, &ops, "SHELF").await;
    let fuse = item(&app, &ops, "FUSE", "5", "20").await;
    let bolt = item(&app, &ops, "BOLT", "1", "3").await;
    let movement = |kind: &str, item: i64, quantity: &str| {
        let mut body = json!({"kind": kind, "item_id": item, "location_id": shelf, "quantity": quantity});
        if kind == "receipt" {
            body["unit_cost"] = json!("2.50");
        } else {
            body["department_id"] = json!(ops_department);
        }
        body
    };
    let post = |body: Value| {
        let (app, ops) = (&app, ops.clone());
        async move { ok(app.post("/api/v1/inventory/movements", &ops, &body).await).await }
    };
    let low_stock_requests = |item: i64| {
        let (app, ops) = (&app, ops.clone());
        async move {
            let all: Value = app.get(REQUESTS, &ops).await.json().await.unwrap();
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["low_stock_item_id"] == item)
                .cloned()
                .collect::<Vec<_>>()
        }
    };

    post(movement("receipt", fuse, "10")).await;
    assert!(low_stock_requests(fuse).await.is_empty());
    post(movement("issue", fuse, "5")).await; // 5: at the reorder point — a crossing
    let raised = low_stock_requests(fuse).await;
    assert_eq!(raised.len(), 1);
    let request = &raised[0];
    assert_eq!((request["status"].as_str(), request["department_id"].as_i64()), (Some("draft"), Some(ops_department)));
    assert_eq!((request["requested_by"].clone(), request["currency"].as_str()), (Value::Null, Some("EUR")));
    let line = &request["lines"][0];
    assert_eq!((line["item_id"].as_i64(), line["description"].as_str()), (Some(fuse), Some("Item FUSE")));
    assert_eq!((line["quantity"].as_str(), line["estimated_price"].as_str()), (Some("20.000"), Some("2.5000")));
    let actions = app.audit_actions(&admin, &format!("entity_type=purchase_request&entity_id={}", request["id"])).await;
    assert_eq!(actions, ["purchase_request.created"]);

    post(movement("issue", fuse, "1")).await; // 4: still under, no second crossing
    post(movement("receipt", fuse, "10")).await; // 14: above again
    post(movement("issue", fuse, "9")).await; // 5: a second crossing, while the first request is open
    assert_eq!(low_stock_requests(fuse).await.len(), 1, "one open request per item");

    // Another item has its own.
    post(movement("receipt", bolt, "2")).await;
    post(movement("issue", bolt, "1")).await;
    assert_eq!(low_stock_requests(bolt).await.len(), 1);

    // Once handled (here withdrawn), the next crossing raises a new one.
    let cancelled = act(&app, &format!("{REQUESTS}/{}/cancellation", request["id"]), &ops, None, None).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    post(movement("receipt", fuse, "10")).await;
    post(movement("issue", fuse, "10")).await; // 15 → 5: a third crossing
    let all = low_stock_requests(fuse).await;
    assert_eq!(all.iter().map(|r| r["status"].as_str().unwrap()).collect::<Vec<_>>(), ["cancelled", "draft"]);
}
both_backends!(purchase_request_low_stock, low_stock_raises_one_draft_per_item);
