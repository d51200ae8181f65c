//! Time entries: `/api/v1/tickets/{id}/time-entries` and `/api/v1/time-entries`.
//!
//! An entry's cost is its minutes at the employee's hourly cost rate in force on the work date,
//! half-up to the minor unit, written with the entry: a later rate change never rewrites it. A
//! billable entry carries the desk's billing rate and amount, and an invoice marker that the
//! finance module sets. The department is the one owning the ticket's desk when the entry is
//! written: the budget the labour is charged to.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::TicketAccess;
use super::api::visible_ticket;
use super::model::{amount_for_minutes, TicketRow, TimeEntryRow};
use super::repo::tickets as ticket_repo;
use super::repo::time_entries::{self as repo, DayFull, NewTimeEntry, TimeEntryFilter, Valuation, MINUTES_PER_DAY};
use crate::audit;
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::employees::{self, model::EmployeeStatus};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::{nullable, ValidJson};
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::ledger;
use crate::money::{self, Currency, Money};
use crate::state::AppState;

pub const ENTITY: &str = "time_entry";

/// Time worked on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeEntry {
    pub id: i64,
    pub ticket_id: i64,
    pub desk_id: i64,
    /// The department whose budget bears this labour (the desk's owner when it was logged).
    pub department_id: i64,
    pub employee_id: i64,
    pub work_date: NaiveDate,
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i32,
    pub billable: bool,
    pub note: Option<String>,
    /// The employee's hourly cost rate on the work date. Only for hr, finance, admin, auditor
    /// and the employee themself; absent for others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_cost_rate: Option<Money>,
    /// minutes / 60 × hourly_cost_rate, half-up to the minor unit, fixed when written. Shown to
    /// the same callers as the rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    /// The hourly billing rate of billable work; null when not billable.
    pub billing_rate: Option<Money>,
    /// minutes / 60 × billing_rate, half-up; null when not billable.
    pub billable_amount: Option<Money>,
    /// Set by the finance module when the entry is billed; an invoiced entry cannot change.
    pub invoiced: bool,
    pub invoice_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TimeEntry {
    fn new(row: &TimeEntryRow, shows_cost: bool) -> TimeEntry {
        let billing = |amount: Option<i64>| match (amount, &row.billing_currency) {
            (Some(amount), Some(currency)) => Some(Money::new(amount, currency)),
            _ => None,
        };
        TimeEntry {
            id: row.id,
            ticket_id: row.ticket_id,
            desk_id: row.desk_id,
            department_id: row.department_id,
            employee_id: row.employee_id,
            work_date: row.work_date,
            minutes: row.minutes,
            billable: row.billable,
            note: row.note.clone(),
            hourly_cost_rate: shows_cost.then(|| Money::new(row.hourly_cost_rate, &row.cost_currency)),
            cost: shows_cost.then(|| Money::new(row.cost, &row.cost_currency)),
            billing_rate: billing(row.billing_rate),
            billable_amount: billing(row.billable_amount),
            invoiced: row.invoice_id.is_some(),
            invoice_id: row.invoice_id,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }

    fn for_viewer(row: &TimeEntryRow, access: &TicketAccess) -> TimeEntry {
        TimeEntry::new(row, access.sees_cost_of(row.employee_id))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeEntry {
    /// Whose time; defaults to the caller's own employee record. Logging for someone else takes
    /// an agent of the desk, ops or admin.
    pub employee_id: Option<i64>,
    /// Not in the future.
    #[serde(deserialize_with = "crate::dates::date")]
    pub work_date: NaiveDate,
    /// At most 1440 minutes a day per person, over all their entries.
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i32,
    /// Billed to the customer at the desk's rate. Default false.
    pub billable: Option<bool>,
    #[schema(max_length = 1000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
}

/// Only the fields sent change; the entry is valued again (cost rate on the work date). An
/// invoiced entry cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTimeEntry {
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub work_date: Option<NaiveDate>,
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: Option<i32>,
    pub billable: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<Option<String>>,
}

/// Filters of `GET /time-entries`; all of them combine. Dates are work dates, both ends included.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeEntryListQuery {
    pub ticket_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub desk_id: Option<i64>,
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
}

/// The entry's worth on `work_date`: the cost rate in force then, and for billable work the
/// desk's billing rate (`billing`: the rate already on the entry, kept when it stays billable).
#[allow(clippy::too_many_arguments)]
pub(crate) fn value(
    conn: &mut DbConn,
    v: &mut Validator,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    billable: bool,
    note: Option<String>,
    billing: Option<(i64, String)>,
) -> Result<Option<Valuation>, ApiError> {
    let Some(rate) = employees::rate_on(conn, employee_id, work_date)? else {
        v.error(
            "/work_date",
            format!("the employee has no hourly cost rate in force on {work_date}; hr records one first"),
        );
        return Ok(None);
    };
    let currency: Currency = rate.currency.parse().map_err(ApiError::internal)?;
    let too_much = |what: &str| ApiError::invalid("/minutes", format!("the entry's {what} {}", money::LIMIT_TEXT));
    let cost = amount_for_minutes(minutes, rate.hourly_cost_rate, currency).ok_or_else(|| too_much("cost"))?;
    let billing = match (billable, billing) {
        (false, _) => None,
        (true, Some((rate, code))) => {
            let currency: Currency = code.parse().map_err(ApiError::internal)?;
            let amount = amount_for_minutes(minutes, rate, currency).ok_or_else(|| too_much("billable amount"))?;
            Some((rate, code, amount))
        }
        (true, None) => None,
    };
    Ok(Some(Valuation {
        work_date,
        minutes,
        billable,
        note,
        hourly_cost_rate: rate.hourly_cost_rate,
        cost,
        cost_currency: rate.currency,
        billing,
    }))
}

/// The desk's current billing rate: (rate, currency).
fn desk_billing_rate(conn: &mut DbConn, desk_id: i64) -> Result<(i64, String), ApiError> {
    let desk = super::repo::desk(conn, desk_id)?.ok_or(ApiError::NotFound)?;
    Ok((desk.billing_rate, desk.currency))
}

/// Checks the person and the day: an employee who is not terminated, a work date within their
/// employment and not in the future, and at most 24 hours logged on that day.
fn check_person_and_day(
    conn: &mut DbConn,
    v: &mut Validator,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let Some(person) = employees::employee(conn, employee_id)? else {
        v.error("/employee_id", "no such employee");
        return Ok(());
    };
    if EmployeeStatus::from_stored(&person.status) == EmployeeStatus::Terminated {
        v.error("/employee_id", format!("{} is terminated; nobody logs time for them", person.employee_number));
    }
    v.check(work_date <= crate::clock::today(), "/work_date", "must not be in the future");
    v.check(work_date >= person.start_date, "/work_date", format!("is before {}'s start date", person.employee_number));
    let logged = repo::minutes_on(conn, employee_id, work_date, except)?;
    if logged + i64::from(minutes) > i64::from(MINUTES_PER_DAY) {
        v.error("/minutes", day_full(&person.employee_number, work_date, DayFull { logged }));
    }
    Ok(())
}

/// What a full day is told. The check above reads the entries; under parallel writes the day's
/// row in `employee_day_minutes`, taken by each write, has the last word (`repo::insert`).
fn day_full(employee_number: &str, work_date: NaiveDate, full: DayFull) -> String {
    format!("{employee_number} already has {} minutes on {work_date}; a day has {MINUTES_PER_DAY}", full.logged)
}

fn day_full_error(conn: &mut DbConn, employee_id: i64, work_date: NaiveDate, full: DayFull) -> ApiError {
    let number = employees::employee(conn, employee_id)
        .ok()
        .flatten()
        .map(|e| e.employee_number)
        .unwrap_or_else(|| format!("employee {employee_id}"));
    ApiError::invalid("/minutes", day_full(&number, work_date, full))
}

/// What the ticket's history says of an entry: the work, not its cost (the history's readers
/// need not see costs).
#[derive(Serialize)]
struct LoggedWork {
    time_entry_id: i64,
    employee_id: i64,
    work_date: NaiveDate,
    minutes: i32,
    billable: bool,
}

/// Records a change of the time on a ticket in the ticket's own history too, so that
/// `GET /tickets/{id}/history` tells every change to the ticket.
fn record_on_ticket(
    conn: &mut DbConn,
    actor: &audit::Actor,
    action: &str,
    before: Option<&TimeEntryRow>,
    after: Option<&TimeEntryRow>,
) -> Result<(), ApiError> {
    let work = |row: &TimeEntryRow| LoggedWork {
        time_entry_id: row.id,
        employee_id: row.employee_id,
        work_date: row.work_date,
        minutes: row.minutes,
        billable: row.billable,
    };
    let ticket_id = after.or(before).map(|r| r.ticket_id).unwrap_or_default();
    let (before, after) = (before.map(work), after.map(work));
    audit::record(conn, actor, action, super::api::ENTITY, ticket_id, before.as_ref(), after.as_ref())
}

fn open_for_time(ticket: &TicketRow) -> Result<(), ApiError> {
    if ticket.status().is_final() {
        return Err(ApiError::Conflict(format!("{} is {}; nobody logs time on it", ticket.reference, ticket.status)));
    }
    Ok(())
}

/// Logs time on a ticket: one's own on a ticket one sees, or anyone's as an agent of the desk,
/// ops or admin. Not on a closed or cancelled ticket, not for a terminated employee.
#[utoipa::path(
    operation_id = "create_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = CreateTimeEntry,
    responses(
        (status = 201, description = "Logged", body = TimeEntry, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/time-entries")]
pub async fn create_on_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: ValidJson<CreateTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let note = v.optional_text("/note", input.note, 1000);
    v.check((1..=1440).contains(&input.minutes), "/minutes", "must be 1 to 1440");
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let ticket = visible_ticket(conn, &access, ticket_id)?;
        let Some(employee_id) = input.employee_id.or(access.employee_id) else {
            let missing = "is required: your account is not linked to an employee";
            return Err(ApiError::invalid("/employee_id", missing));
        };
        if !access.may_log_for(employee_id, ticket.desk_id) {
            return Err(ApiError::Forbidden("only the desk's agents, ops and admin log time for others".into()));
        }
        open_for_time(&ticket)?;
        check_person_and_day(conn, &mut v, employee_id, input.work_date, input.minutes, None)?;
        let billable = input.billable.unwrap_or(false);
        let billing = if billable { Some(desk_billing_rate(conn, ticket.desk_id)?) } else { None };
        let valuation = value(conn, &mut v, employee_id, input.work_date, input.minutes, billable, note, billing)?;
        v.finish()?;
        let valuation = valuation.ok_or_else(|| ApiError::internal("valuation missing after validation"))?;
        let department_id = super::repo::desk(conn, ticket.desk_id)?.ok_or(ApiError::NotFound)?.department_id;
        let work_date = valuation.work_date;
        let new = NewTimeEntry {
            ticket_id,
            desk_id: ticket.desk_id,
            department_id,
            employee_id,
            created_by: Some(user_id),
            valuation,
        };
        let row = match repo::insert(conn, &new)? {
            Ok(row) => row,
            Err(full) => return Err(day_full_error(conn, employee_id, work_date, full)),
        };
        book(conn, &row, ticket.requester_customer_id)?;
        ticket_repo::add_time_spent(conn, ticket_id, i64::from(row.minutes))?;
        ticket_repo::touch(conn, ticket_id, db::now())?;
        audit::record(conn, &actor, "time_entry.created", ENTITY, row.id, None, Some(&TimeEntry::new(&row, true)))?;
        record_on_ticket(conn, &actor, "ticket.time_logged", None, Some(&row))?;
        let entry = TimeEntry::for_viewer(&row, &access);
        Reply::created(&entry, entry.version, &format!("/api/v1/time-entries/{}", entry.id))
    })
    .await
}

