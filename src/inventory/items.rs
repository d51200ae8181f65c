//! `/api/v1/inventory/items`: what is stocked, with what it holds and is worth (the ledger's).
//! ops and admin write; agents, finance and auditor read.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::{code, currency_of, quantity, show_quantity};
use super::model::{average_cost, ItemRow, COST_SCALE};
use super::permissions;
use super::repo::{self, ItemFields, ItemFilter};
use crate::audit::{self, Actor};
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::{nullable, ValidJson};
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{format_amount, format_scaled, parse_scaled, Currency};
use crate::state::AppState;

/// What one location holds of an item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationStock {
    pub location_id: i64,
    #[schema(example = "12.000")]
    pub quantity: String,
}

/// A stocked item. On hand, average cost and value are the ledger's (read-only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    pub id: i64,
    #[schema(example = "FLT-0042")]
    pub sku: String,
    pub name: String,
    /// Unit of measure.
    #[schema(example = "pcs")]
    pub unit: String,
    pub category: Option<String>,
    pub reorder_point: String,
    pub reorder_quantity: String,
    /// The currency the item is valued in.
    pub currency: String,
    /// What a unit is billed at to customers (4 decimals); null: at cost plus the customer's
    /// parts markup.
    #[schema(example = "12.5000")]
    pub sale_price: Option<String>,
    pub active: bool,
    pub on_hand: String,
    /// Only in single reads: what each location holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<LocationStock>>,
    /// Moving weighted average, up to 4 decimals.
    #[schema(example = "4.5000")]
    pub average_unit_cost: String,
    /// The value of what is on hand.
    pub stock_value: String,
    /// On hand is at or under the reorder point.
    pub below_reorder_point: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Item {
    pub fn new(row: &ItemRow, currency: Currency, locations: Option<Vec<(i64, i64)>>) -> Item {
        Item {
            id: row.id,
            sku: row.sku.clone(),
            name: row.name.clone(),
            unit: row.unit.clone(),
            category: row.category.clone(),
            reorder_point: show_quantity(row.reorder_point),
            reorder_quantity: show_quantity(row.reorder_quantity),
            currency: row.currency.clone(),
            sale_price: row.sale_price.map(|p| format_scaled(p, COST_SCALE)),
            active: row.active,
            on_hand: show_quantity(row.on_hand),
            locations: locations.map(|levels| {
                levels
                    .into_iter()
                    .map(|(location_id, q)| LocationStock { location_id, quantity: show_quantity(q) })
                    .collect()
            }),
            average_unit_cost: format_scaled(average_cost(row.stock_value, row.on_hand, currency), COST_SCALE),
            stock_value: format_amount(row.stock_value, currency),
            below_reorder_point: row.on_hand <= row.reorder_point,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItem {
    /// Stored upper-case; unique.
    #[schema(example = "FLT-0042", pattern = r"^\s*[A-Za-z0-9._-]{1,40}\s*$")]
    pub sku: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// Default `pcs`.
    #[schema(
        max_length = 20,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub unit: Option<String>,
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub category: Option<String>,
    /// Up to 3 decimals; default 0.
    pub reorder_point: Option<String>,
    /// Up to 3 decimals; default 0.
    pub reorder_quantity: Option<String>,
    /// Default EUR.
    pub currency: Option<Currency>,
    /// What a unit is billed at to customers: not negative, up to 4 decimals, in the item's
    /// currency. Without one, parts are billed at cost plus the customer's parts markup.
    #[schema(example = "12.50")]
    pub sale_price: Option<String>,
}

/// Only the fields sent change. The SKU and currency are fixed: the ledger carries them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateItem {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(
        max_length = 20,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub category: Option<Option<String>>,
    pub reorder_point: Option<String>,
    pub reorder_quantity: Option<String>,
    /// null removes the sale price (parts are then billed at cost plus the customer's markup).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub sale_price: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemListQuery {
    pub category: Option<String>,
    pub active: Option<bool>,
    /// Part of the name or SKU, case-insensitive.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `true`: at or under the reorder point.
    pub below_reorder_point: Option<bool>,
}

/// A sale price: not negative, up to 4 decimals (ten-thousandths of the major unit).
fn sale_price(v: &mut Validator, raw: &str) -> i64 {
    match parse_scaled(raw, COST_SCALE) {
        Ok(price) if price >= 0 => price,
        Ok(_) => {
            v.error("/sale_price", "must not be negative");
            0
        }
        Err(e) => {
            v.error("/sale_price", e);
            0
        }
    }
}

fn short_text(v: &mut Validator, pointer: &str, raw: &str, max: usize) -> String {
    v.required_text(pointer, raw, max)
}

/// Creates an item (ops, admin).
#[utoipa::path(operation_id = "create_item", tag = "inventory", request_body = CreateItem,
    responses(
        (status = 201, description = "Created", body = Item, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The SKU is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/inventory/items")]
pub async fn create_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateItem>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_STOCK)?;
    let input = body.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let item = create(conn, &actor, input)?;
        Reply::created(&item, item.version, &format!("/api/v1/inventory/items/{}", item.id))
    })
    .await
}

