//! `GET /api/v1/reports/departments`: headcount and labour rates per department (hr, finance,
//! admin, auditor). Two grouped queries, however many people there are.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use rust_decimal::Decimal;

use super::permissions;
use super::repo;
use super::views::{DepartmentReport, DepartmentReportRow, RateSummary, ReportQuery};
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::money::{self, Currency};
use crate::state::AppState;

fn amount(minor: i64, currency: Option<Currency>) -> String {
    currency.map(|c| money::format_amount(minor, c)).unwrap_or_else(|| minor.to_string())
}

/// Headcount by status and employment type, and the hourly cost rates in force on `as_of` per
/// currency (average rounded half-up to the minor unit).
#[utoipa::path(
    operation_id = "report_departments",
    tag = "departments",
    params(ReportQuery, FormatQuery),
    responses((status = 200, description = "One row per department, by code", body = DepartmentReport))
)]
#[get("/reports/departments")]
pub async fn departments(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_DEPARTMENT_REPORT)?;
    let as_of = query.as_of.unwrap_or_else(today);
    let include_archived = query.include_archived.unwrap_or(false);
    let (departments, headcounts, rates) = db::run_heavy(&state.pool, move |conn| {
        Ok((
            repo::all_departments(conn, include_archived)?,
            repo::headcounts(conn)?,
            repo::rate_summaries(conn, as_of)?,
        ))
    })
    .await?;
    let mut rows: HashMap<i64, DepartmentReportRow> = departments
        .iter()
        .map(|d| {
            (
                d.id,
                DepartmentReportRow {
                    department_id: d.id,
                    code: d.code.clone(),
                    name: d.name.clone(),
                    active: d.active,
                    headcount: 0,
                    onboarding: 0,
                    active_employees: 0,
                    on_leave: 0,
                    full_time: 0,
                    part_time: 0,
                    contractors: 0,
                    labour_rates: Vec::new(),
                    without_rate: 0,
                },
            )
        })
        .collect();
    for count in headcounts {
        let Some(row) = rows.get_mut(&count.department_id) else { continue };
        row.headcount += count.people;
        match count.status.as_str() {
            "onboarding" => row.onboarding += count.people,
            "active" => row.active_employees += count.people,
            _ => row.on_leave += count.people,
        }
        match count.employment_type.as_str() {
            "part_time" => row.part_time += count.people,
            "contractor" => row.contractors += count.people,
            _ => row.full_time += count.people,
        }
    }
    for rate in rates {
        let Some(row) = rows.get_mut(&rate.department_id) else { continue };
        let currency: Option<Currency> = rate.currency.parse().ok();
        let average = currency
            .and_then(|c| {
                money::round_to_minor(money::to_decimal(rate.total, c) / Decimal::from(rate.people.max(1)), c)
            })
            .unwrap_or(rate.total / rate.people.max(1));
        row.labour_rates.push(RateSummary {
            currency: rate.currency.clone(),
            employees: rate.people,
            average_hourly_cost_rate: amount(average, currency),
            min_hourly_cost_rate: amount(rate.lowest, currency),
            max_hourly_cost_rate: amount(rate.highest, currency),
            total_hourly_cost: amount(rate.total, currency),
        });
    }
    let mut report: Vec<DepartmentReportRow> = departments.iter().filter_map(|d| rows.remove(&d.id)).collect();
    for row in &mut report {
        row.labour_rates.sort_by(|a, b| a.currency.cmp(&b.currency));
        row.without_rate = row.headcount - row.labour_rates.iter().map(|r| r.employees).sum::<i64>();
    }
    let report = DepartmentReport { as_of, departments: report };
    csv::report::<DepartmentReportRow, _>(format, &format!("departments-{as_of}.csv"), &report, "/departments")
}
