//! The movement as the API shows it, and what clients send.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::api::show_quantity;
use super::super::model::{MovementKind, MovementRow, COST_SCALE};
use crate::ledger;
use crate::money::{format_amount, format_scaled, Currency};

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
