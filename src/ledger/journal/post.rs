//! Posting to the general ledger: events post their entry in their own transaction, a changed
//! document restates its entry (a reversing entry and a new one), and a person's entry is posted
//! at once or after another person's approval. Every entry is numbered gaplessly per year when
//! it is posted; the database checks that it balances and is not dated in a locked period.

use chrono::{Datelike, NaiveDate};

use super::model::{entry_number, merged, unbalanced, EntryRow, EntryStatus, LineDimensions, Origin, PostingLine};
use super::repo::{self, NewEntry};
use crate::db::{counters, DbConn};
use crate::error::ApiError;

/// The document an event entry comes from ("invoice", "payment", "stock_movement") and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSource {
    pub kind: &'static str,
    pub id: i64,
}

/// The account the posting map names for `event`. A tax rate's own event ("output_tax.2000")
/// falls back to its tax ("output_tax"), an expense category without its own account to
/// "expense.other"; an event the map does not know is 409 naming it.
pub fn account_for(conn: &mut DbConn, event: &str) -> Result<i64, ApiError> {
    let mut tried = event.to_string();
    loop {
        if let Some(row) = repo::mapped(conn, &tried)? {
            return Ok(row.account_id);
        }
        tried = match tried.rsplit_once('.') {
            Some((tax, _)) if tax.ends_with("_tax") => tax.to_string(),
            Some(("expense", other)) if other != "other" => "expense.other".to_string(),
            _ => {
                return Err(ApiError::Conflict(format!(
                "the posting map names no account for {event:?}: finance sets one with PUT /api/v1/posting-map/{event}"
            )))
            }
        };
    }
}

/// A line of `amount` (signed: debit positive) of `currency` on `day`, to the account the map
/// names for `event`, converted at the day's rate.
pub fn event_line(
    conn: &mut DbConn,
    event: &str,
    currency: &str,
    amount: i64,
    day: NaiveDate,
    dims: LineDimensions,
) -> Result<PostingLine, ApiError> {
    let account_id = account_for(conn, event)?;
    let (rate, base) = crate::ledger::to_base_on(conn, currency, amount, day)?;
    Ok(PostingLine { account_id, currency: currency.to_string(), amount, rate, base, dims, memo: String::new() })
}

/// The rate at which the standing entry of `source` posted to the account of `event` (a
/// document's receivable or payable), to settle it at the same rate; None when it posted none.
pub fn standing_rate(conn: &mut DbConn, source: EventSource, event: &str) -> Result<Option<String>, ApiError> {
    let account = account_for(conn, event)?;
    let ids: Vec<i64> = repo::standing_entries(conn, source.kind, source.id)?.iter().map(|e| e.id).collect();
    Ok(repo::lines_of(conn, &ids)?.into_iter().find(|l| l.account_id == account).map(|l| l.rate))
}

/// What the account the map names for `event` holds per transaction currency (debit positive):
/// a control account's balance in each currency, for reconciling it with its subledger.
pub fn control_amounts(conn: &mut DbConn, event: &str) -> Result<std::collections::BTreeMap<String, i64>, ApiError> {
    let account = account_for(conn, event)?;
    Ok(repo::amounts_by_currency(conn, account)?.into_iter().collect())
}

/// Makes lines converted one by one balance in the base currency: a difference of rounding (at
/// most a minor unit per line) goes to the largest line of the side that is short. Lines in the
/// base currency alone are never adjusted, since they balance already.
pub fn settle_rounding(lines: &mut [PostingLine]) {
    let difference: i64 = lines.iter().map(|l| l.base).sum();
    if difference == 0 || difference.abs() > lines.len() as i64 {
        return;
    }
    let short_side_is_credit = difference > 0;
    let largest = lines
        .iter_mut()
        .filter(|l| if short_side_is_credit { l.base < 0 } else { l.base > 0 })
        .max_by_key(|l| l.base.abs());
    if let Some(line) = largest {
        line.base -= difference;
    }
}

/// The first day a posting may be dated on `day`: the day itself, or the day after the lock date
/// when `day` is in a locked period (a correction is dated in the open period).
pub fn open_day(conn: &mut DbConn, day: NaiveDate) -> Result<NaiveDate, ApiError> {
    Ok(match repo::lock_date(conn)? {
        Some(lock) if day <= lock => lock.succ_opt().unwrap_or(lock),
        _ => day,
    })
}

