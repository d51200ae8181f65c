//! The webhooks' SQL: subscriptions, the delivery queue with its leases, and the attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AttemptRow, DeliveryRow, SubscriptionRow, FAILED, PENDING, SUCCEEDED};
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::db::sql::{self, Bind};
use crate::db::{self, Backend, DbConn};

pub struct NewSubscription<'a> {
    pub owner_user_id: i64,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a str,
    pub secret: &'a str,
    /// The change-feed position it starts after: events from its creation on are delivered.
    pub feed: (i64, i64),
}

pub fn insert(conn: &mut DbConn, new: &NewSubscription) -> QueryResult<SubscriptionRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::owner_user_id.eq(new.owner_user_id),
            webhook_subscriptions::url.eq(new.url),
            webhook_subscriptions::description.eq(new.description),
            webhook_subscriptions::event_types.eq(new.event_types),
            webhook_subscriptions::secret.eq(new.secret),
            webhook_subscriptions::feed_seq.eq(new.feed.0),
            webhook_subscriptions::feed_id.eq(new.feed.1),
            webhook_subscriptions::created_at.eq(now),
            webhook_subscriptions::updated_at.eq(now),
        ))
        .returning(webhook_subscriptions::id)
        .get_result(conn)?;
    webhook_subscriptions::table.find(id).select(SubscriptionRow::as_select()).first(conn)
}

pub fn find_optional(conn: &mut DbConn, id: i64) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table.find(id).select(SubscriptionRow::as_select()).first(conn).optional()
}

pub fn list(
    conn: &mut DbConn,
    owner: Option<i64>,
    updated_since: Option<NaiveDateTime>,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<SubscriptionRow>> {
    let mut query = webhook_subscriptions::table.select(SubscriptionRow::as_select()).into_boxed();
    if let Some(owner) = owner {
        query = query.filter(webhook_subscriptions::owner_user_id.eq(owner));
    }
    if let Some(since) = updated_since {
        query = query.filter(webhook_subscriptions::updated_at.ge(since));
    }
    if let Some(after) = after_id {
        query = query.filter(webhook_subscriptions::id.gt(after));
    }
    query.order(webhook_subscriptions::id.asc()).limit(limit + 1).load(conn)
}

/// What a PATCH changes (None: unchanged).
pub struct Changes<'a> {
    pub url: Option<&'a str>,
    pub description: Option<&'a str>,
    pub event_types: Option<&'a str>,
    /// Some(true) also clears the failure count and the disabled state.
    pub active: Option<bool>,
}

