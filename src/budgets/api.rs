//! `/api/v1/budgets`: plans per department and year: creating, listing, reading and changing a
//! draft. Their lifecycle and revisions are in `lifecycle.rs`, plan vs actual in `variance.rs`.
//! finance and admin write; auditor reads all; a department's manager reads its budgets.
//!
//! Actuals, each counted once: labour — time entries' cost, charged to the department owning the
//! ticket's desk, in the month of the work date; materials — parts issued to the department or to
//! its desks' tickets, in the month issued, less returns; every other category — issued payable
//! invoice lines tagged with the department and category, in the month of the issue date (draft
//! bills count as committed, not actual; void ones not at all). All of it is read from the cost
//! book (`crate::ledger`). A budget in the base currency counts spend in every currency at the
//! rate of its day; a budget in another currency counts only spend in that currency.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{spread_evenly, BudgetCategory, BudgetRow, BudgetStatus, ExceedPolicy};
use super::permissions;
use super::repo::{self, BudgetFilter, NewBudget};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, format_amount, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "budget";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetLine {
    pub category: BudgetCategory,
    /// Twelve planned amounts, January first.
    pub monthly: Vec<String>,
    pub annual: String,
}

/// A budget revision with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Budget {
    pub id: i64,
    pub department_id: i64,
    pub fiscal_year: i32,
    /// 1 for the first plan; a change to an approved budget is the next revision.
    pub revision: i32,
    pub currency: String,
    pub status: BudgetStatus,
    pub exceed_policy: ExceedPolicy,
    pub notes: Option<String>,
    pub lines: Vec<BudgetLine>,
    pub total: String,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

pub(super) fn currency_of(row: &BudgetRow) -> Result<Currency, ApiError> {
    row.currency.parse().map_err(ApiError::internal)
}

/// Planned amounts per category: twelve months each.
pub(super) type Plan = BTreeMap<String, [i64; 12]>;

/// The plans of several budgets, read in one query (a budget without lines has an empty plan).
pub(super) fn plans_of(conn: &mut DbConn, ids: &[i64]) -> Result<BTreeMap<i64, Plan>, ApiError> {
    let mut plans: BTreeMap<i64, Plan> = ids.iter().map(|id| (*id, Plan::new())).collect();
    for (budget_id, category, month, planned) in repo::lines_of(conn, ids)? {
        let months = plans.entry(budget_id).or_default().entry(category).or_insert([0; 12]);
        if let Some(slot) = usize::try_from(month - 1).ok().and_then(|i| months.get_mut(i)) {
            *slot = planned;
        }
    }
    Ok(plans)
}

pub(super) fn plan_of(conn: &mut DbConn, id: i64) -> Result<Plan, ApiError> {
    Ok(plans_of(conn, &[id])?.remove(&id).unwrap_or_default())
}

pub(crate) fn view(conn: &mut DbConn, row: &BudgetRow) -> Result<Budget, ApiError> {
    let plan = plan_of(conn, row.id)?;
    view_with(row, &plan)
}

