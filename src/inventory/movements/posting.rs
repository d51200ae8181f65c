//! Posting a movement on a locked item: stock, the item's totals, the ledger row, what it
//! books in the cost book, and the reorder-point crossing.

use chrono::NaiveDate;

use super::super::api::{currency_of, show_quantity};
use super::super::model::{average_cost, quantity_within_limit, share_of_value, ItemRow, MovementKind, MovementRow};
use super::super::repo::{self, NewMovement};
use super::*;
use crate::audit;
use crate::db::DbConn;
use crate::error::{ApiError, Validator};
use crate::ledger;
use crate::ledger::journal::{self, EventSource, LineDimensions, PostingLine};
use crate::money::{self, Currency};

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

impl<'a> Posting<'a> {
    /// A movement of `quantity` out of `from` and/or into `to` on `occurred_on`, valued at the
    /// moving average, with nothing else set.
    pub fn new(kind: MovementKind, quantity: i64, from: Option<i64>, to: Option<i64>, occurred_on: NaiveDate) -> Self {
        Posting {
            kind,
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
            occurred_on,
        }
    }
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

/// Posts the next batch of movements older than the general ledger, after id `after` (at the
/// first start after the upgrade, a batch per transaction: `ledger::open_books`). Returns the
/// batch's last id and how many of it could not be posted (no exchange rate for their day), or
/// None when none are left. A movement's lines are worked out before anything is written, so a
/// skip leaves nothing behind (see `journal::skip_unpostable`).
pub fn post_existing(conn: &mut DbConn, after: i64) -> Result<Option<(i64, usize)>, ApiError> {
    let rows = repo::valued_movements_after(conn, after, journal::HISTORY_BATCH)?;
    let Some(last) = rows.last().map(|r| r.id) else { return Ok(None) };
    let item_ids: Vec<i64> = rows.iter().map(|r| r.item_id).collect();
    let items: std::collections::HashMap<i64, ItemRow> =
        repo::items_by_id(conn, &item_ids)?.into_iter().map(|i| (i.id, i)).collect();
    let mut skipped = 0;
    for row in &rows {
        let Some(item) = items.get(&row.item_id) else { continue };
        let Some(lines) = journal::skip_unpostable(journal_lines(conn, item, row), &mut skipped)? else { continue };
        let memo = format!("stock {} of {}", row.kind, item.sku);
        journal::restate(conn, EventSource { kind: "stock_movement", id: row.id }, row.occurred_on, &memo, lines)?;
    }
    Ok(Some((last, skipped)))
}

/// The day a movement happened: default today, never in the future.
pub(super) fn occurred_on(v: &mut Validator, given: Option<NaiveDate>) -> NaiveDate {
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

/// What a movement posts to the general ledger: the change of the stock's value on inventory,
/// against goods received not invoiced for a receipt (the vendor's bill clears it), materials
/// for an issue, stock adjustments for an adjustment; a reversal the same the other way round.
/// Transfers between locations change no value and post nothing.
fn journal_lines(conn: &mut DbConn, item: &ItemRow, row: &MovementRow) -> Result<Vec<PostingLine>, ApiError> {
    let counter = match MovementKind::from_stored(&row.kind) {
        MovementKind::Receipt => "goods_received",
        MovementKind::Issue => "materials",
        MovementKind::Adjustment => "stock_adjustment",
        MovementKind::Transfer => return Ok(Vec::new()),
    };
    if row.value_delta == 0 {
        return Ok(Vec::new());
    }
    let dims = LineDimensions {
        department_id: row.department_id,
        ticket_id: row.ticket_id,
        item_id: Some(item.id),
        ..Default::default()
    };
    let (day, currency) = (row.occurred_on, item.currency.as_str());
    Ok(vec![
        journal::event_line(conn, "inventory", currency, row.value_delta, day, dims)?,
        journal::event_line(conn, counter, currency, -row.value_delta, day, dims)?,
    ])
}

/// Posts a movement on a locked item: stock per location, the item's totals, the ledger row,
/// and the reorder-point crossing event. Call inside a write transaction.
pub(crate) fn post(
    conn: &mut DbConn,
    actor: &audit::Actor,
    item_id: i64,
    posting: Posting,
) -> Result<(MovementRow, Currency, Vec<ledger::guard::BudgetWarning>), ApiError> {
    journal::check_open(conn, posting.occurred_on, "/occurred_on")?;
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
            is_commitment: false,
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
        crate::inventory::bills::rebook_bill_of_line(conn, line)?;
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
    let lines = journal_lines(conn, &item, &row)?;
    let memo = format!("stock {} of {}", row.kind, item.sku);
    journal::restate(conn, EventSource { kind: "stock_movement", id: row.id }, row.occurred_on, &memo, lines)?;
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
        let suggested = item.reorder_quantity.max(item.reorder_point - on_hand);
        let notice = serde_json::json!({
            "sku": item.sku,
            "on_hand": show_quantity(on_hand),
            "reorder_point": show_quantity(item.reorder_point),
            "suggested_order_quantity": show_quantity(suggested),
        });
        audit::record(conn, actor, "item.reorder_point_reached", "item", item.id, None, Some(&notice))?;
        // Procurement raises a draft purchase request (crate::inventory::reorder). The average
        // is the one before this movement: going out does not change it, and stock at zero
        // would have none.
        let notice = crate::inventory::reorder::ReorderNotice {
            item_id: item.id,
            sku: item.sku.clone(),
            name: item.name.clone(),
            currency: item.currency.clone(),
            active: item.active,
            on_hand,
            reorder_point: item.reorder_point,
            suggested_quantity: suggested,
            average_cost: average,
        };
        crate::inventory::reorder::reached(conn, actor, &notice)?;
    }
    Ok((row, currency, warnings))
}
