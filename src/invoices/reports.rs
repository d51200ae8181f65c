//! Finance reports: receivables and payables aging, customer profitability.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::PartyKind;
use super::permissions;
use super::repo::reports as sql;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::ledger;
use crate::money::{one_decimal, Money};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// The day the report is as of (default: today, UTC): what was owed then.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub as_of: Option<NaiveDate>,
}

/// Amounts owed by days past due (as of the report's day). The buckets add up to `total`.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct AgingBuckets {
    /// Not yet due.
    pub current: String,
    pub days_1_30: String,
    pub days_31_60: String,
    pub days_61_90: String,
    pub over_90: String,
    pub total: String,
    /// Invoices with a balance.
    pub invoices: i64,
}

/// One party's aging in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyAging {
    pub party_id: i64,
    pub name: String,
    pub currency: String,
    #[serde(flatten)]
    pub buckets: AgingBuckets,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrencyTotals {
    pub currency: String,
    #[serde(flatten)]
    pub buckets: AgingBuckets,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    /// Per customer (receivables) or vendor (payables) and currency, by name.
    pub parties: Vec<PartyAging>,
    /// The column sums per currency: equal to the sums of the parties' rows.
    pub totals: Vec<CurrencyTotals>,
}

/// Minor-unit sums per bucket, turned into strings at the end.
#[derive(Default, Clone, Copy)]
struct Sums {
    buckets: [i64; 5],
    invoices: i64,
}

impl Sums {
    fn add(&mut self, bucket: i64, amount: i64, invoices: i64) {
        self.buckets[bucket.clamp(0, 4) as usize] += amount;
        self.invoices += invoices;
    }

    fn show(&self, currency: &str) -> AgingBuckets {
        let m = |minor: i64| Money::new(minor, currency).amount;
        AgingBuckets {
            current: m(self.buckets[0]),
            days_1_30: m(self.buckets[1]),
            days_31_60: m(self.buckets[2]),
            days_61_90: m(self.buckets[3]),
            over_90: m(self.buckets[4]),
            total: m(self.buckets.iter().sum()),
            invoices: self.invoices,
        }
    }
}

async fn aging(
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    as_of: Option<NaiveDate>,
    format: csv::Format,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let as_of = as_of.unwrap_or_else(today);
    let invoice_kind = if kind == PartyKind::Vendor { "payable" } else { "receivable" };
    let report = db::run_heavy(&state.pool, move |conn| {
        let rows = sql::aging(conn, invoice_kind, as_of)?;
        let mut per_party: BTreeMap<(i64, String), Sums> = BTreeMap::new();
        let mut per_currency: BTreeMap<String, Sums> = BTreeMap::new();
        for row in rows {
            per_party.entry((row.party_id, row.currency.clone())).or_default().add(
                row.bucket,
                row.amount,
                row.invoices,
            );
            per_currency.entry(row.currency).or_default().add(row.bucket, row.amount, row.invoices);
        }
        let ids: Vec<i64> = per_party.keys().map(|(id, _)| *id).collect();
        let names = super::repo::parties::names(conn, &ids)?;
        let mut parties = Vec::with_capacity(per_party.len());
        for ((party_id, currency), sums) in per_party {
            let name = names.get(&party_id).cloned().unwrap_or_default();
            parties.push(PartyAging { party_id, name, buckets: sums.show(&currency), currency });
        }
        parties.sort_by_key(|p| (p.name.to_lowercase(), p.party_id));
        let totals = per_currency
            .into_iter()
            .map(|(currency, sums)| CurrencyTotals { buckets: sums.show(&currency), currency })
            .collect();
        Ok(AgingReport { as_of, parties, totals })
    })
    .await?;
    let name = if kind == PartyKind::Vendor { "payables" } else { "receivables" };
    csv::report::<PartyAging, _>(format, &format!("{name}-aging-{as_of}.csv"), &report, "/parties")
}

