//! What every handler can reach: settings, the database pool, token keys and the password hasher.

use std::sync::Arc;

use crate::auth::password::Hasher;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    pub hasher: Hasher,
}
