//! All SQL of the people module, one file per resource: departments, employees with their status
//! changes, compensation, and the department report. Callers use `repo::…`: the names are
//! re-exported here.

mod compensation;
mod departments;
mod employees;
mod reports;

pub use compensation::{compensation_history, insert_compensation, rate_on, rates_on, NewCompensation};
pub use departments::{
    all_departments, delete_department, department, department_ancestors, department_by_code, department_usage,
    insert_department, list_departments, update_department, DepartmentFields, DepartmentFilter,
};
pub use employees::{
    employee, employee_by_email, employee_by_number, employee_by_user, employee_id_of_user, insert_employee,
    list_employees, managers_above, record_status_change, responsibilities, set_status, status_changes,
    update_employee, EmployeeFields, EmployeeFilter,
};
pub use reports::{headcounts, rate_summaries, HeadcountRow, RateRow};

/// How far a parent or manager chain is followed; deeper than any real organisation, and a stop
/// should a loop ever exist.
const MAX_CHAIN: usize = 1000;
