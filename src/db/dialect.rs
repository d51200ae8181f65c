//! The few SQL fragments that differ between the backends, spelled once each: the date of a
//! timestamp, the year and month of a date, whole days and seconds between two values, and the
//! larger of two numbers. Hand-written statements (`super::sql`) build on these instead of matching
//! on the backend themselves.

use super::Backend;

/// The date of the timestamp expression `column`.
pub fn day_of(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST({column} AS DATE)"),
        Backend::Sqlite => format!("date({column})"),
    }
}

/// The year of a date expression, as a BIGINT.
pub fn year_of(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(EXTRACT(YEAR FROM {column}) AS BIGINT)"),
        Backend::Sqlite => format!("CAST(strftime('%Y', {column}) AS INTEGER)"),
    }
}

/// The month (1–12) of a date expression, as a BIGINT.
pub fn month_of(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(EXTRACT(MONTH FROM {column}) AS BIGINT)"),
        Backend::Sqlite => format!("CAST(strftime('%m', {column}) AS INTEGER)"),
    }
}

/// Whole days from the date expression `from` to the date expression `to` (either may be `?`).
pub fn days_between(backend: Backend, from: &str, to: &str) -> String {
    match backend {
        Backend::Postgres => format!("(CAST({to} AS DATE) - CAST({from} AS DATE))"),
        Backend::Sqlite => format!("CAST(julianday({to}) - julianday({from}) AS INTEGER)"),
    }
}

/// Whole seconds from the timestamp expression `from` to `to`.
pub fn seconds_between(backend: Backend, from: &str, to: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM ({to} - {from}))) AS BIGINT)"),
        Backend::Sqlite => format!("(unixepoch({to}) - unixepoch({from}))"),
    }
}

/// The larger of two numeric expressions.
pub fn greatest(backend: Backend, a: &str, b: &str) -> String {
    match backend {
        Backend::Postgres => format!("GREATEST({a}, {b})"),
        Backend::Sqlite => format!("MAX({a}, {b})"),
    }
}
