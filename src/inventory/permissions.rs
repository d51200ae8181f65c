//! Who may do what with stock (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role};

pub const MANAGE_STOCK: Permission = Permission {
    action: "create and change items and locations; post and reverse stock movements",
    roles: &[Role::Ops],
    limit: "",
};

pub const ISSUE_TO_DESK_TICKETS: Permission = Permission {
    action: "issue parts to a ticket",
    roles: &[Role::Agent],
    limit: "tickets of the desks they are members of",
};

pub const READ_STOCK: Permission = Permission {
    action: "read items, locations, stock levels, movements and valuation",
    roles: &[Role::Ops, Role::Agent, Role::Finance, Role::Auditor],
    limit: "",
};

pub const OVERRIDE_BUDGET: Permission =
    Permission { action: "issue parts past a blocking budget (budget_override, audited)", roles: &[], limit: "" };

pub const ALL: &[&Permission] = &[&MANAGE_STOCK, &ISSUE_TO_DESK_TICKETS, &READ_STOCK, &OVERRIDE_BUDGET];
