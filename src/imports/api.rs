//! `/api/v1/imports`: uploading a file (a job is queued and answered 202), reading a job's
//! progress, its row errors, and the caller's jobs. A job is visible to whoever queued it, and
//! to admins and auditors.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::kinds;
use super::model::{ImportCommit, ImportFormat, ImportJob, ImportKind, ImportMode, JobRow, RowError};
use super::parse;
use super::permissions::SEE_EVERY_IMPORT;
use super::repo::{self, NewJob};
use crate::auth::principal::{Credential, Principal};
use crate::db;
use crate::error::ApiError;
use crate::http::etag::entity_response;
use crate::http::json::read_body;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// The uploaded file, as raw bytes: its text is read by the server (UTF-8, checked), so the
/// document describes it as a file, not as a JSON string.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ImportFile(#[allow(dead_code)] Vec<u8>);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// What the file holds.
    #[param(inline)]
    pub kind: ImportKind,
    /// How a row meets a record with the same natural key (customers and vendors: external_ref;
    /// items: sku; employees: employee_number): `insert` (default) refuses it, `update` requires
    /// it and changes the fields given (as PATCH does), `upsert` takes either. Opening stock is
    /// insert only.
    #[param(inline)]
    pub mode: Option<ImportMode>,
    /// `whole_file` (default): every row or none; `per_row`: the good rows are kept.
    #[param(inline)]
    pub commit: Option<ImportCommit>,
    /// true: check every row and write nothing; the job says what would have been inserted and
    /// updated, and lists the errors.
    pub dry_run: Option<bool>,
}

/// The job, if the caller may see it; someone else's is "not found".
fn visible(principal: &Principal, row: Option<JobRow>) -> Result<JobRow, ApiError> {
    row.filter(|r| r.created_by == principal.user_id || principal.may(&SEE_EVERY_IMPORT)).ok_or(ApiError::NotFound)
}

fn format_of(req: &HttpRequest) -> Result<ImportFormat, ApiError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    match essence.as_str() {
        "text/csv" => Ok(ImportFormat::Csv),
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => Ok(ImportFormat::Ndjson),
        _ => Err(ApiError::UnsupportedMediaType(
            "send the file as text/csv (a header row of field names) or application/x-ndjson (one JSON object per line)"
                .into(),
        )),
    }
}

