//! People: departments (cost centres), employees with their status lifecycle and reporting lines,
//! effective-dated compensation, and the department report.
//!
//! Other modules call [`rate_on`] to cost time and [`assignable`] before giving someone work.

pub mod api;
pub mod compensation;
pub mod demo;
pub mod departments;
pub mod model;
pub mod repo;
pub mod reports;
pub mod views;

use chrono::NaiveDate;

use crate::db::DbConn;

/// The compensation in force for an employee on a date (one indexed query).
pub fn rate_on(
    conn: &mut DbConn,
    employee_id: i64,
    date: NaiveDate,
) -> diesel::QueryResult<Option<model::CompensationRow>> {
    repo::rate_on(conn, employee_id, date)
}

/// Whether the employee exists and may be given work (status active).
pub fn assignable(conn: &mut DbConn, employee_id: i64) -> diesel::QueryResult<bool> {
    Ok(repo::employee(conn, employee_id)?
        .is_some_and(|e| model::EmployeeStatus::from_stored(&e.status).is_assignable()))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // /employees/me before /employees/{id}, which would otherwise take it.
    cfg.service(api::my_record)
        .service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(api::transition)
        .service(api::direct_reports)
        .service(api::chain)
        .service(api::history)
        .service(api::status_changes)
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
