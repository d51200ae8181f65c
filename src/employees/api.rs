//! `/api/v1/employees`: people's records: creating, listing, reading and changing them. Everyone
//! signed in reads the directory view; hr, finance, admin, auditor and the person themself read
//! the full view; hr and admin write. The status lifecycle is in `lifecycle.rs`, reporting lines
//! in `org.rs`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::model::{self, EmployeeRow, EmployeeStatus, Visibility};
use super::permissions;
use super::repo::{self, EmployeeFields, EmployeeFilter};
use super::views::*;
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users;
use crate::auth::users::model::{normalize_email, normalize_name};
use crate::clock::today;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

pub const ENTITY: &str = "employee";

/// Checks what the fields refer to: the department (existing, and active when newly assigned),
/// the manager (an active employee, and no loop in the reporting line), the user account (existing
/// and not linked to someone else), and the dates.
pub fn check_references(
    conn: &mut DbConn,
    v: &mut Validator,
    fields: &EmployeeFields,
    before: Option<&EmployeeRow>,
) -> Result<(), ApiError> {
    super::check_department_choice(conn, v, fields.department_id, before.map(|b| b.department_id))?;
    if let Some(manager_id) = fields.manager_id {
        let acceptable = super::check_manager_choice(conn, v, manager_id, before.and_then(|b| b.manager_id))?;
        if let (true, Some(me)) = (acceptable, before) {
            let above: Vec<i64> = repo::managers_above(conn, manager_id)?.into_iter().map(|e| e.id).collect();
            if model::closes_cycle(me.id, manager_id, &above) {
                v.error("/manager_id", "would make the reporting line a loop");
            }
        }
    }
    if let Some(user_id) = fields.user_id {
        if users::find_optional(conn, user_id)?.is_none() {
            v.error("/user_id", "no such user");
        } else if let Some(linked) = repo::employee_by_user(conn, user_id)? {
            if before.is_none_or(|b| b.id != linked.id) {
                v.error("/user_id", format!("is already linked to {}", linked.employee_number));
            }
        }
    }
    if let Some(birth) = fields.birth_date {
        v.check(birth < today(), "/birth_date", "must be in the past");
    }
    if let Some(end) = before.and_then(|b| b.end_date) {
        v.check(fields.start_date <= end, "/start_date", "must not be after the end date");
    }
    Ok(())
}

/// Read access to one person: visible to everyone as directory, fully to some.
pub(super) fn view_of(
    principal: &Principal,
    row: &EmployeeRow,
    current: Option<&super::model::CompensationRow>,
) -> EmployeeView {
    EmployeeView::new(row, current, model::visibility(principal, row.user_id))
}

/// Loads a person with their current compensation when the caller sees the full view.
pub async fn load_view(state: &AppState, principal: &Principal, id: i64) -> Result<(EmployeeView, i64), ApiError> {
    let principal = principal.clone();
    db::run(&state.pool, move |conn| {
        let row = repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
        let current = match model::visibility(&principal, row.user_id) {
            Visibility::Full => repo::rate_on(conn, id, today())?,
            Visibility::Directory => None,
        };
        Ok((view_of(&principal, &row, current.as_ref()), row.version))
    })
    .await
}

/// Renders rows for `principal`, fetching current compensation for the full-view rows in one
/// query.
pub fn page_of(
    conn: &mut DbConn,
    principal: &Principal,
    rows: Vec<EmployeeRow>,
    limit: i64,
) -> Result<Page<EmployeeView>, ApiError> {
    let full_ids: Vec<i64> =
        rows.iter().filter(|r| model::visibility(principal, r.user_id) == Visibility::Full).map(|r| r.id).collect();
    let current = repo::rates_on(conn, &full_ids, today())?;
    Ok(Page::from_rows(rows, limit, |r| r.id, |r| view_of(principal, &r, current.get(&r.id))))
}

