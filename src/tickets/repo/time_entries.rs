//! SQL of time entries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;

use crate::db::schema::{employee_day_minutes, time_entries};
use crate::db::sql::{self, Bind};
use crate::db::{self, DbConn};
use crate::tickets::model::TimeEntryRow;

pub fn entry(conn: &mut DbConn, id: i64) -> QueryResult<Option<TimeEntryRow>> {
    time_entries::table.find(id).select(TimeEntryRow::as_select()).first(conn).optional()
}

/// What an entry is worth: minutes with the rates and amounts that follow from them, fixed when
/// the entry is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valuation {
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub billable: bool,
    pub note: Option<String>,
    pub hourly_cost_rate: i64,
    pub cost: i64,
    pub cost_currency: String,
    /// (rate, currency, amount) of billable work.
    pub billing: Option<(i64, String, i64)>,
}

pub struct NewTimeEntry {
    pub ticket_id: i64,
    pub desk_id: i64,
    pub department_id: i64,
    pub employee_id: i64,
    /// The user who logged it (None for the demo loader).
    pub created_by: Option<i64>,
    pub valuation: Valuation,
}

/// The largest total a person logs on one day.
pub const MINUTES_PER_DAY: i32 = 24 * 60;

/// A day would pass 24 hours: the minutes the person has on it already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayFull {
    pub logged: i64,
}

/// Adds `minutes` to a person's day in `employee_day_minutes`, unless the day would pass 24 hours
/// (then nothing changes and the answer is false). One statement that takes the day's row: two
/// entries for one person and day, on any nodes, are added one after the other, never both
/// against the same old total.
fn add_to_day(conn: &mut DbConn, employee_id: i64, date: NaiveDate, minutes: i32) -> QueryResult<bool> {
    const UPSERT: &str = "INSERT INTO employee_day_minutes (employee_id, work_date, minutes) \
         SELECT ?, ?, ? WHERE ? <= ? \
         ON CONFLICT (employee_id, work_date) DO UPDATE SET minutes = employee_day_minutes.minutes + excluded.minutes \
         WHERE employee_day_minutes.minutes + excluded.minutes <= ?";
    let binds = [
        Bind::BigInt(employee_id),
        Bind::Day(date),
        Bind::Integer(minutes),
        Bind::Integer(minutes),
        Bind::Integer(MINUTES_PER_DAY),
        Bind::Integer(MINUTES_PER_DAY),
    ];
    Ok(sql::execute(conn, UPSERT, &binds)? == 1)
}

fn take_from_day(conn: &mut DbConn, employee_id: i64, date: NaiveDate, minutes: i32) -> QueryResult<()> {
    const TAKE: &str = "UPDATE employee_day_minutes SET minutes = minutes - ? WHERE employee_id = ? AND work_date = ?";
    sql::execute(conn, TAKE, &[Bind::Integer(minutes), Bind::BigInt(employee_id), Bind::Day(date)]).map(|_| ())
}

/// Minutes a person has on a day, as kept beside the entries.
fn logged_on_day(conn: &mut DbConn, employee_id: i64, date: NaiveDate) -> QueryResult<i64> {
    let logged: Option<i32> = employee_day_minutes::table
        .find((employee_id, date))
        .select(employee_day_minutes::minutes)
        .first(conn)
        .optional()?;
    Ok(logged.map(i64::from).unwrap_or(0))
}

/// Moves an entry's minutes from one (day, minutes) to another, the days' rows taken in date
/// order (two moves between the same two days cannot deadlock). Err when the new day is full.
fn move_on_days(
    conn: &mut DbConn,
    employee_id: i64,
    from: (NaiveDate, i32),
    to: (NaiveDate, i32),
) -> QueryResult<Result<(), DayFull>> {
    if from.0 == to.0 {
        let more = to.1 - from.1;
        if more > 0 && !add_to_day(conn, employee_id, to.0, more)? {
            return Ok(Err(DayFull { logged: logged_on_day(conn, employee_id, to.0)? - i64::from(from.1) }));
        }
        if more < 0 {
            take_from_day(conn, employee_id, to.0, -more)?;
        }
        return Ok(Ok(()));
    }
    if from.0 < to.0 {
        take_from_day(conn, employee_id, from.0, from.1)?;
    }
    if !add_to_day(conn, employee_id, to.0, to.1)? {
        return Ok(Err(DayFull { logged: logged_on_day(conn, employee_id, to.0)? }));
    }
    if from.0 > to.0 {
        take_from_day(conn, employee_id, from.0, from.1)?;
    }
    Ok(Ok(()))
}

