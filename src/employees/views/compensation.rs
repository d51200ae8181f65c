//! Request and response types of compensation: effective-dated pay records.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::employees::model::CompensationRow;
use crate::money::{self, Currency};

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SalaryPeriod {
    Annual,
    Monthly,
}

impl SalaryPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            SalaryPeriod::Annual => "annual",
            SalaryPeriod::Monthly => "monthly",
        }
    }
}

/// One effective-dated compensation record. Never changed: a correction is a new record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Compensation {
    pub id: i64,
    pub employee_id: i64,
    pub effective_from: NaiveDate,
    /// What one hour of this person costs the company; the job desks cost time with it.
    #[schema(example = "42.50")]
    pub hourly_cost_rate: String,
    #[schema(example = "68000.00")]
    pub salary: Option<String>,
    pub salary_period: Option<SalaryPeriod>,
    #[schema(example = "EUR")]
    pub currency: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<i64>,
}

impl Compensation {
    pub fn from_row(row: &CompensationRow) -> Compensation {
        let currency: Option<Currency> = row.currency.parse().ok();
        let amount = |minor: i64| match currency {
            Some(c) => money::format_amount(minor, c),
            None => minor.to_string(),
        };
        Compensation {
            id: row.id,
            employee_id: row.employee_id,
            effective_from: row.effective_from,
            hourly_cost_rate: amount(row.hourly_cost_rate),
            salary: row.salary.map(amount),
            salary_period: row.salary_period.as_deref().map(|p| {
                if p == "monthly" {
                    SalaryPeriod::Monthly
                } else {
                    SalaryPeriod::Annual
                }
            }),
            currency: row.currency.clone(),
            note: row.note.clone(),
            created_at: row.created_at.and_utc(),
            created_by: row.created_by,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompensation {
    #[schema(example = "2026-04-01")]
    #[serde(deserialize_with = "crate::dates::date")]
    pub effective_from: NaiveDate,
    /// Decimal string in the currency's units, e.g. "42.50".
    #[schema(example = "42.50")]
    pub hourly_cost_rate: String,
    pub currency: Currency,
    #[schema(example = "68000.00")]
    pub salary: Option<String>,
    pub salary_period: Option<SalaryPeriod>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EffectiveQuery {
    /// The date (default: today).
    #[param(value_type = Option<String>, format = Date, example = "2026-03-31")]
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub on: Option<NaiveDate>,
}
