//! The cost book's view of finance: what an invoice, bill or credit note books as it stands
//! (`crate::ledger`), booking it after each change in the same transaction, and booking the
//! documents older than the book once.

use diesel::prelude::*;

use super::super::model::{InvoiceKind, InvoiceStatus};
use super::{invoice, lines_of};
use crate::db::schema::invoices;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger;

/// What a document books in its present state (`crate::ledger`), dated its issue date (drafts:
/// their creation):
/// - a vendor's bill: per line, its net as expense once issued, as commitment while a draft; an
///   issued vendor's credit note takes its lines' net back from expense;
/// - a customer's invoice: per line, its net as revenue once issued; an issued credit note to a
///   customer takes its lines' net back;
/// - void documents and drafts of everything but bills book nothing.
///
/// Stock bought is inventory, not spend: a bill line counts less the value of the stock received
/// against it (in the bill's currency; never below zero). The parts count as materials when
/// they are issued, so nothing is counted twice. A line citing a purchase order books no
/// commitment (the order holds it) and, for an item, no expense (received against the order).
pub fn document_entries(conn: &mut DbConn, id: i64) -> QueryResult<Vec<ledger::Entry>> {
    let Some(row) = invoice(conn, id)? else { return Ok(Vec::new()) };
    let (kind, sign) = match (row.vendor_id.is_some(), row.kind(), row.status()) {
        (_, _, InvoiceStatus::Void) => return Ok(Vec::new()),
        (true, InvoiceKind::Payable, InvoiceStatus::Draft) => (ledger::Kind::Commitment, 1),
        (_, _, InvoiceStatus::Draft) => return Ok(Vec::new()),
        (true, InvoiceKind::Payable, _) => (ledger::Kind::Expense, 1),
        (true, InvoiceKind::CreditNote, _) => (ledger::Kind::Expense, -1),
        (false, InvoiceKind::CreditNote, _) => (ledger::Kind::Revenue, -1),
        (_, _, _) => (ledger::Kind::Revenue, 1),
    };
    let on = row.issue_date.unwrap_or(row.created_at.date());
    let lines = lines_of(conn, id)?;
    let received = if kind == ledger::Kind::Revenue || sign < 0 {
        Default::default()
    } else {
        let line_ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
        crate::inventory::received_against_lines(conn, &line_ids)?
    };
    Ok(lines
        .into_iter()
        .map(|line| {
            let stock = match received.get(&line.id) {
                Some((currency, value)) if *currency == row.currency => *value,
                _ => 0,
            };
            // A line citing a purchase order: the order commits it while the bill is a draft,
            // and an item on it is stock received against the order (inventory, not spend).
            let cited = line.purchase_order_line_id.is_some();
            let stock =
                if cited && (kind == ledger::Kind::Commitment || line.item_id.is_some()) { line.net } else { stock };
            let category = match kind {
                ledger::Kind::Revenue if line.ticket_id.is_some() && line.item_id.is_none() => "time".to_string(),
                ledger::Kind::Revenue if line.item_id.is_some() => "parts".to_string(),
                ledger::Kind::Revenue => "other".to_string(),
                _ => line.budget_category.clone().unwrap_or_else(|| "other".to_string()),
            };
            ledger::Entry {
                occurred_on: on,
                kind,
                category,
                currency: row.currency.clone(),
                amount: sign * (line.net - stock).max(0),
                quantity: 0,
                dims: ledger::Dimensions {
                    department_id: line.department_id,
                    ticket_id: line.ticket_id,
                    customer_id: row.customer_id,
                    vendor_id: row.vendor_id,
                    item_id: line.item_id,
                    ..Default::default()
                },
                source_line_id: Some(line.id),
            }
        })
        .collect())
}

/// Books every invoice, bill and credit note as it stands (once, when the cost book is opened on
/// data older than it).
pub fn book_existing(conn: &mut DbConn) -> Result<(), ApiError> {
    let mut after = 0;
    loop {
        let ids: Vec<i64> = invoices::table
            .filter(invoices::id.gt(after))
            .order(invoices::id.asc())
            .limit(1000)
            .select(invoices::id)
            .load(conn)?;
        let Some(last) = ids.last() else { return Ok(()) };
        after = *last;
        let mut batch = Vec::with_capacity(ids.len());
        for id in ids {
            batch.push((ledger::Source::invoice(id), document_entries(conn, id)?));
        }
        ledger::post_older(conn, &batch)?;
    }
}

/// Books invoice `id` as it stands (its lines that changed reversed, the new ones booked) in
/// the cost book, and restates its general ledger entry.
pub fn book(conn: &mut DbConn, id: i64) -> Result<(), ApiError> {
    let entries = document_entries(conn, id)?;
    ledger::restate(conn, ledger::Source::invoice(id), &entries)?;
    super::posting::post_document(conn, id)
}

/// Runs `change` on invoice `id` and books the invoice as it stands after (its lines that
/// changed reversed, the new ones booked), in the same transaction.
pub(super) fn booking<T>(
    conn: &mut DbConn,
    id: i64,
    change: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> Result<T, ApiError> {
    let result = change(conn)?;
    book(conn, id)?;
    Ok(result)
}
