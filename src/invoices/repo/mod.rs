//! All SQL of finance: invoices, their lines and payments here; booking them in the cost book,
//! parties and reports in the submodules.

mod booking;
pub mod open_balances;
pub mod parties;
mod posting;
pub mod reports;

use booking::booking;
pub use booking::{book, book_existing, document_entries};
pub use open_balances::BalanceChanges;
pub use posting::{
    post_document, post_existing_documents, post_existing_payments, post_payment, reconcile, unpost_payment,
};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{InvoiceKind, InvoiceRow, InvoiceStatus, LineRow, PaymentRow};
use crate::db::schema::{invoice_lines, invoices, payments};
use crate::db::{self, DbConn};
use crate::error::ApiError;

pub fn invoice(conn: &mut DbConn, id: i64) -> QueryResult<Option<InvoiceRow>> {
    invoices::table.find(id).select(InvoiceRow::as_select()).first(conn).optional()
}

/// The header fields of a draft, as the client sets them.
#[derive(Debug, Clone)]
pub struct DraftFields {
    pub kind: &'static str,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub credited_invoice_id: Option<i64>,
    pub vendor_reference: Option<String>,
    pub currency: String,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// A line with its net computed.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i32,
    pub tax_rate: i32,
    pub net: i64,
    pub ticket_id: Option<i64>,
    pub item_id: Option<i64>,
    pub department_id: Option<i64>,
    pub budget_category: Option<&'static str>,
    /// What the quantity counts ("h", "min", "pcs"), shown on the line.
    pub unit: Option<String>,
    /// How many units the unit price is for (1, or 60 for minutes at an hourly rate).
    pub price_per: i32,
    /// Bills: the purchase order line it bills.
    pub purchase_order_line_id: Option<i64>,
}

/// Server-computed totals.
#[derive(Debug, Clone, Copy)]
pub struct TotalsFields {
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
}

pub fn insert_draft(
    conn: &mut DbConn,
    fields: &DraftFields,
    totals: TotalsFields,
    created_by: Option<i64>,
) -> QueryResult<InvoiceRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(invoices::table)
        .values((
            (
                invoices::kind.eq(fields.kind),
                invoices::status.eq(InvoiceStatus::Draft.as_str()),
                invoices::customer_id.eq(fields.customer_id),
                invoices::vendor_id.eq(fields.vendor_id),
                invoices::credited_invoice_id.eq(fields.credited_invoice_id),
                invoices::vendor_reference.eq(&fields.vendor_reference),
                invoices::currency.eq(&fields.currency),
                invoices::issue_date.eq(fields.issue_date),
                invoices::due_date.eq(fields.due_date),
                invoices::notes.eq(&fields.notes),
            ),
            (
                invoices::subtotal.eq(totals.subtotal),
                invoices::tax_total.eq(totals.tax_total),
                invoices::total.eq(totals.total),
                invoices::paid_total.eq(0i64),
                invoices::credited_total.eq(0i64),
                invoices::created_by.eq(created_by),
                invoices::created_at.eq(now),
                invoices::updated_at.eq(now),
                invoices::version.eq(1i64),
            ),
        ))
        .returning(invoices::id)
        .get_result(conn)?;
    invoices::table.find(id).select(InvoiceRow::as_select()).first(conn)
}

/// Rewrites a draft's header and totals if it is still a draft at `expected_version`.
pub fn update_draft(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    fields: &DraftFields,
    totals: TotalsFields,
) -> Result<bool, ApiError> {
    let target = invoices::table
        .find(id)
        .filter(invoices::version.eq(expected_version))
        .filter(invoices::status.eq(InvoiceStatus::Draft.as_str()));
    booking(conn, id, |conn| {
        diesel::update(target)
            .set((
                invoices::vendor_reference.eq(&fields.vendor_reference),
                invoices::issue_date.eq(fields.issue_date),
                invoices::due_date.eq(fields.due_date),
                invoices::notes.eq(&fields.notes),
                invoices::subtotal.eq(totals.subtotal),
                invoices::tax_total.eq(totals.tax_total),
                invoices::total.eq(totals.total),
                invoices::updated_at.eq(db::now()),
                invoices::version.eq(invoices::version + 1),
            ))
            .execute(conn)
            .map(|n| n == 1)
    })
}

pub fn delete_draft(conn: &mut DbConn, id: i64, expected_version: i64) -> Result<bool, ApiError> {
    let target = invoices::table
        .find(id)
        .filter(invoices::version.eq(expected_version))
        .filter(invoices::status.eq(InvoiceStatus::Draft.as_str()));
    booking(conn, id, |conn| diesel::delete(target).execute(conn).map(|n| n == 1))
}