/// Writes a new entry, with its minutes added to the person's day and its cost to the labour
/// actual, unless the day would pass 24 hours.
pub fn insert(conn: &mut DbConn, new: &NewTimeEntry) -> QueryResult<Result<TimeEntryRow, DayFull>> {
    let now = db::now();
    let v = &new.valuation;
    if !add_to_day(conn, new.employee_id, v.work_date, v.minutes)? {
        return Ok(Err(DayFull { logged: logged_on_day(conn, new.employee_id, v.work_date)? }));
    }
    let id: i64 = diesel::insert_into(time_entries::table)
        .values((
            (
                time_entries::ticket_id.eq(new.ticket_id),
                time_entries::desk_id.eq(new.desk_id),
                time_entries::department_id.eq(new.department_id),
                time_entries::employee_id.eq(new.employee_id),
                time_entries::work_date.eq(v.work_date),
                time_entries::minutes.eq(v.minutes),
                time_entries::billable.eq(v.billable),
                time_entries::note.eq(&v.note),
                time_entries::hourly_cost_rate.eq(v.hourly_cost_rate),
                time_entries::cost.eq(v.cost),
                time_entries::cost_currency.eq(&v.cost_currency),
            ),
            (
                time_entries::billing_rate.eq(v.billing.as_ref().map(|b| b.0)),
                time_entries::billing_currency.eq(v.billing.as_ref().map(|b| b.1.clone())),
                time_entries::billable_amount.eq(v.billing.as_ref().map(|b| b.2)),
                time_entries::created_by.eq(new.created_by),
                time_entries::created_at.eq(now),
                time_entries::updated_at.eq(now),
                time_entries::version.eq(1i64),
            ),
        ))
        .returning(time_entries::id)
        .get_result(conn)?;
    let row = time_entries::table.find(id).select(TimeEntryRow::as_select()).first(conn)?;
    Ok(Ok(row))
}

