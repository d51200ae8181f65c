//! HTTP building blocks shared by every module: JSON bodies, pagination, ETags, idempotency,
//! request ids, timeouts, throttling counters, fallbacks, health and the OpenAPI document.

pub mod access;
pub mod csv;
pub mod etag;
pub mod fallback;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod listing;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod reply;
pub mod request_id;
pub mod server;
pub mod throttle;
pub mod timeout;
