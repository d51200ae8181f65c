//! Webhook rows, their API views, and the pure rules of delivery: which event types a
//! subscription takes, when a failed attempt is tried again, and what an answer means.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub owner_user_id: i64,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub active: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub feed_seq: i64,
    pub feed_id: i64,
    pub consecutive_failures: i32,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl SubscriptionRow {
    pub fn patterns(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one during
    /// its grace period after a rotation.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<String> {
        let mut secrets = vec![self.secret.clone()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if now < until {
                secrets.push(previous.clone());
            }
        }
        secrets
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: Option<i64>,
    pub event_cursor: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub node: String,
    pub started_at: NaiveDateTime,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub outcome: String,
}

/// A webhook subscription (never its secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub owner_user_id: i64,
    #[schema(example = "https://crm.example.com/hooks/opsdesk")]
    pub url: String,
    pub description: String,
    /// Event types delivered: `invoice.issued`, `invoice.*` (every event of invoices), `*`.
    #[schema(example = json!(["invoice.*", "ticket.created"]))]
    pub event_types: Vec<String>,
    /// False when paused by its owner or disabled after sustained failure (`disabled_reason`).
    pub active: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row since the last success.
    pub consecutive_failures: i32,
    /// Until when the secret before the last rotation still signs deliveries.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&SubscriptionRow> for Webhook {
    fn from(row: &SubscriptionRow) -> Webhook {
        Webhook {
            id: row.id,
            owner_user_id: row.owner_user_id,
            url: row.url.clone(),
            description: row.description.clone(),
            event_types: row.patterns(),
            active: row.active,
            disabled_at: row.disabled_at.map(|t| t.and_utc()),
            disabled_reason: row.disabled_reason.clone(),
            consecutive_failures: row.consecutive_failures,
            previous_secret_until: row.previous_secret_until.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// A new subscription, or one whose secret was rotated: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`): store it now, it is never shown again.
    #[schema(example = "whsec_3q2+7w…")]
    pub secret: String,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The change-feed event's id in the audit log (null for a ping).
    pub event_id: Option<i64>,
    /// The event's change-feed cursor: the `Opsdesk-Event-Id` header and the body's `id`, the
    /// same on every attempt (receivers deduplicate by it).
    pub event_cursor: String,
    #[schema(example = "invoice.issued")]
    pub event_type: String,
    /// `pending` (waiting for its next attempt), `succeeded` or `failed` (given up).
    #[schema(example = "succeeded")]
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&DeliveryRow> for Delivery {
    fn from(row: &DeliveryRow) -> Delivery {
        Delivery {
            id: row.id,
            webhook_id: row.subscription_id,
            event_id: row.event_id,
            event_cursor: row.event_cursor.clone(),
            event_type: row.event_type.clone(),
            status: row.status.clone(),
            attempts: row.attempts,
            next_attempt_at: (row.status == PENDING).then(|| row.next_attempt_at.and_utc()),
            last_status_code: row.last_status_code,
            last_error: row.last_error.clone(),
            last_duration_ms: row.last_duration_ms,
            last_attempt_at: row.last_attempt_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub attempt: i32,
    /// The opsdesk node that made it.
    pub node: String,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    /// The receiver's status code; null when no answer came (timeout, refused, unreachable).
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// `succeeded`, `retry` (tried again later) or `failed` (not tried again).
    pub outcome: String,
}

impl From<&AttemptRow> for Attempt {
    fn from(row: &AttemptRow) -> Attempt {
        Attempt {
            attempt: row.attempt,
            node: row.node.clone(),
            started_at: row.started_at.and_utc(),
            duration_ms: row.duration_ms,
            status_code: row.status_code,
            error: row.error.clone(),
            outcome: row.outcome.clone(),
        }
    }
}

/// A delivery with every attempt made.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryWithAttempts {
    #[serde(flatten)]
    pub delivery: Delivery,
    /// The exact body sent (and signed).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub attempts_made: Vec<Attempt>,
}

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// The most event types a subscription lists.
pub const MAX_PATTERNS: usize = 50;

/// Whether `pattern` is a well-formed event type: `*`, `module.*` or `module.action` (lowercase
/// letters, digits and underscores).
pub fn valid_pattern(pattern: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty() && w.len() <= 60 && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if pattern == "*" {
        return true;
    }
    match pattern.split_once('.') {
        Some((module, rest)) => word(module) && (rest == "*" || rest.split('.').all(word)),
        None => false,
    }
}

/// Whether event type `action` (`invoice.issued`) is one `patterns` take.
pub fn matches(patterns: &[String], action: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == action
            || p.strip_suffix(".*").is_some_and(|module| action.split_once('.').is_some_and(|(m, _)| m == module))
    })
}

/// What an attempt's answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    /// Try again: a 5xx, 429, 408, timeout or connection failure.
    Retry,
    /// Not tried again: any other answer (the receiver said no).
    Failed,
}

impl Verdict {
    pub fn of_status(status: u16) -> Verdict {
        match status {
            200..=299 => Verdict::Succeeded,
            408 | 429 | 500..=599 => Verdict::Retry,
            _ => Verdict::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Succeeded => SUCCEEDED,
            Verdict::Retry => "retry",
            Verdict::Failed => FAILED,
        }
    }
}

/// The wait before attempt `attempt + 1` after `attempt` failed (1-based): `base` doubled per
/// attempt up to `max`, then a random share of it between half and all (`jitter` in 0..=1), so
/// that the receivers' clients do not retry in step. A `Retry-After` the receiver sent is honoured
/// when longer (up to `max`).
pub fn backoff(attempt: i32, base: Duration, max: Duration, jitter: f64, retry_after: Option<Duration>) -> Duration {
    let doublings = attempt.saturating_sub(1).clamp(0, 30) as u32;
    let full = base.saturating_mul(1u32 << doublings).min(max);
    let jitter = jitter.clamp(0.0, 1.0);
    let wait = full.mul_f64(0.5 + 0.5 * jitter);
    match retry_after {
        Some(asked) if asked > wait => asked.min(max),
        _ => wait,
    }
}

/// A `Retry-After` header: seconds, or an HTTP date (RFC 9110).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_checked_and_matched() {
        for good in ["*", "invoice.*", "invoice.issued", "stock.receipt", "item.reorder_point_reached"] {
            assert!(valid_pattern(good), "{good}");
        }
        for bad in ["", "invoice", "Invoice.issued", "invoice.", ".issued", "invoice.is sued", "*.issued", "invoice.**"]
        {
            assert!(!valid_pattern(bad), "{bad}");
        }
        let patterns = vec!["invoice.*".to_string(), "ticket.created".to_string()];
        assert!(matches(&patterns, "invoice.issued"));
        assert!(matches(&patterns, "ticket.created"));
        assert!(!matches(&patterns, "ticket.commented"));
        assert!(!matches(&patterns, "invoices.issued"));
        assert!(matches(&["*".to_string()], "anything.at_all"));
    }

    #[test]
    fn status_codes_decide_retries() {
        assert_eq!(Verdict::of_status(204), Verdict::Succeeded);
        for retry in [408, 429, 500, 502, 503, 504] {
            assert_eq!(Verdict::of_status(retry), Verdict::Retry, "{retry}");
        }
        for failed in [301, 400, 401, 403, 404, 410, 422] {
            assert_eq!(Verdict::of_status(failed), Verdict::Failed, "{failed}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_honours_retry_after() {
        let (base, max) = (Duration::from_secs(10), Duration::from_secs(3600));
        assert_eq!(backoff(1, base, max, 1.0, None), Duration::from_secs(10));
        assert_eq!(backoff(1, base, max, 0.0, None), Duration::from_secs(5));
        assert_eq!(backoff(3, base, max, 1.0, None), Duration::from_secs(40));
        assert_eq!(backoff(20, base, max, 1.0, None), max);
        assert_eq!(backoff(i32::MAX, base, max, 1.0, None), max);
        assert_eq!(backoff(1, base, max, 1.0, Some(Duration::from_secs(120))), Duration::from_secs(120));
        assert_eq!(backoff(1, base, max, 1.0, Some(Duration::from_secs(1))), Duration::from_secs(10));
        assert_eq!(backoff(1, base, max, 1.0, Some(Duration::from_secs(99_999))), max);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Mon, 07 Dec 2026 10:01:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Mon, 07 Dec 2026 09:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
