//! The exceed policy seen from the book: before a spend is booked, the producer asks whether it
//! breaks a budget. Budgets sit above the book, so the book defines the question (a trait) and
//! budgets register the answer at start-up ([`register`]); producers never import budgets.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit;
use crate::db::DbConn;
use crate::error::ApiError;

/// A spend about to be booked.
pub struct Spend<'a> {
    pub department_id: i64,
    pub category: &'a str,
    pub on: NaiveDate,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: &'a str,
    /// The amount in the base currency at the rate of `on`.
    pub base_amount: i64,
    /// A commitment (a purchase order being sent) is checked against what is spent and
    /// committed so far; money spent against what is spent only (its own commitment, if any,
    /// turns into it).
    pub is_commitment: bool,
}

/// A spend that takes a budget line over its plan to date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetWarning {
    pub budget_id: i64,
    pub department_id: i64,
    pub category: String,
    /// Planned from January to the month of the spend.
    pub planned_to_date: String,
    /// Spent before this spend, to its date (with what is committed, when the spend is a
    /// commitment).
    pub spent_to_date: String,
    /// The spend, in the budget's currency.
    pub amount: String,
    /// By how much the line goes over.
    pub overrun: String,
    pub currency: String,
    /// Set when a stop was overridden.
    pub override_reason: Option<String>,
}

/// What decides whether a spend may be booked: Ok (with the warnings of budgets it takes over
/// their plan, if any) or Err.
pub trait SpendGuard: Send + Sync {
    fn check(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        spend: &Spend,
        override_reason: Option<&str>,
    ) -> Result<Vec<BudgetWarning>, ApiError>;
}

static GUARD: OnceLock<Box<dyn SpendGuard>> = OnceLock::new();

/// Registers the guard (once a process; later calls keep the first).
pub fn register(guard: Box<dyn SpendGuard>) {
    let _ = GUARD.set(guard);
}

/// Asks the guard about a document's spend (or commitment) on `on`, in `currency`, per
/// department and budget category: each amount is converted to the base currency at the day's
/// rate and checked; the warnings of all of them, or the first refusal.
#[allow(clippy::too_many_arguments)]
pub fn check_per_department(
    conn: &mut DbConn,
    actor: &audit::Actor,
    amounts: &std::collections::BTreeMap<(i64, String), i64>,
    currency: &str,
    on: NaiveDate,
    is_commitment: bool,
    override_reason: Option<&str>,
) -> Result<Vec<BudgetWarning>, ApiError> {
    let mut warnings = Vec::new();
    for ((department_id, category), amount) in amounts {
        let entry = super::Entry {
            occurred_on: on,
            kind: if is_commitment { super::Kind::Commitment } else { super::Kind::Expense },
            category: category.clone(),
            currency: currency.to_string(),
            amount: *amount,
            quantity: 0,
            dims: super::Dimensions { department_id: Some(*department_id), ..Default::default() },
            source_line_id: None,
        };
        let spend = Spend {
            department_id: *department_id,
            category,
            on,
            amount: *amount,
            currency,
            base_amount: super::base_amount_of(conn, &entry)?,
            is_commitment,
        };
        warnings.extend(check(conn, actor, &spend, override_reason)?);
    }
    Ok(warnings)
}

/// Asks the registered guard about a spend; with none registered every spend may be booked.
pub fn check(
    conn: &mut DbConn,
    actor: &audit::Actor,
    spend: &Spend,
    override_reason: Option<&str>,
) -> Result<Vec<BudgetWarning>, ApiError> {
    match GUARD.get() {
        Some(guard) => guard.check(conn, actor, spend, override_reason),
        None => Ok(Vec::new()),
    }
}