/// 422 naming `field` when `day` is on or before the lock date (for dates people type: a
/// movement's day, a payment's day, a manual entry's date).
pub fn check_open(conn: &mut DbConn, day: NaiveDate, field: &str) -> Result<(), ApiError> {
    match repo::lock_date(conn)? {
        Some(lock) if day <= lock => Err(ApiError::invalid(
            field,
            format!("the books are locked up to {lock}: date it after, or ask an admin to unlock"),
        )),
        _ => Ok(()),
    }
}

/// Writes and posts an entry; returns its id. The lines must balance (checked here with a clear
/// message, and by the database).
fn post_entry(conn: &mut DbConn, entry: &NewEntry, lines: &[PostingLine]) -> Result<i64, ApiError> {
    if let Some(why) = unbalanced(lines) {
        return Err(ApiError::invalid("/lines", why));
    }
    let id = repo::insert_entry(conn, entry, lines)?;
    publish(conn, id, entry.entry_date, None)?;
    Ok(id)
}

/// Gives entry `id` its number and posts it.
fn publish(conn: &mut DbConn, id: i64, day: NaiveDate, approved_by: Option<i64>) -> Result<String, ApiError> {
    let year = day.year();
    let number = entry_number(year, counters::next(conn, &format!("journal:{year}"))?);
    if !repo::mark_posted(conn, id, &number, approved_by)? {
        return Err(ApiError::Conflict(format!("journal entry {id} is posted already")));
    }
    Ok(number)
}

