//! `/api/v1/invoices`: creating, listing, reading and changing drafts. finance and admin write;
//! auditor reads; others nothing. Deleting, issuing and voiding are in `lifecycle.rs`, the
//! lines' pricing in `lines.rs`, payments in `payments.rs`, billing desk time in `billing.rs`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::lines::{check_line_links, price_lines};
use super::model::{InvoiceKind, InvoiceRow, InvoiceStatus, PartyKind};
use super::permissions;
use super::repo::{self, parties as party_repo, DraftFields, InvoiceFilter, TotalsFields};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::Currency;
use crate::state::AppState;
use crate::tickets::billing;

pub const ENTITY: &str = "invoice";

pub fn currency_of(row: &InvoiceRow) -> Result<Currency, ApiError> {
    row.currency.parse().map_err(ApiError::internal)
}

/// The invoice with its lines and billed entries, as the API shows it.
pub fn view(conn: &mut DbConn, row: &InvoiceRow) -> Result<Invoice, ApiError> {
    let lines = repo::lines_of(conn, row.id)?;
    let billed = billing::billed_on(conn, row.id)?;
    Ok(Invoice::new(row, currency_of(row)?, &lines, &billed, today()))
}

pub fn load(conn: &mut DbConn, id: i64) -> Result<(InvoiceRow, Invoice), ApiError> {
    let row = repo::invoice(conn, id)?.ok_or(ApiError::NotFound)?;
    let invoice = view(conn, &row)?;
    Ok((row, invoice))
}

fn text(v: &mut Validator, pointer: &str, value: Option<String>, max: usize) -> Option<String> {
    v.optional_text(pointer, value, max)
}

/// Creates a draft (finance, admin).
#[utoipa::path(
    operation_id = "create_invoice",
    tag = "invoices",
    request_body = CreateInvoice,
    responses((status = 201, description = "The draft", body = Invoice, headers(("ETag" = String), ("Location" = String))))
)]
#[post("/invoices")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateInvoice>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let notes = text(&mut v, "/notes", input.notes.clone(), 5000);
    let vendor_reference = text(&mut v, "/vendor_reference", input.vendor_reference.clone(), 100);
    v.check(input.lines.len() <= 500, "/lines", "at most 500 lines");
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let (customer_id, vendor_id, credited, party_currency) = match input.kind {
            InvoiceKind::Receivable => {
                let customer =
                    input.customer_id.map(|id| party_repo::party(conn, PartyKind::Customer, id)).transpose()?.flatten();
                match customer.filter(|c| c.active) {
                    Some(c) => (Some(c.id), None, None, c.currency.parse::<Currency>().ok()),
                    None => {
                        v.error("/customer_id", "a receivable invoice needs an active customer");
                        (None, None, None, None)
                    }
                }
            }
            InvoiceKind::Payable => {
                let vendor =
                    input.vendor_id.map(|id| party_repo::party(conn, PartyKind::Vendor, id)).transpose()?.flatten();
                match vendor.filter(|c| c.active) {
                    Some(c) => (None, Some(c.id), None, c.currency.parse::<Currency>().ok()),
                    None => {
                        v.error("/vendor_id", "a payable invoice needs an active vendor");
                        (None, None, None, None)
                    }
                }
            }
            InvoiceKind::CreditNote => {
                let target = input.credited_invoice_id.map(|id| repo::invoice(conn, id)).transpose()?.flatten();
                let open = [InvoiceStatus::Issued, InvoiceStatus::PartiallyPaid, InvoiceStatus::Paid];
                // To a customer against their invoice, or from a vendor against their bill.
                match target.filter(|t| t.kind() != InvoiceKind::CreditNote && open.contains(&t.status())) {
                    Some(t) => (t.customer_id, t.vendor_id, Some(t.id), t.currency.parse::<Currency>().ok()),
                    None => {
                        v.error("/credited_invoice_id", "a credit note needs an issued invoice or bill");
                        (None, None, None, None)
                    }
                }
            }
        };
        let wrong_party = match input.kind {
            InvoiceKind::Receivable => input.vendor_id.is_some() || input.credited_invoice_id.is_some(),
            InvoiceKind::Payable => input.customer_id.is_some() || input.credited_invoice_id.is_some(),
            InvoiceKind::CreditNote => input.customer_id.is_some() || input.vendor_id.is_some(),
        };
        if wrong_party {
            v.error("/kind", "name only the party of this kind: customer_id, vendor_id or credited_invoice_id");
        }
        let currency = match (input.kind, input.currency, party_currency) {
            (InvoiceKind::CreditNote, Some(c), Some(p)) if c != p => {
                v.error("/currency", "a credit note is in the currency of its invoice");
                p
            }
            (_, Some(c), _) => c,
            (_, None, Some(p)) => p,
            (_, None, None) => "EUR".parse().map_err(ApiError::internal)?,
        };
        // A vendor's documents (bills and their credit notes) are charged to departments' budgets.
        let (mut lines, totals) = price_lines(&mut v, &input.lines, currency, vendor_id.is_some());
        let bill = vendor_id.filter(|_| input.kind == InvoiceKind::Payable).map(|vendor| (vendor, currency.code()));
        check_line_links(conn, &mut v, &mut lines, bill)?;
        if let (Some(issued), Some(due)) = (input.issue_date, input.due_date) {
            v.check(due >= issued, "/due_date", "must not be before the issue date");
        }
        v.finish()?;
        let fields = DraftFields {
            kind: input.kind.as_str(),
            customer_id,
            vendor_id,
            credited_invoice_id: credited,
            vendor_reference,
            currency: currency.code().to_string(),
            issue_date: input.issue_date,
            due_date: input.due_date,
            notes,
        };
        let row = repo::insert_draft(conn, &fields, totals, Some(user_id))?;
        repo::set_lines(conn, row.id, &lines)?;
        let invoice = view(conn, &row)?;
        audit::record(conn, &actor, "invoice.created", ENTITY, row.id, None, Some(&invoice))?;
        Reply::created(&invoice, invoice.version, &format!("/api/v1/invoices/{}", invoice.id))
    })
    .await
}