/// After a change to `before`'s person: reads the row back, audits the change, and answers with
/// the caller's view and the new version.
pub(super) fn record_change(
    conn: &mut DbConn,
    actor: &audit::Actor,
    viewer: &Principal,
    action: &str,
    before: &EmployeeRow,
) -> Result<(EmployeeView, i64), ApiError> {
    let after = repo::employee(conn, before.id)?.ok_or(ApiError::NotFound)?;
    let (old, new) = (Employee::from_row(before, None), Employee::from_row(&after, None));
    audit::record(conn, actor, action, ENTITY, before.id, Some(&old), Some(&new))?;
    let current = repo::rate_on(conn, before.id, today())?;
    Ok((view_of(viewer, &after, current.as_ref()), after.version))
}

/// Answers one page of people for `principal`: the directory leaves terminated people out, full
/// views come with their current pay (one query per page). `exists` checks the resource the list
/// belongs to first (404).
pub async fn people_page(
    state: &AppState,
    principal: Principal,
    listing: Listing,
    name: &str,
    mut filter: EmployeeFilter,
    sort: EmployeeSort,
    exists: impl Fn(&mut DbConn) -> Result<(), ApiError> + Send + Sync + 'static,
) -> Result<HttpResponse, ApiError> {
    filter.exclude_terminated = model::visibility(&principal, None) != Visibility::Full;
    filter.updated_since = listing.page.updated_since;
    listing
        .answer(&state.pool, name, move |conn, page| {
            exists(conn)?;
            let rows = repo::list_employees(conn, &filter, sort, page.after, page.limit)?;
            page_of(conn, &principal, rows, page.limit)
        })
        .await
}

/// Records a person; with `compensation`, their first rate, effective from the start date.
#[utoipa::path(
    operation_id = "create_employee",
    tag = "employees",
    request_body = CreateEmployee,
    responses(
        (status = 201, description = "Created", body = Employee, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The work email is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employees")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateEmployee>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_PEOPLE)?;
    let input = body.into_inner();
    let (actor, viewer) = (principal.actor(), principal.clone());
    reply::commit(&req, &state.pool, move |conn| {
        let (row, current) = create_employee(conn, &actor, viewer.user_id, input)?;
        let current = current.filter(|c| c.effective_from <= today());
        let view = view_of(&viewer, &row, current.as_ref());
        Reply::created(&view, row.version, &format!("/api/v1/employees/{}", row.id))
    })
    .await
}

/// Records a person (and their first pay, if given): the checks and the writes behind
/// `POST /employees`, also used by bulk import (`crate::imports`) so an imported row meets the
/// same rules and writes the same audit events. Returns the row and the pay recorded. Run it in
/// a write transaction.
pub fn create_employee(
    conn: &mut DbConn,
    actor: &audit::Actor,
    created_by: i64,
    input: CreateEmployee,
) -> Result<(EmployeeRow, Option<super::model::CompensationRow>), ApiError> {
    let mut v = Validator::new();
    let first_name = normalize_name(&input.first_name).map_err(|e| v.error("/first_name", e)).unwrap_or_default();
    let last_name = normalize_name(&input.last_name).map_err(|e| v.error("/last_name", e)).unwrap_or_default();
    let work_email = normalize_email(&input.work_email).map_err(|e| v.error("/work_email", e)).unwrap_or_default();
    let job_title = v.optional_text("/job_title", Some(input.job_title), 200).unwrap_or_default();
    let status = input.status.unwrap_or(EmployeeStatus::Onboarding);
    v.check(
        matches!(status, EmployeeStatus::Onboarding | EmployeeStatus::Active),
        "/status",
        "a new employee starts as onboarding or active",
    );
    let personal_email = match v.optional_text("/personal_email", input.personal_email, 254) {
        Some(email) => normalize_email(&email).map_err(|e| v.error("/personal_email", e)).ok(),
        None => None,
    };
    let fields = EmployeeFields {
        first_name,
        last_name,
        work_email,
        job_title,
        department_id: input.department_id,
        manager_id: input.manager_id,
        employment_type: input.employment_type.as_str().to_string(),
        start_date: input.start_date,
        user_id: input.user_id,
        phone: v.optional_text("/phone", input.phone, 50),
        personal_email,
        birth_date: input.birth_date,
        home_address: v.optional_text("/home_address", input.home_address, 500),
    };
    let initial_pay = match &input.compensation {
        Some(pay) => super::compensation::parse_pay(
            &mut v,
            "/compensation",
            &pay.hourly_cost_rate,
            pay.currency,
            pay.salary.as_deref(),
            pay.salary_period,
        ),
        None => None,
    };
    check_references(conn, &mut v, &fields, None)?;
    v.finish()?;
    if repo::employee_by_email(conn, &fields.work_email)?.is_some() {
        return Err(ApiError::Conflict(format!("an employee with work email {} exists", fields.work_email)));
    }
    let row = repo::insert_employee(conn, &fields, status.as_str())?;
    repo::record_status_change(
        conn,
        row.id,
        None,
        status.as_str(),
        fields.start_date,
        Some("hired"),
        Some(created_by),
    )?;
    let current = match initial_pay {
        Some(pay) => {
            let new = pay.record(row.id, fields.start_date, None, Some(created_by));
            let recorded = repo::insert_compensation(conn, &new)?;
            audit::record(
                conn,
                actor,
                "compensation.recorded",
                super::compensation::ENTITY,
                recorded.id,
                None,
                Some(&Compensation::from_row(&recorded)),
            )?;
            Some(recorded)
        }
        None => None,
    };
    audit::record(conn, actor, "employee.created", ENTITY, row.id, None, Some(&Employee::from_row(&row, None)))?;
    Ok((row, current))
}

/// Lists people: the directory for everyone (terminated people left out), the full view for hr,
/// finance, admin and auditor.
#[utoipa::path(
    operation_id = "list_employees",
    tag = "employees",
    params(PageQuery, EmployeeListQuery),
    responses((status = 200, description = "A page of people", body = Page<EmployeeView>))
)]
#[get("/employees")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<EmployeeListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if query.status.is_some() && model::visibility(&principal, None) != Visibility::Full {
        return Err(ApiError::Forbidden("status is visible only to hr, finance, admin and auditor".into()));
    }
    let filter = EmployeeFilter {
        department_id: query.department_id,
        manager_id: query.manager_id,
        status: query.status.map(|s| s.as_str().to_string()),
        q: query.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
        ..Default::default()
    };
    let sort = query.sort.unwrap_or(EmployeeSort::Number);
    people_page(&state, principal, listing, "employees", filter, sort, |_| Ok(())).await
}

