//! Who sees and who changes the files of a record: each record's own module decides, with the
//! rule it already applies to the record itself, so a file can never be more visible than its
//! parent.
//!
//! - ticket: who sees the ticket (`tickets::access`); its requester and the desk's agents attach;
//! - comment: who sees the ticket and, for an internal note, its internal notes (never the
//!   requester); the desk's agents attach, the requester to their own public reply;
//! - invoice and bill: finance readers; finance writers attach, and remove only while the
//!   document is a draft (an issued document's files are part of what was issued);
//! - employee: who sees the person's record in full, pay included (hr, finance, admin, auditor,
//!   the person). Every file on a person is treated as a pay-grade document: the directory view
//!   carries no files, so there is no need for a per-file "pay" flag that someone could forget
//!   to set; hr attaches;
//! - vendor: finance readers; finance writers attach;
//! - item: stock readers; stock managers attach.
//!
//! A file not attached yet belongs to its uploader (and admins).

use super::model::{AttachmentRow, Parent, ParentType};
use crate::auth::principal::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::{employees, inventory, invoices, tickets};

/// What one caller may do with one record's files.
#[derive(Debug, Clone)]
pub struct Rights {
    pub sees: bool,
    pub changes: bool,
    /// Why the record's files can no longer be removed (an issued invoice), if so.
    pub locked: Option<String>,
}

impl Rights {
    fn new(sees: bool, changes: bool) -> Rights {
        Rights { sees, changes: sees && changes, locked: None }
    }
}

/// The caller's rights on `parent`'s files; None when there is no such record (of that type).
pub fn rights(conn: &mut DbConn, principal: &Principal, parent: Parent) -> Result<Option<Rights>, ApiError> {
    Ok(match parent.kind {
        ParentType::Ticket => match tickets::ticket(conn, parent.id)? {
            None => None,
            Some(ticket) => {
                let access = tickets::access::TicketAccess::load(conn, principal)?;
                let changes = access.works_desk(ticket.desk_id) || access.is_requester(&ticket);
                Some(Rights::new(access.can_see(&ticket), changes))
            }
        },
        ParentType::Comment => match tickets::comment(conn, parent.id)? {
            None => None,
            Some(comment) => match tickets::ticket(conn, comment.ticket_id)? {
                None => None,
                Some(ticket) => {
                    let access = tickets::access::TicketAccess::load(conn, principal)?;
                    let sees = access.can_see(&ticket) && (!comment.internal || access.sees_internal(&ticket));
                    let own_reply = !comment.internal
                        && access.is_requester(&ticket)
                        && comment.author_user_id == Some(principal.user_id);
                    Some(Rights::new(sees, access.works_desk(ticket.desk_id) || own_reply))
                }
            },
        },
        ParentType::Invoice | ParentType::Bill => {
            let payable = parent.kind == ParentType::Bill;
            match invoices::invoice(conn, parent.id)? {
                Some(document) if (document.kind() == invoices::model::InvoiceKind::Payable) == payable => {
                    let mut rights = Rights::new(
                        principal.may(&invoices::permissions::READ_FINANCE),
                        principal.may(&invoices::permissions::WRITE_FINANCE),
                    );
                    if document.status() != invoices::model::InvoiceStatus::Draft {
                        rights.locked = Some(format!(
                            "{} is {}: the files of an issued document cannot be removed",
                            document.number.as_deref().unwrap_or("the document"),
                            document.status
                        ));
                    }
                    Some(rights)
                }
                _ => None,
            }
        }
        ParentType::Employee => employees::employee(conn, parent.id)?.map(|person| {
            let full = employees::model::visibility(principal, person.user_id) == employees::model::Visibility::Full;
            Rights::new(full, principal.may(&employees::permissions::MANAGE_PEOPLE))
        }),
        ParentType::Vendor => invoices::party(conn, invoices::model::PartyKind::Vendor, parent.id)?.map(|_| {
            Rights::new(
                principal.may(&invoices::permissions::READ_FINANCE),
                principal.may(&invoices::permissions::WRITE_FINANCE),
            )
        }),
        ParentType::Item => inventory::item(conn, parent.id)?.map(|_| {
            Rights::new(
                principal.may(&inventory::permissions::READ_STOCK),
                principal.may(&inventory::permissions::MANAGE_STOCK),
            )
        }),
    })
}

/// The caller's rights on one file: its parent's, or, for a file not attached yet, its
/// uploader's and admins'. None when the caller may not see it (answered as if it did not exist).
pub fn rights_on(conn: &mut DbConn, principal: &Principal, row: &AttachmentRow) -> Result<Option<Rights>, ApiError> {
    let rights = match row.parent() {
        None => {
            let owner = row.created_by == Some(principal.user_id) || principal.is(Role::Admin);
            Some(Rights::new(owner, owner))
        }
        Some(parent) => rights(conn, principal, parent)?,
    };
    Ok(rights.filter(|r| r.sees))
}

/// The record a file is to be attached to, if the caller may attach there: a record that does
/// not exist, or that the caller may not see, is the same 422 (no existence leak); one they see
/// but may not change is 403.
pub fn writable(
    conn: &mut DbConn,
    principal: &Principal,
    parent: Parent,
    invalid: impl Fn(String) -> ApiError,
) -> Result<Rights, ApiError> {
    match rights(conn, principal, parent)? {
        Some(rights) if rights.changes => Ok(rights),
        Some(rights) if rights.sees => {
            Err(ApiError::Forbidden(format!("your roles do not allow you to attach files to {parent}")))
        }
        _ => Err(invalid(format!("no such {} visible to you", parent.kind.as_str()))),
    }
}
