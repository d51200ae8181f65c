//! Booking the data written before the cost book existed, once, when the books are opened
//! (`ledger::open_books`, at start-up after the migrations). Each producer books its own records
//! with the same rules it books new events by, so an upgraded database and a new one hold the
//! same lines for the same history.

use crate::db::DbConn;
use crate::error::ApiError;

pub fn book_older_data(conn: &mut DbConn) -> Result<(), ApiError> {
    crate::tickets::time_entries::book_existing(conn)?;
    crate::inventory::movements::book_existing(conn)?;
    crate::invoices::book_existing(conn)?;
    Ok(())
}

/// Posts the documents, payments and stock movements written before the general ledger existed,
/// once, so that an upgraded installation's books open balanced. Returns how many could not be
/// posted (no exchange rate for their day): they are named in the log at start-up.
pub fn post_older_data(conn: &mut DbConn) -> Result<usize, ApiError> {
    let documents = crate::invoices::post_existing(conn)?;
    let movements = crate::inventory::movements::post_existing(conn)?;
    Ok(documents + movements)
}
