//! Who a ticket may name as its customer. Customers are kept by finance, which sits above the job
//! desk, so the desk asks through this trait and finance registers the answer at start-up
//! (`crate::prepare`); the desk never imports finance.

use std::sync::OnceLock;

use crate::db::DbConn;
use crate::error::ApiError;

pub trait Customers: Send + Sync {
    /// The name and email of active customer `id`, if there is one.
    fn active_customer(&self, conn: &mut DbConn, id: i64) -> Result<Option<(String, Option<String>)>, ApiError>;
}

static CUSTOMERS: OnceLock<Box<dyn Customers>> = OnceLock::new();

/// Registers finance's answer (once a process; later calls keep the first).
pub fn register(customers: Box<dyn Customers>) {
    let _ = CUSTOMERS.set(customers);
}

pub fn active_customer(conn: &mut DbConn, id: i64) -> Result<Option<(String, Option<String>)>, ApiError> {
    CUSTOMERS
        .get()
        .ok_or_else(|| ApiError::internal("no customers registered with the job desk"))?
        .active_customer(conn, id)
}
