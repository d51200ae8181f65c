//! A purchase request's lifecycle, each step a sub-resource with If-Match, idempotency and an
//! audit event `purchase_request.<new status>`: a draft is submitted (by its requester, ops or
//! admin); a submitted request is approved or rejected with a reason (by the department's
//! manager, ops or admin — never by the person who asked); before an order takes it, it may be
//! withdrawn (cancelled) by its requester, ops or admin. An order moves it on to ordered
//! (`super::mark_ordered`).

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::super::model::RequestStatus;
use super::super::permissions;
use super::access::{visible, Caller};
use super::api::{load, require_status, ENTITY};
use super::repo;
use super::views::{PurchaseRequest, PurchaseRequestRejection};
use crate::audit;
use crate::auth::principal::Principal;
use crate::error::{ApiError, Validator};
use crate::http::etag::IfMatch;
use crate::http::json::ValidJson;
use crate::http::reply::{self, Reply};
use crate::state::AppState;

/// The states a request moves to `to` from, by hand (ordered is the order's business).
pub fn moves_from(to: RequestStatus) -> &'static [RequestStatus] {
    match to {
        RequestStatus::Submitted => &[RequestStatus::Draft],
        RequestStatus::Approved | RequestStatus::Rejected => &[RequestStatus::Submitted],
        RequestStatus::Cancelled => &[RequestStatus::Draft, RequestStatus::Submitted, RequestStatus::Approved],
        RequestStatus::Draft | RequestStatus::Ordered => &[],
    }
}

async fn move_to(
    req: &HttpRequest,
    state: &AppState,
    principal: Principal,
    id: i64,
    if_match: IfMatch,
    to: RequestStatus,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    // Every role that writes may take part (the checks below say in which part); a caller whose
    // roles only read (auditor) acts on nothing.
    principal.require(&permissions::REQUEST_PURCHASES)?;
    let actor = principal.actor();
    reply::commit(req, &state.pool, move |conn| {
        let caller = Caller::load(conn, &principal)?;
        let row = visible(conn, &caller, id)?;
        let deciding = matches!(to, RequestStatus::Approved | RequestStatus::Rejected);
        if deciding {
            caller.may_decide(&row)?;
        } else {
            caller.may_handle(&row)?;
        }
        if_match.check(row.version)?;
        require_status(&row, moves_from(to), &format!("becomes {}", to.as_str()))?;
        let (_, before) = load(conn, id)?;
        let decided_by = deciding.then_some(caller.user_id);
        if !repo::move_status(conn, id, row.version, row.status(), to, decided_by, reason.as_deref())? {
            return Err(ApiError::changed_concurrently("purchase request"));
        }
        let (_, after) = load(conn, id)?;
        let action = format!("purchase_request.{}", to.as_str());
        audit::record::<PurchaseRequest>(conn, &actor, &action, ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, after.version)
    })
    .await
}

/// Submits a draft for a decision (its requester, ops, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "submit_purchase_request",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase request id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    responses(
        (status = 200, description = "Submitted", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 403, description = "Not the requester, ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (the detail names its state)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-requests/{id}/submission")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    move_to(&req, &state, principal, id.into_inner(), if_match, RequestStatus::Submitted, None).await
}

/// Approves a submitted request (the department's manager, ops, admin; never the person who
/// asked, 403). An approved request may be taken by a purchase order. Honors If-Match.
#[utoipa::path(
    operation_id = "approve_purchase_request",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase request id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    responses(
        (status = 200, description = "Approved", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 403, description = "The requester themself, or neither the department's manager nor ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted (the detail names its state)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-requests/{id}/approval")]
pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    move_to(&req, &state, principal, id.into_inner(), if_match, RequestStatus::Approved, None).await
}

/// Rejects a submitted request with a reason (who approves). Honors If-Match.
#[utoipa::path(
    operation_id = "reject_purchase_request",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase request id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body = PurchaseRequestRejection,
    responses(
        (status = 200, description = "Rejected", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 403, description = "The requester themself, or neither the department's manager nor ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted (the detail names its state)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-requests/{id}/rejection")]
pub async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<PurchaseRequestRejection>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let reason = v.required_lines("/reason", body.into_inner().reason, 500);
    v.finish()?;
    move_to(&req, &state, principal, id.into_inner(), if_match, RequestStatus::Rejected, Some(reason)).await
}

/// Withdraws a request before an order takes it: a draft, a submitted or an approved request
/// (its requester, ops, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "cancel_purchase_request",
    tag = "procurement",
    params(
        ("id" = i64, Path, description = "Purchase request id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 403, description = "Not the requester, ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rejected, ordered or cancelled already (the detail names its state)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-requests/{id}/cancellation")]
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    move_to(&req, &state, principal, id.into_inner(), if_match, RequestStatus::Cancelled, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requests_not_yet_ordered_or_decided_against_move_by_hand() {
        assert_eq!(moves_from(RequestStatus::Submitted), &[RequestStatus::Draft]);
        assert_eq!(moves_from(RequestStatus::Approved), &[RequestStatus::Submitted]);
        assert!(moves_from(RequestStatus::Cancelled).contains(&RequestStatus::Approved));
        assert!(!moves_from(RequestStatus::Cancelled).contains(&RequestStatus::Ordered));
        assert!(moves_from(RequestStatus::Ordered).is_empty());
    }
}
