//! `/api/v1/inventory/locations`: the places stock is kept. ops and admin write; agents, finance
//! and auditor read.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::code;
use super::model::LocationRow;
use super::permissions;
use super::repo::{self, LocationFields};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::{nullable, ValidJson};
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// A place stock is kept: a warehouse, or a bin in one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Location {
    pub id: i64,
    #[schema(example = "WH1-A-03")]
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&LocationRow> for Location {
    fn from(r: &LocationRow) -> Location {
        Location {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            parent_id: r.parent_id,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocation {
    /// Stored upper-case; unique.
    #[schema(example = "WH1-A-03", pattern = r"^\s*[A-Za-z0-9._-]{1,40}\s*$")]
    pub code: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// An active location (the warehouse of a bin).
    pub parent_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocation {
    #[schema(pattern = r"^\s*[A-Za-z0-9._-]{1,40}\s*$")]
    pub code: Option<String>,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationListQuery {
    pub active: Option<bool>,
}

fn check_parent(conn: &mut DbConn, v: &mut Validator, parent: Option<i64>, me: Option<i64>) -> Result<(), ApiError> {
    let Some(parent) = parent else { return Ok(()) };
    match repo::location(conn, parent)? {
        None => v.error("/parent_id", "no such location"),
        Some(p) if !p.active => v.error("/parent_id", format!("location {} is archived", p.code)),
        Some(_) => {
            if me.is_some_and(|me| repo::parents_of(conn, parent).map(|chain| chain.contains(&me)).unwrap_or(false)) {
                v.error("/parent_id", "would make the location tree a loop");
            }
        }
    }
    Ok(())
}

/// Creates a location (ops, admin).
#[utoipa::path(operation_id = "create_location", tag = "inventory", request_body = CreateLocation,
    responses(
        (status = 201, description = "Created", body = Location, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/inventory/locations")]
pub async fn create_location(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateLocation>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_STOCK)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let fields = LocationFields {
        code: code(&mut v, "/code", &input.code),
        name: normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default(),
        parent_id: input.parent_id,
        active: true,
    };
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        check_parent(conn, &mut v, fields.parent_id, None)?;
        v.finish()?;
        if repo::location_by_code(conn, &fields.code)?.is_some() {
            return Err(ApiError::Conflict(format!("a location with code {} exists", fields.code)));
        }
        let row = repo::insert_location(conn, &fields)?;
        let location = Location::from(&row);
        audit::record(conn, &actor, "location.created", "location", row.id, None, Some(&location))?;
        Reply::created(&location, location.version, &format!("/api/v1/inventory/locations/{}", location.id))
    })
    .await
}

/// Lists locations in id order.
#[utoipa::path(operation_id = "list_locations", tag = "inventory", params(PageQuery, LocationListQuery),
    responses((status = 200, description = "A page of locations", body = Page<Location>)))]
#[get("/inventory/locations")]
pub async fn list_locations(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<LocationListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let active = query.active;
    listing
        .answer(&state.pool, "locations", move |conn, page| {
            let rows = repo::list_locations(conn, active, page.updated_since, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Location::from(&r)))
        })
        .await
}

/// Reads one location.
#[utoipa::path(operation_id = "get_location", tag = "inventory", params(("id" = i64, Path, description = "Location id")),
    responses((status = 200, description = "The location", body = Location, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)")))]
#[get("/inventory/locations/{id}")]
pub async fn get_location(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| repo::location(conn, id)?.ok_or(ApiError::NotFound)).await?;
    Ok(entity_response(&req, StatusCode::OK, &Location::from(&row), row.version))
}

/// Changes a location; `{"active": false}` archives it (ops, admin). Honors If-Match.
#[utoipa::path(operation_id = "update_location", tag = "inventory", params(("id" = i64, Path, description = "Location id")),
    request_body = UpdateLocation,
    responses(
        (status = 200, description = "Updated", body = Location, headers(("ETag" = String))),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[patch("/inventory/locations/{id}")]
pub async fn update_location(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateLocation>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_STOCK)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let new_code = input.code.as_deref().map(|c| code(&mut shape, "/code", c));
    let name =
        input.name.as_deref().map(|n| normalize_name(n).map_err(|e| shape.error("/name", e)).unwrap_or_default());
    shape.finish()?;
    let actor = principal.actor();
    let location = db::run_write(&state.pool, move |conn| {
        let row = repo::location(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let fields = LocationFields {
            code: new_code.unwrap_or_else(|| row.code.clone()),
            name: name.unwrap_or_else(|| row.name.clone()),
            parent_id: input.parent_id.unwrap_or(row.parent_id),
            active: input.active.unwrap_or(row.active),
        };
        let mut v = Validator::new();
        if fields.parent_id != row.parent_id {
            check_parent(conn, &mut v, fields.parent_id, Some(id))?;
        }
        v.finish()?;
        if fields.code != row.code && repo::location_by_code(conn, &fields.code)?.is_some() {
            return Err(ApiError::Conflict(format!("a location with code {} exists", fields.code)));
        }
        if !repo::update_location(conn, id, row.version, &fields)? {
            return Err(ApiError::changed_concurrently("location"));
        }
        let after = Location::from(&repo::location(conn, id)?.ok_or(ApiError::NotFound)?);
        audit::record(conn, &actor, "location.updated", "location", id, Some(&Location::from(&row)), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &location, location.version))
}
