//! Hand-written statements, for the few that Diesel's DSL cannot express through the
//! multi-backend connection (grouping by an expression, per-backend date arithmetic, upserts).
//! The statement is written once with `?` placeholders; its binds are listed in order.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Integer, Nullable, Text, Timestamp};

use super::{numbered_placeholders, DbConn};

/// One bound value of a hand-written statement.
#[derive(Debug, Clone)]
pub enum Bind {
    At(NaiveDateTime),
    Day(NaiveDate),
    BigInt(i64),
    /// A BIGINT that may be NULL.
    MaybeBigInt(Option<i64>),
    Integer(i32),
    Text(String),
}

fn bind_all<'a, DB>(
    mut query: BoxedSqlQuery<'a, DB, diesel::query_builder::SqlQuery>,
    binds: &[Bind],
) -> BoxedSqlQuery<'a, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend + HasSqlType<Timestamp> + HasSqlType<Date> + HasSqlType<BigInt> + HasSqlType<Text>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    NaiveDate: ToSql<Date, DB>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    i32: ToSql<Integer, DB>,
    String: ToSql<Text, DB>,
{
    for bind in binds {
        query = match bind {
            Bind::At(t) => query.bind::<Timestamp, _>(*t),
            Bind::Day(d) => query.bind::<Date, _>(*d),
            Bind::BigInt(i) => query.bind::<BigInt, _>(*i),
            Bind::MaybeBigInt(i) => query.bind::<Nullable<BigInt>, _>(*i),
            Bind::Integer(i) => query.bind::<Integer, _>(*i),
            Bind::Text(s) => query.bind::<Text, _>(s.clone()),
        };
    }
    query
}

/// Runs `sql` (with `?` placeholders) with `binds` and loads its rows.
pub fn load<T>(conn: &mut DbConn, sql: &str, binds: &[Bind]) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    match conn {
        DbConn::Pg(c) => bind_all(diesel::sql_query(numbered_placeholders(sql)).into_boxed(), binds).load(c),
        DbConn::Sqlite(c) => bind_all(diesel::sql_query(sql).into_boxed(), binds).load(c),
    }
}

/// Runs `sql` (with `?` placeholders) with `binds`; the number of rows it changed.
pub fn execute(conn: &mut DbConn, sql: &str, binds: &[Bind]) -> QueryResult<usize> {
    match conn {
        DbConn::Pg(c) => bind_all(diesel::sql_query(numbered_placeholders(sql)).into_boxed(), binds).execute(c),
        DbConn::Sqlite(c) => bind_all(diesel::sql_query(sql).into_boxed(), binds).execute(c),
    }
}

#[derive(QueryableByName)]
struct HeldRow {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    id: i64,
}

/// Takes rows `ids` of `table` for this transaction without changing them (PostgreSQL: FOR
/// UPDATE, in id order, so that two transactions holding several take them in one order; SQLite's
/// write transaction holds the whole database already). A change that will update a row late, after
/// taking a shared counter (a document number, the journal's), holds the row first: taking the
/// row and the counter in one order everywhere is what keeps PostgreSQL from deadlocking.
pub fn hold_rows(conn: &mut DbConn, table: &'static str, ids: &[i64]) -> QueryResult<()> {
    if ids.is_empty() || conn.backend() == super::Backend::Sqlite {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    load::<HeldRow>(conn, &format!("SELECT id FROM {table} WHERE id IN ({list}) ORDER BY id FOR UPDATE"), &[])
        .map(|_| ())
}
