//! Migrations embedded in the binary: one folder per backend with the same version names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration; returns the versions applied. On PostgreSQL an advisory lock
/// serialises nodes that start at the same moment.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConn::Pg(c) => {
            use diesel::connection::SimpleConnection;
            c.batch_execute("SELECT pg_advisory_lock(7300451)").map_err(|e| e.to_string())?;
            let result = c.run_pending_migrations(POSTGRES).map(|v| v.iter().map(|m| m.to_string()).collect());
            c.batch_execute("SELECT pg_advisory_unlock(7300451)").map_err(|e| e.to_string())?;
            result
        }
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// Reverts the most recent migration (`opsdesk migrate --down`).
pub fn revert_last(conn: &mut DbConn) -> Result<String, String> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE).map(|m| m.to_string()),
        DbConn::Pg(c) => c.revert_last_migration(POSTGRES).map(|m| m.to_string()),
    };
    reverted.map_err(|e| format!("revert failed: {e}"))
}
