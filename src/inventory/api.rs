//! What the inventory handlers share: quantities as sent and shown, codes and SKUs, an item's
//! currency. The handlers are in `locations.rs`, `items.rs` and `movements/`.

use super::model::{ItemRow, QUANTITY_SCALE};
use crate::error::{ApiError, Validator};
use crate::money::{format_scaled, parse_scaled, Currency};

/// A quantity as sent: more than or equal to 0, up to 3 decimals.
pub fn quantity(v: &mut Validator, pointer: &str, raw: &str, positive: bool) -> i64 {
    match parse_scaled(raw, QUANTITY_SCALE) {
        Ok(q) if q > 0 || (!positive && q == 0) => q,
        Ok(_) => {
            v.error(pointer, if positive { "must be more than 0" } else { "must not be negative" });
            0
        }
        Err(e) => {
            v.error(pointer, e);
            0
        }
    }
}

pub fn show_quantity(q: i64) -> String {
    format_scaled(q, QUANTITY_SCALE)
}

/// A location's code or an item's SKU as sent: trimmed and upper-cased.
pub fn code(v: &mut Validator, pointer: &str, raw: &str) -> String {
    let code = raw.trim().to_uppercase();
    let valid = (1..=40).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.');
    v.check(valid, pointer, "must be 1 to 40 characters of A-Z, 0-9, '-', '_' and '.'");
    code
}

pub fn currency_of(row: &ItemRow) -> Result<Currency, ApiError> {
    row.currency.parse().map_err(ApiError::internal)
}
