//! Job desks: where work arrives, is assigned and is tracked until done. Desks with their SLA
//! policies and members; tickets with a readable workflow, comments and SLA clocks; time entries
//! costed at the employee's rate; the desk report.
//!
//! Finance uses [`billing`] to invoice billable time. What time costs is booked in the cost book
//! (`crate::ledger`), where budgets and reports read it.

pub mod access;
pub mod api;
pub mod comments;
pub mod cost;
pub mod customers;
pub mod desks;
pub mod model;
pub mod new_ticket;
pub mod permissions;
pub mod repo;
pub mod reports;
pub mod time_entries;
pub mod transitions;
pub mod views;
pub mod workflow;

/// Other modules read tickets and desks through these, never through `repo`.
pub use repo::desk;
pub use repo::tickets::{comment, ticket};

/// What finance needs of the job desk to bill time: the tickets a customer asked for, their
/// unbilled billable entries, and marking entries billed or releasing them.
pub mod billing {
    pub use super::repo::desk;
    pub use super::repo::tickets::{customers_of, tickets_of_customer};
    pub use super::repo::time_entries::{billed_on, billed_on_many, mark_billed, release_billed, unbilled};
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // /tickets/workflow before /tickets/{id}, which would otherwise take it.
    cfg.service(desks::create)
        .service(desks::list)
        .service(desks::get)
        .service(desks::update)
        .service(desks::add_member)
        .service(desks::remove_member)
        .service(api::workflow)
        .service(new_ticket::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(transitions::transition)
        .service(transitions::history)
        .service(cost::cost)
        .service(comments::create)
        .service(comments::list)
        .service(time_entries::create_on_ticket)
        .service(time_entries::list_on_ticket)
        .service(time_entries::list)
        .service(time_entries::get)
        .service(time_entries::update)
        .service(time_entries::delete)
        .service(reports::desk_report);
}
