//! An invoice's lifecycle after the draft is written: deleting a draft, issuing it, voiding it.
//! finance and admin. Creating, reading and changing drafts are in `api.rs`.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use chrono::{Datelike, Duration};

use super::api::{currency_of, load, require_draft, ENTITY};
use super::model::{InvoiceKind, InvoiceStatus};
use super::permissions;
use super::repo;
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::etag::IfMatch;
use crate::http::json::{OptionalJson, ValidJson};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::state::AppState;
use crate::tickets::billing;

/// Deletes a draft and releases the time billed on it (finance, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "delete_invoice",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Not a draft: void it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/invoices/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        billing::release_billed(conn, id)?;
        crate::inventory::billing::release_billed_parts(conn, id)?;
        if !repo::delete_draft(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        audit::record(conn, &actor, "invoice.deleted", ENTITY, id, Some(&before), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Issues a draft: the number is the next of its series and year (`INV-2026-000123`), assigned
/// in this transaction, so numbers have no gaps and no duplicates on any number of nodes. The
/// issue date defaults to today and the due date to the issue date plus the party's payment
/// terms. A credit note reduces its invoice's balance, never below zero. A bill is checked
/// against the budgets of the departments its lines are charged to (exceed policy: warn answers
/// with `budget_warnings`, stop is 409 unless `budget_override_reason` is given). Honors If-Match.
#[utoipa::path(
    operation_id = "issue_invoice",
    tag = "invoices",
    params(
        ("id" = i64, Path, description = "Invoice id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body(content = Option<IssueInvoice>, description = "Optional: a budget override"),
    responses(
        (status = 200, description = "Issued", body = Invoice, headers(("ETag" = String))),
        (status = 409, description = "Not a draft, or nothing to invoice, or a credit note larger than its invoice's balance", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invoices/{id}/issue")]
pub async fn issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<IssueInvoice>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let mut v = Validator::new();
    let body = body.0.unwrap_or_default();
    let override_reason = body.budget_override_reason.map(|r| v.required_text("/budget_override_reason", &r, 500));
    let match_override = body.match_override_reason.map(|r| v.required_text("/match_override_reason", &r, 500));
    v.finish()?;
    if match_override.is_some() {
        principal.require(&permissions::OVERRIDE_MATCH)?;
    }
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        if let Some(target) = row.credited_invoice_id {
            repo::hold(conn, target)?;
        }
        if repo::lines_of(conn, id)?.is_empty() || row.total == 0 {
            return Err(ApiError::Conflict("an invoice needs at least one line and a total above zero".into()));
        }
        let issue_date = row.issue_date.unwrap_or_else(today);
        // A document dated in a closed period would post into it: refused, naming the date.
        crate::ledger::journal::check_open(conn, issue_date, "/issue_date")?;
        let terms = match row.customer_id.or(row.vendor_id) {
            Some(party) => crate::invoices::repo::parties::terms_of(conn, party)?,
            None => 30,
        };
        let due_date = match row.due_date {
            Some(due) => due,
            None => issue_date
                .checked_add_signed(Duration::days(i64::from(terms)))
                .filter(|due| *due <= crate::dates::LATEST_DATE)
                .ok_or_else(|| {
                    ApiError::invalid("/issue_date", "the due date (issue date + payment terms) would pass 9999-12-31")
                })?,
        };
        if due_date < issue_date {
            return Err(ApiError::Conflict("the due date is before the issue date".into()));
        }
        let kind = row.kind();
        // Checked while the bill is still a draft, so that it is not counted twice.
        let mut warnings = Vec::new();
        if kind == InvoiceKind::Payable {
            super::purchasing::check_match(conn, &actor, id, match_override.as_deref())?;
            if let Some(reason) = &match_override {
                repo::set_match_override(conn, id, reason)?;
            }
            // Per department and category: the bill's lines before tax.
            let mut spends: std::collections::BTreeMap<(i64, String), i64> = std::collections::BTreeMap::new();
            for line in repo::lines_of(conn, id)? {
                if let (Some(department), Some(category)) = (line.department_id, line.budget_category) {
                    *spends.entry((department, category)).or_default() += line.net;
                }
            }
            warnings = ledger::guard::check_per_department(
                conn,
                &actor,
                &spends,
                &row.currency,
                issue_date,
                false,
                override_reason.as_deref(),
            )?;
        }
        let year = issue_date.year();
        let number = repo::next_number(conn, &row, year)?;
        if !repo::issue(conn, id, row.version, &number, issue_date, due_date)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        let mut balances = Vec::new();
        if let Some(target) = row.credited_invoice_id {
            let Some(credited) = repo::settle(conn, target, 0, row.total, None)? else {
                let target = repo::invoice(conn, target)?.ok_or(ApiError::NotFound)?;
                return Err(ApiError::Conflict(format!(
                    "the credit note ({}) is more than what is left of {} ({})",
                    before.total,
                    target.number.as_deref().unwrap_or_default(),
                    crate::money::format_amount(target.balance(), currency_of(&target)?)
                )));
            };
            balances.push(credited);
            let (_, after_target) = load(conn, target)?;
            audit::record(conn, &actor, "invoice.credited", ENTITY, target, None::<&Invoice>, Some(&after_target))?;
        }
        if kind == InvoiceKind::Payable {
            super::purchasing::bill_changed(conn, id)?;
        }
        let (issued, mut after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.issued", ENTITY, id, Some(&before), Some(&after))?;
        balances.push(repo::BalanceChanges::between(&row, &issued));
        for changes in balances {
            changes.apply(conn)?;
        }
        after.budget_warnings = warnings;
        Reply::entity(&after, after.version)
    })
    .await
}

/// Voids an issued invoice that has no payments and no credit notes, with a reason; its number
/// is kept and never reused, and time billed on it is released. Voiding a credit note gives its
/// amount back to its invoice. Honors If-Match.
#[utoipa::path(
    operation_id = "void_invoice",
    tag = "invoices",
    params(
        ("id" = i64, Path, description = "Invoice id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read"),
    ),
    request_body = VoidInvoice,
    responses(
        (status = 200, description = "Void", body = Invoice, headers(("ETag" = String))),
        (status = 409, description = "A draft, paid or credited, or void already", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invoices/{id}/void")]
pub async fn void(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<VoidInvoice>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = v.required_lines("/reason", body.into_inner().reason, 500);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        match row.status() {
            InvoiceStatus::Issued if row.credited_total == 0 => {}
            InvoiceStatus::Issued => {
                return Err(ApiError::Conflict("credit notes reduce this invoice; void them first".into()))
            }
            status => {
                return Err(ApiError::Conflict(format!(
                    "only an issued invoice with nothing paid is voided; this one is {}",
                    status.as_str()
                )))
            }
        }
        if let Some(target) = row.credited_invoice_id {
            repo::hold(conn, target)?;
        }
        if !repo::void(conn, id, row.version, &reason)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        billing::release_billed(conn, id)?;
        crate::inventory::billing::release_billed_parts(conn, id)?;
        let given_back = match row.credited_invoice_id {
            Some(target) => repo::settle(conn, target, 0, -row.total, None)?
                .ok_or_else(|| ApiError::internal("a credit note's amount could not be given back"))?,
            None => repo::BalanceChanges::default(),
        };
        if row.kind() == InvoiceKind::Payable {
            super::purchasing::bill_changed(conn, id)?;
        }
        let (voided, after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.voided", ENTITY, id, Some(&before), Some(&after))?;
        given_back.apply(conn)?;
        repo::BalanceChanges::between(&row, &voided).apply(conn)?;
        Reply::entity(&after, after.version)
    })
    .await
}
