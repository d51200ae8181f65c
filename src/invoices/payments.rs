//! `/api/v1/invoices/{id}/payments`: money received on receivables and paid on bills.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};

use super::api::{currency_of, load, ENTITY};
use super::model::{InvoiceKind, InvoiceStatus};
use super::permissions;
use super::repo::{self, NewPayment};
use super::views::{CreatePayment, Payment};
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, format_amount};
use crate::state::AppState;

/// Records a payment (finance, admin). Partial payments are fine; more than the balance is 422;
/// a draft or void invoice, or a credit note, takes no payments (409). The amount is added with
/// one conditional statement, so parallel payments never overpay together.
#[utoipa::path(
    operation_id = "create_payment",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id")),
    request_body = CreatePayment,
    responses(
        (status = 201, description = "Recorded", body = Payment),
        (status = 409, description = "A draft, void invoice or credit note", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invoices/{id}/payments")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreatePayment>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let reference = shape.optional_text("/reference", input.reference, 200);
    shape.check(input.paid_on <= today(), "/paid_on", "must not be in the future");
    shape.finish()?;
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        let currency = currency_of(&row)?;
        if row.kind() == InvoiceKind::CreditNote {
            return Err(ApiError::Conflict("a credit note takes no payments".into()));
        }
        if matches!(row.status(), InvoiceStatus::Draft | InvoiceStatus::Void) {
            return Err(ApiError::Conflict(format!("a {} invoice takes no payments", row.status)));
        }
        let mut v = Validator::new();
        let amount = match money::parse_amount(&input.amount, currency) {
            Ok(amount) if amount > 0 => amount,
            Ok(_) => {
                v.error("/amount", "must be more than 0");
                0
            }
            Err(e) => {
                v.error("/amount", e);
                0
            }
        };
        if let Some(issued) = row.issue_date {
            v.check(input.paid_on >= issued, "/paid_on", "must not be before the issue date");
        }
        v.finish()?;
        crate::ledger::journal::check_open(conn, input.paid_on, "/paid_on")?;
        let payment = repo::insert_payment(
            conn,
            &NewPayment {
                invoice_id: id,
                amount,
                paid_on: input.paid_on,
                method: input.method.as_str(),
                reference: reference.as_deref(),
                created_by: Some(user_id),
            },
        )?;
        let Some(balances) = repo::settle(conn, id, amount, 0, Some(input.paid_on))? else {
            let now = repo::invoice(conn, id)?.ok_or(ApiError::NotFound)?;
            let detail = format!("is more than the balance of {}", format_amount(now.balance(), currency));
            return Err(ApiError::invalid("/amount", detail));
        };
        repo::post_payment(conn, &row, &payment)?;
        let payment = Payment::new(&payment, currency);
        let (_, after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.payment_recorded", ENTITY, id, Some(&before), Some(&after))?;
        balances.apply(conn)?;
        Reply::json(StatusCode::CREATED, &payment)
    })
    .await
}

/// The payments of an invoice, oldest first (finance, admin, auditor).
#[utoipa::path(
    operation_id = "list_payments",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id"), PageQuery),
    responses((status = 200, description = "A page of payments", body = Page<Payment>))
)]
#[get("/invoices/{id}/payments")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let id = id.into_inner();
    listing
        .answer(&state.pool, &format!("invoice-{id}-payments"), move |conn, page| {
            let row = repo::invoice(conn, id)?.ok_or(ApiError::NotFound)?;
            let currency = currency_of(&row)?;
            let rows = repo::payments_of(conn, id, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Payment::new(&r, currency)))
        })
        .await
}

/// Removes a payment recorded by mistake (finance, admin): the balance and status are restored,
/// and the audit log keeps what was removed.
#[utoipa::path(
    operation_id = "delete_payment",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id"), ("payment_id" = i64, Path, description = "Payment id")),
    responses((status = 204, description = "Removed"))
)]
#[delete("/invoices/{id}/payments/{payment_id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let (id, payment_id) = path.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        let payment = repo::payment(conn, id, payment_id)?.ok_or(ApiError::NotFound)?;
        if !repo::delete_payment(conn, payment_id)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        let Some(balances) = repo::settle(conn, id, -payment.amount, 0, None)? else {
            return Err(ApiError::changed_concurrently("invoice"));
        };
        repo::unpost_payment(conn, payment_id, payment.paid_on)?;
        let (_, after) = load(conn, id)?;
        let removed = Payment::new(&payment, currency_of(&row)?);
        audit::record(conn, &actor, "invoice.payment_removed", ENTITY, id, Some(&before), Some(&after))?;
        audit::record(conn, &actor, "payment.removed", "payment", payment_id, Some(&removed), None)?;
        balances.apply(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
