//! Goods arriving against an order (`POST /purchase-orders/{id}/receipts`) and going back to the
//! vendor (`…/returns`). Each line received is
//! an inventory receipt at the order's price (stock, the moving average, the cost book and the
//! general ledger take it through inventory's own posting: inventory against goods received not
//! billed), recorded against the order line; the order's state and commitment follow.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::super::model::{receivable_up_to, OrderStatus, PRICE_SCALE, QUANTITY_SCALE};
use super::super::permissions;
use super::draft::{load, ENTITY};
use super::lifecycle::restate_commitment;
use super::repo::{self, NewReceipt};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db::DbConn;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::inventory::model::MovementKind;
use crate::inventory::movements::CreateMovement;
use crate::money::{format_scaled, parse_scaled};
use crate::state::AppState;

/// The quantities of `lines`, each above 0 with up to 3 decimals; 1 to 200 lines.
fn quantities(v: &mut Validator, lines: &[ReceiptLineInput]) -> Vec<i64> {
    if lines.is_empty() || lines.len() > 200 {
        v.error("/lines", "give 1 to 200 lines");
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| match parse_scaled(&line.quantity, QUANTITY_SCALE) {
            Ok(q) if q > 0 => q,
            Ok(_) => {
                v.error(&format!("/lines/{i}/quantity"), "must be more than 0");
                0
            }
            Err(e) => {
                v.error(&format!("/lines/{i}/quantity"), e);
                0
            }
        })
        .collect()
}

/// Checks that the day is not before `order` was sent and that each line is a line of the order
/// with an item (422 naming what is wrong).
fn check_lines(
    conn: &mut DbConn,
    order: &repo::OrderRow,
    inputs: &[ReceiptLineInput],
    on: chrono::NaiveDate,
    day_pointer: &str,
) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if order.sent_on.is_some_and(|sent| on < sent) {
        v.error(day_pointer, "must not be before the order was sent");
    }
    let lines = repo::lines_of(conn, order.id)?;
    for (i, input_line) in inputs.iter().enumerate() {
        match lines.iter().find(|l| l.id == input_line.order_line_id) {
            None => v.error(&format!("/lines/{i}/order_line_id"), "no such line on this order"),
            Some(l) if l.item_id.is_none() => v.error(
                &format!("/lines/{i}/order_line_id"),
                "a line without an item is not received into stock; the bill citing it confirms it",
            ),
            Some(_) => {}
        }
    }
    v.finish()
}

/// Records the order's receiving state after its lines changed (an open order only: a closed
/// one stays closed), and what it commits now.
fn settle_receiving(conn: &mut DbConn, order: &repo::OrderRow, on: chrono::NaiveDate) -> Result<(), ApiError> {
    if order.status().is_open() {
        let lines = repo::lines_of(conn, order.id)?;
        let status = receiving_state(&lines);
        let completed_on = (status == OrderStatus::Received).then_some(order.received_on.unwrap_or(on));
        repo::set_receiving(conn, order.id, status, completed_on)?;
    } else {
        repo::touch(conn, order.id)?;
    }
    restate_commitment(conn, order.id)
}

/// The state an open order is in after its receipts: received when every line with an item has
/// arrived in full (the day of the receipt that completed it), partially received when something
/// has, else sent. An order of services only stays sent until it is closed.
fn receiving_state(lines: &[repo::OrderLineRow]) -> OrderStatus {
    let goods: Vec<&repo::OrderLineRow> = lines.iter().filter(|l| l.item_id.is_some()).collect();
    if !goods.is_empty() && goods.iter().all(|l| l.received_quantity >= l.quantity) {
        OrderStatus::Received
    } else if goods.iter().any(|l| l.received_quantity > 0) {
        OrderStatus::PartiallyReceived
    } else {
        OrderStatus::Sent
    }
}

