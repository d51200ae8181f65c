//! `POST /api/v1/invoices/from-time-entries`: a draft receivable invoice from a customer's
//! billable, unbilled time on the job desk — one line per ticket — and the parts issued to those
//! tickets — one line per ticket and item, each issue billed once.

use std::collections::BTreeMap;

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::api::{load, ENTITY};
use super::model::{line_net, parse_scaled, InvoiceKind, PartyKind, PERCENT_SCALE, QUANTITY_SCALE};
use super::permissions;
use super::repo::{self, parties as party_repo, DraftFields, NewLine, TotalsFields};
use super::views::BillTime;
use crate::audit;
use crate::auth::principal::Principal;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::reply::{self, Reply};
use crate::money::Currency;
use crate::state::AppState;
use crate::tickets::billing;

/// Time is billed by the minute at an hourly rate: quantity = the minutes, unit "min", unit price
/// = the hourly rate, price per 60 units. The line's net is then minutes × rate ÷ 60, rounded
/// half-up once, and quantity × unit price ÷ price per on the line equals it (20 minutes at
/// 100.00/h is 33.33, where 0.333 h × 100.00 would have been 33.30).
const MINUTES_PER_HOUR: i32 = 60;

/// The issues to bill, read again once their items are held: a reversal that got there first is
/// then seen, and one that comes later waits and finds them billed.
fn unbilled_parts(
    conn: &mut crate::db::DbConn,
    ticket_ids: &[i64],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<crate::inventory::model::MovementRow>, ApiError> {
    let candidates = crate::inventory::billing::unbilled_parts(conn, ticket_ids, from, to)?;
    let item_ids: Vec<i64> = candidates.iter().map(|m| m.item_id).collect();
    crate::inventory::billing::hold_items(conn, &item_ids)?;
    Ok(crate::inventory::billing::unbilled_parts(conn, ticket_ids, from, to)?)
}

/// The unit price (4 decimals) of parts billed at cost plus a markup: their value (minor units) ×
/// (1 + markup) ÷ their quantity (thousandths), rounded half-up once to 4 decimals.
pub fn cost_plus_markup(value: i64, quantity: i64, markup_hundredths: i32, currency: Currency) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::{Decimal, RoundingStrategy};
    if quantity <= 0 {
        return None;
    }
    let cost = crate::money::to_decimal(value, currency);
    let factor = Decimal::new(10_000 + i64::from(markup_hundredths), 4);
    let unit = cost.checked_mul(factor)?.checked_div(Decimal::new(quantity, QUANTITY_SCALE))?;
    unit.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero).checked_mul(Decimal::from(10_000))?.to_i64()
}

