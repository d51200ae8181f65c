//! The general ledger's rows and pure rules: account types and their normal side, entry states,
//! the lines an event or a person posts, and the checks a balanced entry passes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{accounts, journal_entries, journal_lines};

/// Where an account stands in the statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountType {
    pub const ALL: [AccountType; 5] =
        [AccountType::Asset, AccountType::Liability, AccountType::Equity, AccountType::Income, AccountType::Expense];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Asset => "asset",
            AccountType::Liability => "liability",
            AccountType::Equity => "equity",
            AccountType::Income => "income",
            AccountType::Expense => "expense",
        }
    }

    pub fn from_stored(raw: &str) -> Option<AccountType> {
        AccountType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// Assets and expenses grow with debits; the others with credits.
    pub fn grows_with_debits(self) -> bool {
        matches!(self, AccountType::Asset | AccountType::Expense)
    }

    /// The balance of `debit` and `credit` on this account's normal side (positive when normal).
    pub fn balance(self, debit: i64, credit: i64) -> i64 {
        if self.grows_with_debits() {
            debit - credit
        } else {
            credit - debit
        }
    }

    /// Income and expense accounts make the profit and loss; the others the balance sheet.
    pub fn is_profit_and_loss(self) -> bool {
        matches!(self, AccountType::Income | AccountType::Expense)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Written by finance, above the approval threshold: waits for another person's approval.
    PendingApproval,
    /// In the books: never changes; a correction is a reversing entry.
    Posted,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::PendingApproval => "pending_approval",
            EntryStatus::Posted => "posted",
        }
    }

    pub fn from_stored(raw: &str) -> EntryStatus {
        if raw == "posted" {
            EntryStatus::Posted
        } else {
            EntryStatus::PendingApproval
        }
    }
}

/// Who made an entry: an event of another module (an invoice issued, a payment, a stock issue…)
/// or a person (a manual entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Event,
    Manual,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Event => "event",
            Origin::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub account_type: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl AccountRow {
    pub fn kind(&self) -> AccountType {
        AccountType::from_stored(&self.account_type).unwrap_or(AccountType::Asset)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = journal_entries)]
pub struct EntryRow {
    pub id: i64,
    pub number: Option<String>,
    pub entry_date: NaiveDate,
    pub memo: String,
    pub origin: String,
    pub status: String,
    pub source_type: Option<String>,
    pub source_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub total_debit: i64,
    pub total_credit: i64,
    pub line_count: i32,
    pub created_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub posted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl EntryRow {
    pub fn status(&self) -> EntryStatus {
        EntryStatus::from_stored(&self.status)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = journal_lines)]
pub struct JournalLineRow {
    pub id: i64,
    pub entry_id: i64,
    pub account_id: i64,
    pub debit: i64,
    pub credit: i64,
    pub currency: String,
    pub amount: i64,
    pub rate: String,
    pub entry_date: NaiveDate,
    pub department_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
    pub memo: String,
}

/// The cost book's dimensions a journal line carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineDimensions {
    pub department_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
}

/// One line to post: an account, a signed amount in the transaction's currency (debit positive,
/// credit negative) and its base amount at the rate used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    pub account_id: i64,
    pub currency: String,
    pub amount: i64,
    pub rate: String,
    /// Minor units of the base currency, signed like `amount`.
    pub base: i64,
    pub dims: LineDimensions,
    pub memo: String,
}

impl PostingLine {
    pub fn debit(&self) -> i64 {
        self.base.max(0)
    }

    pub fn credit(&self) -> i64 {
        (-self.base).max(0)
    }

    /// The same line on the other side (a reversal's line).
    pub fn reversed(&self) -> PostingLine {
        PostingLine { amount: -self.amount, base: -self.base, ..self.clone() }
    }
}

