//! Running import jobs: every node runs one runner. It leases the oldest waiting job (queued, or
//! running under a lease that ran out because its node died), so no two nodes run a job at once,
//! and writes its rows as the job's creator, through each module's own create and update code.
//!
//! - whole_file: every row in one transaction, each in a savepoint; a bad row is rolled back to
//!   its savepoint and the rest are still checked, so every error is listed at once; any error
//!   and nothing is kept (status failed).
//! - per_row: rows in batches of one transaction each (a savepoint per row): the good rows are
//!   kept, the bad listed; the batch's progress (next_row) commits with its rows, so a job taken
//!   over after its node died goes on after the last committed batch.
//! - dry_run: as whole_file, and the transaction is always rolled back; the counts say what would
//!   have been inserted and updated.

use std::time::Duration;

use chrono::TimeDelta;
use diesel::Connection;

use super::kinds::{self, Applied};
use super::model::{ImportCommit, ImportFormat, ImportKind, ImportMode, ImportStatus, JobRow, RowError};
use super::parse::{self, Row};
use super::repo::{self, Progress};
use crate::auth::principal::{Credential, Principal};
use crate::auth::roles::Roles;
use crate::config::ImportSettings;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// Rows per transaction of a per-row job: progress is saved (and the lease renewed) this often.
const BATCH: usize = 100;
/// A job whose node stopped this many times while running it (a crash, or a database error that
/// is not any row's) is given up as failed rather than taken again.
const MAX_ATTEMPTS: i32 = 3;

/// Starts this node's runner on the current actix system (it stops with it).
pub fn start(pool: DbPool, settings: ImportSettings) {
    let node = format!("node-{}-{}", std::process::id(), hex::encode(rand::random::<[u8; 3]>()));
    actix_web::rt::spawn(async move {
        let mut pause = settings.poll;
        loop {
            match round(&pool, &settings, &node).await {
                // A job ran: look again at once, another may wait.
                Ok(true) => pause = settings.poll,
                Ok(false) => {
                    pause = settings.poll;
                    actix_web::rt::time::sleep(pause).await;
                }
                Err(e) => {
                    // The database is away: wait longer each time, up to half a minute.
                    log::warn!("imports: {e}");
                    pause = (pause * 2).min(Duration::from_secs(30));
                    actix_web::rt::time::sleep(pause).await;
                }
            }
        }
    });
}

async fn round(pool: &DbPool, settings: &ImportSettings, node: &str) -> Result<bool, ApiError> {
    let now = db::now();
    if !db::run(pool, move |conn| Ok(repo::any_waiting(conn, now)?)).await? {
        return Ok(false);
    }
    let lease = lease_of(settings);
    let owner = node.to_string();
    let Some(job) = db::run_write(pool, move |conn| Ok(repo::claim(conn, &owner, now, now + lease)?)).await? else {
        return Ok(false);
    };
    let owner = node.to_string();
    db::run_heavy(pool, move |conn| run(conn, &Lease { node: owner, length: lease }, job)).await?;
    Ok(true)
}

fn lease_of(settings: &ImportSettings) -> TimeDelta {
    TimeDelta::from_std(settings.lease).unwrap_or(TimeDelta::minutes(10))
}

struct Lease {
    node: String,
    length: TimeDelta,
}

/// Why a transaction of a job ends without committing.
enum Stop {
    /// Dry run, or a whole-file job with a bad row: nothing is kept.
    Rollback,
    /// Another node holds the job now (this one's lease ran out): it is left to that node.
    LostLease,
    Error(ApiError),
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Stop {
        Stop::Error(e.into())
    }
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Stop {
        Stop::Error(e)
    }
}

