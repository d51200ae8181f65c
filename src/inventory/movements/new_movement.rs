//! `POST /inventory/movements`: receipts, issues, transfers and adjustments.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::super::api::{currency_of, quantity, show_quantity};
use super::super::model::{average_cost, value_of, MovementKind, COST_SCALE};
use super::super::permissions;
use super::super::repo::{self};
use super::posting::occurred_on;
use super::*;
use crate::auth::principal::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::reply::{self, Reply};
use crate::money::{self, parse_scaled, Currency};
use crate::state::AppState;
use crate::tickets::access::TicketAccess;

fn check_location(
    conn: &mut DbConn,
    v: &mut Validator,
    pointer: &str,
    id: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    let Some(id) = id else {
        v.error(pointer, "is required for this kind of movement");
        return Ok(None);
    };
    match repo::location(conn, id)? {
        Some(l) if l.active => Ok(Some(id)),
        Some(l) => {
            v.error(pointer, format!("location {} is archived", l.code));
            Ok(None)
        }
        None => {
            v.error(pointer, "no such location");
            Ok(None)
        }
    }
}

/// Posts a movement: ops and admin any; an agent issues parts to tickets of desks they work.
/// An issue or transfer above what the location holds is 409 naming what is available.
#[utoipa::path(
    operation_id = "create_movement",
    tag = "inventory",
    request_body = CreateMovement,
    responses(
        (status = 201, description = "Posted", body = Movement, headers(("Location" = String))),
        (status = 409, description = "Not enough stock at the location", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/inventory/movements")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateMovement>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    reply::commit(&req, &state.pool, move |conn| created(&record(conn, &principal, input)?)).await
}

/// Posts a movement for `principal`: the checks and the posting behind
/// `POST /inventory/movements`, also used by bulk import (`crate::imports`, opening stock as
/// receipts) so stock, the moving average, the cost book and the general ledger take an imported
/// row exactly as they take this endpoint's. Run it in a write transaction.
pub fn record(conn: &mut DbConn, principal: &Principal, input: CreateMovement) -> Result<Movement, ApiError> {
    let is_writer = principal.may(&permissions::MANAGE_STOCK);
    let desk_issue = input.kind == MovementKind::Issue && input.ticket_id.is_some();
    let issues_to_desk_ticket = desk_issue && principal.may(&permissions::ISSUE_TO_DESK_TICKETS);
    if !is_writer && !issues_to_desk_ticket {
        principal.require(&permissions::MANAGE_STOCK)?;
    }
    let mut v = Validator::new();
    let q = |v: &mut Validator, pointer: &str, raw: &Option<String>, positive: bool| match raw {
        Some(raw) => quantity(v, pointer, raw, positive),
        None => {
            v.error(pointer, "is required for this kind of movement");
            0
        }
    };
    let reason = v.optional_text("/reason", input.reason.clone(), 500);
    let on = occurred_on(&mut v, input.occurred_on);
    let budget_override =
        input.budget_override_reason.as_deref().map(|r| v.required_text("/budget_override_reason", r, 500));
    if budget_override.is_some() {
        principal.require(&permissions::OVERRIDE_BUDGET)?;
    }
    let actor = principal.actor();
    let item = repo::item(conn, input.item_id)?;
    match &item {
        None => v.error("/item_id", "no such item"),
        Some(i) if !i.active && input.kind == MovementKind::Receipt => v.error("/item_id", "the item is archived"),
        _ => {}
    }
    let posting = match input.kind {
        MovementKind::Receipt => {
            let quantity = q(&mut v, "/quantity", &input.quantity, true);
            let to = check_location(conn, &mut v, "/location_id", input.location_id)?;
            let unit_cost = match input.unit_cost.as_deref().map(|c| parse_scaled(c, COST_SCALE)) {
                Some(Ok(c)) if c >= 0 => c,
                Some(Ok(_)) => {
                    v.error("/unit_cost", "must not be negative");
                    0
                }
                Some(Err(e)) => {
                    v.error("/unit_cost", e);
                    0
                }
                None => {
                    v.error("/unit_cost", "is required for a receipt");
                    0
                }
            };
            if let Some(line) = input.invoice_line_id {
                // Lines of drafts still change; only an issued bill's line is a fixed record.
                if crate::inventory::bills::issued_bill_of_line(conn, line)?.is_none() {
                    v.error("/invoice_line_id", "no such line of an issued payable invoice");
                }
            }
            let currency: Option<Currency> = item.as_ref().and_then(|i| i.currency.parse().ok());
            let value = match currency {
                Some(c) => value_of(quantity, unit_cost, c).unwrap_or_else(|| {
                    v.error("/unit_cost", format!("the receipt's value (quantity × unit cost) {}", money::LIMIT_TEXT));
                    0
                }),
                None => 0,
            };
            Posting {
                value: Some(value),
                unit_cost: Some(unit_cost),
                invoice_line_id: input.invoice_line_id,
                ..Posting::new(MovementKind::Receipt, quantity, None, to, on)
            }
        }
        MovementKind::Issue => {
            let quantity = q(&mut v, "/quantity", &input.quantity, true);
            let from = check_location(conn, &mut v, "/location_id", input.location_id)?;
            let department_id = match (input.ticket_id, input.department_id) {
                (Some(ticket_id), None) => {
                    let access = TicketAccess::load(conn, principal)?;
                    match crate::tickets::ticket(conn, ticket_id)? {
                        Some(t) if !access.can_see(&t) && !is_writer => {
                            v.error("/ticket_id", "no such ticket");
                            None
                        }
                        Some(t) if !is_writer && !access.works_desk(t.desk_id) => {
                            return Err(ApiError::Forbidden("agents issue parts to tickets of their desks".into()))
                        }
                        Some(t) if t.status().is_final() => {
                            return Err(ApiError::Conflict(format!(
                                "{} is {}; it takes no parts",
                                t.reference, t.status
                            )))
                        }
                        Some(t) => crate::tickets::desk(conn, t.desk_id)?.map(|d| d.department_id),
                        None => {
                            v.error("/ticket_id", "no such ticket");
                            None
                        }
                    }
                }
                (None, Some(department)) => {
                    if crate::employees::department(conn, department)?.is_none() {
                        v.error("/department_id", "no such department");
                    }
                    Some(department)
                }
                _ => {
                    v.error("/ticket_id", "an issue goes to a ticket or a department (one of them)");
                    None
                }
            };
            Posting {
                ticket_id: input.ticket_id,
                department_id,
                ..Posting::new(MovementKind::Issue, quantity, from, None, on)
            }
        }
        MovementKind::Transfer => {
            let quantity = q(&mut v, "/quantity", &input.quantity, true);
            let from = check_location(conn, &mut v, "/from_location_id", input.from_location_id)?;
            let to = check_location(conn, &mut v, "/to_location_id", input.to_location_id)?;
            if from.is_some() && from == to {
                v.error("/to_location_id", "must differ from from_location_id");
            }
            Posting::new(MovementKind::Transfer, quantity, from, to, on)
        }
        MovementKind::Adjustment => {
            let counted = q(&mut v, "/counted_quantity", &input.counted_quantity, false);
            let location = check_location(conn, &mut v, "/location_id", input.location_id)?;
            if reason.is_none() {
                v.error("/reason", "is required for an adjustment");
            }
            // The difference needs a valid item and location: report what is wrong first.
            std::mem::take(&mut v).finish()?;
            let (item, location) = (item.clone().ok_or(ApiError::NotFound)?, location.unwrap_or_default());
            let held = repo::level(conn, item.id, location)?;
            if counted == held {
                return Err(ApiError::Conflict(format!(
                    "the count matches what location {location} holds ({}); nothing to adjust",
                    show_quantity(held)
                )));
            }
            let currency = currency_of(&item)?;
            let (from, to) = if counted < held { (Some(location), None) } else { (None, Some(location)) };
            let difference = (counted - held).abs();
            // A surplus comes in at the average cost; a shortfall leaves at it.
            let average = average_cost(item.stock_value, item.on_hand, currency);
            Posting {
                reason: reason.as_deref(),
                value: match to {
                    Some(_) => Some(value_of(difference, average, currency).ok_or_else(|| {
                        ApiError::invalid(
                            "/counted_quantity",
                            format!("the surplus's value at the average cost {}", money::LIMIT_TEXT),
                        )
                    })?),
                    None => None,
                },
                ..Posting::new(MovementKind::Adjustment, difference, from, to, on)
            }
        }
    };
    v.finish()?;
    let item_id = item.ok_or(ApiError::NotFound)?.id;
    let reason = posting.reason.map(str::to_string);
    let posting = Posting { reason: reason.as_deref(), budget_override: budget_override.as_deref(), ..posting };
    let (movement, currency, warnings) = post(conn, &actor, item_id, posting)?;
    let mut body = Movement::new(&movement, currency);
    body.budget_warnings = warnings;
    Ok(body)
}

/// A new movement's answer: movements are never changed, so their version is always 1.
pub(super) fn created(movement: &Movement) -> Result<Reply, ApiError> {
    Reply::created(movement, 1, &format!("/api/v1/inventory/movements/{}", movement.id))
}
