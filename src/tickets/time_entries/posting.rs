//! What a time entry writes beside its own row: its cost booked as labour in the cost book, and
//! its mark in the ticket's history.

use chrono::NaiveDate;
use serde::Serialize;

use crate::audit;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger;
use crate::tickets::model::TimeEntryRow;
use crate::tickets::repo::tickets as ticket_repo;
use crate::tickets::repo::time_entries as repo;

/// What the ticket's history says of an entry: the work, not its cost (the history's readers
/// need not see costs).
#[derive(Serialize)]
struct LoggedWork {
    time_entry_id: i64,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    billable: bool,
}

/// Records a change of the time on a ticket in the ticket's own history too, so that
/// `GET /tickets/{id}/history` tells every change to the ticket.
pub(super) fn record_on_ticket(
    conn: &mut DbConn,
    actor: &audit::Actor,
    action: &str,
    before: Option<&TimeEntryRow>,
    after: Option<&TimeEntryRow>,
) -> Result<(), ApiError> {
    let work = |row: &TimeEntryRow| LoggedWork {
        time_entry_id: row.id,
        employee_id: row.employee_id,
        work_date: row.work_date,
        minutes: row.minutes,
        billable: row.billable,
    };
    let ticket_id = after.or(before).map(|r| r.ticket_id).unwrap_or_default();
    let (before, after) = (before.map(work), after.map(work));
    audit::record(conn, actor, action, crate::tickets::api::ENTITY, ticket_id, before.as_ref(), after.as_ref())
}

/// What an entry books: its cost as labour on its work date, charged to the desk's department,
/// the ticket, the ticket's customer and the person.
pub fn labour_entries(row: &TimeEntryRow, customer_id: Option<i64>) -> Vec<ledger::Entry> {
    vec![ledger::Entry {
        occurred_on: row.work_date,
        kind: ledger::Kind::Labour,
        category: "labour".into(),
        currency: row.cost_currency.clone(),
        amount: row.cost,
        quantity: i64::from(row.minutes),
        dims: ledger::Dimensions {
            department_id: Some(row.department_id),
            desk_id: Some(row.desk_id),
            ticket_id: Some(row.ticket_id),
            customer_id,
            employee_id: Some(row.employee_id),
            ..Default::default()
        },
        source_line_id: None,
    }]
}

/// Books every entry (once, when the cost book is opened on data older than it).
pub fn book_existing(conn: &mut DbConn) -> Result<(), ApiError> {
    let mut after = 0;
    loop {
        let rows = repo::all_after(conn, after, 1000)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.id;
        let tickets: Vec<i64> = rows.iter().map(|r| r.ticket_id).collect();
        let customers = ticket_repo::customers_of(conn, &tickets)?;
        let batch: Vec<_> = rows
            .iter()
            .map(|row| {
                (ledger::Source::time_entry(row.id), labour_entries(row, customers.get(&row.ticket_id).copied()))
            })
            .collect();
        ledger::post_older(conn, &batch)?;
    }
}

/// Books an entry as it stands now (a changed entry: its old line reversed, the new one booked).
pub(super) fn book(conn: &mut DbConn, row: &TimeEntryRow, customer_id: Option<i64>) -> Result<(), ApiError> {
    ledger::restate(conn, ledger::Source::time_entry(row.id), &labour_entries(row, customer_id))
}
