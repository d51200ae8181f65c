//! The import jobs' SQL: jobs with their leases and progress, their files and their row errors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{ErrorRow, ImportStatus, JobRow, RowError};
use crate::db::schema::{import_errors, import_files, import_jobs};
use crate::db::sql::{self, Bind};
use crate::db::{self, Backend, DbConn};

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub mode: &'a str,
    pub commit_mode: &'a str,
    pub dry_run: bool,
    pub format: &'a str,
    pub total_rows: i64,
    pub created_by: i64,
    pub roles: &'a str,
    pub api_key_id: Option<i64>,
    pub request_id: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewJob, content: &str) -> QueryResult<JobRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(import_jobs::table)
        .values((
            import_jobs::kind.eq(new.kind),
            import_jobs::mode.eq(new.mode),
            import_jobs::commit_mode.eq(new.commit_mode),
            import_jobs::dry_run.eq(new.dry_run),
            import_jobs::format.eq(new.format),
            import_jobs::status.eq(ImportStatus::Queued.as_str()),
            import_jobs::total_rows.eq(new.total_rows),
            import_jobs::created_by.eq(new.created_by),
            import_jobs::roles.eq(new.roles),
            import_jobs::api_key_id.eq(new.api_key_id),
            import_jobs::request_id.eq(new.request_id),
            import_jobs::created_at.eq(now),
            import_jobs::updated_at.eq(now),
        ))
        .returning(import_jobs::id)
        .get_result(conn)?;
    diesel::insert_into(import_files::table)
        .values((import_files::job_id.eq(id), import_files::content.eq(content)))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<JobRow> {
    import_jobs::table.find(id).select(JobRow::as_select()).first(conn)
}

pub fn find_optional(conn: &mut DbConn, id: i64) -> QueryResult<Option<JobRow>> {
    find(conn, id).optional()
}

pub fn file(conn: &mut DbConn, job_id: i64) -> QueryResult<Option<String>> {
    import_files::table.find(job_id).select(import_files::content).first(conn).optional()
}

/// The caller's jobs (or everyone's, `creator` None), newest first.
pub fn list(
    conn: &mut DbConn,
    creator: Option<i64>,
    updated_since: Option<NaiveDateTime>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = import_jobs::table.select(JobRow::as_select()).into_boxed();
    if let Some(creator) = creator {
        query = query.filter(import_jobs::created_by.eq(creator));
    }
    if let Some(since) = updated_since {
        query = query.filter(import_jobs::updated_at.ge(since));
    }
    if let Some(before) = before_id {
        query = query.filter(import_jobs::id.lt(before));
    }
    query.order(import_jobs::id.desc()).limit(limit + 1).load(conn)
}

pub fn errors(conn: &mut DbConn, job_id: i64, after_id: Option<i64>, limit: i64) -> QueryResult<Vec<ErrorRow>> {
    let mut query =
        import_errors::table.filter(import_errors::job_id.eq(job_id)).select(ErrorRow::as_select()).into_boxed();
    if let Some(after) = after_id {
        query = query.filter(import_errors::id.gt(after));
    }
    query.order(import_errors::id.asc()).limit(limit + 1).load(conn)
}

pub fn add_errors(conn: &mut DbConn, job_id: i64, errors: &[RowError]) -> QueryResult<()> {
    // One statement each: a multi-row insert does not go through the two-backend connection.
    for e in errors {
        diesel::insert_into(import_errors::table)
            .values((
                import_errors::job_id.eq(job_id),
                import_errors::row_number.eq(e.row),
                import_errors::column_name.eq(e.column.as_deref()),
                import_errors::message.eq(e.message.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a job waits for a node (one read: an idle node takes no write lock to find out).
pub fn any_waiting(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        import_jobs::table
            .filter(import_jobs::status.eq_any([ImportStatus::Queued.as_str(), ImportStatus::Running.as_str()]))
            .filter(import_jobs::lease_until.is_null().or(import_jobs::lease_until.lt(now))),
    ))
    .get_result(conn)
}

/// Leases the oldest job that waits (queued, or running under a lease that ran out: its node
/// died) to `node` until `lease_until`, and marks it running. On PostgreSQL the row is picked
/// with SKIP LOCKED, so nodes claiming at once take different jobs; SQLite has one writer.
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<JobRow>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let lock = if conn.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let due = format!(
        "SELECT id FROM import_jobs WHERE status IN ('queued', 'running') \
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1{lock}"
    );
    let ids: Vec<Id> = sql::load(conn, &due, &[Bind::At(now)])?;
    let Some(id) = ids.first().map(|r| r.id) else { return Ok(None) };
    diesel::update(import_jobs::table.find(id))
        .set((
            import_jobs::status.eq(ImportStatus::Running.as_str()),
            import_jobs::lease_owner.eq(node),
            import_jobs::lease_until.eq(lease_until),
            import_jobs::attempts.eq(import_jobs::attempts + 1),
            import_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(import_jobs::table.find(id).filter(import_jobs::started_at.is_null()))
        .set(import_jobs::started_at.eq(Some(now)))
        .execute(conn)?;
    find_optional(conn, id)
}

/// True when `node` still holds the job's lease (locked on PostgreSQL until the transaction
/// ends, so the lease cannot pass to another node meanwhile).
pub fn holds_lease(conn: &mut DbConn, id: i64, node: &str) -> QueryResult<bool> {
    let mine = import_jobs::id.eq(id).and(import_jobs::lease_owner.eq(node));
    let found = match conn {
        DbConn::Pg(pg) => {
            import_jobs::table.filter(mine).select(import_jobs::id).for_update().first::<i64>(pg).optional()?
        }
        DbConn::Sqlite(sqlite) => {
            import_jobs::table.filter(mine).select(import_jobs::id).first::<i64>(sqlite).optional()?
        }
    };
    Ok(found.is_some())
}

/// Counts as they stand after a step.
#[derive(Debug, Default, Clone, Copy)]
pub struct Progress {
    pub processed_rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub failed_rows: i64,
    pub next_row: i64,
}

/// Saves progress and renews the lease (per-row jobs, with the rows it counts).
pub fn save_progress(conn: &mut DbConn, id: i64, progress: &Progress, lease_until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(import_jobs::table.find(id))
        .set((
            import_jobs::processed_rows.eq(progress.processed_rows),
            import_jobs::inserted.eq(progress.inserted),
            import_jobs::updated.eq(progress.updated),
            import_jobs::failed_rows.eq(progress.failed_rows),
            import_jobs::next_row.eq(progress.next_row),
            import_jobs::lease_until.eq(lease_until),
            import_jobs::updated_at.eq(db::now()),
            import_jobs::version.eq(import_jobs::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Closes a job with its final counts and status; the lease is released.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    progress: &Progress,
    status: ImportStatus,
    failure: Option<&str>,
) -> QueryResult<()> {
    let now = db::now();
    diesel::update(import_jobs::table.find(id))
        .set((
            import_jobs::processed_rows.eq(progress.processed_rows),
            import_jobs::inserted.eq(progress.inserted),
            import_jobs::updated.eq(progress.updated),
            import_jobs::failed_rows.eq(progress.failed_rows),
            import_jobs::next_row.eq(progress.next_row),
            import_jobs::status.eq(status.as_str()),
            import_jobs::failure.eq(failure),
            import_jobs::lease_owner.eq(None::<String>),
            import_jobs::lease_until.eq(None::<NaiveDateTime>),
            import_jobs::finished_at.eq(Some(now)),
            import_jobs::updated_at.eq(now),
            import_jobs::version.eq(import_jobs::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
