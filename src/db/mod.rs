//! Database access: one Diesel code path over SQLite (embedded default) and PostgreSQL
//! (production), chosen by the URL scheme.
//!
//! Every query runs through [`run`] (a short read), [`run_heavy`] (a report, an export page),
//! [`run_write`] (a write transaction) or [`run_writing`] (writes without a transaction of their
//! own). Only short reads on SQLite run on the async worker; everything else runs on the
//! blocking thread pool.

pub mod bulk;
pub mod counters;
pub mod dialect;
pub mod migrations;
mod pool;
pub mod schema;
pub mod slow_query;
pub mod sql;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

use crate::error::ApiError;
pub use pool::{connect_pool, establish, Backend, DbPool, PoolStats};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The current time as stored (`crate::clock`): UTC, truncated to microseconds so that both
/// backends hold the same value and an ETag or cursor computed before a write matches the row
/// read after it.
pub fn now() -> NaiveDateTime {
    crate::clock::now()
}

/// A write transaction. On SQLite it begins IMMEDIATE, taking the write lock up front: a deferred
/// transaction that reads and then writes fails with SQLITE_BUSY at once, whatever the busy
/// timeout, when another writer got in between.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(sqlite) => AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?,
        DbConn::Pg(pg) => AnsiTransactionManager::begin_transaction(pg)?,
    }
    type Manager = <DbConn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// A check that must pass on a request's first trip to the database, before anything else runs
/// there. The signed-in user's standing is re-checked this way (`auth::principal`): one trip per
/// request instead of one for the check and another for the work.
type Check = dyn Fn(&mut DbConn) -> Result<(), ApiError> + Send + Sync;

#[derive(Clone)]
pub struct FirstTrip {
    check: Arc<Check>,
    done: Arc<AtomicBool>,
}

impl FirstTrip {
    pub fn new(check: impl Fn(&mut DbConn) -> Result<(), ApiError> + Send + Sync + 'static) -> FirstTrip {
        FirstTrip { check: Arc::new(check), done: Arc::new(AtomicBool::new(false)) }
    }

    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Runs the check unless it already passed.
    pub fn run(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        if !self.is_done() {
            (self.check)(conn)?;
            self.done.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Runs `request` with this check pending on its first database trip.
    pub async fn around<R>(&self, request: impl std::future::Future<Output = R>) -> R {
        FIRST_TRIP.scope(self.clone(), request).await
    }
}

tokio::task_local! {
    static FIRST_TRIP: FirstTrip;
}

/// Runs `f`, a short read, on a pooled connection (after the request's first-trip check, if one
/// is pending).
///
/// On SQLite it runs right here, on the async worker: SQLite answers a short read in
/// microseconds, less than the two thread switches of a hop to the blocking pool and back, which
/// a profile of the authenticated GET showed as ~40 % of its time. Reads in WAL mode never wait
/// for a lock, so the worker is not held by anyone else's work. Reads that may take long (reports,
/// exports, statements) go through [`run_heavy`]; writes through [`run_write`] / [`run_writing`].
/// On PostgreSQL every call goes to the blocking pool: the worker would sit idle during the round
/// trip to the server.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    match pool.backend() {
        Backend::Sqlite => run_here(pool, f).await,
        Backend::Postgres => run_blocking(pool, f).await,
    }
}

/// Runs `f`, a read that may take long (a report, a page of an export, a statement), on the
/// blocking thread pool, so that it holds no async worker whatever the backend.
pub async fn run_heavy<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    run_blocking(pool, f).await
}

fn pending_first_trip() -> Option<FirstTrip> {
    FIRST_TRIP.try_with(|trip| trip.clone()).ok().filter(|trip| !trip.is_done())
}

async fn run_here<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    let first_trip = pending_first_trip();
    let turn = pool.turn().await?;
    let result = with_first_trip(pool, first_trip, f);
    drop(turn);
    result
}

/// `f` on a pooled connection, after the caller's first trip if it still has one to make.
fn with_first_trip<T, F>(pool: &DbPool, first_trip: Option<FirstTrip>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    pool.with_connection(|conn| {
        if let Some(trip) = &first_trip {
            trip.run(conn)?;
        }
        f(conn)
    })
}

async fn run_blocking<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let first_trip = pending_first_trip();
    let turn = pool.turn().await?;
    let pool = pool.clone();
    let request_id = crate::log_context::current();
    let result = actix_web::web::block(move || {
        crate::log_context::on_this_thread(request_id, || with_first_trip(&pool, first_trip, f))
    })
    .await
    .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?;
    drop(turn);
    result
}

/// Runs `f` inside one write transaction: every row it changes, and the audit events it records,
/// commit together or not at all.
pub async fn run_write<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    run_writing(pool, move |conn| write_tx(conn, f)).await
}

/// Runs `f`, which writes without a transaction of its own (single statements, or a statement
/// whose failure it handles, which inside a PostgreSQL transaction would abort it). On SQLite it
/// first queues in the pool's write lane, as every write does, so that writers take SQLite's one
/// write lock in the order they arrived.
pub async fn run_writing<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let lane = pool.write_lane().await?;
    let result = run_blocking(pool, f).await;
    drop(lane);
    result
}

diesel::define_sql_function!(
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// A `LIKE … ESCAPE '\\'` pattern matching `needle` anywhere, lower-cased, with `%`, `_` and `\\`
/// taken literally.
pub fn contains_pattern(needle: &str) -> String {
    format!("%{}%", needle.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// `text` as a search argument, or None when it contains NUL, which PostgreSQL text cannot hold
/// and so no stored value can match (the caller answers "no match" without asking).
pub fn searchable(text: &str) -> Option<&str> {
    (!text.contains('\0')).then_some(text)
}

/// True when `error` is a database unique-constraint violation (used where a repository turns a
/// race into a precise 409 or a retry).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

pub fn is_foreign_key_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _))
}

/// Rewrites `?` placeholders as PostgreSQL's `$1, $2, …`, so that a hand-written statement (used
/// only where Diesel's DSL cannot go through the multi-backend connection) is written once.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_placeholders_in_order() {
        assert_eq!(super::numbered_placeholders("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}
