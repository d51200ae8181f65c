//! Identity and access: passwords, tokens, the principal extractor, roles, and the users,
//! sessions and API keys endpoints.

pub mod api_keys;
pub mod bootstrap;
pub mod password;
pub mod principal;
pub mod roles;
pub mod sessions;
pub mod tokens;
pub mod users;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(sessions::configure).configure(users::configure).configure(api_keys::configure);
}
