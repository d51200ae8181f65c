//! Who may do what in procurement (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role, EVERYONE_WHO_WRITES};

pub const REQUEST_PURCHASES: Permission = Permission {
    action: "raise purchase requests for one's own department, and withdraw them before a decision",
    roles: EVERYONE_WHO_WRITES,
    limit: "an employee asks for the department they belong to",
};

pub const APPROVE_PURCHASE_REQUESTS: Permission = Permission {
    action: "approve or reject purchase requests",
    roles: &[Role::Ops],
    limit: "a department's manager decides the requests of the departments they manage, never their own",
};

pub const MANAGE_PURCHASE_ORDERS: Permission = Permission {
    action: "create, change, send, close and cancel purchase orders",
    roles: &[Role::Ops, Role::Finance],
    limit: "",
};

pub const RECEIVE_GOODS: Permission = Permission {
    action: "receive goods against purchase orders and return them to the vendor",
    roles: &[Role::Ops],
    limit: "",
};

pub const READ_PURCHASING: Permission = Permission {
    action: "read every purchase request and order, receipts and vendor performance",
    roles: &[Role::Ops, Role::Finance, Role::Auditor],
    limit: "others read the requests they raised and those of the departments they manage",
};

pub const OVERRIDE_BUDGET: Permission = Permission {
    action: "send a purchase order past a budget's stop, with a reason (audited)",
    roles: &[Role::Finance],
    limit: "",
};

pub const ALL: &[&Permission] = &[
    &REQUEST_PURCHASES,
    &APPROVE_PURCHASE_REQUESTS,
    &MANAGE_PURCHASE_ORDERS,
    &RECEIVE_GOODS,
    &READ_PURCHASING,
    &OVERRIDE_BUDGET,
];