/// What an entry books: its cost as labour on its work date, charged to the desk's department,
/// the ticket, the ticket's customer and the person.
pub fn labour_entries(row: &TimeEntryRow, customer_id: Option<i64>) -> Vec<ledger::Entry> {
    vec![ledger::Entry {
        occurred_on: row.work_date,
        kind: ledger::Kind::Labour,
        category: "labour".into(),
        currency: row.cost_currency.clone(),
        amount: row.cost,
        quantity: i64::from(row.minutes),
        dims: ledger::Dimensions {
            department_id: Some(row.department_id),
            desk_id: Some(row.desk_id),
            ticket_id: Some(row.ticket_id),
            customer_id,
            employee_id: Some(row.employee_id),
            ..Default::default()
        },
        source_line_id: None,
    }]
}

/// Books every entry (once, when the cost book is opened on data older than it).
pub fn book_existing(conn: &mut DbConn) -> Result<(), ApiError> {
    let mut after = 0;
    loop {
        let rows = repo::all_after(conn, after, 1000)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.id;
        let tickets: Vec<i64> = rows.iter().map(|r| r.ticket_id).collect();
        let customers = ticket_repo::customers_of(conn, &tickets)?;
        let batch: Vec<_> = rows
            .iter()
            .map(|row| {
                (ledger::Source::time_entry(row.id), labour_entries(row, customers.get(&row.ticket_id).copied()))
            })
            .collect();
        ledger::post_older(conn, &batch)?;
    }
}

