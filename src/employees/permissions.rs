//! Who may do what with people and departments (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role, EVERYONE, EVERYONE_WHO_WRITES};

pub const MANAGE_PEOPLE: Permission =
    Permission { action: "create and change employees, departments and compensation", roles: &[Role::Hr], limit: "" };

pub const READ_DIRECTORY: Permission = Permission {
    action: "read the directory: name, title, department, manager, work email",
    roles: EVERYONE,
    limit: "terminated people only for those who see records in full",
};

pub const SEE_EVERY_RECORD: Permission = Permission {
    action: "read everyone's record in full: pay, personal details, status history",
    roles: &[Role::Hr, Role::Finance, Role::Auditor],
    limit: "everyone reads their own record in full",
};

pub const CHANGE_OWN_CONTACT: Permission = Permission {
    action: "change their own phone, personal email and home address",
    roles: EVERYONE_WHO_WRITES,
    limit: "their own record only",
};

pub const READ_DEPARTMENT_REPORT: Permission = Permission {
    action: "read the departments report (headcount, pay)",
    roles: &[Role::Hr, Role::Finance, Role::Auditor],
    limit: "",
};

pub const ALL: &[&Permission] =
    &[&MANAGE_PEOPLE, &READ_DIRECTORY, &SEE_EVERY_RECORD, &CHANGE_OWN_CONTACT, &READ_DEPARTMENT_REPORT];
