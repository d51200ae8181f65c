//! Writing many rows inside one long transaction (posting the history when the books are opened
//! on older data). PostgreSQL plans a prepared statement for the table sizes it knows, and
//! autovacuum never sees rows that are not committed yet: a lookup by index that was planned as a
//! scan of a nearly empty table stays a scan while the table grows under it, and the load slows
//! with the square of its size. So each time the batches written double, the tables being filled
//! are analyzed (ANALYZE counts this transaction's own rows), which also has the cached plans made
//! again. SQLite needs none of it.

use diesel::connection::SimpleConnection;
use diesel::QueryResult;

use super::{Backend, DbConn};

pub struct BulkLoad {
    tables: &'static [&'static str],
    batches: u64,
}

impl BulkLoad {
    /// A load that fills `tables`.
    pub fn new(tables: &'static [&'static str]) -> BulkLoad {
        BulkLoad { tables, batches: 0 }
    }

    /// Call after each batch: after the 1st, 2nd, 4th, 8th… the tables' statistics are renewed.
    pub fn batch_done(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        self.batches += 1;
        if self.batches.is_power_of_two() && conn.backend() == Backend::Postgres {
            conn.batch_execute(&format!("ANALYZE {}", self.tables.join(", ")))?;
        }
        Ok(())
    }
}
