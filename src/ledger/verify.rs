//! `opsdesk ledger verify`: recomputes every monthly rollup of the cost book from its lines and
//! reports the rows that differ, checks that every reversal mirrors the line it reverses, and
//! does the same for the general ledger: its monthly balances against its posted lines, and the
//! trial balance's two sides.

use std::collections::BTreeMap;

use super::model::{Dimension, Kind, LineRow};
use super::repo::{self, RollupKey, RollupSums};
use crate::db::DbConn;
use crate::error::ApiError;

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: i64,
    pub rollup_rows: usize,
    /// Lines without a base amount (booked from older data before their rate was known).
    pub without_base: i64,
    /// General ledger: monthly balance rows, and the sums of all posted debits and credits.
    pub balance_rows: usize,
    pub total_debit: i64,
    pub total_credit: i64,
    /// One sentence per difference.
    pub differences: Vec<String>,
}

const BATCH: i64 = 10_000;

pub fn run(conn: &mut DbConn) -> Result<Report, ApiError> {
    let mut report = Report::default();
    check_general_ledger(conn, &mut report)?;
    let mut expected: BTreeMap<RollupKey, RollupSums> = BTreeMap::new();
    let mut amounts: std::collections::HashMap<i64, (i64, Option<i64>)> = Default::default();
    let mut after = 0;
    loop {
        let lines: Vec<LineRow> = repo::lines_after(conn, after, BATCH)?;
        let Some(last) = lines.last() else { break };
        after = last.id;
        for line in &lines {
            report.lines += 1;
            if line.base_amount.is_none() {
                report.without_base += 1;
            }
            let Some(entry) = line.entry() else {
                report.differences.push(format!("line {}: unknown kind {:?}", line.id, line.kind));
                continue;
            };
            if let Some(reversed) = line.reverses_id {
                match amounts.get(&reversed) {
                    Some((amount, base)) if *amount == -line.amount && *base == line.base_amount.map(|b| -b) => {}
                    _ => report
                        .differences
                        .push(format!("line {} does not mirror line {reversed}, which it reverses", line.id)),
                }
            } else {
                amounts.insert(line.id, (line.amount, line.base_amount));
            }
            let count = if line.reverses_id.is_some() { -1 } else { 1 };
            for (key, sums) in repo::rollup_changes([(&entry, line.base_amount, count)]) {
                let slot = expected.entry(key).or_default();
                slot.0 += sums.0;
                slot.1 += sums.1;
                slot.2 += sums.2;
                slot.3 += sums.3;
            }
        }
    }
    let stored = repo::all_rollups(conn)?;
    report.rollup_rows = stored.len();
    let mut seen = std::collections::HashSet::new();
    for row in stored {
        let dimension = Dimension::ROLLED.into_iter().find(|d| d.as_str() == row.dimension).map(Dimension::as_str);
        let kind = Kind::from_stored(&row.kind).map(Kind::as_str);
        let key: Option<RollupKey> = match (dimension, kind, i32::try_from(row.year), u32::try_from(row.month)) {
            (Some(d), Some(k), Ok(y), Ok(m)) => {
                Some((d, row.dimension_id, y, m, k, row.category.clone(), row.currency.clone()))
            }
            _ => None,
        };
        let want = key.as_ref().and_then(|k| expected.get(k)).copied().unwrap_or_default();
        if let Some(k) = key {
            seen.insert(k);
        }
        if want != (row.amount, row.base_amount, row.quantity, row.lines) {
            report.differences.push(format!(
                "rollup {} {} {}-{:02} {} {} {}: holds {}/{}/{} (amount/base/lines), the lines say {}/{}/{}",
                row.dimension,
                row.dimension_id,
                row.year,
                row.month,
                row.kind,
                row.category,
                row.currency,
                row.amount,
                row.base_amount,
                row.lines,
                want.0,
                want.1,
                want.2
            ));
        }
    }
    for (key, sums) in expected {
        if !seen.contains(&key) && sums != (0, 0, 0, 0) {
            report.differences.push(format!(
                "rollup {} {} {}-{:02} {} {} {} is missing: the lines say {}/{}/{}/{}",
                key.0, key.1, key.2, key.3, key.4, key.5, key.6, sums.0, sums.1, sums.2, sums.3
            ));
        }
    }
    Ok(report)
}

/// The general ledger's monthly balances equal its posted lines, and debits equal credits.
fn check_general_ledger(conn: &mut DbConn, report: &mut Report) -> Result<(), ApiError> {
    use super::journal::{all_balances, recomputed_balances};
    type Key = (i64, i64, i64, i64);
    let key = |b: &super::journal::MonthBalance| (b.account_id, b.department_id, b.year, b.month);
    let stored: BTreeMap<Key, (i64, i64)> = all_balances(conn)?.iter().map(|b| (key(b), (b.debit, b.credit))).collect();
    let lines: BTreeMap<Key, (i64, i64)> =
        recomputed_balances(conn)?.iter().map(|b| (key(b), (b.debit, b.credit))).collect();
    report.balance_rows = stored.len();
    for (k, (debit, credit)) in &lines {
        report.total_debit += debit;
        report.total_credit += credit;
        let held = stored.get(k).copied().unwrap_or((0, 0));
        if held != (*debit, *credit) {
            report.differences.push(format!(
                "account balance {} department {} {}-{:02}: holds {}/{} (debit/credit), the posted lines say {debit}/{credit}",
                k.0, k.1, k.2, k.3, held.0, held.1
            ));
        }
    }
    for (k, held) in &stored {
        if !lines.contains_key(k) && *held != (0, 0) {
            report.differences.push(format!(
                "account balance {} department {} {}-{:02} holds {}/{} but no posted line says so",
                k.0, k.1, k.2, k.3, held.0, held.1
            ));
        }
    }
    if report.total_debit != report.total_credit {
        report
            .differences
            .push(format!("the posted debits ({}) and credits ({}) differ", report.total_debit, report.total_credit));
    }
    Ok(())
}
