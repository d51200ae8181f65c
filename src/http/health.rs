//! Liveness and readiness probes, unauthenticated.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbPool;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up and answering.
#[utoipa::path(
    operation_id = "health_live",
    tag = "health",
    security(()),
    responses((status = 200, description = "The process is running", body = Health))
)]
#[get("/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The service can reach its database. 503 while it cannot; it recovers by itself when the
/// database comes back.
#[utoipa::path(
    operation_id = "health_ready",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        (status = 503, description = "The database is not reachable", body = Health),
    )
)]
#[get("/ready")]
pub async fn ready(pool: web::Data<DbPool>) -> HttpResponse {
    let pool = pool.get_ref().clone();
    let reachable = web::block(move || pool.ping(Duration::from_secs(2))).await.unwrap_or(false);
    if reachable {
        HttpResponse::Ok().json(Health { status: "ok" })
    } else {
        HttpResponse::ServiceUnavailable().insert_header(("Retry-After", "2")).json(Health { status: "unavailable" })
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live).service(ready);
}