/// Runs a job this node has leased, to its end.
fn run(conn: &mut DbConn, lease: &Lease, job: JobRow) -> Result<(), ApiError> {
    let (Some(kind), Some(mode), Some(commit), Some(format)) = (
        ImportKind::from_stored(&job.kind),
        ImportMode::from_stored(&job.mode),
        ImportCommit::from_stored(&job.commit_mode),
        ImportFormat::from_stored(&job.format),
    ) else {
        return give_up(conn, lease, &job, "this version of opsdesk does not know the job's kind, mode or format");
    };
    if job.attempts > MAX_ATTEMPTS {
        let why = format!("the import stopped {MAX_ATTEMPTS} times before it finished; it is not tried again");
        return give_up(conn, lease, &job, &why);
    }
    let principal = match acting_as(conn, &job)? {
        Ok(principal) => principal,
        Err(why) => return give_up(conn, lease, &job, &why),
    };
    let permission = kinds::permission(kind);
    if !principal.may(permission) {
        let why = format!("the roles of the user who queued the import no longer allow them to {}", permission.action);
        return give_up(conn, lease, &job, &why);
    }
    let text = repo::file(conn, job.id)?.unwrap_or_default();
    let parsed = parse::parse(format, &text, &kinds::columns(kind));
    drop(text);
    if !parsed.header.is_empty() {
        let progress = Progress { failed_rows: 1, ..Progress::default() };
        return close(
            conn,
            lease,
            &job,
            &progress,
            &parsed.header,
            ImportStatus::Failed,
            Some("the header row is wrong"),
        );
    }
    let work = Work { principal: &principal, kind, mode };
    if job.dry_run || commit == ImportCommit::WholeFile {
        whole_file(conn, lease, &job, &work, commit, &parsed.rows)
    } else {
        per_row(conn, lease, &job, &work, &parsed.rows)
    }
}

/// The user the job acts for, as they stand now: active (and the API key that queued it, if one
/// did, still usable), with the roles of that credential limited to the user's roles today (as
/// each request of theirs would be).
fn acting_as(conn: &mut DbConn, job: &JobRow) -> Result<Result<Principal, String>, ApiError> {
    let Some(user) = crate::auth::users::find_optional(conn, job.created_by)?.filter(|u| u.active) else {
        return Ok(Err("the user who queued the import is deactivated".into()));
    };
    if let Some(key) = job.api_key_id {
        if !crate::auth::api_keys::usable(conn, key, db::now())? {
            return Ok(Err("the API key that queued the import is revoked or expired".into()));
        }
    }
    let roles = Roles::from_stored(&job.roles).limited_to(&Roles::from_stored(&user.roles));
    let credential = job.api_key_id.map_or(Credential::AccessToken, |id| Credential::ApiKey { id });
    Ok(Ok(Principal::for_job(user.id, user.email, roles, credential, job.request_id.clone())))
}

struct Work<'a> {
    principal: &'a Principal,
    kind: ImportKind,
    mode: ImportMode,
}

/// One row, in a savepoint of the caller's transaction: counted, and its errors collected.
/// Problems of the row's own are its errors; any other (the database went away) stops the job.
fn step(
    conn: &mut DbConn,
    work: &Work,
    row: &Row,
    progress: &mut Progress,
    errors: &mut Vec<RowError>,
) -> Result<(), Stop> {
    progress.processed_rows += 1;
    progress.next_row += 1;
    let fields = match &row.fields {
        Ok(fields) => fields.clone(),
        Err(problems) => {
            progress.failed_rows += 1;
            errors.extend(problems.iter().cloned());
            return Ok(());
        }
    };
    match conn.transaction(|conn| kinds::apply(conn, work.principal, work.kind, work.mode, fields)) {
        Ok(Applied::Inserted) => progress.inserted += 1,
        Ok(Applied::Updated) => progress.updated += 1,
        Err(e) => match row_errors(row.number, e) {
            Ok(problems) => {
                progress.failed_rows += 1;
                errors.extend(problems);
            }
            Err(e) => return Err(Stop::Error(e)),
        },
    }
    Ok(())
}

/// What a row's failure says, by column; Err for a failure that is not the row's.
pub fn row_errors(row: i64, error: ApiError) -> Result<Vec<RowError>, ApiError> {
    match error {
        ApiError::Invalid(fields) => Ok(fields
            .into_iter()
            .map(|f| {
                let column =
                    f.pointer.map(|p| p.trim_start_matches('/').to_string()).or(f.parameter).filter(|c| !c.is_empty());
                RowError { row, column, message: f.detail }
            })
            .collect()),
        e @ (ApiError::BadRequest(_)
        | ApiError::Forbidden(_)
        | ApiError::NotFound
        | ApiError::Conflict(_)
        | ApiError::PreconditionFailed(_)) => Ok(vec![RowError::new(row, None, e.to_string())]),
        other => Err(other),
    }
}