/// Rewrites the entry's valuation if it is still at `expected_version` and not invoiced (false
/// otherwise), moving its minutes between days; Err when the day it moves to would pass 24
/// hours (the caller's transaction then rolls the rewrite back).
pub fn revalue(conn: &mut DbConn, id: i64, expected_version: i64, v: &Valuation) -> QueryResult<Result<bool, DayFull>> {
    let Some(before) = entry(conn, id)? else { return Ok(Ok(false)) };
    let target = time_entries::table
        .find(id)
        .filter(time_entries::version.eq(expected_version))
        .filter(time_entries::invoice_id.is_null());
    let changed = diesel::update(target)
        .set((
            time_entries::work_date.eq(v.work_date),
            time_entries::minutes.eq(v.minutes),
            time_entries::billable.eq(v.billable),
            time_entries::note.eq(&v.note),
            time_entries::hourly_cost_rate.eq(v.hourly_cost_rate),
            time_entries::cost.eq(v.cost),
            time_entries::cost_currency.eq(&v.cost_currency),
            time_entries::billing_rate.eq(v.billing.as_ref().map(|b| b.0)),
            time_entries::billing_currency.eq(v.billing.as_ref().map(|b| b.1.clone())),
            time_entries::billable_amount.eq(v.billing.as_ref().map(|b| b.2)),
            time_entries::updated_at.eq(db::now()),
            time_entries::version.eq(time_entries::version + 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Ok(Ok(false));
    }
    let after = time_entries::table.find(id).select(TimeEntryRow::as_select()).first(conn)?;
    let moved = (before.work_date, before.minutes);
    if let Err(full) = move_on_days(conn, before.employee_id, moved, (after.work_date, after.minutes))? {
        return Ok(Err(full));
    }
    Ok(Ok(true))
}

/// Deletes the entry if it is still at `expected_version` and not invoiced.
pub fn delete(conn: &mut DbConn, id: i64, expected_version: i64) -> QueryResult<bool> {
    let Some(before) = entry(conn, id)? else { return Ok(false) };
    let target = time_entries::table
        .find(id)
        .filter(time_entries::version.eq(expected_version))
        .filter(time_entries::invoice_id.is_null());
    if diesel::delete(target).execute(conn)? != 1 {
        return Ok(false);
    }
    take_from_day(conn, before.employee_id, before.work_date, before.minutes)?;
    Ok(true)
}

/// Every entry, in id order, `limit` at a time after id `after`.
pub fn all_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<TimeEntryRow>> {
    time_entries::table
        .filter(time_entries::id.gt(after))
        .order(time_entries::id.asc())
        .limit(limit)
        .select(TimeEntryRow::as_select())
        .load(conn)
}

/// Minutes the employee already has on `date`, leaving out entry `except`.
pub fn minutes_on(conn: &mut DbConn, employee_id: i64, date: NaiveDate, except: Option<i64>) -> QueryResult<i64> {
    let total: Option<i64> = time_entries::table
        .filter(time_entries::employee_id.eq(employee_id))
        .filter(time_entries::work_date.eq(date))
        .filter(time_entries::id.ne(except.unwrap_or(0)))
        .select(sum(time_entries::minutes))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

#[derive(Debug, Default, Clone)]
pub struct TimeEntryFilter {
    /// Callers who do not see every entry see those of desks they work and their own.
    pub scope: Option<(Vec<i64>, Option<i64>)>,
    pub ticket_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub desk_id: Option<i64>,
    pub department_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    pub updated_since: Option<NaiveDateTime>,
}

/// One page of entries after `after`, by work date.
pub fn list(
    conn: &mut DbConn,
    filter: &TimeEntryFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<TimeEntryRow>> {
    let mut query = time_entries::table.select(TimeEntryRow::as_select()).into_boxed();
    if let Some((desks, me)) = &filter.scope {
        match me {
            Some(me) => {
                query = query.filter(time_entries::desk_id.eq_any(desks.clone()).or(time_entries::employee_id.eq(*me)))
            }
            None if desks.is_empty() => return Ok(Vec::new()),
            None => query = query.filter(time_entries::desk_id.eq_any(desks.clone())),
        }
    }
    if let Some(ticket) = filter.ticket_id {
        query = query.filter(time_entries::ticket_id.eq(ticket));
    }
    if let Some(employee) = filter.employee_id {
        query = query.filter(time_entries::employee_id.eq(employee));
    }
    if let Some(desk) = filter.desk_id {
        query = query.filter(time_entries::desk_id.eq(desk));
    }
    if let Some(department) = filter.department_id {
        query = query.filter(time_entries::department_id.eq(department));
    }
    if let Some(from) = filter.from {
        query = query.filter(time_entries::work_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(time_entries::work_date.le(to));
    }
    if let Some(billable) = filter.billable {
        query = query.filter(time_entries::billable.eq(billable));
    }
    match filter.invoiced {
        Some(true) => query = query.filter(time_entries::invoice_id.is_not_null()),
        Some(false) => query = query.filter(time_entries::invoice_id.is_null()),
        None => {}
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(time_entries::updated_at.ge(since));
    }
    // In (work_date, id) order: a period of a desk, person or department is one index range. The
    // cursor is the last entry's id; its work date is read back.
    if let Some(after) = after {
        let last: Option<NaiveDate> =
            time_entries::table.find(after).select(time_entries::work_date).first(conn).optional()?;
        query = match last {
            Some(day) => query.filter(
                time_entries::work_date.gt(day).or(time_entries::work_date.eq(day).and(time_entries::id.gt(after))),
            ),
            // The entry was deleted since: carry on after its id.
            None => query.filter(time_entries::id.gt(after)),
        };
    }
    query.order((time_entries::work_date.asc(), time_entries::id.asc())).limit(limit + 1).load(conn)
}

/// Billable entries not yet invoiced on `ticket_ids`, with work dates in [from, to], oldest first.
pub fn unbilled(
    conn: &mut DbConn,
    ticket_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<TimeEntryRow>> {
    time_entries::table
        .filter(time_entries::ticket_id.eq_any(ticket_ids))
        .filter(time_entries::billable.eq(true))
        .filter(time_entries::invoice_id.is_null())
        .filter(time_entries::work_date.ge(from))
        .filter(time_entries::work_date.le(to))
        .select(TimeEntryRow::as_select())
        .order((time_entries::ticket_id.asc(), time_entries::id.asc()))
        .load(conn)
}

/// Marks `ids` as billed on an invoice line, each only if nobody billed it first; returns how
/// many were marked (fewer than asked means another invoice won the race).
pub fn mark_billed(conn: &mut DbConn, ids: &[i64], invoice_id: i64, line_id: i64) -> QueryResult<usize> {
    let now = db::now();
    diesel::update(time_entries::table.filter(time_entries::id.eq_any(ids)).filter(time_entries::invoice_id.is_null()))
        .set((
            time_entries::invoice_id.eq(Some(invoice_id)),
            time_entries::invoice_line_id.eq(Some(line_id)),
            time_entries::invoiced_at.eq(Some(now)),
            time_entries::updated_at.eq(now),
            time_entries::version.eq(time_entries::version + 1),
        ))
        .execute(conn)
}

/// Releases every entry billed on `invoice_id` (the invoice was voided or its draft changed).
pub fn release_billed(conn: &mut DbConn, invoice_id: i64) -> QueryResult<usize> {
    let now = db::now();
    diesel::update(time_entries::table.filter(time_entries::invoice_id.eq(invoice_id)))
        .set((
            time_entries::invoice_id.eq(None::<i64>),
            time_entries::invoice_line_id.eq(None::<i64>),
            time_entries::invoiced_at.eq(None::<NaiveDateTime>),
            time_entries::updated_at.eq(now),
            time_entries::version.eq(time_entries::version + 1),
        ))
        .execute(conn)
}

/// The entries billed on each line of an invoice: (line id, entry id).
pub fn billed_on(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    billed_on_many(conn, &[invoice_id])
}

/// The entries billed on the lines of any of `invoice_ids`: (line id, entry id), in one query.
pub fn billed_on_many(conn: &mut DbConn, invoice_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    let rows: Vec<(Option<i64>, i64)> = time_entries::table
        .filter(time_entries::invoice_id.eq_any(invoice_ids))
        .select((time_entries::invoice_line_id, time_entries::id))
        .order(time_entries::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(line, id)| line.map(|line| (line, id))).collect())
}
