//! Booking: producers post their entries in their own transaction; a correction reverses the
//! lines that stand and books the new ones. Every line is converted to the base currency at the
//! rate of its day and added to the monthly rollups in the same transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::model::{convert, Entry, Kind, LineRow, Source};
use super::repo::{self, NewLine, RollupKey, RollupSums};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::money::Currency;

/// Rates already looked up in this posting: (currency, day) → rate.
type Rates = HashMap<(String, NaiveDate), String>;

/// The base currency the books are kept in.
pub fn base_currency(conn: &mut DbConn) -> Result<Currency, ApiError> {
    let code = repo::base_currency(conn)?
        .ok_or_else(|| ApiError::internal("the books have no base currency yet (ledger_state is empty)"))?;
    code.parse().map_err(ApiError::internal)
}

/// The rate and base amount of an entry. A missing rate is 422 naming the pair and the date.
fn to_base(conn: &mut DbConn, base: Currency, entry: &Entry, rates: &mut Rates) -> Result<(String, i64), ApiError> {
    let currency: Currency = entry.currency.parse().map_err(ApiError::internal)?;
    if currency == base {
        return Ok(("1".into(), entry.amount));
    }
    let key = (entry.currency.clone(), entry.occurred_on);
    let rate = match rates.get(&key) {
        Some(rate) => rate.clone(),
        None => {
            let rate = repo::rate_on(conn, &entry.currency, base.code(), entry.occurred_on)?.ok_or_else(|| {
                ApiError::invalid(
                    "",
                    format!(
                        "no exchange rate {}/{} on or before {}: finance adds it at /api/v1/exchange-rates",
                        entry.currency,
                        base.code(),
                        entry.occurred_on
                    ),
                )
            })?;
            rates.insert(key, rate.clone());
            rate
        }
    };
    let decimal = rate.parse().map_err(ApiError::internal)?;
    let base_amount = convert(entry.amount, currency, base, decimal).ok_or_else(|| {
        ApiError::invalid("", format!("the amount in {} would be past the limit of an amount", base.code()))
    })?;
    Ok((rate, base_amount))
}

/// The base amount `entry` would have if booked now (for checks made before booking).
pub fn base_amount_of(conn: &mut DbConn, entry: &Entry) -> Result<i64, ApiError> {
    let base = base_currency(conn)?;
    Ok(to_base(conn, base, entry, &mut Rates::new())?.1)
}

/// The rate and base amount of `amount` of `currency` on `day` (the general ledger converts its
/// lines with the cost book's rates). A missing rate is 422 naming the pair and the date.
pub fn to_base_on(conn: &mut DbConn, currency: &str, amount: i64, day: NaiveDate) -> Result<(String, i64), ApiError> {
    let base = base_currency(conn)?;
    let entry = Entry {
        occurred_on: day,
        kind: Kind::Revenue,
        category: String::new(),
        currency: currency.to_string(),
        amount,
        quantity: 0,
        dims: Default::default(),
        source_line_id: None,
    };
    to_base(conn, base, &entry, &mut Rates::new())
}

/// Books `entries` of `source`. Call inside the producer's write transaction.
pub fn post(conn: &mut DbConn, source: Source, entries: &[Entry]) -> Result<(), ApiError> {
    book(conn, &[(source, entries.to_vec())], false)
}

/// Books data written before the book existed, many sources at once (their rollups added once
/// for the batch): like [`post`], but a line whose rate is not known is booked without a base
/// amount (readers in the base currency leave it out, as they did before the book; `opsdesk
/// ledger verify` counts such lines) instead of refusing.
pub fn post_older(conn: &mut DbConn, batch: &[(Source, Vec<Entry>)]) -> Result<(), ApiError> {
    book(conn, batch, true)
}

fn book(conn: &mut DbConn, batch: &[(Source, Vec<Entry>)], unconverted_ok: bool) -> Result<(), ApiError> {
    let changes = insert_lines(conn, batch, unconverted_ok)?;
    repo::add_to_rollups(conn, &changes)?;
    Ok(())
}

