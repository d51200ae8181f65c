//! The cost book: one spine for every flow of money (see "The books" in DESIGN.md).
//!
//! Producers (time entries, stock movements, vendors' bills and credit notes, invoices) book what
//! an event cost or earned with [`post`] or, when a document changes, [`restate`], in their own
//! transaction. Readers (budget actuals and the exceed policy, ticket cost, customer
//! profitability, the department cost report) read [`sums`] and [`ticket_sums`], never the
//! producers' tables. The exceed policy is asked through [`guard`], which budgets register.

pub mod guard;
pub mod journal;
pub mod model;
pub mod permissions;
mod post;
pub mod rates;
pub(crate) mod read;
mod repo;
pub mod verify;

pub use model::{Dimension, Dimensions, Entry, Kind, Source};
pub use post::{base_amount_of, base_currency, post, post_older, restate, reverse, to_base_on};
pub use read::sums;
pub use repo::{desk_labour, DeskLabour, Measure, MonthSum};

use crate::db::DbConn;
use crate::error::ApiError;

/// A ticket's booked amounts by kind and currency: (kind, currency, amount).
pub fn ticket_sums(conn: &mut DbConn, ticket_id: i64) -> Result<Vec<(Kind, String, i64)>, ApiError> {
    Ok(repo::ticket_sums(conn, ticket_id)?
        .into_iter()
        .filter_map(|row| Some((Kind::from_stored(&row.kind)?, row.currency, row.amount)))
        .collect())
}

/// Where posting the history older than the general ledger has got to (`backfill`).
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryCursor {
    /// Which kind of record (documents, payments, movements).
    pub stage: usize,
    /// The last id of that kind posted.
    pub after: i64,
    pub batches: u64,
    /// Records that could not be posted so far (no exchange rate for their day).
    pub skipped: usize,
}

/// What one batch of the history left to do.
#[derive(Debug, Clone, Copy)]
pub enum HistoryStep {
    More(HistoryCursor),
    Done { skipped: usize },
}

/// Keeps the books in `base` (OPSDESK_BASE_CURRENCY): on the first start it is written down; on
/// later starts a different setting is refused, since every booked base amount is in the first.
/// Then, if the data older than the cost book is not booked yet, `backfill` books it (one
/// transaction with the state row locked: of several nodes starting at once, one books it and the
/// others wait and find it done).
///
/// Then, if the records older than the general ledger are not posted yet, `post_history` posts
/// them a batch per transaction, each holding the state row (which every posting reads under a
/// share lock, so nothing else posts meanwhile), until it reports them done, which is noted in the
/// last batch's transaction. Short transactions keep PostgreSQL from following ever longer chains
/// of row versions (the journal's counter and monthly balances change with every entry) and keep
/// the change feed moving; a node that stops midway, or a second node starting at once, posts the
/// history again from the start, and the batches already posted post nothing, since posting a
/// record as it already stands changes nothing.
pub fn open_books(
    conn: &mut DbConn,
    base: &str,
    backfill: impl FnOnce(&mut DbConn) -> Result<(), ApiError>,
    mut post_history: impl FnMut(&mut DbConn, HistoryCursor) -> Result<HistoryStep, ApiError>,
) -> Result<(), ApiError> {
    let journal_opened = crate::db::write_tx(conn, |conn| {
        repo::insert_state(conn, base)?;
        repo::lock_state(conn)?;
        let (kept, backfilled) = repo::state(conn)?.ok_or_else(|| ApiError::internal("ledger_state has no row"))?;
        if kept != base {
            return Err(ApiError::Internal(format!(
                "OPSDESK_BASE_CURRENCY is {base}, but the books are kept in {kept}: set it back to {kept} \
                 (a base currency cannot change once amounts are booked in it)"
            )));
        }
        if backfilled.is_none() {
            backfill(conn)?;
            repo::mark_backfilled(conn, crate::db::now())?;
        }
        Ok(repo::journal_opened(conn)?)
    })?;
    let mut cursor = HistoryCursor::default();
    let mut done = journal_opened;
    while !done {
        done = crate::db::write_tx(conn, |conn| -> Result<bool, ApiError> {
            repo::lock_state(conn)?;
            if repo::journal_opened(conn)? {
                return Ok(true);
            }
            match post_history(conn, cursor)? {
                HistoryStep::More(next) => {
                    cursor = next;
                    Ok(false)
                }
                HistoryStep::Done { skipped } => {
                    if skipped > 0 {
                        log::warn!(
                            "{skipped} records older than the general ledger were not posted to it: no exchange rate \
                             for their day; `opsdesk ledger verify` shows the difference"
                        );
                    }
                    repo::mark_journal_opened(conn, crate::db::now())?;
                    Ok(true)
                }
            }
        })?;
    }
    Ok(())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(rates::create).service(rates::list).service(rates::get).configure(journal::configure);
}