/// Records an item: the checks and the write behind `POST /inventory/items`, also used by bulk
/// import (`crate::imports`) so an imported row meets the same rules and writes the same audit
/// event. Run it in a write transaction.
pub fn create(conn: &mut DbConn, actor: &Actor, input: CreateItem) -> Result<Item, ApiError> {
    let mut v = Validator::new();
    let currency = match input.currency {
        Some(c) => c,
        None => "EUR".parse().map_err(ApiError::internal)?,
    };
    let fields = ItemFields {
        sku: code(&mut v, "/sku", &input.sku),
        name: normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default(),
        unit: short_text(&mut v, "/unit", input.unit.as_deref().unwrap_or("pcs"), 20),
        category: v.optional_text("/category", input.category, 100),
        reorder_point: input
            .reorder_point
            .as_deref()
            .map(|q| quantity(&mut v, "/reorder_point", q, false))
            .unwrap_or(0),
        reorder_quantity: input
            .reorder_quantity
            .as_deref()
            .map(|q| quantity(&mut v, "/reorder_quantity", q, false))
            .unwrap_or(0),
        currency: currency.code().to_string(),
        active: true,
        sale_price: input.sale_price.as_deref().map(|p| sale_price(&mut v, p)),
    };
    v.finish()?;
    if repo::item_by_sku(conn, &fields.sku)?.is_some() {
        return Err(ApiError::Conflict(format!("an item with SKU {} exists", fields.sku)));
    }
    let row = repo::insert_item(conn, &fields)?;
    let item = Item::new(&row, currency, Some(Vec::new()));
    audit::record(conn, actor, "item.created", "item", row.id, None, Some(&item))?;
    Ok(item)
}

/// Lists items in id order, with what they hold and are worth.
#[utoipa::path(operation_id = "list_items", tag = "inventory", params(PageQuery, ItemListQuery),
    responses((status = 200, description = "A page of items", body = Page<Item>)))]
