//! Budgets: plan vs actual per department and fiscal year, fed by labour (time entries), parts
//! (inventory issues) and bills (payable invoice lines), with revisions, a run-rate forecast and
//! an exceed policy. See `api.rs` for the rules of actuals.

pub mod api;
pub mod exceed;
pub mod lifecycle;
pub mod model;
pub mod permissions;
pub mod repo;
pub mod variance;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(lifecycle::submit)
        .service(lifecycle::approve)
        .service(lifecycle::revise)
        .service(variance::variance)
        .service(variance::report);
}
