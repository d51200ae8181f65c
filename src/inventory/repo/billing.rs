//! What finance asks of the stock ledger: the parts issued to tickets and not billed yet, holding
//! their items while they are billed, marking and releasing them, and the value of the stock
//! received against bills' lines. Served through `inventory::billing` and the module's face.

use diesel::prelude::*;

use super::super::model::MovementRow;
use crate::db::schema::{items, stock_movements};
use crate::db::{self, DbConn};

/// Issues to `ticket_ids` that happened in [from, to], not reversed and not billed yet, by id.
pub fn unbilled_parts(
    conn: &mut DbConn,
    ticket_ids: &[i64],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> QueryResult<Vec<MovementRow>> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    let issues: Vec<MovementRow> = stock_movements::table
        .filter(stock_movements::kind.eq("issue"))
        .filter(stock_movements::reverses_id.is_null())
        .filter(stock_movements::billed_invoice_id.is_null())
        .filter(stock_movements::ticket_id.eq_any(ticket_ids))
        .filter(stock_movements::occurred_on.ge(from))
        .filter(stock_movements::occurred_on.le(to))
        .order(stock_movements::id.asc())
        .select(MovementRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = issues.iter().map(|m| m.id).collect();
    let reversed: std::collections::HashSet<Option<i64>> = stock_movements::table
        .filter(stock_movements::reverses_id.eq_any(&ids))
        .select(stock_movements::reverses_id)
        .load(conn)?
        .into_iter()
        .collect();
    Ok(issues.into_iter().filter(|m| !reversed.contains(&Some(m.id))).collect())
}

/// Takes the items' rows for this transaction without changing them (PostgreSQL: FOR UPDATE, in
/// id order; SQLite's write transaction holds the whole database already): a reversal of one of
/// their movements waits for it.
pub fn hold_items(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
    db::sql::hold_rows(conn, "items", ids)
}

/// Marks issues billed on an invoice line, each only if nobody billed it first; returns how
/// many were marked (fewer than asked means another invoice won the race).
pub fn mark_parts_billed(conn: &mut DbConn, ids: &[i64], invoice_id: i64, line_id: i64) -> QueryResult<usize> {
    diesel::update(
        stock_movements::table
            .filter(stock_movements::id.eq_any(ids))
            .filter(stock_movements::billed_invoice_id.is_null()),
    )
    .set((stock_movements::billed_invoice_id.eq(Some(invoice_id)), stock_movements::billed_line_id.eq(Some(line_id))))
    .execute(conn)
}

/// Releases every issue billed on `invoice_id` (the invoice was voided, deleted or its lines
/// replaced).
pub fn release_billed_parts(conn: &mut DbConn, invoice_id: i64) -> QueryResult<usize> {
    diesel::update(stock_movements::table.filter(stock_movements::billed_invoice_id.eq(invoice_id)))
        .set((stock_movements::billed_invoice_id.eq(None::<i64>), stock_movements::billed_line_id.eq(None::<i64>)))
        .execute(conn)
}

/// The value of the stock received against bills' lines, in the items' currency, less the
/// receipts reversed since: per line id, (currency, value). Stock bought is inventory, not
/// spend, so this much of a bill line is not the department's spending (`invoices::repo`).
pub fn received_against_lines(
    conn: &mut DbConn,
    line_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (String, i64)>> {
    if line_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Option<i64>, i64, i64)> = stock_movements::table
        .filter(stock_movements::invoice_line_id.eq_any(line_ids))
        .select((stock_movements::invoice_line_id, stock_movements::item_id, stock_movements::value_delta))
        .load(conn)?;
    let item_ids: Vec<i64> = rows.iter().map(|(_, item, _)| *item).collect();
    let currencies: std::collections::HashMap<i64, String> = items::table
        .filter(items::id.eq_any(&item_ids))
        .select((items::id, items::currency))
        .load(conn)?
        .into_iter()
        .collect();
    let mut received: std::collections::HashMap<i64, (String, i64)> = Default::default();
    for (line, item, value) in rows {
        if let (Some(line), Some(currency)) = (line, currencies.get(&item)) {
            received.entry(line).or_insert((currency.clone(), 0)).1 += value;
        }
    }
    Ok(received)
}
