//! `/api/v1/reports/department-costs`: what each department cost over a period, from the cost
//! book — labour (time at the dated rates), materials (parts issued at moving average, less
//! returns) and bills (issued vendors' bills less the stock received against them, less vendors'
//! credit notes) — in the base currency, each line at the rate of its day; optionally per month.
//! Its sums are the producers' records: the same lines budgets and profitability read.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::permissions;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::ledger::{self, Dimension, Kind, Measure};
use crate::money::{format_amount, Currency};
use crate::state::AppState;

/// How the report's columns are grouped (one way today; quarters could follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Month,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentCostQuery {
    /// First day (default: the first of this year).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day, included (default: today, UTC). At most 366 days after `from`.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// `month`: each department's figures per month as well.
    #[param(inline)]
    pub group_by: Option<GroupBy>,
    /// Only this department.
    pub department_id: Option<i64>,
}

/// Labour, materials and bills, in the base currency.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CostFigures {
    #[schema(example = "1250.00")]
    pub labour: String,
    pub materials: String,
    pub bills: String,
    /// labour + materials + bills.
    pub total: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCosts {
    /// YYYY-MM.
    #[schema(example = "2026-01")]
    pub month: String,
    #[serde(flatten)]
    pub figures: CostFigures,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentCosts {
    pub department_id: i64,
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: CostFigures,
    /// With `group_by=month`: the months with costs, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthCosts>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentCostReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The base currency every amount is in.
    pub currency: String,
    /// Departments with costs in the period, by code.
    pub departments: Vec<DepartmentCosts>,
    /// The column sums: equal to the sums of the departments' rows.
    pub totals: CostFigures,
}

/// [labour, materials, bills] in minor units of the base currency.
type Sums = [i64; 3];

fn figures(sums: &Sums, currency: Currency) -> CostFigures {
    let m = |minor: i64| format_amount(minor, currency);
    CostFigures { labour: m(sums[0]), materials: m(sums[1]), bills: m(sums[2]), total: m(sums.iter().sum()) }
}

/// What each department cost, from the cost book (finance, hr, admin, auditor).
#[utoipa::path(
    operation_id = "get_department_costs",
    tag = "reports",
    params(DepartmentCostQuery, FormatQuery),
    responses((status = 200, description = "Per department", body = DepartmentCostReport))
)]
#[get("/reports/department-costs")]
pub async fn department_costs(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<DepartmentCostQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_DEPARTMENT_COSTS)?;
    let query = query.into_inner();
    let (from, to) = crate::dates::report_period(query.from, query.to, |to| {
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to)
    })?;
    let by_month = query.group_by == Some(GroupBy::Month);
    let report = db::run_heavy(&state.pool, move |conn| {
        let currency = ledger::base_currency(conn)?;
        // department → month (YYYY-MM) → sums
        let mut costs: BTreeMap<i64, BTreeMap<String, Sums>> = BTreeMap::new();
        for row in ledger::sums(conn, Dimension::Department, query.department_id, from, to, &Measure::Base)? {
            let column = match Kind::from_stored(&row.kind) {
                Some(Kind::Labour) => 0,
                Some(Kind::Materials) => 1,
                Some(Kind::Expense) => 2,
                _ => continue,
            };
            let month = format!("{:04}-{:02}", row.year, row.month);
            costs.entry(row.dimension_id).or_default().entry(month).or_default()[column] += row.amount;
        }
        let names = crate::employees::department_names(conn)?;
        let mut departments = Vec::with_capacity(costs.len());
        let mut totals: Sums = [0; 3];
        for (department_id, months) in costs {
            let mut sums: Sums = [0; 3];
            for month in months.values() {
                for (i, amount) in month.iter().enumerate() {
                    sums[i] += amount;
                    totals[i] += amount;
                }
            }
            let (code, name) = names.get(&department_id).cloned().unwrap_or_default();
            departments.push(DepartmentCosts {
                department_id,
                code,
                name,
                figures: figures(&sums, currency),
                months: by_month.then(|| {
                    months
                        .iter()
                        .map(|(month, sums)| MonthCosts { month: month.clone(), figures: figures(sums, currency) })
                        .collect()
                }),
            });
        }
        departments.sort_by(|a, b| a.code.cmp(&b.code).then(a.department_id.cmp(&b.department_id)));
        Ok(DepartmentCostReport {
            from,
            to,
            currency: currency.code().to_string(),
            departments,
            totals: figures(&totals, currency),
        })
    })
    .await?;
    csv::report::<DepartmentCosts, _>(
        format,
        &format!("department-costs-{}-{}.csv", report.from, report.to),
        &report,
        "/departments",
    )
}
