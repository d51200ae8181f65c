//! `/api/v1/purchase-requests`: raising, listing, reading, changing and deleting drafts. Their
//! lifecycle (submission, approval, rejection, cancellation) is in `lifecycle.rs`, who may do
//! what in `access.rs`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::super::model::{RequestStatus, PRICE_SCALE, QUANTITY_SCALE};
use super::super::permissions;
use super::access::{visible, Caller};
use super::repo::{self, NewLine, RequestFields, RequestFilter, RequestRow};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, parse_scaled, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "purchase_request";

/// The most lines a request holds.
pub const MAX_LINES: usize = 200;

/// The request as the API shows it, with its lines.
pub fn view(conn: &mut DbConn, row: &RequestRow) -> Result<PurchaseRequest, ApiError> {
    let lines = repo::lines_of(conn, &[row.id])?;
    Ok(PurchaseRequest::new(row, &lines))
}

pub fn load(conn: &mut DbConn, id: i64) -> Result<(RequestRow, PurchaseRequest), ApiError> {
    let row = repo::request(conn, id)?.ok_or(ApiError::NotFound)?;
    let request = view(conn, &row)?;
    Ok((row, request))
}

/// A quantity or price as sent, in its scale: `positive` quantities, otherwise not negative.
fn scaled(v: &mut Validator, pointer: &str, raw: &str, scale: u32, positive: bool) -> i64 {
    match parse_scaled(raw, scale) {
        Ok(units) if positive && units <= 0 => {
            v.error(pointer, "must be more than 0");
            0
        }
        Ok(units) if units < 0 => {
            v.error(pointer, "must not be negative");
            0
        }
        Ok(units) => units,
        Err(e) => {
            v.error(pointer, e);
            0
        }
    }
}

/// The lines as sent, checked: 1 to 200 of them; an item must be active (its name is the
/// default description), a free-text line needs a description; quantities above 0 with up to
/// 3 decimals, prices not negative with up to 4; each line's estimated amount and their sum
/// within the limit of `currency`.
pub(super) fn parse_lines(
    conn: &mut DbConn,
    v: &mut Validator,
    lines: &[PurchaseRequestLineInput],
    currency: Currency,
) -> Result<Vec<NewLine>, ApiError> {
    if lines.is_empty() {
        v.error("/lines", "a purchase request needs at least one line");
    }
    if lines.len() > MAX_LINES {
        v.error("/lines", format!("at most {MAX_LINES} lines"));
        return Ok(Vec::new());
    }
    let mut parsed = Vec::with_capacity(lines.len());
    let mut amounts = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        let item = match line.item_id {
            Some(id) => match crate::inventory::item(conn, id)? {
                Some(item) if item.active => Some(item),
                Some(item) => {
                    v.error(&at("item_id"), format!("item {} is inactive", item.sku));
                    None
                }
                None => {
                    v.error(&at("item_id"), "no such item");
                    None
                }
            },
            None => None,
        };
        let description = match (&line.description, &item) {
            (Some(text), _) => v.required_text(&at("description"), text, 500),
            (None, Some(item)) => item.name.clone(),
            (None, None) if line.item_id.is_some() => String::new(),
            (None, None) => {
                v.error(&at("description"), "a line without an item needs a description");
                String::new()
            }
        };
        let quantity = scaled(v, &at("quantity"), &line.quantity, QUANTITY_SCALE, true);
        let estimated_price =
            line.estimated_price.as_deref().map(|raw| scaled(v, &at("estimated_price"), raw, PRICE_SCALE, false));
        if let Some(price) = estimated_price {
            match line_amount(quantity, price, currency) {
                Some(amount) => amounts.push(amount),
                None => v.error(
                    &at("estimated_price"),
                    format!("the line's estimated amount (quantity × price) {}", money::LIMIT_TEXT),
                ),
            }
        }
        parsed.push(NewLine { item_id: line.item_id, description, quantity, estimated_price });
    }
    if money::checked_sum(amounts, currency).is_none() {
        v.error("/lines", format!("the request's estimated total {}", money::LIMIT_TEXT));
    }
    Ok(parsed)
}

/// A needed-by date is today or later.
fn check_needed_by(v: &mut Validator, needed_by: Option<NaiveDate>) {
    if let Some(day) = needed_by {
        let today = crate::clock::today();
        v.check(day >= today, "/needed_by", format!("must not be in the past (today is {today})"));
    }
}

/// The department a request is for, checked (exists, active): see [`Caller::department_for`].
fn department(
    conn: &mut DbConn,
    v: &mut Validator,
    caller: &Caller,
    named: Option<i64>,
    current: Option<i64>,
) -> Result<i64, ApiError> {
    match caller.department_for(named)? {
        Some(department) => {
            crate::employees::check_department_choice(conn, v, department, current)?;
            Ok(department)
        }
        None => {
            v.error("/department_id", "you have no employee record: name the department the request is for");
            Ok(0)
        }
    }
}

/// Raises a purchase request for the caller's department (any employee), or for any department
/// (ops, admin): a draft, or submitted at once with `"submit": true`.
#[utoipa::path(
    operation_id = "create_purchase_request",
    tag = "procurement",
    request_body = CreatePurchaseRequest,
    responses(
        (status = 201, description = "The request", body = PurchaseRequest, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Another department than the caller's own (only ops and admin name any)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid: each field named by a pointer such as /lines/0/quantity", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-requests")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreatePurchaseRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::REQUEST_PURCHASES)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let note = v.optional_text("/note", input.note, 2000);
    check_needed_by(&mut v, input.needed_by);
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let caller = Caller::load(conn, &principal)?;
        let department_id = department(conn, &mut v, &caller, input.department_id, None)?;
        let currency = match input.currency {
            Some(currency) => currency,
            None => crate::ledger::base_currency(conn)?,
        };
        let lines = parse_lines(conn, &mut v, &input.lines, currency)?;
        v.finish()?;
        let status = if input.submit { RequestStatus::Submitted } else { RequestStatus::Draft };
        let fields =
            RequestFields { department_id, currency: currency.code().to_string(), needed_by: input.needed_by, note };
        let id = repo::insert(conn, &fields, status, caller.employee_id, None, Some(caller.user_id), &lines)?;
        let (_, request) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_request.created", ENTITY, id, None, Some(&request))?;
        Reply::created(&request, request.version, &format!("/api/v1/purchase-requests/{id}"))
    })
    .await
}

