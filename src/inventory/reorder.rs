//! What stock tells the modules above it when an item crosses its reorder point: procurement
//! raises a draft purchase request. Procurement sits above stock, so inventory defines the
//! question (a trait) and procurement registers the answer at start-up (`crate::prepare`);
//! inventory never imports procurement.

use std::sync::OnceLock;

use crate::audit;
use crate::db::DbConn;
use crate::error::ApiError;

/// An item that has just reached (or fallen under) its reorder point, as the movement that
/// crossed it left it.
#[derive(Debug, Clone)]
pub struct ReorderNotice {
    pub item_id: i64,
    pub sku: String,
    pub name: String,
    /// The item's valuation currency.
    pub currency: String,
    pub active: bool,
    /// Thousandths of a unit, after the movement.
    pub on_hand: i64,
    pub reorder_point: i64,
    /// What to order (thousandths): the reorder quantity, or what brings stock back to the
    /// point if more — the figure of the notice and of the low-stock report.
    pub suggested_quantity: i64,
    /// The moving average unit cost (ten-thousandths of the currency's unit); 0 when unknown.
    pub average_cost: i64,
}

pub trait ReorderListener: Send + Sync {
    /// Called in the movement's transaction, once per crossing. An error rolls the movement
    /// back, so an answer that may fail for reasons of its own should swallow them.
    fn reorder_point_reached(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        notice: &ReorderNotice,
    ) -> Result<(), ApiError>;
}

static LISTENER: OnceLock<Box<dyn ReorderListener>> = OnceLock::new();

/// Registers the listener (once a process; later calls keep the first).
pub fn register(listener: Box<dyn ReorderListener>) {
    let _ = LISTENER.set(listener);
}

/// Tells the registered listener of a crossing; with none registered nothing happens.
pub fn reached(conn: &mut DbConn, actor: &audit::Actor, notice: &ReorderNotice) -> Result<(), ApiError> {
    match LISTENER.get() {
        Some(listener) => listener.reorder_point_reached(conn, actor, notice),
        None => Ok(()),
    }
}
