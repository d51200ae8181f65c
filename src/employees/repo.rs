//! All SQL of the people module: departments, employees, compensation, status changes and the
//! department report.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use super::model::{CompensationRow, DepartmentRow, EmployeeRow, StatusChangeRow};
use super::views::EmployeeSort;
use crate::db::{
    self, counters, dialect, lower,
    schema::{compensation, departments, employee_status_changes, employees},
    DbConn,
};

/// How far a parent or manager chain is followed; deeper than any real organisation, and a stop
/// should a loop ever exist.
const MAX_CHAIN: usize = 1000;

// ---------------------------------------------------------------- departments

pub fn department(conn: &mut DbConn, id: i64) -> QueryResult<Option<DepartmentRow>> {
    departments::table.find(id).select(DepartmentRow::as_select()).first(conn).optional()
}

pub fn department_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<DepartmentRow>> {
    departments::table.filter(departments::code.eq(code)).select(DepartmentRow::as_select()).first(conn).optional()
}

pub struct DepartmentFields {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub active: bool,
}

pub fn insert_department(conn: &mut DbConn, fields: &DepartmentFields) -> QueryResult<DepartmentRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(departments::table)
        .values((
            departments::code.eq(&fields.code),
            departments::name.eq(&fields.name),
            departments::parent_id.eq(fields.parent_id),
            departments::manager_id.eq(fields.manager_id),
            departments::active.eq(fields.active),
            departments::created_at.eq(now),
            departments::updated_at.eq(now),
            departments::version.eq(1i64),
        ))
        .returning(departments::id)
        .get_result(conn)?;
    departments::table.find(id).select(DepartmentRow::as_select()).first(conn)
}

