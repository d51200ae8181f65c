//! Time entries: `/api/v1/tickets/{id}/time-entries` and `/api/v1/time-entries`.
//!
//! An entry's cost is its minutes at the employee's hourly cost rate in force on the work date,
//! half-up to the minor unit, written with the entry: a later rate change never rewrites it. A
//! billable entry carries the desk's billing rate and amount, and an invoice marker that the
//! finance module sets. The department is the one owning the ticket's desk when the entry is
//! written: the budget the labour is charged to.
//!
//! The handlers are here; `views.rs` holds what the API shows and takes, `checks.rs` the checks
//! of an entry and its valuation, `posting.rs` what an entry books in the cost book and notes in
//! the ticket's history.

mod checks;
mod posting;
mod views;

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use self::checks::{check_changeable, check_person_and_day, day_full_error, desk_billing_rate, open_for_time, value};
use self::posting::{book, record_on_ticket};
pub use self::posting::{book_existing, labour_entries};
pub use self::views::{CreateTimeEntry, TimeEntry, TimeEntryListQuery, UpdateTimeEntry};
use super::access::TicketAccess;
use super::api::visible_ticket;
use super::model::{TicketRow, TimeEntryRow};
use super::repo::tickets as ticket_repo;
use super::repo::time_entries::{self as repo, NewTimeEntry, TimeEntryFilter};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::state::AppState;

pub const ENTITY: &str = "time_entry";

/// Logs time on a ticket: one's own on a ticket one sees, or anyone's as an agent of the desk,
/// ops or admin. Not on a closed or cancelled ticket, not for a terminated employee.
#[utoipa::path(
    operation_id = "create_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = CreateTimeEntry,
    responses(
        (status = 201, description = "Logged", body = TimeEntry, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/time-entries")]
pub async fn create_on_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreateTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let note = v.optional_text("/note", input.note, 1000);
    v.check((1..=1440).contains(&input.minutes), "/minutes", "must be 1 to 1440");
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let ticket = visible_ticket(conn, &access, ticket_id)?;
        let Some(employee_id) = input.employee_id.or(access.employee_id) else {
            let missing = "is required: your account is not linked to an employee";
            return Err(ApiError::invalid("/employee_id", missing));
        };
        if !access.may_log_for(employee_id, ticket.desk_id) {
            return Err(ApiError::Forbidden("only the desk's agents, ops and admin log time for others".into()));
        }
        open_for_time(&ticket)?;
        check_person_and_day(conn, &mut v, employee_id, input.work_date, input.minutes, None)?;
        let billable = input.billable.unwrap_or(false);
        let billing = if billable { Some(desk_billing_rate(conn, ticket.desk_id)?) } else { None };
        let valuation = value(conn, &mut v, employee_id, input.work_date, input.minutes, billable, note, billing)?;
        v.finish()?;
        let valuation = valuation.ok_or_else(|| ApiError::internal("valuation missing after validation"))?;
        let department_id = super::repo::desk(conn, ticket.desk_id)?.ok_or(ApiError::NotFound)?.department_id;
        let work_date = valuation.work_date;
        let new = NewTimeEntry {
            ticket_id,
            desk_id: ticket.desk_id,
            department_id,
            employee_id,
            created_by: Some(user_id),
            valuation,
        };
        let row = match repo::insert(conn, &new)? {
            Ok(row) => row,
            Err(full) => return Err(day_full_error(conn, employee_id, work_date, full)),
        };
        book(conn, &row, ticket.requester_customer_id)?;
        ticket_repo::add_time_spent(conn, ticket_id, i64::from(row.minutes))?;
        ticket_repo::touch(conn, ticket_id, db::now())?;
        audit::record(conn, &actor, "time_entry.created", ENTITY, row.id, None, Some(&TimeEntry::new(&row, true)))?;
        record_on_ticket(conn, &actor, "ticket.time_logged", None, Some(&row))?;
        let entry = TimeEntry::for_viewer(&row, &access);
        Reply::created(&entry, entry.version, &format!("/api/v1/time-entries/{}", entry.id))
    })
    .await
}

/// A page of entries: on one ticket (`on_ticket`), everything on it for whoever sees the
/// ticket; across tickets, those of desks the caller works and their own unless they see all.
async fn entries_page(
    state: &AppState,
    principal: Principal,
    listing: Listing,
    mut filter: TimeEntryFilter,
    on_ticket: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    filter.updated_since = listing.page.updated_since;
    let name = on_ticket.map_or_else(|| "time-entries".to_string(), |id| format!("ticket-{id}-time-entries"));
    listing
        .answer(&state.pool, &name, move |conn, page| {
            let access = TicketAccess::load(conn, &principal)?;
            let mut filter = filter.clone();
            match on_ticket {
                Some(ticket_id) => {
                    visible_ticket(conn, &access, ticket_id)?;
                    filter.ticket_id = Some(ticket_id);
                }
                None if !access.sees_all => filter.scope = Some((access.agent_desks.clone(), access.employee_id)),
                None => {}
            }
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| TimeEntry::for_viewer(&r, &access)))
        })
        .await
}

/// The time logged on a ticket, by work date.
#[utoipa::path(
    operation_id = "list_ticket_time_entries",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "A page of time entries", body = Page<TimeEntry>))
)]
#[get("/tickets/{id}/time-entries")]
pub async fn list_on_ticket(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    entries_page(&state, principal, listing, TimeEntryFilter::default(), Some(id.into_inner())).await
}

