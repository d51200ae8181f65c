//! Inventory reports: the stock valuation as of a day, from the ledger; items at or under their
//! reorder point with what to order.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::{currency_of, show_quantity};
use super::model::{average_cost, COST_SCALE};
use super::permissions;
use super::repo;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::money::format_scaled;
use crate::money::{format_amount, Money};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuationQuery {
    /// The end of this day (UTC) is the moment valued (default: today).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemValue {
    pub item_id: i64,
    pub sku: String,
    pub name: String,
    pub on_hand: String,
    pub average_unit_cost: String,
    pub value: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockValuation {
    pub as_of: NaiveDate,
    /// Items that held stock then, by SKU.
    pub items: Vec<ItemValue>,
    /// The sum of the items' values per currency.
    pub totals: Vec<Money>,
}

/// The stock's quantity and value per item at the end of a day, reproduced from the ledger
/// (ops, finance, admin, auditor, agents).
#[utoipa::path(operation_id = "get_stock_valuation", tag = "inventory", params(ValuationQuery, FormatQuery),
    responses((status = 200, description = "Per item, and totals per currency", body = StockValuation)))]
#[get("/reports/stock-valuation")]
pub async fn stock_valuation(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ValuationQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let as_of = query.as_of.unwrap_or_else(crate::clock::today);
    let report = db::run_heavy(&state.pool, move |conn| {
        let mut items = Vec::new();
        let mut totals: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
        // The items holding something then (a rollup and at most a month of the ledger, or the
        // items' own totals for today: see `repo::valuation_at`).
        let rows: Vec<repo::ValuationRow> = repo::valuation_at(conn, as_of)?;
        // The items of the report in one query, not one each.
        let ids: Vec<i64> = rows.iter().map(|r| r.item_id).collect();
        let known: std::collections::HashMap<i64, super::model::ItemRow> =
            repo::items_by_id(conn, &ids)?.into_iter().map(|i| (i.id, i)).collect();
        for row in rows {
            let item = known.get(&row.item_id).ok_or(ApiError::NotFound)?;
            let currency = currency_of(item)?;
            *totals.entry(item.currency.clone()).or_default() += row.value;
            items.push(ItemValue {
                item_id: item.id,
                sku: item.sku.clone(),
                name: item.name.clone(),
                on_hand: show_quantity(row.on_hand),
                average_unit_cost: format_scaled(average_cost(row.value, row.on_hand, currency), COST_SCALE),
                value: Money { amount: format_amount(row.value, currency), currency: item.currency.clone() },
            });
        }
        items.sort_by(|a, b| a.sku.cmp(&b.sku));
        let totals = totals.into_iter().map(|(currency, minor)| Money::new(minor, &currency)).collect();
        Ok(StockValuation { as_of, items, totals })
    })
    .await?;
    csv::report::<ItemValue, _>(format, &format!("stock-valuation-{}.csv", report.as_of), &report, "/items")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockItem {
    pub item_id: i64,
    pub sku: String,
    pub name: String,
    pub on_hand: String,
    pub reorder_point: String,
    /// The reorder quantity, or what brings stock back to the reorder point if that is more.
    pub suggested_order_quantity: String,
}

/// Active items at or under their reorder point, with the quantity to order.
#[utoipa::path(operation_id = "get_low_stock", tag = "inventory", params(FormatQuery),
    responses((status = 200, description = "Items to reorder, by SKU", body = Vec<LowStockItem>)))]
#[get("/reports/low-stock")]
pub async fn low_stock(
    state: web::Data<AppState>,
    principal: Principal,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_STOCK)?;
    let report = db::run_heavy(&state.pool, move |conn| {
        let filter = repo::ItemFilter { active: Some(true), low: Some(true), ..Default::default() };
        let mut after = None;
        let mut low = Vec::new();
        loop {
            let rows = repo::list_items(conn, &filter, after, 500)?;
            let more = rows.len() > 500;
            for item in rows.into_iter().take(500) {
                after = Some(item.id);
                low.push(LowStockItem {
                    item_id: item.id,
                    sku: item.sku.clone(),
                    name: item.name.clone(),
                    on_hand: show_quantity(item.on_hand),
                    reorder_point: show_quantity(item.reorder_point),
                    suggested_order_quantity: show_quantity(
                        item.reorder_quantity.max(item.reorder_point - item.on_hand),
                    ),
                });
            }
            if !more {
                break;
            }
        }
        low.sort_by(|a, b| a.sku.cmp(&b.sku));
        Ok(low)
    })
    .await?;
    csv::report::<LowStockItem, _>(format, "low-stock.csv", &report, "")
}
