//! Reporting lines: the people who report to a person, and the managers above them. Everyone
//! signed in reads, each person in the view the caller may see.

use actix_web::{get, web, HttpResponse};

use super::api::{people_page, view_of};
use super::model::{self, Visibility};
use super::repo::{self, EmployeeFilter};
use super::views::*;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// The people who report directly to this person.
#[utoipa::path(
    operation_id = "list_direct_reports",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), PageQuery),
    responses((status = 200, description = "Direct reports", body = Page<EmployeeView>))
)]
#[get("/employees/{id}/reports")]
pub async fn direct_reports(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let filter = EmployeeFilter { manager_id: Some(id), ..Default::default() };
    let name = format!("employee-{id}-reports");
    people_page(&state, principal, listing, &name, filter, EmployeeSort::Number, move |conn| {
        repo::employee(conn, id)?.map(|_| ()).ok_or(ApiError::NotFound)
    })
    .await
}

/// The manager chain above this person, nearest first, up to the top.
#[utoipa::path(
    operation_id = "get_manager_chain",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id"), FormatQuery),
    responses((status = 200, description = "Managers, nearest first", body = Vec<EmployeeView>))
)]
#[get("/employees/{id}/chain")]
pub async fn chain(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = db::run_heavy(&state.pool, move |conn| {
        repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
        let managers = repo::managers_above(conn, id)?;
        let full_ids: Vec<i64> = managers
            .iter()
            .filter(|m| model::visibility(&principal, m.user_id) == Visibility::Full)
            .map(|m| m.id)
            .collect();
        let current = repo::rates_on(conn, &full_ids, today())?;
        Ok(managers.iter().map(|m| view_of(&principal, m, current.get(&m.id))).collect::<Vec<_>>())
    })
    .await?;
    csv::report::<EmployeeView, _>(format, &format!("employee-{id}-chain.csv"), &body, "")
}