pub fn update(conn: &mut DbConn, row: &SubscriptionRow, changes: &Changes) -> QueryResult<bool> {
    let reenabled = changes.active == Some(true);
    let updated = diesel::update(
        webhook_subscriptions::table.find(row.id).filter(webhook_subscriptions::version.eq(row.version)),
    )
    .set((
        webhook_subscriptions::url.eq(changes.url.unwrap_or(&row.url)),
        webhook_subscriptions::description.eq(changes.description.unwrap_or(&row.description)),
        webhook_subscriptions::event_types.eq(changes.event_types.unwrap_or(&row.event_types)),
        webhook_subscriptions::active.eq(changes.active.unwrap_or(row.active)),
        webhook_subscriptions::consecutive_failures.eq(if reenabled { 0 } else { row.consecutive_failures }),
        webhook_subscriptions::failing_since.eq(if reenabled { None } else { row.failing_since }),
        webhook_subscriptions::disabled_at.eq(if reenabled { None } else { row.disabled_at }),
        webhook_subscriptions::disabled_reason.eq(if reenabled { None } else { row.disabled_reason.clone() }),
        webhook_subscriptions::updated_at.eq(db::now()),
        webhook_subscriptions::version.eq(row.version + 1),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn rotate(
    conn: &mut DbConn,
    row: &SubscriptionRow,
    secret: &str,
    previous_until: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        webhook_subscriptions::table.find(row.id).filter(webhook_subscriptions::version.eq(row.version)),
    )
    .set((
        webhook_subscriptions::secret.eq(secret),
        webhook_subscriptions::previous_secret.eq(Some(&row.secret)),
        webhook_subscriptions::previous_secret_until.eq(Some(previous_until)),
        webhook_subscriptions::updated_at.eq(db::now()),
        webhook_subscriptions::version.eq(row.version + 1),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)
}

/// Deliveries waiting to be sent (due now or retrying later), for `/metrics`.
pub fn queue_depth(conn: &mut DbConn) -> QueryResult<i64> {
    webhook_deliveries::table.filter(webhook_deliveries::status.eq(PENDING)).count().get_result(conn)
}

pub fn any_active(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(webhook_subscriptions::table.filter(webhook_subscriptions::active.eq(true))))
        .get_result(conn)
}

pub fn active_subscriptions(conn: &mut DbConn) -> QueryResult<Vec<SubscriptionRow>> {
    webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .order(webhook_subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)
}

/// Moves a subscription's feed position forward, if no other node moved it first; false when one
/// did (its events are queued by that node).
pub fn advance(conn: &mut DbConn, row: &SubscriptionRow, to: (i64, i64)) -> QueryResult<bool> {
    let updated = diesel::update(
        webhook_subscriptions::table
            .find(row.id)
            .filter(webhook_subscriptions::feed_seq.eq(row.feed_seq))
            .filter(webhook_subscriptions::feed_id.eq(row.feed_id)),
    )
    .set((webhook_subscriptions::feed_seq.eq(to.0), webhook_subscriptions::feed_id.eq(to.1)))
    .execute(conn)?;
    Ok(updated == 1)
}

pub struct NewDelivery<'a> {
    pub subscription_id: i64,
    pub event_id: Option<i64>,
    pub event_cursor: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
}

/// Queues a delivery, due now; an event already queued for the subscription is not queued twice.
/// Returns the new delivery's id (None when it was queued already).
pub fn enqueue(conn: &mut DbConn, new: &NewDelivery) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let now = db::now();
    let rows: Vec<Id> = sql::load(
        conn,
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_cursor, event_type, payload, status, \
         next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING id",
        &[
            Bind::BigInt(new.subscription_id),
            Bind::MaybeBigInt(new.event_id),
            Bind::Text(new.event_cursor.to_string()),
            Bind::Text(new.event_type.to_string()),
            Bind::Text(new.payload.to_string()),
            Bind::Text(PENDING.to_string()),
            Bind::At(now),
            Bind::At(now),
            Bind::At(now),
        ],
    )?;
    Ok(rows.first().map(|r| r.id))
}

/// Leases up to `limit` due deliveries of active subscriptions to `node` until `lease_until`:
/// pending, due, and not leased by a node whose lease still runs. On PostgreSQL the rows are
/// picked with SKIP LOCKED, so nodes claiming at once take different deliveries; SQLite has one
/// writer. Returns the deliveries with their subscriptions.
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, SubscriptionRow)>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let lock = if conn.backend() == Backend::Postgres { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    let due = format!(
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id \
         WHERE d.status = ? AND d.next_attempt_at <= ? AND s.active AND (d.lease_until IS NULL OR d.lease_until < ?) \
         ORDER BY d.next_attempt_at, d.id LIMIT ?{lock}"
    );
    let ids: Vec<Id> =
        sql::load(conn, &due, &[Bind::Text(PENDING.into()), Bind::At(now), Bind::At(now), Bind::BigInt(limit)])?;
    let ids: Vec<i64> = ids.into_iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set((webhook_deliveries::lease_owner.eq(node), webhook_deliveries::lease_until.eq(lease_until)))
        .execute(conn)?;
    webhook_deliveries::table
        .inner_join(webhook_subscriptions::table.on(webhook_subscriptions::id.eq(webhook_deliveries::subscription_id)))
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id.asc())
        .select((DeliveryRow::as_select(), SubscriptionRow::as_select()))
        .load(conn)
}