/// Time entries across tickets, by work date: the source of labour cost, billing and budget
/// actuals. ops,
/// finance, admin and auditor see all; others the entries of desks they work and their own.
#[utoipa::path(
    operation_id = "list_time_entries",
    tag = "time-entries",
    params(PageQuery, TimeEntryListQuery),
    responses((status = 200, description = "A page of time entries", body = Page<TimeEntry>))
)]
#[get("/time-entries")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<TimeEntryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = TimeEntryFilter {
        scope: None,
        ticket_id: query.ticket_id,
        employee_id: query.employee_id,
        desk_id: query.desk_id,
        department_id: query.department_id,
        from: query.from,
        to: query.to,
        billable: query.billable,
        invoiced: query.invoiced,
        updated_since: None,
    };
    entries_page(&state, principal, listing, filter, None).await
}

/// Loads an entry the caller may see: on a ticket they see, or their own.
fn visible_entry(conn: &mut DbConn, access: &TicketAccess, id: i64) -> Result<(TimeEntryRow, TicketRow), ApiError> {
    let entry = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
    let ticket = ticket_repo::ticket(conn, entry.ticket_id)?.ok_or(ApiError::NotFound)?;
    if access.can_see(&ticket) || access.employee_id == Some(entry.employee_id) {
        Ok((entry, ticket))
    } else {
        Err(ApiError::NotFound)
    }
}

/// Reads one time entry.
#[utoipa::path(
    operation_id = "get_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    responses((status = 200, description = "The entry", body = TimeEntry, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/time-entries/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entry = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let (row, _) = visible_entry(conn, &access, id)?;
        Ok(TimeEntry::for_viewer(&row, &access))
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &entry, entry.version))
}

/// Changes an entry and values it again at the cost rate of its (new) work date. Honors If-Match.
#[utoipa::path(
    operation_id = "update_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    request_body = UpdateTimeEntry,
    responses(
        (status = 200, description = "Updated", body = TimeEntry, headers(("ETag" = String))),
        (status = 409, description = "Invoiced, or the ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/time-entries/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    // The shape of the body is checked before anything else, If-Match included.
    let mut shape = Validator::new();
    let note = input.note.map(|note| shape.optional_text("/note", note, 1000));
    if let Some(minutes) = input.minutes {
        shape.check((1..=1440).contains(&minutes), "/minutes", "must be 1 to 1440");
    }
    shape.finish()?;
    let actor = principal.actor();
    let entry = db::run_write(&state.pool, move |conn| {
        let mut v = Validator::new();
        let access = TicketAccess::load(conn, &principal)?;
        let (row, ticket) = visible_entry(conn, &access, id)?;
        check_changeable(&access, &row, &ticket)?;
        if_match.check(row.version)?;
        let work_date = input.work_date.unwrap_or(row.work_date);
        let minutes = input.minutes.unwrap_or(row.minutes);
        let billable = input.billable.unwrap_or(row.billable);
        check_person_and_day(conn, &mut v, row.employee_id, work_date, minutes, Some(id))?;
        let billing = match (billable, row.billing_rate, row.billing_currency.clone()) {
            (false, _, _) => None,
            (true, Some(rate), Some(currency)) => Some((rate, currency)),
            (true, _, _) => Some(desk_billing_rate(conn, row.desk_id)?),
        };
        let note = note.unwrap_or_else(|| row.note.clone());
        let valuation = value(conn, &mut v, row.employee_id, work_date, minutes, billable, note, billing)?;
        v.finish()?;
        let valuation = valuation.ok_or_else(|| ApiError::internal("valuation missing after validation"))?;
        match repo::revalue(conn, id, row.version, &valuation)? {
            Ok(true) => {}
            Ok(false) => return Err(ApiError::changed_concurrently("time entry")),
            Err(full) => return Err(day_full_error(conn, row.employee_id, work_date, full)),
        }
        ticket_repo::add_time_spent(conn, row.ticket_id, i64::from(minutes) - i64::from(row.minutes))?;
        ticket_repo::touch(conn, row.ticket_id, db::now())?;
        let after = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
        book(conn, &after, ticket.requester_customer_id)?;
        audit::record(
            conn,
            &actor,
            "time_entry.updated",
            ENTITY,
            id,
            Some(&TimeEntry::new(&row, true)),
            Some(&TimeEntry::new(&after, true)),
        )?;
        record_on_ticket(conn, &actor, "ticket.time_changed", Some(&row), Some(&after))?;
        Ok(TimeEntry::for_viewer(&after, &access))
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &entry, entry.version))
}

/// Removes an entry that is not invoiced, from a ticket that is not closed. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "Invoiced, or the ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/time-entries/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let (row, ticket) = visible_entry(conn, &access, id)?;
        check_changeable(&access, &row, &ticket)?;
        if_match.check(row.version)?;
        if !repo::delete(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("time entry"));
        }
        ledger::reverse(conn, ledger::Source::time_entry(id))?;
        ticket_repo::add_time_spent(conn, row.ticket_id, -i64::from(row.minutes))?;
        ticket_repo::touch(conn, row.ticket_id, db::now())?;
        audit::record(conn, &actor, "time_entry.deleted", ENTITY, id, Some(&TimeEntry::new(&row, true)), None)?;
        record_on_ticket(conn, &actor, "ticket.time_removed", Some(&row), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
