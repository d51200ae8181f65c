//! Request and response types of purchase orders and their receipts (the OpenAPI schemas).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::model::{BudgetCategory, OrderStatus, PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE};
use super::repo::{OrderLineRow, OrderRow, ReceiptRow};
use crate::money::{format_amount, format_scaled, Currency};

/// A line of a purchase order, with what has arrived and been billed of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrderLine {
    pub id: i64,
    pub position: i32,
    /// An inventory item (received into stock), or none for a service or free-text line.
    pub item_id: Option<i64>,
    pub description: String,
    #[schema(example = "10.000")]
    pub quantity: String,
    /// Up to 4 decimals, in the order's currency.
    #[schema(example = "4.5000")]
    pub unit_price: String,
    #[schema(example = "19.00")]
    pub tax_rate_percent: String,
    /// quantity × unit price, half-up to the minor unit.
    #[schema(example = "45.00")]
    pub net: String,
    /// The budget the line commits.
    pub department_id: i64,
    pub budget_category: BudgetCategory,
    /// The purchase request line it came from.
    pub request_line_id: Option<i64>,
    /// Received less returned.
    #[schema(example = "4.000")]
    pub received_quantity: String,
    /// On issued bills citing the line.
    #[schema(example = "0.000")]
    pub billed_quantity: String,
    /// What the line still commits in the budget: its price for what is neither received nor
    /// billed (0 once the order is closed or cancelled).
    #[schema(example = "27.00")]
    pub open_commitment: String,
}

/// A purchase order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: i64,
    /// `PO-2026-000042`, given when the order is sent (gapless per year).
    pub number: Option<String>,
    pub status: OrderStatus,
    pub vendor_id: i64,
    #[schema(example = "EUR")]
    pub currency: String,
    pub expected_on: Option<NaiveDate>,
    pub sent_on: Option<NaiveDate>,
    /// The day the last ordered quantity arrived.
    pub received_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub cancel_reason: Option<String>,
    /// Set when the order was sent over a budget's stop.
    pub budget_override_reason: Option<String>,
    pub note: Option<String>,
    pub lines: Vec<PurchaseOrderLine>,
    pub subtotal: String,
    pub tax_total: String,
    pub total: String,
    /// What the order still commits, the sum of its lines'.
    pub open_commitment: String,
    /// The purchase requests it was made from.
    pub request_ids: Vec<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Only in the answer to sending: the budget lines it takes over their plan to date
    /// (exceed policy warn, or a stop overridden).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budget_warnings: Vec<crate::ledger::guard::BudgetWarning>,
}

impl PurchaseOrder {
    pub fn new(row: &OrderRow, currency: Currency, lines: &[OrderLineRow], request_ids: Vec<i64>) -> PurchaseOrder {
        let amount = |minor: i64| format_amount(minor, currency);
        let status = row.status();
        let open: Vec<i64> = lines.iter().map(|l| l.open_commitment(status)).collect();
        PurchaseOrder {
            id: row.id,
            number: row.number.clone(),
            status,
            vendor_id: row.vendor_id,
            currency: row.currency.clone(),
            expected_on: row.expected_on,
            sent_on: row.sent_on,
            received_on: row.received_on,
            closed_on: row.closed_on,
            cancel_reason: row.cancel_reason.clone(),
            budget_override_reason: row.budget_override_reason.clone(),
            note: row.note.clone(),
            lines: lines
                .iter()
                .zip(&open)
                .map(|(l, open)| PurchaseOrderLine {
                    id: l.id,
                    position: l.position,
                    item_id: l.item_id,
                    description: l.description.clone(),
                    quantity: format_scaled(l.quantity, QUANTITY_SCALE),
                    unit_price: format_scaled(l.unit_price, PRICE_SCALE),
                    tax_rate_percent: format_scaled(i64::from(l.tax_rate), PERCENT_SCALE),
                    net: amount(l.net),
                    department_id: l.department_id,
                    budget_category: BudgetCategory::from_stored(&l.budget_category).unwrap_or(BudgetCategory::Other),
                    request_line_id: l.request_line_id,
                    received_quantity: format_scaled(l.received_quantity, QUANTITY_SCALE),
                    billed_quantity: format_scaled(l.billed_quantity, QUANTITY_SCALE),
                    open_commitment: amount(*open),
                })
                .collect(),
            subtotal: amount(row.subtotal),
            tax_total: amount(row.tax_total),
            total: amount(row.total),
            open_commitment: amount(open.iter().sum()),
            request_ids,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
            budget_warnings: Vec::new(),
        }
    }
}

