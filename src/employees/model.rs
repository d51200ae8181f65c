//! Rows of the people module and its rules: the employee status machine, reporting-line and
//! department-tree cycles, and who may see which fields. Pure functions, tested beside them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::permissions;
use crate::auth::principal::Principal;
use crate::db::schema::{compensation, departments, employee_status_changes, employees};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = departments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DepartmentRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = employees, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EmployeeRow {
    pub id: i64,
    pub employee_number: String,
    pub first_name: String,
    pub last_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: i64,
    pub manager_id: Option<i64>,
    pub employment_type: String,
    pub status: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub user_id: Option<i64>,
    pub phone: Option<String>,
    pub personal_email: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub home_address: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = compensation, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CompensationRow {
    pub id: i64,
    pub employee_id: i64,
    pub effective_from: NaiveDate,
    pub hourly_cost_rate: i64,
    pub salary: Option<i64>,
    pub salary_period: Option<String>,
    pub currency: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = employee_status_changes, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StatusChangeRow {
    pub id: i64,
    pub employee_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub effective_date: NaiveDate,
    pub reason: Option<String>,
    pub changed_at: NaiveDateTime,
    pub changed_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentType {
    FullTime,
    PartTime,
    Contractor,
}

impl EmploymentType {
    pub fn as_str(self) -> &'static str {
        match self {
            EmploymentType::FullTime => "full_time",
            EmploymentType::PartTime => "part_time",
            EmploymentType::Contractor => "contractor",
        }
    }
    pub fn from_stored(s: &str) -> EmploymentType {
        match s {
            "part_time" => EmploymentType::PartTime,
            "contractor" => EmploymentType::Contractor,
            _ => EmploymentType::FullTime,
        }
    }
}

/// onboarding → active ⇄ on_leave → terminated; onboarding may also end in terminated (a hire
/// that never started). Terminated is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmployeeStatus {
    Onboarding,
    Active,
    OnLeave,
    Terminated,
}

impl EmployeeStatus {
    pub const ALL: [EmployeeStatus; 4] =
        [EmployeeStatus::Onboarding, EmployeeStatus::Active, EmployeeStatus::OnLeave, EmployeeStatus::Terminated];

    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Onboarding => "onboarding",
            EmployeeStatus::Active => "active",
            EmployeeStatus::OnLeave => "on_leave",
            EmployeeStatus::Terminated => "terminated",
        }
    }

    pub fn from_stored(s: &str) -> EmployeeStatus {
        EmployeeStatus::ALL.into_iter().find(|st| st.as_str() == s).unwrap_or(EmployeeStatus::Onboarding)
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [EmployeeStatus] {
        use EmployeeStatus::*;
        match self {
            Onboarding => &[Active, Terminated],
            Active => &[OnLeave, Terminated],
            OnLeave => &[Active, Terminated],
            Terminated => &[],
        }
    }

    pub fn can_move_to(self, to: EmployeeStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether a person in this status can be given work, manage people or lead a department.
    pub fn is_assignable(self) -> bool {
        self == EmployeeStatus::Active
    }
}

/// Who may see what of an employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Name, title, department, manager, email: everyone signed in.
    Directory,
    /// Everything, including compensation, personal details and status history.
    Full,
}

/// Holders of `SEE_EVERY_RECORD` see everyone in full; a person sees themself in full.
pub fn visibility(principal: &Principal, employee_user_id: Option<i64>) -> Visibility {
    if principal.may(&permissions::SEE_EVERY_RECORD) || employee_user_id == Some(principal.user_id) {
        Visibility::Full
    } else {
        Visibility::Directory
    }
}

/// True when making `new_parent` the parent (or manager) of `node` would close a loop, given the
/// chain of ancestors of `new_parent` (nearest first, as far as it goes).
pub fn closes_cycle(node: i64, new_parent: i64, ancestors_of_new_parent: &[i64]) -> bool {
    new_parent == node || ancestors_of_new_parent.contains(&node)
}

#[cfg(test)]
mod tests {
    use super::EmployeeStatus::*;
    use super::*;

    #[test]
    fn the_status_machine() {
        assert!(Onboarding.can_move_to(Active));
        assert!(Active.can_move_to(OnLeave) && OnLeave.can_move_to(Active));
        assert!(
            Active.can_move_to(Terminated) && OnLeave.can_move_to(Terminated) && Onboarding.can_move_to(Terminated)
        );
        assert!(!Active.can_move_to(Onboarding));
        assert!(!Onboarding.can_move_to(OnLeave));
        for to in EmployeeStatus::ALL {
            assert!(!Terminated.can_move_to(to), "terminated is final");
        }
        assert!(!Active.can_move_to(Active));
    }

    #[test]
    fn cycles_are_found_through_the_chain() {
        // 3 reports to 2, 2 reports to 1. Making 1 report to 3 closes a loop.
        assert!(closes_cycle(1, 3, &[2, 1]));
        assert!(closes_cycle(4, 4, &[]));
        assert!(!closes_cycle(4, 3, &[2, 1]));
    }

    #[test]
    fn stored_forms_round_trip() {
        for status in EmployeeStatus::ALL {
            assert_eq!(EmployeeStatus::from_stored(status.as_str()), status);
        }
        for kind in [EmploymentType::FullTime, EmploymentType::PartTime, EmploymentType::Contractor] {
            assert_eq!(EmploymentType::from_stored(kind.as_str()), kind);
        }
    }
}
