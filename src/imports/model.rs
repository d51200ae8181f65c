//! What an import job is: its kind, mode, commit and status, the stored row, and the views the
//! API shows (the job with its progress, and a row error).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{import_errors, import_jobs};

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        // On lines of its own: tests/integration/platform.rs reads schema names from the source.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The stored text back; None for a value this version does not know.
            pub fn from_stored(stored: &str) -> Option<$name> {
                match stored { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

stored_enum!(
    /// What a file holds.
    ImportKind { Customers = "customers", Vendors = "vendors", Items = "items", Employees = "employees", OpeningStock = "opening_stock" }
);
stored_enum!(
    /// How a row meets a record with the same natural key (external_ref, sku, employee_number):
    /// `insert` refuses it, `update` requires it, `upsert` takes either.
    ImportMode { Insert = "insert", Update = "update", Upsert = "upsert" }
);
stored_enum!(
    /// `whole_file`: every row or none; `per_row`: each good row is kept.
    ImportCommit { WholeFile = "whole_file", PerRow = "per_row" }
);
stored_enum!(
    /// `queued` until a node takes it, `running`, then `succeeded` (every row taken), `failed`
    /// (nothing kept: a whole-file job with a bad row, or a job that could not run) or
    /// `completed_with_errors` (per-row: the good rows kept, the bad ones listed).
    ImportStatus { Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", CompletedWithErrors = "completed_with_errors" }
);
stored_enum!(
    /// How the file is written.
    ImportFormat { Csv = "csv", Ndjson = "ndjson" }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub mode: String,
    pub commit_mode: String,
    pub dry_run: bool,
    pub format: String,
    pub status: String,
    pub failure: Option<String>,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub failed_rows: i64,
    pub next_row: i64,
    pub created_by: i64,
    pub roles: String,
    pub api_key_id: Option<i64>,
    pub request_id: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl JobRow {
    pub fn status(&self) -> ImportStatus {
        ImportStatus::from_stored(&self.status).unwrap_or(ImportStatus::Failed)
    }
}

/// An import job and its progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJob {
    pub id: i64,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub commit: ImportCommit,
    /// Validated and rolled back: the counts say what would have been inserted and updated.
    pub dry_run: bool,
    pub format: ImportFormat,
    pub status: ImportStatus,
    /// Why the job failed as a whole, when no row is to blame.
    pub failure: Option<String>,
    /// Data rows in the file (a CSV's header is not one).
    pub total_rows: i64,
    pub processed_rows: i64,
    pub inserted: i64,
    pub updated: i64,
    /// Rows with at least one error (listed at `…/errors`).
    pub failed_rows: i64,
    /// The user who uploaded the file.
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl ImportJob {
    pub fn from_row(row: &JobRow) -> ImportJob {
        ImportJob {
            id: row.id,
            kind: ImportKind::from_stored(&row.kind).unwrap_or(ImportKind::Customers),
            mode: ImportMode::from_stored(&row.mode).unwrap_or(ImportMode::Insert),
            commit: ImportCommit::from_stored(&row.commit_mode).unwrap_or(ImportCommit::WholeFile),
            dry_run: row.dry_run,
            format: ImportFormat::from_stored(&row.format).unwrap_or(ImportFormat::Csv),
            status: row.status(),
            failure: row.failure.clone(),
            total_rows: row.total_rows,
            processed_rows: row.processed_rows,
            inserted: row.inserted,
            updated: row.updated,
            failed_rows: row.failed_rows,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            started_at: row.started_at.map(|t| t.and_utc()),
            finished_at: row.finished_at.map(|t| t.and_utc()),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// One problem with one row of the file.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RowError {
    /// The row's number in the file: for CSV the header is row 1 (as a spreadsheet numbers
    /// them), for JSON lines the line number.
    #[schema(example = 3)]
    pub row: i64,
    /// The column (CSV) or field (JSON lines) at fault, a path for a nested field
    /// (`compensation/currency`); null when the row as a whole is at fault.
    #[schema(example = "email")]
    pub column: Option<String>,
    #[schema(example = "must be a valid email address")]
    pub message: String,
}

impl RowError {
    pub fn new(row: i64, column: Option<&str>, message: impl Into<String>) -> RowError {
        RowError { row, column: column.map(str::to_string), message: message.into() }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_errors)]
pub struct ErrorRow {
    pub id: i64,
    pub job_id: i64,
    pub row_number: i64,
    pub column_name: Option<String>,
    pub message: String,
}

impl From<&ErrorRow> for RowError {
    fn from(row: &ErrorRow) -> RowError {
        RowError { row: row.row_number, column: row.column_name.clone(), message: row.message.clone() }
    }
}