/// [`view`] with the plan already read.
fn view_with(row: &BudgetRow, plan: &Plan) -> Result<Budget, ApiError> {
    let currency = currency_of(row)?;
    let total: i64 = plan.values().flatten().sum();
    Ok(Budget {
        id: row.id,
        department_id: row.department_id,
        fiscal_year: row.fiscal_year,
        revision: row.revision,
        currency: row.currency.clone(),
        status: row.status(),
        exceed_policy: ExceedPolicy::from_stored(&row.exceed_policy),
        notes: row.notes.clone(),
        lines: plan
            .iter()
            .filter_map(|(category, months)| {
                Some(BudgetLine {
                    category: BudgetCategory::from_stored(category)?,
                    monthly: months.iter().map(|m| format_amount(*m, currency)).collect(),
                    annual: format_amount(months.iter().sum(), currency),
                })
            })
            .collect(),
        total: format_amount(total, currency),
        submitted_by: row.submitted_by,
        submitted_at: row.submitted_at.map(|t| t.and_utc()),
        approved_by: row.approved_by,
        approved_at: row.approved_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        version: row.version,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLineInput {
    pub category: BudgetCategory,
    /// Twelve amounts, January first (or give `annual`).
    #[schema(min_items = 12, max_items = 12)]
    pub monthly: Option<Vec<String>>,
    /// Spread evenly over the months, the remainder in December.
    pub annual: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBudget {
    pub department_id: i64,
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: i32,
    pub currency: Currency,
    /// Default warn.
    pub exceed_policy: Option<ExceedPolicy>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub notes: Option<String>,
    #[schema(max_items = 7)]
    pub lines: Vec<BudgetLineInput>,
}

/// A draft changes; `lines` replaces every line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBudget {
    pub exceed_policy: Option<ExceedPolicy>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub notes: Option<String>,
    #[schema(max_items = 7)]
    pub lines: Option<Vec<BudgetLineInput>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetListQuery {
    pub department_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    pub status: Option<BudgetStatus>,
}

/// The planned months of each line, checked: one line per category, twelve amounts or an annual
/// one, in the currency's units, not negative.
fn parse_lines(v: &mut Validator, lines: &[BudgetLineInput], currency: Currency) -> Vec<(String, [i64; 12])> {
    let mut parsed: Vec<(String, [i64; 12])> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let category = line.category.as_str().to_string();
        if parsed.iter().any(|(c, _)| *c == category) {
            v.error(&format!("/lines/{i}/category"), "one line per category");
        }
        let amount = |v: &mut Validator, pointer: String, raw: &str| {
            money::parse_non_negative(raw, currency).map_err(|e| v.error(&pointer, e)).unwrap_or(0)
        };
        let months = match (&line.monthly, &line.annual) {
            (Some(monthly), None) if monthly.len() == 12 => {
                let mut months = [0; 12];
                for (m, raw) in monthly.iter().enumerate() {
                    months[m] = amount(v, format!("/lines/{i}/monthly/{m}"), raw);
                }
                months
            }
            (Some(_), None) => {
                v.error(&format!("/lines/{i}/monthly"), "must hold twelve amounts, January first");
                [0; 12]
            }
            (None, Some(annual)) => spread_evenly(amount(v, format!("/lines/{i}/annual"), annual)),
            _ => {
                v.error(&format!("/lines/{i}/annual"), "give monthly or annual (one of them)");
                [0; 12]
            }
        };
        if money::checked_sum(months, currency).is_none() {
            v.error(&format!("/lines/{i}"), format!("the line's year total {}", money::LIMIT_TEXT));
        }
        parsed.push((category, months));
    }
    parsed
}

/// Who reads: every budget with `READ_EVERY_BUDGET`; a department's manager its own.
pub(super) fn readable_departments(conn: &mut DbConn, principal: &Principal) -> Result<Option<Vec<i64>>, ApiError> {
    if principal.may(&permissions::READ_EVERY_BUDGET) {
        return Ok(None);
    }
    Ok(Some(match crate::employees::employee_id_of_user(conn, principal.user_id)? {
        Some(me) => crate::employees::departments_managed_by(conn, me)?,
        None => Vec::new(),
    }))
}

pub(super) fn visible_budget(conn: &mut DbConn, principal: &Principal, id: i64) -> Result<BudgetRow, ApiError> {
    let row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
    match readable_departments(conn, principal)? {
        Some(departments) if !departments.contains(&row.department_id) => Err(ApiError::NotFound),
        _ => Ok(row),
    }
}

/// Creates the first plan of a department for a year, as a draft (finance, admin).
#[utoipa::path(operation_id = "create_budget", tag = "budgets", request_body = CreateBudget,
    responses(
        (status = 201, description = "The draft", body = Budget, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The department has a budget for the year: revise it", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/budgets")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateBudget>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_BUDGETS)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    v.check((2000..=2100).contains(&input.fiscal_year), "/fiscal_year", "must be 2000 to 2100");
    let notes = v.optional_text("/notes", input.notes, 2000);
    let lines = parse_lines(&mut v, &input.lines, input.currency);
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        crate::employees::check_department_choice(conn, &mut v, input.department_id, None)?;
        v.finish()?;
        if !repo::revisions(conn, input.department_id, input.fiscal_year)?.is_empty() {
            return Err(ApiError::Conflict(format!(
                "department {} has a budget for {}; change it through a revision",
                input.department_id, input.fiscal_year
            )));
        }
        let row = repo::insert(
            conn,
            &NewBudget {
                department_id: input.department_id,
                fiscal_year: input.fiscal_year,
                revision: 1,
                currency: input.currency.code(),
                exceed_policy: input.exceed_policy.unwrap_or(ExceedPolicy::Warn).as_str(),
                notes: notes.as_deref(),
                created_by: actor.user_id,
            },
        )?;
        repo::set_lines(conn, row.id, &lines)?;
        let budget = view(conn, &row)?;
        audit::record(conn, &actor, "budget.created", ENTITY, row.id, None, Some(&budget))?;
        Reply::created(&budget, budget.version, &format!("/api/v1/budgets/{}", budget.id))
    })
    .await
}

