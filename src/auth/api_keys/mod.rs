//! API keys for integrations: `/api/v1/api-keys`.

pub mod api;
pub mod model;
pub mod repo;

/// Whether the key still works at `now` (not revoked, not expired): a background job queued with a
/// key (bulk import) stops when the key would no longer be taken.
pub fn usable(conn: &mut crate::db::DbConn, id: i64, now: chrono::NaiveDateTime) -> diesel::QueryResult<bool> {
    Ok(repo::find_optional(conn, id)?.is_some_and(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|t| t > now)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create).service(api::list).service(api::get).service(api::revoke);
}
