//! The stock ledger: `/api/v1/inventory/movements` and each item's `…/movements`. Movements are
//! never edited or deleted; a mistake is undone by a reversing movement. Stock never goes
//! negative: every take is one conditional statement, and a CHECK constraint backs it.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::{currency_of, quantity, show_quantity, READERS, WRITERS};
use super::model::{
    average_cost, quantity_within_limit, share_of_value, value_of, ItemRow, MovementKind, MovementRow, COST_SCALE,
};
use super::repo::{self, MovementFilter, NewMovement};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::roles::Role;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::money::{self, format_amount, format_scaled, parse_scaled, Currency};
use crate::state::AppState;
use crate::tickets::access::TicketAccess;

pub const ENTITY: &str = "stock_movement";

/// One movement of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Movement {
    pub id: i64,
    pub item_id: i64,
    pub kind: MovementKind,
    #[schema(example = "2.000")]
    pub quantity: String,
    pub from_location_id: Option<i64>,
    pub to_location_id: Option<i64>,
    /// The change of the item's quantity on hand (transfers: 0).
    #[schema(example = "-2.000")]
    pub quantity_change: String,
    /// The change of the item's stock value (transfers: 0).
    #[schema(example = "-9.00")]
    pub value_change: String,
    /// The unit cost it moved at (up to 4 decimals): the receipt's, else the moving average.
    pub unit_cost: String,
    pub value: String,
    /// The item's quantity on hand right after: the running balance.
    pub on_hand_after: String,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    pub invoice_line_id: Option<i64>,
    pub reason: Option<String>,
    /// The movement this one reverses.
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// The day it happened (given when posted, else the day it was recorded): what it cost counts
    /// on this day everywhere (cost book, budgets, valuation).
    pub occurred_on: NaiveDate,
    /// Only in the answer to an issue: the budget line (materials) it takes over its plan to
    /// date (exceed policy warn, or a stop overridden).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budget_warnings: Vec<ledger::guard::BudgetWarning>,
}

impl Movement {
    pub fn new(row: &MovementRow, currency: Currency) -> Movement {
        Movement {
            id: row.id,
            item_id: row.item_id,
            kind: MovementKind::from_stored(&row.kind),
            quantity: show_quantity(row.quantity),
            from_location_id: row.from_location_id,
            to_location_id: row.to_location_id,
            quantity_change: show_quantity(row.quantity_delta),
            value_change: format_amount(row.value_delta, currency),
            unit_cost: format_scaled(row.unit_cost, COST_SCALE),
            value: format_amount(row.value, currency),
            on_hand_after: show_quantity(row.on_hand_after),
            ticket_id: row.ticket_id,
            department_id: row.department_id,
            invoice_line_id: row.invoice_line_id,
            reason: row.reason.clone(),
            reverses_id: row.reverses_id,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            occurred_on: row.occurred_on,
            budget_warnings: Vec::new(),
        }
    }
}

/// A movement to post. Which fields apply depends on `kind`:
/// - receipt: `location_id` (into), `quantity`, `unit_cost`, optionally `invoice_line_id`;
/// - issue: `location_id` (out of), `quantity`, and `ticket_id` or `department_id`;
/// - transfer: `from_location_id`, `to_location_id`, `quantity`;
/// - adjustment: `location_id`, `counted_quantity`, `reason`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMovement {
    pub kind: MovementKind,
    pub item_id: i64,
    /// More than 0, up to 3 decimals.
    #[schema(example = "2")]
    pub quantity: Option<String>,
    pub location_id: Option<i64>,
    pub from_location_id: Option<i64>,
    pub to_location_id: Option<i64>,
    /// Receipts: not negative, up to 4 decimals, in the item's currency.
    #[schema(example = "4.50")]
    pub unit_cost: Option<String>,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    pub invoice_line_id: Option<i64>,
    /// Adjustments: what the count found at the location.
    pub counted_quantity: Option<String>,
    /// The day it happened: default today, never in the future. Parts used in January but
    /// recorded in March count in January (ticket cost, budgets, valuation).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub occurred_on: Option<NaiveDate>,
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub reason: Option<String>,
    /// Issues: go ahead although the department's materials budget (policy stop) would be over
    /// its plan to date — admin only; the override and its reason are audited.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub budget_override_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseMovement {
    /// The day the movement was undone: default today, not before the original's day, never in
    /// the future.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub occurred_on: Option<NaiveDate>,
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementListQuery {
    pub item_id: Option<i64>,
    pub location_id: Option<i64>,
    pub kind: Option<MovementKind>,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub to: Option<DateTime<Utc>>,
}

