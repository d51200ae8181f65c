//! `/api/v1/exchange-rates`: units of the base currency for one unit of another currency, from a
//! date on. Append-only (finance and admin add; a correction is a newer rate for the same date,
//! which wins for postings from then on); everyone signed in reads. Lines keep the rate they were
//! booked at, so a new rate never changes what was booked.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::parse_rate;
use super::permissions;
use super::post::base_currency;
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::schema::exchange_rates;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::Currency;
use crate::state::AppState;

pub const ENTITY: &str = "exchange_rate";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = exchange_rates)]
pub struct RateRow {
    pub id: i64,
    pub currency: String,
    pub base_currency: String,
    pub rate_date: NaiveDate,
    pub rate: String,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExchangeRate {
    pub id: i64,
    /// The currency the rate converts from.
    #[schema(example = "USD")]
    pub currency: String,
    /// The books' base currency (OPSDESK_BASE_CURRENCY).
    #[schema(example = "EUR")]
    pub base_currency: String,
    /// In force from this day until a later rate's day.
    pub rate_date: NaiveDate,
    /// Units of the base currency for one unit of `currency` (up to 10 decimals).
    #[schema(example = "0.9215")]
    pub rate: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<&RateRow> for ExchangeRate {
    fn from(r: &RateRow) -> Self {
        ExchangeRate {
            id: r.id,
            currency: r.currency.clone(),
            base_currency: r.base_currency.clone(),
            rate_date: r.rate_date,
            rate: r.rate.clone(),
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExchangeRate {
    /// ISO 4217 code other than the base currency.
    #[schema(value_type = String, example = "USD")]
    pub currency: String,
    /// The first day the rate applies to (not in the future).
    #[serde(deserialize_with = "crate::dates::date")]
    #[schema(value_type = String, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub rate_date: NaiveDate,
    /// Units of the base currency for one unit of `currency`: more than 0, below 100000000, up
    /// to 10 decimals.
    #[schema(example = "0.9215", pattern = r"^[0-9]{1,8}(\.[0-9]{1,10})?$")]
    pub rate: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateListQuery {
    /// Only rates from this currency.
    pub currency: Option<Currency>,
    /// Only rates dated on or after this day.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Only rates dated on or before this day.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

fn insert(
    conn: &mut DbConn,
    currency: &str,
    base: &str,
    day: NaiveDate,
    rate: &str,
    by: Option<i64>,
) -> QueryResult<RateRow> {
    let id: i64 = diesel::insert_into(exchange_rates::table)
        .values((
            exchange_rates::currency.eq(currency),
            exchange_rates::base_currency.eq(base),
            exchange_rates::rate_date.eq(day),
            exchange_rates::rate.eq(rate),
            exchange_rates::created_by.eq(by),
            exchange_rates::created_at.eq(db::now()),
        ))
        .returning(exchange_rates::id)
        .get_result(conn)?;
    exchange_rates::table.find(id).select(RateRow::as_select()).first(conn)
}

/// Adds a rate (finance, admin).
#[utoipa::path(
    operation_id = "create_exchange_rate",
    tag = "exchange-rates",
    request_body = CreateExchangeRate,
    responses(
        (status = 201, description = "Added", body = ExchangeRate, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/exchange-rates")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateExchangeRate>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::RECORD_RATES)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let currency = input.currency.parse::<Currency>().map_err(|e| v.error("/currency", e)).ok();
    let rate = parse_rate(&input.rate).map_err(|e| v.error("/rate", e)).ok();
    v.check(input.rate_date <= crate::clock::today(), "/rate_date", "must not be in the future");
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let base = base_currency(conn)?;
        if currency == Some(base) {
            v.error("/currency", format!("is the base currency {base}: its rate is 1"));
        }
        v.finish()?;
        let (Some(currency), Some(rate)) = (currency, rate) else { return Err(ApiError::internal("validated")) };
        let row = insert(conn, currency.code(), base.code(), input.rate_date, &rate.to_string(), actor.user_id)?;
        let view = ExchangeRate::from(&row);
        audit::record(conn, &actor, "exchange_rate.created", ENTITY, row.id, None, Some(&view))?;
        Reply::created(&view, 1, &format!("/api/v1/exchange-rates/{}", row.id))
    })
    .await
}

/// Lists rates by currency and date (newest date first), with filters.
#[utoipa::path(
    operation_id = "list_exchange_rates",
    tag = "exchange-rates",
    params(PageQuery, RateListQuery),
    responses((status = 200, description = "A page of rates", body = Page<ExchangeRate>))
)]
#[get("/exchange-rates")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<RateListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_RATES)?;
    let query = query.into_inner();
    listing
        .answer(&state.pool, "exchange-rates", move |conn, page| {
            let mut q = exchange_rates::table.select(RateRow::as_select()).order(exchange_rates::id.asc()).into_boxed();
            if let Some(after) = page.after {
                q = q.filter(exchange_rates::id.gt(after));
            }
            if let Some(currency) = &query.currency {
                q = q.filter(exchange_rates::currency.eq(currency.code().to_string()));
            }
            if let Some(from) = query.from {
                q = q.filter(exchange_rates::rate_date.ge(from));
            }
            if let Some(to) = query.to {
                q = q.filter(exchange_rates::rate_date.le(to));
            }
            if let Some(since) = page.updated_since {
                q = q.filter(exchange_rates::created_at.ge(since));
            }
            let rows = q.limit(page.limit + 1).load(conn)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| ExchangeRate::from(&r)))
        })
        .await
}

/// Reads one rate.
#[utoipa::path(
    operation_id = "get_exchange_rate",
    tag = "exchange-rates",
    params(("id" = i64, Path, description = "Rate id")),
    responses((status = 200, description = "The rate", body = ExchangeRate, headers(("ETag" = String))))
)]
#[get("/exchange-rates/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_RATES)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        exchange_rates::table.find(id).select(RateRow::as_select()).first(conn).optional()?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(crate::http::etag::entity_response(&req, actix_web::http::StatusCode::OK, &ExchangeRate::from(&row), 1))
}
