//! A person's lifecycle: `POST /api/v1/employees/{id}/transitions` (onboarding → active ⇄
//! on_leave → terminated), the status changes it records, and the full change history of the
//! record. hr and admin move people; hr, finance, admin, auditor and the person themself read.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::access::require_full_view;
use super::api::{record_change, ENTITY};
use super::model::EmployeeStatus;
use super::permissions;
use super::repo;
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::error::{ApiError, Validator};
use crate::http::etag::IfMatch;
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// Moves a person through onboarding → active ⇄ on_leave → terminated (hr, admin). Terminated
/// needs `effective_date` (the end date) and is final; a person who still manages people or leads
/// a department must hand that over first. Honors If-Match.
#[utoipa::path(
    operation_id = "transition_employee",
    tag = "employees",
    params(
        ("id" = i64, Path, description = "Employee id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body = EmployeeTransition,
    responses(
        (status = 200, description = "The person in their new status", body = Employee, headers(("ETag" = String))),
        (status = 409, description = "Not allowed from the current status, or responsibilities remain", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employees/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<EmployeeTransition>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let reason = shape.optional_text("/reason", input.reason, 500);
    shape.finish()?;
    let actor = principal.actor();
    let viewer = principal.clone();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let mut v = Validator::new();
        let from = EmployeeStatus::from_stored(&row.status);
        if !from.can_move_to(input.to) {
            let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
            return Err(ApiError::Conflict(format!(
                "an employee who is {} cannot become {}; allowed: {}",
                from.as_str(),
                input.to.as_str(),
                if allowed.is_empty() { "none (terminated is final)".to_string() } else { allowed.join(", ") }
            )));
        }
        let terminating = input.to == EmployeeStatus::Terminated;
        if terminating && input.effective_date.is_none() {
            v.error("/effective_date", "is required to terminate: it becomes the end date");
        }
        let effective = input.effective_date.unwrap_or_else(today);
        v.check(effective >= row.start_date, "/effective_date", "must not be before the start date");
        // The status changes now, so its date is today or a past day; a change for a later day is
        // recorded on that day (a status change is not scheduled ahead).
        v.check(effective <= today(), "/effective_date", "must not be in the future: record the change on its day");
        v.finish()?;
        if terminating {
            let (reports, departments_led) = repo::responsibilities(conn, id)?;
            if reports > 0 || departments_led > 0 {
                return Err(ApiError::Conflict(format!(
                    "{} still manages {reports} people and leads {departments_led} departments; hand those over first",
                    row.employee_number
                )));
            }
        }
        let end_date = if terminating { Some(effective) } else { None };
        if !repo::set_status(conn, id, row.version, input.to.as_str(), end_date)? {
            return Err(ApiError::changed_concurrently("employee"));
        }
        repo::record_status_change(
            conn,
            id,
            Some(from.as_str()),
            input.to.as_str(),
            effective,
            reason.as_deref(),
            actor.user_id,
        )?;
        let (view, version) = record_change(conn, &actor, &viewer, "employee.status_changed", &row)?;
        Reply::entity(&view, version)
    })
    .await
}

/// Every change to this person's record, oldest first (hr, finance, admin, auditor, themself).
#[utoipa::path(
    operation_id = "get_employee_history",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), PageQuery),
    responses((status = 200, description = "Audit events of this person", body = Page<crate::audit::api::AuditEvent>))
)]
#[get("/employees/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    require_full_view(&state, &principal, id).await?;
    audit::api::history(&state, ENTITY, id, listing).await
}

/// The person's status changes, oldest first (hr, finance, admin, auditor, themself).
#[utoipa::path(
    operation_id = "list_employee_status_changes",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), PageQuery),
    responses((status = 200, description = "Status changes", body = Page<StatusChange>))
)]
#[get("/employees/{id}/status-changes")]
pub async fn status_changes(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    require_full_view(&state, &principal, id).await?;
    listing
        .answer(&state.pool, &format!("employee-{id}-status-changes"), move |conn, page| {
            let rows = repo::status_changes(conn, id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, StatusChange::from))
        })
        .await
}
