//! The slow-query log: every pooled connection times its statements, and one that ran longer
//! than `OPSDESK_SLOW_QUERY_MS` is logged (target `opsdesk::slow_query`, with the request id when
//! it ran for a request) and counted for `/metrics`. The line carries the SQL, never the bound
//! parameters, which may be personal data or secrets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// How many statements ran past the threshold, since the pool was built.
#[derive(Default)]
pub struct SlowQueries {
    pub count: AtomicU64,
}

/// One connection's timer.
pub struct Timer {
    threshold: Duration,
    seen: Arc<SlowQueries>,
    started: Option<Instant>,
}

impl Timer {
    pub fn new(threshold: Duration, seen: Arc<SlowQueries>) -> Timer {
        Timer { threshold, seen, started: None }
    }
}

/// The statement's SQL without Diesel's ` -- binds: [...]` suffix.
fn without_binds(statement: &str) -> &str {
    statement.split_once(" -- binds: ").map_or(statement, |(sql, _)| sql)
}

impl Instrumentation for Timer {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let Some(started) = self.started.take() else { return };
                let took = started.elapsed();
                if took >= self.threshold {
                    self.seen.count.fetch_add(1, Ordering::Relaxed);
                    let statement = query.to_string();
                    log::warn!(
                        target: "opsdesk::slow_query",
                        ms = took.as_secs_f64() * 1000.0;
                        "slow query ({:.1} ms): {}",
                        took.as_secs_f64() * 1000.0,
                        without_binds(&statement)
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logged_statement_leaves_out_its_parameters() {
        assert_eq!(without_binds("SELECT 1 WHERE a = $1 -- binds: [\"secret\"]"), "SELECT 1 WHERE a = $1");
        assert_eq!(without_binds("BEGIN"), "BEGIN");
    }
}