/// Lists the purchase requests the caller may see, in id order: every one for ops, finance,
/// auditor and admin; for others those they raised and those of the departments they manage.
#[utoipa::path(
    operation_id = "list_purchase_requests",
    tag = "procurement",
    params(PageQuery, PurchaseRequestListQuery),
    responses((status = 200, description = "A page of purchase requests", body = Page<PurchaseRequest>))
)]
#[get("/purchase-requests")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<PurchaseRequestListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    listing
        .answer(&state.pool, "purchase-requests", move |conn, page| {
            let caller = Caller::load(conn, &principal)?;
            let filter = RequestFilter {
                status: query.status.map(RequestStatus::as_str),
                department_id: query.department_id,
                updated_since: page.updated_since,
                scope: (!caller.reads_all).then(|| (caller.employee_id, caller.manages.clone())),
            };
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
            let lines = repo::lines_of(conn, &ids)?;
            let items = rows.items.iter().map(|row| PurchaseRequest::new(row, &lines)).collect();
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

/// Reads one purchase request (404 for one the caller may not see).
#[utoipa::path(
    operation_id = "get_purchase_request",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase request id")),
    responses(
        (status = 200, description = "The request", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such request, or not one the caller may see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/purchase-requests/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let request = db::run(&state.pool, move |conn| {
        let caller = Caller::load(conn, &principal)?;
        let row = visible(conn, &caller, id)?;
        view(conn, &row)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &request, request.version))
}

/// Changes a draft (its requester, ops, admin); `lines` replaces every line. Honors If-Match.
#[utoipa::path(
    operation_id = "update_purchase_request",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase request id")),
    request_body = UpdatePurchaseRequest,
    responses(
        (status = 200, description = "Updated", body = PurchaseRequest, headers(("ETag" = String))),
        (status = 403, description = "Not the requester, ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/purchase-requests/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdatePurchaseRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::REQUEST_PURCHASES)?;
    let id = id.into_inner();
    let input = body.into_inner();
    // The body's own shape first: a bad body is 422 whatever the version named in If-Match.
    let mut shape = Validator::new();
    let note = input.note.map(|n| shape.optional_text("/note", n, 2000));
    check_needed_by(&mut shape, input.needed_by.flatten());
    shape.finish()?;
    let actor = principal.actor();
    let request = db::run_write(&state.pool, move |conn| {
        let mut v = Validator::new();
        let caller = Caller::load(conn, &principal)?;
        let row = visible(conn, &caller, id)?;
        caller.may_handle(&row)?;
        if_match.check(row.version)?;
        require_status(&row, &[RequestStatus::Draft], "changes")?;
        let before = view(conn, &row)?;
        let department_id = match input.department_id {
            Some(named) if named != row.department_id => {
                department(conn, &mut v, &caller, Some(named), Some(row.department_id))?
            }
            _ => row.department_id,
        };
        let currency = match input.currency {
            Some(currency) => currency,
            None => row.currency.parse().map_err(ApiError::internal)?,
        };
        // A new currency reprices the lines kept: their amounts are checked in it too.
        let lines = match &input.lines {
            Some(lines) => Some(parse_lines(conn, &mut v, lines, currency)?),
            None => None,
        };
        v.finish()?;
        let fields = RequestFields {
            department_id,
            currency: currency.code().to_string(),
            needed_by: input.needed_by.unwrap_or(row.needed_by),
            note: note.unwrap_or(row.note.clone()),
        };
        if !repo::update_draft(conn, id, row.version, &fields)? {
            return Err(ApiError::changed_concurrently("purchase request"));
        }
        if let Some(lines) = &lines {
            repo::set_lines(conn, id, lines)?;
        }
        let (_, after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_request.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &request, request.version))
}

/// Deletes a draft (its requester, ops, admin); a request once submitted is cancelled instead.
/// Honors If-Match.
#[utoipa::path(
    operation_id = "delete_purchase_request",
    tag = "procurement",
    params(("id" = i64, Path, description = "Purchase request id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the requester, ops or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft: cancel it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/purchase-requests/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::REQUEST_PURCHASES)?;
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let caller = Caller::load(conn, &principal)?;
        let row = visible(conn, &caller, id)?;
        caller.may_handle(&row)?;
        if_match.check(row.version)?;
        require_status(&row, &[RequestStatus::Draft], "is deleted (cancel it instead)")?;
        let before = view(conn, &row)?;
        if !repo::delete_draft(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("purchase request"));
        }
        audit::record(conn, &actor, "purchase_request.deleted", ENTITY, id, Some(&before), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 409 naming the current state unless the request is in one of `allowed`.
pub(super) fn require_status(row: &RequestRow, allowed: &[RequestStatus], what: &str) -> Result<(), ApiError> {
    let status = row.status();
    if allowed.contains(&status) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    Err(ApiError::Conflict(format!(
        "the purchase request is {}; only a request that is {} {what}",
        status.as_str(),
        names.join(" or ")
    )))
}
