//! SQL of the cost book: lines, their monthly rollups, the base currency and exchange rates.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{Dimension, Dimensions, Entry, LineRow, Source};
use crate::db::schema::{cost_lines, exchange_rates, ledger_state};
use crate::db::sql::{self, Bind};
use crate::db::{dialect, DbConn};

pub fn base_currency(conn: &mut DbConn) -> QueryResult<Option<String>> {
    ledger_state::table.find(1).select(ledger_state::base_currency).first(conn).optional()
}

/// The state row: (base currency, when older data was booked).
pub fn state(conn: &mut DbConn) -> QueryResult<Option<(String, Option<NaiveDateTime>)>> {
    ledger_state::table
        .find(1)
        .select((ledger_state::base_currency, ledger_state::backfilled_at))
        .first(conn)
        .optional()
}

/// Writes the state row unless there is one (any number of nodes at once).
pub fn insert_state(conn: &mut DbConn, base: &str) -> QueryResult<usize> {
    sql::execute(
        conn,
        "INSERT INTO ledger_state (id, base_currency) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
        &[Bind::Text(base.to_string())],
    )
}

/// Takes the state row for this transaction.
pub fn lock_state(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(ledger_state::table.find(1)).set(ledger_state::id.eq(1)).execute(conn)
}

pub fn mark_backfilled(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ledger_state::table.find(1)).set(ledger_state::backfilled_at.eq(Some(at))).execute(conn)
}

pub fn journal_opened(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(ledger_state::table
        .find(1)
        .select(ledger_state::journal_opened_at)
        .first::<Option<NaiveDateTime>>(conn)?
        .is_some())
}

pub fn mark_journal_opened(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ledger_state::table.find(1)).set(ledger_state::journal_opened_at.eq(Some(at))).execute(conn)
}

/// The rate in force for `currency` → `base` on `day`: the latest dated on or before it (of that
/// date, the newest row).
pub fn rate_on(conn: &mut DbConn, currency: &str, base: &str, day: NaiveDate) -> QueryResult<Option<String>> {
    exchange_rates::table
        .filter(exchange_rates::currency.eq(currency))
        .filter(exchange_rates::base_currency.eq(base))
        .filter(exchange_rates::rate_date.le(day))
        .order((exchange_rates::rate_date.desc(), exchange_rates::id.desc()))
        .select(exchange_rates::rate)
        .first(conn)
        .optional()
}

/// The lines of a source that stand: not reversals, and not reversed.
pub fn standing_lines(conn: &mut DbConn, source: Source) -> QueryResult<Vec<LineRow>> {
    let lines: Vec<LineRow> = cost_lines::table
        .filter(cost_lines::source_type.eq(source.kind.as_str()))
        .filter(cost_lines::source_id.eq(source.id))
        .order(cost_lines::id.asc())
        .select(LineRow::as_select())
        .load(conn)?;
    let reversed: std::collections::HashSet<i64> = lines.iter().filter_map(|l| l.reverses_id).collect();
    Ok(lines.into_iter().filter(|l| l.reverses_id.is_none() && !reversed.contains(&l.id)).collect())
}

/// A line to write, converted.
pub struct NewLine<'a> {
    pub entry: &'a Entry,
    pub source: Source,
    pub rate: Option<String>,
    pub base_amount: Option<i64>,
    pub reverses_id: Option<i64>,
}

pub fn insert_line(conn: &mut DbConn, line: &NewLine, now: NaiveDateTime) -> QueryResult<i64> {
    let e = line.entry;
    let d: &Dimensions = &e.dims;
    diesel::insert_into(cost_lines::table)
        .values((
            (
                cost_lines::occurred_on.eq(e.occurred_on),
                cost_lines::kind.eq(e.kind.as_str()),
                cost_lines::category.eq(&e.category),
                cost_lines::currency.eq(&e.currency),
                cost_lines::amount.eq(e.amount),
                cost_lines::quantity.eq(e.quantity),
                cost_lines::rate.eq(&line.rate),
                cost_lines::base_amount.eq(line.base_amount),
                cost_lines::department_id.eq(d.department_id),
                cost_lines::desk_id.eq(d.desk_id),
                cost_lines::ticket_id.eq(d.ticket_id),
                cost_lines::customer_id.eq(d.customer_id),
            ),
            (
                cost_lines::vendor_id.eq(d.vendor_id),
                cost_lines::employee_id.eq(d.employee_id),
                cost_lines::item_id.eq(d.item_id),
                cost_lines::source_type.eq(line.source.kind.as_str()),
                cost_lines::source_id.eq(line.source.id),
                cost_lines::source_line_id.eq(e.source_line_id),
                cost_lines::reverses_id.eq(line.reverses_id),
                cost_lines::created_at.eq(now),
            ),
        ))
        .returning(cost_lines::id)
        .get_result(conn)
}

/// A rollup row's key: (dimension, id, year, month, kind, category, currency).
pub type RollupKey = (&'static str, i64, i32, u32, &'static str, String, String);

