//! `/api/v1/desks`: job desks, their SLA policies and members. Everyone signed in reads; ops and
//! admin write.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{DeskRow, SlaPolicy};
use super::permissions;
use super::repo::{self, DeskFields, DeskFilter};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::employees;
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "desk";

/// A job desk: where a kind of work arrives and is worked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Desk {
    pub id: i64,
    /// Prefix of the desk's ticket numbers (`IT-1042`); fixed once the desk exists.
    #[schema(example = "IT")]
    pub key: String,
    #[schema(example = "IT Service Desk")]
    pub name: String,
    /// The department whose budget bears the desk's labour.
    pub department_id: i64,
    /// Billed per hour of billable work unless the customer has a rate of their own.
    #[schema(example = "95.00")]
    pub default_billing_rate: String,
    #[schema(example = "EUR")]
    pub currency: String,
    pub sla: SlaPolicy,
    /// Employees who may be assigned this desk's tickets.
    pub member_ids: Vec<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Desk {
    pub fn new(row: &DeskRow, sla: SlaPolicy, member_ids: Vec<i64>) -> Desk {
        let rate = row.currency.parse::<Currency>().map(|c| money::format_amount(row.billing_rate, c));
        Desk {
            id: row.id,
            key: row.key.clone(),
            name: row.name.clone(),
            department_id: row.department_id,
            default_billing_rate: rate.unwrap_or_else(|_| row.billing_rate.to_string()),
            currency: row.currency.clone(),
            sla,
            member_ids,
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDesk {
    /// 1–10 characters of A–Z and 0–9; stored upper-case.
    #[schema(example = "IT", pattern = "^[A-Za-z0-9]{1,10}$")]
    pub key: String,
    #[schema(
        example = "IT Service Desk",
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// An active department.
    pub department_id: i64,
    /// Decimal string in the currency's units.
    #[schema(example = "95.00")]
    pub default_billing_rate: String,
    pub currency: Currency,
    /// Defaults: low 8 h / 72 h, normal 4 h / 24 h, high 1 h / 8 h, urgent 15 min / 4 h.
    pub sla: Option<SlaPolicy>,
}

/// Only the fields sent change. The key cannot change: ticket numbers carry it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDesk {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub default_billing_rate: Option<String>,
    pub currency: Option<Currency>,
    pub sla: Option<SlaPolicy>,
    /// false archives the desk.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeskListQuery {
    pub department_id: Option<i64>,
    pub active: Option<bool>,
}

fn normalize_key(raw: &str) -> Result<String, &'static str> {
    let key = raw.trim().to_uppercase();
    if (1..=10).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        Ok(key)
    } else {
        Err("must be 1 to 10 characters of A-Z and 0-9")
    }
}

fn check_sla(v: &mut Validator, sla: &SlaPolicy) {
    for (pointer, detail) in sla.problems("/sla") {
        v.error(&pointer, detail);
    }
}

fn parse_rate(v: &mut Validator, raw: &str, currency: Currency) -> i64 {
    money::parse_non_negative(raw, currency).map_err(|e| v.error("/default_billing_rate", e)).unwrap_or_default()
}

fn load(conn: &mut DbConn, id: i64) -> Result<Desk, ApiError> {
    let row = repo::desk(conn, id)?.ok_or(ApiError::NotFound)?;
    view(conn, &row)
}

/// The desk of `row` with its SLA policy and members.
fn view(conn: &mut DbConn, row: &DeskRow) -> Result<Desk, ApiError> {
    let sla = repo::sla_policies(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
    Ok(Desk::new(row, sla, repo::member_ids(conn, row.id)?))
}

/// Creates a desk (ops, admin).
#[utoipa::path(
    operation_id = "create_desk",
    tag = "desks",
    request_body = CreateDesk,
    responses(
        (status = 201, description = "Created", body = Desk, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The key is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/desks")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateDesk>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_DESKS)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let key = normalize_key(&input.key).map_err(|e| v.error("/key", e)).unwrap_or_default();
    let name = normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default();
    let rate = parse_rate(&mut v, &input.default_billing_rate, input.currency);
    let sla = input.sla.unwrap_or_default();
    check_sla(&mut v, &sla);
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        employees::check_department_choice(conn, &mut v, input.department_id, None)?;
        v.finish()?;
        if repo::desk_by_key(conn, &key)?.is_some() {
            return Err(ApiError::Conflict(format!("a desk with key {key} exists")));
        }
        let fields = DeskFields {
            name,
            department_id: input.department_id,
            billing_rate: rate,
            currency: input.currency.code().to_string(),
            active: true,
        };
        let row = repo::insert_desk(conn, &key, &fields)?;
        repo::set_sla_policy(conn, row.id, &sla)?;
        let desk = Desk::new(&row, sla, Vec::new());
        audit::record(conn, &actor, "desk.created", ENTITY, desk.id, None, Some(&desk))?;
        Reply::created(&desk, desk.version, &format!("/api/v1/desks/{}", desk.id))
    })
    .await
}

