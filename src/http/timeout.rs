//! A deadline for every request: past `OPSDESK_REQUEST_TIMEOUT_SECS` the client gets a 503
//! problem instead of waiting on a stuck dependency. (The error is rendered by actix from
//! `ApiError`; a middleware must not hold a clone of the request while routing runs below it.)

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::config::Config;
use crate::error::ApiError;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit =
        req.app_data::<web::Data<Config>>().map(|config| config.request_timeout).unwrap_or(Duration::from_secs(30));
    match actix_web::rt::time::timeout(limit, next.call(req)).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::Unavailable {
            detail: format!("the request did not complete within {} seconds", limit.as_secs()),
            retry_after_secs: 1,
        }
        .into()),
    }
}
