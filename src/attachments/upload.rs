//! `POST /api/v1/attachments`: the raw bytes of one file as the body. The body is read as it
//! arrives and written to the database in chunks as they fill, each in its own short
//! transaction (an upload never holds the write lock while the client is still sending), with
//! its SHA-256 computed on the way; past the per-file limit it stops at once with 413. The
//! row stays invisible (`complete = false`) until the last transaction completes it, attaches it
//! and writes the audit event; an upload that fails is removed, and one cut off by the request
//! timeout or a dying node is swept by a later upload.

use actix_web::http::header::{self, ContentDisposition, Header};
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::api::{check_record_limit, too_large, FileBytes, ParentQuery};
use super::model::{self, Attachment, CHUNK_SIZE};
use super::permissions::UPLOAD_FILES;
use super::{parents, repo, ENTITY};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::reply::{self, Reply};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct FilenameQuery {
    pub filename: Option<String>,
}

/// The file's name: the `filename` parameter, else the one `Content-Disposition` gives.
fn filename(req: &HttpRequest, given: Option<&str>) -> Result<String, ApiError> {
    let from_header = ContentDisposition::parse(req).ok().and_then(|cd| {
        cd.get_filename_ext()
            .and_then(|ext| String::from_utf8(ext.value.clone()).ok())
            .or_else(|| cd.get_filename().map(str::to_string))
    });
    let Some(raw) = given.map(str::to_string).or(from_header) else {
        return Err(ApiError::invalid_parameter(
            "filename",
            "is required (or a Content-Disposition header with a filename)",
        ));
    };
    model::check_filename(&raw).map_err(|problem| ApiError::invalid_parameter("filename", problem))
}

/// The declared type (application/octet-stream when none is given).
fn content_type(req: &HttpRequest) -> Result<String, ApiError> {
    let mime = req.mime_type().map_err(|_| {
        ApiError::UnsupportedMediaType("Content-Type: is not a media type such as application/pdf".into())
    })?;
    let declared = mime.map(|m| m.to_string()).unwrap_or_else(|| "application/octet-stream".into());
    if declared.len() > 255 {
        return Err(ApiError::invalid_parameter("Content-Type", "must be at most 255 characters long"));
    }
    Ok(declared)
}

fn refuse_executable_bytes(first_bytes: &[u8]) -> Result<(), ApiError> {
    match model::executable_magic(first_bytes) {
        None => Ok(()),
        Some(what) => Err(ApiError::UnsupportedMediaType(format!(
            "body: the file's first bytes make it {what}; executable files are refused whatever their name or Content-Type"
        ))),
    }
}

async fn store(pool: &DbPool, id: i64, seq: i32, bytes: web::Bytes) -> Result<(), ApiError> {
    db::run_write(pool, move |conn| Ok(repo::insert_chunk(conn, id, seq, &bytes)?)).await
}

/// Reads the body into the attachment's chunks; returns its size and hex SHA-256.
async fn receive(pool: &DbPool, id: i64, payload: &mut web::Payload, max: u64) -> Result<(i64, String), ApiError> {
    let mut hasher = Sha256::new();
    let mut buffer = web::BytesMut::new();
    let (mut seq, mut size, mut checked) = (0i32, 0u64, false);
    while let Some(piece) = payload.next().await {
        let piece = piece.map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        size += piece.len() as u64;
        if size > max {
            return Err(ApiError::PayloadTooLarge { limit: usize::try_from(max).unwrap_or(usize::MAX) });
        }
        hasher.update(&piece);
        buffer.extend_from_slice(&piece);
        if !checked && buffer.len() >= 4 {
            refuse_executable_bytes(&buffer)?;
            checked = true;
        }
        while buffer.len() >= CHUNK_SIZE {
            store(pool, id, seq, buffer.split_to(CHUNK_SIZE).freeze()).await?;
            seq += 1;
        }
    }
    if size == 0 {
        return Err(empty_file());
    }
    if !checked {
        refuse_executable_bytes(&buffer)?;
    }
    if !buffer.is_empty() {
        store(pool, id, seq, buffer.freeze()).await?;
    }
    Ok((size as i64, hex::encode(hasher.finalize())))
}

/// A request without a body (or an empty file) is almost always a client's mistake, e.g. a
/// mistyped path given to `curl --data-binary @…`; storing it would hide that.
fn empty_file() -> ApiError {
    ApiError::Invalid(vec![crate::error::FieldError::body("", "the file is empty: send its bytes as the request body")])
}

