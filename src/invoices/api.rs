//! `/api/v1/invoices`: drafts, issuing, voiding. finance and admin write; auditor reads; others
//! nothing. Payments are in `payments.rs`, billing desk time in `billing.rs`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{Datelike, Duration};

use super::model::{
    self, line_net, parse_scaled, InvoiceKind, InvoiceRow, InvoiceStatus, PartyKind, PERCENT_SCALE, PRICE_SCALE,
    QUANTITY_SCALE,
};
use super::permissions;
use super::repo::{self, parties as party_repo, DraftFields, InvoiceFilter, NewLine, TotalsFields};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::clock::today;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::{OptionalJson, ValidJson};
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::money::{self, Currency};
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

fn percent(v: &mut Validator, pointer: &str, raw: Option<&str>) -> i32 {
    let Some(raw) = raw else { return 0 };
    match parse_scaled(raw, PERCENT_SCALE) {
        Ok(units) if (0..=10_000).contains(&units) => units as i32,
        Ok(_) => {
            v.error(pointer, "must be 0 to 100");
            0
        }
        Err(e) => {
            v.error(pointer, e);
            0
        }
    }
}

/// Parses and prices the lines; the lines of a vendor's bill or credit note may carry a
/// department and budget category (both or neither). Returns the lines and the totals.
pub fn price_lines(
    v: &mut Validator,
    lines: &[InvoiceLineInput],
    currency: Currency,
    from_vendor: bool,
) -> (Vec<NewLine>, TotalsFields) {
    let mut priced = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        let description = v.required_text(&at("description"), &line.description, 500);
        let quantity = match parse_scaled(&line.quantity, QUANTITY_SCALE) {
            Ok(q) if q > 0 => q,
            Ok(_) => {
                v.error(&at("quantity"), "must be more than 0");
                0
            }
            Err(e) => {
                v.error(&at("quantity"), e);
                0
            }
        };
        let unit_price = match parse_scaled(&line.unit_price, PRICE_SCALE) {
            Ok(p) if p >= 0 => p,
            Ok(_) => {
                v.error(&at("unit_price"), "must not be negative");
                0
            }
            Err(e) => {
                v.error(&at("unit_price"), e);
                0
            }
        };
        let discount = percent(v, &at("discount_percent"), line.discount_percent.as_deref());
        let tax_rate = percent(v, &at("tax_rate_percent"), line.tax_rate_percent.as_deref());
        if line.department_id.is_some() != line.budget_category.is_some() {
            v.error(&at("budget_category"), "give a department and a budget category together");
        }
        if !from_vendor && line.department_id.is_some() {
            v.error(
                &at("department_id"),
                "only the lines of bills and vendors' credit notes are charged to a department's budget",
            );
        }
        let price_per = line.price_per.unwrap_or(1);
        if !(1..=model::MAX_PRICE_PER).contains(&price_per) {
            v.error(&at("price_per"), format!("must be 1 to {}", model::MAX_PRICE_PER));
        }
        let unit = v.optional_text(&at("unit"), line.unit.clone(), 20);
        let net = line_net(quantity, unit_price, price_per, discount, currency).unwrap_or_else(|| {
            v.error(&at("quantity"), format!("the line's amount (quantity × unit price) {}", money::LIMIT_TEXT));
            0
        });
        priced.push(NewLine {
            description,
            quantity,
            unit_price,
            discount,
            tax_rate,
            net,
            ticket_id: line.ticket_id,
            item_id: line.item_id,
            department_id: line.department_id,
            budget_category: line.budget_category.map(|c| c.as_str()),
            unit,
            price_per,
        });
    }
    let nets: Vec<(i64, i32)> = priced.iter().map(|l| (l.net, l.tax_rate)).collect();
    let totals = model::totals(&nets, currency).unwrap_or_else(|| {
        v.error("/lines", "the invoice's total is out of range");
        Default::default()
    });
    (priced, TotalsFields { subtotal: totals.subtotal, tax_total: totals.tax_total, total: totals.total })
}

