//! A subscription's delivery log (`/webhooks/{id}/deliveries`), redelivery and the ping.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::api::visible;
use super::dispatcher::queue_ping;
use super::model::{self, Attempt, Delivery, DeliveryWithAttempts};
use super::permissions::MANAGE_WEBHOOKS;
use super::repo;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this state: `pending`, `succeeded` or `failed`.
    #[param(pattern = "^(pending|succeeded|failed)$")]
    pub status: Option<String>,
}

/// A subscription's deliveries, newest first, with the outcome of their last attempt.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), PageQuery, DeliveryFilter),
    responses((status = 200, description = "A page of deliveries", body = Page<Delivery>))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
    filter: web::Query<DeliveryFilter>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let status = filter.into_inner().status;
    if let Some(s) = status.as_deref() {
        if ![model::PENDING, model::SUCCEEDED, model::FAILED].contains(&s) {
            return Err(ApiError::invalid_parameter("status", "must be pending, succeeded or failed"));
        }
    }
    listing
        .answer(&state.pool, &format!("webhook-{id}-deliveries"), move |conn, page| {
            visible(&principal, repo::find_optional(conn, id)?)?;
            let rows = repo::deliveries(conn, id, status.as_deref(), page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Delivery::from(&r)))
        })
        .await
}

/// One delivery: the exact body sent and every attempt (node, time taken, answer).
#[utoipa::path(
    operation_id = "get_webhook_delivery",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery and its attempts", body = DeliveryWithAttempts))
)]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let (subscription, found) = db::run(&state.pool, move |conn| {
        let subscription = repo::find_optional(conn, id)?;
        let found = match repo::delivery(conn, id, delivery_id)? {
            Some(row) => {
                let attempts = repo::attempts_of(conn, row.id)?;
                Some((row, attempts))
            }
            None => None,
        };
        Ok((subscription, found))
    })
    .await?;
    visible(&principal, subscription)?;
    let (row, attempts) = found.ok_or(ApiError::NotFound)?;
    let payload = serde_json::from_str(&row.payload).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(DeliveryWithAttempts {
        delivery: Delivery::from(&row),
        payload,
        attempts_made: attempts.iter().map(Attempt::from).collect(),
    }))
}

/// Sends a delivery again now (the same body and event id; receivers deduplicate by it). A
/// retryable failure of this attempt is retried while the delivery has fewer attempts than
/// `OPSDESK_WEBHOOK_MAX_ATTEMPTS`.
#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued; due now", body = Delivery))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redelivery")]
pub async fn redeliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let (id, delivery_id) = path.into_inner();
    reply::commit(&req, &state.pool, move |conn| {
        let subscription = visible(&principal, repo::find_optional(conn, id)?)?;
        let row = repo::delivery(conn, subscription.id, delivery_id)?.ok_or(ApiError::NotFound)?;
        repo::redeliver(conn, row.id)?;
        let row = repo::delivery(conn, subscription.id, delivery_id)?.ok_or(ApiError::NotFound)?;
        Reply::json(StatusCode::ACCEPTED, &Delivery::from(&row))
    })
    .await
}

/// Queues a `webhook.ping` delivery to the subscription now: a way to check the receiver and its
/// signature check without waiting for an event.
#[utoipa::path(
    operation_id = "ping_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 202, description = "Queued; due now (follow it in the delivery log)", body = Delivery))
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let id = id.into_inner();
    reply::commit(&req, &state.pool, move |conn| {
        let subscription = visible(&principal, repo::find_optional(conn, id)?)?;
        let delivery = queue_ping(conn, &subscription)?;
        Reply::json(StatusCode::ACCEPTED, &Delivery::from(&delivery))
    })
    .await
}