/// Removes an upload that will not complete (its chunks go with it).
async fn discard(pool: &DbPool, id: i64) {
    if let Err(e) = db::run_write(pool, move |conn| Ok(repo::delete_pending(conn, id)?)).await {
        log::warn!("attachments: could not remove the unfinished upload {id}: {e}");
    }
}

/// Uploads one file: the body is its bytes, `Content-Type` its type, `filename` (or
/// `Content-Disposition`) its name. With `parent_type` and `parent_id` it is attached at once;
/// without, it waits (seen by the uploader only) for `PUT /attachments/{id}/parent`. Programs are
/// refused with 415: by declared type, by extension and by their first bytes (MZ, ELF, `#!`,
/// Mach-O), whatever they claim to be. Larger than OPSDESK_ATTACHMENT_MAX_BYTES: 413.
#[utoipa::path(
    operation_id = "upload_attachment",
    tag = "attachments",
    params(
        ("filename" = String, Query, description = "The file's name (1 to 255 characters, no path); may come from Content-Disposition instead", example = "quote.pdf"),
        ParentQuery,
    ),
    request_body(content = inline(FileBytes), content_type = "application/octet-stream", description = "The file's bytes; send the file's own Content-Type (application/octet-stream when unknown)"),
    responses(
        (status = 201, description = "Stored (and attached, when a parent was given)", body = Attachment, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The record's files would pass OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than OPSDESK_ATTACHMENT_MAX_BYTES", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "An executable: by Content-Type, by the filename's extension or by the file's first bytes", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty body, no filename, a name with a path, or a parent that does not exist or is not visible to you", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    name: web::Query<FilenameQuery>,
    parent: web::Query<ParentQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    principal.require(&UPLOAD_FILES)?;
    let settings = state.config.attachments.clone();
    let declared_length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > settings.max_bytes) {
        return Err(too_large(&settings));
    }
    if declared_length == Some(0) {
        return Err(empty_file());
    }
    let parent = parent.parent()?;
    let filename = filename(&req, name.filename.as_deref())?;
    let content_type = content_type(&req)?;
    if model::is_executable_type(&content_type) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type: {content_type} is a program's type; executable files are refused"
        )));
    }
    if model::has_executable_extension(&filename) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "filename: {filename:?} has a program's extension; executable files are refused"
        )));
    }
    let invalid_parent = |detail: String| ApiError::invalid_parameter("parent_id", detail);
    if let Some(parent) = parent {
        // Checked before the bytes are read, so a refused upload costs nothing; again at the end.
        let principal = principal.clone();
        db::run(&state.pool, move |conn| parents::writable(conn, &principal, parent, invalid_parent).map(|_| ()))
            .await?;
    }
    // Uploads that never completed and whose request must be over by now.
    let abandoned = db::now() - state.config.request_timeout - chrono::TimeDelta::minutes(1);
    let uploader = principal.user_id;
    let id = db::run_write(&state.pool, move |conn| {
        repo::sweep_incomplete(conn, abandoned)?;
        Ok(repo::insert_pending(conn, &filename, &content_type, uploader)?)
    })
    .await?;
    let (size, sha256) = match receive(&state.pool, id, &mut payload, settings.max_bytes).await {
        Ok(received) => received,
        Err(e) => {
            discard(&state.pool, id).await;
            return Err(e);
        }
    };
    let actor = principal.actor();
    let finished = reply::commit(&req, &state.pool, move |conn| {
        if let Some(parent) = parent {
            parents::writable(conn, &principal, parent, invalid_parent)?;
            check_record_limit(conn, &settings, parent, size)?;
        }
        if !repo::finish(conn, id, size, &sha256, parent)? {
            return Err(ApiError::Conflict("the upload took too long and was cleared; send it again".into()));
        }
        let row = repo::find(conn, id)?.ok_or(ApiError::NotFound)?;
        let view = Attachment::from(&row);
        audit::record(conn, &actor, "attachment.uploaded", ENTITY, id, None, Some(&view))?;
        Reply::created(&view, row.version, &format!("/api/v1/attachments/{id}"))
    })
    .await;
    if finished.is_err() {
        discard(&state.pool, id).await;
    }
    finished
}
