//! Delivering: every node runs one dispatcher. Each round it queues the change-feed events each
//! active subscription takes and its owner may read (one delivery per event and subscription,
//! whichever node gets there first), then leases the deliveries that are due, sends them, and
//! writes each attempt. A lease outlives the receiver's timeout, so a node that dies mid-delivery
//! only delays it: once the lease runs out another node sends it again (at least once).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use serde_json::json;

use super::model::{self, DeliveryRow, SubscriptionRow, Verdict, SUCCEEDED};
use super::repo::{self, AttemptRecord, NewDelivery};
use super::signing;
use super::target::{self, Refusal};
use crate::audit::{self, api::AuditEvent, Actor};
use crate::auth::roles::{Permission, Roles};
use crate::config::WebhookSettings;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;
use crate::http::metrics::Metrics;
use crate::http::pagination::encode_cursor;

/// Which permission lets a subscription's owner receive the events of each entity type (each
/// module's "read" permission, registered by the app); other types need the audit log's.
pub struct Visibility {
    readers: HashMap<&'static str, &'static Permission>,
    otherwise: &'static Permission,
}

impl Visibility {
    pub fn new(readers: &[(&'static str, &'static Permission)], otherwise: &'static Permission) -> Visibility {
        Visibility { readers: readers.iter().copied().collect(), otherwise }
    }

    fn may_read(&self, roles: &Roles, entity_type: &str) -> bool {
        self.readers.get(entity_type).copied().unwrap_or(self.otherwise).granted_to(roles)
    }
}

/// Deliveries a node sends at once.
const BATCH: i64 = 16;
/// Events a subscription queues per round.
const EVENTS_PER_ROUND: i64 = 500;

struct Dispatcher {
    pool: DbPool,
    settings: WebhookSettings,
    visibility: Arc<Visibility>,
    node: String,
    metrics: Arc<Metrics>,
}

/// Starts this node's dispatcher on the current actix system (it stops with it).
pub fn start(pool: DbPool, settings: WebhookSettings, visibility: Arc<Visibility>, metrics: Arc<Metrics>) {
    let node = format!("node-{}-{}", std::process::id(), hex::encode(rand::random::<[u8; 3]>()));
    let dispatcher = Dispatcher { pool, settings, visibility, node, metrics };
    actix_web::rt::spawn(async move { dispatcher.run().await });
}

impl Dispatcher {
    async fn run(self) {
        let mut pause = self.settings.poll;
        loop {
            match self.round().await {
                // Deliveries were due: look again at once, there may be more.
                Ok(sent) => {
                    pause = self.settings.poll;
                    if sent == 0 {
                        actix_web::rt::time::sleep(pause).await;
                    }
                }
                Err(e) => {
                    // The database is away: wait longer each time, up to half a minute.
                    log::warn!("webhooks: {e}");
                    pause = (pause * 2).min(Duration::from_secs(30));
                    actix_web::rt::time::sleep(pause).await;
                }
            }
        }
    }

    async fn round(&self) -> Result<usize, ApiError> {
        // Most installations have no subscription: then a round is one read, and no node takes
        // the write lock every poll (only active subscriptions' deliveries are ever claimed).
        if !db::run(&self.pool, |conn| Ok(repo::any_active(conn)?)).await? {
            return Ok(0);
        }
        let visibility = self.visibility.clone();
        db::run_write(&self.pool, move |conn| queue_events(conn, &visibility)).await?;
        let now = db::now();
        let lease =
            TimeDelta::from_std(self.settings.timeout + Duration::from_secs(30)).unwrap_or(TimeDelta::minutes(1));
        let node = self.node.clone();
        let claimed =
            db::run_write(&self.pool, move |conn| Ok(repo::claim(conn, &node, now, now + lease, BATCH)?)).await?;
        let sent = claimed.len();
        futures_util::future::join_all(claimed.into_iter().map(|(d, s)| self.deliver(d, s))).await;
        Ok(sent)
    }

