//! SQL of the desk report. Every query aggregates in the database except the durations behind
//! medians and percentiles, which are read as one small integer row per ticket of the period.
//! Hand-written where Diesel's DSL cannot group by an expression; the few expressions that differ
//! (seconds between two timestamps) are spelled per backend.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::db::sql::{load, Bind};
use crate::db::{dialect, DbConn};

/// `AND t.desk_id = ?` when the report is about one desk (with its bind).
fn desk_clause(desk_id: Option<i64>, binds: &mut Vec<Bind>) -> &'static str {
    match desk_id {
        Some(id) => {
            binds.push(Bind::BigInt(id));
            " AND desk_id = ?"
        }
        None => "",
    }
}

#[derive(QueryableByName, Debug)]
pub struct BacklogRow {
    #[diesel(sql_type = BigInt)]
    pub desk_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Index into the age buckets (0: under a day … 4: over 30 days).
    #[diesel(sql_type = BigInt)]
    pub bucket: i64,
    #[diesel(sql_type = BigInt)]
    pub tickets: i64,
}

/// Tickets in new, open or pending now, by desk, assignee, status and age. `bounds` are the
/// creation times that separate the age buckets, newest first.
pub fn backlog(conn: &mut DbConn, desk_id: Option<i64>, bounds: [NaiveDateTime; 4]) -> QueryResult<Vec<BacklogRow>> {
    let mut binds: Vec<Bind> = bounds.iter().map(|b| Bind::At(*b)).collect();
    let desk = desk_clause(desk_id, &mut binds);
    let sql = format!(
        "SELECT desk_id, assignee_id, status, \
           CAST(CASE WHEN created_at >= ? THEN 0 WHEN created_at >= ? THEN 1 WHEN created_at >= ? THEN 2 \
                     WHEN created_at >= ? THEN 3 ELSE 4 END AS BIGINT) AS bucket, \
           COUNT(*) AS tickets \
         FROM tickets WHERE status IN ('new', 'open', 'pending'){desk} \
         GROUP BY desk_id, assignee_id, status, bucket"
    );
    load(conn, &sql, &binds)
}

#[derive(QueryableByName, Debug)]
pub struct WeekRow {
    #[diesel(sql_type = BigInt)]
    pub desk_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    /// Weeks since the first week's Monday.
    #[diesel(sql_type = BigInt)]
    pub week: i64,
    #[diesel(sql_type = BigInt)]
    pub tickets: i64,
}

/// Tickets whose `column` (created_at or resolved_at) falls in [from, to), by desk, assignee and
/// week counted from `first_monday`.
pub fn per_week(
    conn: &mut DbConn,
    column: &'static str,
    desk_id: Option<i64>,
    first_monday: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<WeekRow>> {
    let week = format!("{} / 604800", dialect::seconds_between(conn.backend(), "?", column));
    let mut binds = vec![Bind::At(first_monday), Bind::At(from), Bind::At(to)];
    let desk = desk_clause(desk_id, &mut binds);
    let sql = format!(
        "SELECT desk_id, assignee_id, CAST({week} AS BIGINT) AS week, COUNT(*) AS tickets \
         FROM tickets WHERE {column} >= ? AND {column} < ?{desk} \
         GROUP BY desk_id, assignee_id, week"
    );
    load(conn, &sql, &binds)
}

#[derive(QueryableByName, Debug)]
pub struct DurationRow {
    #[diesel(sql_type = BigInt)]
    pub desk_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub seconds: i64,
    /// 1 when both SLA targets were met (resolutions only).
    #[diesel(sql_type = BigInt)]
    pub met: i64,
}

/// Seconds from creation to first response, for tickets first answered in [from, to).
pub fn first_responses(
    conn: &mut DbConn,
    desk_id: Option<i64>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<DurationRow>> {
    let seconds = dialect::seconds_between(conn.backend(), "created_at", "first_response_at");
    let mut binds = vec![Bind::At(from), Bind::At(to)];
    let desk = desk_clause(desk_id, &mut binds);
    let sql = format!(
        "SELECT desk_id, assignee_id, {seconds} AS seconds, CAST(1 AS BIGINT) AS met \
         FROM tickets WHERE first_response_at >= ? AND first_response_at < ?{desk}"
    );
    load(conn, &sql, &binds)
}

/// Seconds from creation to resolution, and whether both targets were met (the rule of
/// `workflow::Clocks`: the clocks are read where they stopped), for tickets resolved in
/// [from, to).
pub fn resolutions(
    conn: &mut DbConn,
    desk_id: Option<i64>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<DurationRow>> {
    let seconds = dialect::seconds_between(conn.backend(), "created_at", "resolved_at");
    let mut binds = vec![Bind::At(from), Bind::At(to)];
    let desk = desk_clause(desk_id, &mut binds);
    let sql = format!(
        "SELECT desk_id, assignee_id, {seconds} AS seconds, \
           CAST(CASE WHEN resolution_due_at >= COALESCE(clock_stopped_at, resolved_at) \
                      AND first_response_due_at >= COALESCE(first_response_at, clock_stopped_at, resolved_at) \
                     THEN 1 ELSE 0 END AS BIGINT) AS met \
         FROM tickets WHERE resolved_at >= ? AND resolved_at < ?{desk}"
    );
    load(conn, &sql, &binds)
}
