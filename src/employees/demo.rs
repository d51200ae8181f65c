//! The people part of `opsdesk demo`: five departments and 25 people with reporting lines and
//! two years of dated rates. Idempotent: what exists already is kept.

use chrono::NaiveDate;

use super::model::EmployeeStatus;
use super::repo::{self, DepartmentFields, EmployeeFields, NewCompensation};
use super::views::{Department, Employee};
use crate::audit::{self, Actor};
use crate::auth::users::repo as users_repo;
use crate::db::{self, DbConn};
use crate::error::ApiError;

const DEPARTMENTS: [(&str, &str); 5] = [
    ("OPS", "Operations"),
    ("IT", "IT Services"),
    ("FAC", "Facilities"),
    ("FIN", "Finance"),
    ("HR", "People & Culture"),
];

/// (first, last, department, title, type, hourly rate in cents for 2025, head of department,
/// demo user to link)
type Person = (&'static str, &'static str, &'static str, &'static str, &'static str, i64, bool, Option<&'static str>);

const PEOPLE: [Person; 25] = [
    ("Oscar", "Price", "OPS", "Chief Operating Officer", "full_time", 9500, true, Some("ops@demo.opsdesk.local")),
    ("Ivan", "Petrov", "IT", "Head of IT", "full_time", 8200, true, None),
    ("Fatima", "Khan", "FAC", "Facilities Manager", "full_time", 6400, true, None),
    ("Fiona", "Finch", "FIN", "Finance Director", "full_time", 8800, true, Some("finance@demo.opsdesk.local")),
    ("Harriet", "Holt", "HR", "Head of People", "full_time", 7600, true, Some("hr@demo.opsdesk.local")),
    ("Ada", "Gent", "IT", "Service Desk Agent", "full_time", 4200, false, Some("agent@demo.opsdesk.local")),
    ("Emil", "Ploy", "FAC", "Maintenance Technician", "full_time", 3900, false, Some("employee@demo.opsdesk.local")),
    ("Grace", "Lin", "IT", "Systems Engineer", "full_time", 6100, false, None),
    ("Tomas", "Novak", "IT", "Network Engineer", "full_time", 5900, false, None),
    ("Priya", "Raman", "IT", "Service Desk Agent", "part_time", 4000, false, None),
    ("Lucas", "Moreau", "IT", "Field Technician", "contractor", 5500, false, None),
    ("Sofia", "Rossi", "OPS", "Operations Planner", "full_time", 5200, false, None),
    ("Ken", "Tanaka", "OPS", "Dispatcher", "full_time", 4300, false, None),
    ("Amara", "Okafor", "OPS", "Production Supervisor", "full_time", 5600, false, None),
    ("Jonas", "Berg", "OPS", "Line Technician", "full_time", 4100, false, None),
    ("Leila", "Haddad", "OPS", "Line Technician", "part_time", 4100, false, None),
    ("Marco", "Silva", "FAC", "Electrician", "full_time", 4700, false, None),
    ("Nina", "Kowalski", "FAC", "Cleaner", "part_time", 2900, false, None),
    ("Omar", "Farouk", "FAC", "HVAC Technician", "contractor", 5800, false, None),
    ("Paula", "Schmidt", "FIN", "Accountant", "full_time", 5400, false, None),
    ("Quentin", "Dubois", "FIN", "Accounts Payable Clerk", "full_time", 3800, false, None),
    ("Rosa", "Martinez", "FIN", "Credit Controller", "full_time", 4200, false, None),
    ("Sam", "Carter", "HR", "HR Generalist", "full_time", 4600, false, None),
    ("Tara", "Nguyen", "HR", "Recruiter", "part_time", 4300, false, None),
    ("Uma", "Patel", "OPS", "Quality Inspector", "full_time", 4500, false, None),
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Loads the sample people; returns how many departments and people were added.
pub fn load(conn: &mut DbConn, actor: &Actor) -> Result<(usize, usize), ApiError> {
    db::write_tx(conn, |conn| {
        let mut new_departments = 0;
        for (code, name) in DEPARTMENTS {
            if repo::department_by_code(conn, code)?.is_none() {
                let fields = DepartmentFields {
                    code: code.into(),
                    name: name.into(),
                    parent_id: None,
                    manager_id: None,
                    active: true,
                };
                let row = repo::insert_department(conn, &fields)?;
                audit::record(
                    conn,
                    actor,
                    "department.created",
                    super::departments::ENTITY,
                    row.id,
                    None,
                    Some(&Department::from(&row)),
                )?;
                new_departments += 1;
            }
        }
        let mut new_people = 0;
        let mut head_of = std::collections::HashMap::new();
        let mut chief = None;
        for (i, (first, last, code, title, kind, cents, head, user_email)) in PEOPLE.iter().enumerate() {
            let email = format!("{}.{}@demo.opsdesk.local", first.to_lowercase(), last.to_lowercase());
            let department = repo::department_by_code(conn, code)?.ok_or(ApiError::NotFound)?;
            let existing = repo::employee_by_email(conn, &email)?;
            let row = match existing {
                Some(row) => row,
                None => {
                    let manager_id = if *head { chief } else { head_of.get(code).copied() };
                    let user_id = match user_email {
                        Some(user) => users_repo::find_by_email(conn, user)?.map(|u| u.id),
                        None => None,
                    };
                    let start = date(2019 + (i as i32 % 5), 1 + (i as u32 % 12), 1 + (i as u32 % 27));
                    let fields = EmployeeFields {
                        first_name: first.to_string(),
                        last_name: last.to_string(),
                        work_email: email.clone(),
                        job_title: title.to_string(),
                        department_id: department.id,
                        manager_id,
                        employment_type: kind.to_string(),
                        start_date: start,
                        user_id,
                        phone: Some(format!("+1 555 01{i:02}")),
                        personal_email: None,
                        birth_date: None,
                        home_address: None,
                    };
                    let row = repo::insert_employee(conn, &fields, EmployeeStatus::Active.as_str())?;
                    repo::record_status_change(conn, row.id, None, "active", start, Some("demo"), None)?;
                    for (from, amount) in [(start.max(date(2025, 1, 1)), *cents), (date(2026, 1, 1), cents * 104 / 100)]
                    {
                        let pay = NewCompensation {
                            employee_id: row.id,
                            effective_from: from,
                            hourly_cost_rate: amount,
                            salary: None,
                            salary_period: None,
                            currency: "EUR",
                            note: Some("demo"),
                            created_by: None,
                        };
                        repo::insert_compensation(conn, &pay)?;
                    }
                    audit::record(
                        conn,
                        actor,
                        "employee.created",
                        super::api::ENTITY,
                        row.id,
                        None,
                        Some(&Employee::from_row(&row, None)),
                    )?;
                    new_people += 1;
                    row
                }
            };
            if *head {
                head_of.insert(*code, row.id);
                chief = chief.or(Some(row.id));
                if department.manager_id.is_none() {
                    let fields = DepartmentFields {
                        code: department.code.clone(),
                        name: department.name.clone(),
                        parent_id: department.parent_id,
                        manager_id: Some(row.id),
                        active: department.active,
                    };
                    repo::update_department(conn, department.id, department.version, &fields)?;
                }
            }
        }
        Ok((new_departments, new_people))
    })
}
