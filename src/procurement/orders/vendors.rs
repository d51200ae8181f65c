//! `GET /reports/vendors?from&to`: how vendors deliver — orders sent, lead time (sent → everything
//! received), on-time share (received by the expected day), price variance of their bills against
//! the orders they cite, and what their open orders still commit.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::model::{OrderStatus, Priced, QUANTITY_SCALE};
use super::super::permissions;
use super::repo::{self, OrderRow};
use crate::auth::principal::Principal;
use crate::db::schema::{invoice_lines, invoices, purchase_order_lines, purchase_orders};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::invoices::model::{InvoiceKind, InvoiceStatus};
use crate::money::{format_amount, Currency};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VendorReportQuery {
    /// First day of the period (orders sent, bills issued); default 90 days before `to`.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// One vendor in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorPerformance {
    pub vendor_id: i64,
    pub vendor_name: String,
    pub currency: String,
    /// Orders sent in the period.
    pub orders_sent: i64,
    /// Of those, orders that arrived in full.
    pub orders_received: i64,
    /// Mean days from sending to the last delivery, over the orders received in full.
    #[schema(example = "6.5")]
    pub average_lead_time_days: Option<String>,
    /// Share of the orders received in full with an expected day that arrived by it (0 to 1).
    #[schema(example = "0.75")]
    pub on_time_share: Option<String>,
    /// What the bills issued in the period charged for order lines above (positive) or below
    /// the orders' prices: Σ (billed unit price − ordered unit price) × quantity billed.
    #[schema(example = "12.40")]
    pub price_variance: String,
    /// The same as a share of what those lines would have cost at the orders' prices.
    #[schema(example = "0.012")]
    pub price_variance_share: Option<String>,
    /// What the vendor's open orders still commit today (whatever their period).
    pub open_commitments: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VendorReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub vendors: Vec<VendorPerformance>,
}

#[derive(Default)]
struct Tally {
    sent: i64,
    received: i64,
    lead_days: i64,
    with_expected: i64,
    on_time: i64,
    variance: rust_decimal::Decimal,
    at_order_price: rust_decimal::Decimal,
    open: i64,
}

fn ratio(part: rust_decimal::Decimal, whole: rust_decimal::Decimal) -> Option<String> {
    (!whole.is_zero()).then(|| (part / whole).round_dp(4).normalize().to_string())
}

