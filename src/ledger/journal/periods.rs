//! Closing periods and reading one account: `/api/v1/books/lock` (nothing is posted on or before
//! the lock date; finance moves it forward, only admin moves it back, and both are audited) and
//! `/api/v1/accounts/{id}/ledger` (an account's posted lines with the running balance).

use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{AccountType, EntryStatus};
use super::repo::{self, EntryFilter};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use std::sync::Arc;

use crate::db::DbConn;
use crate::http::csv::export::{self, EXPORT_PAGE};
use crate::http::csv::{Format, FormatQuery, Negotiated};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::pagination::Page;
use crate::http::pagination::{decode_keys, encode_cursor, page_limit};
use crate::http::reply::{self, Reply};
use crate::ledger::permissions;
use crate::money;
use crate::state::AppState;

const ENTITY: &str = "books";

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BooksLock {
    /// Nothing is posted on or before this day; null: no period is closed.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub lock_date: Option<NaiveDate>,
}

/// The lock date.
#[utoipa::path(
    operation_id = "get_books_lock",
    tag = "journal",
    responses((status = 200, description = "The lock date", body = BooksLock, headers(("ETag" = String))))
)]
#[get("/books/lock")]
pub async fn get_lock(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let (lock_date, version) = db::run(&state.pool, move |conn| Ok(repo::lock(conn)?)).await?;
    Ok(entity_response(&req, StatusCode::OK, &BooksLock { lock_date }, version))
}

