//! Plan vs actual: a budget's variance per line and month with a run-rate forecast, the
//! all-departments report, and the spending they read from the cost book (also what the exceed
//! policy checks against, `super::exceed`).

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::{currency_of, plan_of, plans_of, readable_departments, visible_budget, Plan};
use super::model::{run_rate_forecast, BudgetCategory, BudgetRow, BudgetStatus};
use super::repo::{self, BudgetFilter};
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::ledger;
use crate::money::{self, format_amount};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VarianceQuery {
    /// Actuals up to the end of this day (default: today, UTC).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthVariance {
    pub month: u32,
    pub planned: String,
    /// Labour, materials or bills less vendors' credit notes, by the rules of the endpoint.
    pub actual: String,
    /// Draft bills charged to the line: spending on its way.
    pub committed: String,
    /// planned − actual.
    pub variance: String,
    /// actual / planned in percent, one decimal; null when nothing was planned.
    pub percent_used: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineVariance {
    pub category: BudgetCategory,
    pub months: Vec<MonthVariance>,
    pub planned: String,
    pub actual: String,
    pub committed: String,
    pub variance: String,
    pub percent_used: Option<String>,
    /// The actual so far continued at its monthly run rate to year end.
    pub forecast: String,
    /// The forecast is above the year's plan.
    pub forecast_exceeds_plan: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Variance {
    pub budget_id: i64,
    pub department_id: i64,
    pub fiscal_year: i32,
    pub currency: String,
    pub as_of: NaiveDate,
    pub lines: Vec<LineVariance>,
    pub planned: String,
    pub actual: String,
    pub committed: String,
    pub variance: String,
    pub forecast: String,
}

fn percent(part: i64, whole: i64) -> Option<String> {
    money::percent_one_decimal(rust_decimal::Decimal::from(part), rust_decimal::Decimal::from(whole))
}

/// (department, category) → twelve months of (actual, committed).
pub type Spending = BTreeMap<(i64, String), [(i64, i64); 12]>;

/// Actual and committed spending for `year` up to the end of `as_of`, in a budget's `currency`:
/// of one department, or with None of every department. Read from the cost book (months that are
/// over from its rollups, the days of the month of the cut-off from its lines). A budget in the
/// base currency counts spend in every currency at the rate of its day; a budget in another
/// currency counts spend in that currency only.
pub fn spending(
    conn: &mut DbConn,
    currency: &str,
    year: i32,
    as_of: NaiveDate,
    department: Option<i64>,
) -> Result<Spending, ApiError> {
    let mut spent = Spending::new();
    let Some(start) = NaiveDate::from_ymd_opt(year, 1, 1) else { return Ok(spent) };
    let end = NaiveDate::from_ymd_opt(year, 12, 31).map_or(as_of, |last| last.min(as_of));
    if end < start {
        return Ok(spent);
    }
    let measure = if ledger::base_currency(conn)?.code() == currency {
        ledger::Measure::Base
    } else {
        ledger::Measure::Currency(currency.to_string())
    };
    for row in ledger::sums(conn, ledger::Dimension::Department, department, start, end, &measure)? {
        let (actual, committed) = match ledger::Kind::from_stored(&row.kind) {
            Some(kind) if kind.is_cost() => (row.amount, 0),
            Some(ledger::Kind::Commitment) => (0, row.amount),
            _ => continue,
        };
        if let Some(slot) = usize::try_from(row.month - 1)
            .ok()
            .and_then(|i| spent.entry((row.dimension_id, row.category.clone())).or_insert([(0, 0); 12]).get_mut(i))
        {
            slot.0 += actual;
            slot.1 += committed;
        }
    }
    Ok(spent)
}

/// What a department spent on a category in `currency` from January to the end of `on`, and what
/// is committed besides: (actual, committed).
pub fn spent_to_date(
    conn: &mut DbConn,
    department_id: i64,
    category: &str,
    currency: &str,
    on: NaiveDate,
) -> Result<(i64, i64), ApiError> {
    let spent = spending(conn, currency, on.year(), on, Some(department_id))?;
    Ok(spent
        .get(&(department_id, category.to_string()))
        .map(|months| months.iter().fold((0, 0), |(a, c), m| (a + m.0, c + m.1)))
        .unwrap_or((0, 0)))
}

fn months_elapsed(year: i32, as_of: NaiveDate) -> u32 {
    match as_of.year().cmp(&year) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Greater => 12,
        std::cmp::Ordering::Equal => as_of.month(),
    }
}

/// Plan vs actual of one budget: per line and month planned, actual, committed, variance and %
/// used, and a run-rate forecast to year end with the lines forecast to exceed their plan.
pub fn variance_of(conn: &mut DbConn, row: &BudgetRow, as_of: NaiveDate) -> Result<Variance, ApiError> {
    let spent = spending(conn, &row.currency, row.fiscal_year, as_of, Some(row.department_id))?;
    let plan = plan_of(conn, row.id)?;
    variance_from(row, &plan, &spent, as_of)
}

/// [`variance_of`] with the plan and the spending already read (`spent` holds at least this
/// department's).
fn variance_from(row: &BudgetRow, plan: &Plan, spent: &Spending, as_of: NaiveDate) -> Result<Variance, ApiError> {
    let currency = currency_of(row)?;
    let m = |minor: i64| format_amount(minor, currency);
    let elapsed = months_elapsed(row.fiscal_year, as_of);
    let mut categories: Vec<String> = plan.keys().cloned().collect();
    for (department, category) in spent.keys() {
        if *department == row.department_id && !categories.contains(category) {
            categories.push(category.clone());
        }
    }
    categories.sort();
    let mut lines = Vec::new();
    let (mut total_planned, mut total_actual, mut total_committed, mut total_forecast) = (0, 0, 0, 0);
    for category in categories {
        let planned = plan.get(&category).copied().unwrap_or([0; 12]);
        let spent = spent.get(&(row.department_id, category.clone())).copied().unwrap_or([(0, 0); 12]);
        let months: Vec<MonthVariance> = (0..12)
            .map(|i| MonthVariance {
                month: i as u32 + 1,
                planned: m(planned[i]),
                actual: m(spent[i].0),
                committed: m(spent[i].1),
                variance: m(planned[i] - spent[i].0),
                percent_used: percent(spent[i].0, planned[i]),
            })
            .collect();
        let (p, a, c) = (
            planned.iter().sum::<i64>(),
            spent.iter().map(|s| s.0).sum::<i64>(),
            spent.iter().map(|s| s.1).sum::<i64>(),
        );
        let forecast = run_rate_forecast(a, elapsed, p);
        total_planned += p;
        total_actual += a;
        total_committed += c;
        total_forecast += forecast;
        if let Some(category) = BudgetCategory::from_stored(&category) {
            lines.push(LineVariance {
                category,
                months,
                planned: m(p),
                actual: m(a),
                committed: m(c),
                variance: m(p - a),
                percent_used: percent(a, p),
                forecast: m(forecast),
                forecast_exceeds_plan: forecast > p,
            });
        }
    }
    Ok(Variance {
        budget_id: row.id,
        department_id: row.department_id,
        fiscal_year: row.fiscal_year,
        currency: row.currency.clone(),
        as_of,
        lines,
        planned: m(total_planned),
        actual: m(total_actual),
        committed: m(total_committed),
        variance: m(total_planned - total_actual),
        forecast: m(total_forecast),
    })
}

/// Plan vs actual of one budget revision (its readers).
///
/// Actuals, in the budget's currency, each counted once: **labour** is the stored cost of time
/// entries charged to the department owning the ticket's desk, in the month of the work date;
/// **materials** are parts issued to the department or to its desks' tickets, in the month
/// issued, less reversals; **every other category** is the lines (before tax) of issued bills
/// tagged with the department and category, in the month of the issue date, less the lines of
/// issued credit notes from the vendor. Draft bills are `committed`, not actual; void bills and
/// void credit notes count for nothing. The forecast continues the actual so far at its monthly
/// run rate to December.
#[utoipa::path(operation_id = "get_budget_variance", tag = "budgets",
    params(("id" = i64, Path, description = "Budget id"), VarianceQuery, FormatQuery),
    responses((status = 200, description = "Per line and month", body = Variance)))]
