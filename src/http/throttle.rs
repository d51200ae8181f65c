//! Fixed-window counters kept in the database, so that every node behind a load balancer sees
//! the same count (login throttling uses them per account and per client address).

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::{self, schema::throttle_counters, DbConn};

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// A counter's state: how many hits in the current window and when the window ends.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub hits: i64,
    pub resets_at: NaiveDateTime,
}

impl Count {
    pub fn retry_after_secs(&self, now: NaiveDateTime) -> u64 {
        (self.resets_at - now).num_seconds().max(1) as u64
    }
}

fn window_delta(window: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(window).unwrap_or(chrono::TimeDelta::minutes(15))
}

/// The counter's current window, if it has hits that have not expired.
pub fn current(conn: &mut DbConn, bucket: &str, window: Duration) -> QueryResult<Option<Count>> {
    let now = db::now();
    let row: Option<(NaiveDateTime, i64)> = throttle_counters::table
        .find(bucket)
        .select((throttle_counters::window_start, throttle_counters::hits))
        .first(conn)
        .optional()?;
    let delta = window_delta(window);
    Ok(row.filter(|(start, _)| *start + delta > now).map(|(start, hits)| Count { hits, resets_at: start + delta }))
}

/// Adds one hit, starting a new window when the old one has expired; returns the new count.
/// One statement, so concurrent hits on several nodes are all counted.
pub fn hit(conn: &mut DbConn, bucket: &str, window: Duration) -> QueryResult<i64> {
    let now = db::now();
    let expired_before = now - window_delta(window);
    const UPSERT: &str = "INSERT INTO throttle_counters (bucket, window_start, hits) VALUES (?, ?, 1) \
        ON CONFLICT (bucket) DO UPDATE SET \
        hits = CASE WHEN throttle_counters.window_start <= ? THEN 1 ELSE throttle_counters.hits + 1 END, \
        window_start = CASE WHEN throttle_counters.window_start <= ? THEN excluded.window_start \
                            ELSE throttle_counters.window_start END \
        RETURNING hits";
    let row: Hits = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(UPSERT)
            .bind::<Text, _>(bucket)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired_before)
            .bind::<Timestamp, _>(expired_before)
            .get_result(c)?,
        DbConn::Pg(c) => diesel::sql_query(db::numbered_placeholders(UPSERT))
            .bind::<Text, _>(bucket)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(expired_before)
            .bind::<Timestamp, _>(expired_before)
            .get_result(c)?,
    };
    Ok(row.hits)
}

pub fn clear(conn: &mut DbConn, bucket: &str) -> QueryResult<()> {
    diesel::delete(throttle_counters::table.find(bucket)).execute(conn).map(|_| ())
}
