//! `/api/v1/purchase-orders`: writing, reading, changing and deleting drafts. ops, finance and
//! admin write; ops, finance and auditor read.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use super::super::model::{BudgetCategory, OrderStatus, PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE};
use super::super::{permissions, requests};
use super::repo::{self, NewOrder, NewOrderLine, OrderFilter, OrderRow};
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
use crate::invoices::model::{line_net, totals, PartyKind};
use crate::money::{parse_scaled, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "purchase_order";

/// The most lines an order takes.
const MAX_LINES: usize = 200;

pub(super) fn currency_of(row: &OrderRow) -> Result<Currency, ApiError> {
    row.currency.parse().map_err(ApiError::internal)
}

/// The order as the API shows it.
pub(crate) fn view(conn: &mut DbConn, row: &OrderRow) -> Result<PurchaseOrder, ApiError> {
    let lines = repo::lines_of(conn, row.id)?;
    let requests = repo::requests_of(conn, &[row.id])?.into_iter().map(|(_, r)| r).collect();
    Ok(PurchaseOrder::new(row, currency_of(row)?, &lines, requests))
}

/// Order `id` and its view; 404 when there is none.
pub(super) fn load(conn: &mut DbConn, id: i64) -> Result<(OrderRow, PurchaseOrder), ApiError> {
    let row = repo::order(conn, id)?.ok_or(ApiError::NotFound)?;
    let view = view(conn, &row)?;
    Ok((row, view))
}

pub(super) fn require_draft(row: &OrderRow) -> Result<(), ApiError> {
    match row.status() {
        OrderStatus::Draft => Ok(()),
        status => Err(ApiError::Conflict(format!("the order is {}; only drafts change", status.as_str()))),
    }
}

fn parse_quantity(v: &mut Validator, pointer: &str, raw: &str) -> i64 {
    match parse_scaled(raw, QUANTITY_SCALE) {
        Ok(q) if q > 0 => q,
        Ok(_) => {
            v.error(pointer, "must be more than 0");
            0
        }
        Err(e) => {
            v.error(pointer, e);
            0
        }
    }
}

/// Parses, checks and prices lines in `currency`; `department` is the default department.
/// `taken`: the request lines the order holds already (with their departments), which a line may
/// keep citing; such a line's department defaults to its request's.
fn order_lines(
    conn: &mut DbConn,
    v: &mut Validator,
    inputs: &[PurchaseOrderLineInput],
    currency: Currency,
    department: Option<i64>,
    taken: &[(i64, i64)],
) -> Result<Vec<NewOrderLine>, ApiError> {
    let mut lines = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        let quantity = parse_quantity(v, &at("quantity"), &input.quantity);
        let unit_price = match parse_scaled(&input.unit_price, PRICE_SCALE) {
            Ok(p) if p >= 0 => p,
            Ok(_) => {
                v.error(&at("unit_price"), "must not be negative");
                0
            }
            Err(e) => {
                v.error(&at("unit_price"), e);
                0
            }
        };
        let tax_rate = match input.tax_rate_percent.as_deref().map(|r| parse_scaled(r, PERCENT_SCALE)) {
            None => 0,
            Some(Ok(r)) if (0..=10_000).contains(&r) => r as i32,
            Some(Ok(_)) => {
                v.error(&at("tax_rate_percent"), "must be 0 to 100");
                0
            }
            Some(Err(e)) => {
                v.error(&at("tax_rate_percent"), e);
                0
            }
        };
        let mut description = input.description.clone();
        if let Some(item_id) = input.item_id {
            match crate::inventory::item(conn, item_id)? {
                Some(item) if !item.active => v.error(&at("item_id"), format!("item {} is archived", item.sku)),
                Some(item) if item.currency != currency.code() => v.error(
                    &at("item_id"),
                    format!(
                        "item {} is kept in {}; order it in {} (stock is valued in the item's currency)",
                        item.sku, item.currency, item.currency
                    ),
                ),
                Some(item) => description = description.or(Some(item.name)),
                None => v.error(&at("item_id"), "no such item"),
            }
        }
        let description = match description {
            Some(d) => v.required_text(&at("description"), &d, 500),
            None => {
                v.error(&at("description"), "is required for a line without an item");
                String::new()
            }
        };
        let cited = input.request_line_id.and_then(|line| taken.iter().find(|(l, _)| *l == line));
        let department_id = match input.department_id.or(cited.map(|(_, d)| *d)).or(department) {
            Some(d) => {
                if crate::employees::department(conn, d)?.is_none() {
                    v.error(&at("department_id"), "no such department");
                }
                d
            }
            None => {
                v.error(&at("department_id"), "give the line a department, or the order a department_id");
                0
            }
        };
        let category = input.budget_category.unwrap_or(if input.item_id.is_some() {
            BudgetCategory::Materials
        } else {
            BudgetCategory::Other
        });
        let net = line_net(quantity, unit_price, 1, 0, currency).unwrap_or_else(|| {
            v.error(&at("quantity"), format!("the line's amount (quantity × unit price) {}", crate::money::LIMIT_TEXT));
            0
        });
        lines.push(NewOrderLine {
            item_id: input.item_id,
            description,
            quantity,
            unit_price,
            tax_rate,
            net,
            department_id,
            budget_category: category.as_str(),
            request_line_id: match (input.request_line_id, cited) {
                (Some(line), Some(_)) => Some(line),
                (Some(_), None) => {
                    v.error(&at("request_line_id"), "not a line of a request this order took (use request_ids)");
                    None
                }
                (None, _) => None,
            },
        });
    }
    Ok(lines)
}

