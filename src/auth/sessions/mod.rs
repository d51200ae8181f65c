//! Signing in and out: `/api/v1/auth/*`.

pub mod api;
pub mod repo;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::login).service(api::refresh).service(api::logout).service(api::me).service(api::change_password);
}
