//! `/tickets/{id}/cost`: what the work on a ticket cost, from the cost book.

use actix_web::{get, web, HttpResponse};

use super::access::TicketAccess;
use super::repo::tickets::{self as ticket_repo};
use crate::auth::principal::Principal;
use crate::db::{self};
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::state::AppState;

/// What a ticket cost, per currency.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CostInCurrency {
    #[schema(example = "EUR")]
    pub currency: String,
    /// Time entries' stored cost (the labour booked to the ticket).
    pub labour: String,
    /// Parts issued to the ticket at their moving average cost, less parts returned (the
    /// materials booked to the ticket).
    pub parts: String,
    pub total: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TicketCost {
    pub ticket_id: i64,
    pub time_spent_minutes: i64,
    pub costs: Vec<CostInCurrency>,
}

/// What the work on a ticket cost: labour (time at the rates on the work dates) and parts from
/// inventory, per currency (finance, hr, admin, auditor: the readers of cost).
#[utoipa::path(
    operation_id = "get_ticket_cost",
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), FormatQuery),
    responses((status = 200, description = "Labour and parts", body = TicketCost))
)]
#[get("/tickets/{id}/cost")]
pub async fn cost(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let ticket = ticket_repo::ticket(conn, id)?.ok_or(ApiError::NotFound)?;
        if !access.sees_all_costs {
            return Err(if access.can_see(&ticket) {
                ApiError::Forbidden("costs are for finance, hr, admin and auditor".into())
            } else {
                ApiError::NotFound
            });
        }
        let mut sums: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
        for (kind, currency, amount) in crate::ledger::ticket_sums(conn, id)? {
            match kind {
                crate::ledger::Kind::Labour => sums.entry(currency).or_default().0 += amount,
                crate::ledger::Kind::Materials => sums.entry(currency).or_default().1 += amount,
                _ => {}
            }
        }
        let costs = sums
            .into_iter()
            .map(|(currency, (labour, parts))| {
                let m = |minor: i64| crate::money::Money::new(minor, &currency).amount;
                CostInCurrency {
                    labour: m(labour),
                    parts: m(parts),
                    total: m(labour + parts),
                    currency: currency.clone(),
                }
            })
            .collect();
        Ok(TicketCost { ticket_id: id, time_spent_minutes: ticket.time_spent_minutes, costs })
    })
    .await?;
    csv::report::<CostInCurrency, _>(format, &format!("ticket-{}-cost.csv", body.ticket_id), &body, "/costs")
}
