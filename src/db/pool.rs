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

/// Per-session PostgreSQL settings. JIT compilation off: the app's queries are short or read
/// rollups, and JIT's compile time was most of the receivables aging query at 100k invoices
/// (370 ms, bench/RESULTS.md) where the plan itself took a few milliseconds.
const POSTGRES_SESSION_SETTINGS: &str = "SET jit = off;";

/// Process-wide SQLite settings, made once before the first connection opens (SQLite accepts them
/// only before it initialises; later calls change nothing and are harmless).
///
/// - Multi-thread mode instead of serialized: SQLite then takes no mutex on every call into a
///   connection. Safe here because a pooled connection is used by one thread at a time (Diesel's
///   connections are `&mut`), which is all that mode asks.
/// - No memory statistics: they put one process-wide mutex around every allocation SQLite makes,
///   which a `perf` profile of the authenticated GET showed among the hottest symbols.
/// - Every connection gets the query planner stability guarantee ([`stable_plans`]).
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
        // SAFETY: registers a function with the signature SQLite calls an extension's entry with.
        if unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(stable_plans)) } != libsqlite3_sys::SQLITE_OK {
            log::warn!("SQLite refused the query planner stability setting; statements may be prepared again");
        }
    });
}

/// Run by SQLite for every connection it opens (an auto-extension): turns on the query planner
/// stability guarantee, so that a statement keeps one plan whatever values are bound to it.
/// Without it SQLite marks a statement whose plan could depend on a bound value — any `LIMIT ?`,
/// which is how Diesel writes `.first()` — and prepares it again at every execution: the
/// prepared-statement cache saved nothing, and SQLite's parser was ~8 % of an authenticated GET.
unsafe extern "C" fn stable_plans(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::os::raw::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::os::raw::c_int {
    // SAFETY: `db` is the connection SQLite is opening; the option takes an int and an int*
    // (which may be null).
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::os::raw::c_int,
            std::ptr::null_mut::<std::os::raw::c_int>(),
        )
    }
}

/// Opens one connection of the backend the URL names.
pub fn establish(url: &str) -> Result<DbConn, ConnectionError> {
    match Backend::from_url(url) {
        Backend::Postgres => {
            // libpq's TLS is OpenSSL's. Initialised here first, with OPENSSL_INIT_NO_ATEXIT (what
            // openssl_sys::init asks for), OpenSSL registers no clean-up to run at exit: that
            // clean-up freed OpenSSL's tables while a pool thread was still in a TLS handshake
            // (r2d2 topping up its idle connections) and the process died with SIGSEGV after its
            // work was done (`opsdesk demo` run twice, test binaries).
            openssl_sys::init();
            let mut conn = PgConnection::establish(url)?;
            conn.batch_execute(POSTGRES_SESSION_SETTINGS).map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConn::Pg(conn))
        }
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
    slow_query: Option<Duration>,
    slow_queries: Arc<super::slow_query::SlowQueries>,
}

impl ManageConnection for Manager {
    type Connection = PooledDb;
    type Error = ConnectionError;

    fn connect(&self) -> Result<PooledDb, ConnectionError> {
        let mut conn = establish(&self.url)?;
        if let Some(threshold) = self.slow_query {
            let timer = super::slow_query::Timer::new(threshold, self.slow_queries.clone());
            match &mut conn {
                DbConn::Pg(pg) => pg.set_instrumentation(timer),
                DbConn::Sqlite(sqlite) => sqlite.set_instrumentation(timer),
            }
        }
        Ok(PooledDb { conn, lost: false })
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
    /// SQLite only: the one lane its writes queue in, in arrival order (a tokio mutex is FIFO).
    /// SQLite lets one writer in at a time; left to its busy handler, waiting writers slept and
    /// retried, and under 16 parallel writers some lost the race for half a second (p99 of
    /// 470–630 ms). Taken before a connection turn, so queued writers hold no connection that a
    /// reader could use.
    write_lane: Option<Arc<tokio::sync::Mutex<()>>>,
    pub(crate) stats: Arc<PoolStats>,
}

/// What the pool has seen, for `/metrics`.
#[derive(Default)]
pub struct PoolStats {
    /// Requests waiting for a connection turn right now.
    pub waiting: std::sync::atomic::AtomicI64,
    /// Waits for a turn that ran past the pool timeout (answered 503).
    pub timeouts: std::sync::atomic::AtomicU64,
    /// Total time spent waiting for a turn, in microseconds, and how many waits.
    pub wait_micros: std::sync::atomic::AtomicU64,
    pub waits: std::sync::atomic::AtomicU64,
    /// Writers queued in the SQLite write lane right now, and the lane's total wait.
    pub lane_waiting: std::sync::atomic::AtomicI64,
    pub lane_wait_micros: std::sync::atomic::AtomicU64,
    pub lane_waits: std::sync::atomic::AtomicU64,
    pub slow_queries: Arc<super::slow_query::SlowQueries>,
}

/// Counts a waiter in `gauge` for as long as it lives.
struct Waiting<'a>(&'a std::sync::atomic::AtomicI64);

