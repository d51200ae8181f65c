//! The answer to a write, made inside its transaction. A POST that changes something builds its
//! [`Reply`] in the same database transaction as the change, and [`commit`] stores that reply
//! under the request's `Idempotency-Key` in that transaction too: a crash or a timeout after the
//! commit can never leave an effect without the answer a retry must replay (a retry that found
//! only an unfinished key once ran the payment again).

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;

use super::etag::etag_value;
use super::idempotency::OwnedKey;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// A response that can be built on a database thread and stored: status, the headers worth
/// replaying and the body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: web::Bytes,
    /// The body holds a secret shown once (a new API key): it is answered but never stored.
    pub secret: bool,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Reply, ApiError> {
        let body = serde_json::to_vec(body).map_err(ApiError::internal)?;
        Ok(Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, "application/json".into())],
            body: body.into(),
            secret: false,
        })
    }

    /// 200 with a versioned entity and its ETag.
    pub fn entity<T: Serialize>(body: &T, version: i64) -> Result<Reply, ApiError> {
        Ok(Reply::json(StatusCode::OK, body)?.with_header(header::ETAG, etag_value(version)))
    }

    /// 201 for a new versioned entity: its body, ETag and Location.
    pub fn created<T: Serialize>(body: &T, version: i64, location: &str) -> Result<Reply, ApiError> {
        Ok(Reply::json(StatusCode::CREATED, body)?
            .with_header(header::ETAG, etag_value(version))
            .with_header(header::LOCATION, location.to_string()))
    }

    /// 204.
    pub fn no_content() -> Reply {
        Reply { status: StatusCode::NO_CONTENT, headers: Vec::new(), body: web::Bytes::new(), secret: false }
    }

    pub fn with_header(mut self, name: HeaderName, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// Marks the body as a secret shown once: `Cache-Control: no-store`, and a replay answers
    /// 409 instead of showing it again.
    pub fn secret(mut self) -> Reply {
        self.secret = true;
        self.with_header(header::CACHE_CONTROL, "no-store".into())
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.insert_header((name, value));
            }
        }
        response.body(self.body)
    }
}

/// Runs `f` in one write transaction and answers with the reply it makes. When the request
/// carries an `Idempotency-Key` that this request owns, the reply is stored under it before the
/// transaction commits; should the key have been taken over meanwhile (by a retry after this
/// request ran past the takeover time), the change rolls back and the answer is 409.
pub async fn commit<F>(req: &HttpRequest, pool: &DbPool, f: F) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<Reply, ApiError> + Send + 'static,
{
    let owned = req.extensions().get::<OwnedKey>().cloned();
    let in_transaction = owned.clone();
    let reply = db::run_write(pool, move |conn| {
        let reply = f(conn)?;
        if let Some(owned) = &in_transaction {
            owned.record(conn, reply.status, &reply.headers, &reply.body, reply.secret)?;
        }
        Ok(reply)
    })
    .await?;
    if let Some(owned) = owned {
        owned.mark_recorded();
    }
    Ok(reply.into_response())
}
