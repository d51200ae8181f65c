//! User accounts: `/api/v1/users`.

pub mod api;
pub mod model;
pub mod repo;

/// Other modules look users up through these, never through `repo`.
pub use repo::{find_by_email, find_optional};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(api::deactivate)
        .service(api::history);
}
