//! SQL of employees: the records, their status and reporting lines, the lists and search, and
//! the status changes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::MAX_CHAIN;
use crate::db::{
    self, counters, dialect,
    schema::{departments, employee_status_changes, employees},
    DbConn,
};
use crate::employees::model::{EmployeeRow, StatusChangeRow};
use crate::employees::views::EmployeeSort;

pub fn employee(conn: &mut DbConn, id: i64) -> QueryResult<Option<EmployeeRow>> {
    employees::table.find(id).select(EmployeeRow::as_select()).first(conn).optional()
}

pub fn employee_by_number(conn: &mut DbConn, number: &str) -> QueryResult<Option<EmployeeRow>> {
    employees::table
        .filter(employees::employee_number.eq(number))
        .select(EmployeeRow::as_select())
        .first(conn)
        .optional()
}

pub fn employee_by_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<EmployeeRow>> {
    employees::table.filter(employees::user_id.eq(user_id)).select(EmployeeRow::as_select()).first(conn).optional()
}

pub fn employee_id_of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<i64>> {
    employees::table.filter(employees::user_id.eq(user_id)).select(employees::id).first(conn).optional()
}

pub fn employee_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<EmployeeRow>> {
    employees::table.filter(employees::work_email.eq(email)).select(EmployeeRow::as_select()).first(conn).optional()
}

/// The mutable fields of an employee, written whole.
#[derive(Debug, Clone)]
pub struct EmployeeFields {
    pub first_name: String,
    pub last_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: i64,
    pub manager_id: Option<i64>,
    pub employment_type: String,
    pub start_date: NaiveDate,
    pub user_id: Option<i64>,
    pub phone: Option<String>,
    pub personal_email: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub home_address: Option<String>,
}

impl EmployeeFields {
    pub fn of(row: &EmployeeRow) -> EmployeeFields {
        EmployeeFields {
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            work_email: row.work_email.clone(),
            job_title: row.job_title.clone(),
            department_id: row.department_id,
            manager_id: row.manager_id,
            employment_type: row.employment_type.clone(),
            start_date: row.start_date,
            user_id: row.user_id,
            phone: row.phone.clone(),
            personal_email: row.personal_email.clone(),
            birth_date: row.birth_date,
            home_address: row.home_address.clone(),
        }
    }
}

/// Inserts an employee with the next employee number (E000001, …), assigned in this
/// transaction.
pub fn insert_employee(conn: &mut DbConn, fields: &EmployeeFields, status: &str) -> QueryResult<EmployeeRow> {
    let number = format!("E{:06}", counters::next(conn, "employee_number")?);
    let now = db::now();
    let id: i64 = diesel::insert_into(employees::table)
        .values((
            employees::employee_number.eq(&number),
            employees::first_name.eq(&fields.first_name),
            employees::last_name.eq(&fields.last_name),
            employees::work_email.eq(&fields.work_email),
            employees::job_title.eq(&fields.job_title),
            employees::department_id.eq(fields.department_id),
            employees::manager_id.eq(fields.manager_id),
            employees::employment_type.eq(&fields.employment_type),
            employees::status.eq(status),
            employees::start_date.eq(fields.start_date),
            employees::user_id.eq(fields.user_id),
            employees::phone.eq(&fields.phone),
            employees::personal_email.eq(&fields.personal_email),
            employees::birth_date.eq(fields.birth_date),
            employees::home_address.eq(&fields.home_address),
            employees::created_at.eq(now),
            employees::updated_at.eq(now),
            employees::version.eq(1i64),
        ))
        .returning(employees::id)
        .get_result(conn)?;
    employees::table.find(id).select(EmployeeRow::as_select()).first(conn)
}

