//! Goods sent back to the vendor they were bought from (procurement's returns against a purchase
//! order): a receipt going back out of a location, valued at the price it came in at rather than
//! the moving average, so that what it takes from inventory is what the receipt put there (the
//! general ledger takes it back from goods received not billed).

use chrono::NaiveDate;

use super::super::model::{value_of, MovementKind};
use super::super::repo;
use super::posting::{post, Posting};
use super::Movement;
use crate::audit;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::money::{self, Currency};

/// Goods going back to their vendor.
#[derive(Debug, Clone, Copy)]
pub struct VendorReturn<'a> {
    pub item_id: i64,
    pub location_id: i64,
    /// Thousandths of the item's unit.
    pub quantity: i64,
    /// The price they came in at: ten-thousandths of the item's currency.
    pub unit_cost: i64,
    pub on: NaiveDate,
    pub reason: &'a str,
}

/// Takes `goods` out of their location as a return to the vendor. Not enough at the location is
/// 409 naming what is there. Run it in a write transaction.
pub fn return_to_vendor(conn: &mut DbConn, actor: &audit::Actor, goods: &VendorReturn) -> Result<Movement, ApiError> {
    let VendorReturn { item_id, location_id, quantity, unit_cost, on, reason } = *goods;
    let item = repo::item(conn, item_id)?.ok_or(ApiError::NotFound)?;
    let currency: Currency = item.currency.parse().map_err(ApiError::internal)?;
    let value = value_of(quantity, unit_cost, currency)
        .ok_or_else(|| ApiError::invalid("/lines", format!("the return's value {}", money::LIMIT_TEXT)))?;
    let posting = Posting {
        value: Some(value),
        unit_cost: Some(unit_cost),
        reason: Some(reason),
        ..Posting::new(MovementKind::Receipt, quantity, Some(location_id), None, on)
    };
    let (row, currency, _) = post(conn, actor, item_id, posting)?;
    Ok(Movement::new(&row, currency))
}