/// Uploads a file and queues its import. The answer (202) is the job; follow `Location` to see
/// its progress, and `…/errors` for what is wrong with which row and column.
#[utoipa::path(
    operation_id = "create_import",
    tag = "imports",
    params(ImportOptions),
    request_body(
        description = "The file. CSV: a header row naming the fields of the kind's create request (`POST /customers`, `/vendors`, `/inventory/items`, `/employees`; employees may add `employee_number` to update; opening stock: `sku`, `location` (code or id), `quantity`, `unit_cost`, `occurred_on`, `reason`), then one row per record; an empty cell is a field left out; decimals as written. JSON lines: one object per line, the create request's shape.",
        content(
            (inline(ImportFile) = "text/csv", example = "name,email,currency,external_ref\nNorthwind Traders,ap@northwind.example,EUR,CRM-1\n"),
            (inline(ImportFile) = "application/x-ndjson", example = "{\"name\":\"Northwind Traders\",\"currency\":\"EUR\",\"external_ref\":\"CRM-1\"}\n")
        )
    ),
    responses(
        (status = 202, description = "Queued: the job", body = ImportJob, headers(("Location" = String))),
        (status = 400, description = "A query parameter is malformed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow creating this kind", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over OPSDESK_IMPORT_MAX_BYTES, or has more rows than OPSDESK_IMPORT_MAX_ROWS", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv or application/x-ndjson", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An option does not apply (opening stock is insert only) or the file is not UTF-8", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    options: web::Query<ImportOptions>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let options = options.into_inner();
    principal.require(kinds::permission(options.kind))?;
    let mode = options.mode.unwrap_or(ImportMode::Insert);
    if options.kind == ImportKind::OpeningStock && mode != ImportMode::Insert {
        return Err(ApiError::invalid_parameter("mode", "opening stock is only inserted (receipts)"));
    }
    let format = format_of(&req)?;
    let settings = &state.config.imports;
    let bytes = read_body(&req, &mut payload.into_inner(), settings.max_bytes).await?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::invalid("", format!("the file must be UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to()))
    })?;
    if text.contains('\0') {
        return Err(ApiError::invalid("", "the file must not contain NUL characters"));
    }
    if format == ImportFormat::Csv {
        if let Some(problem) = parse::header_problems(&text, &kinds::columns(options.kind)).first() {
            let column = problem.column.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            return Err(ApiError::invalid("", format!("the header row{column}: {}", problem.message)));
        }
    }
    let rows = parse::count_rows(format, &text);
    if rows > settings.max_rows {
        return Err(ApiError::TooManyRows { limit: settings.max_rows });
    }
    let (kind, commit, dry_run) = (options.kind, options.commit.unwrap_or(ImportCommit::WholeFile), options.dry_run);
    let api_key_id = match principal.credential {
        Credential::ApiKey { id } => Some(id),
        Credential::AccessToken => None,
    };
    let (user_id, roles, request_id) = (principal.user_id, principal.roles.to_stored(), principal.request_id.clone());
    reply::commit(&req, &state.pool, move |conn| {
        let new = NewJob {
            kind: kind.as_str(),
            mode: mode.as_str(),
            commit_mode: commit.as_str(),
            dry_run: dry_run.unwrap_or(false),
            format: format.as_str(),
            total_rows: i64::try_from(rows).unwrap_or(i64::MAX),
            created_by: user_id,
            roles: &roles,
            api_key_id,
            request_id: request_id.as_deref(),
        };
        let row = repo::insert(conn, &new, &text)?;
        Ok(Reply::json(StatusCode::ACCEPTED, &ImportJob::from_row(&row))?
            .with_header(header::LOCATION, format!("/api/v1/imports/{}", row.id)))
    })
    .await
}

/// Lists import jobs, newest first: the caller's own, or (admin, auditor) everyone's.
#[utoipa::path(
    operation_id = "list_imports",
    tag = "imports",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of jobs", body = Page<ImportJob>),
        (status = 422, description = "A query parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let creator = (!principal.may(&SEE_EVERY_IMPORT)).then_some(principal.user_id);
    listing
        .answer(&state.pool, "imports", move |conn, page| {
            let rows = repo::list(conn, creator, page.updated_since, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| ImportJob::from_row(&r)))
        })
        .await
}

/// Reads a job: its status and progress (poll it until the status is no longer queued or
/// running; If-None-Match answers 304 while nothing changed).
#[utoipa::path(
    operation_id = "get_import",
    tag = "imports",
    params(("id" = i64, Path, description = "Import job id")),
    responses(
        (status = 200, description = "The job", body = ImportJob, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such job, or not the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = visible(&principal, db::run(&state.pool, move |conn| Ok(repo::find_optional(conn, id)?)).await?)?;
    Ok(entity_response(&req, StatusCode::OK, &ImportJob::from_row(&row), row.version))
}

/// A job's row errors in file order: row, column and message. Errors never change once
/// written; `updated_since` lists them only when the job changed since then.
#[utoipa::path(
    operation_id = "list_import_errors",
    tag = "imports",
    params(("id" = i64, Path, description = "Import job id"), PageQuery),
    responses(
        (status = 200, description = "A page of row errors", body = Page<RowError>),
        (status = 404, description = "No such job, or not the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}/errors")]
pub async fn errors(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    listing
        .answer(&state.pool, &format!("import-{id}-errors"), move |conn, page| {
            let job = visible(&principal, repo::find_optional(conn, id)?)?;
            if page.updated_since.is_some_and(|since| job.updated_at < since) {
                return Ok(Page { items: Vec::new(), next_cursor: None });
            }
            let rows = repo::errors(conn, id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| RowError::from(&r)))
        })
        .await
}
