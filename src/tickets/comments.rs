//! `/api/v1/tickets/{id}/comments`: public replies and internal notes.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::access::TicketAccess;
use super::api::{add_comment, check_comment_rights, visible_ticket};
use super::repo::tickets as ticket_repo;
use super::views::{Comment, CreateComment};
use crate::auth::principal::Principal;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

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
    let text = v.required_lines("/body", input.body, 20_000);
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
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = page.parse()?;
    let limit = page.limit;
    let body = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let ticket = visible_ticket(conn, &access, id)?;
        let rows = ticket_repo::comments(conn, id, access.sees_internal(&ticket), page.after, limit)?;
        Ok(Page::from_rows(rows, limit, |r| r.id, Comment::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
