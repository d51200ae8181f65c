//! `/api/v1/reports/balance-sheet?as_of`: assets, liabilities and equity on a day from the
//! general ledger. The books are not closed into retained earnings by entries, so the profit to
//! date (income less expenses since the books began) shows as its own line of equity, and assets
//! equal liabilities plus equity.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::books::{per_account, Books};
use super::permissions;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, Format, FormatQuery, Negotiated, Table};
use crate::ledger::journal::{self, AccountType};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceSheetQuery {
    /// The day, included (default: today).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceRow {
    pub account_id: i64,
    pub code: String,
    pub name: String,
    /// On the account's normal side.
    pub balance: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceSheet {
    pub as_of: NaiveDate,
    pub base_currency: String,
    pub assets: Vec<BalanceRow>,
    pub liabilities: Vec<BalanceRow>,
    pub equity: Vec<BalanceRow>,
    /// Income less expenses since the books began, up to `as_of`: part of equity.
    pub profit_to_date: String,
    pub total_assets: String,
    pub total_liabilities: String,
    /// The equity accounts plus the profit to date.
    pub total_equity: String,
}

/// Assets, liabilities and equity on a day (finance, auditor, admin). `?format=csv` for a
/// spreadsheet.
#[utoipa::path(
    operation_id = "get_balance_sheet",
    tag = "reports",
    params(BalanceSheetQuery, FormatQuery),
    responses((status = 200, description = "The balance sheet (or text/csv)", content((BalanceSheet = "application/json"), (String = "text/csv"))))
)]
#[get("/reports/balance-sheet")]
pub async fn balance_sheet(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<BalanceSheetQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STATEMENTS)?;
    let as_of = query.as_of.unwrap_or_else(crate::clock::today);
    let report = db::run_heavy(&state.pool, move |conn| {
        let books = Books::load(conn)?;
        let sides = per_account(conn, journal::beginning(), as_of, None)?;
        let (mut assets, mut liabilities, mut equity) = (Vec::new(), Vec::new(), Vec::new());
        let (mut total_assets, mut total_liabilities, mut total_equity, mut profit) = (0i64, 0i64, 0i64, 0i64);
        for (account, s) in books.in_code_order(&sides) {
            let kind = account.kind();
            let balance = kind.balance(s.debit, s.credit);
            let row = || BalanceRow {
                account_id: account.id,
                code: account.code.clone(),
                name: account.name.clone(),
                balance: books.amount(balance),
            };
            match kind {
                AccountType::Asset => {
                    total_assets += balance;
                    assets.push(row());
                }
                AccountType::Liability => {
                    total_liabilities += balance;
                    liabilities.push(row());
                }
                AccountType::Equity => {
                    total_equity += balance;
                    equity.push(row());
                }
                AccountType::Income => profit += balance,
                AccountType::Expense => profit -= balance,
            }
        }
        Ok(BalanceSheet {
            as_of,
            base_currency: books.base.code().to_string(),
            assets,
            liabilities,
            equity,
            profit_to_date: books.amount(profit),
            total_assets: books.amount(total_assets),
            total_liabilities: books.amount(total_liabilities),
            total_equity: books.amount(total_equity + profit),
        })
    })
    .await?;
    if format == Format::Csv {
        let mut rows = Vec::new();
        for (section, list) in
            [("asset", &report.assets), ("liability", &report.liabilities), ("equity", &report.equity)]
        {
            rows.extend(
                list.iter().map(|r| vec![section.to_string(), r.code.clone(), r.name.clone(), r.balance.clone()]),
            );
        }
        rows.push(vec!["equity".into(), "".into(), "Profit to date".into(), report.profit_to_date.clone()]);
        rows.push(vec!["".into(), "".into(), "Total assets".into(), report.total_assets.clone()]);
        rows.push(vec!["".into(), "".into(), "Total liabilities".into(), report.total_liabilities.clone()]);
        rows.push(vec!["".into(), "".into(), "Total equity".into(), report.total_equity.clone()]);
        let table = Table::new(&["section", "code", "name", "balance"], rows);
        return Ok(csv::response(&format!("balance-sheet-{as_of}.csv"), &table));
    }
    Ok(HttpResponse::Ok().json(report))
}
