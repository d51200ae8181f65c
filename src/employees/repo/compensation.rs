//! SQL of compensation: effective-dated records, the rate in force on a date, and the history.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{self, schema::compensation, DbConn};
use crate::employees::model::CompensationRow;

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
