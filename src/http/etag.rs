//! Optimistic concurrency: every mutable row has a `version`; responses carry it as a strong
//! `ETag`, and `If-Match` on PATCH/PUT/DELETE and transitions must name the current one (412
//! otherwise). Updates are conditional on the version they read, so a lost update is impossible
//! even without `If-Match`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use std::future::{ready, Ready};

use crate::error::ApiError;

pub fn etag_value(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` request header: absent, `*`, or a list of entity tags.
#[derive(Debug, Clone)]
pub enum IfMatch {
    Absent,
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Fails with 412 when the header is present and does not name `current_version`.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        match self {
            IfMatch::Absent | IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.iter().any(|t| *t == etag_value(current_version)) => Ok(()),
            IfMatch::Tags(_) => Err(ApiError::PreconditionFailed(format!(
                "the resource has changed: its current ETag is {}",
                etag_value(current_version)
            ))),
        }
    }
}

fn parse_if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let Some(raw) = req.headers().get(header::IF_MATCH) else {
        return Ok(IfMatch::Absent);
    };
    let raw = String::from_utf8_lossy(raw.as_bytes());
    if raw.trim().is_empty() || raw.len() > 255 {
        return Err(ApiError::invalid_parameter(
            "If-Match",
            "must be an entity tag such as \"3\" (1 to 255 characters)",
        ));
    }
    if raw.trim() == "*" {
        return Ok(IfMatch::Any);
    }
    // Whatever else is sent is compared as entity tags: a weak tag (RFC 9110 §13.1.1) or a value
    // that is no tag at all names no current version, so the answer is 412, as for a stale tag.
    Ok(IfMatch::Tags(raw.split(',').map(|t| t.trim().to_string()).collect()))
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_if_match(req))
    }
}

/// A JSON response for one versioned entity, with its ETag. Answers 304 when the request's
/// `If-None-Match` already names the current version.
pub fn entity_response<T: Serialize>(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    body: &T,
    version: i64,
) -> HttpResponse {
    let etag = etag_value(version);
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified && req.method() == actix_web::http::Method::GET {
        return HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish();
    }
    HttpResponse::build(status).insert_header((header::ETAG, etag)).json(body)
}

/// A 201 for a new versioned entity: its body, ETag and `Location`.
pub fn created_response<T: Serialize>(req: &HttpRequest, body: &T, version: i64, location: &str) -> HttpResponse {
    let mut response = entity_response(req, actix_web::http::StatusCode::CREATED, body, version);
    if let Ok(location) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        assert!(IfMatch::Tags(vec!["\"3\"".into()]).check(3).is_ok());
        assert!(IfMatch::Tags(vec!["\"2\"".into()]).check(3).is_err());
        assert!(IfMatch::Tags(vec!["W/\"3\"".into()]).check(3).is_err());
        assert!(IfMatch::Any.check(7).is_ok());
        assert!(IfMatch::Absent.check(7).is_ok());
    }
}
