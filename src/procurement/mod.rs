//! Procurement: purchase requests, purchase orders, receipts against them and bills that cite
//! their lines (the three-way match). Sits above finance and stock: an order commits budget in
//! the cost book when it is sent, a receipt moves stock through inventory's own posting (the
//! general ledger takes inventory against goods received not billed), and a bill citing an order
//! line clears that account when bill and receipt agree. Finance asks the match through
//! `invoices::purchasing`, which this module answers (`crate::prepare` registers it).

pub mod model;
pub mod orders;
pub mod permissions;
pub mod requests;

pub use orders::matching::MatchForBills;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(requests::configure).configure(orders::configure);
}