/// Receives goods against a sent order (ops, admin): per line an item's quantity into one
/// location, dated (default today; not before the order was sent). More than the order's
/// quantity plus the tolerance (`OPSDESK_PO_RECEIPT_TOLERANCE_PERCENT`, default 5) is refused
/// with 409 naming the line and what is left to receive.
#[utoipa::path(
    operation_id = "create_purchase_receipt",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    request_body = CreatePurchaseReceipt,
    responses(
        (status = 201, description = "Received: the receipts and the order as it stands", body = PurchaseReceiptResult, headers(("Location" = String))),
        (status = 409, description = "The order is not sent (or is finished), or more than the order and its tolerance", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A line of another order or without an item, an unknown or archived location, a day in the future or before the order was sent", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/receipts")]
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreatePurchaseReceipt>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::RECEIVE_GOODS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let note = v.optional_text("/note", input.note.clone(), 500);
    let received_on = input.received_on.unwrap_or_else(today);
    if received_on > today() {
        v.error("/received_on", "must not be in the future");
    }
    let quantities = quantities(&mut v, &input.lines);
    v.finish()?;
    let tolerance = state.config.procurement.receipt_tolerance;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::lock(conn, id)?.ok_or(ApiError::NotFound)?;
        let before = super::draft::view(conn, &row)?;
        if !row.status().is_open() {
            return Err(ApiError::Conflict(format!(
                "the order is {}; goods are received against a sent order",
                row.status().as_str()
            )));
        }
        check_lines(conn, &row, &input.lines, received_on, "/received_on")?;
        // Each line's receipt takes its item's row and then the journal's counter: the items of
        // every line are taken first, in id order, so that a receipt of several items holds none
        // of them while it waits for the counter (PostgreSQL would deadlock it with a stock issue).
        let mut items = Vec::with_capacity(input.lines.len());
        for input_line in &input.lines {
            items.extend(repo::line(conn, input_line.order_line_id)?.and_then(|line| line.item_id));
        }
        crate::inventory::hold_items(conn, &items)?;
        let mut receipts = Vec::with_capacity(input.lines.len());
        for (input_line, quantity) in input.lines.iter().zip(&quantities) {
            // Read again: the same line may be received twice in one request.
            let line = repo::line(conn, input_line.order_line_id)?.ok_or(ApiError::NotFound)?;
            let allowed = receivable_up_to(line.quantity, tolerance);
            if line.received_quantity + quantity > allowed {
                return Err(ApiError::Conflict(format!(
                    "line {}: receiving {} would make {} of {} ordered (tolerance {} %); at most {} more",
                    line.position,
                    format_scaled(*quantity, QUANTITY_SCALE),
                    format_scaled(line.received_quantity + quantity, QUANTITY_SCALE),
                    format_scaled(line.quantity, QUANTITY_SCALE),
                    format_scaled(i64::from(tolerance), 2),
                    format_scaled((allowed - line.received_quantity).max(0), QUANTITY_SCALE),
                )));
            }
            let movement = receive_line(conn, &principal, &row, &line, *quantity, input.location_id, received_on)?;
            let receipt = repo::insert_receipt(
                conn,
                &NewReceipt {
                    order_id: id,
                    order_line_id: line.id,
                    location_id: input.location_id,
                    quantity: *quantity,
                    received_on,
                    movement_id: movement,
                    note: note.as_deref(),
                    created_by: principal.user_id,
                },
            )?;
            repo::add_received(conn, line.id, *quantity)?;
            receipts.push(PurchaseReceipt::from(&receipt));
        }
        settle_receiving(conn, &row, received_on)?;
        let (row, order) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.received", ENTITY, id, Some(&before), Some(&order))?;
        let location = format!("/api/v1/purchase-orders/{id}/receipts");
        Reply::created(&PurchaseReceiptResult { receipts, order }, row.version, &location)
    })
    .await
}

/// Posts the stock receipt of `quantity` of `line` into `location_id` at the order's price;
/// returns the movement's id. Inventory checks the location and posts stock, the moving
/// average, the cost book and the general ledger as for any receipt.
fn receive_line(
    conn: &mut DbConn,
    principal: &Principal,
    order: &repo::OrderRow,
    line: &repo::OrderLineRow,
    quantity: i64,
    location_id: i64,
    received_on: chrono::NaiveDate,
) -> Result<i64, ApiError> {
    let item_id = line.item_id.ok_or_else(|| ApiError::internal("a receipt of a line without an item"))?;
    let movement = CreateMovement {
        kind: MovementKind::Receipt,
        item_id,
        quantity: Some(format_scaled(quantity, QUANTITY_SCALE)),
        location_id: Some(location_id),
        from_location_id: None,
        to_location_id: None,
        unit_cost: Some(format_scaled(line.unit_price, PRICE_SCALE)),
        ticket_id: None,
        department_id: None,
        invoice_line_id: None,
        counted_quantity: None,
        occurred_on: Some(received_on),
        reason: Some(format!("{} line {}", order.number.as_deref().unwrap_or("purchase order"), line.position)),
        budget_override_reason: None,
    };
    Ok(crate::inventory::record_movement(conn, principal, movement)?.id)
}

