//! Webhooks: change-feed events pushed to subscribed HTTPS endpoints, signed (HMAC-SHA256 over
//! `timestamp.body`), at least once, retried with backoff, disabled after sustained failure,
//! queued in the database and delivered by whichever node leases them first. docs/integrations.md
//! tells receivers how to check a delivery.

mod api;
mod deliveries;
mod dispatcher;
pub mod model;
pub mod permissions;
mod repo;
pub mod signing;
pub mod target;

pub use dispatcher::{start, Visibility};

/// The webhook queue's depth, read by `/metrics` when scraped.
pub fn queue_depth_gauge() -> crate::http::metrics::DbGauge {
    crate::http::metrics::DbGauge {
        name: "opsdesk_webhook_queue_depth",
        help: "Webhook deliveries waiting to be sent (due now or retrying later).",
        read: repo::queue_depth,
    }
}

pub const ENTITY: &str = "webhook";

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(api::remove)
        .service(api::rotate_secret)
        .service(deliveries::ping)
        .service(deliveries::list)
        .service(deliveries::get)
        .service(deliveries::redeliver);
}
