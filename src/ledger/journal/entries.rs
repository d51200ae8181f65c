//! `/api/v1/journal-entries`: the journal. Events post their entries themselves; finance writes
//! manual entries (posted at once up to `OPSDESK_JOURNAL_APPROVAL_ABOVE`, above it after another
//! person's approval), reverses posted ones and deletes those still waiting. Posted entries
//! never change.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{EntryRow, EntryStatus, JournalLineRow, LineDimensions, Origin, PostingLine};
use super::post;
use super::repo::{self, EntryFilter};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::{OptionalJson, ValidJson};
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger::permissions;
use crate::money::{self, Currency};
use crate::state::AppState;

pub const ENTITY: &str = "journal_entry";

#[derive(Debug, Serialize, ToSchema)]
pub struct JournalLine {
    pub account_id: i64,
    pub account_code: String,
    /// In the base currency.
    #[schema(example = "120.00")]
    pub debit: String,
    /// In the base currency.
    #[schema(example = "0.00")]
    pub credit: String,
    /// The transaction's currency, its amount (debit positive, credit negative) and the rate
    /// used to the base currency.
    pub currency: String,
    pub amount: String,
    pub rate: String,
    pub department_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
    pub memo: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JournalEntry {
    pub id: i64,
    /// JE-YYYY-NNNNNN, gapless per year; given when the entry is posted.
    pub number: Option<String>,
    pub entry_date: NaiveDate,
    pub memo: String,
    pub origin: Origin,
    pub status: EntryStatus,
    /// The document an event entry comes from (`invoice`, `payment`, `stock_movement`).
    pub source_type: Option<String>,
    pub source_id: Option<i64>,
    /// The entry this one reverses.
    pub reverses_id: Option<i64>,
    /// The base currency the debits and credits are in.
    pub base_currency: String,
    /// The sum of the debits, equal to the sum of the credits.
    pub total: String,
    pub lines: Vec<JournalLine>,
    pub created_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub posted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// Entries with their lines, as the API shows them (one query for the lines of all).
pub fn views(conn: &mut DbConn, rows: Vec<EntryRow>) -> Result<Vec<JournalEntry>, ApiError> {
    let base = crate::ledger::base_currency(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let codes: HashMap<i64, String> = repo::all_accounts(conn)?.into_iter().map(|a| (a.id, a.code)).collect();
    let mut lines: HashMap<i64, Vec<JournalLineRow>> = HashMap::new();
    for line in repo::lines_of(conn, &ids)? {
        lines.entry(line.entry_id).or_default().push(line);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let lines = lines.remove(&row.id).unwrap_or_default();
            view(row, lines, base, &codes)
        })
        .collect())
}

fn view(row: EntryRow, lines: Vec<JournalLineRow>, base: Currency, codes: &HashMap<i64, String>) -> JournalEntry {
    let amount_in = |minor: i64, code: &str| match code.parse::<Currency>() {
        Ok(currency) => money::format_amount(minor, currency),
        Err(_) => minor.to_string(),
    };
    JournalEntry {
        id: row.id,
        number: row.number,
        entry_date: row.entry_date,
        memo: row.memo,
        origin: if row.origin == "manual" { Origin::Manual } else { Origin::Event },
        status: EntryStatus::from_stored(&row.status),
        source_type: row.source_type,
        source_id: row.source_id,
        reverses_id: row.reverses_id,
        base_currency: base.code().to_string(),
        total: money::format_amount(row.total_debit, base),
        lines: lines
            .into_iter()
            .map(|l| JournalLine {
                account_id: l.account_id,
                account_code: codes.get(&l.account_id).cloned().unwrap_or_default(),
                debit: money::format_amount(l.debit, base),
                credit: money::format_amount(l.credit, base),
                amount: amount_in(l.amount, &l.currency),
                currency: l.currency,
                rate: l.rate,
                department_id: l.department_id,
                ticket_id: l.ticket_id,
                customer_id: l.customer_id,
                vendor_id: l.vendor_id,
                employee_id: l.employee_id,
                item_id: l.item_id,
                memo: l.memo,
            })
            .collect(),
        created_by: row.created_by,
        approved_by: row.approved_by,
        posted_at: row.posted_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        version: row.version,
    }
}

fn load_view(conn: &mut DbConn, id: i64) -> Result<JournalEntry, ApiError> {
    let row = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
    views(conn, vec![row])?.pop().ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualLine {
    pub account_id: i64,
    /// Exactly one of debit and credit, more than 0, in `currency`.
    #[schema(example = "250.00")]
    pub debit: Option<String>,
    pub credit: Option<String>,
    /// Default: the base currency. Another currency is converted at the rate of the entry date.
    #[schema(value_type = Option<String>, example = "EUR")]
    pub currency: Option<Currency>,
    pub department_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
    #[schema(max_length = 500)]
    pub memo: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJournalEntry {
    /// Not in the future, not on or before the lock date.
    #[serde(deserialize_with = "crate::dates::date")]
    #[schema(value_type = String, format = Date)]
    pub entry_date: NaiveDate,
    #[schema(max_length = 500)]
    pub memo: String,
    /// At least two; debits equal credits in the base currency.
    #[schema(min_items = 2, max_items = 200)]
    pub lines: Vec<ManualLine>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseJournalEntry {
    /// Default: the entry's own date (or the first open day when that is locked).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub entry_date: Option<NaiveDate>,
    #[schema(max_length = 500)]
    pub memo: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryListQuery {
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    pub status: Option<EntryStatus>,
    /// Only the entries of this kind of document (`invoice`, `payment`, `stock_movement`); with
    /// `source_id`, of one document.
    pub source_type: Option<String>,
    pub source_id: Option<i64>,
    /// Only entries with a line on this account.
    pub account_id: Option<i64>,
}

/// The lines of a manual entry, checked and converted; errors name the line's field.
fn manual_lines(
    conn: &mut DbConn,
    v: &mut Validator,
    day: NaiveDate,
    input: &[ManualLine],
) -> Result<Vec<PostingLine>, ApiError> {
    let base = crate::ledger::base_currency(conn)?;
    let mut lines = Vec::with_capacity(input.len());
    for (i, line) in input.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        match repo::account(conn, line.account_id)? {
            None => v.error(&at("account_id"), "no such account"),
            Some(a) if !a.active => v.error(&at("account_id"), format!("account {} is archived", a.code)),
            Some(_) => {}
        }
        let currency = line.currency.unwrap_or(base);
        let amount = match (&line.debit, &line.credit) {
            (Some(raw), None) => money::parse_amount(raw, currency).map_err(|e| v.error(&at("debit"), e)).ok(),
            (None, Some(raw)) => {
                money::parse_amount(raw, currency).map_err(|e| v.error(&at("credit"), e)).ok().map(|a| -a)
            }
            _ => {
                v.error(&at("debit"), "give exactly one of debit and credit");
                None
            }
        };
        let memo = v.optional_text(&at("memo"), line.memo.clone(), 500).unwrap_or_default();
        let Some(amount) = amount else { continue };
        if amount == 0 {
            v.error(&at(if line.debit.is_some() { "debit" } else { "credit" }), "must be more than 0");
            continue;
        }
        let (rate, base_amount) = match crate::ledger::to_base_on(conn, currency.code(), amount, day) {
            Ok(converted) => converted,
            Err(ApiError::Invalid(errors)) => {
                for e in errors {
                    v.error(&at("currency"), e.detail);
                }
                continue;
            }
            Err(other) => return Err(other),
        };
        lines.push(PostingLine {
            account_id: line.account_id,
            currency: currency.code().to_string(),
            amount,
            rate,
            base: base_amount,
            dims: LineDimensions {
                department_id: line.department_id,
                ticket_id: line.ticket_id,
                customer_id: line.customer_id,
                vendor_id: line.vendor_id,
                employee_id: line.employee_id,
                item_id: line.item_id,
            },
            memo,
        });
    }
    Ok(lines)
}

/// Writes a manual entry (finance, admin): posted at once when its debits are at most
/// `OPSDESK_JOURNAL_APPROVAL_ABOVE` of the base currency, else `pending_approval` until another
/// person approves it.
#[utoipa::path(
    operation_id = "create_journal_entry",
    tag = "journal",
    request_body = CreateJournalEntry,
    responses(
        (status = 201, description = "Posted, or waiting for approval", body = JournalEntry, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Unbalanced, locked period or invalid lines", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/journal-entries")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateJournalEntry>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_JOURNAL)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let memo = v.required_text("/memo", &input.memo, 500);
    v.check(input.entry_date <= crate::clock::today(), "/entry_date", "must not be in the future");
    v.check((2..=200).contains(&input.lines.len()), "/lines", "must hold 2 to 200 lines");
    let threshold = state.config.journal_approval_above;
    let actor = principal.actor();
    let by = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let lines = manual_lines(conn, &mut v, input.entry_date, &input.lines)?;
        v.finish()?;
        let base = crate::ledger::base_currency(conn)?;
        let approval_above =
            money::parse_amount(&threshold.round_dp(base.exponent()).to_string(), base).map_err(ApiError::internal)?;
        let id = post::write_manual(conn, input.entry_date, &memo, lines, by, approval_above)?;
        let view = load_view(conn, id)?;
        audit::record(conn, &actor, "journal_entry.created", ENTITY, id, None, Some(&view))?;
        Reply::created(&view, view.version, &format!("/api/v1/journal-entries/{id}"))
    })
    .await
}

/// Lists entries by id, with filters.
#[utoipa::path(
    operation_id = "list_journal_entries",
    tag = "journal",
    params(PageQuery, EntryListQuery),
    responses((status = 200, description = "A page of entries with their lines", body = Page<JournalEntry>))
)]
#[get("/journal-entries")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<EntryListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let query = query.into_inner();
    let filter = EntryFilter {
        from: query.from,
        to: query.to,
        status: query.status,
        source_type: query.source_type,
        source_id: query.source_id,
        account_id: query.account_id,
    };
    listing
        .answer(&state.pool, "journal-entries", move |conn, page| {
            let rows = repo::entries_page(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(views(conn, rows)?, page.limit, |e| e.id, |e| e))
        })
        .await
}

