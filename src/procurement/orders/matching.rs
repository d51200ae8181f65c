//! Bills citing order lines: what finance asks through `invoices::purchasing` (may this line be
//! cited, does the bill match, what it now bills of each order), and linking a line of a bill
//! already written to an order line (`POST /purchase-orders/{id}/bill-links`).
//!
//! The three-way match of a bill line: the quantity billed on the order line by issued bills,
//! this one included, must not pass what was received (for a line without an item, the ordered
//! quantity stands for it: services are confirmed by their bill), and its unit price after
//! discount must be within `OPSDESK_PO_PRICE_TOLERANCE_PERCENT` (default 2) of the order's.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::super::model::{match_line, Mismatch, OrderStatus, Priced, QUANTITY_SCALE};
use super::draft::{load, ENTITY};
use super::lifecycle::restate_commitment;
use super::repo::{self, OrderLineRow, OrderRow};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::DbConn;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::reply::{self, Reply};
use crate::invoices::model::{InvoiceKind, InvoiceStatus, LineRow};
use crate::invoices::purchasing::{CitedLine, Purchasing};
use crate::money::format_scaled;
use crate::state::AppState;

/// Procurement's answer to finance, with the configured price tolerance.
pub struct MatchForBills {
    pub price_tolerance: i32,
}

/// Whether an order in `status` may be cited by a bill: sent or later, closed too (its bill may
/// come after the last delivery); never a draft or a cancelled order.
fn billable(status: OrderStatus) -> bool {
    status.is_open() || status == OrderStatus::Closed
}

fn describe(order: &OrderRow, line: &OrderLineRow) -> String {
    format!("{} line {}", order.number.as_deref().unwrap_or("the order"), line.position)
}

/// The mismatches of bill line `bill` against order line `line` (its order locked by the caller).
fn mismatches(
    conn: &mut DbConn,
    bill: &LineRow,
    line: &OrderLineRow,
    price_tolerance: i32,
) -> Result<Vec<Mismatch>, ApiError> {
    let billed_before = repo::billed_on_line(conn, line.id)?;
    let received = if line.item_id.is_some() { line.received_quantity } else { line.quantity };
    let billed = Priced {
        quantity: bill.quantity,
        unit_price: bill.unit_price,
        price_per: bill.price_per,
        discount: bill.discount,
    };
    let ordered = Priced { quantity: line.quantity, unit_price: line.unit_price, price_per: 1, discount: 0 };
    Ok(match_line(billed, ordered, billed_before, received, price_tolerance))
}

fn explain(bill_position: i32, cited: &str, mismatch: &Mismatch, price_tolerance: i32) -> String {
    match mismatch {
        Mismatch::Quantity { billed, received } => format!(
            "line {bill_position} ({cited}): {} billed but {} received ({} more)",
            format_scaled(*billed, QUANTITY_SCALE),
            format_scaled(*received, QUANTITY_SCALE),
            format_scaled(billed - received, QUANTITY_SCALE)
        ),
        Mismatch::Price { billed, ordered } => format!(
            "line {bill_position} ({cited}): unit price {billed} against {ordered} ordered (a difference of {}, \
             tolerance {} %)",
            (*billed - *ordered).normalize(),
            format_scaled(i64::from(price_tolerance), 2)
        ),
    }
}

