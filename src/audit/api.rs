//! The audit event as the API shows it, and the history helper that every resource's
//! `…/{id}/history` calls. The audit log and the change feed, which only some roles read, are
//! served by `auth::audit_log` (they need the caller; audit sits below auth, which records to it).

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::repo::{self, EventRow};
use crate::error::ApiError;
use crate::http::listing::Listing;
use crate::http::pagination::Page;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The user who made the change (directly or through one of their API keys); null for
    /// changes made by opsdesk itself.
    pub actor_user_id: Option<i64>,
    #[schema(example = "user:1 admin@example.com")]
    pub actor: String,
    #[schema(example = "user.updated")]
    pub action: String,
    #[schema(example = "user")]
    pub entity_type: String,
    pub entity_id: i64,
    /// Changed fields: `{"field": {"before": …, "after": …}}`.
    #[schema(value_type = Object, example = json!({"active": {"before": true, "after": false}}))]
    pub changes: serde_json::Value,
    pub request_id: Option<String>,
}

impl From<EventRow> for AuditEvent {
    fn from(row: EventRow) -> AuditEvent {
        AuditEvent {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor_user_id: row.actor_user_id,
            actor: row.actor,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            changes: serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null),
            request_id: row.request_id,
        }
    }
}

/// The body of every `…/{id}/history` endpoint: the entity's events, oldest first. The caller
/// checks that the principal may see the entity first.
pub async fn history(
    state: &AppState,
    entity_type: &'static str,
    entity_id: i64,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    listing
        .answer(&state.pool, &format!("{entity_type}-{entity_id}-history"), move |conn, page| {
            let rows = repo::history(conn, entity_type, entity_id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, AuditEvent::from))
        })
        .await
}
