//! Moving a ticket along the workflow, and its history.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::access::TicketAccess;
use super::api::*;
use super::comments::{add_comment, check_comment_rights};
use super::repo::tickets::{self as ticket_repo};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self};
use crate::error::{ApiError, Validator};
use crate::http::etag::IfMatch;
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// Moves a ticket along the workflow (`GET /tickets/workflow`); an illegal move is 409 naming the
/// moves allowed now. With `comment`, the comment is posted in the same transaction. Honors
/// If-Match.
#[utoipa::path(
    operation_id = "transition_ticket",
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body = TicketTransition,
    responses(
        (status = 200, description = "The ticket in its new status", body = Ticket, headers(("ETag" = String))),
        (status = 409, description = "Not a legal move from the current status", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<TicketTransition>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let comment = v.optional_text("/comment", input.comment, MAX_TEXT);
    v.finish()?;
    let internal = input.internal.unwrap_or(false);
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let row = visible_ticket(conn, &access, id)?;
        if_match.check(row.version)?;
        let from = row.status();
        let Some(step) = from.transition_to(input.to).filter(|_| input.to != from) else {
            let allowed: Vec<&str> = from.transitions().map(|t| t.to.as_str()).collect();
            return Err(ApiError::Conflict(format!(
                "{} is {}; it cannot move to {}. Allowed: {}",
                row.reference,
                from.as_str(),
                input.to.as_str(),
                if allowed.is_empty() { format!("none ({} is final)", from.as_str()) } else { allowed.join(", ") }
            )));
        };
        if !access.may_make(&row, step) {
            return Err(ApiError::Forbidden(format!(
                "only the desk's agents {} a ticket ({} → {})",
                step.name,
                from.as_str(),
                input.to.as_str()
            )));
        }
        if comment.is_some() {
            check_comment_rights(&access, &row, internal)?;
        }
        let now = db::now();
        let before = audit_view(conn, &row, now)?;
        let clocks = row.clocks().after_transition(from, input.to, now);
        if !ticket_repo::move_ticket(conn, id, row.version, input.to, &clocks, now)? {
            return Err(ApiError::changed_concurrently("ticket"));
        }
        let moved = ticket_repo::ticket(conn, id)?.ok_or(ApiError::NotFound)?;
        let after = audit_view(conn, &moved, now)?;
        audit::record(conn, &actor, "ticket.transitioned", ENTITY, id, Some(&before), Some(&after))?;
        if let Some(body) = &comment {
            add_comment(conn, &access, &actor, &moved, body, internal, now)?;
        }
        let row = ticket_repo::ticket(conn, id)?.ok_or(ApiError::NotFound)?;
        let ticket = one(conn, &access, row, now)?;
        Reply::entity(&ticket, ticket.version)
    })
    .await
}

/// Every change to the ticket, its comments included, oldest first (staff: not the requester,
/// since internal notes are in it).
#[utoipa::path(
    operation_id = "get_ticket_history",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "Audit events of this ticket", body = Page<crate::audit::api::AuditEvent>))
)]
#[get("/tickets/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let row = visible_ticket(conn, &access, id)?;
        if !access.sees_internal(&row) {
            return Err(ApiError::Forbidden("a ticket's history is for the desk's staff".into()));
        }
        Ok(())
    })
    .await?;
    audit::api::history(&state, ENTITY, id, listing).await
}
