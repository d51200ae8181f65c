//! An order's life after the draft: sending it (its number and the budget commitment), closing
//! it and cancelling it (each releasing what it still commits). What an order commits is kept in
//! the cost book as `commitment` lines of the order, restated after every change that moves it
//! (a receipt, a bill citing it, closing, cancelling), so budget variance shows it beside actual.

use std::collections::BTreeMap;

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::super::model::{order_number, OrderStatus};
use super::super::{permissions, requests};
use super::draft::{load, require_draft, ENTITY};
use super::repo::{self, OrderLineRow, OrderRow};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db::{counters, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::IfMatch;
use crate::http::json::{OptionalJson, ValidJson};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::state::AppState;

/// The cost book's lines for what order `row` still commits: one per line with something open,
/// dated the day it was sent.
fn commitment_entries(row: &OrderRow, lines: &[OrderLineRow]) -> Vec<ledger::Entry> {
    let status = row.status();
    let on = row.sent_on.unwrap_or(row.created_at.date());
    lines
        .iter()
        .map(|line| ledger::Entry {
            occurred_on: on,
            kind: ledger::Kind::Commitment,
            category: line.budget_category.clone(),
            currency: row.currency.clone(),
            amount: line.open_commitment(status),
            quantity: 0,
            dims: ledger::Dimensions {
                department_id: Some(line.department_id),
                vendor_id: Some(row.vendor_id),
                item_id: line.item_id,
                ..Default::default()
            },
            source_line_id: Some(line.id),
        })
        .filter(|entry| entry.amount != 0)
        .collect()
}

/// Books what order `id` commits as it stands now. Call in the transaction that changed it.
pub(crate) fn restate_commitment(conn: &mut DbConn, id: i64) -> Result<(), ApiError> {
    let Some(row) = repo::order(conn, id)? else { return Ok(()) };
    let lines = repo::lines_of(conn, id)?;
    ledger::restate(conn, ledger::Source::purchase_order(id), &commitment_entries(&row, &lines))
}

/// Sends a draft: the number is the next of the year (`PO-2026-000042`), given in this
/// transaction, so numbers have no gaps and no duplicates on any number of nodes. The order's
/// lines commit their departments' budgets from now: each budget line with the stop policy that
/// its spend and commitments together would take over its plan to date refuses it (409 naming
/// the budget, line and overrun) unless finance overrides with a reason; warn answers with
/// `budget_warnings`. Honors If-Match.
#[utoipa::path(
    operation_id = "send_purchase_order",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase order id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body(content = Option<SendPurchaseOrder>, description = "Optional: the day sent, a budget override"),
    responses(
        (status = 200, description = "Sent", body = PurchaseOrder, headers(("ETag" = String))),
        (status = 409, description = "Not a draft, no lines, or a budget's stop", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future; no exchange rate for the day", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/sending")]
pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<SendPurchaseOrder>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let id = id.into_inner();
    let input = body.0.unwrap_or_default();
    let mut v = Validator::new();
    let override_reason = input.budget_override_reason.map(|r| v.required_text("/budget_override_reason", &r, 500));
    let sent_on = input.sent_on.unwrap_or_else(today);
    if sent_on > today() {
        v.error("/sent_on", "must not be in the future");
    }
    v.finish()?;
    if override_reason.is_some() {
        principal.require(&permissions::OVERRIDE_BUDGET)?;
    }
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        let lines = repo::lines_of(conn, id)?;
        if lines.is_empty() || row.total == 0 {
            return Err(ApiError::Conflict("an order needs at least one line and a total above zero".into()));
        }
        // Per department and category: what the order commits, checked before it is booked.
        let mut commits: BTreeMap<(i64, String), i64> = BTreeMap::new();
        for line in &lines {
            *commits.entry((line.department_id, line.budget_category.clone())).or_default() += line.net;
        }
        let warnings = ledger::guard::check_per_department(
            conn,
            &actor,
            &commits,
            &row.currency,
            sent_on,
            true,
            override_reason.as_deref(),
        )?;
        let number = order_number(sent_on.year(), counters::next(conn, &format!("purchase_order:{}", sent_on.year()))?);
        if !repo::send(conn, id, row.version, &number, sent_on, override_reason.as_deref())? {
            return Err(ApiError::changed_concurrently("purchase order"));
        }
        restate_commitment(conn, id)?;
        let (row, mut after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.sent", ENTITY, id, Some(&before), Some(&after))?;
        after.budget_warnings = warnings;
        Reply::entity(&after, row.version)
    })
    .await
}

/// Cancels a draft or a sent order on which nothing has arrived or been billed, with a reason:
/// its commitment is released, and the requests it took are approved again. Honors If-Match.
#[utoipa::path(
    operation_id = "cancel_purchase_order",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase order id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body = CancelPurchaseOrder,
    responses(
        (status = 200, description = "Cancelled", body = PurchaseOrder, headers(("ETag" = String))),
        (status = 409, description = "Goods arrived or bills cite it (close it instead), or it is finished", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/cancellation")]
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<CancelPurchaseOrder>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = v.required_text("/reason", &body.into_inner().reason, 500);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::lock(conn, id)?.ok_or(ApiError::NotFound)?;
        let before = super::draft::view(conn, &row)?;
        if_match.check(row.version)?;
        match row.status() {
            OrderStatus::Draft | OrderStatus::Sent => {}
            status => {
                return Err(ApiError::Conflict(format!(
                "the order is {}; only a draft or a sent order with nothing received is cancelled (close it instead)",
                status.as_str()
            )))
            }
        }
        let lines = repo::lines_of(conn, id)?;
        if let Some(line) = lines.iter().find(|l| l.received_quantity != 0 || l.billed_quantity != 0) {
            return Err(ApiError::Conflict(format!(
                "line {} has goods received or billed; close the order instead",
                line.position
            )));
        }
        if !repo::finish(conn, id, row.version, OrderStatus::Cancelled, None, Some(&reason))? {
            return Err(ApiError::changed_concurrently("purchase order"));
        }
        restate_commitment(conn, id)?;
        requests::release_ordered(conn, &before.request_ids)?;
        let (row, after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.cancelled", ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, row.version)
    })
    .await
}

/// Closes a sent order: nothing more is expected, and what it still commits is released. An
/// order with quantities still open may be closed (the vendor cannot deliver the rest). Honors
/// If-Match.
#[utoipa::path(
    operation_id = "close_purchase_order",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase order id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    responses(
        (status = 200, description = "Closed", body = PurchaseOrder, headers(("ETag" = String))),
        (status = 409, description = "A draft (delete or cancel it), or finished already", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders/{id}/closing")]
pub async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::lock(conn, id)?.ok_or(ApiError::NotFound)?;
        let before = super::draft::view(conn, &row)?;
        if_match.check(row.version)?;
        if !row.status().is_open() {
            return Err(ApiError::Conflict(format!(
                "the order is {}; only a sent order is closed",
                row.status().as_str()
            )));
        }
        if !repo::finish(conn, id, row.version, OrderStatus::Closed, Some(today()), None)? {
            return Err(ApiError::changed_concurrently("purchase order"));
        }
        restate_commitment(conn, id)?;
        let (row, after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.closed", ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, row.version)
    })
    .await
}
