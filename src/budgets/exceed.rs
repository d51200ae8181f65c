//! The exceed policy at the moment of spending: issuing a payable invoice or issuing stock asks
//! the cost book's guard (`ledger::guard`), which budgets answer here, in the same transaction as
//! the spend. Registered at start-up (`crate::prepare`).
//!
//! Every approved budget that counts the spend is checked: the department's budget in the spend's
//! currency and, for a spend in another currency, its budget in the base currency (at the rate of
//! the spend's day). The budget's row is locked first (PostgreSQL: an UPDATE's row lock; SQLite:
//! the write transaction), so two parallel spends against one budget are checked one after the
//! other and cannot slip past a stop together.

use chrono::Datelike;
use diesel::prelude::*;

use super::model::{BudgetStatus, ExceedPolicy};
use crate::audit;
use crate::db::schema::{budget_lines, budgets};
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ledger::guard::{BudgetWarning, Spend, SpendGuard};
use crate::money::format_amount;

/// Budgets' answer to the book's question.
pub struct BudgetGuard;

impl SpendGuard for BudgetGuard {
    fn check(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        spend: &Spend,
        override_reason: Option<&str>,
    ) -> Result<Vec<BudgetWarning>, ApiError> {
        let base = crate::ledger::base_currency(conn)?;
        let currencies = [spend.currency.to_string(), base.code().to_string()];
        let found: Vec<(i64, String, String)> = budgets::table
            .filter(budgets::department_id.eq(spend.department_id))
            .filter(budgets::fiscal_year.eq(spend.on.year()))
            .filter(budgets::currency.eq_any(&currencies))
            .filter(budgets::status.eq(BudgetStatus::Approved.as_str()))
            .order(budgets::id.asc())
            .select((budgets::id, budgets::exceed_policy, budgets::currency))
            .load(conn)?;
        let mut warnings = Vec::new();
        for (budget_id, policy, currency) in found {
            let amount = if currency == spend.currency { spend.amount } else { spend.base_amount };
            if let Some(warning) =
                check_one(conn, actor, spend, budget_id, &policy, &currency, amount, override_reason)?
            {
                warnings.push(warning);
            }
        }
        Ok(warnings)
    }
}

/// Checks a spend of `amount` (in the budget's `currency`) against one budget. Ignore: nothing.
/// Warn: the warning (also written to the change feed). Stop: 409 naming the budget, line and
/// overrun, unless `override_reason` is given (the caller checked that the caller may override),
/// which is audited.
#[allow(clippy::too_many_arguments)]
fn check_one(
    conn: &mut DbConn,
    actor: &audit::Actor,
    spend: &Spend,
    budget_id: i64,
    policy: &str,
    currency: &str,
    amount: i64,
    override_reason: Option<&str>,
) -> Result<Option<BudgetWarning>, ApiError> {
    let policy = ExceedPolicy::from_stored(policy);
    if policy == ExceedPolicy::Ignore || amount <= 0 {
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
    let (actual, committed) =
        super::variance::spent_to_date(conn, spend.department_id, spend.category, currency, spend.on)?;
    let spent = if spend.is_commitment { actual + committed } else { actual };
    let overrun = spent + amount - planned;
    if overrun <= 0 {
        return Ok(None);
    }
    let parsed = currency.parse().map_err(ApiError::internal)?;
    let m = |minor: i64| format_amount(minor, parsed);
    let warning = BudgetWarning {
        budget_id,
        department_id: spend.department_id,
        category: spend.category.to_string(),
        planned_to_date: m(planned),
        spent_to_date: m(spent),
        amount: m(amount),
        overrun: m(overrun),
        currency: currency.to_string(),
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
