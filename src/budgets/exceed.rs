//! The exceed policy at the moment of spending: issuing a payable invoice or issuing stock checks
//! the department's budget in force for the category, in the same transaction as the spend.
//!
//! The budget's row is locked first (PostgreSQL: an UPDATE's row lock; SQLite: the write
//! transaction), so two parallel spends against one budget are checked one after the other and
//! cannot slip past a stop together.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{BudgetStatus, ExceedPolicy};
use crate::audit;
use crate::db::schema::{budget_lines, budgets};
use crate::db::DbConn;
use crate::error::ApiError;
use crate::money::format_amount;

/// A spend about to happen.
pub struct Spend<'a> {
    pub department_id: i64,
    pub category: &'a str,
    pub on: NaiveDate,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: &'a str,
}

/// A spend that takes a budget line over its plan to date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetWarning {
    pub budget_id: i64,
    pub department_id: i64,
    pub category: String,
    /// Planned from January to the month of the spend.
    pub planned_to_date: String,
    /// Spent before this spend, to its date.
    pub spent_to_date: String,
    pub amount: String,
    /// By how much the line goes over.
    pub overrun: String,
    pub currency: String,
    /// Set when a stop was overridden.
    pub override_reason: Option<String>,
}

/// Checks a spend against the approved budget of its department, year and currency. Ignore or
/// no budget: nothing. Warn: the warning (also written to the change feed). Stop: 409 naming the
/// budget, line and overrun, unless `override_reason` is given (the caller checked that the
/// caller may override), which is audited.
pub fn check(
    conn: &mut DbConn,
    actor: &audit::Actor,
    spend: &Spend,
    override_reason: Option<&str>,
) -> Result<Option<BudgetWarning>, ApiError> {
    let budget: Option<(i64, String)> = budgets::table
        .filter(budgets::department_id.eq(spend.department_id))
        .filter(budgets::fiscal_year.eq(spend.on.year()))
        .filter(budgets::currency.eq(spend.currency))
        .filter(budgets::status.eq(BudgetStatus::Approved.as_str()))
        .select((budgets::id, budgets::exceed_policy))
        .first(conn)
        .optional()?;
    let Some((budget_id, policy)) = budget else { return Ok(None) };
    let policy = ExceedPolicy::from_stored(&policy);
    if policy == ExceedPolicy::Ignore || spend.amount <= 0 {
        return Ok(None);
    }
    // Take the budget for this transaction: parallel spends wait here for each other.
    diesel::update(budgets::table.find(budget_id)).set(budgets::updated_at.eq(budgets::updated_at)).execute(conn)?;
    let planned: i64 = budget_lines::table
        .filter(budget_lines::budget_id.eq(budget_id))
        .filter(budget_lines::category.eq(spend.category))
        .filter(budget_lines::month.le(spend.on.month() as i32))
        .select(budget_lines::planned)
        .load::<i64>(conn)?
        .iter()
        .sum();
    let spent = super::api::spent_to_date(conn, spend.department_id, spend.category, spend.currency, spend.on)?;
    let overrun = spent + spend.amount - planned;
    if overrun <= 0 {
        return Ok(None);
    }
    let currency = spend.currency.parse().map_err(ApiError::internal)?;
    let m = |minor: i64| format_amount(minor, currency);
    let warning = BudgetWarning {
        budget_id,
        department_id: spend.department_id,
        category: spend.category.to_string(),
        planned_to_date: m(planned),
        spent_to_date: m(spent),
        amount: m(spend.amount),
        overrun: m(overrun),
        currency: spend.currency.to_string(),
        override_reason: override_reason.map(str::to_string),
    };
    match (policy, override_reason) {
        (ExceedPolicy::Stop, None) => Err(ApiError::Conflict(format!(
            "budget {budget_id} of department {}: {} would be over its plan to date ({} {}) by {} {}; \
             finance or admin may override with a reason",
            spend.department_id,
            spend.category,
            warning.planned_to_date,
            warning.currency,
            warning.overrun,
            warning.currency
        ))),
        (ExceedPolicy::Stop, Some(_)) => {
            audit::record(conn, actor, "budget.overridden", "budget", budget_id, None, Some(&warning))?;
            Ok(Some(warning))
        }
        _ => {
            audit::record(conn, actor, "budget.exceeded", "budget", budget_id, None, Some(&warning))?;
            Ok(Some(warning))
        }
    }
}
