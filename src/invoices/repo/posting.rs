//! The general ledger's view of finance: the entry a document or a payment posts as it stands
//! (`crate::ledger::journal`), restated after each change in the same transaction.
//!
//! - a customer's invoice: receivables (its total) against revenue per line (`revenue.time`,
//!   `revenue.parts`, `revenue.other`) and output tax per rate; a credit note to a customer the
//!   other way round;
//! - a vendor's bill: per line, expense by category (`expense.CATEGORY`), or goods received not
//!   invoiced for a line of an item (the stock receipt posts the inventory), and input tax per
//!   rate, against payables; a vendor's credit note the other way round;
//! - drafts and void documents post nothing (voiding reverses what was posted);
//! - a payment: bank against the receivable or payable, settled at the rate the document was
//!   posted at; a different rate on the payment's day makes an exchange gain or loss.

use chrono::NaiveDate;

use super::super::model::{totals, InvoiceKind, InvoiceRow, InvoiceStatus, PaymentRow};
use super::{invoice, lines_of};
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger::journal::{self, EventSource, LineDimensions, PostingLine};
use crate::money::Currency;

const DOCUMENT: &str = "invoice";
const PAYMENT: &str = "payment";

/// Who the document is with: receivable side (customer) or payable side (vendor), and +1 for an
/// invoice or a bill, −1 for a credit note.
fn sides(row: &InvoiceRow) -> (bool, i64) {
    let sign = if row.kind() == InvoiceKind::CreditNote { -1 } else { 1 };
    (row.vendor_id.is_some(), sign)
}

/// The lines document `row` posts as it stands (none for drafts and void documents).
fn document_lines(conn: &mut DbConn, row: &InvoiceRow) -> Result<Vec<PostingLine>, ApiError> {
    if matches!(row.status(), InvoiceStatus::Draft | InvoiceStatus::Void) {
        return Ok(Vec::new());
    }
    let Some(day) = row.issue_date else { return Ok(Vec::new()) };
    let currency: Currency = row.currency.parse().map_err(ApiError::internal)?;
    let (payable, sign) = sides(row);
    // Revenue and output tax are credits on an invoice; expense and input tax debits on a bill.
    let side = if payable { sign } else { -sign };
    let party = LineDimensions { customer_id: row.customer_id, vendor_id: row.vendor_id, ..Default::default() };
    let lines = lines_of(conn, row.id)?;
    let mut out = Vec::with_capacity(lines.len() + 3);
    for line in &lines {
        let event = match (payable, line.item_id, line.ticket_id) {
            (true, Some(_), _) => "goods_received".to_string(),
            (true, None, _) => format!("expense.{}", line.budget_category.as_deref().unwrap_or("other")),
            (false, Some(_), _) => "revenue.parts".to_string(),
            (false, None, Some(_)) => "revenue.time".to_string(),
            (false, None, None) => "revenue.other".to_string(),
        };
        let dims = LineDimensions {
            department_id: line.department_id,
            ticket_id: line.ticket_id,
            item_id: line.item_id,
            ..party
        };
        out.push(journal::event_line(conn, &event, &row.currency, side * line.net, day, dims)?);
    }
    let priced: Vec<(i64, i32)> = lines.iter().map(|l| (l.net, l.tax_rate)).collect();
    let taxes = totals(&priced, currency).ok_or_else(|| ApiError::internal("document totals beyond the limit"))?;
    let tax = if payable { "input_tax" } else { "output_tax" };
    for at_rate in taxes.taxes.iter().filter(|t| t.tax != 0) {
        let event = format!("{tax}.{}", at_rate.rate);
        out.push(journal::event_line(conn, &event, &row.currency, side * at_rate.tax, day, party)?);
    }
    let control = if payable { "payables" } else { "receivables" };
    out.push(journal::event_line(conn, control, &row.currency, -side * row.total, day, party)?);
    Ok(out)
}

/// Restates document `id`'s entry as it stands. Call in the transaction that changed it.
pub fn post_document(conn: &mut DbConn, id: i64) -> Result<(), ApiError> {
    let Some(row) = invoice(conn, id)? else { return Ok(()) };
    let lines = document_lines(conn, &row)?;
    restate_document(conn, &row, lines)
}

