//! A budget's lifecycle: a draft is submitted, then approved by someone other than its submitter
//! (which supersedes the earlier approved revision); an approved budget changes through a new
//! revision. finance and admin act.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::api::{plan_of, view, Budget, ENTITY};
use super::model::{BudgetStatus, ExceedPolicy};
use super::permissions;
use super::repo::{self, NewBudget};
use crate::audit;
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::reply::{self, Reply};
use crate::state::AppState;

async fn change_status(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    id: i64,
    if_match: IfMatch,
    from: BudgetStatus,
    to: BudgetStatus,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_BUDGETS)?;
    let actor = principal.actor();
    let user = principal.user_id;
    reply::commit(req, &state.pool, move |conn| {
        let row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        if row.status() != from {
            return Err(ApiError::Conflict(format!(
                "the budget is {}; only a {} budget becomes {}",
                row.status,
                from.as_str(),
                to.as_str()
            )));
        }
        if to == BudgetStatus::Approved && row.submitted_by == Some(user) {
            return Err(ApiError::Forbidden("the person who submitted a budget does not approve it".into()));
        }
        let before = view(conn, &row)?;
        if !repo::move_status(conn, id, row.version, from, to, Some(user))? {
            return Err(ApiError::changed_concurrently("budget"));
        }
        if to == BudgetStatus::Approved {
            repo::supersede_others(conn, row.department_id, row.fiscal_year, id)?;
        }
        let after_row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
        let after = view(conn, &after_row)?;
        audit::record(conn, &actor, &format!("budget.{}", to.as_str()), ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, after.version)
    })
    .await
}

/// Submits a draft for approval (finance, admin). Honors If-Match.
#[utoipa::path(operation_id = "submit_budget", tag = "budgets",
    params(("id" = i64, Path, description = "Budget id"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 200, description = "Submitted", body = Budget, headers(("ETag" = String))),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/budgets/{id}/submit")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_status(&req, &state, &principal, id.into_inner(), if_match, BudgetStatus::Draft, BudgetStatus::Submitted)
        .await
}

/// Approves a submitted budget (finance, admin; not the person who submitted it): it is locked,
/// and an earlier approved revision is superseded. Honors If-Match.
#[utoipa::path(operation_id = "approve_budget", tag = "budgets",
    params(("id" = i64, Path, description = "Budget id"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 200, description = "Approved", body = Budget, headers(("ETag" = String))),
        (status = 409, description = "Not submitted", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/budgets/{id}/approve")]
pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    change_status(&req, &state, &principal, id.into_inner(), if_match, BudgetStatus::Submitted, BudgetStatus::Approved)
        .await
}

/// Starts a new revision of an approved budget: a draft with the same lines (finance, admin).
/// The approved one stays in force and readable until the revision is approved.
#[utoipa::path(operation_id = "revise_budget", tag = "budgets", params(("id" = i64, Path, description = "Budget id")),
    responses((status = 201, description = "The new draft revision", body = Budget, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "Not the approved revision, or a revision is open already", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/budgets/{id}/revisions")]
pub async fn revise(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_BUDGETS)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::budget(conn, id)?.ok_or(ApiError::NotFound)?;
        if row.status() != BudgetStatus::Approved {
            return Err(ApiError::Conflict("only the approved budget is revised".into()));
        }
        let all = repo::revisions(conn, row.department_id, row.fiscal_year)?;
        if let Some(open) = all.iter().find(|b| matches!(b.status(), BudgetStatus::Draft | BudgetStatus::Submitted)) {
            return Err(ApiError::Conflict(format!("revision {} is open already (budget {})", open.revision, open.id)));
        }
        let next = all.iter().map(|b| b.revision).max().unwrap_or(row.revision) + 1;
        let draft = repo::insert(
            conn,
            &NewBudget {
                department_id: row.department_id,
                fiscal_year: row.fiscal_year,
                revision: next,
                currency: &row.currency,
                exceed_policy: ExceedPolicy::from_stored(&row.exceed_policy).as_str(),
                notes: row.notes.as_deref(),
                created_by: actor.user_id,
            },
        )?;
        let lines: Vec<(String, [i64; 12])> = plan_of(conn, row.id)?.into_iter().collect();
        repo::set_lines(conn, draft.id, &lines)?;
        let budget = view(conn, &draft)?;
        audit::record(conn, &actor, "budget.revised", ENTITY, draft.id, None, Some(&budget))?;
        Reply::created(&budget, budget.version, &format!("/api/v1/budgets/{}", budget.id))
    })
    .await
}
