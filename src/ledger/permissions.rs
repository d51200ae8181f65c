//! Who may do what with the books: exchange rates, the chart, the journal and closed periods (see
//! `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role, EVERYONE};

pub const RECORD_RATES: Permission =
    Permission { action: "record exchange rates", roles: &[Role::Finance], limit: "append only" };

pub const READ_RATES: Permission = Permission { action: "read exchange rates", roles: EVERYONE, limit: "" };

pub const READ_BOOKS: Permission = Permission {
    action: "read the chart of accounts, the posting map, the journal, account ledgers and the lock date",
    roles: &[Role::Finance, Role::Auditor],
    limit: "",
};

pub const MANAGE_CHART: Permission =
    Permission { action: "change the chart of accounts and the posting map", roles: &[Role::Finance], limit: "" };

pub const WRITE_JOURNAL: Permission = Permission {
    action: "write, approve, reverse and delete manual journal entries",
    roles: &[Role::Finance],
    limit: "an entry above the approval threshold is approved by someone other than its writer",
};

pub const LOCK_BOOKS: Permission = Permission {
    action: "close the books up to a day (move the lock date forward)",
    roles: &[Role::Finance],
    limit: "",
};

pub const UNLOCK_BOOKS: Permission =
    Permission { action: "reopen closed periods (move the lock date back)", roles: &[], limit: "audited" };

pub const ALL: &[&Permission] =
    &[&RECORD_RATES, &READ_RATES, &READ_BOOKS, &MANAGE_CHART, &WRITE_JOURNAL, &LOCK_BOOKS, &UNLOCK_BOOKS];