fn tally_orders(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    tallies: &mut BTreeMap<(i64, String), Tally>,
) -> Result<(), ApiError> {
    let sent: Vec<OrderRow> = purchase_orders::table
        .filter(purchase_orders::sent_on.between(from, to))
        .select(OrderRow::as_select())
        .load(conn)?;
    for order in &sent {
        let tally = tallies.entry((order.vendor_id, order.currency.clone())).or_default();
        tally.sent += 1;
        let (Some(sent_on), Some(received_on)) = (order.sent_on, order.received_on) else { continue };
        tally.received += 1;
        tally.lead_days += (received_on - sent_on).num_days();
        if let Some(expected) = order.expected_on {
            tally.with_expected += 1;
            if received_on <= expected {
                tally.on_time += 1;
            }
        }
    }
    let open_states =
        [OrderStatus::Sent.as_str(), OrderStatus::PartiallyReceived.as_str(), OrderStatus::Received.as_str()];
    let open: Vec<OrderRow> = purchase_orders::table
        .filter(purchase_orders::status.eq_any(open_states))
        .select(OrderRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = open.iter().map(|o| o.id).collect();
    let lines = repo::lines_of_orders(conn, &ids)?;
    for order in &open {
        let committed: i64 =
            lines.iter().filter(|l| l.order_id == order.id).map(|l| l.open_commitment(order.status())).sum();
        tallies.entry((order.vendor_id, order.currency.clone())).or_default().open += committed;
    }
    Ok(())
}

fn tally_prices(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    tallies: &mut BTreeMap<(i64, String), Tally>,
) -> Result<(), ApiError> {
    type Cited = (i64, String, i64, i64, i32, i32, i64, i64);
    let cited: Vec<Cited> = invoice_lines::table
        .inner_join(invoices::table)
        .inner_join(
            purchase_order_lines::table
                .on(invoice_lines::purchase_order_line_id.eq(purchase_order_lines::id.nullable())),
        )
        .filter(invoices::kind.eq(InvoiceKind::Payable.as_str()))
        .filter(invoices::status.ne_all([InvoiceStatus::Draft.as_str(), InvoiceStatus::Void.as_str()]))
        .filter(invoices::issue_date.between(from, to))
        .select((
            invoices::vendor_id.assume_not_null(),
            invoices::currency,
            invoice_lines::quantity,
            invoice_lines::unit_price,
            invoice_lines::price_per,
            invoice_lines::discount,
            purchase_order_lines::unit_price,
            purchase_order_lines::quantity,
        ))
        .load(conn)?;
    for (vendor, currency, quantity, unit_price, price_per, discount, ordered_price, ordered_quantity) in cited {
        let billed = Priced { quantity, unit_price, price_per, discount }.effective_unit_price();
        let ordered = Priced { quantity: ordered_quantity, unit_price: ordered_price, price_per: 1, discount: 0 }
            .effective_unit_price();
        let units = rust_decimal::Decimal::new(quantity, QUANTITY_SCALE);
        let tally = tallies.entry((vendor, currency)).or_default();
        tally.variance += (billed - ordered) * units;
        tally.at_order_price += ordered * units;
    }
    Ok(())
}

/// Vendor performance for a period (ops, finance, auditor, admin): one row per vendor and
/// currency with orders sent or bills citing orders in the period, or orders still open.
#[utoipa::path(operation_id = "get_vendor_report", tag = "procurement", params(VendorReportQuery, FormatQuery),
    responses(
        (status = 200, description = "Per vendor and currency", body = VendorReport),
        (status = 422, description = "`from` after `to`, or more than 366 days", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/vendors")]
pub async fn report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<VendorReportQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_PURCHASING)?;
    let to = query.to.unwrap_or_else(crate::clock::today);
    let from = query.from.unwrap_or_else(|| to.checked_sub_signed(chrono::Duration::days(90)).unwrap_or(to));
    if from > to {
        return Err(ApiError::invalid_parameter("from", "must not be after `to`"));
    }
    if (to - from).num_days() > 366 {
        return Err(ApiError::invalid_parameter("from", "the period is at most 366 days"));
    }
    let body = db::run_heavy(&state.pool, move |conn| {
        let mut tallies: BTreeMap<(i64, String), Tally> = BTreeMap::new();
        tally_orders(conn, from, to, &mut tallies)?;
        tally_prices(conn, from, to, &mut tallies)?;
        let mut vendors = Vec::with_capacity(tallies.len());
        for ((vendor_id, currency_code), t) in tallies {
            let currency: Currency = currency_code.parse().map_err(ApiError::internal)?;
            let name = crate::invoices::party(conn, crate::invoices::model::PartyKind::Vendor, vendor_id)?
                .map(|p| p.name)
                .unwrap_or_default();
            let variance_minor = (t.variance * rust_decimal::Decimal::from(10i64.pow(currency.exponent())))
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            vendors.push(VendorPerformance {
                vendor_id,
                vendor_name: name,
                currency: currency_code,
                orders_sent: t.sent,
                orders_received: t.received,
                average_lead_time_days: ratio(t.lead_days.into(), t.received.into()),
                on_time_share: ratio(t.on_time.into(), t.with_expected.into()),
                price_variance: format_amount(i64::try_from(variance_minor).unwrap_or(0), currency),
                price_variance_share: ratio(t.variance, t.at_order_price),
                open_commitments: format_amount(t.open, currency),
            });
        }
        Ok(VendorReport { from, to, vendors })
    })
    .await?;
    csv::report::<VendorPerformance, _>(format, "vendors.csv", &body, "/vendors")
}
