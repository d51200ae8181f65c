//! The access log and the request metrics, outermost of all middleware: one line per request
//! (target `opsdesk::access`) with the client address, request line, status, body size, time to
//! the response head and request id — as text, or as JSON fields with `OPSDESK_LOG_FORMAT=json`
//! — and the same request counted in `/metrics` under its route template.

use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

use super::metrics::Metrics;
use super::request_id::RequestId;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let target = req.uri().path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let version = req.version();
    let remote = req.peer_addr().map_or_else(|| "-".to_string(), |a| a.ip().to_string());
    let outcome = next.call(req).await;
    let took = started.elapsed();
    let (status, bytes, route, request_id) = match &outcome {
        Ok(response) => {
            let request = response.request();
            let bytes = match response.response().body().size() {
                BodySize::Sized(n) => n.to_string(),
                BodySize::None => "0".into(),
                BodySize::Stream => "-".into(),
            };
            let request_id = request.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
            (response.status(), bytes, request.match_pattern().unwrap_or_else(|| "unmatched".into()), request_id)
        }
        // Answered below us by the error's own response (the request-id middleware's 431s),
        // before any route was matched.
        Err(error) => {
            let response = error.error_response();
            let request_id = response
                .headers()
                .get(&super::request_id::HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            (response.status(), "-".into(), "unmatched".into(), request_id)
        }
    };
    let method = method.as_str();
    let ms = took.as_secs_f64() * 1000.0;
    log::info!(
        target: "opsdesk::access",
        remote = remote.as_str(), method = method, path = target.as_str(), route = route.as_str(), status = status.as_u16(),
        bytes = bytes.as_str(), ms = ms, request_id = request_id.as_str();
        "{remote} \"{method} {target} {version:?}\" {} {bytes} {ms:.3}ms request_id={request_id}",
        status.as_u16()
    );
    if let Ok(response) = &outcome {
        if let Some(metrics) = response.request().app_data::<web::Data<Metrics>>() {
            metrics.observe(method, route, status.as_u16(), took);
        }
    }
    outcome
}
