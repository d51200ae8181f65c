//! All SQL of inventory: locations, items, stock levels, movements and valuation here; what
//! finance asks of the stock ledger (parts to bill, stock received against bills) in `billing.rs`.

mod billing;

pub use billing::{hold_items, mark_parts_billed, received_against_lines, release_billed_parts, unbilled_parts};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use super::model::{ItemRow, LocationRow, MovementRow};
use crate::db::schema::{items, stock_levels, stock_locations, stock_movements};
use crate::db::sql::{execute, load, Bind};
use crate::db::{self, lower, DbConn};

// ---------------------------------------------------------------- locations

pub fn location(conn: &mut DbConn, id: i64) -> QueryResult<Option<LocationRow>> {
    stock_locations::table.find(id).select(LocationRow::as_select()).first(conn).optional()
}

pub fn location_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<LocationRow>> {
    stock_locations::table
        .filter(stock_locations::code.eq(code))
        .select(LocationRow::as_select())
        .first(conn)
        .optional()
}

pub struct LocationFields {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub active: bool,
}

pub fn insert_location(conn: &mut DbConn, f: &LocationFields) -> QueryResult<LocationRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(stock_locations::table)
        .values((
            stock_locations::code.eq(&f.code),
            stock_locations::name.eq(&f.name),
            stock_locations::parent_id.eq(f.parent_id),
            stock_locations::active.eq(f.active),
            stock_locations::created_at.eq(now),
            stock_locations::updated_at.eq(now),
            stock_locations::version.eq(1i64),
        ))
        .returning(stock_locations::id)
        .get_result(conn)?;
    stock_locations::table.find(id).select(LocationRow::as_select()).first(conn)
}