/// What customers owed on a day, by days past due: current, 1–30, 31–60, 61–90, over 90
/// (finance, admin, auditor). Payments and credit notes count from their dates, so a past day's
/// report shows what was owed then.
#[utoipa::path(
    operation_id = "get_receivables_aging",
    tag = "invoices",
    params(AgingQuery, FormatQuery),
    responses((status = 200, description = "Receivables by customer and age", body = AgingReport))
)]
#[get("/reports/receivables-aging")]
pub async fn receivables_aging(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AgingQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    aging(&state, &principal, PartyKind::Customer, query.as_of, format).await
}

/// What was owed to vendors on a day, by days past due (finance, admin, auditor).
#[utoipa::path(
    operation_id = "get_payables_aging",
    tag = "invoices",
    params(AgingQuery, FormatQuery),
    responses((status = 200, description = "Payables by vendor and age", body = AgingReport))
)]
#[get("/reports/payables-aging")]
pub async fn payables_aging(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AgingQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    aging(&state, &principal, PartyKind::Vendor, query.as_of, format).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day (default: 364 days before `to`).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub from: Option<NaiveDate>,
    /// Last day, included (default: today, UTC). At most 366 days after `from`.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub to: Option<NaiveDate>,
}

/// One customer's figures in one currency over the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrencyFigures {
    pub currency: String,
    /// Subtotals (before tax) of receivable invoices issued in the period, less credit notes.
    pub revenue: String,
    /// Cost of the time worked on the customer's tickets (work dates in the period).
    pub labour_cost: String,
    /// Value of the parts issued to the customer's tickets in the period, less parts returned.
    pub parts_cost: String,
    /// revenue − labour_cost − parts_cost.
    pub margin: String,
    /// margin / revenue in percent, one decimal, half-up; null without revenue.
    pub margin_percent: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerProfitability {
    pub customer_id: i64,
    pub name: String,
    pub currencies: Vec<CurrencyFigures>,
    /// The books' base currency (OPSDESK_BASE_CURRENCY).
    pub base_currency: String,
    /// Revenue in every currency, each line at the rate of its day, in the base currency.
    pub revenue_in_base: String,
    /// Labour and parts cost in every currency, in the base currency.
    pub cost_in_base: String,
    /// revenue_in_base − cost_in_base: one margin across currencies.
    pub margin_in_base: String,
    /// margin_in_base / revenue_in_base in percent, one decimal, half-up; null without revenue.
    pub margin_in_base_percent: Option<String>,
    /// Minutes worked on the customer's tickets in the period.
    pub time_worked_minutes: i64,
    /// Invoices settled in full in the period.
    pub invoices_paid: i64,
    /// Their average days from issue to settlement, one decimal, half-up; null when none.
    pub average_days_to_pay: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfitabilityReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Customers with revenue, labour or payments in the period, by margin in the base currency
    /// (largest first).
    pub customers: Vec<CustomerProfitability>,
}

