//! `Idempotency-Key` on POST: the first response is kept per (principal, key) for 24 hours and
//! replayed with `Idempotent-Replayed: true`; the same key with another body is 422; while the
//! first request is still running, 409. The records live in the database, so a retry that lands
//! on another node behind the load balancer is answered the same way.
//!
//! Applies to authenticated requests (the key is scoped to the caller). A response marked
//! `Cache-Control: no-store` holds a secret shown once (a new API key's); its body is not kept, and
//! a replay says so with 409 instead of showing the secret again.
//!
//! The answer to a request that changed something is stored in the same transaction as the
//! change (`http::reply::commit`, through the [`OwnedKey`] this middleware hands the handler): a
//! crash between the commit and an answer stored afterwards would leave the key unfinished, and a
//! retry after [`ABANDONED_AFTER`] would make the change a second time. Answers that changed
//! nothing (a 422, a 404) are stored after the handler, as before: losing one only means the
//! retry runs again.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use chrono::TimeDelta;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::{self, schema::idempotency_keys, DbConn, DbPool};
use crate::error::{ApiError, Problem, PROBLEM_JSON};
use crate::http::json::read_body;

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const KEEP_FOR: TimeDelta = TimeDelta::hours(24);
/// An in-flight record older than this belongs to a request that died with its node; a retry
/// may take it over.
const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(2);
/// Response headers worth replaying.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

#[derive(Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Record {
    request_hash: String,
    state: String,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

enum Claim {
    /// This request owns the key (claimed at this time): run it and store its response.
    Owned(chrono::NaiveDateTime),
    Replay(Record),
}

