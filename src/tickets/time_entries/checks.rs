//! The checks of a time entry and what it is worth: the person and the day, the ticket open for
//! time, who may change an entry, and its valuation at the rates in force.

use chrono::NaiveDate;

use crate::db::DbConn;
use crate::employees::{self, model::EmployeeStatus};
use crate::error::{ApiError, Validator};
use crate::money::{self, Currency};
use crate::tickets::access::TicketAccess;
use crate::tickets::model::{amount_for_minutes, TicketRow, TimeEntryRow};
use crate::tickets::repo::time_entries::{self as repo, DayFull, Valuation, MINUTES_PER_DAY};

/// The entry's worth on `work_date`: the cost rate in force then, and for billable work the
/// desk's billing rate (`billing`: the rate already on the entry, kept when it stays billable).
#[allow(clippy::too_many_arguments)]
pub(super) fn value(
    conn: &mut DbConn,
    v: &mut Validator,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    billable: bool,
    note: Option<String>,
    billing: Option<(i64, String)>,
) -> Result<Option<Valuation>, ApiError> {
    let Some(rate) = employees::rate_on(conn, employee_id, work_date)? else {
        v.error(
            "/work_date",
            format!("the employee has no hourly cost rate in force on {work_date}; hr records one first"),
        );
        return Ok(None);
    };
    let currency: Currency = rate.currency.parse().map_err(ApiError::internal)?;
    let too_much = |what: &str| ApiError::invalid("/minutes", format!("the entry's {what} {}", money::LIMIT_TEXT));
    let cost = amount_for_minutes(minutes, rate.hourly_cost_rate, currency).ok_or_else(|| too_much("cost"))?;
    let billing = match (billable, billing) {
        (false, _) => None,
        (true, Some((rate, code))) => {
            let currency: Currency = code.parse().map_err(ApiError::internal)?;
            let amount = amount_for_minutes(minutes, rate, currency).ok_or_else(|| too_much("billable amount"))?;
            Some((rate, code, amount))
        }
        (true, None) => None,
    };
    Ok(Some(Valuation {
        work_date,
        minutes,
        billable,
        note,
        hourly_cost_rate: rate.hourly_cost_rate,
        cost,
        cost_currency: rate.currency,
        billing,
    }))
}

/// The desk's current billing rate: (rate, currency).
pub(super) fn desk_billing_rate(conn: &mut DbConn, desk_id: i64) -> Result<(i64, String), ApiError> {
    let desk = crate::tickets::repo::desk(conn, desk_id)?.ok_or(ApiError::NotFound)?;
    Ok((desk.billing_rate, desk.currency))
}

/// Checks the person and the day: an employee who is not terminated, a work date within their
/// employment and not in the future, and at most 24 hours logged on that day.
pub(super) fn check_person_and_day(
    conn: &mut DbConn,
    v: &mut Validator,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let Some(person) = employees::employee(conn, employee_id)? else {
        v.error("/employee_id", "no such employee");
        return Ok(());
    };
    if EmployeeStatus::from_stored(&person.status) == EmployeeStatus::Terminated {
        v.error("/employee_id", format!("{} is terminated; nobody logs time for them", person.employee_number));
    }
    v.check(work_date <= crate::clock::today(), "/work_date", "must not be in the future");
    v.check(work_date >= person.start_date, "/work_date", format!("is before {}'s start date", person.employee_number));
    let logged = repo::minutes_on(conn, employee_id, work_date, except)?;
    if logged + i64::from(minutes) > i64::from(MINUTES_PER_DAY) {
        v.error("/minutes", day_full(&person.employee_number, work_date, DayFull { logged }));
    }
    Ok(())
}

/// What a full day is told. The check above reads the entries; under parallel writes the day's
/// row in `employee_day_minutes`, taken by each write, has the last word (`repo::insert`).
fn day_full(employee_number: &str, work_date: NaiveDate, full: DayFull) -> String {
    format!("{employee_number} already has {} minutes on {work_date}; a day has {MINUTES_PER_DAY}", full.logged)
}

pub(super) fn day_full_error(conn: &mut DbConn, employee_id: i64, work_date: NaiveDate, full: DayFull) -> ApiError {
    let number = employees::employee(conn, employee_id)
        .ok()
        .flatten()
        .map(|e| e.employee_number)
        .unwrap_or_else(|| format!("employee {employee_id}"));
    ApiError::invalid("/minutes", day_full(&number, work_date, full))
}

pub(super) fn open_for_time(ticket: &TicketRow) -> Result<(), ApiError> {
    if ticket.status().is_final() {
        return Err(ApiError::Conflict(format!("{} is {}; nobody logs time on it", ticket.reference, ticket.status)));
    }
    Ok(())
}

/// Checks that the caller may change or remove the entry, and that it still can be.
pub(super) fn check_changeable(
    access: &TicketAccess,
    entry: &TimeEntryRow,
    ticket: &TicketRow,
) -> Result<(), ApiError> {
    if !access.may_log_for(entry.employee_id, entry.desk_id) {
        return Err(ApiError::Forbidden("only the person, the desk's agents, ops and admin change this time".into()));
    }
    if entry.invoice_id.is_some() {
        return Err(ApiError::Conflict("the entry is invoiced; finance corrects it with a credit note".into()));
    }
    open_for_time(ticket)
}
