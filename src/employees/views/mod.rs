//! Request and response types of the people module (the OpenAPI schemas), one file per resource:
//! employees, departments (with the department report) and compensation. Callers use
//! `views::…`: the names are re-exported here.

mod compensation;
mod departments;
mod employees;

pub use compensation::{Compensation, CreateCompensation, EffectiveQuery, SalaryPeriod};
pub use departments::{
    CreateDepartment, Department, DepartmentListQuery, DepartmentReport, DepartmentReportRow, RateSummary, ReportQuery,
    UpdateDepartment,
};
pub use employees::{
    CreateEmployee, Employee, EmployeeDirectoryEntry, EmployeeListQuery, EmployeeSort, EmployeeTransition,
    EmployeeView, InitialCompensation, PersonalDetails, StatusChange, UpdateEmployee,
};

pub use crate::http::json::nullable;