/// The delivery, if `node` still holds its lease (locked on PostgreSQL until the transaction
/// ends, so the lease cannot pass to another node meanwhile).
pub fn leased(conn: &mut DbConn, id: i64, node: &str) -> QueryResult<Option<DeliveryRow>> {
    let mine = webhook_deliveries::id.eq(id).and(webhook_deliveries::lease_owner.eq(node));
    match conn {
        DbConn::Pg(pg) => {
            webhook_deliveries::table.filter(mine).select(DeliveryRow::as_select()).for_update().first(pg).optional()
        }
        DbConn::Sqlite(sqlite) => {
            webhook_deliveries::table.filter(mine).select(DeliveryRow::as_select()).first(sqlite).optional()
        }
    }
}

pub struct AttemptRecord<'a> {
    pub delivery_id: i64,
    pub attempt: i32,
    pub node: &'a str,
    pub started_at: NaiveDateTime,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub outcome: &'a str,
}

/// Writes an attempt and the delivery's new state: `next_attempt_at` when it is tried again
/// (status stays pending), else succeeded or failed; the lease is released.
pub fn record_attempt(conn: &mut DbConn, a: &AttemptRecord, next_attempt_at: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(a.delivery_id),
            webhook_attempts::attempt.eq(a.attempt),
            webhook_attempts::node.eq(a.node),
            webhook_attempts::started_at.eq(a.started_at),
            webhook_attempts::duration_ms.eq(a.duration_ms),
            webhook_attempts::status_code.eq(a.status_code),
            webhook_attempts::error.eq(a.error),
            webhook_attempts::outcome.eq(a.outcome),
        ))
        .execute(conn)?;
    let status = match (a.outcome, next_attempt_at) {
        (SUCCEEDED, _) => SUCCEEDED,
        (_, Some(_)) => PENDING,
        _ => FAILED,
    };
    let now = db::now();
    diesel::update(webhook_deliveries::table.find(a.delivery_id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(a.attempt),
            webhook_deliveries::next_attempt_at.eq(next_attempt_at.unwrap_or(now)),
            webhook_deliveries::lease_owner.eq(None::<String>),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_status_code.eq(a.status_code),
            webhook_deliveries::last_error.eq(a.error),
            webhook_deliveries::last_duration_ms.eq(Some(a.duration_ms)),
            webhook_deliveries::last_attempt_at.eq(Some(a.started_at)),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// After a success: the failure count starts again.
pub fn clear_failures(conn: &mut DbConn, subscription_id: i64) -> QueryResult<()> {
    diesel::update(
        webhook_subscriptions::table.find(subscription_id).filter(webhook_subscriptions::consecutive_failures.gt(0)),
    )
    .set((
        webhook_subscriptions::consecutive_failures.eq(0),
        webhook_subscriptions::failing_since.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// After a failed attempt: one more failure in a row (since `now` if it is the first). Returns
/// the subscription as it now stands.
pub fn count_failure(
    conn: &mut DbConn,
    subscription_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<SubscriptionRow>> {
    diesel::update(webhook_subscriptions::table.find(subscription_id))
        .set(webhook_subscriptions::consecutive_failures.eq(webhook_subscriptions::consecutive_failures + 1))
        .execute(conn)?;
    diesel::update(
        webhook_subscriptions::table.find(subscription_id).filter(webhook_subscriptions::failing_since.is_null()),
    )
    .set(webhook_subscriptions::failing_since.eq(Some(now)))
    .execute(conn)?;
    find_optional(conn, subscription_id)
}

pub fn disable(conn: &mut DbConn, row: &SubscriptionRow, reason: &str) -> QueryResult<()> {
    let now = db::now();
    diesel::update(webhook_subscriptions::table.find(row.id))
        .set((
            webhook_subscriptions::active.eq(false),
            webhook_subscriptions::disabled_at.eq(Some(now)),
            webhook_subscriptions::disabled_reason.eq(Some(reason)),
            webhook_subscriptions::updated_at.eq(now),
            webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status.to_string()));
    }
    if let Some(before) = before_id {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    query.order(webhook_deliveries::id.desc()).limit(limit + 1).load(conn)
}

pub fn delivery(conn: &mut DbConn, subscription_id: i64, id: i64) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

pub fn attempts_of(conn: &mut DbConn, delivery_id: i64) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery_id))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Queues a delivery again, due now, with its attempts counted on from where they are.
pub fn redeliver(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let now = db::now();
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::lease_owner.eq(None::<String>),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
