//! Request and response types of departments and of the department report.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::employees::model::DepartmentRow;
use crate::http::json::nullable;

/// A department: a cost centre that budgets attach to and that labour and material costs are
/// charged to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Department {
    pub id: i64,
    #[schema(example = "OPS")]
    pub code: String,
    #[schema(example = "Operations")]
    pub name: String,
    pub parent_id: Option<i64>,
    /// An employee who is active.
    pub manager_id: Option<i64>,
    /// Archived departments keep their history but take no new employees.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&DepartmentRow> for Department {
    fn from(row: &DepartmentRow) -> Department {
        Department {
            id: row.id,
            code: row.code.clone(),
            name: row.name.clone(),
            parent_id: row.parent_id,
            manager_id: row.manager_id,
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartment {
    /// Unique, 1–20 characters of A–Z, 0–9, `_` and `-`; stored upper-case.
    #[schema(example = "OPS")]
    pub code: String,
    #[schema(example = "Operations")]
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
}

/// Only the fields sent change; `null` clears `parent_id` or `manager_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartment {
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub manager_id: Option<Option<i64>>,
    /// false archives the department.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentListQuery {
    pub active: Option<bool>,
    pub parent_id: Option<i64>,
    /// Part of the code or name, case-insensitive.
    pub q: Option<String>,
}

// ---------------------------------------------------------------- report

#[derive(Debug, Serialize, ToSchema)]
pub struct RateSummary {
    #[schema(example = "EUR")]
    pub currency: String,
    /// People with a rate in this currency on the date.
    pub employees: i64,
    pub average_hourly_cost_rate: String,
    pub min_hourly_cost_rate: String,
    pub max_hourly_cost_rate: String,
    /// Sum of the hourly rates: the cost of one hour of everyone.
    pub total_hourly_cost: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentReportRow {
    pub department_id: i64,
    pub code: String,
    pub name: String,
    pub active: bool,
    /// People not terminated on the date.
    pub headcount: i64,
    pub onboarding: i64,
    pub active_employees: i64,
    pub on_leave: i64,
    pub full_time: i64,
    pub part_time: i64,
    pub contractors: i64,
    /// Rates in force on the date, per currency.
    pub labour_rates: Vec<RateSummary>,
    /// People without a rate on the date (their time cannot be costed).
    pub without_rate: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentReport {
    pub as_of: NaiveDate,
    pub departments: Vec<DepartmentReportRow>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Rates in force on this date (default: today).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub as_of: Option<NaiveDate>,
    /// Include archived departments (default false).
    pub include_archived: Option<bool>,
}
