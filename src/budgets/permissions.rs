//! Who may do what with budgets (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role};

pub const MANAGE_BUDGETS: Permission =
    Permission { action: "create, change, submit, approve and revise budgets", roles: &[Role::Finance], limit: "" };

pub const READ_EVERY_BUDGET: Permission = Permission {
    action: "read every budget and its variance",
    roles: &[Role::Finance, Role::Auditor],
    limit: "a department's manager reads the budgets of the departments they manage",
};

pub const ALL: &[&Permission] = &[&MANAGE_BUDGETS, &READ_EVERY_BUDGET];