fn whole_file(
    conn: &mut DbConn,
    lease: &Lease,
    job: &JobRow,
    work: &Work,
    commit: ImportCommit,
    rows: &[Row],
) -> Result<(), ApiError> {
    let mut progress = Progress::default();
    let mut errors = Vec::new();
    let outcome = db::write_tx(conn, |conn| {
        if !repo::holds_lease(conn, job.id, &lease.node)? {
            return Err(Stop::LostLease);
        }
        for row in rows {
            step(conn, work, row, &mut progress, &mut errors)?;
        }
        if job.dry_run || !errors.is_empty() {
            return Err(Stop::Rollback);
        }
        repo::finish(conn, job.id, &progress, ImportStatus::Succeeded, None)?;
        Ok(())
    });
    match outcome {
        Ok(()) | Err(Stop::LostLease) => Ok(()),
        Err(Stop::Error(e)) => Err(e),
        Err(Stop::Rollback) => {
            let status = match (errors.is_empty(), commit) {
                (true, _) => ImportStatus::Succeeded,
                (false, ImportCommit::PerRow) if job.dry_run => ImportStatus::CompletedWithErrors,
                (false, _) => ImportStatus::Failed,
            };
            if !job.dry_run {
                // Nothing was kept.
                (progress.inserted, progress.updated) = (0, 0);
            }
            close(conn, lease, job, &progress, &errors, status, None)
        }
    }
}

fn per_row(conn: &mut DbConn, lease: &Lease, job: &JobRow, work: &Work, rows: &[Row]) -> Result<(), ApiError> {
    let mut progress = Progress {
        processed_rows: job.processed_rows,
        inserted: job.inserted,
        updated: job.updated,
        failed_rows: job.failed_rows,
        next_row: job.next_row,
    };
    let done = usize::try_from(job.next_row).unwrap_or(0).min(rows.len());
    for batch in rows[done..].chunks(BATCH) {
        let mut next = progress;
        let outcome = db::write_tx(conn, |conn| {
            if !repo::holds_lease(conn, job.id, &lease.node)? {
                return Err(Stop::LostLease);
            }
            let mut errors = Vec::new();
            for row in batch {
                step(conn, work, row, &mut next, &mut errors)?;
            }
            repo::add_errors(conn, job.id, &errors)?;
            repo::save_progress(conn, job.id, &next, db::now() + lease.length)?;
            Ok(())
        });
        match outcome {
            Ok(()) => progress = next,
            Err(Stop::LostLease) => return Ok(()),
            Err(Stop::Error(e)) => return Err(e),
            Err(Stop::Rollback) => return Err(ApiError::internal("a per-row batch asked to roll back")),
        }
    }
    let status = if progress.failed_rows > 0 { ImportStatus::CompletedWithErrors } else { ImportStatus::Succeeded };
    close(conn, lease, job, &progress, &[], status, None)
}

/// Ends a job that cannot run (nothing was written).
fn give_up(conn: &mut DbConn, lease: &Lease, job: &JobRow, why: &str) -> Result<(), ApiError> {
    let progress = Progress::default();
    close(conn, lease, job, &progress, &[], ImportStatus::Failed, Some(why))
}

/// Writes a job's errors and end, if this node still holds it.
fn close(
    conn: &mut DbConn,
    lease: &Lease,
    job: &JobRow,
    progress: &Progress,
    errors: &[RowError],
    status: ImportStatus,
    failure: Option<&str>,
) -> Result<(), ApiError> {
    db::write_tx(conn, |conn| {
        if repo::holds_lease(conn, job.id, &lease.node)? {
            repo::add_errors(conn, job.id, errors)?;
            repo::finish(conn, job.id, progress, status, failure)?;
        }
        Ok(())
    })
}
