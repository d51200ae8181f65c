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

/// A purchase request as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_requests, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RequestRow {
    pub id: i64,
    pub department_id: i64,
    pub requested_by: Option<i64>,
    pub status: String,
    pub currency: String,
    pub needed_by: Option<chrono::NaiveDate>,
    pub note: Option<String>,
    pub low_stock_item_id: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub rejection_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub version: i64,
}

impl RequestRow {
    /// The stored status; the CHECK constraint admits no other.
    pub fn status(&self) -> RequestStatus {
        RequestStatus::from_stored(&self.status).unwrap_or(RequestStatus::Draft)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_request_lines, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LineRow {
    pub id: i64,
    pub request_id: i64,
    pub position: i32,
    pub item_id: Option<i64>,
    pub description: String,
    pub quantity: i64,
    pub estimated_price: Option<i64>,
}

/// A line to write: quantity in thousandths, price in ten-thousandths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub item_id: Option<i64>,
    pub description: String,
    pub quantity: i64,
    pub estimated_price: Option<i64>,
}

/// The fields of a request that a draft's writer sets.
#[derive(Debug, Clone)]
pub struct RequestFields {
    pub department_id: i64,
    pub currency: String,
    pub needed_by: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

pub fn request(conn: &mut DbConn, id: i64) -> QueryResult<Option<RequestRow>> {
    purchase_requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()
}

/// The lines of several requests, in request and position order.
pub fn lines_of(conn: &mut DbConn, request_ids: &[i64]) -> QueryResult<Vec<LineRow>> {
    purchase_request_lines::table
        .filter(purchase_request_lines::request_id.eq_any(request_ids))
        .order((purchase_request_lines::request_id.asc(), purchase_request_lines::position.asc()))
        .select(LineRow::as_select())
        .load(conn)
}

/// Inserts a request in `status` with its lines; returns its id.
pub fn insert(
    conn: &mut DbConn,
    fields: &RequestFields,
    status: RequestStatus,
    requested_by: Option<i64>,
    low_stock_item_id: Option<i64>,
    created_by: Option<i64>,
    lines: &[NewLine],
) -> QueryResult<i64> {
    let now = db::now();
    let id: i64 = diesel::insert_into(purchase_requests::table)
        .values((
            purchase_requests::department_id.eq(fields.department_id),
            purchase_requests::requested_by.eq(requested_by),
            purchase_requests::status.eq(status.as_str()),
            purchase_requests::currency.eq(&fields.currency),
            purchase_requests::needed_by.eq(fields.needed_by),
            purchase_requests::note.eq(fields.note.as_deref()),
            purchase_requests::low_stock_item_id.eq(low_stock_item_id),
            purchase_requests::created_by.eq(created_by),
            purchase_requests::created_at.eq(now),
            purchase_requests::updated_at.eq(now),
            purchase_requests::version.eq(1i64),
        ))
        .returning(purchase_requests::id)
        .get_result(conn)?;
    set_lines(conn, id, lines)?;
    Ok(id)
}

/// Replaces every line of a request.
pub fn set_lines(conn: &mut DbConn, request_id: i64, lines: &[NewLine]) -> QueryResult<()> {
    diesel::delete(purchase_request_lines::table.filter(purchase_request_lines::request_id.eq(request_id)))
        .execute(conn)?;
    for (i, line) in lines.iter().enumerate() {
        diesel::insert_into(purchase_request_lines::table)
            .values((
                purchase_request_lines::request_id.eq(request_id),
                purchase_request_lines::position.eq(i as i32 + 1),
                purchase_request_lines::item_id.eq(line.item_id),
                purchase_request_lines::description.eq(&line.description),
                purchase_request_lines::quantity.eq(line.quantity),
                purchase_request_lines::estimated_price.eq(line.estimated_price),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Changes a draft at `expected_version`; false when it is no longer that draft.
pub fn update_draft(conn: &mut DbConn, id: i64, expected_version: i64, fields: &RequestFields) -> QueryResult<bool> {
    diesel::update(
        purchase_requests::table
            .find(id)
            .filter(purchase_requests::version.eq(expected_version))
            .filter(purchase_requests::status.eq(RequestStatus::Draft.as_str())),
    )
    .set((
        purchase_requests::department_id.eq(fields.department_id),
        purchase_requests::currency.eq(&fields.currency),
        purchase_requests::needed_by.eq(fields.needed_by),
        purchase_requests::note.eq(fields.note.as_deref()),
        purchase_requests::updated_at.eq(db::now()),
        purchase_requests::version.eq(purchase_requests::version + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Moves one request from `from` to `to` at `expected_version`; a decision (approved,
/// rejected) stamps who decided, when, and the rejection's reason in the same statement (the
/// table's CHECK wants a rejected request's reason with its status). False when the row is no
/// longer at that version and status.
pub fn move_status(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    from: RequestStatus,
    to: RequestStatus,
    decided_by: Option<i64>,
    rejection_reason: Option<&str>,
) -> QueryResult<bool> {
    let now = db::now();
    let target = purchase_requests::table
        .find(id)
        .filter(purchase_requests::version.eq(expected_version))
        .filter(purchase_requests::status.eq(from.as_str()));
    let moved = (
        purchase_requests::status.eq(to.as_str()),
        purchase_requests::updated_at.eq(now),
        purchase_requests::version.eq(purchase_requests::version + 1),
    );
    let changed = if matches!(to, RequestStatus::Approved | RequestStatus::Rejected) {
        diesel::update(target)
            .set((
                moved,
                purchase_requests::decided_by.eq(decided_by),
                purchase_requests::decided_at.eq(Some(now)),
                purchase_requests::rejection_reason.eq(rejection_reason),
            ))
            .execute(conn)?
    } else {
        diesel::update(target).set(moved).execute(conn)?
    };
    Ok(changed == 1)
}

/// Deletes a draft (its lines go with it) at `expected_version`.
pub fn delete_draft(conn: &mut DbConn, id: i64, expected_version: i64) -> QueryResult<bool> {
    diesel::delete(
        purchase_requests::table
            .find(id)
            .filter(purchase_requests::version.eq(expected_version))
            .filter(purchase_requests::status.eq(RequestStatus::Draft.as_str())),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// The open (draft, submitted, approved) request low stock raised for an item, if any.
pub fn open_low_stock_request(conn: &mut DbConn, item_id: i64) -> QueryResult<Option<i64>> {
    purchase_requests::table
        .filter(purchase_requests::low_stock_item_id.eq(item_id))
        .filter(purchase_requests::status.eq_any([
            RequestStatus::Draft.as_str(),
            RequestStatus::Submitted.as_str(),
            RequestStatus::Approved.as_str(),
        ]))
        .select(purchase_requests::id)
        .first(conn)
        .optional()
}

#[derive(Debug, Default)]
pub struct RequestFilter {
    pub status: Option<&'static str>,
    pub department_id: Option<i64>,
    pub updated_since: Option<chrono::NaiveDateTime>,
    /// Some: only what such a caller sees — requests raised by this employee, or of these
    /// departments. None: every request.
    pub scope: Option<(Option<i64>, Vec<i64>)>,
}

pub fn list(conn: &mut DbConn, filter: &RequestFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<RequestRow>> {
    let mut query = purchase_requests::table.select(RequestRow::as_select()).into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(purchase_requests::status.eq(status));
    }
    if let Some(department) = filter.department_id {
        query = query.filter(purchase_requests::department_id.eq(department));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(purchase_requests::updated_at.ge(since));
    }
    if let Some((employee, departments)) = &filter.scope {
        // -1 matches no employee: a caller without a record sees only their departments' requests.
        query = query.filter(
            purchase_requests::requested_by
                .eq(employee.unwrap_or(-1))
                .or(purchase_requests::department_id.eq_any(departments.clone())),
        );
    }
    if let Some(after) = after {
        query = query.filter(purchase_requests::id.gt(after));
    }
    query.order(purchase_requests::id.asc()).limit(limit + 1).load(conn)
}