pub fn update_employee(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    fields: &EmployeeFields,
) -> QueryResult<bool> {
    diesel::update(employees::table.find(id).filter(employees::version.eq(expected_version)))
        .set((
            employees::first_name.eq(&fields.first_name),
            employees::last_name.eq(&fields.last_name),
            employees::work_email.eq(&fields.work_email),
            employees::job_title.eq(&fields.job_title),
            employees::department_id.eq(fields.department_id),
            employees::manager_id.eq(fields.manager_id),
            employees::employment_type.eq(&fields.employment_type),
            employees::start_date.eq(fields.start_date),
            employees::user_id.eq(fields.user_id),
            employees::phone.eq(&fields.phone),
            employees::personal_email.eq(&fields.personal_email),
            employees::birth_date.eq(fields.birth_date),
            employees::home_address.eq(&fields.home_address),
            employees::updated_at.eq(db::now()),
            employees::version.eq(employees::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    status: &str,
    end_date: Option<NaiveDate>,
) -> QueryResult<bool> {
    diesel::update(employees::table.find(id).filter(employees::version.eq(expected_version)))
        .set((
            employees::status.eq(status),
            employees::end_date.eq(end_date),
            employees::updated_at.eq(db::now()),
            employees::version.eq(employees::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Managers above an employee, nearest first.
pub fn managers_above(conn: &mut DbConn, id: i64) -> QueryResult<Vec<EmployeeRow>> {
    let mut chain: Vec<EmployeeRow> = Vec::new();
    let mut current = employee(conn, id)?.and_then(|e| e.manager_id);
    while let Some(manager_id) = current {
        if chain.len() >= MAX_CHAIN || chain.iter().any(|m| m.id == manager_id) || manager_id == id {
            break;
        }
        let Some(manager) = employee(conn, manager_id)? else { break };
        current = manager.manager_id;
        chain.push(manager);
    }
    Ok(chain)
}

/// People who report to `id` and are not terminated, and active departments they manage.
pub fn responsibilities(conn: &mut DbConn, id: i64) -> QueryResult<(i64, i64)> {
    let reports = employees::table
        .filter(employees::manager_id.eq(id))
        .filter(employees::status.ne("terminated"))
        .count()
        .get_result(conn)?;
    let departments_led = departments::table
        .filter(departments::manager_id.eq(id))
        .filter(departments::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok((reports, departments_led))
}

#[derive(Debug, Default)]
pub struct EmployeeFilter {
    pub department_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub status: Option<String>,
    /// Leave terminated people out (the directory view).
    pub exclude_terminated: bool,
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

/// One page of employees in the requested order, after the row `after` (an employee id); one
/// row more than `limit` tells whether another page exists.
pub fn list_employees(
    conn: &mut DbConn,
    filter: &EmployeeFilter,
    sort: EmployeeSort,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EmployeeRow>> {
    let mut query = employees::table.select(EmployeeRow::as_select()).into_boxed();
    if let Some(department) = filter.department_id {
        query = query.filter(employees::department_id.eq(department));
    }
    if let Some(manager) = filter.manager_id {
        query = query.filter(employees::manager_id.eq(manager));
    }
    if let Some(status) = &filter.status {
        query = query.filter(employees::status.eq(status.clone()));
    }
    if filter.exclude_terminated {
        query = query.filter(employees::status.ne("terminated"));
    }
    if let Some(q) = &filter.q {
        let Some(q) = db::searchable(q) else { return Ok(Vec::new()) };
        query = query.filter(dialect::text_contains(conn.backend(), &SEARCH_TEXT, q));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(employees::updated_at.ge(since));
    }
    // The cursor is the last row's id; its sort key is read back so that the page continues
    // right after it.
    let last = match after {
        Some(id) => employees::table
            .find(id)
            .select((employees::last_name, employees::first_name, employees::employee_number))
            .first::<(String, String, String)>(conn)
            .optional()?,
        None => None,
    };
    match sort {
        EmployeeSort::Name => {
            if let (Some(id), Some((last_name, first_name, _))) = (after, last) {
                query = query.filter(
                    employees::last_name.gt(last_name.clone()).or(employees::last_name.eq(last_name.clone()).and(
                        employees::first_name
                            .gt(first_name.clone())
                            .or(employees::first_name.eq(first_name).and(employees::id.gt(id))),
                    )),
                );
            }
            query = query.order((employees::last_name.asc(), employees::first_name.asc(), employees::id.asc()));
        }
        EmployeeSort::Number => {
            if let Some((_, _, number)) = last {
                query = query.filter(employees::employee_number.gt(number));
            }
            query = query.order(employees::employee_number.asc());
        }
    }
    query.limit(limit + 1).load(conn)
}

/// Name and work email: the text an employee search looks in.
const SEARCH_TEXT: dialect::SearchText = dialect::SearchText {
    expression: "lower(employees.first_name || ' ' || employees.last_name || ' ' || employees.work_email)",
    key: "employees.id",
    fts_table: "employees_search",
};

pub fn record_status_change(
    conn: &mut DbConn,
    employee_id: i64,
    from: Option<&str>,
    to: &str,
    effective_date: NaiveDate,
    reason: Option<&str>,
    changed_by: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(employee_status_changes::table)
        .values((
            employee_status_changes::employee_id.eq(employee_id),
            employee_status_changes::from_status.eq(from),
            employee_status_changes::to_status.eq(to),
            employee_status_changes::effective_date.eq(effective_date),
            employee_status_changes::reason.eq(reason),
            employee_status_changes::changed_at.eq(db::now()),
            employee_status_changes::changed_by.eq(changed_by),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn status_changes(
    conn: &mut DbConn,
    employee_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<StatusChangeRow>> {
    employee_status_changes::table
        .filter(employee_status_changes::employee_id.eq(employee_id))
        .filter(employee_status_changes::id.gt(after.unwrap_or(0)))
        .select(StatusChangeRow::as_select())
        .order(employee_status_changes::id.asc())
        .limit(limit + 1)
        .load(conn)
}