/// What lines add to a rollup row: (amount, base amount, quantity, lines).
pub type RollupSums = (i64, i64, i64, i64);

/// The rollup changes of lines: each line adds to the rows of every dimension it has.
pub fn rollup_changes<'a>(
    lines: impl IntoIterator<Item = (&'a Entry, Option<i64>, i64)>,
) -> BTreeMap<RollupKey, RollupSums> {
    let mut sums: BTreeMap<RollupKey, RollupSums> = BTreeMap::new();
    for (entry, base_amount, count) in lines {
        for dimension in Dimension::ROLLED {
            let Some(id) = dimension.of(&entry.dims) else { continue };
            let key = (
                dimension.as_str(),
                id,
                entry.occurred_on.year(),
                entry.occurred_on.month(),
                entry.kind.as_str(),
                entry.category.clone(),
                entry.currency.clone(),
            );
            let sum = sums.entry(key).or_default();
            sum.0 += entry.amount;
            sum.1 += base_amount.unwrap_or(0);
            sum.2 += entry.quantity;
            sum.3 += count;
        }
    }
    sums
}

/// Adds to the rollup rows (created on first use), one upsert a row in key order: parallel
/// posters on any number of nodes add under the row's lock and never lose a change, and two
/// posters touching the same rows take them in the same order, so they cannot deadlock.
pub fn add_to_rollups(conn: &mut DbConn, changes: &BTreeMap<RollupKey, RollupSums>) -> QueryResult<()> {
    const UPSERT: &str = "INSERT INTO cost_rollups (dimension, dimension_id, year, month, kind, category, currency, amount, base_amount, quantity, lines) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (dimension, dimension_id, year, month, kind, category, currency) DO UPDATE SET \
           amount = cost_rollups.amount + excluded.amount, base_amount = cost_rollups.base_amount + excluded.base_amount, \
           quantity = cost_rollups.quantity + excluded.quantity, lines = cost_rollups.lines + excluded.lines";
    for ((dimension, id, year, month, kind, category, currency), (amount, base_amount, quantity, lines)) in changes {
        let binds = [
            Bind::Text(dimension.to_string()),
            Bind::BigInt(*id),
            Bind::Integer(*year),
            Bind::Integer(*month as i32),
            Bind::Text(kind.to_string()),
            Bind::Text(category.clone()),
            Bind::Text(currency.clone()),
            Bind::BigInt(*amount),
            Bind::BigInt(*base_amount),
            Bind::BigInt(*quantity),
            Bind::BigInt(*lines),
        ];
        sql::execute(conn, UPSERT, &binds)?;
    }
    Ok(())
}

/// Which amounts a reader adds up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// The amounts of lines, per currency.
    EachCurrency,
    /// The amounts of lines in this currency only.
    Currency(String),
    /// The base amounts of lines in every currency (lines without one are left out).
    Base,
}

/// Sums of a dimension by id, month, kind and category.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct MonthSum {
    #[diesel(sql_type = BigInt)]
    pub dimension_id: i64,
    #[diesel(sql_type = BigInt)]
    pub year: i64,
    #[diesel(sql_type = BigInt)]
    pub month: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    /// The quantities summed with the amounts (minutes of labour, thousandths of materials).
    #[diesel(sql_type = BigInt)]
    pub quantity: i64,
}

/// How a measure reads in SQL: the value summed, the currency shown, the filter (its bind pushed
/// onto `binds`) and the grouping by currency. Base amounts are summed across currencies.
struct MeasureSql {
    value: &'static str,
    currency: &'static str,
    filter: &'static str,
    group: &'static str,
}

fn measure_sql(measure: &Measure, binds: &mut Vec<Bind>) -> MeasureSql {
    match measure {
        Measure::Currency(code) => {
            binds.push(Bind::Text(code.clone()));
            MeasureSql { value: "amount", currency: "currency", filter: " AND currency = ?", group: ", currency" }
        }
        Measure::EachCurrency => MeasureSql { value: "amount", currency: "currency", filter: "", group: ", currency" },
        // Lines booked without a rate (older data) have no base amount; rollups always have one.
        Measure::Base => {
            MeasureSql { value: "base_amount", currency: "'base'", filter: " AND base_amount IS NOT NULL", group: "" }
        }
    }
}

/// From the rollups: the whole months [first, last] (as year × 12 + month − 1) of a dimension
/// (one id, or all ids with None).
pub fn rollup_months(
    conn: &mut DbConn,
    dimension: Dimension,
    id: Option<i64>,
    months: (i64, i64),
    measure: &Measure,
) -> QueryResult<Vec<MonthSum>> {
    let mut binds = vec![Bind::Text(dimension.as_str().into()), Bind::BigInt(months.0), Bind::BigInt(months.1)];
    let one = match id {
        Some(id) => {
            binds.push(Bind::BigInt(id));
            " AND dimension_id = ?"
        }
        None => "",
    };
    let MeasureSql { value, currency, filter, group } = measure_sql(measure, &mut binds);
    let sql = format!(
        "SELECT dimension_id, CAST(year AS BIGINT) AS year, CAST(month AS BIGINT) AS month, kind, category, \
           {currency} AS currency, CAST(SUM({value}) AS BIGINT) AS amount, CAST(SUM(quantity) AS BIGINT) AS quantity \
         FROM cost_rollups WHERE dimension = ? AND year * 12 + month - 1 BETWEEN ? AND ?{one}{filter} \
         GROUP BY dimension_id, year, month, kind, category{group}"
    );
    sql::load(conn, &sql, &binds)
}