/// Books an entry as it stands now (a changed entry: its old line reversed, the new one booked).
fn book(conn: &mut DbConn, row: &TimeEntryRow, customer_id: Option<i64>) -> Result<(), ApiError> {
    ledger::restate(conn, ledger::Source::time_entry(row.id), &labour_entries(row, customer_id))
}

/// A page of entries: on one ticket (`on_ticket`), everything on it for whoever sees the
/// ticket; across tickets, those of desks the caller works and their own unless they see all.
async fn entries_page(
    state: &AppState,
    principal: Principal,
    page: &PageQuery,
    mut filter: TimeEntryFilter,
    on_ticket: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    let page = page.parse()?;
    filter.updated_since = page.updated_since;
    let limit = page.limit;
    let body = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        match on_ticket {
            Some(ticket_id) => {
                visible_ticket(conn, &access, ticket_id)?;
                filter.ticket_id = Some(ticket_id);
            }
            None if !access.sees_all => filter.scope = Some((access.agent_desks.clone(), access.employee_id)),
            None => {}
        }
        let rows = repo::list(conn, &filter, page.after, limit)?;
        Ok(Page::from_rows(rows, limit, |r| r.id, |r| TimeEntry::for_viewer(&r, &access)))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The time logged on a ticket, by work date.
#[utoipa::path(
    operation_id = "list_ticket_time_entries",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "A page of time entries", body = Page<TimeEntry>))
)]
#[get("/tickets/{id}/time-entries")]
pub async fn list_on_ticket(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    entries_page(&state, principal, &page, TimeEntryFilter::default(), Some(id.into_inner())).await
}