/// Lists invoices, newest first (finance, admin, auditor).
#[utoipa::path(
    operation_id = "list_invoices",
    tag = "invoices",
    params(PageQuery, InvoiceListQuery),
    responses((status = 200, description = "A page of invoices", body = Page<Invoice>))
)]
#[get("/invoices")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<InvoiceListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let query = query.into_inner();
    let filter = InvoiceFilter {
        kind: query.kind.map(InvoiceKind::as_str),
        status: query.status.map(InvoiceStatus::as_str),
        customer_id: query.customer_id,
        vendor_id: query.vendor_id,
        overdue: query.overdue.map(|overdue| (today(), overdue)),
        issued_from: query.issued_from,
        issued_to: query.issued_to,
        updated_since: listing.page.updated_since,
    };
    listing
        .answer(&state.pool, "invoices", move |conn, page| {
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            let rows = Page::from_rows(rows, page.limit, |r| r.id, |r| r);
            // Lines and billed entries for the whole page: two queries, not two per invoice.
            let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
            let mut lines = repo::lines_of_many(conn, &ids)?;
            let billed = billing::billed_on_many(conn, &ids)?;
            let mut items = Vec::with_capacity(rows.items.len());
            for row in &rows.items {
                let lines = lines.remove(&row.id).unwrap_or_default();
                items.push(Invoice::new(row, currency_of(row)?, &lines, &billed, today()));
            }
            Ok(Page { items, next_cursor: rows.next_cursor })
        })
        .await
}

/// Reads one invoice (finance, admin, auditor).
#[utoipa::path(
    operation_id = "get_invoice",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, description = "The invoice", body = Invoice, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/invoices/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let id = id.into_inner();
    let (_, invoice) = db::run(&state.pool, move |conn| load(conn, id)).await?;
    Ok(entity_response(&req, StatusCode::OK, &invoice, invoice.version))
}

pub(super) fn require_draft(row: &InvoiceRow) -> Result<(), ApiError> {
    if row.status() != InvoiceStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "{} is {}; issued invoices change only through payments, credit notes and void",
            row.number.as_deref().unwrap_or("the invoice"),
            row.status
        )));
    }
    Ok(())
}

/// Changes a draft (finance, admin). Honors If-Match.
#[utoipa::path(
    operation_id = "update_invoice",
    tag = "invoices",
    params(("id" = i64, Path, description = "Invoice id")),
    request_body = UpdateInvoice,
    responses(
        (status = 200, description = "The draft", body = Invoice, headers(("ETag" = String))),
        (status = 409, description = "Not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/invoices/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateInvoice>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut shape = Validator::new();
    let notes = input.notes.map(|n| text(&mut shape, "/notes", n, 5000));
    let vendor_reference = input.vendor_reference.map(|r| text(&mut shape, "/vendor_reference", r, 100));
    if let Some(lines) = &input.lines {
        shape.check(lines.len() <= 500, "/lines", "at most 500 lines");
        // The lines' shape (amounts, scales, text) does not depend on the invoice: checked here,
        // before If-Match; priced in the invoice's currency below.
        let any_currency: Currency = "EUR".parse().map_err(ApiError::internal)?;
        price_lines(&mut shape, lines, any_currency, true);
    }
    shape.finish()?;
    let actor = principal.actor();
    let invoice = db::run_write(&state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        let mut v = Validator::new();
        let currency = currency_of(&row)?;
        let (lines, totals) = match &input.lines {
            Some(lines) => {
                let (mut lines, totals) = price_lines(&mut v, lines, currency, row.vendor_id.is_some());
                let bill = row
                    .vendor_id
                    .filter(|_| row.kind() == InvoiceKind::Payable)
                    .map(|vendor| (vendor, currency.code()));
                check_line_links(conn, &mut v, &mut lines, bill)?;
                (Some(lines), totals)
            }
            None => (None, TotalsFields { subtotal: row.subtotal, tax_total: row.tax_total, total: row.total }),
        };
        let fields = DraftFields {
            kind: row.kind().as_str(),
            customer_id: row.customer_id,
            vendor_id: row.vendor_id,
            credited_invoice_id: row.credited_invoice_id,
            vendor_reference: vendor_reference.unwrap_or(row.vendor_reference.clone()),
            currency: row.currency.clone(),
            issue_date: input.issue_date.unwrap_or(row.issue_date),
            due_date: input.due_date.unwrap_or(row.due_date),
            notes: notes.unwrap_or(row.notes.clone()),
        };
        if let (Some(issued), Some(due)) = (fields.issue_date, fields.due_date) {
            v.check(due >= issued, "/due_date", "must not be before the issue date");
        }
        v.finish()?;
        if !repo::update_draft(conn, id, row.version, &fields, totals)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        if let Some(lines) = &lines {
            billing::release_billed(conn, id)?;
            crate::inventory::billing::release_billed_parts(conn, id)?;
            repo::set_lines(conn, id, lines)?;
        }
        let (_, after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &invoice, invoice.version))
}