fn restate_document(conn: &mut DbConn, row: &InvoiceRow, lines: Vec<PostingLine>) -> Result<(), ApiError> {
    let day = row.issue_date.unwrap_or(row.created_at.date());
    let memo = format!("{} {}", row.series(), row.number.as_deref().unwrap_or("(draft)"));
    journal::restate(conn, EventSource { kind: DOCUMENT, id: row.id }, day, &memo, lines)
}

/// The entry of a payment of `amount` on `paid_on` of document `row`: bank against the
/// document's receivable or payable at the rate the document was posted at, and the difference
/// the payment day's rate makes as an exchange gain or loss.
fn payment_lines(
    conn: &mut DbConn,
    row: &InvoiceRow,
    amount: i64,
    paid_on: NaiveDate,
) -> Result<Vec<PostingLine>, ApiError> {
    let (payable, _) = sides(row);
    let party = LineDimensions { customer_id: row.customer_id, vendor_id: row.vendor_id, ..Default::default() };
    let control = if payable { "payables" } else { "receivables" };
    // Money in: bank debit, receivable credit. Money out: payable debit, bank credit.
    let into_bank = if payable { -amount } else { amount };
    let bank = journal::event_line(conn, "bank", &row.currency, into_bank, paid_on, party)?;
    let document_day = row.issue_date.unwrap_or(paid_on);
    let mut settled = journal::event_line(conn, control, &row.currency, -into_bank, document_day, party)?;
    if let Some(rate) = journal::standing_rate(conn, EventSource { kind: DOCUMENT, id: row.id }, control)? {
        if rate != settled.rate {
            settled.base = rebase(conn, -into_bank, &row.currency, &rate)?;
            settled.rate = rate;
        }
    }
    let difference = bank.base + settled.base;
    let mut lines = vec![bank, settled];
    if difference != 0 {
        // The debits exceed the credits when more base money came in (or less went out) than
        // the document was posted at: the balancing credit is a gain, a balancing debit a loss.
        let event = if difference > 0 { "fx_gain" } else { "fx_loss" };
        let base_currency = crate::ledger::base_currency(conn)?;
        let account_id = journal::account_for(conn, event)?;
        lines.push(PostingLine {
            account_id,
            currency: base_currency.code().to_string(),
            amount: -difference,
            rate: "1".into(),
            base: -difference,
            dims: party,
            memo: String::new(),
        });
    }
    Ok(lines)
}

/// `amount` of `currency` in the base currency at `rate` (a rate the books used before).
fn rebase(conn: &mut DbConn, amount: i64, currency: &str, rate: &str) -> Result<i64, ApiError> {
    let from: Currency = currency.parse().map_err(ApiError::internal)?;
    let rate = rate.parse().map_err(ApiError::internal)?;
    let base = crate::ledger::base_currency(conn)?;
    crate::ledger::model::convert(amount, from, base, rate)
        .ok_or_else(|| ApiError::invalid("/amount", "the amount in the base currency would be past the limit"))
}

/// Posts payment `payment` of document `row`. Call in the transaction that records it.
pub fn post_payment(conn: &mut DbConn, row: &InvoiceRow, payment: &PaymentRow) -> Result<(), ApiError> {
    let lines = payment_lines(conn, row, payment.amount, payment.paid_on)?;
    restate_payment(conn, row, payment, lines)
}

fn restate_payment(
    conn: &mut DbConn,
    row: &InvoiceRow,
    payment: &PaymentRow,
    lines: Vec<PostingLine>,
) -> Result<(), ApiError> {
    let memo = format!("payment of {} {}", row.series(), row.number.as_deref().unwrap_or(""));
    journal::restate(conn, EventSource { kind: PAYMENT, id: payment.id }, payment.paid_on, &memo, lines)
}

/// Reverses payment `payment_id`'s entry (the payment was deleted).
pub fn unpost_payment(conn: &mut DbConn, payment_id: i64, paid_on: NaiveDate) -> Result<(), ApiError> {
    journal::restate(conn, EventSource { kind: PAYMENT, id: payment_id }, paid_on, "payment removed", Vec::new())
}

