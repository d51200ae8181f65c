//! Who may do what: the README's role matrix is the one the code declares, and the handlers
//! answer 403 exactly to the roles a permission leaves out.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{today, TestApp};
use opsdesk::auth::roles::{Permission, Role, Roles};
use opsdesk::{auth, budgets, employees, inventory, invoices, ledger, reports, tickets};

#[test]
fn readme_role_matrix_is_the_declared_one() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let (_, rest) = readme.split_once("<!-- roles:begin -->\n").expect("README has <!-- roles:begin -->");
    let (table, _) = rest.split_once("<!-- roles:end -->").expect("README has <!-- roles:end -->");
    assert_eq!(table, opsdesk::role_matrix(), "regenerate the table with `opsdesk roles`");
}

#[test]
fn every_module_with_routes_declares_its_permissions() {
    let declared: Vec<&str> = opsdesk::permissions().iter().map(|(module, _)| *module).collect();
    for module in ["auth", "employees", "tickets", "invoices", "inventory", "budgets", "ledger", "reports"] {
        assert!(declared.contains(&module), "{module} is missing from opsdesk::permissions()");
    }
    for (module, permissions) in opsdesk::permissions() {
        assert!(!permissions.is_empty(), "{module} declares no permission");
    }
}

/// One request guarded by one permission; its body is well formed, so a caller the permission
/// admits gets past the check (to a 2xx or a business-rule answer) and anyone else gets 403.
struct Guarded {
    permission: &'static Permission,
    method: Method,
    path: &'static str,
    body: Value,
}

fn guarded_requests() -> Vec<Guarded> {
    let get = |permission, path| Guarded { permission, method: Method::GET, path, body: Value::Null };
    let post = |permission, path, body| Guarded { permission, method: Method::POST, path, body };
    vec![
        get(&auth::permissions::READ_USERS, "/api/v1/users"),
        post(
            &auth::permissions::MANAGE_USERS,
            "/api/v1/users",
            json!({"email": "new@example.com", "name": "New", "roles": ["agent"], "password": "a long passphrase"}),
        ),
        get(&auth::permissions::READ_AUDIT_LOG, "/api/v1/audit-events"),
        get(&auth::permissions::READ_AUDIT_LOG, "/api/v1/events"),
        post(&employees::permissions::MANAGE_PEOPLE, "/api/v1/departments", json!({"code": "", "name": "x"})),
        get(&employees::permissions::READ_DEPARTMENT_REPORT, "/api/v1/reports/departments"),
        post(
            &tickets::permissions::MANAGE_DESKS,
            "/api/v1/desks",
            json!({"key": "", "name": "x", "department_id": 0, "default_billing_rate": "1", "currency": "EUR"}),
        ),
        get(&tickets::permissions::READ_DESK_REPORTS, "/api/v1/reports/desks"),
        post(&invoices::permissions::WRITE_FINANCE, "/api/v1/customers", json!({"name": "", "currency": "EUR"})),
        get(&invoices::permissions::READ_FINANCE, "/api/v1/invoices"),
        get(&invoices::permissions::READ_FINANCE, "/api/v1/reports/receivables-aging"),
        post(&inventory::permissions::MANAGE_STOCK, "/api/v1/inventory/locations", json!({"code": "", "name": "x"})),
        get(&inventory::permissions::READ_STOCK, "/api/v1/inventory/items"),
        get(&inventory::permissions::READ_STOCK, "/api/v1/reports/stock-valuation"),
        post(
            &budgets::permissions::MANAGE_BUDGETS,
            "/api/v1/budgets",
            json!({"department_id": 0, "fiscal_year": 2026, "currency": "EUR", "lines": []}),
        ),
        post(
            &ledger::permissions::RECORD_RATES,
            "/api/v1/exchange-rates",
            json!({"currency": "USD", "rate_date": today(), "rate": "0"}),
        ),
        get(&ledger::permissions::READ_RATES, "/api/v1/exchange-rates"),
        get(&reports::permissions::READ_DEPARTMENT_COSTS, "/api/v1/reports/department-costs"),
    ]
}

async fn each_role_gets_403_exactly_where_the_matrix_says(app: TestApp) {
    let admin = app.admin_token().await;
    for role in Role::ALL {
        let token = match role {
            Role::Admin => admin.clone(),
            _ => app.user_token(&admin, &format!("{role}@example.com"), &[role.as_str()]).await,
        };
        let held = Roles::new(vec![role]);
        for request in guarded_requests() {
            let mut call = app.request(request.method.clone(), request.path, Some(&token));
            if !request.body.is_null() {
                call = call.json(&request.body);
            }
            let status = call.send().await.expect("request").status();
            let action = request.permission.action;
            if request.permission.granted_to(&held) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{role} may {action}: {} {}", request.method, request.path);
                assert!(status.as_u16() < 500, "{role}: {} {} answered {status}", request.method, request.path);
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} may not {action}: {} {}",
                    request.method,
                    request.path
                );
            }
        }
    }
}
both_backends!(role_matrix_is_enforced, each_role_gets_403_exactly_where_the_matrix_says);
