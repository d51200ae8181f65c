//! Job desks: where work arrives, is assigned and is tracked until done. This release has the
//! desks themselves (SLA policies, members); tickets, comments and time entries build on them.

pub mod desks;
pub mod model;
pub mod repo;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(desks::create)
        .service(desks::list)
        .service(desks::get)
        .service(desks::update)
        .service(desks::add_member)
        .service(desks::remove_member);
}
