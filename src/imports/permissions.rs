//! Who sees import jobs (see `auth::roles::Permission`). Who may import a kind is who may create
//! it through its own endpoint (`kinds::permission`): no permission of its own.

use crate::auth::roles::{Permission, Role};

pub const SEE_EVERY_IMPORT: Permission = Permission {
    action: "read every user's import jobs and their errors",
    roles: &[Role::Auditor],
    limit: "others read the jobs they queued",
};

pub const ALL: &[&Permission] = &[&SEE_EVERY_IMPORT];