/// Lists desks in id order.
#[utoipa::path(
    operation_id = "list_desks",
    tag = "desks",
    params(PageQuery, DeskListQuery),
    responses((status = 200, description = "A page of desks", body = Page<Desk>))
)]
#[get("/desks")]
pub async fn list(
    state: web::Data<AppState>,
    _principal: Principal,
    listing: Listing,
    query: web::Query<DeskListQuery>,
) -> Result<HttpResponse, ApiError> {
    let updated_since = listing.page.updated_since;
    let filter = DeskFilter { department_id: query.department_id, active: query.active, updated_since };
    listing
        .answer(&state.pool, "desks", move |conn, page| {
            let rows = repo::list_desks(conn, &filter, page.after, page.limit)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let policies = repo::sla_policies(conn, &ids)?;
            let members = repo::members_of(conn, &ids)?;
            Ok(Page::from_rows(
                rows,
                page.limit,
                |r| r.id,
                |r| {
                    let sla = policies.get(&r.id).copied().unwrap_or_default();
                    Desk::new(&r, sla, members.get(&r.id).cloned().unwrap_or_default())
                },
            ))
        })
        .await
}

/// Reads one desk.
#[utoipa::path(
    operation_id = "get_desk",
    tag = "desks",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, description = "The desk", body = Desk, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/desks/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    _principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let desk = db::run(&state.pool, move |conn| load(conn, id)).await?;
    Ok(entity_response(&req, StatusCode::OK, &desk, desk.version))
}

/// Changes a desk; `{"active": false}` archives it (ops, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "update_desk",
    tag = "desks",
    params(("id" = i64, Path, description = "Desk id")),
    request_body = UpdateDesk,
    responses((status = 200, description = "Updated", body = Desk, headers(("ETag" = String))))
)]
#[patch("/desks/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateDesk>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_DESKS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let name =
        input.name.as_deref().map(|name| normalize_name(name).map_err(|e| shape.error("/name", e)).unwrap_or_default());
    if let Some(sla) = &input.sla {
        check_sla(&mut shape, sla);
    }
    shape.finish()?;
    let actor = principal.actor();
    let desk = db::run_write(&state.pool, move |conn| {
        let row = repo::desk(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let before = view(conn, &row)?;
        let mut v = Validator::new();
        let currency = match input.currency {
            Some(currency) => currency,
            None => row.currency.parse::<Currency>().map_err(ApiError::internal)?,
        };
        let billing_rate = match &input.default_billing_rate {
            Some(raw) => parse_rate(&mut v, raw, currency),
            None if input.currency.is_some() => {
                v.error("/default_billing_rate", "send the rate with the currency it is in");
                0
            }
            None => row.billing_rate,
        };
        let fields = DeskFields {
            name: name.unwrap_or_else(|| row.name.clone()),
            department_id: input.department_id.unwrap_or(row.department_id),
            billing_rate,
            currency: currency.code().to_string(),
            active: input.active.unwrap_or(row.active),
        };
        employees::check_department_choice(conn, &mut v, fields.department_id, Some(row.department_id))?;
        v.finish()?;
        if !repo::update_desk(conn, id, row.version, &fields)? {
            return Err(ApiError::changed_concurrently("desk"));
        }
        if let Some(sla) = &input.sla {
            repo::set_sla_policy(conn, id, sla)?;
        }
        let after = load(conn, id)?;
        audit::record(conn, &actor, "desk.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &desk, desk.version))
}

/// Adds an active employee to the desk's members (ops, admin). Adding a member twice is fine.
#[utoipa::path(
    operation_id = "add_desk_member",
    tag = "desks",
    params(("id" = i64, Path, description = "Desk id"), ("employee_id" = i64, Path, description = "Employee id")),
    responses(
        (status = 200, description = "The desk with its members", body = Desk, headers(("ETag" = String))),
        (status = 409, description = "The employee is not active", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/desks/{id}/members/{employee_id}")]
pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_DESKS)?;
    let (id, employee_id) = path.into_inner();
    let actor = principal.actor();
    let desk = db::run_write(&state.pool, move |conn| {
        let before = load(conn, id)?;
        let employee = employees::employee(conn, employee_id)?.ok_or(ApiError::NotFound)?;
        if before.member_ids.contains(&employee_id) {
            return Ok(before);
        }
        if !employees::assignable(conn, employee_id)? {
            return Err(ApiError::Conflict(format!(
                "{} is {}; only active employees join a desk",
                employee.employee_number, employee.status
            )));
        }
        repo::add_member(conn, id, employee_id)?;
        repo::touch_desk(conn, id)?;
        let after = load(conn, id)?;
        audit::record(conn, &actor, "desk.member_added", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &desk, desk.version))
}

/// Removes an employee from the desk's members (ops, admin).
#[utoipa::path(
    operation_id = "remove_desk_member",
    tag = "desks",
    params(("id" = i64, Path, description = "Desk id"), ("employee_id" = i64, Path, description = "Employee id")),
    responses((status = 204, description = "Not a member (any more)"))
)]
#[delete("/desks/{id}/members/{employee_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_DESKS)?;
    let (id, employee_id) = path.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let before = load(conn, id)?;
        if_match.check(before.version)?;
        if repo::remove_member(conn, id, employee_id)? {
            repo::touch_desk(conn, id)?;
            let after = load(conn, id)?;
            audit::record(conn, &actor, "desk.member_removed", ENTITY, id, Some(&before), Some(&after))?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
