//! All SQL on the users table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::UserRow;
use crate::db::schema::{refresh_tokens, users};
use crate::db::{self, lower, DbConn};

/// `roles` (a comma-separated list) names `role` as a whole element, not as part of another.
fn holds_role(
    role: &str,
) -> Box<dyn BoxableExpression<users::table, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>> {
    Box::new(
        users::roles
            .eq(role.to_string())
            .or(users::roles.like(format!("{role},%")))
            .or(users::roles.like(format!("%,{role}")))
            .or(users::roles.like(format!("%,{role},%"))),
    )
}

pub fn find_optional(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    let Some(email) = db::searchable(email) else { return Ok(None) };
    users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).optional()
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub roles: String,
    pub active: bool,
}

/// Inserts a user and returns the stored row.
pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<UserRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email),
            users::name.eq(new.name),
            users::password_hash.eq(new.password_hash),
            users::roles.eq(&new.roles),
            users::active.eq(new.active),
            users::created_at.eq(now),
            users::updated_at.eq(now),
            users::version.eq(1i64),
        ))
        .returning(users::id)
        .get_result(conn)?;
    users::table.find(id).select(UserRow::as_select()).first(conn)
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub updated_since: Option<NaiveDateTime>,
}

/// Users in id order after `after_id`; one row more than `limit` tells the caller whether another
/// page exists.
pub fn list(conn: &mut DbConn, filter: &UserFilter, after_id: Option<i64>, limit: i64) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let Some(q) = db::searchable(q) else { return Ok(Vec::new()) };
        let pattern = db::contains_pattern(q);
        query = query
            .filter(lower(users::name).like(pattern.clone()).escape('\\').or(users::email.like(pattern).escape('\\')));
    }
    if let Some(role) = &filter.role {
        query = query.filter(holds_role(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(users::updated_at.ge(since));
    }
    if let Some(after) = after_id {
        query = query.filter(users::id.gt(after));
    }
    query.order(users::id.asc()).limit(limit + 1).load(conn)
}

pub struct UserChanges {
    pub name: String,
    pub roles: String,
    pub active: bool,
}

/// Writes `changes` if the row is still at `expected_version`; false when another request
/// changed it first.
pub fn update(conn: &mut DbConn, id: i64, expected_version: i64, changes: &UserChanges) -> QueryResult<bool> {
    diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((
            users::name.eq(&changes.name),
            users::roles.eq(&changes.roles),
            users::active.eq(changes.active),
            users::updated_at.eq(db::now()),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// The user, and whether the sign-in `session` (a refresh-token family) is still open: one of
/// its tokens not revoked. None for no such user.
pub fn find_with_session(conn: &mut DbConn, id: i64, session: &str) -> QueryResult<Option<(UserRow, bool)>> {
    let open =
        refresh_tokens::table.filter(refresh_tokens::family.eq(session)).filter(refresh_tokens::revoked_at.is_null());
    users::table.find(id).select((UserRow::as_select(), diesel::dsl::exists(open))).first(conn).optional()
}

/// Sets a new password hash (the caller ends the user's sign-ins, and with them their access
/// tokens); `tokens_valid_after` records when.
pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> QueryResult<()> {
    let now = db::now();
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::tokens_valid_after.eq(Some(now)),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Active admins other than `except_id` (an admin may not lock everyone out).
pub fn other_active_admins(conn: &mut DbConn, except_id: i64) -> QueryResult<i64> {
    users::table
        .filter(users::active.eq(true))
        .filter(holds_role(crate::auth::roles::Role::Admin.as_str()))
        .filter(users::id.ne(except_id))
        .count()
        .get_result(conn)
}
