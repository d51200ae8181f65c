//! `/api/v1/tickets`: reading and changing tickets, and what the ticket handlers share (rendering,
//! visibility, the checks of tags, links and assignees). Opening a ticket is in `new_ticket.rs`,
//! moving it along the workflow in `transitions.rs`; who sees and works what is in `access.rs`;
//! the workflow and SLA clocks in `workflow.rs`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use super::access::TicketAccess;
use super::model::{normalize_tag, Kind, LinkKind, Priority, TicketRow};
use super::repo::ticket_list::{self, Scope, TicketFilter};
use super::repo::tickets::{self as ticket_repo, TicketEdit};
use super::repo::{self};
use super::views::*;
use super::workflow::{priority_rank, Status, TRANSITIONS};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::employees;
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

pub const ENTITY: &str = "ticket";
const MAX_TAGS: usize = 20;
const MAX_LINKS: usize = 50;
pub(super) const MAX_TEXT: usize = 20_000;

/// Renders rows for a caller: tags and links in one query each, links to tickets the caller may
/// not see left out.
pub fn render(
    conn: &mut DbConn,
    access: &TicketAccess,
    rows: Vec<TicketRow>,
    now: NaiveDateTime,
) -> Result<Vec<Ticket>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = ticket_repo::tags_of(conn, &ids)?;
    let mut links = ticket_repo::links_of(conn, &ids)?;
    let others: Vec<i64> = links.values().flatten().map(|end| end.other_id).collect();
    let visible: std::collections::HashMap<i64, String> = ticket_repo::headers(conn, &others)?
        .into_iter()
        .filter(|(_, _, desk_id, requester)| access.can_see_parts(*desk_id, *requester))
        .map(|(id, number, _, _)| (id, number))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let links = links
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|end| {
                    visible.get(&end.other_id).map(|number| TicketLink {
                        relation: end.kind.relation(end.seen_from_target),
                        ticket_id: end.other_id,
                        number: number.clone(),
                    })
                })
                .collect();
            let allowed = access.allowed_transitions(&row);
            Ticket::new(&row, tags.remove(&row.id).unwrap_or_default(), links, allowed, now)
        })
        .collect())
}

/// The ticket as the audit log keeps it: as a reader who sees everything and works nothing sees
/// it (so no caller's allowed transitions), with the SLA flags at the moment of the change.
pub(super) fn audit_view(conn: &mut DbConn, row: &TicketRow, now: NaiveDateTime) -> Result<Ticket, ApiError> {
    let everyone = TicketAccess::everything();
    Ok(render(conn, &everyone, vec![row.clone()], now)?.remove(0))
}

/// Loads a ticket the caller may see (404 otherwise).
pub fn visible_ticket(conn: &mut DbConn, access: &TicketAccess, id: i64) -> Result<TicketRow, ApiError> {
    match ticket_repo::ticket(conn, id)? {
        Some(row) if access.can_see(&row) => Ok(row),
        _ => Err(ApiError::NotFound),
    }
}

pub(super) fn one(
    conn: &mut DbConn,
    access: &TicketAccess,
    row: TicketRow,
    now: NaiveDateTime,
) -> Result<Ticket, ApiError> {
    Ok(render(conn, access, vec![row], now)?.remove(0))
}

/// Tags as stored: normalised, without repeats, sorted.
pub(super) fn parse_tags(v: &mut Validator, raw: &[String]) -> Vec<String> {
    v.check(raw.len() <= MAX_TAGS, "/tags", format!("at most {MAX_TAGS} tags"));
    let mut tags: Vec<String> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, tag)| normalize_tag(tag).map_err(|e| v.error(&format!("/tags/{i}"), e)).ok())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Links as stored: each target a ticket the caller sees, never the ticket itself, one link per
