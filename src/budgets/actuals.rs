//! The monthly rollup of budget actuals (`budget_actuals`): per department, currency, year, month
//! and category, what was spent (actual) and what draft bills commit. The writes that make
//! actuals keep it in their own transaction — time entries (labour), stock issues and their
//! reversals (materials), vendors' bills and credit notes (the other categories) — by adding
//! their change with one upsert, so that parallel writers on any number of nodes never lose one.
//!
//! Readers take the months that are over from the rollup and the month of the cut-off from the
//! ledgers (`super::api::spending`), so a variance "as of" any day stays exact and its cost does
//! not grow with the year's rows.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::db::schema::budget_actuals;
use crate::db::sql::{self, Bind};
use crate::db::DbConn;

/// A change of a department's actual (and commitment) in a currency, category and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub department_id: i64,
    pub currency: String,
    pub category: String,
    pub on: NaiveDate,
    pub actual: i64,
    pub committed: i64,
}

impl Change {
    /// The same change taken back.
    pub fn undone(&self) -> Change {
        Change { actual: -self.actual, committed: -self.committed, ..self.clone() }
    }
}

/// A rollup row's key: (department, currency, year, month, category).
type RowKey<'a> = (i64, &'a str, i32, u32, &'a str);

/// Adds the changes to their months' rows (created on first use). One upsert a row: both
/// backends add to the row under its lock, so parallel writers never lose a change; the rows are
/// taken in key order, so two writers touching the same rows cannot deadlock.
pub fn record(conn: &mut DbConn, changes: &[Change]) -> QueryResult<()> {
    let mut sums: std::collections::BTreeMap<RowKey, (i64, i64)> = Default::default();
    for c in changes {
        let sum = sums.entry((c.department_id, &c.currency, c.on.year(), c.on.month(), &c.category)).or_default();
        sum.0 += c.actual;
        sum.1 += c.committed;
    }
    const UPSERT: &str =
        "INSERT INTO budget_actuals (department_id, currency, year, month, category, actual, committed) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (department_id, currency, year, month, category) DO UPDATE SET \
           actual = budget_actuals.actual + excluded.actual, committed = budget_actuals.committed + excluded.committed";
    for ((department_id, currency, year, month, category), (actual, committed)) in sums {
        if actual == 0 && committed == 0 {
            continue;
        }
        let binds = [
            Bind::BigInt(department_id),
            Bind::Text(currency.to_string()),
            Bind::Integer(year),
            Bind::Integer(month as i32),
            Bind::Text(category.to_string()),
            Bind::BigInt(actual),
            Bind::BigInt(committed),
        ];
        sql::execute(conn, UPSERT, &binds)?;
    }
    Ok(())
}

/// Moves `before` out of the rollup and `after` into it: a document whose state changed.
pub fn replace(conn: &mut DbConn, before: &[Change], after: &[Change]) -> QueryResult<()> {
    let both: Vec<Change> = before.iter().map(Change::undone).chain(after.iter().cloned()).collect();
    record(conn, &both)
}

/// Removes a department's rows that hold nothing (before the department itself is deleted).
pub fn forget_empty(conn: &mut DbConn, department_id: i64) -> QueryResult<usize> {
    diesel::delete(
        budget_actuals::table
            .filter(budget_actuals::department_id.eq(department_id))
            .filter(budget_actuals::actual.eq(0i64))
            .filter(budget_actuals::committed.eq(0i64)),
    )
    .execute(conn)
}

/// One rollup row: (department, category, month, actual, committed).
pub type MonthRow = (i64, String, i32, i64, i64);

/// The rollup's rows in `currency` for months 1..=`through_month` of `year`: of one department,
/// or with None of every department.
pub fn months(
    conn: &mut DbConn,
    currency: &str,
    year: i32,
    through_month: u32,
    department: Option<i64>,
) -> QueryResult<Vec<MonthRow>> {
    let mut query = budget_actuals::table
        .filter(budget_actuals::currency.eq(currency))
        .filter(budget_actuals::year.eq(year))
        .filter(budget_actuals::month.le(through_month as i32))
        .select((
            budget_actuals::department_id,
            budget_actuals::category,
            budget_actuals::month,
            budget_actuals::actual,
            budget_actuals::committed,
        ))
        .into_boxed();
    if let Some(department) = department {
        query = query.filter(budget_actuals::department_id.eq(department));
    }
    query.load(conn)
}

/// How a year's spending up to the end of `as_of` is read: the months that are over (from the
/// rollup: 1..=the first value) and the days of the month of the cut-off, [from, to) (from the
/// ledgers), if any.
pub fn split(year: i32, as_of: NaiveDate) -> (u32, Option<(NaiveDate, NaiveDate)>) {
    let (Some(start), Some(year_end)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1))
    else {
        return (0, None);
    };
    let cut = (as_of + chrono::Duration::days(1)).min(year_end);
    if cut <= start {
        return (0, None);
    }
    if cut == year_end {
        return (12, None);
    }
    let month_start = cut.with_day(1).unwrap_or(cut);
    let partial = (month_start < cut).then_some((month_start, cut));
    (cut.month() - 1, partial)
}

#[cfg(test)]
mod tests {
    use super::split;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_year_splits_into_months_over_and_the_days_of_the_cut() {
        assert_eq!(split(2026, day(2026, 11, 25)), (10, Some((day(2026, 11, 1), day(2026, 11, 26)))));
        // The last day of a month closes it: nothing is read from the ledgers.
        assert_eq!(split(2026, day(2026, 10, 31)), (10, None));
        assert_eq!(split(2026, day(2026, 1, 1)), (0, Some((day(2026, 1, 1), day(2026, 1, 2)))));
        assert_eq!(split(2026, day(2026, 12, 31)), (12, None));
        assert_eq!(split(2026, day(2027, 3, 1)), (12, None));
        assert_eq!(split(2026, day(2025, 12, 31)), (0, None));
    }
}
