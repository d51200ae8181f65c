//! `GET /api/v1/attachments/{id}/content`: a file's bytes, streamed from the database one chunk
//! at a time, with its digest as a strong ETag (If-None-Match → 304) and one byte range at a time
//! (RFC 9110 §14): `bytes=a-b`, `bytes=a-` and `bytes=-n` answer 206 with `Content-Range`; a range
//! that starts past the end answers 416 with `Content-Range: bytes */size`. A request for several
//! ranges is answered with the whole file (200), which RFC 9110 allows; a multipart/byteranges
//! body would buy clients little and cost a second code path. An `If-Range` that does not name the
//! current ETag also gets the whole file.

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures_util::stream;

use super::model::{content_disposition, AttachmentRow, CHUNK_SIZE};
use super::{parents, repo};
use crate::auth::principal::Principal;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::state::AppState;

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Wanted {
    /// The whole file: no Range, one this server ignores (not `bytes=`, malformed), or several.
    Whole,
    /// Bytes `start..=end` (inclusive, within the file).
    Part { start: u64, end: u64 },
    /// No byte of the range lies in the file.
    Unsatisfiable,
}

/// Reads a `Range` header for a file of `size` bytes.
pub fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let number =
        |s: &str| if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) { None } else { s.parse::<u64>().ok() };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => Wanted::Whole,
            Some(0) => Wanted::Unsatisfiable,
            Some(_) if size == 0 => Wanted::Unsatisfiable,
            Some(n) => Wanted::Part { start: size.saturating_sub(n), end: size - 1 },
        },
        (first, "") => match number(first) {
            None => Wanted::Whole,
            Some(start) if start >= size => Wanted::Unsatisfiable,
            Some(start) => Wanted::Part { start, end: size - 1 },
        },
        (first, last) => match (number(first), number(last)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= size {
                    Wanted::Unsatisfiable
                } else {
                    Wanted::Part { start, end: end.min(size - 1) }
                }
            }
            // An invalid range (last before first) is ignored, as RFC 9110 says.
            _ => Wanted::Whole,
        },
    }
}

/// The bytes `start..=end` of a file, read chunk by chunk as the client takes them: only the
/// chunks the range covers are read, and never more than one is held at a time.
fn body(
    pool: DbPool,
    id: i64,
    start: u64,
    end: u64,
) -> SizedStream<impl futures_util::Stream<Item = Result<web::Bytes, ApiError>>> {
    let chunk = CHUNK_SIZE as u64;
    let first = (start / chunk) as i32;
    let last = (end / chunk) as i32;
    let chunks = stream::unfold(first, move |seq| {
        let pool = pool.clone();
        async move {
            if seq > last {
                return None;
            }
            let read = db::run(&pool, move |conn| Ok(repo::chunk(conn, id, seq)?)).await;
            let bytes = match read {
                Ok(Some(bytes)) => web::Bytes::from(bytes),
                // Deleted while it was being sent: the transfer stops short, and the client sees
                // a body shorter than Content-Length.
                Ok(None) => return Some((Err(ApiError::NotFound), last + 1)),
                Err(e) => return Some((Err(e), last + 1)),
            };
            let offset = seq as u64 * chunk;
            let from = start.saturating_sub(offset).min(bytes.len() as u64) as usize;
            let to = ((end + 1).saturating_sub(offset)).min(bytes.len() as u64) as usize;
            Some((Ok(bytes.slice(from..to.max(from))), seq + 1))
        }
    });
    SizedStream::new(end - start + 1, chunks)
}

fn etag_of(row: &AttachmentRow) -> String {
    format!("\"{}\"", row.sha256)
}

fn header_names(req: &HttpRequest, name: header::HeaderName, etag: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Downloads a file's bytes. `Range` asks for part of it (one range), `If-None-Match` with its
/// ETag (the SHA-256) answers 304. Always `Content-Disposition: attachment`, with
/// `X-Content-Type-Options: nosniff`, so a browser saves a file instead of running it here.
#[utoipa::path(
    operation_id = "download_attachment",
    tag = "attachments",
    params(
        ("id" = i64, Path, description = "Attachment id"),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=0-1023`, `bytes=1024-` or `bytes=-500` (several ranges: the whole file)"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag already held: 304 when it is the file's"),
        ("If-Range" = Option<String>, Header, description = "Answer the Range only while the file's ETag is this one"),
    ),
    responses(
        (status = 200, description = "The whole file, as it was uploaded", content_type = "*/*", body = inline(super::api::FileBytes), headers(("ETag" = String, description = "The SHA-256 in quotes"), ("Content-Disposition" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The range asked for", content_type = "*/*", body = inline(super::api::FileBytes), headers(("Content-Range" = String, description = "bytes first-last/size"), ("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match names the file's ETag)"),
        (status = 416, description = "No byte of the range is in the file; `Content-Range: bytes */size`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments/{id}/content")]
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        let row = repo::find(conn, id)?.ok_or(ApiError::NotFound)?;
        parents::rights_on(conn, &principal, &row)?.ok_or(ApiError::NotFound)?;
        Ok(row)
    })
    .await?;
    let etag = etag_of(&row);
    if header_names(&req, header::IF_NONE_MATCH, &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let size = row.size_bytes.max(0) as u64;
    let if_range_holds =
        req.headers().get(header::IF_RANGE).is_none_or(|_| header_names(&req, header::IF_RANGE, &etag));
    let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| if_range_holds);
    let mut response = match wanted(range, size) {
        Wanted::Unsatisfiable => {
            let problem = crate::error::problem_response(
                actix_web::http::StatusCode::RANGE_NOT_SATISFIABLE,
                "range-not-satisfiable",
                "Range not satisfiable",
                format!("the file holds {size} bytes; no byte of the range asked for is in it"),
                None,
            );
            let mut problem = problem;
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                problem.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(problem);
        }
        Wanted::Part { start, end } => {
            let mut builder = HttpResponse::PartialContent();
            builder.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            builder.body(body(state.pool.clone(), row.id, start, end))
        }
        Wanted::Whole if size == 0 => HttpResponse::Ok().finish(),
        Wanted::Whole => HttpResponse::Ok().body(body(state.pool.clone(), row.id, 0, size - 1)),
    };
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&row.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    for (name, value) in [
        (header::ETAG, etag),
        (header::CONTENT_DISPOSITION, content_disposition(&row.filename)),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_string()),
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::Wanted::*;
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(wanted(None, 10), Whole);
        assert_eq!(wanted(Some("bytes=0-3"), 10), Part { start: 0, end: 3 });
        assert_eq!(wanted(Some("bytes=4-"), 10), Part { start: 4, end: 9 });
        assert_eq!(wanted(Some("bytes=-3"), 10), Part { start: 7, end: 9 });
        assert_eq!(wanted(Some("bytes=-30"), 10), Part { start: 0, end: 9 });
        assert_eq!(wanted(Some("bytes=5-100"), 10), Part { start: 5, end: 9 });
        assert_eq!(wanted(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(wanted(Some("bytes=10-12"), 10), Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,4-5"), 10), Whole);
        assert_eq!(wanted(Some("bytes=5-2"), 10), Whole);
        assert_eq!(wanted(Some("items=0-1"), 10), Whole);
        assert_eq!(wanted(Some("bytes=x-1"), 10), Whole);
        assert_eq!(wanted(Some("bytes=99999999999999999999999-"), 10), Whole);
    }
}
