//! Who may subscribe webhooks (see `auth::roles::Permission`).

use crate::auth::roles::{Permission, Role};

pub const MANAGE_WEBHOOKS: Permission = Permission {
    action: "subscribe webhooks, rotate their secrets, read their deliveries and redeliver",
    roles: &[Role::Finance, Role::Hr, Role::Ops],
    limit: "their own subscriptions, which receive only the events their roles may read",
};

pub const SEE_EVERY_WEBHOOK: Permission =
    Permission { action: "read every user's webhook subscriptions and deliveries", roles: &[Role::Auditor], limit: "" };

pub const ALL: &[&Permission] = &[&MANAGE_WEBHOOKS, &SEE_EVERY_WEBHOOK];