/// Sends received goods back to the vendor (ops, admin), from a location they were received into,
/// with a reason: each line leaves stock at the order's price (the general ledger takes it back
/// from goods received not billed), its received quantity drops, and what the order commits
/// grows again while it is open (the vendor owes the goods). More than was received at that
/// location is 409.
#[utoipa::path(
    operation_id = "create_purchase_return",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    request_body = CreatePurchaseReturn,
    responses(
        (status = 201, description = "Returned: the returns (negative quantities) and the order as it stands", body = PurchaseReceiptResult, headers(("Location" = String))),
        (status = 409, description = "A draft or cancelled order, more than was received at the location, or the stock is gone", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A line of another order or without an item, a day in the future or before the order was sent, no reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/returns")]
pub async fn return_goods(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreatePurchaseReturn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::RECEIVE_GOODS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let reason = v.required_text("/reason", &input.reason, 500);
    let returned_on = input.returned_on.unwrap_or_else(today);
    if returned_on > today() {
        v.error("/returned_on", "must not be in the future");
    }
    let quantities = quantities(&mut v, &input.lines);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::lock(conn, id)?.ok_or(ApiError::NotFound)?;
        let before = super::draft::view(conn, &row)?;
        if !(row.status().is_open() || row.status() == OrderStatus::Closed) {
            return Err(ApiError::Conflict(format!(
                "the order is {}; goods go back against a sent order",
                row.status().as_str()
            )));
        }
        check_lines(conn, &row, &input.lines, returned_on, "/returned_on")?;
        let mut returns = Vec::with_capacity(input.lines.len());
        for (input_line, quantity) in input.lines.iter().zip(&quantities) {
            let line = repo::line(conn, input_line.order_line_id)?.ok_or(ApiError::NotFound)?;
            let held = repo::net_received_at(conn, line.id, input.location_id)?;
            if *quantity > held {
                return Err(ApiError::Conflict(format!(
                    "line {}: {} of it was received at location {} (less returns); {} cannot go back",
                    line.position,
                    format_scaled(held, QUANTITY_SCALE),
                    input.location_id,
                    format_scaled(*quantity, QUANTITY_SCALE)
                )));
            }
            let item_id = line.item_id.ok_or_else(|| ApiError::internal("a return of a line without an item"))?;
            let why =
                format!("returned to the vendor ({}): {reason}", row.number.as_deref().unwrap_or("purchase order"));
            let goods = crate::inventory::VendorReturn {
                item_id,
                location_id: input.location_id,
                quantity: *quantity,
                unit_cost: line.unit_price,
                on: returned_on,
                reason: &why,
            };
            let movement = crate::inventory::return_to_vendor(conn, &actor, &goods)?;
            let receipt = repo::insert_receipt(
                conn,
                &NewReceipt {
                    order_id: id,
                    order_line_id: line.id,
                    location_id: input.location_id,
                    quantity: -quantity,
                    received_on: returned_on,
                    movement_id: movement.id,
                    note: Some(&reason),
                    created_by: principal.user_id,
                },
            )?;
            repo::add_received(conn, line.id, -quantity)?;
            returns.push(PurchaseReceipt::from(&receipt));
        }
        settle_receiving(conn, &row, returned_on)?;
        let (row, order) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.returned", ENTITY, id, Some(&before), Some(&order))?;
        let location = format!("/api/v1/purchase-orders/{id}/receipts");
        Reply::created(&PurchaseReceiptResult { receipts: returns, order }, row.version, &location)
    })
    .await
}

/// Lists an order's receipts in id order (ops, finance, auditor, admin).
#[utoipa::path(operation_id = "list_purchase_receipts", tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id"), PageQuery),
    responses(
        (status = 200, description = "A page of receipts", body = Page<PurchaseReceipt>),
        (status = 404, description = "No such order", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/purchase-orders/{id}/receipts")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_PURCHASING)?;
    let id = id.into_inner();
    listing
        .answer(&state.pool, &format!("purchase-order-{id}-receipts"), move |conn, page| {
            if repo::order(conn, id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            let rows = repo::receipts_of(conn, id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| PurchaseReceipt::from(&r)))
        })
        .await
}
