//! Accounts created outside the API: the first admin on an empty database, and users made with
//! `opsdesk users create` or `opsdesk demo`. They pass the same checks as `POST /users`.

use super::password::{self, Hasher};
use super::roles::Roles;
use super::tokens::random_token;
use super::users::model::{normalize_email, normalize_name, User, UserRow};
use super::users::{model::ENTITY, repo};
use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};

pub const DEFAULT_ADMIN_EMAIL: &str = "admin@opsdesk.local";

fn describe(error: ApiError) -> String {
    match error {
        ApiError::Invalid(errors) => errors
            .iter()
            .map(|e| format!("{} {}", e.pointer.as_deref().unwrap_or("").trim_start_matches('/'), e.detail))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Creates a user with a password, validated like the API does, in one audited transaction.
pub fn create_user(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    roles: Roles,
    password: &str,
    actor: &Actor,
) -> Result<UserRow, String> {
    let mut v = Validator::new();
    let email = normalize_email(email).map_err(|e| v.error("/email", e)).unwrap_or_default();
    let name = normalize_name(name).map_err(|e| v.error("/name", e)).unwrap_or_default();
    v.check(!roles.is_empty(), "/roles", "must name at least one role");
    password::check_policy(&mut v, "/password", password, &email);
    v.finish().map_err(describe)?;
    let password_hash = Hasher::hash_blocking(password).map_err(describe)?;
    db::write_tx(conn, |conn| {
        if repo::find_by_email(conn, &email)?.is_some() {
            return Err(ApiError::Conflict(format!("a user with email {email} already exists")));
        }
        let row = repo::insert(
            conn,
            &repo::NewUser {
                email: &email,
                name: &name,
                password_hash: &password_hash,
                roles: roles.to_stored(),
                active: true,
            },
        )?;
        let user = User::from(&row);
        audit::record(conn, actor, "user.created", ENTITY, row.id, None, Some(&user))?;
        Ok(row)
    })
    .map_err(describe)
}

/// When no active admin exists (a new database, or one that `opsdesk demo` filled first),
/// creates one from OPSDESK_ADMIN_EMAIL/PASSWORD, or with a generated password that is returned
/// to be printed once. When several nodes start at once, one wins and the others find the account
/// there.
pub fn ensure_first_admin(conn: &mut DbConn, config: &Config) -> Result<Option<(String, String)>, String> {
    if repo::other_active_admins(conn, 0).map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    let email = config.admin_email.clone().unwrap_or_else(|| DEFAULT_ADMIN_EMAIL.to_string());
    let (password, generated) = match &config.admin_password {
        Some(password) => (password.clone(), false),
        None => (random_token(18), true),
    };
    let roles = Roles::new(vec![super::roles::Role::Admin]);
    match create_user(conn, &email, "Administrator", roles, &password, &Actor::system("bootstrap")) {
        Ok(_) => Ok(generated.then_some((email, password))),
        // Another node created it at the same moment, or the email belongs to a non-admin.
        Err(e) if e.contains("already exists") || e.contains("conflicts with an existing record") => {
            if repo::other_active_admins(conn, 0).map_err(|e| e.to_string())? > 0 {
                Ok(None)
            } else {
                Err(format!(
                    "no active admin exists and {email} belongs to an account without the admin role; \
                     set OPSDESK_ADMIN_EMAIL to another address or run `opsdesk users create --role admin`"
                ))
            }
        }
        Err(e) => Err(format!("cannot create the first admin ({email}): {e}")),
    }
}
