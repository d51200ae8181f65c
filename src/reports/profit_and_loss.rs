//! `/api/v1/reports/profit-and-loss?from&to`: income and expenses per account over a period from
//! the general ledger, for the company or one department, optionally per month or per department,
//! and compared with the period before or the same period a year before.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::books::{per_account, Books, Sides};
use super::permissions;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::csv::{self, Format, FormatQuery, Negotiated, Table};
use crate::ledger::journal::{self, AccountType};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfitColumns {
    Month,
    Department,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The same number of days just before `from`.
    PreviousPeriod,
    /// The same days a year before.
    PreviousYear,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfitQuery {
    /// First day (default: the first of January of `to`'s year).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day, included (default: today). At most 366 days after `from`.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Only the lines charged to this department.
    pub department_id: Option<i64>,
    /// `month` or `department`: each account's amount per month or per department as well.
    #[param(inline)]
    pub group_by: Option<ProfitColumns>,
    /// `previous_period` or `previous_year`: the same accounts over that period too.
    #[param(inline)]
    pub compare: Option<Comparison>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnAmount {
    /// `YYYY-MM`, or a department id (`0`: no department).
    pub key: String,
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfitRow {
    pub account_id: i64,
    pub code: String,
    pub name: String,
    pub account_type: AccountType,
    /// On the account's normal side: income as earned, expenses as spent.
    pub amount: String,
    /// The comparison period's amount, when asked.
    pub compare_amount: Option<String>,
    /// Per month or department, when asked.
    pub columns: Option<Vec<ColumnAmount>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfitTotals {
    pub income: String,
    pub expenses: String,
    /// Income less expenses.
    pub net_profit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfitAndLoss {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub department_id: Option<i64>,
    pub base_currency: String,
    pub income: Vec<ProfitRow>,
    pub expenses: Vec<ProfitRow>,
    pub totals: ProfitTotals,
    /// The comparison period and its totals, when asked.
    pub compare_from: Option<NaiveDate>,
    pub compare_to: Option<NaiveDate>,
    pub compare_totals: Option<ProfitTotals>,
}

fn compared_period(from: NaiveDate, to: NaiveDate, compare: Comparison) -> Option<(NaiveDate, NaiveDate)> {
    match compare {
        Comparison::PreviousPeriod => {
            let days = (to - from).num_days();
            let end = from.pred_opt()?;
            Some((end - chrono::Duration::days(days), end))
        }
        Comparison::PreviousYear => {
            Some((from.checked_sub_months(Months::new(12))?, to.checked_sub_months(Months::new(12))?))
        }
    }
}

/// Amounts per account and column key over [from, to].
fn columns(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    department_id: Option<i64>,
    by: ProfitColumns,
) -> Result<BTreeMap<i64, BTreeMap<String, Sides>>, ApiError> {
    let mut out: BTreeMap<i64, BTreeMap<String, Sides>> = BTreeMap::new();
    for row in journal::balances(conn, from, to)? {
        if department_id.is_some_and(|d| d != row.department_id) {
            continue;
        }
        let key = match by {
            ProfitColumns::Month => format!("{:04}-{:02}", row.year, row.month),
            ProfitColumns::Department => row.department_id.to_string(),
        };
        out.entry(row.account_id).or_default().entry(key).or_default().add(&row);
    }
    Ok(out)
}

fn totals(books: &Books, sides: &BTreeMap<i64, Sides>) -> (i64, i64) {
    sides.iter().fold((0, 0), |(income, expenses), (id, s)| match books.kind(*id) {
        AccountType::Income => (income + AccountType::Income.balance(s.debit, s.credit), expenses),
        AccountType::Expense => (income, expenses + AccountType::Expense.balance(s.debit, s.credit)),
        _ => (income, expenses),
    })
}

fn totals_view(books: &Books, (income, expenses): (i64, i64)) -> ProfitTotals {
    ProfitTotals {
        income: books.amount(income),
        expenses: books.amount(expenses),
        net_profit: books.amount(income - expenses),
    }
}

/// Income and expenses per account over a period (finance, auditor, admin).
#[utoipa::path(
    operation_id = "get_profit_and_loss",
    tag = "reports",
    params(ProfitQuery, FormatQuery),
    responses((status = 200, description = "The profit and loss (or text/csv)", content((ProfitAndLoss = "application/json"), (String = "text/csv"))))
)]
#[get("/reports/profit-and-loss")]
pub async fn profit_and_loss(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ProfitQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STATEMENTS)?;
    let query = query.into_inner();
    let (from, to) =
        crate::dates::report_period(query.from, query.to, |to| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to))?;
    let compared = match query.compare {
        Some(compare) => Some(
            compared_period(from, to, compare)
                .ok_or_else(|| ApiError::invalid_parameter("compare", "no such period before the calendar begins"))?,
        ),
        None => None,
    };
    let (department_id, group_by) = (query.department_id, query.group_by);
    let report = db::run_heavy(&state.pool, move |conn| {
        let books = Books::load(conn)?;
        let sides = per_account(conn, from, to, department_id)?;
        let before = match compared {
            Some((f, t)) => Some(per_account(conn, f, t, department_id)?),
            None => None,
        };
        let by_column = match group_by {
            Some(by) => Some(columns(conn, from, to, department_id, by)?),
            None => None,
        };
        let mut accounts: BTreeMap<i64, Sides> = sides.clone();
        for id in before.iter().flat_map(|b| b.keys()) {
            accounts.entry(*id).or_default();
        }
        let (mut income, mut expenses) = (Vec::new(), Vec::new());
        for (account, s) in books.in_code_order(&accounts) {
            let kind = account.kind();
            if !kind.is_profit_and_loss() {
                continue;
            }
            let row = ProfitRow {
                account_id: account.id,
                code: account.code.clone(),
                name: account.name.clone(),
                account_type: kind,
                amount: books.amount(kind.balance(s.debit, s.credit)),
                compare_amount: before.as_ref().map(|b| {
                    let s = b.get(&account.id).copied().unwrap_or_default();
                    books.amount(kind.balance(s.debit, s.credit))
                }),
                columns: by_column.as_ref().map(|c| {
                    c.get(&account.id)
                        .map(|cols| {
                            cols.iter()
                                .map(|(key, s)| ColumnAmount {
                                    key: key.clone(),
                                    amount: books.amount(kind.balance(s.debit, s.credit)),
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                }),
            };
            if kind == AccountType::Income {
                income.push(row);
            } else {
                expenses.push(row);
            }
        }
        Ok(ProfitAndLoss {
            from,
            to,
            department_id,
            base_currency: books.base.code().to_string(),
            income,
            expenses,
            totals: totals_view(&books, totals(&books, &sides)),
            compare_from: compared.map(|(f, _)| f),
            compare_to: compared.map(|(_, t)| t),
            compare_totals: before.as_ref().map(|b| totals_view(&books, totals(&books, b))),
        })
    })
    .await?;
    if format == Format::Csv {
        let row = |r: &ProfitRow| {
            vec![
                r.code.clone(),
                r.name.clone(),
                r.account_type.as_str().into(),
                r.amount.clone(),
                r.compare_amount.clone().unwrap_or_default(),
            ]
        };
        let mut rows: Vec<Vec<String>> = report.income.iter().chain(report.expenses.iter()).map(row).collect();
        let compare = report.compare_totals.as_ref();
        rows.push(vec![
            "".into(),
            "Income".into(),
            "".into(),
            report.totals.income.clone(),
            compare.map(|t| t.income.clone()).unwrap_or_default(),
        ]);
        rows.push(vec![
            "".into(),
            "Expenses".into(),
            "".into(),
            report.totals.expenses.clone(),
            compare.map(|t| t.expenses.clone()).unwrap_or_default(),
        ]);
        rows.push(vec![
            "".into(),
            "Net profit".into(),
            "".into(),
            report.totals.net_profit.clone(),
            compare.map(|t| t.net_profit.clone()).unwrap_or_default(),
        ]);
        let table = Table::new(&["code", "name", "type", "amount", "compare_amount"], rows);
        return Ok(csv::response(&format!("profit-and-loss-{from}-{to}.csv"), &table));
    }
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn comparison_periods() {
        assert_eq!(
            compared_period(day("2026-03-01"), day("2026-03-31"), Comparison::PreviousPeriod),
            Some((day("2026-01-29"), day("2026-02-28")))
        );
        assert_eq!(
            compared_period(day("2026-01-01"), day("2026-06-30"), Comparison::PreviousYear),
            Some((day("2025-01-01"), day("2025-06-30")))
        );
    }
}
