//! The few SQL fragments that differ between the backends, spelled once each: the date of a
//! timestamp, the year and month of a date and its month's first day, whole days and seconds between two values, the
//! larger of two numbers and text search. Hand-written statements (`super::sql`) and repositories
//! build on these instead of matching on the backend themselves.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use super::{contains_pattern, Backend, MultiBackend};

/// A searchable text: the lower-cased expression a trigram index is built on, and the row key
/// with the SQLite FTS5 trigram table that mirrors it (see the 000003 migration).
pub struct SearchText {
    /// e.g. `lower(tickets.subject || ' ' || tickets.description)`, exactly as indexed, so that
    /// PostgreSQL's trigram index recognises it.
    pub expression: &'static str,
    /// e.g. `tickets.id`: the rowid of the FTS5 table.
    pub key: &'static str,
    /// e.g. `tickets_search`.
    pub fts_table: &'static str,
}

/// The condition "the text contains `needle`" (case-insensitive), served by the trigram index on
/// both backends: PostgreSQL's GIN index answers `LIKE '%…%'` on the indexed expression; SQLite's
/// FTS5 trigram table answers a phrase query for needles of three characters or more, and shorter
/// needles scan the expression.
pub fn text_contains<Table: 'static>(
    backend: Backend,
    text: &SearchText,
    needle: &str,
) -> Box<dyn BoxableExpression<Table, MultiBackend, SqlType = Bool>> {
    let needle = needle.to_lowercase();
    match backend {
        Backend::Sqlite if needle.chars().count() >= 3 => Box::new(
            sql::<Bool>(&format!(
                "{} IN (SELECT rowid FROM {} WHERE {} MATCH ",
                text.key, text.fts_table, text.fts_table
            ))
            .bind::<Text, _>(format!("\"{}\"", needle.replace('"', "\"\"")))
            .sql(")"),
        ),
        Backend::Postgres | Backend::Sqlite => Box::new(
            sql::<Bool>(&format!("{} LIKE ", text.expression))
                .bind::<Text, _>(contains_pattern(&needle))
                .sql(" ESCAPE '\\'"),
        ),
    }
}

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

/// The first day of the month of a date expression, as a date (the key of monthly rollups such
/// as `stock_month_totals`).
pub fn month_start(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(date_trunc('month', {column}) AS DATE)"),
        Backend::Sqlite => format!("date({column}, 'start of month')"),
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
