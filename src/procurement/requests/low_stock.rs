//! Low stock raises a draft purchase request by itself: inventory tells of every crossing of an
//! item's reorder point (`crate::inventory::reorder`), in the movement's transaction, and this
//! answers it.
//!
//! The request: one line of the item, the quantity the notice suggests (the reorder quantity, or
//! what brings stock back to the point if more), at the item's moving average cost (no price
//! when it has none), in the item's currency; no requester (`requested_by` null), the item in
//! `low_stock_item_id`. Items belong to no department, so the request goes to the department
//! that does the buying: the lowest-id active department in which an active employee works
//! whose account holds the ops role, else the lowest-id active department. No request is raised
//! for an inactive item, when the notice suggests nothing to order, or when there is no active
//! department at all.
//!
//! One open request per item (draft, submitted or approved): when one is open nothing happens,
//! and the partial unique index `purchase_requests_open_low_stock` settles a race between two
//! nodes — the loser's insert fails inside a savepoint and the movement goes on.

use diesel::Connection;

use super::super::model::RequestStatus;
use super::api::{load, ENTITY};
use super::repo::{self, NewLine, RequestFields};
use crate::audit;
use crate::auth::roles::Role;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::inventory::reorder::{ReorderListener, ReorderNotice};
use crate::money::format_scaled;

/// Registered with inventory by `crate::prepare`.
pub struct RaiseOnLowStock;

impl ReorderListener for RaiseOnLowStock {
    fn reorder_point_reached(
        &self,
        conn: &mut DbConn,
        actor: &audit::Actor,
        notice: &ReorderNotice,
    ) -> Result<(), ApiError> {
        raise(conn, actor, notice).map(|_| ())
    }
}

/// The department low stock's requests go to (see the module's comment).
fn buying_department(conn: &mut DbConn) -> Result<Option<i64>, ApiError> {
    if let Some(first) = crate::employees::departments_with_role(conn, Role::Ops)?.first() {
        return Ok(Some(*first));
    }
    Ok(crate::employees::lowest_active_department(conn)?)
}

/// Raises the draft for `notice`; returns its id, or None when none was raised.
pub fn raise(conn: &mut DbConn, actor: &audit::Actor, notice: &ReorderNotice) -> Result<Option<i64>, ApiError> {
    if !notice.active || notice.suggested_quantity <= 0 {
        return Ok(None);
    }
    if repo::open_low_stock_request(conn, notice.item_id)?.is_some() {
        return Ok(None);
    }
    let Some(department_id) = buying_department(conn)? else { return Ok(None) };
    let fields = RequestFields {
        department_id,
        currency: notice.currency.clone(),
        needed_by: None,
        note: Some(format!(
            "Raised by low stock of {}: {} on hand, reorder point {}.",
            notice.sku,
            format_scaled(notice.on_hand, 3),
            format_scaled(notice.reorder_point, 3)
        )),
    };
    let line = NewLine {
        item_id: Some(notice.item_id),
        description: notice.name.clone(),
        quantity: notice.suggested_quantity,
        estimated_price: (notice.average_cost > 0).then_some(notice.average_cost),
    };
    // A savepoint: a unique violation (another node raised it first) rolls back this insert
    // only, and the movement's transaction goes on.
    let inserted = conn.transaction(|conn| {
        repo::insert(conn, &fields, RequestStatus::Draft, None, Some(notice.item_id), None, std::slice::from_ref(&line))
    });
    let id = match inserted {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (_, request) = load(conn, id)?;
    // Made by opsdesk itself, in the request that moved the stock.
    let system = audit::Actor { user_id: None, label: "system:low_stock".into(), request_id: actor.request_id.clone() };
    audit::record(conn, &system, "purchase_request.created", ENTITY, id, None, Some(&request))?;
    Ok(Some(id))
}