/// From the lines: the days [from, to) of a dimension (one id, or all ids with None).
pub fn line_months(
    conn: &mut DbConn,
    dimension: Dimension,
    id: Option<i64>,
    days: (NaiveDate, NaiveDate),
    measure: &Measure,
) -> QueryResult<Vec<MonthSum>> {
    let backend = conn.backend();
    let column = dimension.column().unwrap_or("0");
    let mut binds = vec![Bind::Day(days.0), Bind::Day(days.1)];
    let one = match id {
        Some(id) => {
            binds.push(Bind::BigInt(id));
            format!(" AND {column} = ?")
        }
        None if dimension == Dimension::Company => String::new(),
        None => format!(" AND {column} IS NOT NULL"),
    };
    let MeasureSql { value, currency, filter, group } = measure_sql(measure, &mut binds);
    let sql = format!(
        "SELECT CAST({column} AS BIGINT) AS dimension_id, {year} AS year, {month} AS month, kind, category, \
           {currency} AS currency, CAST(SUM({value}) AS BIGINT) AS amount, CAST(SUM(quantity) AS BIGINT) AS quantity \
         FROM cost_lines WHERE occurred_on >= ? AND occurred_on < ?{one}{filter} \
         GROUP BY {column}, {year}, {month}, kind, category{group}",
        year = dialect::year_of(backend, "occurred_on"),
        month = dialect::month_of(backend, "occurred_on"),
    );
    sql::load(conn, &sql, &binds)
}

/// Sums of a ticket's lines by kind and currency (a ticket's lines are few: read directly).
#[derive(QueryableByName, Debug, Clone)]
pub struct KindSum {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
}

/// Labour booked to desks by person and currency over [from, to]: (desk, employee, currency,
/// minutes, cost), from the lines (the desk report's period is at most a year).
#[derive(QueryableByName, Debug, Clone)]
pub struct DeskLabour {
    #[diesel(sql_type = BigInt)]
    pub desk_id: i64,
    #[diesel(sql_type = BigInt)]
    pub employee_id: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub cost: i64,
}

pub fn desk_labour(
    conn: &mut DbConn,
    desk: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DeskLabour>> {
    let mut binds = vec![Bind::Day(from), Bind::Day(to)];
    let one = match desk {
        Some(id) => {
            binds.push(Bind::BigInt(id));
            "desk_id = ?"
        }
        None => "desk_id IS NOT NULL",
    };
    let sql = format!(
        "SELECT desk_id, employee_id, currency, CAST(SUM(quantity) AS BIGINT) AS minutes, CAST(SUM(amount) AS BIGINT) AS cost \
         FROM cost_lines WHERE kind = 'labour' AND occurred_on >= ? AND occurred_on <= ? AND {one} AND employee_id IS NOT NULL \
         GROUP BY desk_id, employee_id, currency"
    );
    sql::load(conn, &sql, &binds)
}

pub fn ticket_sums(conn: &mut DbConn, ticket_id: i64) -> QueryResult<Vec<KindSum>> {
    let sql = "SELECT kind, currency, CAST(SUM(amount) AS BIGINT) AS amount FROM cost_lines \
               WHERE ticket_id = ? GROUP BY kind, currency ORDER BY currency, kind";
    sql::load(conn, sql, &[Bind::BigInt(ticket_id)])
}

/// A rollup row as stored.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct StoredRollup {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = BigInt)]
    pub dimension_id: i64,
    #[diesel(sql_type = BigInt)]
    pub year: i64,
    #[diesel(sql_type = BigInt)]
    pub month: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = BigInt)]
    pub base_amount: i64,
    #[diesel(sql_type = BigInt)]
    pub quantity: i64,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
}

pub fn all_rollups(conn: &mut DbConn) -> QueryResult<Vec<StoredRollup>> {
    let sql = "SELECT dimension, dimension_id, CAST(year AS BIGINT) AS year, CAST(month AS BIGINT) AS month, kind, category, \
               currency, amount, base_amount, quantity, lines FROM cost_rollups";
    sql::load(conn, sql, &[])
}

/// Every line, in id order, `batch` at a time after `after`.
pub fn lines_after(conn: &mut DbConn, after: i64, batch: i64) -> QueryResult<Vec<LineRow>> {
    cost_lines::table
        .filter(cost_lines::id.gt(after))
        .order(cost_lines::id.asc())
        .limit(batch)
        .select(LineRow::as_select())
        .load(conn)
}