#[get("/budgets/{id}/variance")]
pub async fn variance(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<VarianceQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let as_of = query.as_of.unwrap_or_else(crate::clock::today);
    let body = db::run_heavy(&state.pool, move |conn| {
        let row = visible_budget(conn, &principal, id)?;
        variance_of(conn, &row, as_of)
    })
    .await?;
    csv::report::<LineVariance, _>(format, &format!("budget-{}-variance.csv", body.budget_id), &body, "/lines")
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetReportQuery {
    /// The fiscal year (default: this year).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetReport {
    pub year: i32,
    /// Each department's budget in force (approved; else the latest revision), plan vs actual.
    pub departments: Vec<Variance>,
}

/// Every department's plan vs actual for a year in one call (finance, admin, auditor; a manager
/// sees their departments).
///
/// Actuals follow the rules of `GET /budgets/{id}/variance`, as of today; each department's
/// budget in force is its approved revision, else its latest.
#[utoipa::path(operation_id = "get_budget_report", tag = "budgets", params(BudgetReportQuery, FormatQuery),
    responses((status = 200, description = "Per department", body = BudgetReport)))]
#[get("/reports/budgets")]
pub async fn report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<BudgetReportQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    let year = query.year.unwrap_or_else(|| crate::clock::today().year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid_parameter("year", "must be 2000 to 2100"));
    }
    let today = crate::clock::today();
    let body = db::run_heavy(&state.pool, move |conn| {
        let filter = BudgetFilter {
            fiscal_year: Some(year),
            departments: readable_departments(conn, &principal)?,
            ..Default::default()
        };
        let rows = repo::list(conn, &filter, None, 10_000)?;
        // The budget in force per department: the approved revision, else the latest.
        let mut chosen: BTreeMap<i64, BudgetRow> = BTreeMap::new();
        for row in rows {
            let better = match chosen.get(&row.department_id) {
                None => true,
                Some(current) => match (current.status(), row.status()) {
                    (BudgetStatus::Approved, _) => false,
                    (_, BudgetStatus::Approved) => true,
                    _ => row.revision > current.revision,
                },
            };
            if better {
                chosen.insert(row.department_id, row);
            }
        }
        // One read of the plans, and of every department's spending per currency, not one per
        // department.
        let ids: Vec<i64> = chosen.values().map(|r| r.id).collect();
        let plans = plans_of(conn, &ids)?;
        let mut spent_in: BTreeMap<String, Spending> = BTreeMap::new();
        let mut departments = Vec::with_capacity(chosen.len());
        for row in chosen.values() {
            if !spent_in.contains_key(&row.currency) {
                spent_in.insert(row.currency.clone(), spending(conn, &row.currency, year, today, None)?);
            }
            let spent = spent_in.get(&row.currency).ok_or_else(|| ApiError::internal("spending"))?;
            let plan = plans.get(&row.id).ok_or_else(|| ApiError::internal("plan"))?;
            departments.push(variance_from(row, plan, spent, today)?);
        }
        Ok(BudgetReport { year, departments })
    })
    .await?;
    csv::report::<Variance, _>(format, &format!("budgets-{}.csv", body.year), &body, "/departments")
}
