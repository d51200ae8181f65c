//! What the financial statements share: the chart, posted debits and credits summed per account
//! (and per department or month when asked), and amounts shown in the base currency.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger::journal::{self, AccountRow, AccountType, MonthBalance};
use crate::money::{self, Currency};

/// Posted debits and credits of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides {
    pub debit: i64,
    pub credit: i64,
}

impl Sides {
    pub fn add(&mut self, row: &MonthBalance) {
        self.debit += row.debit;
        self.credit += row.credit;
    }
}

/// The chart by id, and the base currency.
pub struct Books {
    pub accounts: HashMap<i64, AccountRow>,
    pub base: Currency,
}

impl Books {
    pub fn load(conn: &mut DbConn) -> Result<Books, ApiError> {
        let accounts = journal::all_accounts(conn)?.into_iter().map(|a| (a.id, a)).collect();
        Ok(Books { accounts, base: crate::ledger::base_currency(conn)? })
    }

    pub fn amount(&self, minor: i64) -> String {
        money::format_amount(minor, self.base)
    }

    pub fn kind(&self, account_id: i64) -> AccountType {
        self.accounts.get(&account_id).map(AccountRow::kind).unwrap_or(AccountType::Asset)
    }

    /// The accounts of `sides` in code order, with what the chart says of them.
    pub fn in_code_order<'a, T>(&'a self, sides: &'a BTreeMap<i64, T>) -> Vec<(&'a AccountRow, &'a T)> {
        let mut rows: Vec<_> = sides.iter().filter_map(|(id, s)| Some((self.accounts.get(id)?, s))).collect();
        rows.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        rows
    }
}

/// Debits and credits per account over [from, to], of one department when given.
pub fn per_account(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    department_id: Option<i64>,
) -> Result<BTreeMap<i64, Sides>, ApiError> {
    let mut sides: BTreeMap<i64, Sides> = BTreeMap::new();
    for row in journal::balances(conn, from, to)? {
        if department_id.is_some_and(|d| d != row.department_id) {
            continue;
        }
        sides.entry(row.account_id).or_default().add(&row);
    }
    Ok(sides)
}