    async fn deliver(&self, delivery: DeliveryRow, subscription: SubscriptionRow) {
        let attempt = delivery.attempts + 1;
        let started_at = db::now();
        let clock = Instant::now();
        let answer = self.send(&delivery, &subscription, attempt).await;
        self.metrics.webhook_delivery(matches!(answer.verdict, Verdict::Succeeded));
        let record = Outcome { attempt, started_at, duration_ms: clock.elapsed().as_millis() as i64, answer };
        let (pool, settings, node) = (self.pool.clone(), self.settings.clone(), self.node.clone());
        let written = db::run_write(&pool, move |conn| record_outcome(conn, &settings, &node, &delivery, record)).await;
        if let Err(e) = written {
            log::warn!("webhooks: could not record an attempt: {e}");
        }
    }

    async fn send(&self, delivery: &DeliveryRow, subscription: &SubscriptionRow, attempt: i32) -> Answer {
        let target = match target::parse(&subscription.url) {
            Ok(target) => target,
            Err(e) => return Answer::refused(format!("the URL {e}")),
        };
        let addresses = match target::resolve(&target, &self.settings.allowed_networks).await {
            Ok(addresses) => addresses,
            Err(Refusal::Forbidden(why)) => return Answer::refused(why),
            Err(Refusal::Unresolved(why)) => return Answer::unreachable(why),
        };
        let client = match reqwest::Client::builder()
            .timeout(self.settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&target.host, &addresses)
            .user_agent(concat!("opsdesk-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(client) => client,
            Err(e) => return Answer::unreachable(format!("no HTTP client: {e}")),
        };
        let timestamp = Utc::now().timestamp();
        let signature =
            signing::signature_header(&subscription.signing_secrets(db::now()), timestamp, delivery.payload.as_bytes());
        let sent = client
            .post(target.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signing::SIGNATURE_HEADER, signature)
            .header(signing::TIMESTAMP_HEADER, timestamp.to_string())
            .header(signing::EVENT_ID_HEADER, &delivery.event_cursor)
            .header(signing::EVENT_TYPE_HEADER, &delivery.event_type)
            .header(signing::ATTEMPT_HEADER, attempt.to_string())
            .body(delivery.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| model::parse_retry_after(v, Utc::now()));
                let verdict = Verdict::of_status(status);
                let error = (verdict != Verdict::Succeeded).then(|| format!("answered HTTP {status}"));
                Answer { status: Some(status), verdict, error, retry_after }
            }
            Err(e) if e.is_timeout() => {
                Answer::unreachable(format!("no answer within {} s", self.settings.timeout.as_secs()))
            }
            Err(e) => Answer::unreachable(format!("could not deliver: {}", error_chain(&e))),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What one attempt came to.
struct Answer {
    status: Option<u16>,
    verdict: Verdict,
    error: Option<String>,
    retry_after: Option<Duration>,
}

impl Answer {
    fn refused(why: String) -> Answer {
        Answer { status: None, verdict: Verdict::Failed, error: Some(why), retry_after: None }
    }

    fn unreachable(why: String) -> Answer {
        Answer { status: None, verdict: Verdict::Retry, error: Some(why), retry_after: None }
    }
}

struct Outcome {
    attempt: i32,
    started_at: chrono::NaiveDateTime,
    duration_ms: i64,
    answer: Answer,
}

/// Writes an attempt, schedules the next one or closes the delivery, and keeps the
/// subscription's failure count; past both limits the subscription is disabled, which the
/// change feed reports (`webhook.disabled`). Nothing is written if the lease was lost meanwhile
/// (another node holds the delivery now).
fn record_outcome(
    conn: &mut DbConn,
    settings: &WebhookSettings,
    node: &str,
    delivery: &DeliveryRow,
    outcome: Outcome,
) -> Result<(), ApiError> {
    if repo::leased(conn, delivery.id, node)?.is_none() {
        return Ok(());
    }
    let now = db::now();
    let Outcome { attempt, started_at, duration_ms, answer } = outcome;
    let next_attempt_at = match answer.verdict {
        Verdict::Retry if attempt < settings.max_attempts => {
            let wait =
                model::backoff(attempt, settings.retry_base, settings.retry_max, rand::random(), answer.retry_after);
            Some(now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1)))
        }
        _ => None,
    };
    let outcome = match (answer.verdict, next_attempt_at) {
        (Verdict::Succeeded, _) => SUCCEEDED,
        (_, Some(_)) => Verdict::Retry.as_str(),
        _ => model::FAILED,
    };
    repo::record_attempt(
        conn,
        &AttemptRecord {
            delivery_id: delivery.id,
            attempt,
            node,
            started_at,
            duration_ms,
            status_code: answer.status.map(i32::from),
            error: answer.error.as_deref(),
            outcome,
        },
        next_attempt_at,
    )?;
    if answer.verdict == Verdict::Succeeded {
        repo::clear_failures(conn, delivery.subscription_id)?;
        return Ok(());
    }
    let Some(subscription) = repo::count_failure(conn, delivery.subscription_id, now)? else { return Ok(()) };
    let failing_for = subscription.failing_since.map(|since| now - since).unwrap_or_default();
    let sustained = subscription.consecutive_failures >= settings.disable_after_failures
        && failing_for >= TimeDelta::from_std(settings.disable_after).unwrap_or(TimeDelta::MAX);
    if subscription.active && sustained {
        let reason = format!(
            "{} failed attempts in a row over {} minutes; the last: {}",
            subscription.consecutive_failures,
            failing_for.num_minutes(),
            answer.error.as_deref().unwrap_or("no answer")
        );
        let before = model::Webhook::from(&subscription);
        repo::disable(conn, &subscription, &reason)?;
        let after = repo::find_optional(conn, subscription.id)?.map(|row| model::Webhook::from(&row));
        audit::record(
            conn,
            &Actor::system("webhooks"),
            "webhook.disabled",
            super::ENTITY,
            subscription.id,
            Some(&before),
            after.as_ref(),
        )?;
    }
    Ok(())
}