/// Posts the next batch of documents older than the general ledger, after id `after` (at the
/// first start after the upgrade, a batch per transaction: `ledger::open_books`). Documents go
/// before payments, so that payments settle at the rates their documents were posted at. Returns
/// the batch's last id and how many of it could not be posted (no exchange rate for their day),
/// or None when none are left. A record's lines are worked out before anything is written, so a
/// skip leaves nothing behind and needs no savepoint.
pub fn post_existing_documents(conn: &mut DbConn, after: i64) -> Result<Option<(i64, usize)>, ApiError> {
    use diesel::prelude::*;

    use crate::db::schema::invoices;

    let rows: Vec<InvoiceRow> = invoices::table
        .filter(invoices::id.gt(after))
        .filter(invoices::issue_date.is_not_null())
        .order(invoices::id.asc())
        .limit(journal::HISTORY_BATCH)
        .select(InvoiceRow::as_select())
        .load(conn)?;
    let Some(last) = rows.last().map(|r| r.id) else { return Ok(None) };
    let mut skipped = 0;
    for row in &rows {
        if let Some(lines) = journal::skip_unpostable(document_lines(conn, row), &mut skipped)? {
            restate_document(conn, row, lines)?;
        }
    }
    Ok(Some((last, skipped)))
}

/// Posts the next batch of payments older than the general ledger, after id `after`; as
/// [`post_existing_documents`].
pub fn post_existing_payments(conn: &mut DbConn, after: i64) -> Result<Option<(i64, usize)>, ApiError> {
    use diesel::prelude::*;

    use crate::db::schema::payments;

    let rows: Vec<PaymentRow> = payments::table
        .filter(payments::id.gt(after))
        .order(payments::id.asc())
        .limit(journal::HISTORY_BATCH)
        .select(PaymentRow::as_select())
        .load(conn)?;
    let Some(last) = rows.last().map(|r| r.id) else { return Ok(None) };
    let mut skipped = 0;
    for payment in &rows {
        let Some(row) = invoice(conn, payment.invoice_id)? else { continue };
        let lines = payment_lines(conn, &row, payment.amount, payment.paid_on);
        if let Some(lines) = journal::skip_unpostable(lines, &mut skipped)? {
            restate_payment(conn, &row, payment, lines)?;
        }
    }
    Ok(Some((last, skipped)))
}

/// Differences between the control accounts and the documents: receivables in each currency
/// equal what customers owe on issued invoices (total less paid less credited), payables what is
/// owed to vendors on issued bills, and `open_balances` equals the documents it sums; one
/// sentence per difference. (`opsdesk ledger verify`.)
pub fn reconcile(conn: &mut DbConn) -> Result<Vec<String>, ApiError> {
    use std::collections::BTreeMap;

    use diesel::prelude::*;

    use crate::db::schema::invoices;

    let open: Vec<(Option<i64>, String, i64, i64, i64)> = invoices::table
        .filter(invoices::kind.ne(InvoiceKind::CreditNote.as_str()))
        .filter(invoices::status.ne_all([InvoiceStatus::Draft.as_str(), InvoiceStatus::Void.as_str()]))
        .select((
            invoices::vendor_id,
            invoices::currency,
            invoices::total,
            invoices::paid_total,
            invoices::credited_total,
        ))
        .load(conn)?;
    let (mut owed_by_customers, mut owed_to_vendors): (BTreeMap<String, i64>, BTreeMap<String, i64>) =
        Default::default();
    for (vendor, currency, total, paid, credited) in open {
        let owed = if vendor.is_some() { &mut owed_to_vendors } else { &mut owed_by_customers };
        *owed.entry(currency).or_default() += total - paid - credited;
    }
    let mut differences = Vec::new();
    for (event, documents, sign) in [("receivables", owed_by_customers, 1), ("payables", owed_to_vendors, -1)] {
        let ledger = journal::control_amounts(conn, event)?;
        let currencies: std::collections::BTreeSet<&String> = ledger.keys().chain(documents.keys()).collect();
        for currency in currencies {
            let in_ledger = sign * ledger.get(currency).copied().unwrap_or(0);
            let in_documents = documents.get(currency).copied().unwrap_or(0);
            if in_ledger != in_documents {
                differences.push(format!(
                    "{event} in {currency}: the control account holds {in_ledger}, the documents say {in_documents} (minor units)"
                ));
            }
        }
    }
    // And the rollup today's aging reads, against the documents it sums.
    differences.extend(super::open_balances::differences(conn)?);
    Ok(differences)
}