/// Replaces the lines of an invoice; returns them with their ids, in order.
pub fn set_lines(conn: &mut DbConn, invoice_id: i64, lines: &[NewLine]) -> Result<Vec<LineRow>, ApiError> {
    booking(conn, invoice_id, |conn| replace_lines(conn, invoice_id, lines))
}

fn replace_lines(conn: &mut DbConn, invoice_id: i64, lines: &[NewLine]) -> QueryResult<Vec<LineRow>> {
    diesel::delete(invoice_lines::table.filter(invoice_lines::invoice_id.eq(invoice_id))).execute(conn)?;
    for (i, line) in lines.iter().enumerate() {
        diesel::insert_into(invoice_lines::table)
            .values((
                invoice_lines::invoice_id.eq(invoice_id),
                invoice_lines::position.eq(i as i32 + 1),
                invoice_lines::description.eq(&line.description),
                invoice_lines::quantity.eq(line.quantity),
                invoice_lines::unit_price.eq(line.unit_price),
                invoice_lines::discount.eq(line.discount),
                invoice_lines::tax_rate.eq(line.tax_rate),
                invoice_lines::net.eq(line.net),
                invoice_lines::ticket_id.eq(line.ticket_id),
                invoice_lines::item_id.eq(line.item_id),
                invoice_lines::department_id.eq(line.department_id),
                invoice_lines::budget_category.eq(line.budget_category),
                invoice_lines::unit.eq(&line.unit),
                invoice_lines::price_per.eq(line.price_per),
                invoice_lines::purchase_order_line_id.eq(line.purchase_order_line_id),
            ))
            .execute(conn)?;
    }
    lines_of(conn, invoice_id)
}