impl From<&JournalLineRow> for PostingLine {
    fn from(row: &JournalLineRow) -> PostingLine {
        PostingLine {
            account_id: row.account_id,
            currency: row.currency.clone(),
            amount: row.amount,
            rate: row.rate.clone(),
            base: row.debit - row.credit,
            dims: LineDimensions {
                department_id: row.department_id,
                ticket_id: row.ticket_id,
                customer_id: row.customer_id,
                vendor_id: row.vendor_id,
                employee_id: row.employee_id,
                item_id: row.item_id,
            },
            memo: row.memo.clone(),
        }
    }
}

/// Why lines cannot make an entry, or None when they can: at least two lines, none of zero
/// base amount, and debits equal to credits in the base currency.
pub fn unbalanced(lines: &[PostingLine]) -> Option<String> {
    if lines.len() < 2 {
        return Some("an entry has at least two lines".into());
    }
    if let Some(i) = lines.iter().position(|l| l.base == 0) {
        return Some(format!("line {i} is zero in the base currency"));
    }
    let (debits, credits) = totals(lines);
    (debits != credits).then(|| format!("debits ({debits}) and credits ({credits}) differ in the base currency"))
}

/// The sums of the lines' base debits and credits, in minor units.
pub fn totals(lines: &[PostingLine]) -> (i64, i64) {
    lines.iter().fold((0i64, 0i64), |(d, c), l| (d.saturating_add(l.debit()), c.saturating_add(l.credit())))
}

/// Lines with the same account, currency, rate, dimensions and memo added into one, and lines that
/// come to nothing dropped: an event's entry as short as it can be.
pub fn merged(lines: Vec<PostingLine>) -> Vec<PostingLine> {
    let mut out: Vec<PostingLine> = Vec::with_capacity(lines.len());
    for line in lines {
        match out.iter_mut().find(|o| {
            o.account_id == line.account_id
                && o.currency == line.currency
                && o.rate == line.rate
                && o.dims == line.dims
                && o.memo == line.memo
                && o.base.signum() == line.base.signum()
        }) {
            Some(same) => {
                same.amount += line.amount;
                same.base += line.base;
            }
            None => out.push(line),
        }
    }
    out.retain(|l| l.base != 0 || l.amount != 0);
    out
}

/// The entry number: JE-YYYY-NNNNNN.
pub fn entry_number(year: i32, sequence: i64) -> String {
    format!("JE-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(account_id: i64, base: i64) -> PostingLine {
        PostingLine {
            account_id,
            currency: "EUR".into(),
            amount: base,
            rate: "1".into(),
            base,
            dims: LineDimensions::default(),
            memo: String::new(),
        }
    }

    #[test]
    fn an_entry_balances_in_the_base_currency() {
        assert_eq!(unbalanced(&[line(1, 1000), line(2, -1000)]), None);
        assert!(unbalanced(&[line(1, 1000), line(2, -999)]).is_some_and(|m| m.contains("differ")));
        assert!(unbalanced(&[line(1, 0), line(2, 0)]).is_some_and(|m| m.contains("zero")));
        assert!(unbalanced(&[line(1, 1000)]).is_some_and(|m| m.contains("two lines")));
        assert_eq!(totals(&[line(1, 700), line(3, 300), line(2, -1000)]), (1000, 1000));
    }

    #[test]
    fn merging_keeps_sides_apart_and_drops_nothing_that_counts() {
        let merged = merged(vec![line(1, 500), line(1, 250), line(2, -750), line(3, 0)]);
        assert_eq!(merged, vec![line(1, 750), line(2, -750)]);
        let both_sides = merged_sides();
        assert_eq!(both_sides.len(), 2, "a debit and a credit on one account stay two lines");
    }

    fn merged_sides() -> Vec<PostingLine> {
        merged(vec![line(1, 500), line(1, -200)])
    }

    #[test]
    fn normal_sides() {
        assert_eq!(AccountType::Asset.balance(1000, 400), 600);
        assert_eq!(AccountType::Income.balance(100, 900), 800);
        assert!(AccountType::Expense.is_profit_and_loss() && !AccountType::Liability.is_profit_and_loss());
        assert_eq!(entry_number(2026, 42), "JE-2026-000042");
    }
}
