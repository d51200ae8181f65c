//! API keys for integrations: `/api/v1/api-keys`.

pub mod api;
pub mod model;
pub mod repo;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create).service(api::list).service(api::get).service(api::revoke);
}
