//! The outermost of our middleware, for what every answer shares:
//! - `X-Request-Id`: accepted from the client when it is sane, generated otherwise, returned on
//!   every response and printed in every access-log line. Server errors are logged here with it,
//!   so a 500's body can stay free of internals while the operator can still find the cause;
//! - a panic anywhere below is answered as a 500 problem, never a dropped connection;
//! - headers too large (over [`MAX_HEADERS`] headers or [`MAX_HEADER_BYTES`] bytes) are a 431
//!   problem, below the HTTP layer's own limits, where actix answers 431 with no body (which
//!   `http::server` turns into the same problem);
//! - `X-Content-Type-Options: nosniff` on every answer, and `Cache-Control: no-store` on every
//!   answer to a request that carried credentials (nothing a signed-in user reads is kept by a
//!   browser or a shared cache).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use futures_util::FutureExt;
use rand::Rng;
use std::panic::AssertUnwindSafe;

use crate::error::ApiError;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The current request's id, in the request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn generate() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    hex::encode(bytes)
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(generate);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_string();
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let header_bytes: usize = req.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if req.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return Err(WithRequestId { id, error: headers_too_large().into(), authenticated }.into());
    }
    // A panic anywhere below (a handler, an extractor, a middleware) is caught here and answered
    // as a 500 problem like any other, with the request id, instead of a dropped connection.
    let outcome =
        crate::log_context::scope(std::sync::Arc::from(id.as_str()), AssertUnwindSafe(next.call(req)).catch_unwind())
            .await;
    let mut res = match outcome {
        Ok(Ok(res)) => res,
        Ok(Err(error)) => {
            let status = error.as_response_error().status_code();
            if status.is_server_error() {
                log::error!("request_id={id} {method} {path} failed: {error}");
            } else {
                log::warn!("request_id={id} {method} {path} ended early: {error}");
            }
            return Err(WithRequestId { id, error, authenticated }.into());
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            log::error!("request_id={id} {method} {path} panicked: {message}");
            let error = ApiError::internal("panic").into();
            return Err(WithRequestId { id, error, authenticated }.into());
        }
    };
    shared_headers(res.headers_mut(), authenticated);
    if res.status().is_server_error() {
        match res.response().error() {
            Some(error) => log::error!("request_id={id} {method} {path} failed: {error}"),
            None => log::warn!("request_id={id} {method} {path} answered {}", res.status()),
        }
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, value);
    }
    Ok(res)
}

/// An error that ended a request before it had a response (or a panic turned into one), answered
/// with the request's id like every other response. (A middleware cannot build the response
/// itself: it must not keep a clone of the request while routing runs below it.)
#[derive(Debug)]
struct WithRequestId {
    id: String,
    error: actix_web::Error,
    authenticated: bool,
}

/// At most this many request headers, and this many bytes of them (names, values and their
/// separators): more is a 431 problem. Below what the HTTP layer reads at all (about 32 KiB and
/// 96 headers), so that the answer can carry the request id.
pub const MAX_HEADERS: usize = 64;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The 431 problem, here and for the heads the HTTP layer refuses itself (`http::server`).
pub fn headers_too_large() -> ApiError {
    ApiError::HeadersTooLarge(format!(
        "the request's headers are too large: at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes of them"
    ))
}

/// The headers every answer carries (see the top of this file).
fn shared_headers(headers: &mut actix_web::http::header::HeaderMap, authenticated: bool) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if authenticated {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

impl std::fmt::Display for WithRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for WithRequestId {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.error.error_response();
        if let Ok(value) = HeaderValue::from_str(&self.id) {
            response.headers_mut().insert(HEADER, value);
        }
        shared_headers(response.headers_mut(), self.authenticated);
        response
    }
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    #[actix_web::test]
    async fn a_panic_is_a_problem_with_the_request_id() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(super::middleware))
                .route("/boom", web::get().to(|| async { panic!("boom") as HttpResponse })),
        )
        .await;
        let request = test::TestRequest::get().uri("/boom").insert_header(("X-Request-Id", "trace-42")).to_request();
        // The error a middleware returns is what actix turns into the response on the wire.
        let Err(error) = test::try_call_service(&app, request).await else {
            panic!("a panic must end the request with an error response");
        };
        let response = error.error_response();
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("trace-42"));
        assert_eq!(
            response.headers().get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let body = actix_web::body::to_bytes(response.into_body()).await.expect("body");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("problem JSON");
        assert_eq!(problem["status"], 500);
        assert!(!problem["detail"].as_str().unwrap_or_default().contains("boom"), "no internals: {problem}");
    }
}
