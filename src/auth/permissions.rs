//! Who may do what with users, sessions, API keys and the audit log (see `roles::Permission`).

use super::roles::{Permission, Role, EVERYONE};

pub const MANAGE_USERS: Permission =
    Permission { action: "create, change and deactivate users", roles: &[], limit: "" };

pub const READ_USERS: Permission =
    Permission { action: "read users and their history", roles: &[Role::Auditor], limit: "" };

pub const OWN_ACCOUNT: Permission = Permission {
    action: "sign in, change their own password, create and revoke their own API keys",
    roles: EVERYONE,
    limit: "a key's roles are no wider than its user's; keys are created with an access token",
};

pub const READ_EVERY_API_KEY: Permission =
    Permission { action: "read every user's API keys", roles: &[Role::Auditor], limit: "" };

pub const REVOKE_ANY_API_KEY: Permission =
    Permission { action: "revoke another user's API key", roles: &[], limit: "" };

pub const READ_AUDIT_LOG: Permission =
    Permission { action: "read the audit log and the change feed", roles: &[Role::Auditor], limit: "" };

pub const ALL: &[&Permission] =
    &[&MANAGE_USERS, &READ_USERS, &OWN_ACCOUNT, &READ_EVERY_API_KEY, &REVOKE_ANY_API_KEY, &READ_AUDIT_LOG];
