//! Fixed-window counters kept in the database, so that every node behind a load balancer sees
//! the same count. Sign-in uses them per account and client address, per address, per account
//! (its failures, for the slow-down), for the account's turns while slowed down, and to remember
//! the addresses an account signed in from.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::sql::{self, Bind};
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
    let binds = [Bind::Text(bucket.to_string()), Bind::At(now), Bind::At(expired_before), Bind::At(expired_before)];
    let rows: Vec<Hits> = sql::load(conn, UPSERT, &binds)?;
    rows.first().map(|row| row.hits).ok_or(diesel::result::Error::NotFound)
}

pub fn clear(conn: &mut DbConn, bucket: &str) -> QueryResult<()> {
    diesel::delete(throttle_counters::table.find(bucket)).execute(conn).map(|_| ())
}

/// Takes back one hit (an attempt counted up front that turned out to be fine).
pub fn give_back(conn: &mut DbConn, bucket: &str) -> QueryResult<()> {
    diesel::update(throttle_counters::table.find(bucket).filter(throttle_counters::hits.gt(0)))
        .set(throttle_counters::hits.eq(throttle_counters::hits - 1))
        .execute(conn)
        .map(|_| ())
}

/// Takes the bucket's next turn if at least `interval` passed since the last one was taken: one
/// statement, so of parallel callers on any number of nodes one gets each turn. False: wait.
pub fn take_turn(conn: &mut DbConn, bucket: &str, interval: Duration) -> QueryResult<bool> {
    let now = db::now();
    let last_allowed = now - window_delta(interval);
    const TURN: &str = "INSERT INTO throttle_counters (bucket, window_start, hits) VALUES (?, ?, 1) \
        ON CONFLICT (bucket) DO UPDATE SET window_start = excluded.window_start, hits = throttle_counters.hits + 1 \
        WHERE throttle_counters.window_start <= ?";
    let binds = [Bind::Text(bucket.to_string()), Bind::At(now), Bind::At(last_allowed)];
    Ok(sql::execute(conn, TURN, &binds)? == 1)
}

/// Marks the bucket as seen now (a sign-in that succeeded from an address); `current` with a
/// window tells whether it was seen within it.
pub fn mark(conn: &mut DbConn, bucket: &str) -> QueryResult<()> {
    const MARK: &str = "INSERT INTO throttle_counters (bucket, window_start, hits) VALUES (?, ?, 1) \
        ON CONFLICT (bucket) DO UPDATE SET window_start = excluded.window_start";
    sql::execute(conn, MARK, &[Bind::Text(bucket.to_string()), Bind::At(db::now())]).map(|_| ())
}
