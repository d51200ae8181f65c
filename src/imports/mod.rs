//! Bulk import: `POST /api/v1/imports` takes a CSV or JSON-lines file of customers, vendors,
//! items, employees or opening stock and queues a job; every node's runner leases queued jobs
//! and writes their rows through each module's own create and update code (so the same checks,
//! the same problems, the same audit events). Dry run, insert/update/upsert by natural key,
//! whole-file or per-row commit; progress and per-row errors are read from the job.
//! docs/integrations.md ("Bulk import") shows it end to end.
//!
//! Above employees, inventory and invoices: it calls their faces, they know nothing of it.

mod api;
pub mod kinds;
pub mod model;
mod parse;
pub mod permissions;
mod repo;
mod runner;

pub use runner::start;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create).service(api::list).service(api::get).service(api::errors);
}
