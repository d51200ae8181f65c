//! All SQL of the audit log and the change feed.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde_json::Value;

use super::Actor;
use crate::db::{self, schema::audit_events, Backend, DbConn};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EventRow {
    pub id: i64,
    pub tx_seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: i64,
    pub changes: String,
    pub request_id: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: i64,
    changes: &Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(db::now()),
            audit_events::actor_user_id.eq(actor.user_id),
            audit_events::actor.eq(&actor.label),
            audit_events::action.eq(action),
            audit_events::entity_type.eq(entity_type),
            audit_events::entity_id.eq(entity_id),
            audit_events::changes.eq(changes.to_string()),
            audit_events::request_id.eq(&actor.request_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The feed position of an event: (tx_seq, id).
pub type FeedPosition = (i64, i64);

/// Events after `after`, in feed order. On PostgreSQL only events of transactions older than
/// every running transaction are visible (`tx_seq < xmin`): an event that commits late is never
/// skipped by a reader that already moved past its id. SQLite has a single writer, so its ids
/// commit in order.
pub fn feed(conn: &mut DbConn, after: FeedPosition, limit: i64) -> QueryResult<Vec<EventRow>> {
    let (seq, id) = after;
    let mut query = audit_events::table
        .select(EventRow::as_select())
        .filter(audit_events::tx_seq.gt(seq).or(audit_events::tx_seq.eq(seq).and(audit_events::id.gt(id))))
        .order((audit_events::tx_seq.asc(), audit_events::id.asc()))
        .limit(limit)
        .into_boxed();
    if conn.backend() == Backend::Postgres {
        query = query.filter(sql::<Bool>("tx_seq < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"));
    }
    query.load(conn)
}

/// The position a reader starting now begins after: it sees every event committed from now on.
/// On PostgreSQL that is just before the oldest transaction still running (whose events may
/// commit after this moment); on SQLite, the last event written.
pub fn feed_end(conn: &mut DbConn) -> QueryResult<FeedPosition> {
    if conn.backend() == Backend::Postgres {
        let oldest_running: i64 =
            diesel::select(sql::<BigInt>("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).get_result(conn)?;
        return Ok((oldest_running - 1, i64::MAX));
    }
    let last: Option<(i64, i64)> = audit_events::table
        .order((audit_events::tx_seq.desc(), audit_events::id.desc()))
        .select((audit_events::tx_seq, audit_events::id))
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or((i64::MIN, 0)))
}

#[derive(Debug, Default)]
pub struct EventFilter {
    pub actor_user_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// The audit log, newest first, paged by id.
pub fn list(conn: &mut DbConn, filter: &EventFilter, before_id: Option<i64>, limit: i64) -> QueryResult<Vec<EventRow>> {
    let searchable = |text: &Option<String>| text.as_deref().is_none_or(|t| db::searchable(t).is_some());
    if !searchable(&filter.entity_type) || !searchable(&filter.action) {
        return Ok(Vec::new());
    }
    let mut query = audit_events::table.select(EventRow::as_select()).into_boxed();
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_events::actor_user_id.eq(actor));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(entity_id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(before) = before_id {
        query = query.filter(audit_events::id.lt(before));
    }
    query.order(audit_events::id.desc()).limit(limit + 1).load(conn)
}

/// One entity's events, oldest first, paged by id.
pub fn history(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: i64,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    audit_events::table
        .select(EventRow::as_select())
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::entity_id.eq(entity_id))
        .filter(audit_events::id.gt(after_id.unwrap_or(0)))
        .order(audit_events::id.asc())
        .limit(limit + 1)
        .load(conn)
}
