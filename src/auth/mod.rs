//! Identity and access: passwords, tokens, the principal extractor, roles, and the users,
//! sessions and API keys endpoints, and the audit log.

pub mod api_keys;
pub mod audit_log;
pub mod bootstrap;
pub mod password;
pub mod permissions;
pub mod principal;
pub mod roles;
pub mod sessions;
pub mod tokens;
pub mod users;

/// The keys identity works with: the access-token signer and the password hasher. Registered
/// as application data beside `AppState`; the handlers that sign in, change passwords or verify
/// tokens take them.
#[derive(Clone)]
pub struct Keys {
    pub tokens: std::sync::Arc<tokens::TokenKeys>,
    pub hasher: password::Hasher,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(sessions::configure)
        .configure(users::configure)
        .configure(api_keys::configure)
        .configure(audit_log::configure);
}
