//! The attachments' SQL: the rows that describe files, and the chunks that hold their bytes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::model::{AttachmentRow, Parent, ParentType};
use crate::db::schema::{attachment_chunks, attachments};
use crate::db::{self, DbConn};

/// Starts an upload: a row no read sees until [`finish`] marks it complete.
pub fn insert_pending(conn: &mut DbConn, filename: &str, content_type: &str, created_by: i64) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(attachments::table)
        .values((
            attachments::filename.eq(filename),
            attachments::content_type.eq(content_type),
            attachments::created_by.eq(Some(created_by)),
            attachments::created_at.eq(now),
            attachments::updated_at.eq(now),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

pub fn insert_chunk(conn: &mut DbConn, attachment_id: i64, seq: i32, bytes: &[u8]) -> QueryResult<()> {
    diesel::insert_into(attachment_chunks::table)
        .values((
            attachment_chunks::attachment_id.eq(attachment_id),
            attachment_chunks::seq.eq(seq),
            attachment_chunks::bytes.eq(bytes),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Completes an upload (size, digest, and the record it goes to). False when the row is gone.
pub fn finish(conn: &mut DbConn, id: i64, size: i64, sha256: &str, parent: Option<Parent>) -> QueryResult<bool> {
    let updated = diesel::update(attachments::table.find(id).filter(attachments::complete.eq(false)))
        .set((
            attachments::size_bytes.eq(size),
            attachments::sha256.eq(sha256),
            attachments::complete.eq(true),
            parent_columns(parent),
            attachments::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// The row's parent columns for `parent`: its type, and its id in the one column of that type.
/// The record a file hangs on, as its columns: the kind, and the id in that kind's column (the
/// others null). One set for completing an upload and for attaching later.
#[derive(AsChangeset)]
#[diesel(table_name = attachments, treat_none_as_null = true)]
struct ParentColumns {
    parent_type: Option<&'static str>,
    ticket_id: Option<i64>,
    comment_id: Option<i64>,
    invoice_id: Option<i64>,
    employee_id: Option<i64>,
    vendor_id: Option<i64>,
    item_id: Option<i64>,
}

fn parent_columns(parent: Option<Parent>) -> ParentColumns {
    let mut columns = ParentColumns {
        parent_type: parent.map(|p| p.kind.as_str()),
        ticket_id: None,
        comment_id: None,
        invoice_id: None,
        employee_id: None,
        vendor_id: None,
        item_id: None,
    };
    if let Some(parent) = parent {
        let slot = match parent.kind {
            ParentType::Ticket => &mut columns.ticket_id,
            ParentType::Comment => &mut columns.comment_id,
            ParentType::Invoice | ParentType::Bill => &mut columns.invoice_id,
            ParentType::Employee => &mut columns.employee_id,
            ParentType::Vendor => &mut columns.vendor_id,
            ParentType::Item => &mut columns.item_id,
        };
        *slot = Some(parent.id);
    }
    columns
}

/// Removes an upload that did not complete (its chunks go with it).
pub fn delete_pending(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(attachments::table.find(id).filter(attachments::complete.eq(false))).execute(conn)
}

/// Removes uploads that never completed and were started before `before`: their request is long
/// over (it died with its node, or was cut off by the request timeout before it could clean up).
pub fn sweep_incomplete(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        attachments::table.filter(attachments::complete.eq(false)).filter(attachments::created_at.lt(before)),
    )
    .execute(conn)
}

/// A complete attachment.
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AttachmentRow>> {
    attachments::table
        .find(id)
        .filter(attachments::complete.eq(true))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

type Filter = Box<
    dyn BoxableExpression<
        attachments::table,
        db::MultiBackend,
        SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
    >,
>;

/// The condition "attached to `parent`" (an invoice and a bill are one column).
fn of_parent(parent: Parent) -> Filter {
    let id = Some(parent.id);
    match parent.kind {
        ParentType::Ticket => Box::new(attachments::ticket_id.eq(id)),
        ParentType::Comment => Box::new(attachments::comment_id.eq(id)),
        ParentType::Invoice | ParentType::Bill => Box::new(attachments::invoice_id.eq(id)),
        ParentType::Employee => Box::new(attachments::employee_id.eq(id)),
        ParentType::Vendor => Box::new(attachments::vendor_id.eq(id)),
        ParentType::Item => Box::new(attachments::item_id.eq(id)),
    }
}

/// Whose files a list shows.
pub enum Owner {
    Parent(Parent),
    /// A user's uploads not attached yet.
    Unattached(i64),
}

pub fn list(
    conn: &mut DbConn,
    owner: Owner,
    updated_since: Option<NaiveDateTime>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AttachmentRow>> {
    let mut query =
        attachments::table.filter(attachments::complete.eq(true)).select(AttachmentRow::as_select()).into_boxed();
    query = match owner {
        Owner::Parent(parent) => query.filter(of_parent(parent)),
        Owner::Unattached(user) => {
            query.filter(attachments::parent_type.is_null()).filter(attachments::created_by.eq(Some(user)))
        }
    };
    if let Some(since) = updated_since {
        query = query.filter(attachments::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(attachments::id.gt(after));
    }
    query.order(attachments::id.asc()).limit(limit + 1).load(conn)
}

/// The bytes all of a record's files hold together.
pub fn total_of(conn: &mut DbConn, parent: Parent) -> QueryResult<i64> {
    // SUM(bigint) is NUMERIC on PostgreSQL: cast back to BIGINT so both backends answer one type.
    attachments::table
        .filter(attachments::complete.eq(true))
        .filter(of_parent(parent))
        .select(diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT)"))
        .first(conn)
}

/// Serialises the writers of one record's files on PostgreSQL (a transaction-scoped advisory
/// lock), so two uploads at once cannot both pass the per-record limit; SQLite has one writer.
pub fn lock_parent(conn: &mut DbConn, parent: Parent) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        // The key space of attachments: a fixed tag in the high bits, the type, then the id.
        let kind = ParentType::ALL.iter().position(|t| *t == parent.kind).unwrap_or(0) as i64;
        let key = (0x41_54_i64 << 48) ^ (kind << 44) ^ parent.id;
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<BigInt, _>(key).execute(pg)?;
    }
    Ok(())
}

/// Attaches a file, if it is still at `version`.
pub fn set_parent(conn: &mut DbConn, id: i64, version: i64, parent: Parent) -> QueryResult<bool> {
    let updated = diesel::update(attachments::table.find(id).filter(attachments::version.eq(version)))
        .set((
            parent_columns(Some(parent)),
            attachments::updated_at.eq(db::now()),
            attachments::version.eq(version + 1),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes a file and its bytes, if it is still at `version`.
pub fn delete(conn: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    // The chunks go with it (ON DELETE CASCADE); deleted first all the same, so that SQLite
    // connections opened without foreign keys could never leave them behind.
    diesel::delete(attachment_chunks::table.filter(attachment_chunks::attachment_id.eq(id))).execute(conn)?;
    let deleted = diesel::delete(attachments::table.find(id).filter(attachments::version.eq(version))).execute(conn)?;
    Ok(deleted == 1)
}

/// One chunk's bytes.
pub fn chunk(conn: &mut DbConn, attachment_id: i64, seq: i32) -> QueryResult<Option<Vec<u8>>> {
    attachment_chunks::table.find((attachment_id, seq)).select(attachment_chunks::bytes).first(conn).optional()
}
