//! Gapless counters for human numbers (employee numbers, ticket numbers per desk, invoice numbers
//! per series and year). The counter row is updated inside the transaction that uses the number:
//! the row lock makes concurrent issuers (on several nodes too) wait their turn, and a rollback
//! gives the number back, so numbers are never duplicated and never skipped.

use diesel::prelude::*;

use super::{is_unique_violation, schema::counters, DbConn};

/// The next value of counter `name` (1 for a new counter). Call inside a write transaction.
pub fn next(conn: &mut DbConn, name: &str) -> QueryResult<i64> {
    for _ in 0..2 {
        let bumped: Option<i64> = diesel::update(counters::table.find(name))
            .set(counters::value.eq(counters::value + 1))
            .returning(counters::value)
            .get_result(conn)
            .optional()?;
        if let Some(value) = bumped {
            return Ok(value);
        }
        // First use. A concurrent first use makes this insert fail; then the update above wins.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(counters::table)
                .values((counters::name.eq(name), counters::value.eq(1i64)))
                .execute(conn)
        });
        match inserted {
            Ok(_) => return Ok(1),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}
