//! `/api/v1/accounts` (the chart of accounts) and `/api/v1/posting-map` (which account each kind
//! of event posts to). Finance and admin change both; those who read the books read them. An
//! account that lines or the map point at is in use: it is archived (`active: false`), never
//! deleted.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{AccountRow, AccountType};
use super::repo::{self, AccountFilter, MapRow};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger::permissions;
use crate::state::AppState;

pub const ENTITY: &str = "account";
const MAP_ENTITY: &str = "posting_map";

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    /// Unique, 1 to 20 characters of A-Z, 0-9, `.` and `-`.
    pub code: String,
    pub name: String,
    pub account_type: AccountType,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<&AccountRow> for Account {
    fn from(r: &AccountRow) -> Account {
        Account {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            account_type: r.kind(),
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    #[schema(example = "6400", pattern = r"^[A-Z0-9.\-]{1,20}$")]
    pub code: String,
    #[schema(example = "Training", max_length = 200)]
    pub name: String,
    pub account_type: AccountType,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    #[schema(pattern = r"^[A-Z0-9.\-]{1,20}$")]
    pub code: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// false archives the account: it takes no new manual lines and no new mapping.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListQuery {
    pub account_type: Option<AccountType>,
    pub active: Option<bool>,
}

fn code(v: &mut Validator, raw: &str) -> String {
    let code = raw.trim().to_uppercase();
    let valid = (1..=20).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.' || c == '-');
    v.check(valid, "/code", "must be 1 to 20 characters of A-Z, 0-9, . and -");
    code
}

fn name(v: &mut Validator, raw: &str) -> String {
    v.required_text("/name", raw, 200)
}

fn code_taken(code: &str) -> impl Fn(diesel::result::Error) -> ApiError + '_ {
    move |e| {
        if db::is_unique_violation(&e) {
            ApiError::Conflict(format!("an account with code {code} exists"))
        } else {
            e.into()
        }
    }
}

/// Adds an account to the chart (finance, admin).
#[utoipa::path(
    operation_id = "create_account",
    tag = "accounts",
    request_body = CreateAccount,
    responses(
        (status = 201, description = "Added", body = Account, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateAccount>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_CHART)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let code = code(&mut v, &input.code);
    let name = name(&mut v, &input.name);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let id = repo::insert_account(conn, &code, &name, input.account_type.as_str()).map_err(code_taken(&code))?;
        let row = repo::account(conn, id)?.ok_or(ApiError::NotFound)?;
        let view = Account::from(&row);
        audit::record(conn, &actor, "account.created", ENTITY, id, None, Some(&view))?;
        Reply::created(&view, row.version, &format!("/api/v1/accounts/{id}"))
    })
    .await
}

/// Lists the chart by id, with filters.
#[utoipa::path(
    operation_id = "list_accounts",
    tag = "accounts",
    params(PageQuery, AccountListQuery),
    responses((status = 200, description = "A page of accounts", body = Page<Account>))
)]
#[get("/accounts")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<AccountListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let filter =
        AccountFilter { account_type: query.account_type.map(|t| t.as_str().to_string()), active: query.active };
    listing
        .answer(&state.pool, "accounts", move |conn, page| {
            let rows = repo::accounts_page(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Account::from(&r)))
        })
        .await
}

/// Reads one account.
#[utoipa::path(
    operation_id = "get_account",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = Account, headers(("ETag" = String))))
)]
#[get("/accounts/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| repo::account(conn, id)?.ok_or(ApiError::NotFound)).await?;
    Ok(entity_response(&req, StatusCode::OK, &Account::from(&row), row.version))
}

/// Renames, recodes or archives an account (finance, admin). Its type does not change once set:
/// a different type is a new account. Honors If-Match.
#[utoipa::path(
    operation_id = "update_account",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "Updated", body = Account, headers(("ETag" = String))),
        (status = 409, description = "The code is taken, or the posting map still names the account being archived", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/accounts/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateAccount>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_CHART)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let new_code = input.code.as_deref().map(|c| code(&mut v, c));
    let new_name = input.name.as_deref().map(|n| name(&mut v, n));
    v.finish()?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::account(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let active = input.active.unwrap_or(row.active);
        if !active && row.active {
            let events = repo::events_posting_to(conn, id)?;
            if !events.is_empty() {
                return Err(ApiError::Conflict(format!(
                    "account {} is named by the posting map for {}: point those events elsewhere first",
                    row.code,
                    events.join(", ")
                )));
            }
        }
        let code = new_code.unwrap_or_else(|| row.code.clone());
        let name = new_name.unwrap_or_else(|| row.name.clone());
        if !repo::update_account(conn, id, row.version, &code, &name, active).map_err(code_taken(&code))? {
            return Err(ApiError::changed_concurrently("account"));
        }
        let after = repo::account(conn, id)?.ok_or(ApiError::NotFound)?;
        let (before, view) = (Account::from(&row), Account::from(&after));
        audit::record(conn, &actor, "account.updated", ENTITY, id, Some(&before), Some(&view))?;
        Reply::entity(&view, after.version)
    })
    .await
}

