//! `POST /api/v1/tickets`: opening a ticket. Its number is the next of its desk, its SLA due
//! times come from the desk's policy, and who may open one for whom is decided here.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::access::TicketAccess;
use super::api::{audit_view, check_assignee, check_links, one, parse_tags, subject, text, ENTITY};
use super::model::{Kind, Priority};
use super::permissions;
use super::repo::tickets::{self as ticket_repo, NewTicket};
use super::repo::{self};
use super::views::*;
use super::workflow::{priority_rank, Clocks};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_email;
use crate::db::{self, counters};
use crate::employees;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// Opens a ticket. Its number is the desk's key and the next number of the desk, without gaps;
/// its SLA due times come from the desk's policy for its priority.
#[utoipa::path(
    operation_id = "create_ticket",
    tag = "tickets",
    request_body = CreateTicket,
    responses(
        (status = 201, description = "Created", body = Ticket, headers(("ETag" = String), ("Location" = String))),
    )
)]
#[post("/tickets")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateTicket>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::OPEN_TICKETS)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let subject = subject(&mut v, &input.subject);
    let description = text(&mut v, "/description", input.description);
    let tags = parse_tags(&mut v, input.tags.as_deref().unwrap_or_default());
    let priority = input.priority.unwrap_or(Priority::Normal);
    let kind = input.kind.unwrap_or(Kind::Request);
    let customer_name = v.optional_text("/requester_name", input.requester_name, 200);
    let customer_email = input
        .requester_email
        .as_deref()
        .map(|e| normalize_email(e).map_err(|err| v.error("/requester_email", err)).unwrap_or_default());
    let customer = match (customer_name, customer_email) {
        (Some(name), Some(email)) => Some((name, email)),
        (None, None) => None,
        (Some(_), None) => {
            v.error("/requester_email", "is required with requester_name");
            None
        }
        (None, Some(_)) => {
            v.error("/requester_name", "is required with requester_email");
            None
        }
    };
    let named = [input.requester_employee_id.is_some(), input.requester_customer_id.is_some(), customer.is_some()];
    if named.iter().filter(|n| **n).count() > 1 {
        v.error("/requester_employee_id", "name one requester: an employee, a customer record, or a name and email");
    }
    let links = input.links.unwrap_or_default();
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let desk = repo::desk(conn, input.desk_id)?;
        match &desk {
            None => v.error("/desk_id", "no such desk"),
            Some(d) if !d.active => v.error("/desk_id", format!("desk {} is archived", d.key)),
            Some(_) => {}
        }
        let works_desk = access.works_desk(input.desk_id);
        if !works_desk {
            if input.assignee_id.is_some() {
                return Err(ApiError::Forbidden("only the desk's agents assign tickets".into()));
            }
            let for_someone_else = customer.is_some()
                || input.requester_customer_id.is_some()
                || input.requester_employee_id.is_some_and(|id| Some(id) != access.employee_id);
            if for_someone_else {
                return Err(ApiError::Forbidden("only the desk's agents open tickets for someone else".into()));
            }
        }
        let customer = match input.requester_customer_id {
            Some(id) => match super::customers::active_customer(conn, id)? {
                Some(record) => Some(record),
                None => {
                    v.error("/requester_customer_id", "no such active customer");
                    None
                }
            },
            None => customer.map(|(name, email)| (name, Some(email))),
        };
        let outside = customer.is_some() || input.requester_customer_id.is_some();
        let requester_employee_id = match (outside, input.requester_employee_id.or(access.employee_id)) {
            (true, _) => None,
            (false, Some(id)) => {
                if employees::employee(conn, id)?.is_none() {
                    v.error("/requester_employee_id", "no such employee");
                }
                Some(id)
            }
            (false, None) => {
                v.error("/requester_employee_id", "is required: your account is not linked to an employee");
                None
            }
        };
        check_assignee(conn, &mut v, input.desk_id, input.assignee_id, None)?;
        let links = check_links(conn, &mut v, &access, None, &links)?;
        v.finish()?;
        let desk = desk.ok_or(ApiError::NotFound)?;
        let number = counters::next(conn, &format!("ticket:{}", desk.key))?;
        let policy = repo::sla_policies(conn, &[desk.id])?.remove(&desk.id).unwrap_or_default();
        let now = db::now();
        let (name, email) = customer.unzip();
        let row = ticket_repo::insert_ticket(
            conn,
            &NewTicket {
                desk_id: desk.id,
                number,
                reference: format!("{}-{number}", desk.key),
                subject,
                description,
                kind: kind.as_str(),
                priority: priority.as_str(),
                priority_rank: priority_rank(priority),
                requester_employee_id,
                requester_customer_id: input.requester_customer_id,
                requester_name: name,
                requester_email: email.flatten(),
                assignee_id: input.assignee_id,
                due_date: input.due_date,
                created_by: Some(user_id),
                clocks: Clocks::start(now, policy.target(priority)),
            },
        )?;
        ticket_repo::set_tags(conn, row.id, &tags)?;
        ticket_repo::set_links(conn, row.id, &links)?;
        let recorded = audit_view(conn, &row, now)?;
        audit::record(conn, &actor, "ticket.created", ENTITY, row.id, None, Some(&recorded))?;
        let (version, location) = (row.version, format!("/api/v1/tickets/{}", row.id));
        Reply::created(&one(conn, &access, row, now)?, version, &location)
    })
    .await
}