/// The match of bill lines `lines`: Ok when each matches or `override_reason` is given (the
/// override audited on the bill, with what did not match); else 409 naming every difference.
fn check_lines(
    conn: &mut DbConn,
    actor: &audit::Actor,
    invoice_id: i64,
    lines: &[LineRow],
    override_reason: Option<&str>,
    price_tolerance: i32,
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for bill_line in lines {
        let Some(order_line_id) = bill_line.purchase_order_line_id else { continue };
        let line = repo::line(conn, order_line_id)?.ok_or_else(|| ApiError::internal("a cited order line is gone"))?;
        let order = repo::lock(conn, line.order_id)?.ok_or_else(|| ApiError::internal("a cited order is gone"))?;
        let line = repo::line(conn, order_line_id)?.ok_or_else(|| ApiError::internal("a cited order line is gone"))?;
        for mismatch in mismatches(conn, bill_line, &line, price_tolerance)? {
            problems.push(explain(bill_line.position, &describe(&order, &line), &mismatch, price_tolerance));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    match override_reason {
        None => Err(ApiError::Conflict(format!(
            "the bill does not match its purchase order: {}; finance may override with match_override_reason",
            problems.join("; ")
        ))),
        Some(reason) => {
            let record = serde_json::json!({ "reason": reason, "differences": problems });
            audit::record(conn, actor, "invoice.match_overridden", "invoice", invoice_id, None, Some(&record))
        }
    }
}

/// The orders `invoice_id` cites take what is billed of each of their lines now, and commit the rest.
fn rebill_orders(conn: &mut DbConn, invoice_id: i64) -> Result<(), ApiError> {
    for order_id in repo::orders_cited_by(conn, invoice_id)? {
        repo::lock(conn, order_id)?;
        for line in repo::lines_of(conn, order_id)? {
            let billed = repo::billed_on_line(conn, line.id)?;
            if billed != line.billed_quantity {
                repo::set_billed(conn, line.id, billed)?;
            }
        }
        repo::touch(conn, order_id)?;
        restate_commitment(conn, order_id)?;
    }
    Ok(())
}

impl Purchasing for MatchForBills {
    fn citable(
        &self,
        conn: &mut DbConn,
        order_line_id: i64,
        vendor_id: i64,
        currency: &str,
    ) -> Result<Result<CitedLine, String>, ApiError> {
        let Some(line) = repo::line(conn, order_line_id)? else { return Ok(Err("no such purchase order line".into())) };
        let Some(order) = repo::order(conn, line.order_id)? else {
            return Ok(Err("no such purchase order line".into()));
        };
        if !billable(order.status()) {
            return Ok(Err(format!("the purchase order is {}; a bill cites a sent order", order.status().as_str())));
        }
        if order.vendor_id != vendor_id {
            return Ok(Err(format!("{} is with vendor {}, not this bill's", describe(&order, &line), order.vendor_id)));
        }
        if order.currency != currency {
            return Ok(Err(format!("{} is in {}, the bill in {currency}", describe(&order, &line), order.currency)));
        }
        Ok(Ok(CitedLine {
            item_id: line.item_id,
            department_id: line.department_id,
            budget_category: line.budget_category.clone(),
        }))
    }

    fn check_match(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        invoice_id: i64,
        override_reason: Option<&str>,
    ) -> Result<(), ApiError> {
        let lines = crate::invoices::invoice_lines(conn, invoice_id)?;
        check_lines(conn, actor, invoice_id, &lines, override_reason, self.price_tolerance)
    }

    fn bill_changed(&self, conn: &mut DbConn, invoice_id: i64) -> Result<(), ApiError> {
        rebill_orders(conn, invoice_id)
    }
}

/// Links a line of a bill already written to a line of this order (finance, admin): the bill's
/// vendor and currency must be the order's and the line must cite nothing yet. A draft bill is
/// matched when it is issued; an issued bill is matched now (409 naming the difference unless
/// `match_override_reason` is given), and the order takes what it bills.
#[utoipa::path(
    operation_id = "create_purchase_order_bill_link",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    request_body = CreateBillLink,
    responses(
        (status = 200, description = "Linked: the order as it stands", body = PurchaseOrder, headers(("ETag" = String))),
        (status = 409, description = "The bill is void, the line cites an order already, or it does not match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a bill's line, another vendor or currency, a line of another order", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/bill-links")]
pub async fn link_bill(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreateBillLink>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&crate::invoices::permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let override_reason = input.match_override_reason.map(|r| v.required_text("/match_override_reason", &r, 500));
    v.finish()?;
    if override_reason.is_some() {
        principal.require(&crate::invoices::permissions::OVERRIDE_MATCH)?;
    }
    let price_tolerance = state.config.procurement.price_tolerance;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let order = repo::lock(conn, id)?.ok_or(ApiError::NotFound)?;
        let before = super::draft::view(conn, &order)?;
        let mut v = Validator::new();
        let line = repo::line(conn, input.order_line_id)?.filter(|l| l.order_id == id);
        if line.is_none() {
            v.error("/order_line_id", "no such line on this order");
        }
        let bill_line = crate::invoices::invoice_line(conn, input.invoice_line_id)?;
        let bill = match &bill_line {
            Some(l) => crate::invoices::invoice(conn, l.invoice_id)?,
            None => None,
        };
        match &bill {
            Some(b) if b.kind() == InvoiceKind::Payable => {
                if b.vendor_id != Some(order.vendor_id) {
                    v.error("/invoice_line_id", "the bill is from another vendor than the order");
                } else if b.currency != order.currency {
                    v.error(
                        "/invoice_line_id",
                        format!("the bill is in {}, the order in {}", b.currency, order.currency),
                    );
                }
            }
            _ => v.error("/invoice_line_id", "no such line of a bill"),
        }
        if !billable(order.status()) {
            return Err(ApiError::Conflict(format!(
                "the order is {}; a bill cites a sent order",
                order.status().as_str()
            )));
        }
        v.finish()?;
        let (Some(line), Some(bill_line), Some(bill)) = (line, bill_line, bill) else { return Err(ApiError::NotFound) };
        if bill.status() == InvoiceStatus::Void {
            return Err(ApiError::Conflict("the bill is void".into()));
        }
        if let Some(cited) = bill_line.purchase_order_line_id {
            return Err(ApiError::Conflict(format!("the bill's line cites purchase order line {cited} already")));
        }
        if bill.status() != InvoiceStatus::Draft {
            let cited = LineRow { purchase_order_line_id: Some(line.id), ..bill_line.clone() };
            check_lines(conn, &actor, bill.id, &[cited], override_reason.as_deref(), price_tolerance)?;
            if let Some(reason) = &override_reason {
                crate::invoices::set_match_override(conn, bill.id, reason)?;
            }
        }
        crate::invoices::cite_order_line(conn, bill.id, bill_line.id, line.id, line.item_id)?;
        let link = serde_json::json!({ "invoice_line_id": bill_line.id, "order_line_id": line.id });
        audit::record(conn, &actor, "invoice.linked_to_order", "invoice", bill.id, None, Some(&link))?;
        rebill_orders(conn, bill.id)?;
        let (row, after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.bill_linked", ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, row.version)
    })
    .await
}
