//! All SQL on API keys.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::ApiKeyRow;
use crate::auth::roles::Roles;
use crate::auth::users::model::UserRow;
use crate::db::{self, schema::api_keys, schema::users, DbConn};

pub struct NewApiKey<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub roles: String,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewApiKey) -> QueryResult<ApiKeyRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(api_keys::table)
        .values((
            api_keys::user_id.eq(new.user_id),
            api_keys::name.eq(new.name),
            api_keys::prefix.eq(new.prefix),
            api_keys::secret_hash.eq(new.secret_hash),
            api_keys::roles.eq(&new.roles),
            api_keys::expires_at.eq(new.expires_at),
            api_keys::created_at.eq(now),
            api_keys::updated_at.eq(now),
            api_keys::version.eq(1i64),
        ))
        .returning(api_keys::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<ApiKeyRow> {
    api_keys::table.find(id).select(ApiKeyRow::as_select()).first(conn)
}

pub fn find_optional(conn: &mut DbConn, id: i64) -> QueryResult<Option<ApiKeyRow>> {
    find(conn, id).optional()
}

/// Keys in id order; `user_id` None lists every user's keys.
pub fn list(
    conn: &mut DbConn,
    user_id: Option<i64>,
    updated_since: Option<NaiveDateTime>,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ApiKeyRow>> {
    let mut query = api_keys::table.select(ApiKeyRow::as_select()).into_boxed();
    if let Some(user_id) = user_id {
        query = query.filter(api_keys::user_id.eq(user_id));
    }
    if let Some(since) = updated_since {
        query = query.filter(api_keys::updated_at.ge(since));
    }
    if let Some(after) = after_id {
        query = query.filter(api_keys::id.gt(after));
    }
    query.order(api_keys::id.asc()).limit(limit + 1).load(conn)
}

pub fn revoke(conn: &mut DbConn, id: i64, expected_version: i64) -> QueryResult<bool> {
    let now = db::now();
    diesel::update(api_keys::table.find(id).filter(api_keys::version.eq(expected_version)))
        .set((
            api_keys::revoked_at.eq(Some(now)),
            api_keys::updated_at.eq(now),
            api_keys::version.eq(api_keys::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// The key with this secret hash, if it is usable now: not revoked, not expired, and its user
/// active. Returns the key id, the user and the key's roles.
pub fn authenticate(
    conn: &mut DbConn,
    secret_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(i64, UserRow, Roles)>, crate::error::ApiError> {
    let found: Option<(ApiKeyRow, UserRow)> = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::secret_hash.eq(secret_hash))
        .select((ApiKeyRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?;
    let Some((key, user)) = found else { return Ok(None) };
    let usable = key.revoked_at.is_none() && key.expires_at.is_none_or(|t| t > now) && user.active;
    if !usable {
        return Ok(None);
    }
    // Recording every use would turn each read into a write; once a minute is enough to tell
    // live keys from forgotten ones.
    if key.last_used_at.is_none_or(|t| now - t > TimeDelta::minutes(1)) {
        diesel::update(api_keys::table.find(key.id)).set(api_keys::last_used_at.eq(Some(now))).execute(conn)?;
    }
    Ok(Some((key.id, user, Roles::from_stored(&key.roles))))
}
