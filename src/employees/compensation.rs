//! `/api/v1/employees/{id}/compensation`: effective-dated pay. History is never rewritten: a
//! correction is a new record, and the rate on a date is the latest record effective on or before
//! it. hr and admin record; hr, finance, admin, auditor and the person themself read.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::access::require_full_view;
use super::permissions;
use super::repo::{self, NewCompensation};
use super::views::{Compensation, CreateCompensation, EffectiveQuery, SalaryPeriod};
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "compensation";

/// Validated pay, in minor units.
pub struct Pay {
    pub hourly_cost_rate: i64,
    pub currency: Currency,
    pub salary: Option<i64>,
    pub salary_period: Option<SalaryPeriod>,
}

impl Pay {
    pub fn record<'a>(
        &'a self,
        employee_id: i64,
        effective_from: chrono::NaiveDate,
        note: Option<&'a str>,
        created_by: Option<i64>,
    ) -> NewCompensation<'a> {
        NewCompensation {
            employee_id,
            effective_from,
            hourly_cost_rate: self.hourly_cost_rate,
            salary: self.salary,
            salary_period: self.salary_period.map(SalaryPeriod::as_str),
            currency: self.currency.code(),
            note,
            created_by,
        }
    }
}

/// Parses amounts given as decimal strings in the currency's units; pointers start at `prefix`.
pub fn parse_pay(
    v: &mut Validator,
    prefix: &str,
    rate: &str,
    currency: Currency,
    salary: Option<&str>,
    period: Option<SalaryPeriod>,
) -> Option<Pay> {
    let hourly_cost_rate =
        money::parse_non_negative(rate, currency).map_err(|e| v.error(&format!("{prefix}/hourly_cost_rate"), e)).ok();
    let salary = match salary {
        Some(raw) => money::parse_non_negative(raw, currency).map_err(|e| v.error(&format!("{prefix}/salary"), e)).ok(),
        None => None,
    };
    if salary.is_some() != period.is_some() {
        v.error(&format!("{prefix}/salary_period"), "salary and salary_period go together");
    }
    Some(Pay { hourly_cost_rate: hourly_cost_rate?, currency, salary, salary_period: period })
}

/// Records pay effective from a date (hr, admin). Earlier records stay as they are.
#[utoipa::path(
    operation_id = "record_compensation",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id")),
    request_body = CreateCompensation,
    responses((status = 201, description = "Recorded", body = Compensation, headers(("Location" = String))))
)]
#[post("/employees/{id}/compensation")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreateCompensation>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let pay =
        parse_pay(&mut v, "", &input.hourly_cost_rate, input.currency, input.salary.as_deref(), input.salary_period);
    let note = input.note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    v.check(note.as_ref().is_none_or(|n| n.chars().count() <= 500), "/note", "must be at most 500 characters long");
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let employee = repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
        v.check(input.effective_from >= employee.start_date, "/effective_from", "must not be before the start date");
        if let Some(end) = employee.end_date {
            v.check(input.effective_from <= end, "/effective_from", "must not be after the end date");
        }
        v.finish()?;
        let Some(pay) = pay else { return Err(ApiError::invalid("/hourly_cost_rate", "is invalid")) };
        let row =
            repo::insert_compensation(conn, &pay.record(id, input.effective_from, note.as_deref(), actor.user_id))?;
        let view = Compensation::from_row(&row);
        audit::record(conn, &actor, "compensation.recorded", ENTITY, row.id, None, Some(&view))?;
        Reply::created(&view, 1, &format!("/api/v1/employees/{id}/compensation"))
    })
    .await
}

/// The pay history, latest effective first.
#[utoipa::path(
    operation_id = "list_compensation",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), PageQuery),
    responses((status = 200, description = "Compensation records", body = Page<Compensation>))
)]
#[get("/employees/{id}/compensation")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    require_full_view(&state, &principal, id).await?;
    listing
        .answer(&state.pool, &format!("employee-{id}-compensation"), move |conn, page| {
            let rows = repo::compensation_history(conn, id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Compensation::from_row(&r)))
        })
        .await
}

/// The pay in force on a date (default today); 404 when none is.
#[utoipa::path(
    operation_id = "get_effective_compensation",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), EffectiveQuery),
    responses((status = 200, description = "The compensation in force", body = Compensation))
)]
#[get("/employees/{id}/compensation/effective")]
pub async fn effective(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<EffectiveQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    require_full_view(&state, &principal, id).await?;
    let on = query.on.unwrap_or_else(today);
    let row = db::run(&state.pool, move |conn| repo::rate_on(conn, id, on)?.ok_or(ApiError::NotFound)).await?;
    Ok(HttpResponse::Ok().json(Compensation::from_row(&row)))
}
