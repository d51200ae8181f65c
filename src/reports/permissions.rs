//! Who may read the reports across the pillars (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role};

pub const READ_DEPARTMENT_COSTS: Permission = Permission {
    action: "read the department cost report (labour, materials, bills)",
    roles: &[Role::Finance, Role::Hr, Role::Auditor],
    limit: "",
};

pub const READ_STATEMENTS: Permission = Permission {
    action: "read the financial statements: trial balance, profit and loss, balance sheet",
    roles: &[Role::Finance, Role::Auditor],
    limit: "",
};

pub const ALL: &[&Permission] = &[&READ_DEPARTMENT_COSTS, &READ_STATEMENTS];