/// Deletes an account that nothing points at (finance, admin). One with posted lines or named
/// by the posting map is in use: 409, archive it instead. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_account",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "In use: archive it instead", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/accounts/{id}")]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_CHART)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::account(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let in_use = || {
            ApiError::Conflict(format!("account {} is in use; archive it with PATCH {{\"active\": false}}", row.code))
        };
        if repo::has_lines(conn, id)? || !repo::events_posting_to(conn, id)?.is_empty() {
            return Err(in_use());
        }
        match repo::delete_account(conn, id, row.version) {
            Err(e) if db::is_foreign_key_violation(&e) => return Err(in_use()),
            Ok(false) => return Err(ApiError::changed_concurrently("account")),
            other => other?,
        };
        audit::record(conn, &actor, "account.deleted", ENTITY, id, Some(&Account::from(&row)), None)?;
        Ok(Reply::no_content())
    })
    .await
}

/// One event of the posting map and the account it posts to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mapping {
    /// `bank`, `receivables`, `payables`, `inventory`, `goods_received`, `input_tax`,
    /// `output_tax` (and `output_tax.RATE`/`input_tax.RATE` for one rate in hundredths of a
    /// percent, e.g. `output_tax.2000`), `revenue.time`, `revenue.parts`, `revenue.other`,
    /// `materials`, `stock_adjustment`, `expense.CATEGORY`, `fx_gain`, `fx_loss`, `accrued_payroll`,
    /// `retained_earnings`.
    pub event: String,
    pub account_id: i64,
    pub account_code: String,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostingMap {
    pub items: Vec<Mapping>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMapping {
    pub account_id: i64,
}

fn mapping(row: &MapRow, accounts: &[AccountRow]) -> Mapping {
    Mapping {
        event: row.event.clone(),
        account_id: row.account_id,
        account_code: accounts.iter().find(|a| a.id == row.account_id).map(|a| a.code.clone()).unwrap_or_default(),
        updated_at: row.updated_at.and_utc(),
        version: row.version,
    }
}

/// Whether `event` is one the books post (see [`Mapping::event`]).
fn known_event(event: &str) -> bool {
    const FIXED: [&str; 13] = [
        "bank",
        "receivables",
        "payables",
        "inventory",
        "goods_received",
        "input_tax",
        "output_tax",
        "materials",
        "stock_adjustment",
        "fx_gain",
        "fx_loss",
        "accrued_payroll",
        "retained_earnings",
    ];
    const CATEGORIES: [&str; 7] = ["labour", "materials", "services", "software", "travel", "facilities", "other"];
    if FIXED.contains(&event) {
        return true;
    }
    match event.split_once('.') {
        Some(("revenue", kind)) => ["time", "parts", "other"].contains(&kind),
        Some(("expense", category)) => CATEGORIES.contains(&category),
        Some(("output_tax" | "input_tax", rate)) => rate.parse::<u32>().is_ok_and(|r| r <= 10_000),
        _ => false,
    }
}

/// The posting map: every event and its account.
#[utoipa::path(
    operation_id = "get_posting_map",
    tag = "accounts",
    params(FormatQuery),
    responses((status = 200, description = "Every event and its account", body = PostingMap))
)]
#[get("/posting-map")]
pub async fn posting_map(
    state: web::Data<AppState>,
    principal: Principal,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_BOOKS)?;
    let (rows, accounts) =
        db::run(&state.pool, move |conn| Ok((repo::posting_map(conn)?, repo::all_accounts(conn)?))).await?;
    let map = PostingMap { items: rows.iter().map(|r| mapping(r, &accounts)).collect() };
    csv::report::<Mapping, _>(format, "posting-map.csv", &map, "/items")
}

/// Points an event at an account (finance, admin): from now on, events post there; what was
/// posted stays where it is. A tax rate's own event (`output_tax.2000`) may be added. Honors
/// If-Match for an event already mapped.
#[utoipa::path(
    operation_id = "set_posting_map_event",
    tag = "accounts",
    params(("event" = String, Path, description = "The event, e.g. `expense.travel`")),
    request_body = SetMapping,
    responses((status = 200, description = "The event's mapping", body = Mapping, headers(("ETag" = String))))
)]
#[put("/posting-map/{event}")]
pub async fn set_mapping(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    event: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<SetMapping>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_CHART)?;
    let event = event.into_inner();
    if !known_event(&event) {
        return Err(ApiError::invalid_parameter(
            "event",
            "is not an event the books post; see GET /api/v1/posting-map",
        ));
    }
    let account_id = body.into_inner().account_id;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let mut v = Validator::new();
        match repo::account(conn, account_id)? {
            None => v.error("/account_id", "no such account"),
            Some(a) if !a.active => v.error("/account_id", format!("account {} is archived", a.code)),
            Some(_) => {}
        }
        v.finish()?;
        let before = repo::mapped(conn, &event)?;
        if let Some(row) = &before {
            if_match.check(row.version)?;
        }
        if !repo::set_mapping(conn, &event, account_id, before.as_ref().map(|r| r.version))? {
            return Err(ApiError::changed_concurrently("posting map"));
        }
        let accounts = repo::all_accounts(conn)?;
        let after = repo::mapped(conn, &event)?.ok_or(ApiError::NotFound)?;
        let view = mapping(&after, &accounts);
        let before_view = before.as_ref().map(|r| mapping(r, &accounts));
        audit::record(conn, &actor, "posting_map.set", MAP_ENTITY, 0, before_view.as_ref(), Some(&view))?;
        Reply::entity(&view, after.version)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::known_event;

    #[test]
    fn the_map_knows_the_events_the_books_post() {
        for event in ["bank", "revenue.time", "expense.travel", "output_tax.2000", "input_tax.0"] {
            assert!(known_event(event), "{event}");
        }
        for event in ["", "revenue.gifts", "expense.", "output_tax.20.5", "output_tax.99999", "cash"] {
            assert!(!known_event(event), "{event}");
        }
    }
}
