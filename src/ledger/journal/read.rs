//! Reading the general ledger for the statements: posted debits and credits per account,
//! department and month over any span of days, from the monthly balances for the whole months
//! and from the lines for the days at the ends (a closed month costs the same whatever it holds).

use chrono::NaiveDate;

use super::repo::{self, MonthBalance};
use crate::db::DbConn;
use crate::error::ApiError;

/// The first day the books read from when a statement is "as of" a day.
pub fn beginning() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Posted debits and credits over the days [from, to], per account, department (0: none) and
/// month.
pub fn balances(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> Result<Vec<MonthBalance>, ApiError> {
    let (months, edges) = crate::ledger::read::split(from, to);
    let mut rows = Vec::new();
    if let Some(months) = months {
        rows.extend(repo::balance_months(conn, months)?);
    }
    for days in edges {
        rows.extend(repo::line_balances(conn, days)?);
    }
    Ok(rows)
}