/// Writes `fields` if the row is still at `expected_version`; false when another request won.
pub fn update_department(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    fields: &DepartmentFields,
) -> QueryResult<bool> {
    diesel::update(departments::table.find(id).filter(departments::version.eq(expected_version)))
        .set((
            departments::code.eq(&fields.code),
            departments::name.eq(&fields.name),
            departments::parent_id.eq(fields.parent_id),
            departments::manager_id.eq(fields.manager_id),
            departments::active.eq(fields.active),
            departments::updated_at.eq(db::now()),
            departments::version.eq(departments::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn delete_department(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(departments::table.find(id)).execute(conn).map(|_| ())
}

/// Ancestors of a department, nearest first.
pub fn department_ancestors(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i64>> {
    let mut chain = Vec::new();
    let mut current = id;
    while chain.len() < MAX_CHAIN {
        let parent: Option<Option<i64>> =
            departments::table.find(current).select(departments::parent_id).first(conn).optional()?;
        match parent.flatten() {
            Some(parent) if !chain.contains(&parent) => {
                chain.push(parent);
                current = parent;
            }
            _ => break,
        }
    }
    Ok(chain)
}

/// What still refers to a department: (employees, sub-departments).
pub fn department_usage(conn: &mut DbConn, id: i64) -> QueryResult<(i64, i64)> {
    let people = employees::table.filter(employees::department_id.eq(id)).count().get_result(conn)?;
    let children = departments::table.filter(departments::parent_id.eq(id)).count().get_result(conn)?;
    Ok((people, children))
}

#[derive(Debug, Default)]
pub struct DepartmentFilter {
    pub active: Option<bool>,
    pub parent_id: Option<i64>,
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list_departments(
    conn: &mut DbConn,
    filter: &DepartmentFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DepartmentRow>> {
    let mut query = departments::table.select(DepartmentRow::as_select()).into_boxed();
    if let Some(active) = filter.active {
        query = query.filter(departments::active.eq(active));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(departments::parent_id.eq(parent));
    }
    if let Some(q) = &filter.q {
        let Some(q) = db::searchable(q) else { return Ok(Vec::new()) };
        let pattern = db::contains_pattern(q);
        query = query.filter(
            lower(departments::code)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(departments::name).like(pattern).escape('\\')),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(departments::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(departments::id.gt(after));
    }
    query.order(departments::id.asc()).limit(limit + 1).load(conn)
}

// ---------------------------------------------------------------- employees

pub fn employee(conn: &mut DbConn, id: i64) -> QueryResult<Option<EmployeeRow>> {
    employees::table.find(id).select(EmployeeRow::as_select()).first(conn).optional()
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

// ---------------------------------------------------------------- status changes

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

// ---------------------------------------------------------------- compensation

pub struct NewCompensation<'a> {
    pub employee_id: i64,
    pub effective_from: NaiveDate,
    pub hourly_cost_rate: i64,
    pub salary: Option<i64>,
    pub salary_period: Option<&'a str>,
    pub currency: &'a str,
    pub note: Option<&'a str>,
    pub created_by: Option<i64>,
}

pub fn insert_compensation(conn: &mut DbConn, new: &NewCompensation) -> QueryResult<CompensationRow> {
    let id: i64 = diesel::insert_into(compensation::table)
        .values((
            compensation::employee_id.eq(new.employee_id),
            compensation::effective_from.eq(new.effective_from),
            compensation::hourly_cost_rate.eq(new.hourly_cost_rate),
            compensation::salary.eq(new.salary),
            compensation::salary_period.eq(new.salary_period),
            compensation::currency.eq(new.currency),
            compensation::note.eq(new.note),
            compensation::created_at.eq(db::now()),
            compensation::created_by.eq(new.created_by),
        ))
        .returning(compensation::id)
        .get_result(conn)?;
    compensation::table.find(id).select(CompensationRow::as_select()).first(conn)
}

/// The compensation in force for `employee_id` on `date`: the latest effective_from on or before
/// it, and among rows of that date the latest recorded (a correction). One indexed lookup; this is
/// what other modules call to cost time.
pub fn rate_on(conn: &mut DbConn, employee_id: i64, date: NaiveDate) -> QueryResult<Option<CompensationRow>> {
    compensation::table
        .filter(compensation::employee_id.eq(employee_id))
        .filter(compensation::effective_from.le(date))
        .order((compensation::effective_from.desc(), compensation::id.desc()))
        .select(CompensationRow::as_select())
        .first(conn)
        .optional()
}

/// The compensation in force on `date` for each of `employee_ids` (one query for a whole page).
pub fn rates_on(
    conn: &mut DbConn,
    employee_ids: &[i64],
    date: NaiveDate,
) -> QueryResult<HashMap<i64, CompensationRow>> {
    if employee_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<CompensationRow> = compensation::table
        .filter(compensation::employee_id.eq_any(employee_ids))
        .filter(compensation::effective_from.le(date))
        .order((compensation::employee_id.asc(), compensation::effective_from.desc(), compensation::id.desc()))
        .select(CompensationRow::as_select())
        .load(conn)?;
    let mut current = HashMap::new();
    for row in rows {
        current.entry(row.employee_id).or_insert(row);
    }
    Ok(current)
}

/// An employee's compensation history, latest effective first, after the row `after`.
pub fn compensation_history(
    conn: &mut DbConn,
    employee_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CompensationRow>> {
    let mut query = compensation::table
        .filter(compensation::employee_id.eq(employee_id))
        .select(CompensationRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        let key: Option<NaiveDate> = compensation::table
            .find(after)
            .filter(compensation::employee_id.eq(employee_id))
            .select(compensation::effective_from)
            .first(conn)
            .optional()?;
        if let Some(effective) = key {
            query = query.filter(
                compensation::effective_from
                    .lt(effective)
                    .or(compensation::effective_from.eq(effective).and(compensation::id.lt(after))),
            );
        }
    }
    query.order((compensation::effective_from.desc(), compensation::id.desc())).limit(limit + 1).load(conn)
}

// ---------------------------------------------------------------- report

#[derive(QueryableByName, Debug)]
pub struct HeadcountRow {
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub employment_type: String,
    #[diesel(sql_type = BigInt)]
    pub people: i64,
}

#[derive(QueryableByName, Debug)]
pub struct RateRow {
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub people: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub lowest: i64,
    #[diesel(sql_type = BigInt)]
    pub highest: i64,
}

const HEADCOUNT_SQL: &str = "SELECT department_id, status, employment_type, COUNT(*) AS people \
     FROM employees WHERE status <> 'terminated' GROUP BY department_id, status, employment_type";

/// Per department and currency, the rates in force on a date of the people not terminated: for
/// each person the one compensation row `rate_on` would pick. PostgreSQL runs it best as an
/// anti-join (no newer row in force); SQLite as a window over the compensation index, which is
/// already in (employee, effective_from desc, id desc) order. (A correlated "ORDER BY … LIMIT 1"
/// was hashed and re-run per person on PostgreSQL.)
const RATES_SQL_POSTGRES: &str = "SELECT e.department_id, c.currency, COUNT(*) AS people, \
       CAST(SUM(c.hourly_cost_rate) AS BIGINT) AS total, MIN(c.hourly_cost_rate) AS lowest, \
       MAX(c.hourly_cost_rate) AS highest \
     FROM employees e JOIN compensation c ON c.employee_id = e.id AND c.effective_from <= $1 \
     WHERE e.status <> 'terminated' AND NOT EXISTS ( \
       SELECT 1 FROM compensation n WHERE n.employee_id = c.employee_id AND n.effective_from <= $1 \
       AND (n.effective_from > c.effective_from OR (n.effective_from = c.effective_from AND n.id > c.id))) \
     GROUP BY e.department_id, c.currency";

const RATES_SQL_SQLITE: &str = "SELECT department_id, currency, COUNT(*) AS people, SUM(rate) AS total, \
       MIN(rate) AS lowest, MAX(rate) AS highest \
     FROM (SELECT e.department_id, c.currency, c.hourly_cost_rate AS rate, \
             ROW_NUMBER() OVER (PARTITION BY c.employee_id ORDER BY c.effective_from DESC, c.id DESC) AS newest \
           FROM compensation c JOIN employees e ON e.id = c.employee_id \
           WHERE c.effective_from <= ? AND e.status <> 'terminated') \
     WHERE newest = 1 \
     GROUP BY department_id, currency";

pub fn headcounts(conn: &mut DbConn) -> QueryResult<Vec<HeadcountRow>> {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(HEADCOUNT_SQL).load(c),
        DbConn::Pg(c) => diesel::sql_query(HEADCOUNT_SQL).load(c),
    }
}

pub fn rate_summaries(conn: &mut DbConn, as_of: NaiveDate) -> QueryResult<Vec<RateRow>> {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(RATES_SQL_SQLITE).bind::<Date, _>(as_of).load(c),
        DbConn::Pg(c) => diesel::sql_query(RATES_SQL_POSTGRES).bind::<Date, _>(as_of).load(c),
    }
}

pub fn all_departments(conn: &mut DbConn, include_archived: bool) -> QueryResult<Vec<DepartmentRow>> {
    let mut query = departments::table.select(DepartmentRow::as_select()).into_boxed();
    if !include_archived {
        query = query.filter(departments::active.eq(true));
    }
    query.order(departments::code.asc()).load(conn)
}
