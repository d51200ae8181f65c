//! Request and response types of purchase requests (the OpenAPI schemas), and how a stored
//! request becomes its view.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::model::{RequestStatus, PRICE_SCALE, QUANTITY_SCALE};
use super::repo::{LineRow, RequestRow};
use crate::http::json::nullable;
use crate::money::{self, format_scaled, Currency};

/// One line of a purchase request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseRequestLine {
    pub id: i64,
    pub position: i32,
    /// An inventory item, or none for a free-text line.
    pub item_id: Option<i64>,
    pub description: String,
    /// Up to 3 decimals.
    #[schema(example = "10.000")]
    pub quantity: String,
    /// The estimated price of one unit, up to 4 decimals, in the request's currency.
    #[schema(example = "89.9000")]
    pub estimated_price: Option<String>,
    /// quantity × estimated price, half-up to the currency's minor unit; null without a price.
    #[schema(example = "899.00")]
    pub estimated_amount: Option<String>,
}

/// A purchase request: what a department needs, asked for by one of its people (or raised by
/// low stock), decided by its manager or ops.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseRequest {
    pub id: i64,
    pub department_id: i64,
    /// The employee who asks; null when low stock raised it.
    pub requested_by: Option<i64>,
    pub status: RequestStatus,
    #[schema(example = "EUR")]
    pub currency: String,
    pub needed_by: Option<NaiveDate>,
    pub note: Option<String>,
    /// Set when low stock of this item raised the request.
    pub low_stock_item_id: Option<i64>,
    pub lines: Vec<PurchaseRequestLine>,
    /// The sum of the lines' estimated amounts (lines without a price count nothing).
    #[schema(example = "899.00")]
    pub estimated_total: String,
    /// The user who approved or rejected it, and when.
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// quantity (thousandths) × price (ten-thousandths) in minor units of `currency`, half-up;
/// None past the limit.
pub fn line_amount(quantity: i64, price: i64, currency: Currency) -> Option<i64> {
    let exact = Decimal::new(quantity, QUANTITY_SCALE).checked_mul(Decimal::new(price, PRICE_SCALE))?;
    money::round_to_minor(exact, currency)
}

impl PurchaseRequest {
    /// The view of `row` with its `lines` (those of other requests are skipped).
    pub fn new(row: &RequestRow, lines: &[LineRow]) -> PurchaseRequest {
        // A stored currency always parses; a request written past this check shows no amounts.
        let currency: Option<Currency> = row.currency.parse().ok();
        let mut total = 0i64;
        let lines: Vec<PurchaseRequestLine> = lines
            .iter()
            .filter(|l| l.request_id == row.id)
            .map(|l| {
                let amount = match (l.estimated_price, currency) {
                    (Some(price), Some(c)) => line_amount(l.quantity, price, c),
                    _ => None,
                };
                total = total.saturating_add(amount.unwrap_or(0));
                PurchaseRequestLine {
                    id: l.id,
                    position: l.position,
                    item_id: l.item_id,
                    description: l.description.clone(),
                    quantity: format_scaled(l.quantity, QUANTITY_SCALE),
                    estimated_price: l.estimated_price.map(|p| format_scaled(p, PRICE_SCALE)),
                    estimated_amount: amount.zip(currency).map(|(a, c)| money::format_amount(a, c)),
                }
            })
            .collect();
        PurchaseRequest {
            id: row.id,
            department_id: row.department_id,
            requested_by: row.requested_by,
            status: row.status(),
            currency: row.currency.clone(),
            needed_by: row.needed_by,
            note: row.note.clone(),
            low_stock_item_id: row.low_stock_item_id,
            lines,
            estimated_total: currency.map(|c| money::format_amount(total, c)).unwrap_or_else(|| total.to_string()),
            decided_by: row.decided_by,
            decided_at: row.decided_at.map(|t| t.and_utc()),
            rejection_reason: row.rejection_reason.clone(),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseRequestLineInput {
    /// An active inventory item; the description defaults to its name.
    pub item_id: Option<i64>,
    /// Required without an item.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub description: Option<String>,
    /// More than 0, up to 3 decimals.
    #[schema(example = "10")]
    pub quantity: String,
    /// The estimated price of one unit: not negative, up to 4 decimals, in the request's currency.
    #[schema(example = "89.90")]
    pub estimated_price: Option<String>,
}

/// A new purchase request. Status, requester, decision and version are the server's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseRequest {
    /// Default: the caller's own department. Only ops and admin name another.
    pub department_id: Option<i64>,
    /// Default: the base currency.
    pub currency: Option<Currency>,
    /// Not in the past.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub needed_by: Option<NaiveDate>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
    /// 1 to 200 lines.
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<PurchaseRequestLineInput>,
    /// true: create it submitted for a decision at once (default: a draft).
    #[serde(default)]
    pub submit: bool,
}

/// Changes a draft; only the fields sent change, `lines` replaces every line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePurchaseRequest {
    /// Only ops and admin move a request to another department than the requester's own.
    pub department_id: Option<i64>,
    pub currency: Option<Currency>,
    #[serde(default, deserialize_with = "crate::dates::nullable_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub needed_by: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<Option<String>>,
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Option<Vec<PurchaseRequestLineInput>>,
}

/// Why a request is rejected (required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseRequestRejection {
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseRequestListQuery {
    #[param(inline)]
    pub status: Option<RequestStatus>,
    pub department_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_amount_is_rounded_once_half_up() {
        let eur: Currency = "EUR".parse().expect("EUR");
        // 2.5 × 19.9900 = 49.975 → 49.98
        assert_eq!(line_amount(2_500, 199_900, eur), Some(4_998));
        let jpy: Currency = "JPY".parse().expect("JPY");
        assert_eq!(line_amount(1_000, 15_000, jpy), Some(2));
        assert_eq!(line_amount(i64::MAX, i64::MAX, eur), None);
    }
}
