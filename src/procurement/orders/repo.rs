//! Purchase orders' SQL: orders, their lines and receipts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::super::model::{open_amount, open_quantity, OrderStatus};
use crate::db::schema::{invoice_lines, invoices, purchase_order_lines, purchase_orders, purchase_receipts};
use crate::db::{self, DbConn};
use crate::invoices::model::{InvoiceKind, InvoiceStatus};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = purchase_orders, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OrderRow {
    pub id: i64,
    pub number: Option<String>,
    pub vendor_id: i64,
    pub currency: String,
    pub status: String,
    pub expected_on: Option<NaiveDate>,
    pub sent_on: Option<NaiveDate>,
    pub received_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub cancel_reason: Option<String>,
    pub budget_override_reason: Option<String>,
    pub note: Option<String>,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        // The CHECK admits nothing else; a value this version does not know reads as closed.
        OrderStatus::from_stored(&self.status).unwrap_or(OrderStatus::Closed)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = purchase_order_lines, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OrderLineRow {
    pub id: i64,
    pub order_id: i64,
    pub position: i32,
    pub item_id: Option<i64>,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub tax_rate: i32,
    pub net: i64,
    pub department_id: i64,
    pub budget_category: String,
    pub request_line_id: Option<i64>,
    pub received_quantity: i64,
    pub billed_quantity: i64,
}

impl OrderLineRow {
    /// What the line commits while its order is `status`: nothing for a draft or a finished order.
    pub fn open_commitment(&self, status: OrderStatus) -> i64 {
        if !status.is_open() {
            return 0;
        }
        let open = open_quantity(self.quantity, self.received_quantity, self.billed_quantity);
        open_amount(self.net, self.quantity, open)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = purchase_receipts, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ReceiptRow {
    pub id: i64,
    pub order_id: i64,
    pub order_line_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub received_on: NaiveDate,
    pub movement_id: i64,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub struct NewOrder<'a> {
    pub vendor_id: i64,
    pub currency: &'a str,
    pub expected_on: Option<NaiveDate>,
    pub note: Option<&'a str>,
    pub created_by: i64,
}

#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub item_id: Option<i64>,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub tax_rate: i32,
    pub net: i64,
    pub department_id: i64,
    pub budget_category: &'static str,
    pub request_line_id: Option<i64>,
}

pub fn insert_order(conn: &mut DbConn, order: &NewOrder) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(purchase_orders::table)
        .values((
            purchase_orders::vendor_id.eq(order.vendor_id),
            purchase_orders::currency.eq(order.currency),
            purchase_orders::status.eq(OrderStatus::Draft.as_str()),
            purchase_orders::expected_on.eq(order.expected_on),
            purchase_orders::note.eq(order.note),
            purchase_orders::created_by.eq(order.created_by),
            purchase_orders::created_at.eq(now),
            purchase_orders::updated_at.eq(now),
        ))
        .returning(purchase_orders::id)
        .get_result(conn)
}

/// Replaces the lines of draft `order_id` and its totals.
pub fn set_lines(conn: &mut DbConn, order_id: i64, lines: &[NewOrderLine], totals: (i64, i64, i64)) -> QueryResult<()> {
    diesel::delete(purchase_order_lines::table.filter(purchase_order_lines::order_id.eq(order_id))).execute(conn)?;
    for (i, line) in lines.iter().enumerate() {
        diesel::insert_into(purchase_order_lines::table)
            .values((
                purchase_order_lines::order_id.eq(order_id),
                purchase_order_lines::position.eq(i as i32 + 1),
                purchase_order_lines::item_id.eq(line.item_id),
                purchase_order_lines::description.eq(&line.description),
                purchase_order_lines::quantity.eq(line.quantity),
                purchase_order_lines::unit_price.eq(line.unit_price),
                purchase_order_lines::tax_rate.eq(line.tax_rate),
                purchase_order_lines::net.eq(line.net),
                purchase_order_lines::department_id.eq(line.department_id),
                purchase_order_lines::budget_category.eq(line.budget_category),
                purchase_order_lines::request_line_id.eq(line.request_line_id),
            ))
            .execute(conn)?;
    }
    diesel::update(purchase_orders::table.find(order_id))
        .set((
            purchase_orders::subtotal.eq(totals.0),
            purchase_orders::tax_total.eq(totals.1),
            purchase_orders::total.eq(totals.2),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn order(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrderRow>> {
    purchase_orders::table.find(id).select(OrderRow::as_select()).first(conn).optional()
}

pub fn lines_of(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<OrderLineRow>> {
    purchase_order_lines::table
        .filter(purchase_order_lines::order_id.eq(order_id))
        .order(purchase_order_lines::position.asc())
        .select(OrderLineRow::as_select())
        .load(conn)
}

pub fn lines_of_orders(conn: &mut DbConn, order_ids: &[i64]) -> QueryResult<Vec<OrderLineRow>> {
    purchase_order_lines::table
        .filter(purchase_order_lines::order_id.eq_any(order_ids))
        .order((purchase_order_lines::order_id.asc(), purchase_order_lines::position.asc()))
        .select(OrderLineRow::as_select())
        .load(conn)
}

pub fn line(conn: &mut DbConn, line_id: i64) -> QueryResult<Option<OrderLineRow>> {
    purchase_order_lines::table.find(line_id).select(OrderLineRow::as_select()).first(conn).optional()
}

/// The purchase requests whose lines orders `order_ids` took: (order id, request id).
pub fn requests_of(conn: &mut DbConn, order_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    use crate::db::schema::purchase_request_lines;
    let mut pairs: Vec<(i64, i64)> = purchase_order_lines::table
        .inner_join(
            purchase_request_lines::table
                .on(purchase_order_lines::request_line_id.eq(purchase_request_lines::id.nullable())),
        )
        .filter(purchase_order_lines::order_id.eq_any(order_ids))
        .select((purchase_order_lines::order_id, purchase_request_lines::request_id))
        .load(conn)?;
    pairs.sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<&'static str>,
    pub vendor_id: Option<i64>,
}

pub fn list(conn: &mut DbConn, filter: &OrderFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<OrderRow>> {
    let mut query = purchase_orders::table.select(OrderRow::as_select()).into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(purchase_orders::status.eq(status));
    }
    if let Some(vendor) = filter.vendor_id {
        query = query.filter(purchase_orders::vendor_id.eq(vendor));
    }
    if let Some(after) = after {
        query = query.filter(purchase_orders::id.gt(after));
    }
    query.order(purchase_orders::id.asc()).limit(limit + 1).load(conn)
}

/// Changes a draft's header when it is still at `version`; false when it is not.
pub fn update_draft(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    expected_on: Option<NaiveDate>,
    note: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        purchase_orders::table
            .find(id)
            .filter(purchase_orders::version.eq(version))
            .filter(purchase_orders::status.eq(OrderStatus::Draft.as_str())),
    )
    .set((
        purchase_orders::expected_on.eq(expected_on),
        purchase_orders::note.eq(note),
        purchase_orders::updated_at.eq(db::now()),
        purchase_orders::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete_draft(conn: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    let deleted = diesel::delete(
        purchase_orders::table
            .find(id)
            .filter(purchase_orders::version.eq(version))
            .filter(purchase_orders::status.eq(OrderStatus::Draft.as_str())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Sends draft `id` at `version` with its number; false when it changed meanwhile.
pub fn send(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    number: &str,
    sent_on: NaiveDate,
    override_reason: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        purchase_orders::table
            .find(id)
            .filter(purchase_orders::version.eq(version))
            .filter(purchase_orders::status.eq(OrderStatus::Draft.as_str())),
    )
    .set((
        purchase_orders::status.eq(OrderStatus::Sent.as_str()),
        purchase_orders::number.eq(number),
        purchase_orders::sent_on.eq(sent_on),
        purchase_orders::budget_override_reason.eq(override_reason),
        purchase_orders::updated_at.eq(db::now()),
        purchase_orders::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves order `id` at `version` to `status` (with what that state records); false when it
/// changed meanwhile.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    status: OrderStatus,
    closed_on: Option<NaiveDate>,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(purchase_orders::table.find(id).filter(purchase_orders::version.eq(version)))
        .set((
            purchase_orders::status.eq(status.as_str()),
            purchase_orders::closed_on.eq(closed_on),
            purchase_orders::cancel_reason.eq(reason),
            purchase_orders::updated_at.eq(db::now()),
            purchase_orders::version.eq(version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Takes order `id` for this transaction (receipts and bills wait for each other here) and
/// returns it as it stands.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrderRow>> {
    diesel::update(purchase_orders::table.find(id))
        .set(purchase_orders::version.eq(purchase_orders::version))
        .execute(conn)?;
    order(conn, id)
}

/// Records the receiving state that follows from the lines: status, the day everything had
/// arrived, and a new version.
pub fn set_receiving(
    conn: &mut DbConn,
    id: i64,
    status: OrderStatus,
    received_on: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(purchase_orders::table.find(id))
        .set((
            purchase_orders::status.eq(status.as_str()),
            purchase_orders::received_on.eq(received_on),
            purchase_orders::updated_at.eq(db::now()),
            purchase_orders::version.eq(purchase_orders::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// A new version of order `id` (what it shows changed: what its lines billed).
pub fn touch(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(purchase_orders::table.find(id))
        .set((purchase_orders::updated_at.eq(db::now()), purchase_orders::version.eq(purchase_orders::version + 1)))
        .execute(conn)?;
    Ok(())
}

pub fn add_received(conn: &mut DbConn, line_id: i64, quantity: i64) -> QueryResult<()> {
    diesel::update(purchase_order_lines::table.find(line_id))
        .set(purchase_order_lines::received_quantity.eq(purchase_order_lines::received_quantity + quantity))
        .execute(conn)?;
    Ok(())
}

pub struct NewReceipt<'a> {
    pub order_id: i64,
    pub order_line_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub received_on: NaiveDate,
    pub movement_id: i64,
    pub note: Option<&'a str>,
    pub created_by: i64,
}

pub fn insert_receipt(conn: &mut DbConn, receipt: &NewReceipt) -> QueryResult<ReceiptRow> {
    let id: i64 = diesel::insert_into(purchase_receipts::table)
        .values((
            purchase_receipts::order_id.eq(receipt.order_id),
            purchase_receipts::order_line_id.eq(receipt.order_line_id),
            purchase_receipts::location_id.eq(receipt.location_id),
            purchase_receipts::quantity.eq(receipt.quantity),
            purchase_receipts::received_on.eq(receipt.received_on),
            purchase_receipts::movement_id.eq(receipt.movement_id),
            purchase_receipts::note.eq(receipt.note),
            purchase_receipts::created_by.eq(receipt.created_by),
            purchase_receipts::created_at.eq(db::now()),
        ))
        .returning(purchase_receipts::id)
        .get_result(conn)?;
    purchase_receipts::table.find(id).select(ReceiptRow::as_select()).first(conn)
}

pub fn receipts_of(conn: &mut DbConn, order_id: i64, after: Option<i64>, limit: i64) -> QueryResult<Vec<ReceiptRow>> {
    let mut query = purchase_receipts::table
        .filter(purchase_receipts::order_id.eq(order_id))
        .select(ReceiptRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(purchase_receipts::id.gt(after));
    }
    query.order(purchase_receipts::id.asc()).limit(limit + 1).load(conn)
}

/// What is held at `location_id` of what line `line_id` brought there: received less returned.
pub fn net_received_at(conn: &mut DbConn, line_id: i64, location_id: i64) -> QueryResult<i64> {
    let quantities: Vec<i64> = purchase_receipts::table
        .filter(purchase_receipts::order_line_id.eq(line_id))
        .filter(purchase_receipts::location_id.eq(location_id))
        .select(purchase_receipts::quantity)
        .load(conn)?;
    Ok(quantities.iter().sum())
}

/// The quantity billed on order line `line_id` by issued bills (not drafts, not void), and the
/// lines of the bills doing it.
pub fn billed_on_line(conn: &mut DbConn, line_id: i64) -> QueryResult<i64> {
    let quantities: Vec<i64> = invoice_lines::table
        .inner_join(invoices::table)
        .filter(invoice_lines::purchase_order_line_id.eq(line_id))
        .filter(invoices::kind.eq(InvoiceKind::Payable.as_str()))
        .filter(invoices::status.ne_all([InvoiceStatus::Draft.as_str(), InvoiceStatus::Void.as_str()]))
        .select(invoice_lines::quantity)
        .load(conn)?;
    Ok(quantities.iter().sum())
}

pub fn set_billed(conn: &mut DbConn, line_id: i64, quantity: i64) -> QueryResult<()> {
    diesel::update(purchase_order_lines::table.find(line_id))
        .set(purchase_order_lines::billed_quantity.eq(quantity))
        .execute(conn)?;
    Ok(())
}

/// Orders `invoice_id`'s lines cite.
pub fn orders_cited_by(conn: &mut DbConn, invoice_id: i64) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = invoice_lines::table
        .inner_join(
            purchase_order_lines::table
                .on(invoice_lines::purchase_order_line_id.eq(purchase_order_lines::id.nullable())),
        )
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(purchase_order_lines::order_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
