//! What procurement's records are and the rules that need no database: the states of requests
//! and orders, the three-way match of a bill line, the over-receipt tolerance, and what an order
//! line still commits.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::invoices::model::{BudgetCategory, PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE};

/// draft (editable) → submitted → approved or rejected (with a reason); approved → ordered when
/// an order takes its lines; withdrawn before a decision: cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Ordered,
    Cancelled,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 6] = [
        RequestStatus::Draft,
        RequestStatus::Submitted,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Ordered,
        RequestStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Draft => "draft",
            RequestStatus::Submitted => "submitted",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Ordered => "ordered",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_stored(stored: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == stored)
    }
}

/// draft (editable, no number) → sent (numbered, budget committed) → partially_received →
/// received → closed; a draft or sent order may be cancelled with a reason. Closing or
/// cancelling releases what the order still commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Sent,
    PartiallyReceived,
    Received,
    Closed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Draft,
        OrderStatus::Sent,
        OrderStatus::PartiallyReceived,
        OrderStatus::Received,
        OrderStatus::Closed,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Sent => "sent",
            OrderStatus::PartiallyReceived => "partially_received",
            OrderStatus::Received => "received",
            OrderStatus::Closed => "closed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_stored(stored: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == stored)
    }

    /// Sent and not finished: goods may arrive and bills may cite it.
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::Sent | OrderStatus::PartiallyReceived | OrderStatus::Received)
    }
}

/// The human number of the `n`th order sent in `year`: `PO-2026-000042`.
pub fn order_number(year: i32, n: i64) -> String {
    format!("PO-{year}-{n:06}")
}

/// How much of an order line is still open: ordered less what has been received or billed,
/// whichever is more (thousandths; never below zero). Goods received are stock (inventory, not
/// spend), a bill is spend: either way the order's promise for that quantity is kept.
pub fn open_quantity(ordered: i64, received: i64, billed: i64) -> i64 {
    (ordered - received.max(billed)).max(0)
}

/// What an order line of `net` for `ordered` still commits when `open` of it is open: its share
/// of the net, half-up to the minor unit, so that an untouched line commits exactly its net.
pub fn open_amount(net: i64, ordered: i64, open: i64) -> i64 {
    if ordered <= 0 || open <= 0 {
        return 0;
    }
    if open >= ordered {
        return net;
    }
    let share =
        rust_decimal::Decimal::from(net) * rust_decimal::Decimal::from(open) / rust_decimal::Decimal::from(ordered);
    share.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero).try_into().unwrap_or(net)
}

/// The most that may be received of `ordered` with a tolerance of `tolerance` (hundredths of a
/// percent): 10.000 ordered at 5.00 % admits 10.500.
pub fn receivable_up_to(ordered: i64, tolerance: i32) -> i64 {
    let extra = i128::from(ordered) * i128::from(tolerance.max(0)) / 10_000;
    i64::try_from(i128::from(ordered) + extra).unwrap_or(i64::MAX)
}

/// One priced line as the match compares it: quantity (thousandths), unit price
/// (ten-thousandths) for `price_per` units, discount (hundredths of a percent).
#[derive(Debug, Clone, Copy)]
pub struct Priced {
    pub quantity: i64,
    pub unit_price: i64,
    pub price_per: i32,
    pub discount: i32,
}

impl Priced {
    /// The price of one unit after discount.
    pub fn effective_unit_price(self) -> rust_decimal::Decimal {
        use rust_decimal::Decimal;
        let per = Decimal::from(self.price_per.max(1));
        Decimal::new(self.unit_price, PRICE_SCALE) / per * (Decimal::ONE - Decimal::new(i64::from(self.discount), 4))
    }
}

/// Why a bill line does not match its order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// More would be billed than was received (thousandths over).
    Quantity { billed: i64, received: i64 },
    /// The unit price differs from the order's by more than the tolerance.
    Price { billed: rust_decimal::Decimal, ordered: rust_decimal::Decimal },
}

/// The three-way match of one bill line against its order line: the quantity billed on it and on
/// the order line's other issued bills must not pass what was received, and its unit price must
/// be within `price_tolerance` (hundredths of a percent) of the order's.
pub fn match_line(
    bill: Priced,
    ordered: Priced,
    billed_before: i64,
    received: i64,
    price_tolerance: i32,
) -> Vec<Mismatch> {
    use rust_decimal::Decimal;
    let mut problems = Vec::new();
    let billed = billed_before + bill.quantity;
    if billed > received {
        problems.push(Mismatch::Quantity { billed, received });
    }
    let (billed_price, ordered_price) = (bill.effective_unit_price(), ordered.effective_unit_price());
    let allowed = ordered_price * Decimal::new(i64::from(price_tolerance.max(0)), 4);
    if (billed_price - ordered_price).abs() > allowed {
        problems.push(Mismatch::Price { billed: billed_price.normalize(), ordered: ordered_price.normalize() });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_quantity_follows_the_larger_of_received_and_billed() {
        assert_eq!(open_quantity(10_000, 0, 0), 10_000);
        assert_eq!(open_quantity(10_000, 4_000, 0), 6_000);
        assert_eq!(open_quantity(10_000, 4_000, 7_000), 3_000);
        assert_eq!(open_quantity(10_000, 12_000, 0), 0);
    }

    #[test]
    fn an_open_share_is_rounded_once_and_an_untouched_line_commits_its_net() {
        assert_eq!(open_amount(1_000, 3_000, 3_000), 1_000);
        assert_eq!(open_amount(1_000, 3_000, 1_000), 333);
        assert_eq!(open_amount(1_001, 2_000, 1_000), 501);
        assert_eq!(open_amount(1_000, 3_000, 0), 0);
    }

    #[test]
    fn the_receipt_tolerance_is_a_share_of_the_order() {
        assert_eq!(receivable_up_to(10_000, 500), 10_500);
        assert_eq!(receivable_up_to(10_000, 0), 10_000);
    }

    #[test]
    fn a_bill_line_matches_within_quantity_and_price_tolerance() {
        let at = |quantity, unit_price| Priced { quantity, unit_price, price_per: 1, discount: 0 };
        assert!(match_line(at(5_000, 100_000), at(10_000, 100_000), 0, 5_000, 200).is_empty());
        // 2 % of 10.00 is 0.20: 10.20 passes, 10.21 does not.
        assert!(match_line(at(5_000, 102_000), at(10_000, 100_000), 0, 5_000, 200).is_empty());
        assert_eq!(
            match_line(at(5_000, 102_100), at(10_000, 100_000), 0, 5_000, 200),
            vec![Mismatch::Price { billed: "10.21".parse().unwrap(), ordered: "10".parse().unwrap() }]
        );
        assert_eq!(
            match_line(at(3_000, 100_000), at(10_000, 100_000), 3_000, 5_000, 200),
            vec![Mismatch::Quantity { billed: 6_000, received: 5_000 }]
        );
        // A discount and a price per 10 units give the same unit price.
        let discounted = Priced { quantity: 1_000, unit_price: 1_250_000, price_per: 10, discount: 2_000 };
        assert!(match_line(discounted, at(1_000, 100_000), 0, 1_000, 0).is_empty());
    }
}