/// Checks what lines refer to: departments, items and tickets must exist.
fn check_line_links(conn: &mut DbConn, v: &mut Validator, lines: &[NewLine]) -> Result<(), ApiError> {
    for (i, line) in lines.iter().enumerate() {
        if let Some(department) = line.department_id {
            if crate::employees::department(conn, department)?.is_none() {
                v.error(&format!("/lines/{i}/department_id"), "no such department");
            }
        }
        if let Some(item) = line.item_id {
            if crate::inventory::item(conn, item)?.is_none() {
                v.error(&format!("/lines/{i}/item_id"), "no such item");
            }
        }
        if let Some(ticket) = line.ticket_id {
            if crate::tickets::ticket(conn, ticket)?.is_none() {
                v.error(&format!("/lines/{i}/ticket_id"), "no such ticket");
            }
        }
    }
    Ok(())
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
        let (lines, totals) = price_lines(&mut v, &input.lines, currency, vendor_id.is_some());
        check_line_links(conn, &mut v, &lines)?;
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
    page: web::Query<PageQuery>,
    query: web::Query<InvoiceListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let page = page.parse()?;
    let query = query.into_inner();
    let filter = InvoiceFilter {
        kind: query.kind.map(InvoiceKind::as_str),
        status: query.status.map(InvoiceStatus::as_str),
        customer_id: query.customer_id,
        vendor_id: query.vendor_id,
        overdue: query.overdue.map(|overdue| (today(), overdue)),
        issued_from: query.issued_from,
        issued_to: query.issued_to,
        updated_since: page.updated_since,
    };
    let limit = page.limit;
    let body = db::run(&state.pool, move |conn| {
        let rows = repo::list(conn, &filter, page.after, limit)?;
        let rows = Page::from_rows(rows, limit, |r| r.id, |r| r);
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
    .await?;
    Ok(HttpResponse::Ok().json(body))
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

fn require_draft(row: &InvoiceRow) -> Result<(), ApiError> {
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
                let (lines, totals) = price_lines(&mut v, lines, currency, row.vendor_id.is_some());
                check_line_links(conn, &mut v, &lines)?;
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
    let override_reason =
        body.0.and_then(|b| b.budget_override_reason).map(|r| v.required_text("/budget_override_reason", &r, 500));
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (row, before) = load(conn, id)?;
        if_match.check(row.version)?;
        require_draft(&row)?;
        if repo::lines_of(conn, id)?.is_empty() || row.total == 0 {
            return Err(ApiError::Conflict("an invoice needs at least one line and a total above zero".into()));
        }
        let issue_date = row.issue_date.unwrap_or_else(today);
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
            // Per department and category: the bill's lines before tax.
            let mut spends: std::collections::BTreeMap<(i64, String), i64> = std::collections::BTreeMap::new();
            for line in repo::lines_of(conn, id)? {
                if let (Some(department), Some(category)) = (line.department_id, line.budget_category) {
                    *spends.entry((department, category)).or_default() += line.net;
                }
            }
            for ((department_id, category), amount) in spends {
                let entry = ledger::Entry {
                    occurred_on: issue_date,
                    kind: ledger::Kind::Expense,
                    category: category.clone(),
                    currency: row.currency.clone(),
                    amount,
                    quantity: 0,
                    dims: ledger::Dimensions { department_id: Some(department_id), ..Default::default() },
                    source_line_id: None,
                };
                let spend = ledger::guard::Spend {
                    department_id,
                    category: &category,
                    on: issue_date,
                    amount,
                    currency: &row.currency,
                    base_amount: ledger::base_amount_of(conn, &entry)?,
                };
                warnings.extend(ledger::guard::check(conn, &actor, &spend, override_reason.as_deref())?);
            }
        }
        let year = issue_date.year();
        let number = repo::next_number(conn, &row, year)?;
        if !repo::issue(conn, id, row.version, &number, issue_date, due_date)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        if let Some(target) = row.credited_invoice_id {
            if !repo::settle(conn, target, 0, row.total, None)? {
                let target = repo::invoice(conn, target)?.ok_or(ApiError::NotFound)?;
                return Err(ApiError::Conflict(format!(
                    "the credit note ({}) is more than what is left of {} ({})",
                    before.total,
                    target.number.as_deref().unwrap_or_default(),
                    crate::money::format_amount(target.balance(), currency_of(&target)?)
                )));
            }
            let (_, after_target) = load(conn, target)?;
            audit::record(conn, &actor, "invoice.credited", ENTITY, target, None::<&Invoice>, Some(&after_target))?;
        }
        let (_, mut after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.issued", ENTITY, id, Some(&before), Some(&after))?;
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
        if !repo::void(conn, id, row.version, &reason)? {
            return Err(ApiError::changed_concurrently("invoice"));
        }
        billing::release_billed(conn, id)?;
        crate::inventory::billing::release_billed_parts(conn, id)?;
        if let Some(target) = row.credited_invoice_id {
            if !repo::settle(conn, target, 0, -row.total, None)? {
                return Err(ApiError::internal("a credit note's amount could not be given back"));
            }
        }
        let (_, after) = load(conn, id)?;
        audit::record(conn, &actor, "invoice.voided", ENTITY, id, Some(&before), Some(&after))?;
        Reply::entity(&after, after.version)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_priced_and_checked() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let line = |q: &str, p: &str, d: Option<&str>, t: Option<&str>| InvoiceLineInput {
            description: "Work".into(),
            quantity: q.into(),
            unit_price: p.into(),
            discount_percent: d.map(String::from),
            tax_rate_percent: t.map(String::from),
            ticket_id: None,
            item_id: None,
            department_id: None,
            budget_category: None,
            price_per: None,
            unit: None,
        };
        let mut v = Validator::new();
        let (lines, totals) = price_lines(
            &mut v,
            &[line("2.5", "19.99", Some("10"), Some("19")), line("1", "0.005", None, None)],
            eur,
            false,
        );
        assert!(v.finish().is_ok());
        assert_eq!(lines.iter().map(|l| l.net).collect::<Vec<_>>(), vec![4_498, 1]);
        assert_eq!((totals.subtotal, totals.tax_total, totals.total), (4_499, 855, 5_354));
        let mut v = Validator::new();
        price_lines(&mut v, &[line("0", "1.00001", Some("101"), Some("x"))], eur, false);
        let problem = format!("{:?}", v.finish());
        for field in ["quantity", "unit_price", "discount_percent", "tax_rate_percent"] {
            assert!(problem.contains(&format!("/lines/0/{field}")), "{field} in {problem}");
        }
    }
}