/// What a movement does to stock, decided before it is written.
pub(crate) struct Posting<'a> {
    pub kind: MovementKind,
    pub quantity: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Some: this value (receipts, reversals); None: the moving average's share.
    pub value: Option<i64>,
    pub unit_cost: Option<i64>,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    pub invoice_line_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub reverses_id: Option<i64>,
    /// Issues to a department or ticket: the override of a budget stop, if any.
    pub budget_override: Option<&'a str>,
    pub occurred_on: NaiveDate,
}

fn not_enough(item: &ItemRow, location: i64, available: i64) -> ApiError {
    ApiError::Conflict(format!(
        "not enough {} at location {location}: {} available",
        item.sku,
        show_quantity(available)
    ))
}

/// What parts issued (a positive value and quantity) or returned (negative) book.
fn materials(
    item: &ItemRow,
    on: NaiveDate,
    value: i64,
    quantity: i64,
    department_id: i64,
    ticket_id: Option<i64>,
    customer_id: Option<i64>,
) -> ledger::Entry {
    ledger::Entry {
        occurred_on: on,
        kind: ledger::Kind::Materials,
        category: "materials".into(),
        currency: item.currency.clone(),
        amount: value,
        quantity,
        dims: ledger::Dimensions {
            department_id: Some(department_id),
            ticket_id,
            customer_id,
            item_id: Some(item.id),
            ..Default::default()
        },
        source_line_id: None,
    }
}

/// What a posted issue (or its reversal) books.
fn materials_of(item: &ItemRow, row: &MovementRow, department_id: i64, customer_id: Option<i64>) -> ledger::Entry {
    materials(item, row.occurred_on, -row.value_delta, -row.quantity_delta, department_id, row.ticket_id, customer_id)
}

/// Books every issue and its reversals (once, when the cost book is opened on data older than it).
pub fn book_existing(conn: &mut DbConn) -> Result<(), ApiError> {
    let mut after = 0;
    loop {
        let rows = repo::issues_after(conn, after, 1000)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.id;
        let item_ids: Vec<i64> = rows.iter().map(|r| r.item_id).collect();
        let items: std::collections::HashMap<i64, ItemRow> =
            repo::items_by_id(conn, &item_ids)?.into_iter().map(|i| (i.id, i)).collect();
        let tickets: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
        let customers = crate::tickets::billing::customers_of(conn, &tickets)?;
        let mut batch = Vec::with_capacity(rows.len());
        for row in &rows {
            let (Some(item), Some(department_id)) = (items.get(&row.item_id), row.department_id) else { continue };
            let customer = row.ticket_id.and_then(|t| customers.get(&t).copied());
            let entry = materials_of(item, row, department_id, customer);
            batch.push((ledger::Source::stock_movement(row.id), vec![entry]));
        }
        ledger::post_older(conn, &batch)?;
    }
}

/// The day a movement happened: default today, never in the future.
fn occurred_on(v: &mut Validator, given: Option<NaiveDate>) -> NaiveDate {
    let today = crate::clock::today();
    match given {
        Some(day) if day > today => {
            v.error("/occurred_on", format!("must not be in the future (today is {today})"));
            today
        }
        Some(day) => day,
        None => today,
    }
}

