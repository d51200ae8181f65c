//! All SQL on refresh tokens. A refresh token belongs to a family (one sign-in); each use
//! replaces it with a new one in the same family, and a spent token used again revokes the whole
//! family, because one of the two users of it is a thief.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{self, schema::refresh_tokens, DbConn};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RefreshRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConn,
    user_id: i64,
    family: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(family),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(db::now()),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<RefreshRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()
}

/// Spends a token; false when it was already spent or revoked (by a concurrent request too).
pub fn spend(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(db::now())))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn revoke_family(conn: &mut DbConn, family: &str) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family.eq(family)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(db::now())))
    .execute(conn)
    .map(|_| ())
}

pub fn revoke_all_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(db::now())))
    .execute(conn)
    .map(|_| ())
}
