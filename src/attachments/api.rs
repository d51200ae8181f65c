//! `/api/v1/attachments`: uploading a file (the raw bytes as the body), attaching it to a record,
//! listing a record's files, reading one's description and removing it. The download is in
//! `content.rs`, the upload in `upload.rs`; who sees what is in `parents.rs`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::{Attachment, Parent, ParentType};
use super::permissions::UPLOAD_FILES;
use super::repo::{self, Owner};
use super::{parents, ENTITY};
use crate::audit;
use crate::auth::principal::Principal;
use crate::config::AttachmentSettings;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// A file's bytes, exactly as uploaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// The record a file hangs on, given as two query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParentQuery {
    /// The kind of record: with `parent_id`, or neither.
    pub parent_type: Option<ParentType>,
    /// The record's id: with `parent_type`, or neither.
    pub parent_id: Option<i64>,
}

impl ParentQuery {
    pub(super) fn parent(&self) -> Result<Option<Parent>, ApiError> {
        match (self.parent_type, self.parent_id) {
            (Some(kind), Some(id)) => Ok(Some(Parent { kind, id })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ApiError::invalid_parameter("parent_id", "is required with parent_type")),
            (None, Some(_)) => Err(ApiError::invalid_parameter("parent_type", "is required with parent_id")),
        }
    }
}

/// Where to attach an uploaded file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachTo {
    pub parent_type: ParentType,
    #[schema(example = 42)]
    pub parent_id: i64,
}

/// Refuses a file with 413 when it is larger than one file may be.
pub(super) fn too_large(settings: &AttachmentSettings) -> ApiError {
    ApiError::PayloadTooLarge { limit: usize::try_from(settings.max_bytes).unwrap_or(usize::MAX) }
}

/// Fails with 409 when `adding` more bytes would take `parent`'s files past the per-record limit.
pub(super) fn check_record_limit(
    conn: &mut DbConn,
    settings: &AttachmentSettings,
    parent: Parent,
    adding: i64,
) -> Result<(), ApiError> {
    repo::lock_parent(conn, parent)?;
    let total = repo::total_of(conn, parent)?.saturating_add(adding);
    if total as u64 > settings.max_bytes_per_record {
        return Err(ApiError::Conflict(format!(
            "the files of {parent} would hold {total} bytes, more than OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD ({} bytes) allows",
            settings.max_bytes_per_record
        )));
    }
    Ok(())
}

/// Lists the files of one record (`parent_type` and `parent_id`), or, with neither, the caller's
/// own uploads not attached yet. A record the caller may not see is 404, as a missing one.
#[utoipa::path(
    operation_id = "list_attachments",
    tag = "attachments",
    params(ParentQuery, PageQuery),
    responses(
        (status = 200, description = "A page of files, oldest first", body = Page<Attachment>),
        (status = 404, description = "No such record, or not one visible to you", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    parent: web::Query<ParentQuery>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let parent = parent.parent()?;
    listing
        .answer(&state.pool, "attachments", move |conn, page| {
            let owner = match parent {
                Some(parent) => {
                    parents::rights(conn, &principal, parent)?.filter(|r| r.sees).ok_or(ApiError::NotFound)?;
                    Owner::Parent(parent)
                }
                None => Owner::Unattached(principal.user_id),
            };
            let rows = repo::list(conn, owner, page.updated_since, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Attachment::from(&r)))
        })
        .await
}

/// Reads a file's description (the bytes are at `content_url`).
#[utoipa::path(
    operation_id = "get_attachment",
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file's description", body = Attachment, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
    )
)]
#[get("/attachments/{id}")]
pub async fn get(
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
    Ok(entity_response(&req, StatusCode::OK, &Attachment::from(&row), row.version))
}

/// Attaches an uploaded file to a record (its uploader, or an admin, who may change the record).
/// A file has one parent: attaching it again to the same record changes nothing; to another is
/// 409. Honors If-Match.
#[utoipa::path(
    operation_id = "attach_attachment",
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    request_body = AttachTo,
    responses(
        (status = 200, description = "Attached", body = Attachment, headers(("ETag" = String))),
        (status = 409, description = "Attached to another record already, or the record's files would pass OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/attachments/{id}/parent")]
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<AttachTo>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&UPLOAD_FILES)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let parent = Parent { kind: input.parent_type, id: input.parent_id };
    let settings = state.config.attachments.clone();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::find(conn, id)?.ok_or(ApiError::NotFound)?;
        let rights = parents::rights_on(conn, &principal, &row)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        match row.parent() {
            Some(current) if current == parent => return Reply::entity(&Attachment::from(&row), row.version),
            Some(current) => {
                return Err(ApiError::Conflict(format!(
                    "the file is attached to {current} already; a file has one parent (upload it again for another)"
                )))
            }
            None if !rights.changes => return Err(ApiError::Forbidden("only the uploader attaches this file".into())),
            None => {}
        }
        parents::writable(conn, &principal, parent, |detail| ApiError::invalid("/parent_id", detail))?;
        check_record_limit(conn, &settings, parent, row.size_bytes)?;
        if !repo::set_parent(conn, id, row.version, parent)? {
            return Err(ApiError::changed_concurrently("attachment"));
        }
        let after = repo::find(conn, id)?.ok_or(ApiError::NotFound)?;
        let (before, view) = (Attachment::from(&row), Attachment::from(&after));
        audit::record(conn, &actor, "attachment.attached", ENTITY, id, Some(&before), Some(&view))?;
        Reply::entity(&view, after.version)
    })
    .await
}

/// Removes a file (whoever may change its record; a file not attached yet, its uploader). The
/// files of an issued invoice or bill stay: 409. The removal is in the audit log. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_attachment",
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "The file belongs to an issued invoice or bill", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/attachments/{id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::find(conn, id)?.ok_or(ApiError::NotFound)?;
        let rights = parents::rights_on(conn, &principal, &row)?.ok_or(ApiError::NotFound)?;
        if !rights.changes || !principal.may(&UPLOAD_FILES) {
            return Err(ApiError::Forbidden("your roles do not allow you to remove this file".into()));
        }
        if_match.check(row.version)?;
        if let Some(reason) = rights.locked {
            return Err(ApiError::Conflict(reason));
        }
        if !repo::delete(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("attachment"));
        }
        audit::record(conn, &actor, "attachment.deleted", ENTITY, id, Some(&Attachment::from(&row)), None)?;
        Ok(Reply::no_content())
    })
    .await
}