/// target.
pub(super) fn check_links(
    conn: &mut DbConn,
    v: &mut Validator,
    access: &TicketAccess,
    own_id: Option<i64>,
    links: &[LinkInput],
) -> Result<Vec<(LinkKind, i64)>, ApiError> {
    v.check(links.len() <= MAX_LINKS, "/links", format!("at most {MAX_LINKS} links"));
    let targets: Vec<i64> = links.iter().map(|l| l.ticket_id).collect();
    let visible: Vec<i64> = ticket_repo::headers(conn, &targets)?
        .into_iter()
        .filter(|(_, _, desk_id, requester)| access.can_see_parts(*desk_id, *requester))
        .map(|(id, _, _, _)| id)
        .collect();
    let mut checked: Vec<(LinkKind, i64)> = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let pointer = format!("/links/{i}/ticket_id");
        if Some(link.ticket_id) == own_id {
            v.error(&pointer, "a ticket cannot link to itself");
        } else if !visible.contains(&link.ticket_id) {
            v.error(&pointer, "no such ticket");
        } else if checked.iter().any(|(_, target)| *target == link.ticket_id) {
            v.error(&pointer, "links to this ticket twice");
        } else {
            checked.push((link.kind, link.ticket_id));
        }
    }
    Ok(checked)
}

/// An assignee must be an active member of the desk; an assignee who already holds the ticket
/// may stay even if they left the desk since.
pub(super) fn check_assignee(
    conn: &mut DbConn,
    v: &mut Validator,
    desk_id: i64,
    assignee: Option<i64>,
    current: Option<i64>,
) -> Result<(), ApiError> {
    let Some(assignee) = assignee.filter(|a| Some(*a) != current) else { return Ok(()) };
    if !repo::is_member(conn, desk_id, assignee)? {
        v.error("/assignee_id", "is not a member of the ticket's desk");
    } else if !employees::assignable(conn, assignee)? {
        v.error("/assignee_id", "is not active");
    }
    Ok(())
}

pub(super) fn text(v: &mut Validator, pointer: &str, value: Option<String>) -> String {
    v.optional_text(pointer, value, MAX_TEXT).unwrap_or_default()
}

pub(super) fn subject(v: &mut Validator, raw: &str) -> String {
    normalize_name(raw).map_err(|e| v.error("/subject", e)).unwrap_or_default()
}

/// The full workflow: states, and every legal move with who may make it.
#[utoipa::path(
    operation_id = "get_ticket_workflow",
    tag = "tickets",
    responses((status = 200, description = "The workflow graph", body = Workflow))
)]
#[get("/tickets/workflow")]
pub async fn workflow(_principal: Principal) -> HttpResponse {
    let states = Status::ALL
        .into_iter()
        .map(|status| WorkflowState {
            status,
            description: status.describe(),
            is_final: status.is_final(),
            clock_runs: status.clock_runs(),
        })
        .collect();
    HttpResponse::Ok().json(Workflow { initial: Status::New, states, transitions: TRANSITIONS.to_vec() })
}

/// Lists the tickets the caller sees, with filters and a sort; SLA flags are computed now.
#[utoipa::path(
    operation_id = "list_tickets",
    tag = "tickets",
    params(PageQuery, TicketListQuery),
    responses((status = 200, description = "A page of tickets", body = Page<Ticket>))
)]
#[get("/tickets")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<TicketListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut v = Validator::new();
    let tag = query.tag.as_deref().map(|t| normalize_tag(t).map_err(|e| v.query_error("tag", e)).unwrap_or_default());
    // A search with nothing to search for finds nothing (one empty page, or a header-only CSV).
    let mut nothing = false;
    let words: Vec<String> = match query.q.as_deref() {
        Some(q) if q.chars().count() > 200 => {
            v.query_error("q", "must be at most 200 characters long");
            Vec::new()
        }
        Some(q) => match db::searchable(q) {
            Some(q) => q.split_whitespace().map(str::to_lowercase).collect(),
            None => {
                nothing = true;
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    if query.due_within.is_some_and(|minutes| !(1..=525_600).contains(&minutes)) {
        v.query_error("due_within", "must be 1 to 525600 minutes");
    }
    v.finish()?;
    let filter = TicketFilter {
        desk_id: query.desk_id,
        status: query.status.map(Status::as_str),
        active: query.active,
        priority: query.priority.map(Priority::as_str),
        kind: query.kind.map(Kind::as_str),
        assignee_id: query.assignee_id,
        unassigned: query.unassigned,
        requester_employee_id: query.requester_employee_id,
        requester_customer_id: query.requester_customer_id,
        requester_email: query.requester_email.map(|e| e.trim().to_lowercase()),
        tag,
        breached: query.breached,
        due_within_minutes: query.due_within,
        created_from: query.created_from.map(|t| t.naive_utc()),
        created_to: query.created_to.map(|t| t.naive_utc()),
        updated_since: listing.page.updated_since,
        updated_to: query.updated_to.map(|t| t.naive_utc()),
        words,
        scope: None,
    };
    let sort = query.sort.unwrap_or(TicketSort::CreatedDesc);
    listing
        .answer(&state.pool, "tickets", move |conn, page| {
            if nothing {
                return Ok(Page::<Ticket> { items: Vec::new(), next_cursor: None });
            }
            let access = TicketAccess::load(conn, &principal)?;
            let mut filter = filter.clone();
            if !access.sees_all {
                filter.scope =
                    Some(Scope { requester_employee_id: access.employee_id, desks: access.agent_desks.clone() });
            }
            let now = db::now();
            let rows = ticket_list::list(conn, &filter, sort, page.after, page.limit, now)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            Ok(Page { items: render(conn, &access, rows.items, now)?, next_cursor: rows.next_cursor })
        })
        .await
}

/// Reads one ticket.
#[utoipa::path(
    operation_id = "get_ticket",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/tickets/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ticket = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let row = visible_ticket(conn, &access, id)?;
        one(conn, &access, row, db::now())
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &ticket, ticket.version))
}

