//! User rows, their API view and the rules on their fields.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::roles::{Role, Roles};
use crate::db::schema::users;

/// How the audit log names a user record.
pub const ENTITY: &str = "user";

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub roles: String,
    pub active: bool,
    pub tokens_valid_after: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// A user account. The password hash never leaves the server.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(example = "ann@example.com")]
    pub email: String,
    #[schema(example = "Ann Lee")]
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases on every change; sent as the ETag and expected in If-Match.
    pub version: i64,
}

impl From<&UserRow> for User {
    fn from(row: &UserRow) -> User {
        User {
            id: row.id,
            email: row.email.clone(),
            name: row.name.clone(),
            roles: Roles::from_stored(&row.roles).to_vec(),
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// Emails are compared regardless of case, so they are stored lower-cased.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    let valid = raw.chars().count() <= 254
        && !email.chars().any(char::is_control)
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err("must be a valid email address such as ann@example.com")
    }
}

/// A name: 1 to 200 characters with some visible one and no control characters. The request
/// schemas state the same rule as `pattern` and `maxLength` (the pattern is repeated there
/// because utoipa takes only literals).
pub fn normalize_name(raw: &str) -> Result<String, &'static str> {
    if raw.chars().count() > 200 {
        return Err("must be at most 200 characters long");
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    match raw.trim() {
        "" => Err("must not be empty"),
        name => Ok(name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(normalize_email(" Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in ["", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@b@c.com", "a@.com"] {
            assert!(normalize_email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  Ann Lee ").unwrap(), "Ann Lee");
        assert!(normalize_name("   ").is_err());
        assert!(normalize_name(&"x".repeat(201)).is_err());
        assert!(normalize_name("Ann\u{0}Lee").is_err());
        assert!(normalize_email("ann\u{0}@example.com").is_err());
    }
}
