//! `/api/v1/webhooks`: subscriptions of HTTPS endpoints to change-feed events. The caller owns
//! what they create and receives only the events their roles may read; admins (and auditors,
//! reading) see every subscription.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::TimeDelta;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{self, SubscriptionRow, Webhook, WebhookWithSecret};
use super::permissions::{MANAGE_WEBHOOKS, SEE_EVERY_WEBHOOK};
use super::repo::{self, Changes, NewSubscription};
use super::{signing, target, ENTITY};
use crate::audit;
use crate::auth::principal::Principal;
use crate::config::Config;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

const MAX_URL: usize = 2000;
const MAX_DESCRIPTION: usize = 500;
/// The longest grace period a rotation may give the old secret: a week.
const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where deliveries are POSTed: https (http only to networks the operator allows).
    #[schema(example = "https://crm.example.com/hooks/opsdesk", max_length = 2000)]
    pub url: String,
    /// Event types: `invoice.issued`, `invoice.*` for every event of a module, `*` for all.
    #[schema(example = json!(["invoice.*", "ticket.created"]), min_items = 1, max_items = 50)]
    pub event_types: Vec<String>,
    #[schema(example = "CRM sync", max_length = 500)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// false pauses deliveries (they wait); true resumes them, also after the subscription was
    /// disabled for failing, and starts its failure count again.
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the old secret keeps signing deliveries beside the new one, so receivers can
    /// switch without losing any: 0 to 604800 seconds, default 86400 (a day).
    #[schema(minimum = 0, maximum = 604800, example = 86400)]
    pub grace_period_secs: Option<i64>,
}

fn sees_every_webhook(principal: &Principal) -> bool {
    principal.may(&SEE_EVERY_WEBHOOK)
}

/// The subscription, if the caller may see it; someone else's is "not found".
pub(super) fn visible(principal: &Principal, row: Option<SubscriptionRow>) -> Result<SubscriptionRow, ApiError> {
    row.filter(|r| r.owner_user_id == principal.user_id || sees_every_webhook(principal)).ok_or(ApiError::NotFound)
}

/// The subscription, if the caller may change it: their own (or, for an admin, anyone's).
fn changeable(principal: &Principal, row: Option<SubscriptionRow>) -> Result<SubscriptionRow, ApiError> {
    let admin = principal.roles.contains(crate::auth::roles::Role::Admin);
    row.filter(|r| r.owner_user_id == principal.user_id || admin).ok_or(ApiError::NotFound)
}

fn event_types(v: &mut Validator, pointer: &str, types: &[String]) -> String {
    v.check(!types.is_empty(), pointer, "must name at least one event type");
    v.check(
        types.len() <= model::MAX_PATTERNS,
        pointer,
        format!("must name at most {} event types", model::MAX_PATTERNS),
    );
    for (i, t) in types.iter().enumerate() {
        v.check(
            model::valid_pattern(t),
            &format!("{pointer}/{i}"),
            "must be an event type such as invoice.issued, a module's events such as invoice.*, or *",
        );
    }
    // As given, without repeats.
    let mut unique: Vec<&String> = Vec::with_capacity(types.len());
    for t in types {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    serde_json::to_string(&unique).unwrap_or_else(|_| "[]".into())
}

/// The URL as given, if it is one a delivery may reach now (parsed and resolved).
async fn checked_url(config: &Config, raw: &str) -> Result<String, ApiError> {
    let mut v = Validator::new();
    let url = v.required_text("/url", raw, MAX_URL);
    v.finish()?;
    let parsed = target::parse(&url).map_err(|e| ApiError::invalid("/url", e))?;
    target::resolve(&parsed, &config.webhooks.allowed_networks)
        .await
        .map_err(|refusal| ApiError::invalid("/url", refusal.message()))?;
    Ok(parsed.url.to_string())
}

/// Subscribes a URL to event types. The response holds the signing secret; it is never shown
/// again. Deliveries start with the events that follow.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Subscribed; `secret` is shown only now", body = WebhookWithSecret, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "A field is wrong, or the URL is not one deliveries may reach (https, public addresses)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let types = event_types(&mut v, "/event_types", &input.event_types);
    let description = v.optional_text("/description", input.description, MAX_DESCRIPTION).unwrap_or_default();
    v.finish()?;
    let url = checked_url(&state.config, &input.url).await?;
    let secret = signing::new_secret();
    let (actor, owner) = (principal.actor(), principal.user_id);
    reply::commit(&req, &state.pool, move |conn| {
        let feed = audit::feed_end(conn)?;
        let row = repo::insert(
            conn,
            &NewSubscription {
                owner_user_id: owner,
                url: &url,
                description: &description,
                event_types: &types,
                secret: &secret,
                feed,
            },
        )?;
        let webhook = Webhook::from(&row);
        audit::record(conn, &actor, "webhook.created", ENTITY, row.id, None, Some(&webhook))?;
        let location = format!("/api/v1/webhooks/{}", row.id);
        // The secret is shown only here: answered, never stored for a replay.
        Ok(Reply::created(&WebhookWithSecret { webhook, secret }, row.version, &location)?.secret())
    })
    .await
}

