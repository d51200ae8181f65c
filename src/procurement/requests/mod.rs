//! Purchase requests: an employee asks for what their department needs (items or free text,
//! quantities, estimated prices, a needed-by date); the department's manager or ops approves or
//! rejects with a reason; low stock raises a draft by itself, one per item until it is handled.
//! An order made from approved requests marks them ordered (`crate::procurement::orders`).

mod access;
pub mod api;
pub mod lifecycle;
pub mod low_stock;
mod repo;
pub mod views;

use crate::db::DbConn;
use crate::error::ApiError;

pub use repo::ApprovedLine;

/// The lines of `request_ids`, every one of which must be approved (409 naming the first that is
/// not; 422 for an unknown id), for an order to take. Call in the order's transaction: the
/// requests' rows are taken (updated) first, so two orders cannot take one request.
pub fn approved_lines(conn: &mut DbConn, request_ids: &[i64]) -> Result<Vec<ApprovedLine>, ApiError> {
    repo::approved_lines(conn, request_ids)
}

/// Marks the requests an order took as ordered (status approved → ordered).
pub fn mark_ordered(conn: &mut DbConn, request_ids: &[i64]) -> Result<(), ApiError> {
    repo::set_status(conn, request_ids, super::model::RequestStatus::Approved, super::model::RequestStatus::Ordered)
}

/// Gives requests back to approved when the order that took them is deleted as a draft or
/// cancelled, so that another order may take them.
pub fn release_ordered(conn: &mut DbConn, request_ids: &[i64]) -> Result<(), ApiError> {
    repo::set_status(conn, request_ids, super::model::RequestStatus::Ordered, super::model::RequestStatus::Approved)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(api::delete)
        .service(lifecycle::submit)
        .service(lifecycle::approve)
        .service(lifecycle::reject)
        .service(lifecycle::cancel);
}
