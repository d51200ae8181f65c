//! The time the service writes down. Every stored time (`db::now`) and every "today" (a default
//! issue date, "not in the future") comes from here, so that one setting moves them all.
//!
//! That setting exists for one caller: `opsdesk demo` runs the real API in-process with the clock
//! set back to the moments of its story (a ticket opened 40 days ago, answered 25 minutes later),
//! so that a demo company's history is written by the same code as real work, audit log and SLA
//! clocks included. A server never sets it. Access tokens keep the real time, which is what their
//! receivers check them against.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, Utc};

/// Microseconds added to the real time (0 but in `opsdesk demo`).
static OFFSET_MICROS: AtomicI64 = AtomicI64::new(0);

/// Now, as stored: UTC, truncated to microseconds so that both backends hold the same value and
/// an ETag or cursor computed before a write matches the row read after it.
pub fn now() -> NaiveDateTime {
    let offset = TimeDelta::microseconds(OFFSET_MICROS.load(Ordering::Relaxed));
    (Utc::now().naive_utc() + offset).trunc_subsecs(6)
}

/// Today (UTC).
pub fn today() -> NaiveDate {
    now().date()
}

/// Makes `at` the present from here on (time goes on from it). For `opsdesk demo` only.
pub fn set(at: NaiveDateTime) {
    let offset = (at - Utc::now().naive_utc()).num_microseconds().unwrap_or(0);
    OFFSET_MICROS.store(offset, Ordering::Relaxed);
}

/// Back to the real time.
pub fn reset() {
    OFFSET_MICROS.store(0, Ordering::Relaxed);
}
