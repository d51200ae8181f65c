//! The general ledger's SQL: accounts, the posting map, entries and their lines, the lock date,
//! and the balances the statements read.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::{AccountRow, EntryRow, EntryStatus, JournalLineRow, Origin, PostingLine};
use crate::db::schema::{accounts, journal_entries, journal_lines, ledger_state, posting_map};
use crate::db::sql::{self, Bind};
use crate::db::{self, DbConn};

// ---------------------------------------------------------------- accounts

pub struct AccountFilter {
    pub account_type: Option<String>,
    pub active: Option<bool>,
}

pub fn accounts_page(
    conn: &mut DbConn,
    filter: &AccountFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AccountRow>> {
    let mut query = accounts::table.select(AccountRow::as_select()).order(accounts::id.asc()).into_boxed();
    if let Some(kind) = &filter.account_type {
        query = query.filter(accounts::account_type.eq(kind.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(accounts::active.eq(active));
    }
    if let Some(after) = after {
        query = query.filter(accounts::id.gt(after));
    }
    query.limit(limit + 1).load(conn)
}

pub fn all_accounts(conn: &mut DbConn) -> QueryResult<Vec<AccountRow>> {
    accounts::table.select(AccountRow::as_select()).order(accounts::code.asc()).load(conn)
}

pub fn account(conn: &mut DbConn, id: i64) -> QueryResult<Option<AccountRow>> {
    accounts::table.find(id).select(AccountRow::as_select()).first(conn).optional()
}

pub fn insert_account(conn: &mut DbConn, code: &str, name: &str, kind: &str) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(accounts::table)
        .values((
            accounts::code.eq(code),
            accounts::name.eq(name),
            accounts::account_type.eq(kind),
            accounts::active.eq(true),
            accounts::created_at.eq(now),
            accounts::updated_at.eq(now),
        ))
        .returning(accounts::id)
        .get_result(conn)
}

pub fn update_account(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    code: &str,
    name: &str,
    active: bool,
) -> QueryResult<bool> {
    diesel::update(accounts::table.find(id).filter(accounts::version.eq(version)))
        .set((
            accounts::code.eq(code),
            accounts::name.eq(name),
            accounts::active.eq(active),
            accounts::updated_at.eq(db::now()),
            accounts::version.eq(accounts::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Deletes an account nothing points at; a line or the posting map naming it makes the database
/// refuse (a foreign key: 409).
pub fn delete_account(conn: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    diesel::delete(accounts::table.find(id).filter(accounts::version.eq(version))).execute(conn).map(|n| n == 1)
}

/// The events of the posting map that name `account_id`.
pub fn events_posting_to(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<String>> {
    posting_map::table.filter(posting_map::account_id.eq(account_id)).select(posting_map::event).load(conn)
}

pub fn has_lines(conn: &mut DbConn, account_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(journal_lines::table.filter(journal_lines::account_id.eq(account_id))))
        .get_result(conn)
}

// ---------------------------------------------------------------- the posting map

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posting_map)]
pub struct MapRow {
    pub event: String,
    pub account_id: i64,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

pub fn posting_map(conn: &mut DbConn) -> QueryResult<Vec<MapRow>> {
    posting_map::table.select(MapRow::as_select()).order(posting_map::event.asc()).load(conn)
}

pub fn mapped(conn: &mut DbConn, event: &str) -> QueryResult<Option<MapRow>> {
    posting_map::table.find(event).select(MapRow::as_select()).first(conn).optional()
}

/// Points `event` at `account_id`: a new event of the map, or the next version of one.
pub fn set_mapping(conn: &mut DbConn, event: &str, account_id: i64, version: Option<i64>) -> QueryResult<bool> {
    let now = db::now();
    match version {
        None => diesel::insert_into(posting_map::table)
            .values((
                posting_map::event.eq(event),
                posting_map::account_id.eq(account_id),
                posting_map::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|n| n == 1),
        Some(version) => diesel::update(posting_map::table.find(event).filter(posting_map::version.eq(version)))
            .set((
                posting_map::account_id.eq(account_id),
                posting_map::updated_at.eq(now),
                posting_map::version.eq(posting_map::version + 1),
            ))
            .execute(conn)
            .map(|n| n == 1),
    }
}

// ---------------------------------------------------------------- the lock date

pub fn lock_date(conn: &mut DbConn) -> QueryResult<Option<NaiveDate>> {
    Ok(ledger_state::table.find(1).select(ledger_state::lock_date).first(conn).optional()?.flatten())
}

/// The lock date and its version.
pub fn lock(conn: &mut DbConn) -> QueryResult<(Option<NaiveDate>, i64)> {
    ledger_state::table.find(1).select((ledger_state::lock_date, ledger_state::lock_version)).first(conn)
}

/// The lock date and its version, with the state row locked until the transaction ends (one
/// change at a time).
pub fn lock_for_update(conn: &mut DbConn) -> QueryResult<(Option<NaiveDate>, i64)> {
    diesel::update(ledger_state::table.find(1)).set(ledger_state::id.eq(1)).execute(conn)?;
    lock(conn)
}

pub fn set_lock_date(conn: &mut DbConn, day: Option<NaiveDate>) -> QueryResult<usize> {
    diesel::update(ledger_state::table.find(1))
        .set((ledger_state::lock_date.eq(day), ledger_state::lock_version.eq(ledger_state::lock_version + 1)))
        .execute(conn)
}

// ---------------------------------------------------------------- entries

pub struct NewEntry<'a> {
    pub entry_date: NaiveDate,
    pub memo: &'a str,
    pub origin: Origin,
    pub source: Option<(&'a str, i64)>,
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
}

/// Writes an entry (not posted yet) and its lines; the triggers add the lines to its totals.
pub fn insert_entry(conn: &mut DbConn, entry: &NewEntry, lines: &[PostingLine]) -> QueryResult<i64> {
    let now = db::now();
    let id: i64 = diesel::insert_into(journal_entries::table)
        .values((
            journal_entries::entry_date.eq(entry.entry_date),
            journal_entries::memo.eq(entry.memo),
            journal_entries::origin.eq(entry.origin.as_str()),
            journal_entries::status.eq(EntryStatus::PendingApproval.as_str()),
            journal_entries::source_type.eq(entry.source.map(|(kind, _)| kind)),
            journal_entries::source_id.eq(entry.source.map(|(_, id)| id)),
            journal_entries::reverses_id.eq(entry.reverses_id),
            journal_entries::created_by.eq(entry.created_by),
            journal_entries::created_at.eq(now),
            journal_entries::updated_at.eq(now),
        ))
        .returning(journal_entries::id)
        .get_result(conn)?;
    // One INSERT for all the lines: one round trip, and on PostgreSQL one run of the trigger
    // that adds them to the entry's totals. (Diesel's batch insert is not available through the
    // two-backend connection.)
    const COLUMNS: &str = "INSERT INTO journal_lines (entry_id, account_id, debit, credit, currency, amount, rate, \
         entry_date, department_id, ticket_id, customer_id, vendor_id, employee_id, item_id, memo) VALUES ";
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    // At most 500 rows a statement: 7,500 binds, within both databases' limits.
    for chunk in lines.chunks(500) {
        let mut binds = Vec::with_capacity(chunk.len() * 15);
        for line in chunk {
            binds.extend([
                Bind::BigInt(id),
                Bind::BigInt(line.account_id),
                Bind::BigInt(line.debit()),
                Bind::BigInt(line.credit()),
                Bind::Text(line.currency.clone()),
                Bind::BigInt(line.amount),
                Bind::Text(line.rate.clone()),
                Bind::Day(entry.entry_date),
                Bind::MaybeBigInt(line.dims.department_id),
                Bind::MaybeBigInt(line.dims.ticket_id),
                Bind::MaybeBigInt(line.dims.customer_id),
                Bind::MaybeBigInt(line.dims.vendor_id),
                Bind::MaybeBigInt(line.dims.employee_id),
                Bind::MaybeBigInt(line.dims.item_id),
                Bind::Text(line.memo.clone()),
            ]);
        }
        let statement = format!("{COLUMNS}{}", vec![ROW; chunk.len()].join(", "));
        sql::execute(conn, &statement, &binds)?;
    }
    Ok(id)
}

/// Posts a written entry under `number`; the database checks it balances, is not dated on or
/// before the lock date, and adds it to the monthly balances.
pub fn mark_posted(conn: &mut DbConn, id: i64, number: &str, approved_by: Option<i64>) -> QueryResult<bool> {
    let now = db::now();
    diesel::update(journal_entries::table.find(id).filter(journal_entries::status.ne(EntryStatus::Posted.as_str())))
        .set((
            journal_entries::status.eq(EntryStatus::Posted.as_str()),
            journal_entries::number.eq(number),
            journal_entries::approved_by.eq(approved_by),
            journal_entries::posted_at.eq(now),
            journal_entries::updated_at.eq(now),
            journal_entries::version.eq(journal_entries::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn delete_pending(conn: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    diesel::delete(
        journal_entries::table
            .find(id)
            .filter(journal_entries::version.eq(version))
            .filter(journal_entries::status.ne(EntryStatus::Posted.as_str())),
    )
    .execute(conn)
    .map(|n| n == 1)
}

pub fn entry(conn: &mut DbConn, id: i64) -> QueryResult<Option<EntryRow>> {
    journal_entries::table.find(id).select(EntryRow::as_select()).first(conn).optional()
}

pub fn lines_of(conn: &mut DbConn, entry_ids: &[i64]) -> QueryResult<Vec<JournalLineRow>> {
    journal_lines::table
        .filter(journal_lines::entry_id.eq_any(entry_ids))
        .order(journal_lines::id.asc())
        .select(JournalLineRow::as_select())
        .load(conn)
}

pub fn reversal_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<i64>> {
    journal_entries::table
        .filter(journal_entries::reverses_id.eq(id))
        .select(journal_entries::id)
        .first(conn)
        .optional()
}

/// The posted entries of a source document that still stand: neither reversed nor reversals.
/// (A document has a few entries: read them all and sort them out here.)
pub fn standing_entries(conn: &mut DbConn, source_type: &str, source_id: i64) -> QueryResult<Vec<EntryRow>> {
    let all: Vec<EntryRow> = journal_entries::table
        .filter(journal_entries::source_type.eq(source_type))
        .filter(journal_entries::source_id.eq(source_id))
        .filter(journal_entries::status.eq(EntryStatus::Posted.as_str()))
        .order(journal_entries::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    let reversed: Vec<i64> = all.iter().filter_map(|e| e.reverses_id).collect();
    Ok(all.into_iter().filter(|e| e.reverses_id.is_none() && !reversed.contains(&e.id)).collect())
}

pub struct EntryFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<EntryStatus>,
    pub source_type: Option<String>,
    pub source_id: Option<i64>,
    pub account_id: Option<i64>,
}

pub fn entries_page(
    conn: &mut DbConn,
    filter: &EntryFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = journal_entries::table.select(EntryRow::as_select()).order(journal_entries::id.asc()).into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(journal_entries::entry_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(journal_entries::entry_date.le(to));
    }
    if let Some(status) = filter.status {
        query = query.filter(journal_entries::status.eq(status.as_str()));
    }
    if let Some(kind) = &filter.source_type {
        query = query.filter(journal_entries::source_type.eq(kind.clone()));
    }
    if let Some(id) = filter.source_id {
        query = query.filter(journal_entries::source_id.eq(id));
    }
    if let Some(account) = filter.account_id {
        let with_account =
            journal_lines::table.filter(journal_lines::account_id.eq(account)).select(journal_lines::entry_id);
        query = query.filter(journal_entries::id.eq_any(with_account));
    }
    if let Some(after) = after {
        query = query.filter(journal_entries::id.gt(after));
    }
    query.limit(limit + 1).load(conn)
}

// ---------------------------------------------------------------- balances

/// Posted debits and credits of one account (and department: 0 for none) in one month.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct MonthBalance {
    #[diesel(sql_type = BigInt)]
    pub account_id: i64,
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = BigInt)]
    pub year: i64,
    #[diesel(sql_type = BigInt)]
    pub month: i64,
    #[diesel(sql_type = BigInt)]
    pub debit: i64,
    #[diesel(sql_type = BigInt)]
    pub credit: i64,
}

/// From the monthly balances: the whole months [first, last] (as year × 12 + month − 1).
pub fn balance_months(conn: &mut DbConn, months: (i64, i64)) -> QueryResult<Vec<MonthBalance>> {
    sql::load(
        conn,
        "SELECT account_id, department_id, CAST(year AS BIGINT) AS year, CAST(month AS BIGINT) AS month, \
           CAST(debit AS BIGINT) AS debit, CAST(credit AS BIGINT) AS credit \
         FROM account_balances WHERE year * 12 + month - 1 BETWEEN ? AND ?",
        &[Bind::BigInt(months.0), Bind::BigInt(months.1)],
    )
}

/// From the posted lines: the days [from, to), per account, department and month.
pub fn line_balances(conn: &mut DbConn, days: (NaiveDate, NaiveDate)) -> QueryResult<Vec<MonthBalance>> {
    let backend = conn.backend();
    let sql = format!(
        "SELECT l.account_id, CAST(COALESCE(l.department_id, 0) AS BIGINT) AS department_id, {year} AS year, \
           {month} AS month, CAST(SUM(l.debit) AS BIGINT) AS debit, CAST(SUM(l.credit) AS BIGINT) AS credit \
         FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id \
         WHERE e.status = 'posted' AND l.entry_date >= ? AND l.entry_date < ? \
         GROUP BY l.account_id, COALESCE(l.department_id, 0), {year}, {month}",
        year = db::dialect::year_of(backend, "l.entry_date"),
        month = db::dialect::month_of(backend, "l.entry_date"),
    );
    sql::load(conn, &sql, &[Bind::Day(days.0), Bind::Day(days.1)])
}

/// The posted lines' amounts on one account per transaction currency (a control account's
/// balance in each currency, debit positive).
pub fn amounts_by_currency(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::Text)]
        currency: String,
        #[diesel(sql_type = BigInt)]
        amount: i64,
    }
    let rows: Vec<Sum> = sql::load(
        conn,
        "SELECT l.currency, CAST(SUM(l.amount) AS BIGINT) AS amount \
         FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id \
         WHERE e.status = 'posted' AND l.account_id = ? GROUP BY l.currency",
        &[Bind::BigInt(account_id)],
    )?;
    Ok(rows.into_iter().map(|r| (r.currency, r.amount)).collect())
}

/// Every monthly balance as stored (for `opsdesk ledger verify`).
pub fn all_balances(conn: &mut DbConn) -> QueryResult<Vec<MonthBalance>> {
    sql::load(
        conn,
        "SELECT account_id, department_id, CAST(year AS BIGINT) AS year, CAST(month AS BIGINT) AS month, \
           CAST(debit AS BIGINT) AS debit, CAST(credit AS BIGINT) AS credit FROM account_balances",
        &[],
    )
}

/// Every monthly balance recomputed from the posted lines (for `opsdesk ledger verify`).
pub fn recomputed_balances(conn: &mut DbConn) -> QueryResult<Vec<MonthBalance>> {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let past_last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    line_balances(conn, (first, past_last))
}

/// One account's posted lines over [from, to], oldest first, after the line `after` (a page).
pub fn account_lines(
    conn: &mut DbConn,
    account_id: i64,
    days: (NaiveDate, NaiveDate),
    after: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<(JournalLineRow, Option<String>, String)>> {
    let mut query = journal_lines::table
        .inner_join(journal_entries::table)
        .filter(journal_lines::account_id.eq(account_id))
        .filter(journal_entries::status.eq(EntryStatus::Posted.as_str()))
        .filter(journal_lines::entry_date.ge(days.0))
        .filter(journal_lines::entry_date.le(days.1))
        .order((journal_lines::entry_date.asc(), journal_lines::id.asc()))
        .select((JournalLineRow::as_select(), journal_entries::number, journal_entries::memo))
        .into_boxed();
    if let Some((day, id)) = after {
        query = query.filter(
            journal_lines::entry_date.gt(day).or(journal_lines::entry_date.eq(day).and(journal_lines::id.gt(id))),
        );
    }
    query.limit(limit + 1).load(conn)
}

/// The sums of one account's posted lines up to and including the line (`day`, `last_id`) in
/// the ledger's order (date, then id): (debit, credit). `(day, i64::MAX)` takes the whole day.
/// The months before `day`'s come from the monthly balances, so the cost does not grow with the
/// account's history; the days of its own month from the lines.
pub fn account_totals_through(
    conn: &mut DbConn,
    account_id: i64,
    day: NaiveDate,
    last_id: i64,
) -> QueryResult<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Totals {
        #[diesel(sql_type = BigInt)]
        debit: i64,
        #[diesel(sql_type = BigInt)]
        credit: i64,
    }
    let month_start = day.with_day(1).unwrap_or(day);
    let month_index = i64::from(day.year()) * 12 + i64::from(day.month0());
    let rows: Vec<Totals> = sql::load(
        conn,
        "SELECT CAST(COALESCE(SUM(debit), 0) AS BIGINT) AS debit, CAST(COALESCE(SUM(credit), 0) AS BIGINT) AS credit \
         FROM (SELECT debit, credit FROM account_balances WHERE account_id = ? AND year * 12 + month - 1 < ? \
               UNION ALL \
               SELECT l.debit, l.credit FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id \
               WHERE e.status = 'posted' AND l.account_id = ? AND l.entry_date >= ? \
                 AND (l.entry_date < ? OR (l.entry_date = ? AND l.id <= ?))) AS posted",
        &[
            Bind::BigInt(account_id),
            Bind::BigInt(month_index),
            Bind::BigInt(account_id),
            Bind::Day(month_start),
            Bind::Day(day),
            Bind::Day(day),
            Bind::BigInt(last_id),
        ],
    )?;
    Ok(rows.first().map(|t| (t.debit, t.credit)).unwrap_or((0, 0)))
}
