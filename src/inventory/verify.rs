//! For `opsdesk ledger verify`: the stock ledger's monthly rollup (`stock_month_totals`, which the
//! stock valuation reads) against the movements it sums.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::repo;
use crate::db::DbConn;
use crate::error::ApiError;

/// The number of rollup rows stored, and one sentence per (item, month) whose stored sums differ
/// from its movements' (a missing row counts as zeros: a transfer adds nothing and writes none).
pub fn month_totals(conn: &mut DbConn) -> Result<(usize, Vec<String>), ApiError> {
    type Sums = (i64, i64);
    let stored: BTreeMap<(i64, NaiveDate), Sums> = repo::stored_month_totals(conn)?
        .into_iter()
        .map(|r| ((r.item_id, r.month), (r.quantity_delta, r.value_delta)))
        .collect();
    let computed: BTreeMap<(i64, NaiveDate), Sums> = repo::recomputed_month_totals(conn)?
        .into_iter()
        .map(|r| ((r.item_id, r.month), (r.quantity_delta, r.value_delta)))
        .collect();
    let mut differences = Vec::new();
    let keys: std::collections::BTreeSet<&(i64, NaiveDate)> = stored.keys().chain(computed.keys()).collect();
    for key in keys {
        let held = stored.get(key).copied().unwrap_or_default();
        let want = computed.get(key).copied().unwrap_or_default();
        if held != want {
            differences.push(format!(
                "stock month totals of item {} {}: hold {}/{} (quantity/value), the movements say {}/{}",
                key.0,
                key.1.format("%Y-%m"),
                held.0,
                held.1,
                want.0,
                want.1
            ));
        }
    }
    Ok((stored.len(), differences))
}