/// The lines of each of `invoice_ids`, in one query (a page of invoices).
pub fn lines_of_many(
    conn: &mut DbConn,
    invoice_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<LineRow>>> {
    let rows: Vec<LineRow> = invoice_lines::table
        .filter(invoice_lines::invoice_id.eq_any(invoice_ids))
        .select(LineRow::as_select())
        .order((invoice_lines::invoice_id.asc(), invoice_lines::position.asc()))
        .load(conn)?;
    let mut lines: std::collections::HashMap<i64, Vec<LineRow>> = std::collections::HashMap::new();
    for row in rows {
        lines.entry(row.invoice_id).or_default().push(row);
    }
    Ok(lines)
}

/// A line with the kind and status of its invoice.
pub fn line_with_invoice(conn: &mut DbConn, id: i64) -> QueryResult<Option<(LineRow, String, String)>> {
    invoice_lines::table
        .inner_join(invoices::table)
        .filter(invoice_lines::id.eq(id))
        .select((LineRow::as_select(), invoices::kind, invoices::status))
        .first(conn)
        .optional()
}

pub fn lines_of(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Vec<LineRow>> {
    invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(LineRow::as_select())
        .order(invoice_lines::position.asc())
        .load(conn)
}

/// One line of any document.
pub fn line(conn: &mut DbConn, line_id: i64) -> QueryResult<Option<LineRow>> {
    invoice_lines::table.find(line_id).select(LineRow::as_select()).first(conn).optional()
}

/// Makes line `line_id` of bill `invoice_id` cite order line `order_line_id` (a bill linked
/// after it was written), with the order line's item where the line has none, and books the
/// bill as it stands after.
pub fn cite_order_line(
    conn: &mut DbConn,
    invoice_id: i64,
    line_id: i64,
    order_line_id: i64,
    item_id: Option<i64>,
) -> Result<(), ApiError> {
    let item_id = line(conn, line_id)?.and_then(|l| l.item_id).or(item_id);
    booking(conn, invoice_id, |conn| {
        diesel::update(invoice_lines::table.find(line_id).filter(invoice_lines::purchase_order_line_id.is_null()))
            .set((invoice_lines::purchase_order_line_id.eq(order_line_id), invoice_lines::item_id.eq(item_id)))
            .execute(conn)?;
        diesel::update(invoices::table.find(invoice_id))
            .set((invoices::updated_at.eq(db::now()), invoices::version.eq(invoices::version + 1)))
            .execute(conn)
            .map(|_| ())
    })
}

/// Numbers and issues a draft at `expected_version`.
/// The next number of `row`'s series in `year`: gapless, as the counter row is taken in the
/// caller's transaction.
pub fn next_number(conn: &mut DbConn, row: &InvoiceRow, year: i32) -> QueryResult<String> {
    let n = db::counters::next(conn, &format!("invoice:{}:{year}", row.series()))?;
    Ok(super::model::invoice_number(row.series(), year, n))
}

/// Keeps finance's reason for issuing bill `id` although a line did not match its order.
pub fn set_match_override(conn: &mut DbConn, id: i64, reason: &str) -> QueryResult<()> {
    diesel::update(invoices::table.find(id)).set(invoices::match_override_reason.eq(reason)).execute(conn)?;
    Ok(())
}

pub fn issue(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    number: &str,
    issue_date: NaiveDate,
    due_date: NaiveDate,
) -> Result<bool, ApiError> {
    let now = db::now();
    let target = invoices::table
        .find(id)
        .filter(invoices::version.eq(expected_version))
        .filter(invoices::status.eq(InvoiceStatus::Draft.as_str()));
    booking(conn, id, |conn| {
        diesel::update(target)
            .set((
                invoices::status.eq(InvoiceStatus::Issued.as_str()),
                invoices::number.eq(number),
                invoices::issue_date.eq(issue_date),
                invoices::due_date.eq(due_date),
                invoices::issued_at.eq(now),
                invoices::updated_at.eq(now),
                invoices::version.eq(invoices::version + 1),
            ))
            .execute(conn)
            .map(|n| n == 1)
    })
}

/// Voids an issued invoice with nothing paid or credited, at `expected_version`.
pub fn void(conn: &mut DbConn, id: i64, expected_version: i64, reason: &str) -> Result<bool, ApiError> {
    let now = db::now();
    let target = invoices::table
        .find(id)
        .filter(invoices::version.eq(expected_version))
        .filter(invoices::status.eq(InvoiceStatus::Issued.as_str()))
        .filter(invoices::paid_total.eq(0i64))
        .filter(invoices::credited_total.eq(0i64));
    booking(conn, id, |conn| {
        diesel::update(target)
            .set((
                invoices::status.eq(InvoiceStatus::Void.as_str()),
                invoices::void_reason.eq(reason),
                invoices::voided_at.eq(now),
                invoices::updated_at.eq(now),
                invoices::version.eq(invoices::version + 1),
            ))
            .execute(conn)
            .map(|n| n == 1)
    })
}

/// Adds `paid` and `credited` (either may be negative to take back) to what is settled of an
/// issued invoice, only if that keeps it within its total and not below zero: one conditional
/// statement, so parallel payments cannot overpay together. Then sets the status and the date
/// it was paid in full. Returns false when the amounts do not fit (or the invoice is not open).
/// Takes invoice `id`'s row for this transaction (PostgreSQL) before a change takes the journal's
/// or a number series' counter and settles it later: payments take the invoice first and then the
/// journal, so a credit note issued or voided against the invoice must too, or the two deadlock.
pub fn hold(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    db::sql::hold_rows(conn, "invoices", &[id])
}

/// Adds a payment (`paid`) or credit note (`credited`; negative amounts take them back) to invoice
/// `id` unless that would settle it beyond its total or below nothing, and sets its status and
/// the day it was settled in full. None when refused; otherwise what it did to the open
/// balances, to apply at the end of the transaction.
pub fn settle(
    conn: &mut DbConn,
    id: i64,
    paid: i64,
    credited: i64,
    on: Option<NaiveDate>,
) -> QueryResult<Option<BalanceChanges>> {
    let open = [InvoiceStatus::Issued.as_str(), InvoiceStatus::PartiallyPaid.as_str(), InvoiceStatus::Paid.as_str()];
    let target = invoices::table
        .find(id)
        .filter(invoices::status.eq_any(open))
        .filter((invoices::paid_total + paid + invoices::credited_total + credited).le(invoices::total))
        .filter((invoices::paid_total + paid).ge(0i64))
        .filter((invoices::credited_total + credited).ge(0i64));
    let changed = diesel::update(target)
        .set((
            invoices::paid_total.eq(invoices::paid_total + paid),
            invoices::credited_total.eq(invoices::credited_total + credited),
            invoices::updated_at.eq(db::now()),
            invoices::version.eq(invoices::version + 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Ok(None);
    }
    let mut row = invoices::table.find(id).select(InvoiceRow::as_select()).first(conn)?;
    let status = super::model::settled_status(row.total, row.paid_total, row.credited_total);
    // The day it was settled in full: its last payment or credit note, whichever came later.
    let paid_on = match status {
        InvoiceStatus::Paid => latest_payment(conn, id)?.max(latest_credit(conn, id)?).or(on),
        _ => None,
    };
    diesel::update(invoices::table.find(id))
        .set((invoices::status.eq(status.as_str()), invoices::paid_on.eq(paid_on)))
        .execute(conn)?;
    // The row as it was, under this transaction's lock: the same less what was just added.
    let mut before = row.clone();
    before.paid_total -= paid;
    before.credited_total -= credited;
    row.status = status.as_str().to_string();
    row.paid_on = paid_on;
    Ok(Some(BalanceChanges::between(&before, &row)))
}

fn latest_payment(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Option<NaiveDate>> {
    payments::table.filter(payments::invoice_id.eq(invoice_id)).select(diesel::dsl::max(payments::paid_on)).first(conn)
}

fn latest_credit(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Option<NaiveDate>> {
    invoices::table
        .filter(invoices::credited_invoice_id.eq(invoice_id))
        .filter(invoices::status.ne(InvoiceStatus::Void.as_str()))
        .filter(invoices::status.ne(InvoiceStatus::Draft.as_str()))
        .select(diesel::dsl::max(invoices::issue_date))
        .first(conn)
}

pub struct NewPayment<'a> {
    pub invoice_id: i64,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub method: &'static str,
    pub reference: Option<&'a str>,
    pub created_by: Option<i64>,
}

pub fn insert_payment(conn: &mut DbConn, new: &NewPayment) -> QueryResult<PaymentRow> {
    let id: i64 = diesel::insert_into(payments::table)
        .values((
            payments::invoice_id.eq(new.invoice_id),
            payments::amount.eq(new.amount),
            payments::paid_on.eq(new.paid_on),
            payments::method.eq(new.method),
            payments::reference.eq(new.reference),
            payments::created_by.eq(new.created_by),
            payments::created_at.eq(db::now()),
        ))
        .returning(payments::id)
        .get_result(conn)?;
    payments::table.find(id).select(PaymentRow::as_select()).first(conn)
}

pub fn payment(conn: &mut DbConn, invoice_id: i64, id: i64) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .find(id)
        .filter(payments::invoice_id.eq(invoice_id))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete_payment(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::delete(payments::table.find(id)).execute(conn).map(|n| n == 1)
}

pub fn payments_of(conn: &mut DbConn, invoice_id: i64, after: Option<i64>, limit: i64) -> QueryResult<Vec<PaymentRow>> {
    let mut query =
        payments::table.filter(payments::invoice_id.eq(invoice_id)).select(PaymentRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(payments::id.gt(after));
    }
    query.order(payments::id.asc()).limit(limit + 1).load(conn)
}

#[derive(Debug, Default)]
pub struct InvoiceFilter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    /// Some((day, true)): past due with a balance on that day; Some((day, false)): not.
    pub overdue: Option<(NaiveDate, bool)>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
}

/// A page of invoices, newest first (by id).
pub fn list(conn: &mut DbConn, filter: &InvoiceFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<InvoiceRow>> {
    let mut query = invoices::table.select(InvoiceRow::as_select()).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(invoices::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(invoices::status.eq(status));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(invoices::customer_id.eq(customer));
    }
    if let Some(vendor) = filter.vendor_id {
        query = query.filter(invoices::vendor_id.eq(vendor));
    }
    let open = [InvoiceStatus::Issued.as_str(), InvoiceStatus::PartiallyPaid.as_str()];
    // Credit notes are never overdue: they take no payments.
    let credit_note = InvoiceKind::CreditNote.as_str();
    match filter.overdue {
        Some((day, true)) => {
            query = query
                .filter(invoices::status.eq_any(open))
                .filter(invoices::due_date.lt(day))
                .filter(invoices::kind.ne(credit_note))
        }
        Some((day, false)) => {
            query = query.filter(
                invoices::status
                    .ne_all(open)
                    .or(invoices::due_date.ge(day))
                    .or(invoices::due_date.is_null())
                    .or(invoices::kind.eq(credit_note)),
            )
        }
        None => {}
    }
    if let Some(from) = filter.issued_from {
        query = query.filter(invoices::issue_date.ge(from));
    }
    if let Some(to) = filter.issued_to {
        query = query.filter(invoices::issue_date.le(to));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(invoices::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(invoices::id.lt(after));
    }
    query.order(invoices::id.desc()).limit(limit + 1).load(conn)
}
