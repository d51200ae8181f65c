//! Reading the stock ledger: across items, one item's, one movement.

use actix_web::{get, web, HttpResponse};

use super::super::api::currency_of;
use super::super::model::MovementKind;
use super::super::permissions;
use super::super::repo::{self, MovementFilter};
use super::*;
use crate::auth::principal::Principal;
use crate::db::{self};
use crate::error::ApiError;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::money::Currency;
use crate::state::AppState;

async fn movements_page(
    state: &AppState,
    principal: &Principal,
    listing: Listing,
    name: &str,
    filter: MovementFilter,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    listing
        .answer(&state.pool, name, move |conn, page| {
            let rows = repo::list_movements(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            let mut currencies: std::collections::HashMap<i64, Currency> = std::collections::HashMap::new();
            let mut items = Vec::with_capacity(rows.items.len());
            for row in &rows.items {
                let currency = match currencies.get(&row.item_id) {
                    Some(c) => *c,
                    None => {
                        let item = repo::item(conn, row.item_id)?.ok_or(ApiError::NotFound)?;
                        let c = currency_of(&item)?;
                        currencies.insert(row.item_id, c);
                        c
                    }
                };
                items.push(Movement::new(row, currency));
            }
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

/// The ledger across items, oldest first, with filters.
#[utoipa::path(operation_id = "list_movements", tag = "inventory", params(PageQuery, MovementListQuery),
    responses((status = 200, description = "A page of movements", body = Page<Movement>)))]
#[get("/inventory/movements")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<MovementListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = MovementFilter {
        item_id: query.item_id,
        location_id: query.location_id,
        kind: query.kind.map(MovementKind::as_str),
        ticket_id: query.ticket_id,
        department_id: query.department_id,
        from: query.from.map(|t| t.naive_utc()),
        to: query.to.map(|t| t.naive_utc()),
    };
    movements_page(&state, &principal, listing, "stock-movements", filter).await
}

/// One item's ledger, oldest first; `on_hand_after` is the running balance.
#[utoipa::path(operation_id = "list_item_movements", tag = "inventory",
    params(("id" = i64, Path, description = "Item id"), PageQuery),
    responses((status = 200, description = "A page of the item's movements", body = Page<Movement>)))]
#[get("/inventory/items/{id}/movements")]
pub async fn of_item(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    principal.require(&permissions::READ_STOCK)?;
    let exists = db::run(&state.pool, move |conn| Ok(repo::item(conn, id)?.is_some())).await?;
    if !exists {
        return Err(ApiError::NotFound);
    }
    let filter = MovementFilter { item_id: Some(id), ..Default::default() };
    movements_page(&state, &principal, listing, &format!("item-{id}-movements"), filter).await
}

/// Reads one movement.
#[utoipa::path(operation_id = "get_movement", tag = "inventory", params(("id" = i64, Path, description = "Movement id")),
    responses((status = 200, description = "The movement", body = Movement)))]
#[get("/inventory/movements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let id = id.into_inner();
    let movement = db::run(&state.pool, move |conn| {
        let row = repo::movement(conn, id)?.ok_or(ApiError::NotFound)?;
        let item = repo::item(conn, row.item_id)?.ok_or(ApiError::NotFound)?;
        Ok(Movement::new(&row, currency_of(&item)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(movement))
}