/// A line of a new or changed draft order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderLineInput {
    /// An active item in the order's currency; received into stock.
    pub item_id: Option<i64>,
    /// Required without an item; default the item's name.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub description: Option<String>,
    /// More than 0, up to 3 decimals.
    #[schema(example = "10")]
    pub quantity: String,
    /// Not negative, up to 4 decimals, in the order's currency.
    #[schema(example = "4.50")]
    pub unit_price: String,
    /// 0 to 100, up to 2 decimals. Default 0.
    #[schema(example = "19")]
    pub tax_rate_percent: Option<String>,
    /// The department whose budget the line commits; default the order's `department_id`.
    pub department_id: Option<i64>,
    /// Default `materials` for an item, `other` otherwise.
    pub budget_category: Option<BudgetCategory>,
    /// PATCH: the purchase request line a line taken from a request still answers (its
    /// `request_line_id` as read); a request none of whose lines is kept is approved again.
    pub request_line_id: Option<i64>,
}

/// A draft purchase order: lines given directly, or taken from approved purchase requests
/// (each request line becomes an order line at its estimated price, which `lines` may not
/// repeat; price them afterwards with PATCH, each line keeping its `request_line_id`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseOrder {
    /// An active vendor.
    pub vendor_id: i64,
    /// Default the vendor's currency, else the base currency.
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// The department whose budget lines commit by default (required unless every line names
    /// one, or the order is made from requests, which carry theirs).
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub expected_on: Option<NaiveDate>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
    #[serde(default)]
    pub lines: Vec<PurchaseOrderLineInput>,
    /// Approved purchase requests whose lines the order takes (they become `ordered`).
    #[serde(default)]
    pub request_ids: Vec<i64>,
}

/// Changes to a draft order; what is left out stays. `lines` replaces every line: a line taken
/// from a request keeps it with its `request_line_id` (e.g. to give it a price).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePurchaseOrder {
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub expected_on: Option<NaiveDate>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
    pub department_id: Option<i64>,
    pub lines: Option<Vec<PurchaseOrderLineInput>>,
}

/// Sending takes no body, or this one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendPurchaseOrder {
    /// The day it was sent: default today, never in the future.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub sent_on: Option<NaiveDate>,
    /// Send although it takes a budget line with the stop policy over its plan to date
    /// (finance, admin); the override and its reason are audited.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub budget_override_reason: Option<String>,
}

/// Why an order is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPurchaseOrder {
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseOrderListQuery {
    #[param(inline)]
    pub status: Option<OrderStatus>,
    pub vendor_id: Option<i64>,
}

/// One order line received (or returned).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    /// A line of this order with an item.
    pub order_line_id: i64,
    /// More than 0, up to 3 decimals.
    #[schema(example = "4")]
    pub quantity: String,
}

/// Goods that arrived against an order (or, as a return, went back to the vendor).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseReceipt {
    /// The location the goods go into (a return: the location they leave).
    pub location_id: i64,
    /// The day: default today, never in the future, not before the order was sent.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub received_on: Option<NaiveDate>,
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<ReceiptLineInput>,
}

/// Goods sent back to the vendor from where they were received.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseReturn {
    /// The location the goods leave: one they were received into.
    pub location_id: i64,
    /// The day: default today, never in the future, not before the order was sent.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub returned_on: Option<NaiveDate>,
    /// Why they go back ("damaged in transit").
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<ReceiptLineInput>,
}

/// A receipt (positive quantity) or a return to the vendor (negative) of one order line, and the
/// stock movement that moved it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseReceipt {
    pub id: i64,
    pub order_id: i64,
    pub order_line_id: i64,
    pub location_id: i64,
    #[schema(example = "4.000")]
    pub quantity: String,
    pub received_on: NaiveDate,
    pub movement_id: i64,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<&ReceiptRow> for PurchaseReceipt {
    fn from(row: &ReceiptRow) -> Self {
        PurchaseReceipt {
            id: row.id,
            order_id: row.order_id,
            order_line_id: row.order_line_id,
            location_id: row.location_id,
            quantity: format_scaled(row.quantity, QUANTITY_SCALE),
            received_on: row.received_on,
            movement_id: row.movement_id,
            note: row.note.clone(),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// What one receipt or return did: its lines and the order as it stands after.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseReceiptResult {
    pub receipts: Vec<PurchaseReceipt>,
    pub order: PurchaseOrder,
}

/// Cites an order line on a line of a bill already written (or issued).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBillLink {
    /// A line of a payable invoice from the order's vendor, in its currency, citing no order line yet.
    pub invoice_line_id: i64,
    /// A line of this order.
    pub order_line_id: i64,
    /// An issued bill is matched at once: a mismatch is 409 unless finance overrides with a reason.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub match_override_reason: Option<String>,
}