/// Time entries across tickets, by work date: the source of labour cost, billing and budget
/// actuals. ops,
/// finance, admin and auditor see all; others the entries of desks they work and their own.
#[utoipa::path(
    operation_id = "list_time_entries",
    tag = "time-entries",
    params(PageQuery, TimeEntryListQuery),
    responses((status = 200, description = "A page of time entries", body = Page<TimeEntry>))
)]
#[get("/time-entries")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageQuery>,
    query: web::Query<TimeEntryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = TimeEntryFilter {
        scope: None,
        ticket_id: query.ticket_id,
        employee_id: query.employee_id,
        desk_id: query.desk_id,
        department_id: query.department_id,
        from: query.from,
        to: query.to,
        billable: query.billable,
        invoiced: query.invoiced,
        updated_since: None,
    };
    entries_page(&state, principal, &page, filter, None).await
}

/// Loads an entry the caller may see: on a ticket they see, or their own.
fn visible_entry(conn: &mut DbConn, access: &TicketAccess, id: i64) -> Result<(TimeEntryRow, TicketRow), ApiError> {
    let entry = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
    let ticket = ticket_repo::ticket(conn, entry.ticket_id)?.ok_or(ApiError::NotFound)?;
    if access.can_see(&ticket) || access.employee_id == Some(entry.employee_id) {
        Ok((entry, ticket))
    } else {
        Err(ApiError::NotFound)
    }
}

/// Reads one time entry.
#[utoipa::path(
    operation_id = "get_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    responses((status = 200, description = "The entry", body = TimeEntry, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/time-entries/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entry = db::run(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let (row, _) = visible_entry(conn, &access, id)?;
        Ok(TimeEntry::for_viewer(&row, &access))
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &entry, entry.version))
}