/// Queues, for every active subscription, the events after its feed position that it takes and
/// its owner may read, and moves the position on. A subscription whose position another node
/// moved first is left to that node.
fn queue_events(conn: &mut DbConn, visibility: &Visibility) -> Result<usize, ApiError> {
    let mut queued = 0;
    for subscription in repo::active_subscriptions(conn)? {
        let events = audit::feed(conn, (subscription.feed_seq, subscription.feed_id), EVENTS_PER_ROUND)?;
        let Some(last) = events.last() else { continue };
        if !repo::advance(conn, &subscription, (last.tx_seq, last.id))? {
            continue;
        }
        let Some(owner) = crate::auth::users::find_optional(conn, subscription.owner_user_id)?.filter(|u| u.active)
        else {
            continue;
        };
        let roles = Roles::from_stored(&owner.roles);
        let patterns = subscription.patterns();
        for event in events {
            if !model::matches(&patterns, &event.action) || !visibility.may_read(&roles, &event.entity_type) {
                continue;
            }
            // A webhook's own events go to its owner's subscriptions (and to admins').
            if event.entity_type == super::ENTITY && !roles.contains(crate::auth::roles::Role::Admin) {
                let of_owner = repo::find_optional(conn, event.entity_id)?.is_some_and(|w| w.owner_user_id == owner.id);
                if !of_owner {
                    continue;
                }
            }
            let cursor = encode_cursor(&[event.tx_seq, event.id]);
            let (event_id, action) = (event.id, event.action.clone());
            let event = AuditEvent::from(event);
            let payload = json!({"id": cursor, "type": action, "created_at": event.occurred_at, "data": event});
            let new = NewDelivery {
                subscription_id: subscription.id,
                event_id: Some(event_id),
                event_cursor: &cursor,
                event_type: &action,
                payload: &payload.to_string(),
            };
            if repo::enqueue(conn, &new)?.is_some() {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Queues a ping to a subscription, due now; returns the delivery.
pub fn queue_ping(conn: &mut DbConn, subscription: &SubscriptionRow) -> Result<DeliveryRow, ApiError> {
    let cursor = format!("ping-{}", hex::encode(rand::random::<[u8; 8]>()));
    let payload = json!({
        "id": cursor,
        "type": "webhook.ping",
        "created_at": Utc::now(),
        "data": {"webhook_id": subscription.id},
    });
    let new = NewDelivery {
        subscription_id: subscription.id,
        event_id: None,
        event_cursor: &cursor,
        event_type: "webhook.ping",
        payload: &payload.to_string(),
    };
    let id = repo::enqueue(conn, &new)?.ok_or_else(|| ApiError::internal("a ping was not queued"))?;
    repo::delivery(conn, subscription.id, id)?.ok_or(ApiError::NotFound)
}