/// Per customer: revenue invoiced, labour cost of their tickets, margin, and how fast they pay —
/// which customers really earn money (finance, admin, auditor).
#[utoipa::path(
    operation_id = "get_customer_profitability",
    tag = "invoices",
    params(PeriodQuery, FormatQuery),
    responses((status = 200, description = "Per customer", body = ProfitabilityReport))
)]
#[get("/reports/customer-profitability")]
pub async fn customer_profitability(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PeriodQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let (from, to) = crate::dates::report_period(query.from, query.to, |to| to - Duration::days(364))?;
    let report = db::run_heavy(&state.pool, move |conn| {
        // (customer, currency) → (revenue, labour cost, parts cost), from the cost book.
        let mut money: BTreeMap<(i64, String), (i64, i64, i64)> = BTreeMap::new();
        let mut base: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        let mut minutes: BTreeMap<i64, i64> = BTreeMap::new();
        let by_customer =
            |conn: &mut db::DbConn, measure| ledger::sums(conn, ledger::Dimension::Customer, None, from, to, measure);
        for row in by_customer(conn, &ledger::Measure::EachCurrency)? {
            let slot = money.entry((row.dimension_id, row.currency)).or_default();
            match ledger::Kind::from_stored(&row.kind) {
                Some(ledger::Kind::Revenue) => slot.0 += row.amount,
                Some(ledger::Kind::Labour) => {
                    slot.1 += row.amount;
                    *minutes.entry(row.dimension_id).or_default() += row.quantity;
                }
                Some(ledger::Kind::Materials) => slot.2 += row.amount,
                _ => {}
            }
        }
        for row in by_customer(conn, &ledger::Measure::Base)? {
            let slot = base.entry(row.dimension_id).or_default();
            match ledger::Kind::from_stored(&row.kind) {
                Some(ledger::Kind::Revenue) => slot.0 += row.amount,
                Some(ledger::Kind::Labour | ledger::Kind::Materials) => slot.1 += row.amount,
                _ => {}
            }
        }
        money.retain(|_, sums| *sums != (0, 0, 0));
        let base_currency = ledger::base_currency(conn)?;
        let paying: BTreeMap<i64, (i64, i64)> =
            sql::days_to_pay(conn, from, to)?.into_iter().map(|r| (r.party_id, (r.invoices, r.total_days))).collect();
        let mut ids: Vec<i64> = money.keys().map(|(id, _)| *id).chain(paying.keys().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut customers = Vec::with_capacity(ids.len());
        let names = super::repo::parties::names(conn, &ids)?;
        for id in ids {
            let name = names.get(&id).cloned().unwrap_or_default();
            let currencies = money
                .range((id, String::new())..(id + 1, String::new()))
                .map(|((_, currency), (revenue, labour, parts))| {
                    let m = |minor: i64| Money::new(minor, currency).amount;
                    let margin = revenue - labour - parts;
                    CurrencyFigures {
                        currency: currency.clone(),
                        revenue: m(*revenue),
                        labour_cost: m(*labour),
                        parts_cost: m(*parts),
                        margin: m(margin),
                        margin_percent: (*revenue != 0)
                            .then(|| one_decimal(Decimal::from(margin) * Decimal::from(100) / Decimal::from(*revenue))),
                    }
                })
                .collect();
            let (paid, days) = paying.get(&id).copied().unwrap_or_default();
            let (base_revenue, base_cost) = base.get(&id).copied().unwrap_or_default();
            let b = |minor: i64| Money::new(minor, base_currency.code()).amount;
            customers.push(CustomerProfitability {
                customer_id: id,
                name,
                currencies,
                base_currency: base_currency.code().to_string(),
                revenue_in_base: b(base_revenue),
                cost_in_base: b(base_cost),
                margin_in_base: b(base_revenue - base_cost),
                margin_in_base_percent: (base_revenue != 0).then(|| {
                    one_decimal(
                        Decimal::from(base_revenue - base_cost) * Decimal::from(100) / Decimal::from(base_revenue),
                    )
                }),
                time_worked_minutes: minutes.get(&id).copied().unwrap_or_default(),
                invoices_paid: paid,
                average_days_to_pay: (paid > 0).then(|| one_decimal(Decimal::from(days) / Decimal::from(paid))),
            });
        }
        let margin_of = |c: &CustomerProfitability| c.margin_in_base.parse::<Decimal>().unwrap_or_default();
        customers.sort_by(|a, b| margin_of(b).cmp(&margin_of(a)).then(a.customer_id.cmp(&b.customer_id)));
        Ok(ProfitabilityReport { from, to, customers })
    })
    .await?;
    csv::report::<CustomerProfitability, _>(
        format,
        &format!("customer-profitability-{}-{}.csv", report.from, report.to),
        &report,
        "/customers",
    )
}
