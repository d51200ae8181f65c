//! `/api/v1/reports/trial-balance?as_of`: every account's balance on a day, on the debit or the
//! credit side, from the general ledger; the two columns' totals are equal because every posted
//! entry balances (the database checks each).

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
pub struct TrialBalanceQuery {
    /// The day the balances are taken at, included (default: today).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrialBalanceRow {
    pub account_id: i64,
    pub code: String,
    pub name: String,
    pub account_type: AccountType,
    /// The balance when it is on the debit side, else "0.00".
    pub debit: String,
    /// The balance when it is on the credit side, else "0.00".
    pub credit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrialBalance {
    pub as_of: NaiveDate,
    pub base_currency: String,
    /// Accounts with posted lines, by code.
    pub rows: Vec<TrialBalanceRow>,
    pub total_debit: String,
    pub total_credit: String,
}

/// Every account's balance on a day (finance, auditor, admin). `?format=csv` for a spreadsheet.
#[utoipa::path(
    operation_id = "get_trial_balance",
    tag = "reports",
    params(TrialBalanceQuery, FormatQuery),
    responses((status = 200, description = "The trial balance (or text/csv)", content((TrialBalance = "application/json"), (String = "text/csv"))))
)]
#[get("/reports/trial-balance")]
pub async fn trial_balance(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<TrialBalanceQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STATEMENTS)?;
    let as_of = query.as_of.unwrap_or_else(crate::clock::today);
    let report = db::run_heavy(&state.pool, move |conn| {
        let books = Books::load(conn)?;
        let sides = per_account(conn, journal::beginning(), as_of, None)?;
        let (mut total_debit, mut total_credit) = (0i64, 0i64);
        let rows = books
            .in_code_order(&sides)
            .into_iter()
            .map(|(account, s)| {
                let net = s.debit - s.credit;
                total_debit += net.max(0);
                total_credit += (-net).max(0);
                TrialBalanceRow {
                    account_id: account.id,
                    code: account.code.clone(),
                    name: account.name.clone(),
                    account_type: account.kind(),
                    debit: books.amount(net.max(0)),
                    credit: books.amount((-net).max(0)),
                }
            })
            .collect();
        Ok(TrialBalance {
            as_of,
            base_currency: books.base.code().to_string(),
            rows,
            total_debit: books.amount(total_debit),
            total_credit: books.amount(total_credit),
        })
    })
    .await?;
    if format == Format::Csv {
        let mut rows: Vec<Vec<String>> = report
            .rows
            .iter()
            .map(|r| {
                vec![r.code.clone(), r.name.clone(), r.account_type.as_str().into(), r.debit.clone(), r.credit.clone()]
            })
            .collect();
        rows.push(vec!["".into(), "Total".into(), "".into(), report.total_debit.clone(), report.total_credit.clone()]);
        let table = Table::new(&["code", "name", "type", "debit", "credit"], rows);
        return Ok(csv::response(&format!("trial-balance-{as_of}.csv"), &table));
    }
    Ok(HttpResponse::Ok().json(report))
}
