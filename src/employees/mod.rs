//! People: departments (cost centres), employees with their status lifecycle and reporting lines,
//! effective-dated compensation, and the department report.
//!
//! Other modules call [`rate_on`] to cost time and [`assignable`] before giving someone work.

pub mod access;
pub mod api;
pub mod compensation;
pub mod departments;
pub mod lifecycle;
pub mod model;
pub mod org;
pub mod permissions;
pub mod repo;
pub mod reports;
pub mod views;

use chrono::NaiveDate;

/// Bulk import (`crate::imports`) records and changes people through the endpoints' own code.
pub use api::{change_employee, create_employee};
/// Other modules read people and departments through these, never through `repo`.
pub use repo::{department, employee, employee_by_number};

use crate::db::DbConn;
use crate::error::{ApiError, Validator};

/// The compensation in force for an employee on a date (one indexed query).
pub fn rate_on(
    conn: &mut DbConn,
    employee_id: i64,
    date: NaiveDate,
) -> diesel::QueryResult<Option<model::CompensationRow>> {
    repo::rate_on(conn, employee_id, date)
}

/// The employee record linked to a user account, if any.
pub fn employee_id_of_user(conn: &mut DbConn, user_id: i64) -> diesel::QueryResult<Option<i64>> {
    repo::employee_id_of_user(conn, user_id)
}

/// The departments an employee manages (for budget readers).
pub fn departments_managed_by(conn: &mut DbConn, employee_id: i64) -> diesel::QueryResult<Vec<i64>> {
    use diesel::prelude::*;
    crate::db::schema::departments::table
        .filter(crate::db::schema::departments::manager_id.eq(employee_id))
        .select(crate::db::schema::departments::id)
        .load(conn)
}

/// The active departments in which an active employee works whose (active) user account holds
/// `role`, lowest id first: where work of that role is done (procurement sends low stock's
/// requests to the first one of ops).
pub fn departments_with_role(conn: &mut DbConn, role: crate::auth::roles::Role) -> diesel::QueryResult<Vec<i64>> {
    use crate::db::schema::{departments, employees, users};
    use diesel::prelude::*;
    // Roles are stored as one comma-separated text: narrowed in SQL, decided by parsing.
    let candidates: Vec<(i64, String)> = employees::table
        .inner_join(departments::table)
        .inner_join(users::table.on(employees::user_id.eq(users::id.nullable())))
        .filter(departments::active.eq(true))
        .filter(employees::status.eq("active"))
        .filter(users::active.eq(true))
        .filter(users::roles.like(format!("%{}%", role.as_str())))
        .select((departments::id, users::roles))
        .order(departments::id.asc())
        .load(conn)?;
    let mut found: Vec<i64> = candidates
        .into_iter()
        .filter(|(_, roles)| crate::auth::roles::Roles::from_stored(roles).contains(role))
        .map(|(department, _)| department)
        .collect();
    found.dedup();
    Ok(found)
}

/// The active department with the lowest id, if there is one.
pub fn lowest_active_department(conn: &mut DbConn) -> diesel::QueryResult<Option<i64>> {
    use crate::db::schema::departments;
    use diesel::prelude::*;
    departments::table
        .filter(departments::active.eq(true))
        .select(departments::id)
        .order(departments::id.asc())
        .first(conn)
        .optional()
}

/// Whether the employee exists and may be given work (status active).
pub fn assignable(conn: &mut DbConn, employee_id: i64) -> diesel::QueryResult<bool> {
    Ok(repo::employee(conn, employee_id)?
        .is_some_and(|e| model::EmployeeStatus::from_stored(&e.status).is_assignable()))
}

/// Checks a department chosen for a person or a desk: it must exist, and be active unless it is
/// the one already chosen (`current`: archiving a department does not move what it holds).
pub fn check_department_choice(
    conn: &mut DbConn,
    v: &mut Validator,
    department_id: i64,
    current: Option<i64>,
) -> Result<(), ApiError> {
    match repo::department(conn, department_id)? {
        None => v.error("/department_id", "no such department"),
        Some(d) if !d.active && current != Some(d.id) => {
            v.error("/department_id", format!("department {} is archived", d.code))
        }
        Some(_) => {}
    }
    Ok(())
}

/// Checks an employee chosen as a manager (of a person or a department): they must exist, and be
/// active unless they are the manager already (`current`). Returns whether they are acceptable.
pub fn check_manager_choice(
    conn: &mut DbConn,
    v: &mut Validator,
    manager_id: i64,
    current: Option<i64>,
) -> Result<bool, ApiError> {
    match repo::employee(conn, manager_id)? {
        None => {
            v.error("/manager_id", "no such employee");
            Ok(false)
        }
        Some(m) if current != Some(manager_id) && !model::EmployeeStatus::from_stored(&m.status).is_assignable() => {
            v.error("/manager_id", format!("{} is {}; a manager must be active", m.employee_number, m.status));
            Ok(false)
        }
        Some(_) => Ok(true),
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // /employees/me before /employees/{id}, which would otherwise take it.
    cfg.service(api::my_record)
        .service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(lifecycle::transition)
        .service(org::direct_reports)
        .service(org::chain)
        .service(lifecycle::history)
        .service(lifecycle::status_changes)
        .service(compensation::create)
        .service(compensation::list)
        .service(compensation::effective)
        .service(departments::create)
        .service(departments::list)
        .service(departments::get)
        .service(departments::update)
        .service(departments::delete)
        .service(departments::employees)
        .service(reports::departments);
}

/// Every department's (code, name), archived ones too (for reports).
pub fn department_names(conn: &mut DbConn) -> diesel::QueryResult<std::collections::HashMap<i64, (String, String)>> {
    Ok(repo::all_departments(conn, true)?.into_iter().map(|d| (d.id, (d.code, d.name))).collect())
}
