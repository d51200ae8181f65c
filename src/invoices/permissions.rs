//! Who may do what with receivables and payables (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role};

pub const WRITE_FINANCE: Permission = Permission {
    action: "create, issue, void and pay invoices, bills and credit notes; manage customers and vendors; bill time and parts",
    roles: &[Role::Finance],
    limit: "",
};

pub const READ_FINANCE: Permission = Permission {
    action: "read invoices, bills, credit notes, payments, customers, vendors, aging and profitability",
    roles: &[Role::Finance, Role::Auditor],
    limit: "",
};

pub const OVERRIDE_MATCH: Permission = Permission {
    action: "issue a bill that does not match its purchase order or receipts, with a reason (audited)",
    roles: &[Role::Finance],
    limit: "",
};

pub const ALL: &[&Permission] = &[&WRITE_FINANCE, &READ_FINANCE, &OVERRIDE_MATCH];
