//! Writing many rows in batches (posting the history when the books are opened on older data).
//! PostgreSQL plans a prepared statement for the table sizes it knows, and autovacuum analyzes a
//! table only after it has grown by a share of its size: a lookup by index that was planned as a
//! scan of a nearly empty table stays a scan while the table grows under it, and the load slows
//! with the square of its size. So each time the batches written double, the tables being filled
//! are analyzed, which also has the cached plans made again. SQLite needs none of it.

use diesel::connection::SimpleConnection;
use diesel::QueryResult;

use super::{Backend, DbConn};

/// Call after batch number `batches` (1, 2, 3, …) of a load that fills `tables`: after the 1st,
/// 2nd, 4th, 8th… their statistics are renewed.
pub fn batch_done(conn: &mut DbConn, tables: &[&str], batches: u64) -> QueryResult<()> {
    if batches.is_power_of_two() && conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!("ANALYZE {}", tables.join(", ")))?;
    }
    Ok(())
}
