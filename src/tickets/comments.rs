//! `/api/v1/tickets/{id}/comments`: public replies and internal notes, and posting a comment
//! inside another change's transaction (a transition with a comment).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use super::access::TicketAccess;
use super::api::{visible_ticket, ENTITY};
use super::model::TicketRow;
use super::repo;
use super::repo::tickets::{self as ticket_repo, NewComment};
use super::views::{Comment, CreateComment};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// Posts a comment on a ticket inside the caller's transaction; a public reply by a member of the
/// desk stops the first-response clock. The ticket's version moves.
pub fn add_comment(
    conn: &mut DbConn,
    access: &TicketAccess,
    actor: &audit::Actor,
    ticket: &TicketRow,
    body: &str,
    internal: bool,
    now: NaiveDateTime,
) -> Result<Comment, ApiError> {
    let comment = ticket_repo::insert_comment(
        conn,
        &NewComment {
            ticket_id: ticket.id,
            author_user_id: actor.user_id,
            author_employee_id: access.employee_id,
            body,
            internal,
            at: now,
        },
    )?;
    let by_member = match access.employee_id {
        Some(employee) => repo::is_member(conn, ticket.desk_id, employee)?,
        None => false,
    };
    if !internal && by_member {
        ticket_repo::record_first_response(conn, ticket.id, now)?;
    }
    ticket_repo::touch(conn, ticket.id, now)?;
    let comment = Comment::from(comment);
    audit::record(conn, actor, "ticket.commented", ENTITY, ticket.id, None, Some(&comment))?;
    Ok(comment)
}

/// Checks who may post: the desk's staff anything, the requester public replies only.
pub fn check_comment_rights(access: &TicketAccess, ticket: &TicketRow, internal: bool) -> Result<(), ApiError> {
    if !access.works_desk(ticket.desk_id) && !access.is_requester(ticket) {
        return Err(ApiError::Forbidden("only the desk's agents and the requester comment".into()));
    }
    if internal && !access.works_desk(ticket.desk_id) {
        return Err(ApiError::Forbidden("only the desk's agents write internal notes".into()));
    }
    Ok(())
}

/// Posts a public reply (the desk's agents and the requester) or an internal note (the desk's
/// agents). The first public reply by a member of the desk stops the first-response clock.
/// Closed and cancelled tickets take no comments.
#[utoipa::path(
    operation_id = "create_ticket_comment",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = CreateComment,
    responses(
        (status = 201, description = "Posted", body = Comment),
        (status = 409, description = "The ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/comments")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let text = v.required_lines("/body", input.body, super::api::MAX_TEXT);
    v.finish()?;
    let internal = input.internal.unwrap_or(false);
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let ticket = visible_ticket(conn, &access, id)?;
        check_comment_rights(&access, &ticket, internal)?;
        if ticket.status().is_final() {
            return Err(ApiError::Conflict(format!(
                "{} is {}; it takes no more comments",
                ticket.reference, ticket.status
            )));
        }
        let comment = add_comment(conn, &access, &actor, &ticket, &text, internal, db::now())?;
        Reply::json(StatusCode::CREATED, &comment)
    })
    .await
}

/// The ticket's comments, oldest first. Requesters who are not staff see public replies only.
#[utoipa::path(
    operation_id = "list_ticket_comments",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "A page of comments", body = Page<Comment>))
)]
#[get("/tickets/{id}/comments")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    listing
        .answer(&state.pool, &format!("ticket-{id}-comments"), move |conn, page| {
            let access = TicketAccess::load(conn, &principal)?;
            let ticket = visible_ticket(conn, &access, id)?;
            let rows = ticket_repo::comments(conn, id, access.sees_internal(&ticket), page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, Comment::from))
        })
        .await
}