/// The key this request owns, in the request's extensions for `http::reply::commit`.
#[derive(Clone, Debug)]
pub struct OwnedKey {
    scope: String,
    key: String,
    claimed_at: chrono::NaiveDateTime,
    recorded: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl OwnedKey {
    /// Stores an answer (`http::reply::Reply`'s parts) as the key's, inside the caller's
    /// transaction. Fails (and so rolls the change back) when the key is no longer this
    /// request's: a retry took it over after [`ABANDONED_AFTER`], and its own run is the one that
    /// counts.
    pub fn record(
        &self,
        conn: &mut DbConn,
        status: StatusCode,
        headers: &[(HeaderName, String)],
        body: &[u8],
        secret: bool,
    ) -> Result<(), ApiError> {
        let headers = headers.iter().map(|(name, value)| (name.clone(), value.clone()));
        if !self.store(conn, status, headers, body.to_vec(), secret)? {
            return Err(ApiError::Conflict(
                "this request ran so long that a retry with the same Idempotency-Key took over; that retry's answer counts"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Writes the answer to be replayed (the headers worth keeping; for a secret, the 409 that
    /// says it is not kept). False when the key is no longer this request's.
    fn store(
        &self,
        conn: &mut DbConn,
        status: StatusCode,
        headers: impl Iterator<Item = (HeaderName, String)>,
        body: Vec<u8>,
        secret: bool,
    ) -> QueryResult<bool> {
        let kept: Vec<(String, String)> = headers
            .filter(|(name, _)| KEPT_HEADERS.contains(name))
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        let (status, headers, body) = if secret {
            let (headers, body) = secret_not_kept(status);
            (StatusCode::CONFLICT, headers, body)
        } else {
            (status, serde_json::to_string(&kept).unwrap_or_default(), body)
        };
        let updated = diesel::update(
            idempotency_keys::table
                .find((&self.scope, &self.key))
                .filter(idempotency_keys::state.eq("in_flight"))
                .filter(idempotency_keys::created_at.eq(self.claimed_at)),
        )
        .set((
            idempotency_keys::state.eq("done"),
            idempotency_keys::response_status.eq(Some(status.as_u16() as i32)),
            idempotency_keys::response_headers.eq(Some(headers)),
            idempotency_keys::response_body.eq(Some(body)),
        ))
        .execute(conn)?;
        Ok(updated == 1)
    }

    /// Gives the key up (the answer decided nothing): a retry runs again. Only this request's
    /// claim, never a retry's that took it over.
    fn release(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::delete(
            idempotency_keys::table
                .find((&self.scope, &self.key))
                .filter(idempotency_keys::state.eq("in_flight"))
                .filter(idempotency_keys::created_at.eq(self.claimed_at)),
        )
        .execute(conn)
        .map(|_| ())
    }

    pub fn mark_recorded(&self) {
        self.recorded.store(true, std::sync::atomic::Ordering::Release);
    }

    fn is_recorded(&self) -> bool {
        self.recorded.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// A JSON body in one canonical form (object keys sorted, no insignificant white space), so that a
/// client that serialises the same retry with its keys in another order sends the same request.
/// A body that is not JSON is taken byte for byte; `null` is taken as no body.
fn canonical_body(body: &[u8]) -> Vec<u8> {
    fn write(value: &serde_json::Value, out: &mut Vec<u8>) {
        match value {
            serde_json::Value::Object(fields) => {
                let mut keys: Vec<&String> = fields.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(key).unwrap_or_default());
                    out.push(b':');
                    write(&fields[key], out);
                }
                out.push(b'}');
            }
            serde_json::Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, out);
                }
                out.push(b']');
            }
            scalar => out.extend(serde_json::to_vec(scalar).unwrap_or_default()),
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        // JSON null says what no body says (an optional body left out): the same request.
        Ok(serde_json::Value::Null) => Vec::new(),
        Ok(value) => {
            let mut out = Vec::with_capacity(body.len());
            write(&value, &mut out);
            out
        }
        Err(_) => body.to_vec(),
    }
}

/// What makes two requests the same request: method, path, query, the preconditions they carry
/// (an If-Match changes what a request means) and the body.
fn request_hash(method: &Method, path: &str, query: &str, if_match: Option<&[u8]>, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"?");
    hasher.update(query.as_bytes());
    hasher.update(b"\nif-match:");
    hasher.update(if_match.unwrap_or(b"(none)"));
    hasher.update(b"\n");
    hasher.update(canonical_body(body));
    hex::encode(hasher.finalize())
}

fn try_insert(conn: &mut DbConn, scope: &str, key: &str, hash: &str) -> QueryResult<Option<chrono::NaiveDateTime>> {
    let now = db::now();
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(scope),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::state.eq("in_flight"),
            idempotency_keys::created_at.eq(now),
            idempotency_keys::expires_at.eq(now + KEEP_FOR),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Some(now)),
        Err(e) if db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Claims the key for this request, or finds the earlier request's record.
fn claim(conn: &mut DbConn, scope: &str, key: &str, hash: &str) -> Result<Claim, ApiError> {
    for _ in 0..3 {
        if let Some(claimed_at) = try_insert(conn, scope, key, hash)? {
            return Ok(Claim::Owned(claimed_at));
        }
        let found: Option<Record> =
            idempotency_keys::table.find((scope, key)).select(Record::as_select()).first(conn).optional()?;
        let Some(record) = found else { continue };
        let now = db::now();
        let stale =
            record.expires_at <= now || (record.state == "in_flight" && record.created_at + ABANDONED_AFTER <= now);
        if stale {
            // Whoever deletes the stale record first retries the insert; the others see it gone.
            diesel::delete(
                idempotency_keys::table.find((scope, key)).filter(idempotency_keys::created_at.eq(record.created_at)),
            )
            .execute(conn)?;
            continue;
        }
        return Ok(Claim::Replay(record));
    }
    Err(ApiError::Conflict("another request with this Idempotency-Key is being processed".into()))
}

/// Responses that say nothing final about the request are not kept: a retry should run again.
/// Among them the answers to malformed requests (400, 413, 415), which never reached a handler:
/// the corrected request, sent with the same key, must run.
fn is_final(status: StatusCode) -> bool {
    !(status.is_server_error() || matches!(status.as_u16(), 400 | 401 | 409 | 412 | 413 | 415 | 429))
}

fn replay(record: Record, hash: &str) -> actix_web::HttpResponse {
    if record.request_hash != hash {
        return ApiError::invalid_parameter(
            "Idempotency-Key",
            "was already used for a different request; use a new key for a new request",
        )
        .error_response();
    }
    if record.state != "done" {
        return ApiError::Conflict(
            "the first request with this Idempotency-Key is still being processed; retry shortly".into(),
        )
        .error_response();
    }
    let status = record.response_status.and_then(|s| StatusCode::from_u16(s as u16).ok()).unwrap_or(StatusCode::OK);
    let mut response = actix_web::HttpResponse::build(status);
    let headers: Vec<(String, String)> =
        record.response_headers.as_deref().and_then(|h| serde_json::from_str(h).ok()).unwrap_or_default();
    for (name, value) in headers {
        response.insert_header((name, value));
    }
    response.insert_header((REPLAYED, "true"));
    response.body(record.response_body.unwrap_or_default())
}

/// What a replay of a `no-store` response gets instead of the secret.
fn secret_not_kept(status: StatusCode) -> (String, Vec<u8>) {
    let problem = Problem {
        problem_type: "/problems/secret-not-replayable".into(),
        title: "Response not replayable".into(),
        status: StatusCode::CONFLICT.as_u16(),
        detail: format!(
            "the first request with this Idempotency-Key succeeded ({}); its response held a secret that is shown only once and was not kept",
            status.as_u16()
        ),
        errors: None,
    };
    let headers = serde_json::to_string(&[("content-type", PROBLEM_JSON)]).unwrap_or_default();
    (headers, serde_json::to_vec(&problem).unwrap_or_default())
}

/// The caller's scope in which an `Idempotency-Key` is unique ("user:7", "api_key:3"), put in the
/// request's extensions by the authentication middleware, which runs first; a request without it
/// has no caller and keeps nothing.
#[derive(Debug, Clone)]
pub struct Scope(pub String);

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(key) = req.headers().get(&HEADER).map(|v| v.to_str().map(str::to_string)) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Ok(key) = key.map_err(|_| ()).and_then(|k| if (1..=255).contains(&k.len()) { Ok(k) } else { Err(()) }) else {
        let error = ApiError::invalid_parameter("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
        return Ok(req.into_response(error.error_response()));
    };
    let Some(scope) = req.extensions().get::<Scope>().map(|scope| scope.0.clone()) else {
        // Unauthenticated or bad credentials: the handler answers (401), nothing to keep.
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let (Some(config), Some(pool)) =
        (req.app_data::<web::Data<Config>>().cloned(), req.app_data::<web::Data<DbPool>>().cloned())
    else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    // An upload's body is a file, up to its own limit rather than the JSON one; a retried upload
    // must be recognised by its bytes, so they are read here once (in memory: uploads sent
    // without an Idempotency-Key are streamed to the database instead).
    let limit = config.body_limit_for(req.path());
    let (http_request, payload) = req.parts_mut();
    let body = match read_body(http_request, payload, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(req.into_response(error.error_response())),
    };
    let if_match = req.headers().get(header::IF_MATCH).map(|v| v.as_bytes().to_vec());
    let hash = request_hash(req.method(), req.path(), req.query_string(), if_match.as_deref(), &body);
    req.set_payload(actix_web::dev::Payload::from(body));

    let (claim_scope, claim_key, claim_hash) = (scope.clone(), key.clone(), hash.clone());
    let claimed = db::run_writing(&pool, move |conn| claim(conn, &claim_scope, &claim_key, &claim_hash)).await;
    let owned = match claimed {
        Err(error) => return Ok(req.into_response(error.error_response())),
        Ok(Claim::Replay(record)) => return Ok(req.into_response(replay(record, &hash))),
        Ok(Claim::Owned(claimed_at)) => {
            OwnedKey { scope: scope.clone(), key: key.clone(), claimed_at, recorded: Default::default() }
        }
    };
    req.extensions_mut().insert(owned.clone());

    let mut response = next.call(req).await?.map_into_boxed_body();
    if owned.is_recorded() {
        // Stored with the change it answers, in the handler's transaction.
        response.headers_mut().insert(REPLAYED, HeaderValue::from_static("false"));
        return Ok(response);
    }
    let status = response.status();
    if !is_final(status) {
        if let Err(e) = db::run_writing(&pool, move |conn| Ok(owned.release(conn)?)).await {
            log::warn!("could not release idempotency key: {e}");
        }
        return Ok(response);
    }
    // An answer that changed nothing (a 422, a 404), or one from a handler that does not answer
    // through `http::reply::commit`: stored now. Losing it in a crash only means a retry runs again.
    if status.is_success() {
        let request = response.request();
        log::warn!("{} {}: the answer was not stored with its change", request.method(), request.path());
    }
    let (http_request, http_response) = response.into_parts();
    let (head, body) = http_response.into_parts();
    let bytes = body::to_bytes(body).await.unwrap_or_default();
    let no_store =
        head.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-store"));
    let headers: Vec<(HeaderName, String)> = head
        .headers()
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.clone(), v.to_string())))
        .collect();
    let body_to_store = bytes.to_vec();
    let stored = db::run_writing(&pool, move |conn| {
        Ok(owned.store(conn, status, headers.into_iter(), body_to_store, no_store)?)
    })
    .await;
    if let Err(e) = stored {
        log::warn!("could not store idempotent response: {e}");
    }
    let mut rebuilt = head.set_body(bytes);
    rebuilt.headers_mut().insert(REPLAYED, HeaderValue::from_static("false"));
    Ok(ServiceResponse::new(http_request, rebuilt.map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_json_in_another_order_is_the_same_request() {
        let a = request_hash(&Method::POST, "/x", "", None, br#"{"b": 1, "a": {"d": [1, 2], "c": null}}"#);
        let b = request_hash(&Method::POST, "/x", "", None, br#"{"a":{"c":null,"d":[1,2]},"b":1}"#);
        assert_eq!(a, b);
        let c = request_hash(&Method::POST, "/x", "", None, br#"{"a":{"c":null,"d":[2,1]},"b":1}"#);
        assert_ne!(a, c, "array order matters");
        let d = request_hash(&Method::POST, "/x", "", Some(b"\"1\""), br#"{"b": 1, "a": {"d": [1, 2], "c": null}}"#);
        assert_ne!(a, d, "a precondition makes another request");
        let empty = request_hash(&Method::POST, "/x", "", None, b"");
        assert_eq!(empty, request_hash(&Method::POST, "/x", "", None, b" null "), "null is no body");
        assert_ne!(empty, request_hash(&Method::POST, "/x", "", None, b"{}"));
    }
}