/// Checks that the caller may change or remove the entry, and that it still can be.
fn check_changeable(access: &TicketAccess, entry: &TimeEntryRow, ticket: &TicketRow) -> Result<(), ApiError> {
    if !access.may_log_for(entry.employee_id, entry.desk_id) {
        return Err(ApiError::Forbidden("only the person, the desk's agents, ops and admin change this time".into()));
    }
    if entry.invoice_id.is_some() {
        return Err(ApiError::Conflict("the entry is invoiced; finance corrects it with a credit note".into()));
    }
    open_for_time(ticket)
}

/// Changes an entry and values it again at the cost rate of its (new) work date. Honors If-Match.
#[utoipa::path(
    operation_id = "update_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    request_body = UpdateTimeEntry,
    responses(
        (status = 200, description = "Updated", body = TimeEntry, headers(("ETag" = String))),
        (status = 409, description = "Invoiced, or the ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/time-entries/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let input = body.into_inner();
    // The shape of the body is checked before anything else, If-Match included.
    let mut shape = Validator::new();
    let note = input.note.map(|note| shape.optional_text("/note", note, 1000));
    if let Some(minutes) = input.minutes {
        shape.check((1..=1440).contains(&minutes), "/minutes", "must be 1 to 1440");
    }
    shape.finish()?;
    let actor = principal.actor();
    let entry = db::run_write(&state.pool, move |conn| {
        let mut v = Validator::new();
        let access = TicketAccess::load(conn, &principal)?;
        let (row, ticket) = visible_entry(conn, &access, id)?;
        check_changeable(&access, &row, &ticket)?;
        if_match.check(row.version)?;
        let work_date = input.work_date.unwrap_or(row.work_date);
        let minutes = input.minutes.unwrap_or(row.minutes);
        let billable = input.billable.unwrap_or(row.billable);
        check_person_and_day(conn, &mut v, row.employee_id, work_date, minutes, Some(id))?;
        let billing = match (billable, row.billing_rate, row.billing_currency.clone()) {
            (false, _, _) => None,
            (true, Some(rate), Some(currency)) => Some((rate, currency)),
            (true, _, _) => Some(desk_billing_rate(conn, row.desk_id)?),
        };
        let note = note.unwrap_or_else(|| row.note.clone());
        let valuation = value(conn, &mut v, row.employee_id, work_date, minutes, billable, note, billing)?;
        v.finish()?;
        let valuation = valuation.ok_or_else(|| ApiError::internal("valuation missing after validation"))?;
        match repo::revalue(conn, id, row.version, &valuation)? {
            Ok(true) => {}
            Ok(false) => return Err(ApiError::changed_concurrently("time entry")),
            Err(full) => return Err(day_full_error(conn, row.employee_id, work_date, full)),
        }
        ticket_repo::add_time_spent(conn, row.ticket_id, i64::from(minutes) - i64::from(row.minutes))?;
        ticket_repo::touch(conn, row.ticket_id, db::now())?;
        let after = repo::entry(conn, id)?.ok_or(ApiError::NotFound)?;
        book(conn, &after, ticket.requester_customer_id)?;
        audit::record(
            conn,
            &actor,
            "time_entry.updated",
            ENTITY,
            id,
            Some(&TimeEntry::new(&row, true)),
            Some(&TimeEntry::new(&after, true)),
        )?;
        record_on_ticket(conn, &actor, "ticket.time_changed", Some(&row), Some(&after))?;
        Ok(TimeEntry::for_viewer(&after, &access))
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &entry, entry.version))
}

/// Removes an entry that is not invoiced, from a ticket that is not closed. Honors If-Match.
#[utoipa::path(
    operation_id = "delete_time_entry",
    tag = "time-entries",
    params(("id" = i64, Path, description = "Time entry id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "Invoiced, or the ticket is closed or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/time-entries/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = principal.actor();
    db::run_write(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        let (row, ticket) = visible_entry(conn, &access, id)?;
        check_changeable(&access, &row, &ticket)?;
        if_match.check(row.version)?;
        if !repo::delete(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("time entry"));
        }
        ledger::reverse(conn, ledger::Source::time_entry(id))?;
        ticket_repo::add_time_spent(conn, row.ticket_id, -i64::from(row.minutes))?;
        ticket_repo::touch(conn, row.ticket_id, db::now())?;
        audit::record(conn, &actor, "time_entry.deleted", ENTITY, id, Some(&TimeEntry::new(&row, true)), None)?;
        record_on_ticket(conn, &actor, "ticket.time_removed", Some(&row), None)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
