//! Purchase requests' SQL.

use diesel::prelude::*;

use super::super::model::RequestStatus;
use crate::db::schema::{purchase_request_lines, purchase_requests};
use crate::db::{self, DbConn};
use crate::error::ApiError;

/// A line of an approved request, as an order takes it.
#[derive(Debug, Clone, Queryable)]
pub struct ApprovedLine {
    pub id: i64,
    pub request_id: i64,
    pub department_id: i64,
    pub currency: String,
    pub item_id: Option<i64>,
    pub description: String,
    pub quantity: i64,
    pub estimated_price: Option<i64>,
}

pub fn approved_lines(conn: &mut DbConn, request_ids: &[i64]) -> Result<Vec<ApprovedLine>, ApiError> {
    let mut ids = request_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for (i, id) in ids.iter().enumerate() {
        // Taking the row (an update that changes nothing) makes a parallel order wait here.
        let status: Option<String> = diesel::update(purchase_requests::table.find(id))
            .set(purchase_requests::version.eq(purchase_requests::version))
            .returning(purchase_requests::status)
            .get_result(conn)
            .optional()?;
        match status.as_deref().and_then(RequestStatus::from_stored) {
            None => return Err(ApiError::invalid(&format!("/request_ids/{i}"), "no such purchase request")),
            Some(RequestStatus::Approved) => {}
            Some(other) => {
                return Err(ApiError::Conflict(format!(
                    "purchase request {id} is {}; an order takes approved requests only",
                    other.as_str()
                )))
            }
        }
    }
    Ok(purchase_request_lines::table
        .inner_join(purchase_requests::table)
        .filter(purchase_request_lines::request_id.eq_any(&ids))
        .order((purchase_request_lines::request_id.asc(), purchase_request_lines::position.asc()))
        .select((
            purchase_request_lines::id,
            purchase_request_lines::request_id,
            purchase_requests::department_id,
            purchase_requests::currency,
            purchase_request_lines::item_id,
            purchase_request_lines::description,
            purchase_request_lines::quantity,
            purchase_request_lines::estimated_price,
        ))
        .load(conn)?)
}

/// Moves `ids` from `from` to `to` (the others are left as they are).
pub fn set_status(conn: &mut DbConn, ids: &[i64], from: RequestStatus, to: RequestStatus) -> Result<(), ApiError> {
    diesel::update(purchase_requests::table)
        .filter(purchase_requests::id.eq_any(ids))
        .filter(purchase_requests::status.eq(from.as_str()))
        .set((
            purchase_requests::status.eq(to.as_str()),
            purchase_requests::updated_at.eq(db::now()),
            purchase_requests::version.eq(purchase_requests::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