/// Writes the lines of `batch` and returns what they add to the rollups.
fn insert_lines(
    conn: &mut DbConn,
    batch: &[(Source, Vec<Entry>)],
    unconverted_ok: bool,
) -> Result<BTreeMap<RollupKey, RollupSums>, ApiError> {
    if batch.iter().all(|(_, entries)| entries.is_empty()) {
        return Ok(BTreeMap::new());
    }
    let base = base_currency(conn)?;
    let now = db::now();
    let mut rates = Rates::new();
    let mut booked = Vec::new();
    for (source, entries) in batch {
        for entry in entries.iter().filter(|e| e.amount != 0) {
            let (rate, base_amount) = match to_base(conn, base, entry, &mut rates) {
                Ok((rate, base_amount)) => (Some(rate), Some(base_amount)),
                // A draft bill's commitment is not money yet: without a rate it is kept
                // unconverted (budgets in its own currency see it); issuing the bill needs the rate.
                Err(ApiError::Invalid(_)) if unconverted_ok || entry.kind == Kind::Commitment => (None, None),
                Err(error) => return Err(error),
            };
            let line = NewLine { entry, source: *source, rate, base_amount, reverses_id: None };
            repo::insert_line(conn, &line, now)?;
            booked.push((entry, base_amount, 1));
        }
    }
    Ok(repo::rollup_changes(booked))
}

/// Reverses the lines of `source` that stand: each gets a line with the opposite amounts at the
/// same rate, on the same day (a reversal undoes the original where it was booked). Returns what
/// the reversals take from the rollups (each one's count too).
fn reverse_lines(
    conn: &mut DbConn,
    source: Source,
    lines: &[LineRow],
) -> Result<BTreeMap<RollupKey, RollupSums>, ApiError> {
    let now = db::now();
    let mut undone = Vec::with_capacity(lines.len());
    for line in lines {
        let Some(mut entry) = line.entry() else {
            return Err(ApiError::internal(format!("cost line {} has an unknown kind {:?}", line.id, line.kind)));
        };
        entry.amount = -entry.amount;
        entry.quantity = -entry.quantity;
        undone.push((entry, line.base_amount.map(|b| -b), line.rate.clone(), line.id));
    }
    for (entry, base_amount, rate, id) in &undone {
        let line = NewLine { entry, source, rate: rate.clone(), base_amount: *base_amount, reverses_id: Some(*id) };
        repo::insert_line(conn, &line, now)?;
    }
    Ok(repo::rollup_changes(undone.iter().map(|(e, b, _, _)| (e, *b, -1))))
}

/// Makes the standing lines of `source` say `entries`: nothing when they do already; else the
/// standing lines are reversed and `entries` booked. Used when a document changes (an edited
/// time entry, a bill issued, stock received against a bill's line) and, with no entries, when
/// it is voided or deleted.
pub fn restate(conn: &mut DbConn, source: Source, entries: &[Entry]) -> Result<(), ApiError> {
    let standing = repo::standing_lines(conn, source)?;
    let mut now: Vec<Entry> = standing.iter().filter_map(LineRow::entry).collect();
    let mut wanted: Vec<Entry> = entries.iter().filter(|e| e.amount != 0).cloned().collect();
    now.sort();
    wanted.sort();
    if now == wanted && now.len() == standing.len() {
        return Ok(());
    }
    // The reversals' and the new lines' rollup changes in one sorted pass: a correction takes its
    // rollup rows in key order like any posting, so two corrections cannot deadlock on them.
    let mut changes = reverse_lines(conn, source, &standing)?;
    for (key, sums) in insert_lines(conn, &[(source, wanted)], false)? {
        let slot = changes.entry(key).or_default();
        slot.0 += sums.0;
        slot.1 += sums.1;
        slot.2 += sums.2;
        slot.3 += sums.3;
    }
    repo::add_to_rollups(conn, &changes)?;
    Ok(())
}

/// Reverses everything `source` booked.
pub fn reverse(conn: &mut DbConn, source: Source) -> Result<(), ApiError> {
    restate(conn, source, &[])
}
