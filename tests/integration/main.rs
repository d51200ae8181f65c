//! opsdesk's integration tests: one test binary (`cargo test --test integration`), so that the
//! crate is linked once for all of them rather than once per file.
//!
//! Layout: one module per area (`auth.rs`, `tickets.rs`, …) next to this file, and `common/`
//! with what they share: `common/mod.rs` starts a real server over a fresh database (`TestApp`,
//! `both_backends!`), `common/fixtures.rs` makes the records that several areas need (a
//! department, a desk with people, dates). A helper that one area alone uses stays in its file.
//! A new area is a new file here plus a `mod` line below.
//!
//! Run one area or one test by its path: `cargo test --test integration tickets::` or
//! `cargo test --test integration ticket_workflow::sqlite`.
//!
//! All tests run in this one process, in parallel: a test must not change the process's state
//! (environment variables, the current directory, a global setting) and must not assume it is
//! alone. Each makes its own database and server on a free port.

// First, so that its macros (`both_backends!`) are in scope in every module below.
#[macro_use]
mod common;

mod api_keys;
mod attachments;
mod audit;
mod auth;
mod budgets;
mod cli;
mod desks;
mod employees;
mod exports;
mod idempotency;
mod imports;
mod inventory;
mod invoices;
mod journal;
mod ledger;
mod limits;
mod operability;
mod platform;
mod procurement;
mod purchase_requests;
mod roles;
mod schema;
mod tickets;
mod time_entries;
mod users;
mod webhooks;