/// Builds a draft receivable invoice (finance, admin) from the customer's billable time that is
/// not invoiced yet, on their tickets of one desk (`desk_id`) or on the tickets named
/// (`ticket_ids`), worked between `from` and `to`. The rate is the customer's hourly billing rate,
/// else the desk's (in the customer's currency). One line per ticket with its hours, the entries
/// linked; each entry is billed at most once, also under parallel requests (409 for the loser).
/// Voiding or deleting the invoice, or replacing its lines, releases the entries.
#[utoipa::path(
    operation_id = "bill_time_entries",
    tag = "invoices",
    request_body = BillTime,
    responses(
        (status = 201, description = "The draft", body = super::views::Invoice, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "Nothing to bill, or another invoice billed the entries first", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invoices/from-time-entries")]
pub async fn bill_time(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<BillTime>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    if input.desk_id.is_some() == input.ticket_ids.is_some() {
        v.error("/desk_id", "name a desk or tickets (one of them)");
    }
    v.check(input.from <= input.to, "/to", "must not be before from");
    if input.ticket_ids.as_ref().is_some_and(|ids| ids.len() > 500) {
        v.error("/ticket_ids", "at most 500 tickets");
    }
    let tax_rate = match input.tax_rate_percent.as_deref().map(|raw| parse_scaled(raw, PERCENT_SCALE)) {
        None => 0,
        Some(Ok(rate)) if (0..=10_000).contains(&rate) => rate as i32,
        Some(Ok(_)) => {
            v.error("/tax_rate_percent", "must be 0 to 100");
            0
        }
        Some(Err(e)) => {
            v.error("/tax_rate_percent", e);
            0
        }
    };
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let customer = party_repo::party(conn, PartyKind::Customer, input.customer_id)?.filter(|c| c.active);
        let Some(customer) = customer else {
            return Err(ApiError::invalid("/customer_id", "no such active customer"));
        };
        let currency: Currency = customer.currency.parse().map_err(ApiError::internal)?;
        let rate = match (customer.hourly_billing_rate, input.desk_id) {
            (Some(rate), _) => Some(rate),
            (None, Some(desk_id)) => match billing::desk(conn, desk_id)? {
                Some(desk) if desk.currency == customer.currency => Some(desk.billing_rate),
                Some(desk) => {
                    v.error(
                        "/desk_id",
                        format!(
                            "desk {} bills in {}; {} pays in {}",
                            desk.key, desk.currency, customer.name, customer.currency
                        ),
                    );
                    None
                }
                None => {
                    v.error("/desk_id", "no such desk");
                    None
                }
            },
            (None, None) => None,
        };
        let tickets = billing::tickets_of_customer(conn, customer.id, input.desk_id, input.ticket_ids.as_deref())?;
        if let Some(named) = &input.ticket_ids {
            for (i, id) in named.iter().enumerate() {
                if !tickets.iter().any(|t| t.id == *id) {
                    v.error(&format!("/ticket_ids/{i}"), "no ticket of this customer");
                }
            }
        }
        v.finish()?;
        let ticket_ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
        let entries = billing::unbilled(conn, &ticket_ids, input.from, input.to)?;
        let parts = if input.include_parts.unwrap_or(true) {
            unbilled_parts(conn, &ticket_ids, input.from, input.to)?
        } else {
            Vec::new()
        };
        if entries.is_empty() && parts.is_empty() {
            return Err(ApiError::Conflict(format!(
                "{} has no billable, unbilled time or parts from {} to {}",
                customer.name, input.from, input.to
            )));
        }
        // Per ticket: the minutes and the entries.
        let mut per_ticket: BTreeMap<i64, (i64, Vec<i64>)> = BTreeMap::new();
        for entry in &entries {
            let slot = per_ticket.entry(entry.ticket_id).or_default();
            slot.0 += i64::from(entry.minutes);
            slot.1.push(entry.id);
        }
        let mut lines = Vec::new();
        for (ticket_id, (minutes, _)) in &per_ticket {
            let ticket = tickets.iter().find(|t| t.id == *ticket_id).ok_or(ApiError::NotFound)?;
            // The desk's rate when the customer has none and tickets were named.
            let unit = match rate {
                Some(rate) => rate,
                None => match billing::desk(conn, ticket.desk_id)? {
                    Some(desk) if desk.currency == customer.currency => desk.billing_rate,
                    Some(desk) => {
                        return Err(ApiError::Conflict(format!(
                            "desk {} bills in {}; {} pays in {}: give the customer a billing rate",
                            desk.key, desk.currency, customer.name, customer.currency
                        )))
                    }
                    None => return Err(ApiError::NotFound),
                },
            };
            // The rate is in minor units; the unit price has 4 decimals of the major unit.
            let unit_price = unit * 10i64.pow(4 - currency.exponent());
            let quantity = minutes * 10i64.pow(QUANTITY_SCALE);
            let net = line_net(quantity, unit_price, MINUTES_PER_HOUR, 0, currency).ok_or_else(|| {
                ApiError::invalid("/to", format!("the time of {} is worth more than the limit", ticket.reference))
            })?;
            lines.push(NewLine {
                purchase_order_line_id: None,
                description: format!("{}: {}", ticket.reference, ticket.subject),
                quantity,
                unit_price,
                discount: 0,
                tax_rate,
                net,
                ticket_id: Some(*ticket_id),
                item_id: None,
                department_id: None,
                budget_category: None,
                unit: Some("min".into()),
                price_per: MINUTES_PER_HOUR,
            });
        }
        // Per ticket and item: the parts' quantity, value and movements.
        let mut per_part: BTreeMap<(i64, i64), (i64, i64, Vec<i64>)> = BTreeMap::new();
        for part in &parts {
            let Some(ticket_id) = part.ticket_id else { continue };
            let slot = per_part.entry((ticket_id, part.item_id)).or_default();
            slot.0 += part.quantity;
            slot.1 += part.value;
            slot.2.push(part.id);
        }
        let item_ids: Vec<i64> = per_part.keys().map(|(_, item)| *item).collect();
        let items: BTreeMap<i64, _> =
            crate::inventory::billing::items_by_id(conn, &item_ids)?.into_iter().map(|i| (i.id, i)).collect();
        for ((ticket_id, item_id), (quantity, value, _)) in &per_part {
            let ticket = tickets.iter().find(|t| t.id == *ticket_id).ok_or(ApiError::NotFound)?;
            let item = items.get(item_id).ok_or(ApiError::NotFound)?;
            if item.currency != customer.currency {
                return Err(ApiError::Conflict(format!(
                    "{} is valued in {}; {} pays in {}: give the item a sale price in {} or bill it by hand",
                    item.sku, item.currency, customer.name, customer.currency, item.currency
                )));
            }
            let unit_price = match item.sale_price {
                Some(price) => price,
                None => cost_plus_markup(*value, *quantity, customer.parts_markup.unwrap_or(0), currency).ok_or_else(
                    || {
                        ApiError::invalid(
                            "/to",
                            format!("the parts of {} are worth more than the limit", ticket.reference),
                        )
                    },
                )?,
            };
            let net = line_net(*quantity, unit_price, 1, 0, currency).ok_or_else(|| {
                ApiError::invalid("/to", format!("the parts of {} are worth more than the limit", ticket.reference))
            })?;
            lines.push(NewLine {
                purchase_order_line_id: None,
                description: format!("{}: {} {}", ticket.reference, item.sku, item.name),
                quantity: *quantity,
                unit_price,
                discount: 0,
                tax_rate,
                net,
                ticket_id: Some(*ticket_id),
                item_id: Some(*item_id),
                department_id: None,
                budget_category: None,
                unit: Some(item.unit.clone()),
                price_per: 1,
            });
        }
        let nets: Vec<(i64, i32)> = lines.iter().map(|l| (l.net, l.tax_rate)).collect();
        let totals = super::model::totals(&nets, currency)
            .ok_or_else(|| ApiError::invalid("/to", format!("the invoice's total {}", crate::money::LIMIT_TEXT)))?;
        let fields = DraftFields {
            kind: InvoiceKind::Receivable.as_str(),
            customer_id: Some(customer.id),
            vendor_id: None,
            credited_invoice_id: None,
            vendor_reference: None,
            currency: customer.currency.clone(),
            issue_date: None,
            due_date: None,
            notes: Some(format!("Time worked and parts used from {} to {}", input.from, input.to)),
        };
        let totals = TotalsFields { subtotal: totals.subtotal, tax_total: totals.tax_total, total: totals.total };
        let row = repo::insert_draft(conn, &fields, totals, Some(user_id))?;
        let stored = repo::set_lines(conn, row.id, &lines)?;
        let raced = || ApiError::Conflict("another invoice billed some of this at the same time; try again".into());
        for (line, (_, (_, entry_ids))) in stored.iter().zip(per_ticket.iter()) {
            if billing::mark_billed(conn, entry_ids, row.id, line.id)? != entry_ids.len() {
                return Err(raced());
            }
        }
        for (line, (_, (_, _, movement_ids))) in stored.iter().skip(per_ticket.len()).zip(per_part.iter()) {
            if crate::inventory::billing::mark_parts_billed(conn, movement_ids, row.id, line.id)? != movement_ids.len()
            {
                return Err(raced());
            }
        }
        let (_, invoice) = load(conn, row.id)?;
        audit::record(conn, &actor, "invoice.created", ENTITY, row.id, None, Some(&invoice))?;
        Reply::created(&invoice, invoice.version, &format!("/api/v1/invoices/{}", invoice.id))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::cost_plus_markup;
    use crate::money::Currency;

    fn eur() -> Currency {
        "EUR".parse().expect("EUR")
    }

    #[test]
    fn parts_at_cost_plus_markup_round_once_to_four_decimals() {
        // 2 seals worth 20.00 at 15 %: 11.5000 a seal.
        assert_eq!(cost_plus_markup(2000, 2000, 1500, eur()), Some(115_000));
        // 3 units worth 10.00 at cost: 3.3333 (half-up).
        assert_eq!(cost_plus_markup(1000, 3000, 0, eur()), Some(33_333));
        // 1.5 units worth 10.00 at 12.5 %: 7.5 a unit.
        assert_eq!(cost_plus_markup(1000, 1500, 1250, eur()), Some(75_000));
        assert_eq!(cost_plus_markup(1000, 0, 0, eur()), None);
    }
}
