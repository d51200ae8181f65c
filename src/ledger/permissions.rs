//! Who may do what with the cost book's reference data (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role, EVERYONE};

pub const RECORD_RATES: Permission =
    Permission { action: "record exchange rates", roles: &[Role::Finance], limit: "append only" };

pub const READ_RATES: Permission = Permission { action: "read exchange rates", roles: EVERYONE, limit: "" };

pub const ALL: &[&Permission] = &[&RECORD_RATES, &READ_RATES];