/// Reads one entry with its lines.
#[utoipa::path(
    operation_id = "get_journal_entry",
    tag = "journal",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, description = "The entry", body = JournalEntry, headers(("ETag" = String))))
)]
#[get("/journal-entries/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let id = id.into_inner();
    let view = db::run(&state.pool, move |conn| load_view(conn, id)).await?;
    Ok(entity_response(&req, StatusCode::OK, &view, view.version))
}

/// Approves and posts an entry waiting for approval (finance, admin; not its writer).
#[utoipa::path(
    operation_id = "approve_journal_entry",
    tag = "journal",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, description = "Posted", body = JournalEntry, headers(("ETag" = String))))
)]
#[post("/journal-entries/{id}/approve")]
pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_JOURNAL)?;
    let id = id.into_inner();
    let actor = principal.actor();
    let by = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        post::approve(conn, &row, by)?;
        let view = load_view(conn, id)?;
        audit::record(conn, &actor, "journal_entry.approved", ENTITY, id, None, Some(&view))?;
        Reply::entity(&view, view.version)
    })
    .await
}

/// Reverses a posted entry (finance, admin): a new posted entry with the same lines on the other
/// side, dated the entry's date or the given day (or the first open day when locked). An entry is
/// reversed once; an event's entry is corrected by its document (void it, delete the payment).
#[utoipa::path(
    operation_id = "reverse_journal_entry",
    tag = "journal",
    params(("id" = i64, Path, description = "Entry id")),
    request_body(content = Option<ReverseJournalEntry>, description = "Optional: the reversal's date and memo"),
    responses(
        (status = 201, description = "The reversal", body = JournalEntry, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "Not posted, reversed already, or an event's entry", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/journal-entries/{id}/reversal")]
pub async fn reverse(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: OptionalJson<ReverseJournalEntry>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_JOURNAL)?;
    let id = id.into_inner();
    let input = body.0.unwrap_or_default();
    let mut v = Validator::new();
    let memo = v.optional_text("/memo", input.memo, 500);
    if let Some(day) = input.entry_date {
        v.check(day <= crate::clock::today(), "/entry_date", "must not be in the future");
    }
    v.finish()?;
    let actor = principal.actor();
    let by = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
        if row.origin == Origin::Event.as_str() {
            return Err(ApiError::Conflict(format!(
                "journal entry {} was posted by its {}: correct the document and it restates its entry",
                id,
                row.source_type.as_deref().unwrap_or("document")
            )));
        }
        if let Some(day) = input.entry_date {
            post::check_open(conn, day, "/entry_date")?;
        }
        let memo = memo.unwrap_or_else(|| format!("reverses {}", row.number.as_deref().unwrap_or("?")));
        let reversal = post::reverse(conn, &row, input.entry_date, &memo, Some(by))?;
        let view = load_view(conn, reversal)?;
        audit::record(conn, &actor, "journal_entry.reversed", ENTITY, id, None, Some(&view))?;
        Reply::created(&view, view.version, &format!("/api/v1/journal-entries/{reversal}"))
    })
    .await
}

/// Deletes an entry still waiting for approval (finance, admin). A posted entry is reversed,
/// never deleted. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_journal_entry",
    tag = "journal",
    params(("id" = i64, Path, description = "Entry id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Posted: reverse it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/journal-entries/{id}")]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_JOURNAL)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let view = load_view(conn, id)?;
        if_match.check(view.version)?;
        if view.status == EntryStatus::Posted {
            return Err(ApiError::Conflict(format!("journal entry {id} is posted: reverse it instead")));
        }
        if !repo::delete_pending(conn, id, view.version)? {
            return Err(ApiError::changed_concurrently("journal entry"));
        }
        audit::record(conn, &actor, "journal_entry.deleted", ENTITY, id, Some(&view), None)?;
        Ok(Reply::no_content())
    })
    .await
}