/// The lines of approved requests as order lines (at their estimated prices).
fn lines_from_requests(
    conn: &mut DbConn,
    v: &mut Validator,
    request_ids: &[i64],
    currency: Currency,
) -> Result<Vec<NewOrderLine>, ApiError> {
    let mut lines = Vec::new();
    for line in requests::approved_lines(conn, request_ids)? {
        if line.currency != currency.code() {
            v.error(
                "/request_ids",
                format!(
                    "purchase request {} is in {}, the order in {}",
                    line.request_id,
                    line.currency,
                    currency.code()
                ),
            );
            continue;
        }
        let unit_price = line.estimated_price.unwrap_or(0);
        let net = line_net(line.quantity, unit_price, 1, 0, currency).unwrap_or_else(|| {
            v.error("/request_ids", format!("a line of purchase request {} is too large", line.request_id));
            0
        });
        lines.push(NewOrderLine {
            item_id: line.item_id,
            description: line.description,
            quantity: line.quantity,
            unit_price,
            tax_rate: 0,
            net,
            department_id: line.department_id,
            budget_category: if line.item_id.is_some() { "materials" } else { "other" },
            request_line_id: Some(line.id),
        });
    }
    Ok(lines)
}

fn totals_of(v: &mut Validator, lines: &[NewOrderLine], currency: Currency) -> (i64, i64, i64) {
    let nets: Vec<(i64, i32)> = lines.iter().map(|l| (l.net, l.tax_rate)).collect();
    match totals(&nets, currency) {
        Some(t) => (t.subtotal, t.tax_total, t.total),
        None => {
            v.error("/lines", "the order's total is out of range");
            (0, 0, 0)
        }
    }
}

/// Writes a draft order (ops, finance, admin): lines given directly, or taken from approved
/// purchase requests, which become `ordered`.
#[utoipa::path(
    operation_id = "create_purchase_order",
    tag = "procurement",
    request_body = CreatePurchaseOrder,
    responses(
        (status = 201, description = "The draft", body = PurchaseOrder, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "A request that is not approved (or was taken by another order)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown vendor, item, department or request; a line that does not parse", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/purchase-orders")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreatePurchaseOrder>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let input = body.into_inner();
    let mut shape = Validator::new();
    let note = shape.optional_text("/note", input.note.clone(), 2000);
    if input.lines.is_empty() && input.request_ids.is_empty() {
        shape.error("/lines", "give lines, or request_ids whose lines the order takes");
    }
    if input.lines.len() > MAX_LINES {
        shape.error("/lines", format!("at most {MAX_LINES} lines"));
    }
    if input.request_ids.len() > MAX_LINES {
        shape.error("/request_ids", format!("at most {MAX_LINES} requests"));
    }
    shape.finish()?;
    let actor = principal.actor();
    let created_by = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let mut v = Validator::new();
        let vendor = crate::invoices::party(conn, PartyKind::Vendor, input.vendor_id)?;
        let vendor_currency = match &vendor {
            Some(p) if p.active => Some(p.currency.clone()),
            Some(p) => {
                v.error("/vendor_id", format!("vendor {} is archived", p.name));
                None
            }
            _ => {
                v.error("/vendor_id", "no such vendor");
                None
            }
        };
        let currency_code = match (&input.currency, vendor_currency) {
            (Some(c), _) => c.clone(),
            (None, Some(c)) => c,
            (None, None) => crate::ledger::base_currency(conn)?.code().to_string(),
        };
        let currency: Currency = match currency_code.parse() {
            Ok(c) => c,
            Err(e) => return Err(ApiError::invalid("/currency", e)),
        };
        if let Some(d) = input.department_id {
            if crate::employees::department(conn, d)?.is_none() {
                v.error("/department_id", "no such department");
            }
        }
        let mut lines = lines_from_requests(conn, &mut v, &input.request_ids, currency)?;
        lines.extend(order_lines(conn, &mut v, &input.lines, currency, input.department_id, &[])?);
        let totals = totals_of(&mut v, &lines, currency);
        v.finish()?;
        let order = NewOrder {
            vendor_id: input.vendor_id,
            currency: currency.code(),
            expected_on: input.expected_on,
            note: note.as_deref(),
            created_by,
        };
        let id = repo::insert_order(conn, &order)?;
        repo::set_lines(conn, id, &lines, totals)?;
        requests::mark_ordered(conn, &input.request_ids)?;
        let (row, view) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.created", ENTITY, id, None, Some(&view))?;
        Reply::created(&view, row.version, &format!("/api/v1/purchase-orders/{id}"))
    })
    .await
}

