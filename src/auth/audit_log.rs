//! Who did what: the audit log (`GET /api/v1/audit-events`) and the change feed
//! (`GET /api/v1/events`), read by the roles `permissions::READ_AUDIT_LOG` names. They live with
//! identity and access because they need the caller, and `audit` sits below `auth`, which records
//! every change of users and keys to it.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::permissions::READ_AUDIT_LOG;
use super::principal::Principal;
use crate::audit::api::AuditEvent;
use crate::audit::{self, EventFilter, FeedPosition};
use crate::db;
use crate::error::ApiError;
use crate::http::listing::Listing;
use crate::http::pagination::{decode_keys, encode_cursor, page_limit, Page, PageQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_cursor` of the previous call; omit (or leave empty) to start at the beginning.
    #[param(pattern = "^([0-9a-f]{32})?$")]
    pub after: Option<String>,
    /// Events per call: default 50, at most 200 (larger values are clamped).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<AuditEvent>,
    /// Where to continue: pass as `after` on the next call. Always present, so that a consumer
    /// that has caught up polls with the same cursor until new events arrive.
    pub next_cursor: String,
}

/// The change feed: every change in every module, in commit order, for integrations that sync.
/// Each event is delivered exactly once in order to a consumer that always passes the previous
/// `next_cursor` back as `after`.
#[utoipa::path(
    operation_id = "list_events",
    tag = "audit",
    params(FeedQuery),
    responses((status = 200, description = "The next events of the feed", body = FeedPage))
)]
#[get("/events")]
pub async fn feed(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&READ_AUDIT_LOG)?;
    let limit = page_limit(query.limit, "limit")?;
    let after: FeedPosition = match query.after.as_deref() {
        None | Some("") => (i64::MIN, 0),
        Some(cursor) => decode_keys::<2>(cursor, "after").map(|[seq, id]| (seq, id))?,
    };
    let rows = db::run(&state.pool, move |conn| Ok(audit::feed(conn, after, limit)?)).await?;
    let position = rows.last().map(|r| (r.tx_seq, r.id)).unwrap_or(after);
    Ok(HttpResponse::Ok().json(FeedPage {
        items: rows.into_iter().map(AuditEvent::from).collect(),
        next_cursor: encode_cursor(&[position.0, position.1]),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilterQuery {
    /// Only changes made by this user (directly or with their API keys).
    pub actor_user_id: Option<i64>,
    /// e.g. `user`, `api_key`.
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// e.g. `user.created`.
    pub action: Option<String>,
    /// Only events at or after this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub from: Option<DateTime<Utc>>,
    /// Only events before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub to: Option<DateTime<Utc>>,
}

/// The audit log, newest first, with filters (admin, auditor).
#[utoipa::path(
    operation_id = "list_audit_events",
    tag = "audit",
    params(PageQuery, AuditFilterQuery),
    responses((status = 200, description = "Audit events, newest first", body = Page<AuditEvent>))
)]
#[get("/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    filter: web::Query<AuditFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&READ_AUDIT_LOG)?;
    let page = listing.page;
    let filter = filter.into_inner();
    let filter = EventFilter {
        actor_user_id: filter.actor_user_id,
        entity_type: filter.entity_type,
        entity_id: filter.entity_id,
        action: filter.action,
        from: filter.from.map(|t| t.naive_utc()).max(page.updated_since),
        to: filter.to.map(|t| t.naive_utc()),
    };
    listing
        .answer(&state.pool, "audit-events", move |conn, page| {
            let rows = audit::list(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, AuditEvent::from))
        })
        .await
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed).service(list);
}