/// Posts a movement on a locked item: stock per location, the item's totals, the ledger row,
/// and the reorder-point crossing event. Call inside a write transaction.
pub(crate) fn post(
    conn: &mut DbConn,
    actor: &audit::Actor,
    item_id: i64,
    posting: Posting,
) -> Result<(MovementRow, Currency, Vec<ledger::guard::BudgetWarning>), ApiError> {
    let item = repo::lock_item(conn, item_id)?.ok_or(ApiError::NotFound)?;
    let currency = currency_of(&item)?;
    let q = posting.quantity;
    let average = average_cost(item.stock_value, item.on_hand, currency);
    let (quantity_delta, value, value_delta) = match (posting.from, posting.to) {
        // In: a receipt or a return adds quantity and value (valued by the caller).
        (None, Some(_)) => {
            let value = posting.value.ok_or_else(|| ApiError::internal("an incoming movement without a value"))?;
            (q, value, value)
        }
        // Out: takes the value given (bounded by what there is), or the average's share.
        (Some(_), None) => {
            let share = share_of_value(item.stock_value, item.on_hand, q);
            let value = match posting.value {
                Some(_) if q >= item.on_hand => item.stock_value,
                Some(v) => v.min(item.stock_value),
                None => share,
            };
            (-q, value, -value)
        }
        // Between locations: the item's totals stay.
        _ => (0, share_of_value(item.stock_value, item.on_hand, q), 0),
    };
    // What the item holds after, checked before anything is written: stock never goes negative,
    // and quantity and value stay within the limit (no wrap-around, no 64-bit overflow below).
    let on_hand = item.on_hand.checked_add(quantity_delta).filter(|q| quantity_within_limit(*q));
    let stock_value = item.stock_value.checked_add(value_delta).filter(|v| money::within_limit(*v, currency));
    let (Some(on_hand), Some(stock_value)) = (on_hand, stock_value) else {
        return Err(ApiError::invalid(
            "/quantity",
            format!("{} would hold more than this service stores: quantity and value {}", item.sku, money::LIMIT_TEXT),
        ));
    };
    if on_hand < 0 || stock_value < 0 {
        return Err(not_enough(&item, posting.from.unwrap_or_default(), item.on_hand));
    }
    if let Some(from) = posting.from {
        if !repo::take_stock(conn, item.id, from, q)? {
            return Err(not_enough(&item, from, repo::level(conn, item.id, from)?));
        }
    }
    if let Some(to) = posting.to {
        repo::add_stock(conn, item.id, to, q)?;
    }
    // Parts going out to a department (or its desks' tickets) are materials spending: checked
    // against its budget in this transaction. Reversals give back; they are not checked.
    let mut warnings = Vec::new();
    if let (MovementKind::Issue, Some(department_id), None, true) =
        (posting.kind, posting.department_id, posting.reverses_id, value_delta < 0)
    {
        let entry = materials(&item, posting.occurred_on, -value_delta, -quantity_delta, department_id, None, None);
        let spend = ledger::guard::Spend {
            department_id,
            category: "materials",
            on: posting.occurred_on,
            amount: -value_delta,
            currency: &item.currency,
            base_amount: ledger::base_amount_of(conn, &entry)?,
        };
        warnings.extend(ledger::guard::check(conn, actor, &spend, posting.budget_override)?);
    }
    let below = on_hand <= item.reorder_point;
    repo::set_totals(conn, item.id, on_hand, stock_value, below)?;
    let movement = NewMovement {
        item_id: item.id,
        kind: posting.kind.as_str(),
        quantity: q,
        from_location_id: posting.from,
        to_location_id: posting.to,
        quantity_delta,
        value_delta,
        unit_cost: posting.unit_cost.unwrap_or(average),
        value,
        on_hand_after: on_hand,
        ticket_id: posting.ticket_id,
        department_id: posting.department_id,
        invoice_line_id: posting.invoice_line_id,
        reason: posting.reason,
        reverses_id: posting.reverses_id,
        created_by: actor.user_id,
        occurred_on: posting.occurred_on,
    };
    // Stock received against a bill's line (or such a receipt reversed) changes how much of the
    // bill is a department's spending: stock bought is inventory until it is issued.
    let row = repo::insert_movement(conn, &movement)?;
    if let Some(line) = row.invoice_line_id {
        super::bills::rebook_bill_of_line(conn, line)?;
    }
    // Issues to a department (or its desks' tickets) and their reversals are materials, booked
    // on the day they happened.
    if let (MovementKind::Issue, Some(department_id)) = (posting.kind, row.department_id) {
        let customer = match row.ticket_id {
            Some(ticket) => crate::tickets::billing::customers_of(conn, &[ticket])?.get(&ticket).copied(),
            None => None,
        };
        let entry = materials_of(&item, &row, department_id, customer);
        ledger::post(conn, ledger::Source::stock_movement(row.id), &[entry])?;
    }
    audit::record(
        conn,
        actor,
        &format!("stock.{}", posting.kind.as_str()),
        ENTITY,
        row.id,
        None,
        Some(&Movement::new(&row, currency)),
    )?;
    // A crossing of the reorder point is told once, until stock rises above it again.
    if below && !item.below_reorder {
        let notice = serde_json::json!({
            "sku": item.sku,
            "on_hand": show_quantity(on_hand),
            "reorder_point": show_quantity(item.reorder_point),
            "suggested_order_quantity": show_quantity(item.reorder_quantity.max(item.reorder_point - on_hand)),
        });
        audit::record(conn, actor, "item.reorder_point_reached", "item", item.id, None, Some(&notice))?;
    }
    Ok((row, currency, warnings))
}

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
    let is_writer = principal.is(Role::Admin) || principal.is(Role::Ops);
    let agent_issue = input.kind == MovementKind::Issue && input.ticket_id.is_some() && principal.is(Role::Agent);
    if !is_writer && !agent_issue {
        return Err(ApiError::Forbidden(
            "ops and admin post movements; agents issue parts to their desks' tickets".into(),
        ));
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
    if budget_override.is_some() && !principal.is(Role::Admin) {
        return Err(ApiError::Forbidden("only finance and admin override a budget; finance posts no movements".into()));
    }
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
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
                    if super::bills::issued_bill_of_line(conn, line)?.is_none() {
                        v.error("/invoice_line_id", "no such line of an issued payable invoice");
                    }
                }
                let currency: Option<Currency> = item.as_ref().and_then(|i| i.currency.parse().ok());
                let value = match currency {
                    Some(c) => value_of(quantity, unit_cost, c).unwrap_or_else(|| {
                        v.error(
                            "/unit_cost",
                            format!("the receipt's value (quantity × unit cost) {}", money::LIMIT_TEXT),
                        );
                        0
                    }),
                    None => 0,
                };
                Posting {
                    kind: MovementKind::Receipt,
                    quantity,
                    from: None,
                    to,
                    value: Some(value),
                    unit_cost: Some(unit_cost),
                    ticket_id: None,
                    department_id: None,
                    invoice_line_id: input.invoice_line_id,
                    reason: None,
                    reverses_id: None,
                    budget_override: None,
                    occurred_on: on,
                }
            }
            MovementKind::Issue => {
                let quantity = q(&mut v, "/quantity", &input.quantity, true);
                let from = check_location(conn, &mut v, "/location_id", input.location_id)?;
                let department_id = match (input.ticket_id, input.department_id) {
                    (Some(ticket_id), None) => {
                        let access = TicketAccess::load(conn, &principal)?;
                        match crate::tickets::repo::tickets::ticket(conn, ticket_id)? {
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
                            Some(t) => crate::tickets::repo::desk(conn, t.desk_id)?.map(|d| d.department_id),
                            None => {
                                v.error("/ticket_id", "no such ticket");
                                None
                            }
                        }
                    }
                    (None, Some(department)) => {
                        if crate::employees::repo::department(conn, department)?.is_none() {
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
                    kind: MovementKind::Issue,
                    quantity,
                    from,
                    to: None,
                    value: None,
                    unit_cost: None,
                    ticket_id: input.ticket_id,
                    department_id,
                    invoice_line_id: None,
                    reason: None,
                    reverses_id: None,
                    budget_override: None,
                    occurred_on: on,
                }
            }
            MovementKind::Transfer => {
                let quantity = q(&mut v, "/quantity", &input.quantity, true);
                let from = check_location(conn, &mut v, "/from_location_id", input.from_location_id)?;
                let to = check_location(conn, &mut v, "/to_location_id", input.to_location_id)?;
                if from.is_some() && from == to {
                    v.error("/to_location_id", "must differ from from_location_id");
                }
                Posting {
                    kind: MovementKind::Transfer,
                    quantity,
                    from,
                    to,
                    value: None,
                    unit_cost: None,
                    ticket_id: None,
                    department_id: None,
                    invoice_line_id: None,
                    reason: None,
                    reverses_id: None,
                    budget_override: None,
                    occurred_on: on,
                }
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
                    kind: MovementKind::Adjustment,
                    quantity: difference,
                    from,
                    to,
                    value: match to {
                        Some(_) => Some(value_of(difference, average, currency).ok_or_else(|| {
                            ApiError::invalid(
                                "/counted_quantity",
                                format!("the surplus's value at the average cost {}", money::LIMIT_TEXT),
                            )
                        })?),
                        None => None,
                    },
                    unit_cost: None,
                    ticket_id: None,
                    department_id: None,
                    invoice_line_id: None,
                    reason: reason.as_deref(),
                    reverses_id: None,
                    budget_override: None,
                    occurred_on: on,
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
        created(&body)
    })
    .await
}