/// Lists purchase orders in id order (ops, finance, auditor, admin).
#[utoipa::path(operation_id = "list_purchase_orders", tag = "procurement", params(PageQuery, PurchaseOrderListQuery),
    responses((status = 200, description = "A page of orders", body = Page<PurchaseOrder>)))]
#[get("/purchase-orders")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<PurchaseOrderListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_PURCHASING)?;
    let query = query.into_inner();
    listing
        .answer(&state.pool, "purchase-orders", move |conn, page| {
            let filter = OrderFilter { status: query.status.map(OrderStatus::as_str), vendor_id: query.vendor_id };
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
            let mut lines = repo::lines_of_orders(conn, &ids)?;
            let requests = repo::requests_of(conn, &ids)?;
            let mut items = Vec::with_capacity(rows.items.len());
            for row in &rows.items {
                let (mine, rest): (Vec<_>, Vec<_>) = lines.into_iter().partition(|l| l.order_id == row.id);
                lines = rest;
                let request_ids = requests.iter().filter(|(o, _)| *o == row.id).map(|(_, r)| *r).collect();
                items.push(PurchaseOrder::new(row, currency_of(row)?, &mine, request_ids));
            }
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

/// Reads one purchase order with its lines, what arrived and what was billed.
#[utoipa::path(operation_id = "get_purchase_order", tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    responses((status = 200, description = "The order", body = PurchaseOrder, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)")))]
#[get("/purchase-orders/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_PURCHASING)?;
    let id = id.into_inner();
    let (_, order) = db::run(&state.pool, move |conn| load(conn, id)).await?;
    Ok(entity_response(&req, StatusCode::OK, &order, order.version))
}

/// Changes a draft (ops, finance, admin). Honors If-Match.
#[utoipa::path(operation_id = "update_purchase_order", tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    request_body = UpdatePurchaseOrder,
    responses(
        (status = 200, description = "Changed", body = PurchaseOrder, headers(("ETag" = String))),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown item or department; a line that does not parse", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[patch("/purchase-orders/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdatePurchaseOrder>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let note = input.note.clone().map(|n| shape.optional_text("/note", Some(n), 2000));
    match &input.lines {
        Some(lines) if lines.is_empty() => shape.error("/lines", "an order needs at least one line"),
        Some(lines) if lines.len() > MAX_LINES => shape.error("/lines", format!("at most {MAX_LINES} lines")),
        _ => {}
    }
    // The lines' text before If-Match: a bad body is 422 whatever the version it names.
    for (i, line) in input.lines.iter().flatten().enumerate() {
        if let Some(description) = &line.description {
            shape.required_text(&format!("/lines/{i}/description"), description, 500);
        }
    }
    shape.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        let mut v = Validator::new();
        if let Some(d) = input.department_id {
            if crate::employees::department(conn, d)?.is_none() {
                v.error("/department_id", "no such department");
            }
        }
        let currency = currency_of(&row)?;
        let lines = match &input.lines {
            Some(inputs) => {
                let taken: Vec<(i64, i64)> = repo::lines_of(conn, id)?
                    .iter()
                    .filter_map(|l| Some((l.request_line_id?, l.department_id)))
                    .collect();
                let lines = order_lines(conn, &mut v, inputs, currency, input.department_id, &taken)?;
                let totals = totals_of(&mut v, &lines, currency);
                Some((lines, totals))
            }
            None => None,
        };
        v.finish()?;
        let expected_on = input.expected_on.or(row.expected_on);
        let note = note.unwrap_or(row.note.clone());
        if !repo::update_draft(conn, id, row.version, expected_on, note.as_deref())? {
            return Err(ApiError::changed_concurrently("purchase order"));
        }
        if let Some((lines, totals)) = lines {
            // Requests whose lines are dropped go back to approved, for another order.
            let taken: Vec<i64> = before.request_ids.clone();
            repo::set_lines(conn, id, &lines, totals)?;
            let kept: Vec<i64> = repo::requests_of(conn, &[id])?.into_iter().map(|(_, r)| r).collect();
            let dropped: Vec<i64> = taken.into_iter().filter(|r| !kept.contains(r)).collect();
            requests::release_ordered(conn, &dropped)?;
        }
        let (row, after) = load(conn, id)?;
        audit::record(conn, &actor, "purchase_order.updated", ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, row.version)
    })
    .await
}

/// Deletes a draft (ops, finance, admin); the requests it took are approved again. Honors If-Match.
#[utoipa::path(operation_id = "delete_purchase_order", tag = "procurement",
    params(("id" = i64, Path, description = "Purchase order id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Not a draft: cancel it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[delete("/purchase-orders/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PURCHASE_ORDERS)?;
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        if !repo::delete_draft(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("purchase order"));
        }
        requests::release_ordered(conn, &before.request_ids)?;
        audit::record(conn, &actor, "purchase_order.deleted", ENTITY, id, Some(&before), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
