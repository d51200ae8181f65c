//! Request and response types of the people module (the OpenAPI schemas).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    CompensationRow, DepartmentRow, EmployeeRow, EmployeeStatus, EmploymentType, StatusChangeRow, Visibility,
};
use crate::money::{self, Currency};

pub use crate::http::json::nullable;

// ---------------------------------------------------------------- departments

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

// ---------------------------------------------------------------- employees

/// The directory view of a person: what everyone signed in may see. It never carries
/// compensation, personal details or status.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeDirectoryEntry {
    pub id: i64,
    #[schema(example = "E000042")]
    pub employee_number: String,
    #[schema(example = "Ann")]
    pub first_name: String,
    #[schema(example = "Lee")]
    pub last_name: String,
    #[schema(example = "ann.lee@example.com")]
    pub work_email: String,
    #[schema(example = "Field technician")]
    pub job_title: String,
    pub department_id: i64,
    pub manager_id: Option<i64>,
}

/// Personal details (hr, finance, admin, auditor and the person themself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonalDetails {
    pub phone: Option<String>,
    pub personal_email: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub home_address: Option<String>,
}

/// The full view of a person (hr, finance, admin, auditor and the person themself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Employee {
    pub id: i64,
    pub employee_number: String,
    pub first_name: String,
    pub last_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: i64,
    pub manager_id: Option<i64>,
    pub employment_type: EmploymentType,
    pub status: EmployeeStatus,
    /// The statuses this person may move to next (`POST …/transitions`).
    pub allowed_transitions: Vec<EmployeeStatus>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// The user account linked to this person, if any.
    pub user_id: Option<i64>,
    pub personal: PersonalDetails,
    /// The compensation in force today, if any.
    pub current_compensation: Option<Compensation>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A person as the caller may see them: the full view or the directory view.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EmployeeView {
    Full(Box<Employee>),
    Directory(EmployeeDirectoryEntry),
}

impl EmployeeDirectoryEntry {
    pub fn from_row(row: &EmployeeRow) -> EmployeeDirectoryEntry {
        EmployeeDirectoryEntry {
            id: row.id,
            employee_number: row.employee_number.clone(),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            work_email: row.work_email.clone(),
            job_title: row.job_title.clone(),
            department_id: row.department_id,
            manager_id: row.manager_id,
        }
    }
}

impl Employee {
    pub fn from_row(row: &EmployeeRow, current: Option<&CompensationRow>) -> Employee {
        let status = EmployeeStatus::from_stored(&row.status);
        Employee {
            id: row.id,
            employee_number: row.employee_number.clone(),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            work_email: row.work_email.clone(),
            job_title: row.job_title.clone(),
            department_id: row.department_id,
            manager_id: row.manager_id,
            employment_type: EmploymentType::from_stored(&row.employment_type),
            status,
            allowed_transitions: status.next().to_vec(),
            start_date: row.start_date,
            end_date: row.end_date,
            user_id: row.user_id,
            personal: PersonalDetails {
                phone: row.phone.clone(),
                personal_email: row.personal_email.clone(),
                birth_date: row.birth_date,
                home_address: row.home_address.clone(),
            },
            current_compensation: current.map(Compensation::from_row),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

impl EmployeeView {
    pub fn new(row: &EmployeeRow, current: Option<&CompensationRow>, visibility: Visibility) -> EmployeeView {
        match visibility {
            Visibility::Full => EmployeeView::Full(Box::new(Employee::from_row(row, current))),
            Visibility::Directory => EmployeeView::Directory(EmployeeDirectoryEntry::from_row(row)),
        }
    }
}

/// The compensation to record with a new employee, effective from their start date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitialCompensation {
    #[schema(example = "42.50")]
    pub hourly_cost_rate: String,
    pub currency: Currency,
    pub salary: Option<String>,
    pub salary_period: Option<SalaryPeriod>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployee {
    #[schema(example = "Ann")]
    pub first_name: String,
    #[schema(example = "Lee")]
    pub last_name: String,
    /// Unique regardless of case; stored lower-cased.
    #[schema(example = "ann.lee@example.com")]
    pub work_email: String,
    #[serde(default)]
    #[schema(example = "Field technician")]
    pub job_title: String,
    pub department_id: i64,
    /// An active employee.
    pub manager_id: Option<i64>,
    pub employment_type: EmploymentType,
    /// `onboarding` (default) or `active`.
    pub status: Option<EmployeeStatus>,
    #[schema(example = "2026-01-05")]
    #[serde(deserialize_with = "crate::dates::date")]
    pub start_date: NaiveDate,
    /// A user account to link (at most one person per account).
    pub user_id: Option<i64>,
    pub phone: Option<String>,
    pub personal_email: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub birth_date: Option<NaiveDate>,
    pub home_address: Option<String>,
    pub compensation: Option<InitialCompensation>,
}

/// Only the fields sent change; `null` clears a nullable field. Status changes go through
/// `POST /employees/{id}/transitions`, and pay through `…/compensation`. A person changing their
/// own record may send only `phone`, `personal_email` and `home_address`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployee {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub manager_id: Option<Option<i64>>,
    pub employment_type: Option<EmploymentType>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub personal_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dates::nullable_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub home_address: Option<Option<String>>,
}

impl UpdateEmployee {
    /// The fields sent that a person may not change on their own record.
    pub fn restricted_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let mut check = |sent: bool, name: &'static str| {
            if sent {
                fields.push(name);
            }
        };
        check(self.first_name.is_some(), "first_name");
        check(self.last_name.is_some(), "last_name");
        check(self.work_email.is_some(), "work_email");
        check(self.job_title.is_some(), "job_title");
        check(self.department_id.is_some(), "department_id");
        check(self.manager_id.is_some(), "manager_id");
        check(self.employment_type.is_some(), "employment_type");
        check(self.start_date.is_some(), "start_date");
        check(self.user_id.is_some(), "user_id");
        check(self.birth_date.is_some(), "birth_date");
        fields
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeTransition {
    pub to: EmployeeStatus,
    /// When the change took effect (default: today): not before the start date, not in the
    /// future (the status changes now; a change for a later day is recorded on that day).
    /// Required for `terminated`: it becomes the end date.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub effective_date: Option<NaiveDate>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EmployeeSort {
    /// By last name, first name (then id).
    Name,
    /// By employee number (the default).
    Number,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeListQuery {
    pub department_id: Option<i64>,
    pub manager_id: Option<i64>,
    /// Only for callers who see the full view (hr, finance, admin, auditor).
    pub status: Option<EmployeeStatus>,
    /// Part of the name or work email, case-insensitive.
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<EmployeeSort>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChange {
    pub id: i64,
    pub from_status: Option<EmployeeStatus>,
    pub to_status: EmployeeStatus,
    pub effective_date: NaiveDate,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub changed_by: Option<i64>,
}

impl From<StatusChangeRow> for StatusChange {
    fn from(row: StatusChangeRow) -> StatusChange {
        StatusChange {
            id: row.id,
            from_status: row.from_status.as_deref().map(EmployeeStatus::from_stored),
            to_status: EmployeeStatus::from_stored(&row.to_status),
            effective_date: row.effective_date,
            reason: row.reason,
            changed_at: row.changed_at.and_utc(),
            changed_by: row.changed_by,
        }
    }
}

// ---------------------------------------------------------------- compensation

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
