//! Job desks: where work arrives, is assigned and is tracked until done. Desks with their SLA
//! policies and members; tickets with a readable workflow, comments and SLA clocks; time entries
//! costed at the employee's rate; the desk report.
//!
//! Other modules read time entries through [`time_entries`] (billing, budget actuals).

pub mod access;
pub mod api;
pub mod comments;
pub mod demo;
pub mod desks;
pub mod model;
pub mod repo;
pub mod reports;
pub mod time_entries;
pub mod views;
pub mod workflow;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // /tickets/workflow before /tickets/{id}, which would otherwise take it.
    cfg.service(desks::create)
        .service(desks::list)
        .service(desks::get)
        .service(desks::update)
        .service(desks::add_member)
        .service(desks::remove_member)
        .service(api::workflow)
        .service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(api::transition)
        .service(api::history)
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
