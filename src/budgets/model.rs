//! Rows and rules of budgets: the lifecycle, spreading an annual amount, the run-rate forecast.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::budgets;
pub use crate::invoices::model::BudgetCategory;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetStatus {
    /// Editable by finance and admin.
    Draft,
    /// Waiting for approval by someone other than the submitter.
    Submitted,
    /// Locked; a change is a new revision.
    Approved,
    /// An approved budget replaced by a later approved revision (still readable).
    Superseded,
}

impl BudgetStatus {
    pub const ALL: [BudgetStatus; 4] =
        [BudgetStatus::Draft, BudgetStatus::Submitted, BudgetStatus::Approved, BudgetStatus::Superseded];

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::Draft => "draft",
            BudgetStatus::Submitted => "submitted",
            BudgetStatus::Approved => "approved",
            BudgetStatus::Superseded => "superseded",
        }
    }

    pub fn from_stored(s: &str) -> BudgetStatus {
        BudgetStatus::ALL.into_iter().find(|x| x.as_str() == s).unwrap_or(BudgetStatus::Draft)
    }
}

/// What happens when spending would take a line over its plan to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceedPolicy {
    Ignore,
    Warn,
    Stop,
}

impl ExceedPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceedPolicy::Ignore => "ignore",
            ExceedPolicy::Warn => "warn",
            ExceedPolicy::Stop => "stop",
        }
    }

    pub fn from_stored(s: &str) -> ExceedPolicy {
        [ExceedPolicy::Ignore, ExceedPolicy::Warn, ExceedPolicy::Stop]
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or(ExceedPolicy::Warn)
    }
}

/// An annual amount spread over twelve months evenly, the remainder in the last month (exact).
pub fn spread_evenly(annual: i64) -> [i64; 12] {
    let base = annual / 12;
    let mut months = [base; 12];
    months[11] = annual - base * 11;
    months
}

/// The year-end forecast at the run rate: what was spent in the months elapsed, continued for the
/// rest of the year (half-up to the minor unit). With no month elapsed, the plan stands.
pub fn run_rate_forecast(actual_to_date: i64, months_elapsed: u32, planned_year: i64) -> i64 {
    if months_elapsed == 0 {
        return planned_year;
    }
    let numerator = i128::from(actual_to_date) * 12 * 2 + i128::from(months_elapsed);
    (numerator / (i128::from(months_elapsed) * 2)) as i64
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = budgets, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct BudgetRow {
    pub id: i64,
    pub department_id: i64,
    pub fiscal_year: i32,
    pub revision: i32,
    pub currency: String,
    pub status: String,
    pub exceed_policy: String,
    pub notes: Option<String>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl BudgetRow {
    pub fn status(&self) -> BudgetStatus {
        BudgetStatus::from_stored(&self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_annual_amount_spreads_exactly() {
        let months = spread_evenly(100_000);
        assert_eq!(months[0], 8_333);
        assert_eq!(months[11], 8_337);
        assert_eq!(months.iter().sum::<i64>(), 100_000);
        assert_eq!(spread_evenly(5).iter().sum::<i64>(), 5);
        assert_eq!(spread_evenly(5)[11], 5);
    }

    #[test]
    fn the_run_rate_continues_the_months_elapsed() {
        assert_eq!(run_rate_forecast(30_000, 3, 100_000), 120_000);
        assert_eq!(run_rate_forecast(10_001, 7, 0), 17_145, "10001 × 12 / 7 = 17144.57 → 17145");
        assert_eq!(run_rate_forecast(0, 0, 50_000), 50_000);
    }
}