/// Lists the budgets the caller may read, every revision, in id order.
#[utoipa::path(operation_id = "list_budgets", tag = "budgets", params(PageQuery, BudgetListQuery),
    responses((status = 200, description = "A page of budgets", body = Page<Budget>)))]
#[get("/budgets")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<BudgetListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    listing
        .answer(&state.pool, "budgets", move |conn, page| {
            let filter = BudgetFilter {
                department_id: query.department_id,
                fiscal_year: query.fiscal_year,
                status: query.status.map(BudgetStatus::as_str),
                departments: readable_departments(conn, &principal)?,
            };
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
            let plans = plans_of(conn, &ids)?;
            let mut items = Vec::with_capacity(rows.items.len());
            for row in &rows.items {
                items.push(view_with(row, plans.get(&row.id).unwrap_or(&Plan::new()))?);
            }
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

/// Reads one budget revision.
#[utoipa::path(operation_id = "get_budget", tag = "budgets", params(("id" = i64, Path, description = "Budget id")),
    responses((status = 200, description = "The budget", body = Budget, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)")))]
#[get("/budgets/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let budget = db::run(&state.pool, move |conn| {
        let row = visible_budget(conn, &principal, id)?;
        view(conn, &row)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &budget, budget.version))
}

/// Changes a draft (finance, admin). Honors If-Match.
#[utoipa::path(operation_id = "update_budget", tag = "budgets", params(("id" = i64, Path, description = "Budget id")),
    request_body = UpdateBudget,
    responses(
        (status = 200, description = "Updated", body = Budget, headers(("ETag" = String))),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[patch("/budgets/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateBudget>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_BUDGETS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let notes = input.notes.map(|n| shape.optional_text("/notes", Some(n), 2000));
    if let Some(lines) = &input.lines {
        // The lines' shape, before If-Match: amounts checked at three decimals here (no currency
        // has more), at the budget's currency's own below.
        let widest: Currency = "BHD".parse().map_err(ApiError::internal)?;
        parse_lines(&mut shape, lines, widest);
    }
    shape.finish()?;
    let actor = principal.actor();
    let budget = db::run_write(&state.pool, move |conn| {
        let row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        if row.status() != BudgetStatus::Draft {
            return Err(ApiError::Conflict(format!("the budget is {}; only drafts change", row.status)));
        }
        let before = view(conn, &row)?;
        let mut v = Validator::new();
        let currency = currency_of(&row)?;
        let lines = input.lines.as_ref().map(|l| parse_lines(&mut v, l, currency));
        v.finish()?;
        let policy = input.exceed_policy.map(ExceedPolicy::as_str).unwrap_or(row.exceed_policy.as_str()).to_string();
        let notes = notes.unwrap_or(row.notes.clone());
        if !repo::update_draft(conn, id, row.version, &policy, notes.as_deref())? {
            return Err(ApiError::changed_concurrently("budget"));
        }
        if let Some(lines) = &lines {
            repo::set_lines(conn, id, lines)?;
        }
        let after_row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
        let after = view(conn, &after_row)?;
        audit::record(conn, &actor, "budget.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &budget, budget.version))
}
