//! What finance needs of procurement: a bill's line may cite a purchase order line, and issuing
//! the bill checks the three-way match (billed ≤ received, price within a tolerance of the
//! order). Procurement sits above finance, so finance asks through this trait and procurement
//! registers the answer at start-up (`crate::prepare`); finance never imports procurement.

use std::sync::OnceLock;

use crate::audit;
use crate::db::DbConn;
use crate::error::ApiError;

/// What a citable order line gives the bill line citing it, where the bill line says nothing.
#[derive(Debug, Clone)]
pub struct CitedLine {
    pub item_id: Option<i64>,
    pub department_id: i64,
    pub budget_category: String,
}

pub trait Purchasing: Send + Sync {
    /// Whether a bill from `vendor_id` in `currency` may cite order line `order_line_id`: Ok(Err)
    /// says why not (a client's mistake, 422).
    fn citable(
        &self,
        conn: &mut DbConn,
        order_line_id: i64,
        vendor_id: i64,
        currency: &str,
    ) -> Result<Result<CitedLine, String>, ApiError>;

    /// The three-way match of draft bill `invoice_id`'s lines that cite order lines, before it is
    /// issued: Ok when each matches, or when `override_reason` is given (audited); else 409 naming
    /// the line and the difference.
    fn check_match(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        invoice_id: i64,
        override_reason: Option<&str>,
    ) -> Result<(), ApiError>;

    /// After bill `invoice_id` was issued or voided: the orders it cites take what it bills.
    fn bill_changed(&self, conn: &mut DbConn, invoice_id: i64) -> Result<(), ApiError>;
}

static PURCHASING: OnceLock<Box<dyn Purchasing>> = OnceLock::new();

/// Registers procurement's answer (once a process; later calls keep the first).
pub fn register(purchasing: Box<dyn Purchasing>) {
    let _ = PURCHASING.set(purchasing);
}

fn purchasing() -> Result<&'static dyn Purchasing, ApiError> {
    PURCHASING.get().map(|p| p.as_ref()).ok_or_else(|| ApiError::internal("no purchasing registered with finance"))
}

pub fn citable(
    conn: &mut DbConn,
    order_line_id: i64,
    vendor_id: i64,
    currency: &str,
) -> Result<Result<CitedLine, String>, ApiError> {
    purchasing()?.citable(conn, order_line_id, vendor_id, currency)
}

pub fn check_match(
    conn: &mut DbConn,
    actor: &audit::Actor,
    invoice_id: i64,
    override_reason: Option<&str>,
) -> Result<(), ApiError> {
    purchasing()?.check_match(conn, actor, invoice_id, override_reason)
}

pub fn bill_changed(conn: &mut DbConn, invoice_id: i64) -> Result<(), ApiError> {
    purchasing()?.bill_changed(conn, invoice_id)
}