/// Closes the books up to a day (finance, admin), or reopens them (moving the date back or
/// clearing it: admin only). Entries still waiting for approval dated on or before the new date
/// must be approved or deleted first (409). Audited.
#[utoipa::path(
    operation_id = "set_books_lock",
    tag = "journal",
    request_body = BooksLock,
    responses(
        (status = 200, description = "The new lock date", body = BooksLock, headers(("ETag" = String))),
        (status = 409, description = "Entries of the period still wait for approval", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/books/lock")]
pub async fn set_lock(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    body: ValidJson<BooksLock>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::LOCK_BOOKS)?;
    let wanted = body.into_inner().lock_date;
    if wanted.is_some_and(|day| day > crate::clock::today()) {
        return Err(ApiError::invalid("/lock_date", "must not be in the future"));
    }
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let (current, version) = repo::lock_for_update(conn)?;
        if_match.check(version)?;
        let reopens = match (current, wanted) {
            (Some(now), Some(new)) => new < now,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if reopens {
            principal.require(&permissions::UNLOCK_BOOKS)?;
        }
        if let Some(day) = wanted {
            let waiting = EntryFilter {
                from: None,
                to: Some(day),
                status: Some(EntryStatus::PendingApproval),
                source_type: None,
                source_id: None,
                account_id: None,
            };
            let pending = repo::entries_page(conn, &waiting, None, 10)?;
            if !pending.is_empty() {
                let ids: Vec<String> = pending.iter().map(|e| e.id.to_string()).collect();
                return Err(ApiError::Conflict(format!(
                    "entries dated on or before {day} wait for approval (ids {}): approve or delete them first",
                    ids.join(", ")
                )));
            }
        }
        repo::set_lock_date(conn, wanted)?;
        let action = if reopens { "books.unlocked" } else { "books.locked" };
        audit::record(
            conn,
            &actor,
            action,
            ENTITY,
            1,
            Some(&BooksLock { lock_date: current }),
            Some(&BooksLock { lock_date: wanted }),
        )?;
        Reply::entity(&BooksLock { lock_date: wanted }, version + 1)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountLedgerQuery {
    /// First day (default: the first of January of `to`'s year).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day (default: today).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Lines per page: default 50, at most 200.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLine {
    pub entry_id: i64,
    pub entry_number: Option<String>,
    pub entry_date: NaiveDate,
    pub memo: String,
    pub debit: String,
    pub credit: String,
    /// The account's balance after this line, on its normal side (assets and expenses: debit
    /// minus credit; the others: credit minus debit).
    pub balance: String,
    pub currency: String,
    pub amount: String,
    pub department_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountLedger {
    pub account_id: i64,
    pub account_code: String,
    pub account_type: AccountType,
    pub base_currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The balance before `from`.
    pub opening_balance: String,
    pub lines: Vec<LedgerLine>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// An account's posted lines over a period, oldest first, each with the running balance. As CSV
/// (`Accept: text/csv` or `?format=csv`) every line of the period from `cursor` on, streamed.
#[utoipa::path(
    operation_id = "get_account_ledger",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id"), AccountLedgerQuery, FormatQuery),
    responses((status = 200, description = "The account's lines (or text/csv)", content((AccountLedger = "application/json"), (String = "text/csv"))))
)]
#[get("/accounts/{id}/ledger")]
pub async fn account_ledger(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    query: web::Query<AccountLedgerQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let id = id.into_inner();
    let query = query.into_inner();
    let limit = page_limit(query.limit, "limit")?;
    let to = query.to.unwrap_or_else(crate::clock::today);
    let from = query.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(ApiError::invalid_parameter("from", "must not be after to"));
    }
    let period = LedgerPeriod { account_id: id, from, to, limit };
    if format == Format::Csv {
        let period = LedgerPeriod { limit: EXPORT_PAGE, ..period };
        let start = query.cursor;
        let pages = move |conn: &mut DbConn, cursor: Option<&str>| {
            let ledger = ledger_page(conn, &period, cursor.or(start.as_deref()))?;
            Ok(Page { items: ledger.lines, next_cursor: ledger.next_cursor })
        };
        let name = format!("ledger-{id}-{from}-{to}.csv");
        return export::stream_pages(&state.pool, &name, Arc::new(pages)).await;
    }
    let cursor = query.cursor;
    let ledger = db::run_heavy(&state.pool, move |conn| ledger_page(conn, &period, cursor.as_deref())).await?;
    Ok(HttpResponse::Ok().json(ledger))
}

#[derive(Debug, Clone, Copy)]
struct LedgerPeriod {
    account_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
}

/// One page of an account's ledger, from `cursor` (a page's `next_cursor`) or from `from`.
fn ledger_page(conn: &mut DbConn, period: &LedgerPeriod, cursor: Option<&str>) -> Result<AccountLedger, ApiError> {
    let LedgerPeriod { account_id: id, from, to, limit } = *period;
    let after = match cursor {
        None | Some("") => None,
        Some(cursor) => {
            let [days, line] = decode_keys::<2>(cursor, "cursor")?;
            let day = NaiveDate::from_num_days_from_ce_opt(days as i32)
                .ok_or_else(|| ApiError::invalid_parameter("cursor", "is not a cursor of this list"))?;
            Some((day, line))
        }
    };
    let account = repo::account(conn, id)?.ok_or(ApiError::NotFound)?;
    let kind = account.kind();
    let base = crate::ledger::base_currency(conn)?;
    let before_from = from.pred_opt().unwrap_or(from);
    let (d, c) = repo::account_totals_through(conn, id, before_from, i64::MAX)?;
    let opening = kind.balance(d, c);
    let (d, c) = match after {
        Some((day, line)) => repo::account_totals_through(conn, id, day, line)?,
        None => (d, c),
    };
    let mut running = kind.balance(d, c);
    let mut rows = repo::account_lines(conn, id, (from, to), after, limit)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|(l, _, _)| encode_cursor(&[i64::from(l.entry_date.num_days_from_ce()), l.id])))
        .flatten();
    let lines = rows
        .into_iter()
        .map(|(line, number, memo)| {
            running += kind.balance(line.debit, line.credit);
            let amount = match line.currency.parse::<money::Currency>() {
                Ok(currency) => money::format_amount(line.amount, currency),
                Err(_) => line.amount.to_string(),
            };
            LedgerLine {
                entry_id: line.entry_id,
                entry_number: number,
                entry_date: line.entry_date,
                memo: if line.memo.is_empty() { memo } else { line.memo },
                debit: money::format_amount(line.debit, base),
                credit: money::format_amount(line.credit, base),
                balance: money::format_amount(running, base),
                currency: line.currency,
                amount,
                department_id: line.department_id,
                customer_id: line.customer_id,
                vendor_id: line.vendor_id,
            }
        })
        .collect();
    Ok(AccountLedger {
        account_id: id,
        account_code: account.code,
        account_type: kind,
        base_currency: base.code().to_string(),
        from,
        to,
        opening_balance: money::format_amount(opening, base),
        lines,
        next_cursor,
    })
}