impl<'a> Waiting<'a> {
    fn new(gauge: &'a std::sync::atomic::AtomicI64) -> Waiting<'a> {
        gauge.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Waiting(gauge)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn add_elapsed(total: &std::sync::atomic::AtomicU64, count: &std::sync::atomic::AtomicU64, since: std::time::Instant) {
    use std::sync::atomic::Ordering::Relaxed;
    total.fetch_add(since.elapsed().as_micros() as u64, Relaxed);
    count.fetch_add(1, Relaxed);
}

fn database_busy() -> ApiError {
    ApiError::Unavailable { detail: "the database is busy; retry shortly".into(), retry_after_secs: 1 }
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
        if let Ok(permit) = self.turns.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let turn = async { self.turns.clone().acquire_owned().await.ok() };
        self.queue(turn, &self.stats.waiting, &self.stats.wait_micros, &self.stats.waits).await
    }

    /// On SQLite, waits in arrival order for the write lane (503 past the pool timeout); None on
    /// PostgreSQL, where writers do not exclude each other.
    pub async fn write_lane(&self) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>, ApiError> {
        let Some(lane) = &self.write_lane else { return Ok(None) };
        if let Ok(guard) = lane.clone().try_lock_owned() {
            return Ok(Some(guard));
        }
        let guard = async { Some(lane.clone().lock_owned().await) };
        let stats = &self.stats;
        self.queue(guard, &stats.lane_waiting, &stats.lane_wait_micros, &stats.lane_waits).await.map(Some)
    }

    /// Waits at most the pool timeout for `acquire`, counted in `gauge` while it waits and in
    /// `total_micros` / `waits` once it is done; past the timeout a timeout is counted and the
    /// answer is 503.
    async fn queue<T>(
        &self,
        acquire: impl std::future::Future<Output = Option<T>>,
        gauge: &std::sync::atomic::AtomicI64,
        total_micros: &std::sync::atomic::AtomicU64,
        waits: &std::sync::atomic::AtomicU64,
    ) -> Result<T, ApiError> {
        let started = std::time::Instant::now();
        let waiting = Waiting::new(gauge);
        let acquired = tokio::time::timeout(self.wait, acquire).await.ok().flatten();
        drop(waiting);
        add_elapsed(total_micros, waits, started);
        acquired.ok_or_else(|| {
            self.stats.timeouts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            database_busy()
        })
    }

    /// Connections: (the pool's maximum, turns handed out right now).
    pub fn usage(&self) -> (u32, u32) {
        let size = self.pool.max_size();
        (size, size.saturating_sub(self.turns.available_permits() as u32))
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
pub fn connect_pool(url: &str, size: u32, timeout: Duration, slow_query: Option<Duration>) -> Result<DbPool, String> {
    let backend = Backend::from_url(url);
    if backend == Backend::Sqlite {
        let mut conn = establish(url).map_err(|e| format!("cannot open SQLite database {url:?}: {e}"))?;
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch SQLite database {url:?} to WAL: {e}"))?;
    }
    let stats = Arc::new(PoolStats::default());
    let manager = Manager { url: url.to_string(), slow_query, slow_queries: stats.slow_queries.clone() };
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .test_on_check_out(false)
        .build(manager)
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    Ok(DbPool {
        pool,
        backend,
        turns: Arc::new(tokio::sync::Semaphore::new(size as usize)),
        wait: timeout,
        write_lane: (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))),
        stats,
    })
}