/// What an event's document posts in its present state, replacing what it posted before: when
/// the lines differ from those standing, the standing entries are reversed (dated as they were,
/// or on the first open day) and the new lines posted on `day` (or the first open day). Call in
/// the event's transaction. Empty `lines` only reverses (a void, a deleted payment).
pub fn restate(
    conn: &mut DbConn,
    source: EventSource,
    day: NaiveDate,
    memo: &str,
    lines: Vec<PostingLine>,
) -> Result<(), ApiError> {
    let mut wanted = merged(lines);
    settle_rounding(&mut wanted);
    let standing = repo::standing_entries(conn, source.kind, source.id)?;
    let ids: Vec<i64> = standing.iter().map(|e| e.id).collect();
    let standing_lines: Vec<PostingLine> = repo::lines_of(conn, &ids)?.iter().map(PostingLine::from).collect();
    if same_lines(&merged(standing_lines), &wanted) {
        return Ok(());
    }
    for entry in &standing {
        reverse(conn, entry, None, &format!("reverses {}", entry.number.as_deref().unwrap_or("?")), None)?;
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let entry_date = open_day(conn, day)?;
    let entry = NewEntry {
        entry_date,
        memo,
        origin: Origin::Event,
        source: Some((source.kind, source.id)),
        reverses_id: None,
        created_by: None,
    };
    post_entry(conn, &entry, &wanted)?;
    Ok(())
}

fn same_lines(a: &[PostingLine], b: &[PostingLine]) -> bool {
    let key = |l: &PostingLine| (l.account_id, l.currency.clone(), l.amount, l.base, l.dims, l.memo.clone());
    let mut a: Vec<_> = a.iter().map(key).collect();
    let mut b: Vec<_> = b.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// Posts the reversal of a posted entry: the same lines on the other side, dated `day` (default:
/// the entry's date), or the first open day when that is locked. Returns the reversal's id.
pub fn reverse(
    conn: &mut DbConn,
    entry: &EntryRow,
    day: Option<NaiveDate>,
    memo: &str,
    by: Option<i64>,
) -> Result<i64, ApiError> {
    if entry.status() != EntryStatus::Posted {
        return Err(ApiError::Conflict(format!("journal entry {} is not posted; delete it instead", entry.id)));
    }
    if let Some(existing) = repo::reversal_of(conn, entry.id)? {
        return Err(ApiError::Conflict(format!(
            "journal entry {} is reversed already (by entry {existing})",
            entry.id
        )));
    }
    if entry.reverses_id.is_some() {
        return Err(ApiError::Conflict(format!(
            "journal entry {} is itself a reversal: post a new entry instead",
            entry.id
        )));
    }
    let lines: Vec<PostingLine> =
        repo::lines_of(conn, &[entry.id])?.iter().map(|l| PostingLine::from(l).reversed()).collect();
    let entry_date = open_day(conn, day.unwrap_or(entry.entry_date).max(entry.entry_date))?;
    let source = match (&entry.source_type, entry.source_id) {
        (Some(kind), Some(id)) => Some((kind.as_str(), id)),
        _ => None,
    };
    let new = NewEntry {
        entry_date,
        memo,
        origin: if source.is_some() { Origin::Event } else { Origin::Manual },
        source,
        reverses_id: Some(entry.id),
        created_by: by,
    };
    post_entry(conn, &new, &lines)
}

/// A person's entry: posted at once when its debits are at most `approval_above` (minor units of
/// the base currency), else written and left for another person's approval.
pub fn write_manual(
    conn: &mut DbConn,
    day: NaiveDate,
    memo: &str,
    lines: Vec<PostingLine>,
    by: i64,
    approval_above: i64,
) -> Result<i64, ApiError> {
    if let Some(why) = unbalanced(&lines) {
        return Err(ApiError::invalid("/lines", why));
    }
    check_open(conn, day, "/entry_date")?;
    let entry = NewEntry {
        entry_date: day,
        memo,
        origin: Origin::Manual,
        source: None,
        reverses_id: None,
        created_by: Some(by),
    };
    let id = repo::insert_entry(conn, &entry, &lines)?;
    let (debits, _) = super::model::totals(&lines);
    if debits <= approval_above {
        publish(conn, id, day, None)?;
    }
    Ok(id)
}

/// Approves and posts an entry waiting for approval; its writer may not approve it.
pub fn approve(conn: &mut DbConn, entry: &EntryRow, by: i64) -> Result<(), ApiError> {
    if entry.status() == EntryStatus::Posted {
        return Err(ApiError::Conflict(format!("journal entry {} is posted already", entry.id)));
    }
    if entry.created_by == Some(by) {
        return Err(ApiError::Forbidden("the person who wrote an entry does not approve it".into()));
    }
    check_open(conn, entry.entry_date, "/entry_date")?;
    publish(conn, entry.id, entry.entry_date, Some(by))?;
    Ok(())
}

/// How many records older than the general ledger are posted a transaction (each producer's
/// `post_existing…` takes this many).
pub const HISTORY_BATCH: i64 = 1000;

/// After batch number `batches` of the history: the tables it fills are kept analyzed as they
/// grow (see `db::bulk`).
pub fn history_batch_done(conn: &mut DbConn, batches: u64) -> Result<(), ApiError> {
    Ok(crate::db::bulk::batch_done(conn, &["journal_entries", "journal_lines", "account_balances"], batches)?)
}

/// The lines of a record older than the general ledger, or None (counted in `skipped`) when they
/// cannot be worked out from what the books hold (no exchange rate for the day).
pub fn skip_unpostable(
    lines: Result<Vec<PostingLine>, ApiError>,
    skipped: &mut usize,
) -> Result<Option<Vec<PostingLine>>, ApiError> {
    match lines {
        Ok(lines) => Ok(Some(lines)),
        Err(ApiError::Invalid(_)) => {
            *skipped += 1;
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(base: i64) -> PostingLine {
        PostingLine {
            account_id: 1,
            currency: "USD".into(),
            amount: base,
            rate: "0.9".into(),
            base,
            dims: LineDimensions::default(),
            memo: String::new(),
        }
    }

    #[test]
    fn rounding_goes_to_the_largest_line_of_the_short_side() {
        let mut lines = vec![line(1000), line(-333), line(-666)];
        settle_rounding(&mut lines);
        assert_eq!(lines.iter().map(|l| l.base).collect::<Vec<_>>(), vec![1000, -333, -667]);
        let mut far_off = vec![line(1000), line(-900)];
        settle_rounding(&mut far_off);
        assert_eq!(far_off[1].base, -900, "a real difference is not rounding: left for the balance check");
    }
}
