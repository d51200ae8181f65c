//! Roles (see DESIGN.md, "Identity and access"). A user may hold several; `admin` may do
//! everything.
//!
//! Who may do what is declared once per module, in its `permissions.rs`, as [`Permission`]s.
//! Handlers check those declarations (`principal.require(&permissions::X)`), and the README's
//! role matrix is generated from the same declarations ([`matrix`], `opsdesk roles`), so the
//! table and the checks cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Invoices, payments, budgets; reads everything else, including cost and pay fields.
    Finance,
    /// Employees, departments, compensation.
    Hr,
    /// Desks and inventory; reads tickets and reports.
    Ops,
    /// Works tickets on the desks they belong to and logs time.
    Agent,
    /// Self-service: own profile, own tickets, own time.
    Employee,
    /// Reads everything, including the audit log; writes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Finance, Role::Hr, Role::Ops, Role::Agent, Role::Employee, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Finance => "finance",
            Role::Hr => "hr",
            Role::Ops => "ops",
            Role::Agent => "agent",
            Role::Employee => "employee",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; roles are admin, finance, hr, ops, agent, employee, auditor"))
    }
}

/// Every role but admin, which holds every permission anyway.
pub const EVERYONE: &[Role] = &[Role::Finance, Role::Hr, Role::Ops, Role::Agent, Role::Employee, Role::Auditor];

/// Every role that writes: a caller whose roles are only `auditor` writes nothing.
pub const EVERYONE_WHO_WRITES: &[Role] = &[Role::Finance, Role::Hr, Role::Ops, Role::Agent, Role::Employee];

/// One thing a caller may do and the roles that may do it (admin always may).
#[derive(Debug)]
pub struct Permission {
    /// What it allows, as a verb phrase ("record payments"); the 403 and the matrix name it.
    pub action: &'static str,
    /// The roles besides admin that hold it.
    pub roles: &'static [Role],
    /// The condition on the grant, if any ("on the desks they are members of"), or "".
    pub limit: &'static str,
}

impl Permission {
    /// True when `roles` (a caller's) hold this permission.
    pub fn granted_to(&self, roles: &Roles) -> bool {
        roles.contains(Role::Admin) || self.roles.iter().any(|r| roles.contains(*r))
    }
}

/// The role matrix as a Markdown table: one row per permission, modules in the order given.
pub fn matrix(modules: &[(&str, &[&Permission])]) -> String {
    let mut out = String::from("| Module | Permission |");
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str(" Limit |\n|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push_str("---|\n");
    for (module, permissions) in modules {
        for permission in *permissions {
            out.push_str(&format!("| {module} | {} |", permission.action));
            for role in Role::ALL {
                let held = role == Role::Admin || permission.roles.contains(&role);
                out.push_str(if held { " ✓ |" } else { " |" });
            }
            let limit = if permission.limit.is_empty() { String::new() } else { format!(" {}", permission.limit) };
            out.push_str(&format!("{limit} |\n"));
        }
    }
    out
}

/// A set of roles, stored as a sorted comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Roles {
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    /// Parses the stored form. Unknown names (a role removed in a later version) are dropped
    /// rather than granting anything.
    pub fn from_stored(stored: &str) -> Roles {
        Roles::new(stored.split(',').filter_map(|r| r.trim().parse().ok()).collect())
    }

    pub fn to_stored(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// True when every role in `self` is also in `other`.
    pub fn is_subset_of(&self, other: &Roles) -> bool {
        self.0.iter().all(|r| other.contains(*r))
    }

    /// True when holding these roles allows acting as `role`: admin allows every role.
    pub fn grants(&self, role: Role) -> bool {
        self.contains(Role::Admin) || self.contains(role)
    }

    /// The roles of `self` that `holder` grants (an API key's roles, limited to what its user
    /// may do now).
    pub fn limited_to(&self, holder: &Roles) -> Roles {
        Roles(self.0.iter().copied().filter(|r| holder.grants(*r)).collect())
    }

    pub fn to_vec(&self) -> Vec<Role> {
        self.0.clone()
    }

    /// Auditors write nothing: true when the roles are the auditor's and no role that writes
    /// (an auditor who is also an employee writes as the employee does).
    pub fn only_reads(&self) -> bool {
        self.contains(Role::Auditor) && self.0.iter().all(|r| *r == Role::Auditor)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_is_sorted_and_deduplicated() {
        let roles = Roles::new(vec![Role::Ops, Role::Admin, Role::Ops]);
        assert_eq!(roles.to_stored(), "admin,ops");
        assert_eq!(Roles::from_stored("ops,admin,retired_role"), roles);
    }

    #[test]
    fn admin_holds_every_permission_and_others_only_theirs() {
        const PAY: Permission = Permission { action: "record payments", roles: &[Role::Finance], limit: "" };
        assert!(PAY.granted_to(&Roles::new(vec![Role::Admin])));
        assert!(PAY.granted_to(&Roles::new(vec![Role::Ops, Role::Finance])));
        assert!(!PAY.granted_to(&Roles::new(vec![Role::Auditor])));
        let table = matrix(&[("invoices", &[&PAY])]);
        assert!(table.contains("| invoices | record payments | ✓ | ✓ | | | | | | |"), "{table}");
    }

    #[test]
    fn keys_are_limited_to_what_their_holder_grants() {
        let wide = Roles::new(vec![Role::Ops, Role::Finance]);
        let narrow = Roles::new(vec![Role::Ops]);
        assert_eq!(wide.limited_to(&narrow), narrow);
        let admin = Roles::new(vec![Role::Admin]);
        assert_eq!(wide.limited_to(&admin), wide, "admin grants every role");
        assert!(!narrow.grants(Role::Finance));
    }
}