/// Lists webhook subscriptions: the caller's own, or (admin, auditor) everyone's.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    params(PageQuery),
    responses((status = 200, description = "A page of subscriptions", body = Page<Webhook>))
)]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    if !sees_every_webhook(&principal) {
        principal.require(&MANAGE_WEBHOOKS)?;
    }
    let owner = (!sees_every_webhook(&principal)).then_some(principal.user_id);
    listing
        .answer(&state.pool, "webhooks", move |conn, page| {
            let rows = repo::list(conn, owner, page.updated_since, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Webhook::from(&r)))
        })
        .await
}

/// Reads one subscription (never its secret).
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, description = "The subscription", body = Webhook, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/webhooks/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = visible(&principal, db::run(&state.pool, move |conn| Ok(repo::find_optional(conn, id)?)).await?)?;
    Ok(entity_response(&req, StatusCode::OK, &Webhook::from(&row), row.version))
}

/// Changes a subscription: its URL, event types, description, or whether it delivers (resuming
/// one that was disabled for failing). Honors If-Match.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = UpdateWebhook,
    responses((status = 200, description = "Updated", body = Webhook, headers(("ETag" = String))))
)]
#[patch("/webhooks/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let types = input.event_types.as_deref().map(|t| event_types(&mut v, "/event_types", t));
    let description =
        input.description.map(|d| v.optional_text("/description", Some(d), MAX_DESCRIPTION).unwrap_or_default());
    v.finish()?;
    let url = match input.url.as_deref() {
        Some(raw) => Some(checked_url(&state.config, raw).await?),
        None => None,
    };
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = changeable(&principal, repo::find_optional(conn, id)?)?;
        if_match.check(row.version)?;
        let changes = Changes {
            url: url.as_deref(),
            description: description.as_deref(),
            event_types: types.as_deref(),
            active: input.active,
        };
        if !repo::update(conn, &row, &changes)? {
            return Err(ApiError::changed_concurrently("webhook"));
        }
        let after = repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?;
        let (before, view) = (Webhook::from(&row), Webhook::from(&after));
        audit::record(conn, &actor, "webhook.updated", ENTITY, id, Some(&before), Some(&view))?;
        Reply::entity(&view, after.version)
    })
    .await
}

/// Deletes a subscription and its delivery log; deliveries not yet made are dropped. Honors
/// If-Match.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = changeable(&principal, repo::find_optional(conn, id)?)?;
        if_match.check(row.version)?;
        repo::delete(conn, id)?;
        audit::record(conn, &actor, "webhook.deleted", ENTITY, id, Some(&Webhook::from(&row)), None)?;
        Ok(Reply::no_content())
    })
    .await
}

/// Gives a subscription a new signing secret, shown only in this response. The old secret keeps
/// signing deliveries beside the new one for the grace period (`Opsdesk-Signature` then holds
/// two signatures), so the receiver can switch without missing a delivery.
#[utoipa::path(
    operation_id = "rotate_webhook_secret",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = RotateSecret,
    responses((status = 200, description = "Rotated; `secret` is shown only now", body = WebhookWithSecret, headers(("ETag" = String))))
)]
#[post("/webhooks/{id}/secret-rotation")]
pub async fn rotate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<RotateSecret>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&MANAGE_WEBHOOKS)?;
    let id = id.into_inner();
    let grace = body.into_inner().grace_period_secs.unwrap_or(86_400);
    if !(0..=MAX_GRACE_SECS).contains(&grace) {
        return Err(ApiError::invalid("/grace_period_secs", format!("must be 0 to {MAX_GRACE_SECS} seconds")));
    }
    let secret = signing::new_secret();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = changeable(&principal, repo::find_optional(conn, id)?)?;
        if_match.check(row.version)?;
        if !repo::rotate(conn, &row, &secret, db::now() + TimeDelta::seconds(grace))? {
            return Err(ApiError::changed_concurrently("webhook"));
        }
        let after = repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?;
        let (before, webhook) = (Webhook::from(&row), Webhook::from(&after));
        audit::record(conn, &actor, "webhook.secret_rotated", ENTITY, id, Some(&before), Some(&webhook))?;
        Ok(Reply::entity(&WebhookWithSecret { webhook, secret }, after.version)?.secret())
    })
    .await
}
