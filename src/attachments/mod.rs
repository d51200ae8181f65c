//! Attachments: files stored in the database (so every node serves them), each attached to at
//! most one record — a ticket, a comment, an invoice or bill, an employee, a vendor, an item — and
//! exactly as visible as that record (`parents`). Size-limited per file and per record
//! (`config::AttachmentSettings`), executables refused, content-addressed: the download's ETag is
//! the SHA-256, and it serves byte ranges (`content`).
//!
//! This module sits above tickets, finance, people and stock and asks each, through its face,
//! who sees a record; none of them knows about files. A record with files cannot be deleted
//! under them (a FOREIGN KEY each): a draft invoice's files are removed before the draft.
//!
//! Audited as entity `attachment` (uploaded, attached, deleted). Its events are not given to
//! the change feed's per-entity readers: no one permission says who sees a file (that is the
//! parent's rule, per record), so only holders of the audit log's permission receive them.

mod api;
mod content;
pub mod model;
pub mod parents;
pub mod permissions;
mod repo;
mod upload;

pub const ENTITY: &str = "attachment";

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload::upload)
        .service(api::list)
        .service(api::get)
        .service(content::download)
        .service(api::attach)
        .service(api::remove);
}
