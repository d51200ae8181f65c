//! Booking the data written before the cost book existed, once, when the books are opened
//! (`ledger::open_books`, at start-up after the migrations). Each producer books its own records
//! with the same rules it books new events by, so an upgraded database and a new one hold the
//! same lines for the same history.

use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger::{HistoryCursor, HistoryStep};

pub fn book_older_data(conn: &mut DbConn) -> Result<(), ApiError> {
    crate::tickets::time_entries::book_existing(conn)?;
    crate::inventory::movements::book_existing(conn)?;
    crate::invoices::book_existing(conn)?;
    Ok(())
}

/// A stage of the history: posts the batch of its records after an id; None when none are left.
type Stage = fn(&mut DbConn, i64) -> Result<Option<(i64, usize)>, ApiError>;

/// The records written before the general ledger existed, in the order they are posted:
/// documents before their payments (which settle at the documents' rates), then stock movements.
const STAGES: [Stage; 3] = [
    crate::invoices::post_existing_documents,
    crate::invoices::post_existing_payments,
    crate::inventory::movements::post_existing,
];

/// Posts the next batch of the records older than the general ledger, from `cursor` on, so that
/// an upgraded installation's books open balanced (`ledger::open_books` calls it a transaction
/// at a time). Records that cannot be posted (no exchange rate for their day) are skipped and
/// counted.
pub fn post_older_data(conn: &mut DbConn, cursor: HistoryCursor) -> Result<HistoryStep, ApiError> {
    let mut at = cursor;
    while let Some(stage) = STAGES.get(at.stage) {
        if let Some((last, skipped)) = stage(conn, at.after)? {
            at.after = last;
            at.skipped += skipped;
            at.batches += 1;
            crate::ledger::journal::history_batch_done(conn, at.batches)?;
            return Ok(HistoryStep::More(at));
        }
        at.stage += 1;
        at.after = 0;
    }
    Ok(HistoryStep::Done { skipped: at.skipped })
}
