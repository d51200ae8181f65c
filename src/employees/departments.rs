//! `/api/v1/departments`: cost centres in a tree. Everyone signed in reads; hr and admin write.
//! A department that anything still refers to is archived (`PATCH {"active": false}`), never
//! deleted.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::api::people_page;
use super::model::{self, DepartmentRow};
use super::permissions;
use super::repo::{self, DepartmentFields, DepartmentFilter, EmployeeFilter};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

pub const ENTITY: &str = "department";

fn normalize_code(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim().to_uppercase();
    let valid = (1..=20).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if valid {
        Ok(code)
    } else {
        Err("must be 1 to 20 characters of A-Z, 0-9, _ and -")
    }
}

/// Checks the parent (existing, no loop) and the manager (an active employee).
fn check_links(
    conn: &mut DbConn,
    v: &mut Validator,
    fields: &DepartmentFields,
    before: Option<&DepartmentRow>,
) -> Result<(), ApiError> {
    if let Some(parent) = fields.parent_id {
        if repo::department(conn, parent)?.is_none() {
            v.error("/parent_id", "no such department");
        } else if let Some(me) = before {
            let above = repo::department_ancestors(conn, parent)?;
            if model::closes_cycle(me.id, parent, &above) {
                v.error("/parent_id", "would make the department tree a loop");
            }
        }
    }
    if let Some(manager_id) = fields.manager_id {
        super::check_manager_choice(conn, v, manager_id, before.and_then(|b| b.manager_id))?;
    }
    Ok(())
}

/// Creates a department (hr, admin).
#[utoipa::path(
    operation_id = "create_department",
    tag = "departments",
    request_body = CreateDepartment,
    responses(
        (status = 201, description = "Created", body = Department, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/departments")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateDepartment>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let fields = DepartmentFields {
        code: normalize_code(&input.code).map_err(|e| v.error("/code", e)).unwrap_or_default(),
        name: normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default(),
        parent_id: input.parent_id,
        manager_id: input.manager_id,
        active: true,
    };
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        check_links(conn, &mut v, &fields, None)?;
        v.finish()?;
        if repo::department_by_code(conn, &fields.code)?.is_some() {
            return Err(ApiError::Conflict(format!("a department with code {} exists", fields.code)));
        }
        let row = repo::insert_department(conn, &fields)?;
        let view = Department::from(&row);
        audit::record(conn, &actor, "department.created", ENTITY, row.id, None, Some(&view))?;
        Reply::created(&view, view.version, &format!("/api/v1/departments/{}", view.id))
    })
    .await
}

/// Lists departments in id order.
#[utoipa::path(
    operation_id = "list_departments",
    tag = "departments",
    params(PageQuery, DepartmentListQuery),
    responses((status = 200, description = "A page of departments", body = Page<Department>))
)]
#[get("/departments")]
pub async fn list(
    state: web::Data<AppState>,
    _principal: Principal,
    listing: Listing,
    query: web::Query<DepartmentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = DepartmentFilter {
        active: query.active,
        parent_id: query.parent_id,
        q: query.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
        updated_since: listing.page.updated_since,
    };
    listing
        .answer(&state.pool, "departments", move |conn, page| {
            let rows = repo::list_departments(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Department::from(&r)))
        })
        .await
}

/// Reads one department.
#[utoipa::path(
    operation_id = "get_department",
    tag = "departments",
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, description = "The department", body = Department, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/departments/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    _principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| repo::department(conn, id)?.ok_or(ApiError::NotFound)).await?;
    Ok(entity_response(&req, StatusCode::OK, &Department::from(&row), row.version))
}

/// Changes a department; `{"active": false}` archives it (hr, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "update_department",
    tag = "departments",
    params(("id" = i64, Path, description = "Department id")),
    request_body = UpdateDepartment,
    responses(
        (status = 200, description = "Updated", body = Department, headers(("ETag" = String))),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/departments/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateDepartment>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    // The shape of the body is checked before anything else, If-Match included.
    let mut shape = Validator::new();
    let code =
        input.code.as_deref().map(|code| normalize_code(code).map_err(|e| shape.error("/code", e)).unwrap_or_default());
    let name =
        input.name.as_deref().map(|name| normalize_name(name).map_err(|e| shape.error("/name", e)).unwrap_or_default());
    shape.finish()?;
    let actor = principal.actor();
    let department = db::run_write(&state.pool, move |conn| {
        let row = repo::department(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let mut v = Validator::new();
        let fields = DepartmentFields {
            code: code.unwrap_or_else(|| row.code.clone()),
            name: name.unwrap_or_else(|| row.name.clone()),
            parent_id: input.parent_id.unwrap_or(row.parent_id),
            manager_id: input.manager_id.unwrap_or(row.manager_id),
            active: input.active.unwrap_or(row.active),
        };
        check_links(conn, &mut v, &fields, Some(&row))?;
        v.finish()?;
        if fields.code != row.code && repo::department_by_code(conn, &fields.code)?.is_some() {
            return Err(ApiError::Conflict(format!("a department with code {} exists", fields.code)));
        }
        if !repo::update_department(conn, id, row.version, &fields)? {
            return Err(ApiError::changed_concurrently("department"));
        }
        let after = repo::department(conn, id)?.ok_or(ApiError::NotFound)?;
        let (before, after) = (Department::from(&row), Department::from(&after));
        audit::record(conn, &actor, "department.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &department, department.version))
}

/// Deletes a department nothing refers to (hr, admin). One that has employees or
/// sub-departments is refused with 409: archive it instead. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_department",
    tag = "departments",
    params(("id" = i64, Path, description = "Department id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use: archive it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/departments/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let row = repo::department(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let (people, children) = repo::department_usage(conn, id)?;
        let archive = "archive it with PATCH {\"active\": false}";
        if people > 0 || children > 0 {
            return Err(ApiError::Conflict(format!(
                "department {} has {people} employees and {children} sub-departments; {archive}",
                row.code
            )));
        }
        // What other modules keep of a department (desks, budgets) refers to it by a foreign key.
        match repo::delete_department(conn, id) {
            Err(e) if db::is_foreign_key_violation(&e) => {
                return Err(ApiError::Conflict(format!(
                    "department {} is in use (its desks or budgets refer to it); {archive}",
                    row.code
                )))
            }
            other => other?,
        }
        audit::record(conn, &actor, "department.deleted", ENTITY, id, Some(&Department::from(&row)), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The people in a department, in employee-number order.
#[utoipa::path(
    operation_id = "list_department_employees",
    tag = "departments",
    params(("id" = i64, Path, description = "Department id"), PageQuery),
    responses((status = 200, description = "A page of people", body = Page<EmployeeView>))
)]
#[get("/departments/{id}/employees")]
pub async fn employees(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let filter = EmployeeFilter { department_id: Some(id), ..Default::default() };
    let name = format!("department-{id}-employees");
    people_page(&state, principal, listing, &name, filter, EmployeeSort::Number, move |conn| {
        repo::department(conn, id)?.map(|_| ()).ok_or(ApiError::NotFound)
    })
    .await
}