/// Changes a ticket (the desk's agents, admin). Closed and cancelled tickets are final. Honors
/// If-Match.
#[utoipa::path(
    operation_id = "update_ticket",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = UpdateTicket,
    responses(
        (status = 200, description = "Updated", body = Ticket, headers(("ETag" = String))),
        (status = 409, description = "The ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tickets/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateTicket>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    // The shape of the body is checked before anything else, If-Match included.
    let mut shape = Validator::new();
    let subject = input.subject.as_deref().map(|s| subject(&mut shape, s));
    let description = input.description.map(|d| text(&mut shape, "/description", Some(d)));
    let tags = input.tags.as_deref().map(|t| parse_tags(&mut shape, t));
    shape.finish()?;
    let actor = principal.actor();
    let ticket = db::run_write(&state.pool, move |conn| {
        let mut v = Validator::new();
        let access = TicketAccess::load(conn, &principal)?;
        let row = visible_ticket(conn, &access, id)?;
        if !access.works_desk(row.desk_id) {
            return Err(ApiError::Forbidden("only the desk's agents change tickets".into()));
        }
        if_match.check(row.version)?;
        if row.status().is_final() {
            return Err(ApiError::Conflict(format!("{} is {}; it is final", row.reference, row.status)));
        }
        let assignee_id = input.assignee_id.unwrap_or(row.assignee_id);
        check_assignee(conn, &mut v, row.desk_id, assignee_id, row.assignee_id)?;
        let links = match &input.links {
            Some(links) => Some(check_links(conn, &mut v, &access, Some(id), links)?),
            None => None,
        };
        v.finish()?;
        let now = db::now();
        let before = audit_view(conn, &row, now)?;
        let priority = input.priority.unwrap_or_else(|| Priority::from_stored(&row.priority));
        let clocks = if priority.as_str() != row.priority {
            let policy = repo::sla_policies(conn, &[row.desk_id])?.remove(&row.desk_id).unwrap_or_default();
            row.clocks().retarget(policy.target(priority))
        } else {
            row.clocks()
        };
        let edit = TicketEdit {
            subject: subject.unwrap_or_else(|| row.subject.clone()),
            description: description.unwrap_or_else(|| row.description.clone()),
            kind: input.kind.unwrap_or_else(|| Kind::from_stored(&row.kind)).as_str(),
            priority: priority.as_str(),
            priority_rank: priority_rank(priority),
            assignee_id,
            due_date: input.due_date.unwrap_or(row.due_date),
            first_response_due_at: clocks.first_response_due_at,
            resolution_due_at: clocks.resolution_due_at,
        };
        if !ticket_repo::update_ticket(conn, id, row.version, &edit)? {
            return Err(ApiError::changed_concurrently("ticket"));
        }
        if let Some(tags) = &tags {
            ticket_repo::set_tags(conn, id, tags)?;
        }
        if let Some(links) = &links {
            ticket_repo::set_links(conn, id, links)?;
        }
        let after_row = ticket_repo::ticket(conn, id)?.ok_or(ApiError::NotFound)?;
        let after = audit_view(conn, &after_row, now)?;
        audit::record(conn, &actor, "ticket.updated", ENTITY, id, Some(&before), Some(&after))?;
        one(conn, &access, after_row, now)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &ticket, ticket.version))
}
