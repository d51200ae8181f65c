//! `X-Request-Id`: accepted from the client when it is sane, generated otherwise, returned on
//! every response and printed in every access-log line. Server errors are logged here with it,
//! so a 500's body can stay free of internals while the operator can still find the cause.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use rand::Rng;

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
    let mut res = match next.call(req).await {
        Ok(res) => res,
        Err(error) => {
            log::warn!("request_id={id} {method} {path} ended early: {error}");
            return Err(error);
        }
    };
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
