//! The connection pool. The backend is picked from the URL scheme, never by trial: a PostgreSQL
//! URL that cannot be reached is an error, not a new SQLite file named after it.

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::{ConnectionError, DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::DbConn;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

/// Per-connection SQLite settings. WAL itself is a property of the database file and is set once
/// in [`connect_pool`] before any pooled connection exists.
const SQLITE_CONNECTION_PRAGMAS: &str =
    "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// Process-wide SQLite settings, made once before the first connection opens (SQLite accepts them
/// only before it initialises; later calls change nothing and are harmless).
///
/// - Multi-thread mode instead of serialized: SQLite then takes no mutex on every call into a
///   connection. Safe here because a pooled connection is used by one thread at a time (Diesel's
///   connections are `&mut`), which is all that mode asks.
/// - No memory statistics: they put one process-wide mutex around every allocation SQLite makes,
///   which a `perf` profile of the authenticated GET showed among the hottest symbols.
fn configure_sqlite_once() {
    static CONFIGURE: std::sync::Once = std::sync::Once::new();
    CONFIGURE.call_once(|| {
        // SAFETY: sqlite3_config must not run while another thread calls into SQLite. Every
        // connection of this process opens through `establish`, which waits for this to finish
        // (the server's first one opens before any worker thread exists); the arguments have the
        // types SQLite's documentation gives for each option.
        let results = unsafe {
            [
                libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD),
                libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int),
            ]
        };
        if results.iter().any(|&code| code != libsqlite3_sys::SQLITE_OK) {
            log::warn!("SQLite was initialised before opsdesk configured it: {results:?}; running with its defaults");
        }
    });
}

/// Opens one connection of the backend the URL names.
pub fn establish(url: &str) -> Result<DbConn, ConnectionError> {
    match Backend::from_url(url) {
        Backend::Postgres => PgConnection::establish(url).map(DbConn::Pg),
        Backend::Sqlite => {
            configure_sqlite_once();
            let mut conn = SqliteConnection::establish(sqlite_path(url))?;
            conn.batch_execute(SQLITE_CONNECTION_PRAGMAS).map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

/// A pooled connection that remembers when it lost its server, so that the pool drops it instead
/// of handing a dead connection to the next request (checking every connection on checkout
/// would cost a round trip per request).
pub struct PooledDb {
    conn: DbConn,
    lost: bool,
}

pub struct Manager {
    url: String,
}

impl ManageConnection for Manager {
    type Connection = PooledDb;
    type Error = ConnectionError;

    fn connect(&self) -> Result<PooledDb, ConnectionError> {
        establish(&self.url).map(|conn| PooledDb { conn, lost: false })
    }

    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), ConnectionError> {
        pooled.conn.ping().map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        pooled.lost || pooled.conn.is_broken()
    }
}

#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// One permit per connection, handed out first come, first served. r2d2's own wait is not
    /// fair: under load some requests lost the race for a connection again and again (a p99 of
    /// seconds on PostgreSQL while the median stayed at 2 ms).
    turns: Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

fn is_connection_lost(error: &ApiError) -> bool {
    match error {
        ApiError::Database(DieselError::DatabaseError(kind, info)) => {
            matches!(kind, DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand)
                || info.message().contains("server closed the connection")
                || info.message().contains("terminating connection")
        }
        ApiError::Database(DieselError::BrokenTransactionManager) => true,
        _ => false,
    }
}

impl DbPool {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits, in arrival order, for a turn at a connection (503 past the pool timeout).
    pub async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        let busy =
            || ApiError::Unavailable { detail: "the database is busy; retry shortly".into(), retry_after_secs: 1 };
        tokio::time::timeout(self.wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())
    }

    /// Runs `f` on a pooled connection, on the calling (blocking) thread.
    pub fn with_connection<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut pooled = self.pool.get().map_err(|e| {
            log::warn!("no database connection: {e}");
            ApiError::Unavailable { detail: "the database is not reachable right now".into(), retry_after_secs: 2 }
        })?;
        match f(&mut pooled.conn) {
            Err(error) if is_connection_lost(&error) => {
                // The database went away under this connection (a restart, a failover): the pool
                // drops the connection and opens a new one for the next request.
                log::warn!("database connection lost: {error}");
                pooled.lost = true;
                Err(ApiError::Unavailable {
                    detail: "the database connection was lost; retry the request".into(),
                    retry_after_secs: 1,
                })
            }
            result => result,
        }
    }

    /// A quick round trip for the readiness probe, with its own short wait for a connection.
    pub fn ping(&self, timeout: Duration) -> bool {
        match self.pool.get_timeout(timeout) {
            Ok(mut pooled) => match pooled.conn.ping() {
                Ok(_) => true,
                Err(_) => {
                    pooled.lost = true;
                    false
                }
            },
            Err(_) => false,
        }
    }
}

/// Builds the pool. For SQLite, switches the file to WAL first (once, before any pooled
/// connection exists, because changing the journal mode needs exclusive access).
pub fn connect_pool(url: &str, size: u32, timeout: Duration) -> Result<DbPool, String> {
    let backend = Backend::from_url(url);
    if backend == Backend::Sqlite {
        let mut conn = establish(url).map_err(|e| format!("cannot open SQLite database {url:?}: {e}"))?;
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch SQLite database {url:?} to WAL: {e}"))?;
    }
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .test_on_check_out(false)
        .build(Manager { url: url.to_string() })
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    Ok(DbPool { pool, backend, turns: Arc::new(tokio::sync::Semaphore::new(size as usize)), wait: timeout })
}
