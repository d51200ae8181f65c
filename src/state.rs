//! What every handler can reach: the settings and the database pool. (Identity's own keys, the
//! token signer and the password hasher, are `auth::Keys`, registered beside this state.)

use std::sync::Arc;

use crate::config::Config;
use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    /// This node's counters, served at `/metrics`.
    pub metrics: Arc<crate::http::metrics::Metrics>,
}