/// A new movement's answer: movements are never changed, so their version is always 1.
fn created(movement: &Movement) -> Result<Reply, ApiError> {
    Reply::created(movement, 1, &format!("/api/v1/inventory/movements/{}", movement.id))
}

/// Undoes a movement with an opposite one at the same value (ops, admin). A movement is reversed
/// at most once; a reversal is not reversed. Taking back stock that is gone is 409.
#[utoipa::path(
    operation_id = "reverse_movement",
    tag = "inventory",
    params(("id" = i64, Path, description = "Movement id")),
    request_body = ReverseMovement,
    responses(
        (status = 201, description = "The reversing movement", body = Movement, headers(("Location" = String))),
        (status = 409, description = "Reversed already, a reversal, or the stock is gone", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/inventory/movements/{id}/reversal")]
pub async fn reverse(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<ReverseMovement>,
) -> Result<HttpResponse, ApiError> {
    principal.require_any(&WRITERS)?;
    let id = id.into_inner();
    let mut v = Validator::new();
    let input = body.into_inner();
    let reason = v.required_lines("/reason", input.reason, 500);
    let on = occurred_on(&mut v, input.occurred_on);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let original = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        // The item first: billing holds it too, so a movement is billed or reversed, never both.
        repo::lock_item(conn, original.item_id)?;
        let original = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        if let Some(invoice) = original.billed_invoice_id {
            return Err(ApiError::Conflict(format!(
                "movement {id} is billed on invoice {invoice}: void the invoice or change its draft first"
            )));
        }
        if original.reverses_id.is_some() {
            return Err(ApiError::Conflict("a reversal is not reversed; post a new movement instead".into()));
        }
        if let Some(by) = repo::reversal_of(conn, id)? {
            return Err(ApiError::Conflict(format!("movement {id} is reversed already (by {by})")));
        }
        if on < original.occurred_on {
            return Err(ApiError::invalid(
                "/occurred_on",
                format!("must not be before the day of the movement it reverses ({})", original.occurred_on),
            ));
        }
        let posting = Posting {
            kind: MovementKind::from_stored(&original.kind),
            quantity: original.quantity,
            from: original.to_location_id,
            to: original.from_location_id,
            value: Some(original.value),
            unit_cost: Some(original.unit_cost),
            ticket_id: original.ticket_id,
            department_id: original.department_id,
            invoice_line_id: original.invoice_line_id,
            reason: Some(&reason),
            reverses_id: Some(original.id),
            budget_override: None,
            occurred_on: on,
        };
        let (movement, currency, _) = post(conn, &actor, original.item_id, posting)?;
        created(&Movement::new(&movement, currency))
    })
    .await
}