#[get("/inventory/items")]
pub async fn list_items(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<ItemListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let query = query.into_inner();
    let mut v = Validator::new();
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        v.query_error("q", "must be at most 200 characters long");
    }
    v.finish()?;
    let q = query.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    // A search with nothing to search for finds nothing (one empty page, or a header-only CSV).
    let nothing = q.as_deref().is_some_and(|q| db::searchable(q).is_none())
        || query.category.as_deref().is_some_and(|c| db::searchable(c).is_none());
    let filter = ItemFilter {
        category: query.category,
        active: query.active,
        q,
        low: query.below_reorder_point,
        updated_since: listing.page.updated_since,
    };
    listing
        .answer(&state.pool, "items", move |conn, page| {
            if nothing {
                return Ok(Page::<Item> { items: Vec::new(), next_cursor: None });
            }
            let rows = repo::list_items(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            let mut items = Vec::with_capacity(rows.items.len());
            for row in &rows.items {
                items.push(Item::new(row, currency_of(row)?, None));
            }
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

pub fn load_item(conn: &mut DbConn, id: i64) -> Result<(ItemRow, Item), ApiError> {
    let row = repo::item(conn, id)?.ok_or(ApiError::NotFound)?;
    let levels = repo::levels_of(conn, id)?;
    let item = Item::new(&row, currency_of(&row)?, Some(levels));
    Ok((row, item))
}

/// Reads one item with what each location holds.
#[utoipa::path(operation_id = "get_item", tag = "inventory", params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, description = "The item", body = Item, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)")))]
#[get("/inventory/items/{id}")]
pub async fn get_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let id = id.into_inner();
    let (_, item) = db::run(&state.pool, move |conn| load_item(conn, id)).await?;
    Ok(entity_response(&req, StatusCode::OK, &item, item.version))
}

/// Changes an item; `{"active": false}` archives it (ops, admin). Honors If-Match.
#[utoipa::path(operation_id = "update_item", tag = "inventory", params(("id" = i64, Path, description = "Item id")),
    request_body = UpdateItem,
    responses((status = 200, description = "Updated", body = Item, headers(("ETag" = String)))))]
#[patch("/inventory/items/{id}")]
pub async fn update_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateItem>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_STOCK)?;
    let (id, input) = (id.into_inner(), body.into_inner());
    let actor = principal.actor();
    let item = db::run_write(&state.pool, move |conn| change(conn, &actor, id, &if_match, input)).await?;
    Ok(entity_response(&req, StatusCode::OK, &item, item.version))
}

/// Changes an item: the checks and the write behind `PATCH /inventory/items/{id}` (only the
/// fields sent change), also used by bulk import. Run it in a write transaction.
pub fn change(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    if_match: &IfMatch,
    input: UpdateItem,
) -> Result<Item, ApiError> {
    let mut shape = Validator::new();
    let name =
        input.name.as_deref().map(|n| normalize_name(n).map_err(|e| shape.error("/name", e)).unwrap_or_default());
    let unit = input.unit.as_deref().map(|u| short_text(&mut shape, "/unit", u, 20));
    let category = input.category.map(|c| shape.optional_text("/category", c, 100));
    let point = input.reorder_point.as_deref().map(|q| quantity(&mut shape, "/reorder_point", q, false));
    let reorder_quantity =
        input.reorder_quantity.as_deref().map(|q| quantity(&mut shape, "/reorder_quantity", q, false));
    let price = input.sale_price.map(|p| p.as_deref().map(|p| sale_price(&mut shape, p)));
    shape.finish()?;
    let (row, before) = load_item(conn, id)?;
    if_match.check(row.version)?;
    let fields = ItemFields {
        sku: row.sku.clone(),
        name: name.unwrap_or_else(|| row.name.clone()),
        unit: unit.unwrap_or_else(|| row.unit.clone()),
        category: category.unwrap_or_else(|| row.category.clone()),
        reorder_point: point.unwrap_or(row.reorder_point),
        reorder_quantity: reorder_quantity.unwrap_or(row.reorder_quantity),
        currency: row.currency.clone(),
        active: input.active.unwrap_or(row.active),
        sale_price: price.unwrap_or(row.sale_price),
    };
    let below = row.on_hand <= fields.reorder_point;
    if !repo::update_item(conn, id, row.version, &fields, below)? {
        return Err(ApiError::changed_concurrently("item"));
    }
    let (_, after) = load_item(conn, id)?;
    audit::record(conn, actor, "item.updated", "item", id, Some(&before), Some(&after))?;
    Ok(after)
}