pub fn update_location(conn: &mut DbConn, id: i64, version: i64, f: &LocationFields) -> QueryResult<bool> {
    diesel::update(stock_locations::table.find(id).filter(stock_locations::version.eq(version)))
        .set((
            stock_locations::code.eq(&f.code),
            stock_locations::name.eq(&f.name),
            stock_locations::parent_id.eq(f.parent_id),
            stock_locations::active.eq(f.active),
            stock_locations::updated_at.eq(db::now()),
            stock_locations::version.eq(stock_locations::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn list_locations(
    conn: &mut DbConn,
    active: Option<bool>,
    updated_since: Option<NaiveDateTime>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LocationRow>> {
    let mut query = stock_locations::table.select(LocationRow::as_select()).into_boxed();
    if let Some(active) = active {
        query = query.filter(stock_locations::active.eq(active));
    }
    if let Some(since) = updated_since {
        query = query.filter(stock_locations::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(stock_locations::id.gt(after));
    }
    query.order(stock_locations::id.asc()).limit(limit + 1).load(conn)
}

/// The locations above `id`, nearest first (to refuse a loop in the tree).
pub fn parents_of(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i64>> {
    let mut chain = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        if chain.contains(&current) || chain.len() > 64 {
            break;
        }
        chain.push(current);
        next =
            stock_locations::table.find(current).select(stock_locations::parent_id).first(conn).optional()?.flatten();
    }
    Ok(chain)
}

// ---------------------------------------------------------------- items

pub fn item(conn: &mut DbConn, id: i64) -> QueryResult<Option<ItemRow>> {
    items::table.find(id).select(ItemRow::as_select()).first(conn).optional()
}

pub fn items_by_id(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<ItemRow>> {
    items::table.filter(items::id.eq_any(ids)).select(ItemRow::as_select()).load(conn)
}

pub fn item_by_sku(conn: &mut DbConn, sku: &str) -> QueryResult<Option<ItemRow>> {
    items::table.filter(items::sku.eq(sku)).select(ItemRow::as_select()).first(conn).optional()
}

pub struct ItemFields {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub category: Option<String>,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub currency: String,
    pub active: bool,
    pub sale_price: Option<i64>,
}

pub fn insert_item(conn: &mut DbConn, f: &ItemFields) -> QueryResult<ItemRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(items::table)
        .values((
            items::sku.eq(&f.sku),
            items::name.eq(&f.name),
            items::unit.eq(&f.unit),
            items::category.eq(&f.category),
            items::reorder_point.eq(f.reorder_point),
            items::reorder_quantity.eq(f.reorder_quantity),
            items::currency.eq(&f.currency),
            items::active.eq(f.active),
            items::sale_price.eq(f.sale_price),
            items::on_hand.eq(0i64),
            items::stock_value.eq(0i64),
            // Nothing on hand is at or under any reorder point; a crossing needs stock first.
            items::below_reorder.eq(true),
            items::created_at.eq(now),
            items::updated_at.eq(now),
            items::version.eq(1i64),
        ))
        .returning(items::id)
        .get_result(conn)?;
    items::table.find(id).select(ItemRow::as_select()).first(conn)
}

pub fn update_item(conn: &mut DbConn, id: i64, version: i64, f: &ItemFields, below_reorder: bool) -> QueryResult<bool> {
    diesel::update(items::table.find(id).filter(items::version.eq(version)))
        .set((
            items::name.eq(&f.name),
            items::unit.eq(&f.unit),
            items::category.eq(&f.category),
            items::reorder_point.eq(f.reorder_point),
            items::reorder_quantity.eq(f.reorder_quantity),
            items::active.eq(f.active),
            items::sale_price.eq(f.sale_price),
            items::below_reorder.eq(below_reorder),
            items::updated_at.eq(db::now()),
            items::version.eq(items::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Takes the item for a movement: its row is locked until the transaction ends (PostgreSQL: the
/// UPDATE's row lock; SQLite: the write transaction), so average cost and totals are computed
/// from what no one else changes meanwhile. Returns the item as it is now.
pub fn lock_item(conn: &mut DbConn, id: i64) -> QueryResult<Option<ItemRow>> {
    let touched = diesel::update(items::table.find(id)).set(items::version.eq(items::version + 1)).execute(conn)?;
    if touched == 0 {
        return Ok(None);
    }
    item(conn, id)
}

/// Writes the item's new totals after a movement and whether it is at or under its reorder
/// point.
pub fn set_totals(conn: &mut DbConn, id: i64, on_hand: i64, value: i64, below_reorder: bool) -> QueryResult<()> {
    diesel::update(items::table.find(id))
        .set((
            items::on_hand.eq(on_hand),
            items::stock_value.eq(value),
            items::below_reorder.eq(below_reorder),
            items::updated_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct ItemFilter {
    pub category: Option<String>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub low: Option<bool>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list_items(conn: &mut DbConn, filter: &ItemFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<ItemRow>> {
    let mut query = items::table.select(ItemRow::as_select()).into_boxed();
    if let Some(category) = &filter.category {
        query = query.filter(items::category.eq(category.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(items::active.eq(active));
    }
    if let Some(q) = &filter.q {
        let pattern = db::contains_pattern(q);
        query = query.filter(
            lower(items::name).like(pattern.clone()).escape('\\').or(lower(items::sku).like(pattern).escape('\\')),
        );
    }
    if let Some(low) = filter.low {
        query = query.filter(items::below_reorder.eq(low));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(items::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(items::id.gt(after));
    }
    query.order(items::id.asc()).limit(limit + 1).load(conn)
}

// ---------------------------------------------------------------- stock levels

/// (location id, quantity) of every location holding the item.
pub fn levels_of(conn: &mut DbConn, item_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    stock_levels::table
        .filter(stock_levels::item_id.eq(item_id))
        .filter(stock_levels::quantity.gt(0i64))
        .select((stock_levels::location_id, stock_levels::quantity))
        .order(stock_levels::location_id.asc())
        .load(conn)
}

pub fn level(conn: &mut DbConn, item_id: i64, location_id: i64) -> QueryResult<i64> {
    Ok(stock_levels::table
        .find((item_id, location_id))
        .select(stock_levels::quantity)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Adds to a location's stock (creating its row).
pub fn add_stock(conn: &mut DbConn, item_id: i64, location_id: i64, quantity: i64) -> QueryResult<()> {
    let changed = diesel::update(stock_levels::table.find((item_id, location_id)))
        .set(stock_levels::quantity.eq(stock_levels::quantity + quantity))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(stock_levels::table)
            .values((
                stock_levels::item_id.eq(item_id),
                stock_levels::location_id.eq(location_id),
                stock_levels::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes stock out of a location only if it holds enough: one conditional statement, so two
/// parallel takers can never both take the last units. False when it does not hold enough.
pub fn take_stock(conn: &mut DbConn, item_id: i64, location_id: i64, quantity: i64) -> QueryResult<bool> {
    diesel::update(stock_levels::table.find((item_id, location_id)).filter(stock_levels::quantity.ge(quantity)))
        .set(stock_levels::quantity.eq(stock_levels::quantity - quantity))
        .execute(conn)
        .map(|n| n == 1)
}

// ---------------------------------------------------------------- movements

pub struct NewMovement<'a> {
    pub item_id: i64,
    pub kind: &'static str,
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
    pub reason: Option<&'a str>,
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
    pub occurred_on: chrono::NaiveDate,
}

pub fn insert_movement(conn: &mut DbConn, m: &NewMovement) -> QueryResult<MovementRow> {
    let id: i64 = diesel::insert_into(stock_movements::table)
        .values((
            (
                stock_movements::item_id.eq(m.item_id),
                stock_movements::kind.eq(m.kind),
                stock_movements::quantity.eq(m.quantity),
                stock_movements::from_location_id.eq(m.from_location_id),
                stock_movements::to_location_id.eq(m.to_location_id),
                stock_movements::quantity_delta.eq(m.quantity_delta),
                stock_movements::value_delta.eq(m.value_delta),
                stock_movements::unit_cost.eq(m.unit_cost),
                stock_movements::value.eq(m.value),
            ),
            (
                stock_movements::on_hand_after.eq(m.on_hand_after),
                stock_movements::ticket_id.eq(m.ticket_id),
                stock_movements::department_id.eq(m.department_id),
                stock_movements::invoice_line_id.eq(m.invoice_line_id),
                stock_movements::reason.eq(m.reason),
                stock_movements::reverses_id.eq(m.reverses_id),
                stock_movements::created_by.eq(m.created_by),
                stock_movements::created_at.eq(db::now()),
                stock_movements::occurred_on.eq(m.occurred_on),
            ),
        ))
        .returning(stock_movements::id)
        .get_result(conn)?;
    add_to_month_totals(conn, m.item_id, m.occurred_on, m.quantity_delta, m.value_delta)?;
    stock_movements::table.find(id).select(MovementRow::as_select()).first(conn)
}

/// The first day of `day`'s month: the key of `stock_month_totals`.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    // Day 1 exists in every month; the fallback is never taken.
    day.with_day(1).unwrap_or(day)
}

/// Adds a movement's changes to its item's month in `stock_month_totals` (created on first use),
/// in the movement's own transaction, so the rollup never differs from the ledger. Lock order:
/// the movement's item row is locked already (`lock_item`), and a month row belongs to one item,
/// so a transaction that waits here would have waited for that item first — two transactions
/// moving several items cannot deadlock on these rows in an order their items' locks do not
/// already impose. A change of nothing (a transfer) writes nothing: a missing row reads as zero.
fn add_to_month_totals(
    conn: &mut DbConn,
    item_id: i64,
    day: NaiveDate,
    quantity_delta: i64,
    value_delta: i64,
) -> QueryResult<()> {
    if quantity_delta == 0 && value_delta == 0 {
        return Ok(());
    }
    const UPSERT: &str = "INSERT INTO stock_month_totals (item_id, month, quantity_delta, value_delta) \
         VALUES (?, ?, ?, ?) \
         ON CONFLICT (item_id, month) DO UPDATE SET \
           quantity_delta = stock_month_totals.quantity_delta + excluded.quantity_delta, \
           value_delta = stock_month_totals.value_delta + excluded.value_delta";
    let binds = [
        Bind::BigInt(item_id),
        Bind::Day(first_of_month(day)),
        Bind::BigInt(quantity_delta),
        Bind::BigInt(value_delta),
    ];
    execute(conn, UPSERT, &binds).map(|_| ())
}

/// Issues to departments (and their desks' tickets) and their reversals, in id order, `limit`
/// at a time after id `after`.
pub fn issues_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<MovementRow>> {
    stock_movements::table
        .filter(stock_movements::id.gt(after))
        .filter(stock_movements::kind.eq("issue"))
        .filter(stock_movements::department_id.is_not_null())
        .order(stock_movements::id.asc())
        .limit(limit)
        .select(MovementRow::as_select())
        .load(conn)
}

/// Movements that change the stock's value, after `after` in id order (posting the general
/// ledger's history once).
pub fn valued_movements_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<MovementRow>> {
    stock_movements::table
        .filter(stock_movements::id.gt(after))
        .filter(stock_movements::value_delta.ne(0))
        .order(stock_movements::id.asc())
        .limit(limit)
        .select(MovementRow::as_select())
        .load(conn)
}

pub fn movement(conn: &mut DbConn, id: i64) -> QueryResult<Option<MovementRow>> {
    stock_movements::table.find(id).select(MovementRow::as_select()).first(conn).optional()
}

pub fn reversal_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<i64>> {
    stock_movements::table
        .filter(stock_movements::reverses_id.eq(id))
        .select(stock_movements::id)
        .first(conn)
        .optional()
}

#[derive(Debug, Default)]
pub struct MovementFilter {
    pub item_id: Option<i64>,
    pub location_id: Option<i64>,
    pub kind: Option<&'static str>,
    pub ticket_id: Option<i64>,
    pub department_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// A page of movements in ledger order (oldest first).
pub fn list_movements(
    conn: &mut DbConn,
    filter: &MovementFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MovementRow>> {
    let mut query = stock_movements::table.select(MovementRow::as_select()).into_boxed();
    if let Some(item) = filter.item_id {
        query = query.filter(stock_movements::item_id.eq(item));
    }
    if let Some(location) = filter.location_id {
        query = query
            .filter(stock_movements::from_location_id.eq(location).or(stock_movements::to_location_id.eq(location)));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(stock_movements::kind.eq(kind));
    }
    if let Some(ticket) = filter.ticket_id {
        query = query.filter(stock_movements::ticket_id.eq(ticket));
    }
    if let Some(department) = filter.department_id {
        query = query.filter(stock_movements::department_id.eq(department));
    }
    if let Some(from) = filter.from {
        query = query.filter(stock_movements::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(stock_movements::created_at.lt(to));
    }
    if let Some(after) = after {
        query = query.filter(stock_movements::id.gt(after));
    }
    query.order(stock_movements::id.asc()).limit(limit + 1).load(conn)
}

// ---------------------------------------------------------------- reports

#[derive(QueryableByName, Debug)]
pub struct ValuationRow {
    #[diesel(sql_type = BigInt)]
    pub item_id: i64,
    #[diesel(sql_type = BigInt)]
    pub on_hand: i64,
    #[diesel(sql_type = BigInt)]
    pub value: i64,
}

/// Each item's quantity and value at the end of `as_of` (the movements that happened on or before
/// it): the items holding something (quantity or value not zero), by id. The same answer as summing
/// the whole ledger up to `as_of`, read in a way that does not grow with the ledger:
/// - today or later, with no movement dated after `as_of`: the items' own totals, which every
///   movement keeps in its transaction (`movements::posting::post`). The check is there because
///   a movement is dated by the node that posts it, and nodes' clocks may differ around midnight;
/// - otherwise `stock_month_totals` and the movements of `as_of`'s month on the nearer side of
///   it: the months before plus the month's movements up to `as_of`, or the months up to and
///   including it minus the month's movements after `as_of`. So a month's last day (a closed
///   period) reads the rollup alone, and any day at most half a month of movements; in one
///   statement, so both parts are read from the same snapshot.
pub fn valuation_at(conn: &mut DbConn, as_of: NaiveDate) -> QueryResult<Vec<ValuationRow>> {
    if as_of >= crate::clock::today() && !moved_after(conn, as_of)? {
        let rows: Vec<(i64, i64, i64)> = items::table
            .filter(items::on_hand.ne(0i64).or(items::stock_value.ne(0i64)))
            .select((items::id, items::on_hand, items::stock_value))
            .order(items::id.asc())
            .load(conn)?;
        return Ok(rows
            .into_iter()
            .map(|(item_id, on_hand, value)| ValuationRow { item_id, on_hand, value })
            .collect());
    }
    let month = first_of_month(as_of);
    // The rollup's months, the sign of the month's movements taken, which of them, and the binds.
    let (months, sign, days, binds) = match month.checked_add_months(chrono::Months::new(1)) {
        // Fewer days of the month after `as_of` than up to it: take those away from the whole month.
        Some(next) if next - as_of <= as_of - month + chrono::TimeDelta::days(1) => (
            "month <= ?",
            "-",
            "occurred_on > ? AND occurred_on < ?",
            [Bind::Day(month), Bind::Day(as_of), Bind::Day(next)],
        ),
        _ => (
            "month < ?",
            "",
            "occurred_on >= ? AND occurred_on <= ?",
            [Bind::Day(month), Bind::Day(month), Bind::Day(as_of)],
        ),
    };
    let sql = format!(
        "SELECT item_id, CAST(SUM(quantity_delta) AS BIGINT) AS on_hand, CAST(SUM(value_delta) AS BIGINT) AS value \
         FROM (SELECT item_id, quantity_delta, value_delta FROM stock_month_totals WHERE {months} \
               UNION ALL \
               SELECT item_id, {sign}quantity_delta, {sign}value_delta FROM stock_movements WHERE {days}) AS t \
         GROUP BY item_id HAVING SUM(quantity_delta) <> 0 OR SUM(value_delta) <> 0 ORDER BY item_id"
    );
    load(conn, &sql, &binds)
}

/// Whether any movement is dated after `day` (one step of the `occurred_on` index).
fn moved_after(conn: &mut DbConn, day: NaiveDate) -> QueryResult<bool> {
    stock_movements::table
        .filter(stock_movements::occurred_on.gt(day))
        .select(stock_movements::id)
        .first::<i64>(conn)
        .optional()
        .map(|found| found.is_some())
}

// ---------------------------------------------------------------- checks

/// One item's sums for one month.
#[derive(QueryableByName, Debug)]
pub struct MonthTotal {
    #[diesel(sql_type = BigInt)]
    pub item_id: i64,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub quantity_delta: i64,
    #[diesel(sql_type = BigInt)]
    pub value_delta: i64,
}

/// Every row of `stock_month_totals`, as stored.
pub fn stored_month_totals(conn: &mut DbConn) -> QueryResult<Vec<MonthTotal>> {
    load(
        conn,
        "SELECT item_id, month, quantity_delta, value_delta FROM stock_month_totals ORDER BY item_id, month",
        &[],
    )
}

/// The same sums recomputed from the ledger (for `opsdesk ledger verify`).
pub fn recomputed_month_totals(conn: &mut DbConn) -> QueryResult<Vec<MonthTotal>> {
    let month = crate::db::dialect::month_start(conn.backend(), "occurred_on");
    let sql = format!(
        "SELECT item_id, {month} AS month, CAST(SUM(quantity_delta) AS BIGINT) AS quantity_delta, \
           CAST(SUM(value_delta) AS BIGINT) AS value_delta \
         FROM stock_movements GROUP BY item_id, {month} ORDER BY item_id, {month}"
    );
    load(conn, &sql, &[])
}
