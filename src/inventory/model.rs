//! Rows and rules of inventory: movement kinds and the moving weighted average.
//!
//! An item keeps its quantity on hand and the value of that quantity. A receipt adds its
//! quantity × unit cost (half-up to the minor unit); an issue takes its share of the value,
//! value × issued / on hand (half-up), and all of it when it takes all the stock, so no value
//! is ever left without stock. The average unit cost is value / on hand.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{items, stock_locations, stock_movements};
use crate::money::{self, Currency};

pub const QUANTITY_SCALE: u32 = 3;
pub const COST_SCALE: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Into a location at a unit cost.
    Receipt,
    /// Out of a location to a ticket or a department, at the moving average cost.
    Issue,
    /// From one location to another, at cost (the item's value does not change).
    Transfer,
    /// A count sets the quantity at a location; the difference is posted with a reason.
    Adjustment,
}

impl MovementKind {
    pub const ALL: [MovementKind; 4] =
        [MovementKind::Receipt, MovementKind::Issue, MovementKind::Transfer, MovementKind::Adjustment];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Issue => "issue",
            MovementKind::Transfer => "transfer",
            MovementKind::Adjustment => "adjustment",
        }
    }

    pub fn from_stored(s: &str) -> MovementKind {
        MovementKind::ALL.into_iter().find(|k| k.as_str() == s).unwrap_or(MovementKind::Adjustment)
    }
}

/// The value of `quantity` (thousandths) at `unit_cost` (ten-thousandths), half-up.
/// None when it is not within the limit (money::MAX_INTEGER_DIGITS).
pub fn value_of(quantity: i64, unit_cost: i64, currency: Currency) -> Option<i64> {
    let exact = Decimal::new(quantity, QUANTITY_SCALE).checked_mul(Decimal::new(unit_cost, COST_SCALE))?;
    money::round_to_minor(exact, currency)
}

/// The largest quantity on hand (thousandths): below 10^13 units, as every quantity.
pub fn quantity_within_limit(thousandths: i64) -> bool {
    thousandths.checked_abs().is_some_and(|q| q < 10i64.pow(money::MAX_INTEGER_DIGITS as u32 + QUANTITY_SCALE))
}

/// The share of `value` that `quantity` of `on_hand` carries, half-up; all of it for all.
pub fn share_of_value(value: i64, on_hand: i64, quantity: i64) -> i64 {
    if on_hand <= 0 || quantity >= on_hand {
        return value;
    }
    let numerator = i128::from(value) * i128::from(quantity) * 2 + i128::from(on_hand);
    (numerator / (i128::from(on_hand) * 2)) as i64
}

/// The average unit cost in ten-thousandths of the major unit, half-up; 0 without stock.
pub fn average_cost(value: i64, on_hand: i64, currency: Currency) -> i64 {
    if on_hand <= 0 {
        return 0;
    }
    // value / 10^exp major units over on_hand / 1000 units, in 10^-4: value × 10^7 / (on_hand × 10^exp)
    let numerator = i128::from(value) * 10_000_000;
    let denominator = i128::from(on_hand) * 10i128.pow(currency.exponent());
    ((numerator * 2 + denominator) / (denominator * 2)) as i64
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = stock_locations, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LocationRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ItemRow {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub currency: String,
    pub active: bool,
    pub on_hand: i64,
    pub stock_value: i64,
    pub below_reorder: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// The price a unit is billed at (4 decimals of the item's currency), if it has one.
    pub sale_price: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = stock_movements, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MovementRow {
    pub id: i64,
    pub item_id: i64,
    pub kind: String,
    pub quantity: i64,
    pub from_location_id: Option<i64>,
    pub to_location_id: Option<i64>,
    pub quantity_delta: i64,
    pub value_delta: i64,
    pub unit_cost: i64,
    pub value: i64,
    pub on_hand_after: i64,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    pub invoice_line_id: Option<i64>,
    pub reason: Option<String>,
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    /// The day it happened (recorded on `created_at`, which may be later).
    pub occurred_on: chrono::NaiveDate,
    /// Issues billed to a customer: the invoice and its line.
    pub billed_invoice_id: Option<i64>,
    pub billed_line_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        "EUR".parse().expect("EUR")
    }

    #[test]
    fn the_moving_average_through_receipts_and_issues() {
        // 10 at 1.00 and 5 at 4.00: 15 units worth 30.00, average 2.0000.
        let value = value_of(10_000, 10_000, eur()).expect("value") + value_of(5_000, 40_000, eur()).expect("value");
        assert_eq!(value, 3_000);
        assert_eq!(average_cost(value, 15_000, eur()), 20_000);
        // Issue 1 of 3 at 1.00 each (value 1.00): a third of 1.00 is 0.33.
        assert_eq!(share_of_value(100, 3_000, 1_000), 33);
        assert_eq!(share_of_value(200, 3_000, 1_000), 67, "0.666… rounds half-up to 0.67");
        // The last unit takes what is left, so no value outlives the stock.
        assert_eq!(share_of_value(67, 1_000, 1_000), 67);
        assert_eq!(average_cost(100, 3_000, eur()), 3_333);
        assert_eq!(average_cost(0, 0, eur()), 0);
        assert_eq!(average_cost(1, 3, "JPY".parse().expect("JPY")), 3_333_333, "1 yen over 0.003 units");
    }
}
