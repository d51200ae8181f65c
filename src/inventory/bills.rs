//! What stock needs of bills: a receipt may name the line of an issued bill it delivers (stock
//! bought is inventory, not spend, so the bill's booking changes with it). Finance sits above
//! stock, so inventory asks through this trait and finance registers the answer at start-up
//! (`crate::prepare`); inventory never imports finance.

use std::sync::OnceLock;

use crate::db::DbConn;
use crate::error::ApiError;

pub trait Bills: Send + Sync {
    /// The bill whose line `line_id` is, if it is a line of an issued payable invoice (not a
    /// draft, not void): the only lines stock is received against.
    fn issued_bill_of_line(&self, conn: &mut DbConn, line_id: i64) -> Result<Option<i64>, ApiError>;

    /// Books the bill of line `line_id` as it stands after stock was received against the line
    /// (or such a receipt reversed), in the caller's transaction.
    fn rebook_bill_of_line(&self, conn: &mut DbConn, line_id: i64) -> Result<(), ApiError>;
}

static BILLS: OnceLock<Box<dyn Bills>> = OnceLock::new();

/// Registers finance's answer (once a process; later calls keep the first).
pub fn register(bills: Box<dyn Bills>) {
    let _ = BILLS.set(bills);
}

fn bills() -> Result<&'static dyn Bills, ApiError> {
    BILLS.get().map(|b| b.as_ref()).ok_or_else(|| ApiError::internal("no bills registered with inventory"))
}

pub fn issued_bill_of_line(conn: &mut DbConn, line_id: i64) -> Result<Option<i64>, ApiError> {
    bills()?.issued_bill_of_line(conn, line_id)
}

pub fn rebook_bill_of_line(conn: &mut DbConn, line_id: i64) -> Result<(), ApiError> {
    bills()?.rebook_bill_of_line(conn, line_id)
}