/// Reads one person, in the view the caller may see.
#[utoipa::path(
    operation_id = "get_employee",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id")),
    responses((status = 200, description = "The person", body = EmployeeView, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/employees/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (view, version) = load_view(&state, &principal, id.into_inner()).await?;
    Ok(entity_response(&req, StatusCode::OK, &view, version))
}

/// The signed-in user's own record (full view); 404 when no employee is linked to the account.
#[utoipa::path(
    operation_id = "get_my_employee_record",
    tag = "employees",
    responses(
        (status = 200, description = "The caller's own record", body = Employee, headers(("ETag" = String))),
        (status = 404, description = "No employee is linked to this account", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employees/me")]
pub async fn my_record(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let user_id = principal.user_id;
    let id = db::run(&state.pool, move |conn| {
        repo::employee_by_user(conn, user_id)?.map(|e| e.id).ok_or(ApiError::NotFound)
    })
    .await?;
    let (view, version) = load_view(&state, &principal, id).await?;
    Ok(entity_response(&req, StatusCode::OK, &view, version))
}

/// Changes a person's record. hr and admin may change any field here; a person may change only
/// their own phone, personal email and home address. Honors If-Match.
#[utoipa::path(
    operation_id = "update_employee",
    tag = "employees",
    params(("id" = i64, Path, description = "Employee id")),
    request_body = UpdateEmployee,
    responses(
        (status = 200, description = "Updated", body = Employee, headers(("ETag" = String))),
        (status = 409, description = "The work email is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/employees/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateEmployee>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let actor = principal.actor();
    let viewer = principal.clone();
    let (view, version) = db::run_write(&state.pool, move |conn| {
        let after = change_employee(conn, &actor, &viewer, id, &if_match, input)?;
        let current = repo::rate_on(conn, id, today())?;
        Ok((view_of(&viewer, &after, current.as_ref()), after.version))
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &view, version))
}

/// Changes a person's record as `viewer` may: the checks and the write behind
/// `PATCH /employees/{id}` (only the fields sent change), also used by bulk import. Returns the
/// row after the change. Run it in a write transaction.
pub fn change_employee(
    conn: &mut DbConn,
    actor: &audit::Actor,
    viewer: &Principal,
    id: i64,
    if_match: &IfMatch,
    input: UpdateEmployee,
) -> Result<EmployeeRow, ApiError> {
    // The shape of the body is checked before anything else, If-Match included.
    let mut shape = Validator::new();
    let first_name = input
        .first_name
        .as_deref()
        .map(|name| normalize_name(name).map_err(|e| shape.error("/first_name", e)).unwrap_or_default());
    let last_name = input
        .last_name
        .as_deref()
        .map(|name| normalize_name(name).map_err(|e| shape.error("/last_name", e)).unwrap_or_default());
    let work_email = input
        .work_email
        .as_deref()
        .map(|email| normalize_email(email).map_err(|e| shape.error("/work_email", e)).unwrap_or_default());
    let job_title =
        input.job_title.clone().map(|title| shape.optional_text("/job_title", Some(title), 200).unwrap_or_default());
    let phone = input.phone.clone().map(|phone| shape.optional_text("/phone", phone, 50));
    let personal_email =
        input.personal_email.clone().map(|email| match shape.optional_text("/personal_email", email, 254) {
            Some(email) => normalize_email(&email).map_err(|e| shape.error("/personal_email", e)).ok(),
            None => None,
        });
    let home_address = input.home_address.clone().map(|address| shape.optional_text("/home_address", address, 500));
    shape.finish()?;
    let manager = viewer.may(&permissions::MANAGE_PEOPLE);
    let row = repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
    let is_self = row.user_id == Some(viewer.user_id);
    if !manager {
        if !is_self {
            viewer.require(&permissions::MANAGE_PEOPLE)?;
        }
        viewer.require(&permissions::CHANGE_OWN_CONTACT)?;
        let restricted = input.restricted_fields();
        if !restricted.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "you may change only your phone, personal_email and home_address, not {}",
                restricted.join(", ")
            )));
        }
    }
    if_match.check(row.version)?;
    let mut v = Validator::new();
    let mut fields = EmployeeFields::of(&row);
    if let Some(name) = first_name {
        fields.first_name = name;
    }
    if let Some(name) = last_name {
        fields.last_name = name;
    }
    if let Some(email) = work_email {
        fields.work_email = email;
    }
    if let Some(title) = job_title {
        fields.job_title = title;
    }
    if let Some(department) = input.department_id {
        fields.department_id = department;
    }
    if let Some(manager_id) = input.manager_id {
        fields.manager_id = manager_id;
    }
    if let Some(kind) = input.employment_type {
        fields.employment_type = kind.as_str().to_string();
    }
    if let Some(start) = input.start_date {
        fields.start_date = start;
    }
    if let Some(user) = input.user_id {
        fields.user_id = user;
    }
    if let Some(phone) = phone {
        fields.phone = phone;
    }
    if let Some(email) = personal_email {
        fields.personal_email = email;
    }
    if let Some(birth) = input.birth_date {
        fields.birth_date = birth;
    }
    if let Some(address) = home_address {
        fields.home_address = address;
    }
    if EmployeeStatus::from_stored(&row.status) == EmployeeStatus::Terminated && manager {
        v.check(
            fields.department_id == row.department_id && fields.manager_id == row.manager_id,
            "/department_id",
            "a terminated person's placement is final",
        );
    }
    check_references(conn, &mut v, &fields, Some(&row))?;
    v.finish()?;
    if fields.work_email != row.work_email && repo::employee_by_email(conn, &fields.work_email)?.is_some() {
        return Err(ApiError::Conflict(format!("an employee with work email {} exists", fields.work_email)));
    }
    if !repo::update_employee(conn, id, row.version, &fields)? {
        return Err(ApiError::changed_concurrently("employee"));
    }
    let after = repo::employee(conn, id)?.ok_or(ApiError::NotFound)?;
    let (old, new) = (Employee::from_row(&row, None), Employee::from_row(&after, None));
    audit::record(conn, actor, "employee.updated", ENTITY, id, Some(&old), Some(&new))?;
    Ok(after)
}