async fn movements_page(
    state: &AppState,
    principal: &Principal,
    page: &PageQuery,
    filter: MovementFilter,
) -> Result<HttpResponse, ApiError> {
    principal.require_any(&READERS)?;
    let page = page.parse()?;
    let limit = page.limit;
    let body = db::run(&state.pool, move |conn| {
        let rows = repo::list_movements(conn, &filter, page.after, limit)?;
        let rows = Page::from_rows(rows, limit, |r| r.id, |r| r);
        let mut currencies: std::collections::HashMap<i64, Currency> = std::collections::HashMap::new();
        let mut items = Vec::with_capacity(rows.items.len());
        for row in &rows.items {
            let currency = match currencies.get(&row.item_id) {
                Some(c) => *c,
                None => {
                    let item = repo::item(conn, row.item_id)?.ok_or(ApiError::NotFound)?;
                    let c = currency_of(&item)?;
                    currencies.insert(row.item_id, c);
                    c
                }
            };
            items.push(Movement::new(row, currency));
        }
        Ok(Page { items, next_cursor: rows.next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The ledger across items, oldest first, with filters.
#[utoipa::path(operation_id = "list_movements", tag = "inventory", params(PageQuery, MovementListQuery),
    responses((status = 200, description = "A page of movements", body = Page<Movement>)))]
#[get("/inventory/movements")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageQuery>,
    query: web::Query<MovementListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = MovementFilter {
        item_id: query.item_id,
        location_id: query.location_id,
        kind: query.kind.map(MovementKind::as_str),
        ticket_id: query.ticket_id,
        department_id: query.department_id,
        from: query.from.map(|t| t.naive_utc()),
        to: query.to.map(|t| t.naive_utc()),
    };
    movements_page(&state, &principal, &page, filter).await
}

/// One item's ledger, oldest first; `on_hand_after` is the running balance.
#[utoipa::path(operation_id = "list_item_movements", tag = "inventory",
    params(("id" = i64, Path, description = "Item id"), PageQuery),
    responses((status = 200, description = "A page of the item's movements", body = Page<Movement>)))]
#[get("/inventory/items/{id}/movements")]
pub async fn of_item(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    principal.require_any(&READERS)?;
    let exists = db::run(&state.pool, move |conn| Ok(repo::item(conn, id)?.is_some())).await?;
    if !exists {
        return Err(ApiError::NotFound);
    }
    movements_page(&state, &principal, &page, MovementFilter { item_id: Some(id), ..Default::default() }).await
}

/// Reads one movement.
#[utoipa::path(operation_id = "get_movement", tag = "inventory", params(("id" = i64, Path, description = "Movement id")),
    responses((status = 200, description = "The movement", body = Movement)))]
#[get("/inventory/movements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require_any(&READERS)?;
    let id = id.into_inner();
    let movement = db::run(&state.pool, move |conn| {
        let row = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        let item = repo::item(conn, row.item_id)?.ok_or(ApiError::NotFound)?;
        Ok(Movement::new(&row, currency_of(&item)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(movement))
}
