//! What issued receivables and payables still owe, per party, currency and due date
//! (`open_balances`), kept on write so that today's aging report reads these few rows instead of
//! every open invoice with its payments and credit notes.
//!
//! Every change of an invoice's balance (issue, payment, payment removed, credit note issued or
//! voided, void) yields [`BalanceChanges`], which the handler applies as the last write of its
//! transaction. Last, because the journal's counter is taken by every one of those transactions:
//! were these rows taken before it in one and after it in another, PostgreSQL would deadlock them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::super::model::{InvoiceRow, InvoiceStatus};
use crate::db::schema::{invoices, open_balances};
use crate::db::sql::{execute, Bind};
use crate::db::DbConn;

/// The row of `open_balances` an invoice counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: String,
    party_id: i64,
    currency: String,
    due_date: NaiveDate,
}

/// What `row` counts for as it stands: an issued receivable or payable with something left to
/// pay counts its balance and itself; anything else (drafts, void, paid, credit notes: a balance
/// of nothing, `InvoiceRow::balance`) nothing.
fn counted(row: &InvoiceRow) -> Option<(Key, i64)> {
    let balance = row.balance();
    match (balance > 0, row.customer_id.or(row.vendor_id), row.due_date) {
        (true, Some(party_id), Some(due_date)) => {
            Some((Key { kind: row.kind.clone(), party_id, currency: row.currency.clone(), due_date }, balance))
        }
        _ => None,
    }
}

/// Changes to `open_balances` not yet written: apply them as the transaction's last write.
#[must_use = "apply the changes at the end of the transaction"]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BalanceChanges(BTreeMap<Key, (i64, i64)>);

impl BalanceChanges {
    /// From one state of an invoice to the next (a draft issued, a payment, a void…).
    pub fn between(before: &InvoiceRow, after: &InvoiceRow) -> BalanceChanges {
        let mut changes = BTreeMap::new();
        for (row, sign) in [(before, -1), (after, 1)] {
            if let Some((key, balance)) = counted(row) {
                let (amount, invoices) = changes.entry(key).or_insert((0, 0));
                *amount += sign * balance;
                *invoices += sign;
            }
        }
        changes.retain(|_, change| *change != (0, 0));
        BalanceChanges(changes)
    }

    /// Adds the changes, then deletes the rows they brought to nothing (so that the table holds
    /// what is open, not every due date there ever was).
    pub fn apply(self, conn: &mut DbConn) -> QueryResult<()> {
        for (key, (amount, invoices)) in self.0 {
            let row =
                [Bind::Text(key.kind), Bind::BigInt(key.party_id), Bind::Text(key.currency), Bind::Day(key.due_date)];
            let mut binds = row.to_vec();
            binds.extend([Bind::BigInt(amount), Bind::BigInt(invoices)]);
            execute(
                conn,
                "INSERT INTO open_balances (kind, party_id, currency, due_date, amount, invoices) \
                 VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (kind, party_id, currency, due_date) DO UPDATE SET \
                   amount = open_balances.amount + excluded.amount, \
                   invoices = open_balances.invoices + excluded.invoices",
                &binds,
            )?;
            execute(
                conn,
                "DELETE FROM open_balances WHERE kind = ? AND party_id = ? AND currency = ? AND due_date = ? \
                 AND amount = 0 AND invoices = 0",
                &row,
            )?;
        }
        Ok(())
    }
}

/// Differences between `open_balances` and the invoices it sums, one sentence each
/// (`opsdesk ledger verify`).
pub fn differences(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let open_statuses = [InvoiceStatus::Issued.as_str(), InvoiceStatus::PartiallyPaid.as_str()];
    let rows: Vec<InvoiceRow> =
        invoices::table.filter(invoices::status.eq_any(open_statuses)).select(InvoiceRow::as_select()).load(conn)?;
    let mut expected: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for row in &rows {
        if let Some((key, balance)) = counted(row) {
            let (amount, invoices) = expected.entry(key).or_default();
            *amount += balance;
            *invoices += 1;
        }
    }
    let stored: Vec<(String, i64, String, NaiveDate, i64, i64)> = open_balances::table
        .select((
            open_balances::kind,
            open_balances::party_id,
            open_balances::currency,
            open_balances::due_date,
            open_balances::amount,
            open_balances::invoices,
        ))
        .load(conn)?;
    let mut differences = Vec::new();
    for (kind, party_id, currency, due_date, amount, invoices) in stored {
        let key = Key { kind, party_id, currency, due_date };
        let documents = expected.remove(&key).unwrap_or((0, 0));
        if documents != (amount, invoices) {
            differences.push(difference(&key, (amount, invoices), documents));
        }
    }
    for (key, documents) in expected {
        differences.push(difference(&key, (0, 0), documents));
    }
    Ok(differences)
}

fn difference(key: &Key, stored: (i64, i64), documents: (i64, i64)) -> String {
    format!(
        "open {} balance of party {} in {} due {}: the rollup holds {} on {} invoices, the documents say {} on {}",
        key.kind, key.party_id, key.currency, key.due_date, stored.0, stored.1, documents.0, documents.1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(status: &str, total: i64, paid: i64, credited: i64) -> InvoiceRow {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
        InvoiceRow {
            id: 1,
            kind: "receivable".into(),
            status: status.into(),
            customer_id: Some(7),
            vendor_id: None,
            credited_invoice_id: None,
            number: None,
            vendor_reference: None,
            currency: "EUR".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            due_date: NaiveDate::from_ymd_opt(2026, 1, 31),
            notes: None,
            subtotal: total,
            tax_total: 0,
            total,
            paid_total: paid,
            credited_total: credited,
            paid_on: None,
            void_reason: None,
            issued_at: None,
            voided_at: None,
            created_by: None,
            created_at: at,
            updated_at: at,
            version: 1,
            match_override_reason: None,
        }
    }

    fn only(changes: &BalanceChanges) -> Option<(i64, i64)> {
        (changes.0.len() == 1).then(|| changes.0.values().next().copied()).flatten()
    }

    #[test]
    fn issuing_paying_and_voiding_move_the_balance() {
        let draft = invoice("draft", 1000, 0, 0);
        let issued = invoice("issued", 1000, 0, 0);
        assert_eq!(only(&BalanceChanges::between(&draft, &issued)), Some((1000, 1)));
        let part_paid = invoice("partially_paid", 1000, 300, 0);
        assert_eq!(only(&BalanceChanges::between(&issued, &part_paid)), Some((-300, 0)));
        let paid = invoice("paid", 1000, 700, 300);
        assert_eq!(only(&BalanceChanges::between(&part_paid, &paid)), Some((-700, -1)));
        // A payment removed opens it again.
        assert_eq!(only(&BalanceChanges::between(&paid, &part_paid)), Some((700, 1)));
        assert_eq!(only(&BalanceChanges::between(&issued, &invoice("void", 1000, 0, 0))), Some((-1000, -1)));
    }

    #[test]
    fn credit_notes_and_drafts_count_for_nothing() {
        let mut note = invoice("issued", 500, 0, 0);
        note.kind = "credit_note".into();
        let mut draft = note.clone();
        draft.status = "draft".into();
        assert_eq!(BalanceChanges::between(&draft, &note), BalanceChanges::default());
        let draft_invoice = invoice("draft", 1000, 0, 0);
        let mut edited = draft_invoice.clone();
        edited.total = 2000;
        assert_eq!(BalanceChanges::between(&draft_invoice, &edited), BalanceChanges::default());
    }
}
