//! SQL of the department report: headcounts and the rates in force, two grouped queries however
//! many people there are.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::db::DbConn;

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
