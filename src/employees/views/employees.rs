//! Request and response types of employees: the full and directory views, creating and changing
//! a record, status transitions, the list's query and the status changes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::compensation::{Compensation, SalaryPeriod};
use crate::employees::model::{
    CompensationRow, EmployeeRow, EmployeeStatus, EmploymentType, StatusChangeRow, Visibility,
};
use crate::http::json::nullable;
use crate::money::Currency;

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
