//! `/api/v1/users`: user accounts (admin writes; admin and auditor read).

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::{normalize_email, normalize_name, User, ENTITY};
use super::repo::{self, NewUser, UserChanges, UserFilter};
use crate::audit;
use crate::auth::permissions;
use crate::auth::principal::Principal;
use crate::auth::roles::{Role, Roles};
use crate::auth::sessions::repo as session_store;
use crate::auth::{password, Keys};
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique regardless of case; stored lower-cased.
    #[schema(example = "ann@example.com", format = Email, max_length = 254)]
    pub email: String,
    #[schema(
        example = "Ann Lee",
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(example = json!(["agent"]), min_items = 1)]
    pub roles: Vec<Role>,
    /// At least 12 characters, and not the email.
    #[schema(example = "a long passphrase", format = Password, min_length = 12, max_length = 256)]
    pub password: String,
    /// Defaults to true.
    pub active: Option<bool>,
}

/// Only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(min_items = 1)]
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of the name or email, case-insensitive.
    pub q: Option<String>,
    /// Only users holding this role.
    pub role: Option<Role>,
    pub active: Option<bool>,
}

fn check_roles(v: &mut Validator, roles: &[Role]) {
    v.check(!roles.is_empty(), "/roles", "must name at least one role");
}

/// Refuses changes by which an admin would lock themself, or everyone, out.
fn guard_admin_lockout(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
    was_admin: bool,
    stays_admin: bool,
) -> Result<(), ApiError> {
    if !was_admin || stays_admin {
        return Ok(());
    }
    if id == principal.user_id {
        return Err(ApiError::Conflict("you cannot remove your own admin access; another admin must do it".into()));
    }
    if repo::other_active_admins(conn, id)? == 0 {
        return Err(ApiError::Conflict("this is the last active admin".into()));
    }
    Ok(())
}

/// Creates a user account.
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "A user with this email exists", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<Keys>,
    principal: Principal,
    body: ValidJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_USERS)?;
    let input = body.into_inner();
    let mut v = Validator::new();
    let email = normalize_email(&input.email).map_err(|e| v.error("/email", e)).unwrap_or_default();
    let name = normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default();
    check_roles(&mut v, &input.roles);
    password::check_policy(&mut v, "/password", &input.password, &email);
    v.finish()?;

    let password_hash = keys.hasher.hash(input.password).await?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        if repo::find_by_email(conn, &email)?.is_some() {
            return Err(ApiError::Conflict(format!("a user with email {email} already exists")));
        }
        let row = repo::insert(
            conn,
            &NewUser {
                email: &email,
                name: &name,
                password_hash: &password_hash,
                roles: Roles::new(input.roles).to_stored(),
                active: input.active.unwrap_or(true),
            },
        )?;
        let user = User::from(&row);
        audit::record(conn, &actor, "user.created", ENTITY, user.id, None, Some(&user))?;
        Reply::created(&user, user.version, &format!("/api/v1/users/{}", user.id))
    })
    .await
}

/// Lists users in id order.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    params(PageQuery, UserListQuery),
    responses((status = 200, description = "A page of users", body = Page<User>))
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_USERS)?;
    let query = query.into_inner();
    let filter = UserFilter {
        q: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_string()),
        role: query.role.map(|r| r.as_str().to_string()),
        active: query.active,
        updated_since: listing.page.updated_since,
    };
    listing
        .answer(&state.pool, "users", move |conn, page| {
            let rows = repo::list(conn, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| User::from(&r)))
        })
        .await
}

/// Reads one user.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "The user", body = User, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/users/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_USERS)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)).await?;
    Ok(entity_response(&req, StatusCode::OK, &User::from(&row), row.version))
}

/// Changes a user's name, roles or active flag. Honors If-Match.
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        (status = 409, description = "The change would lock the admins out", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_USERS)?;
    let id = id.into_inner();
    let input = body.into_inner();
    let mut v = Validator::new();
    let name = match &input.name {
        Some(name) => normalize_name(name).map_err(|e| v.error("/name", e)).ok(),
        None => None,
    };
    if let Some(roles) = &input.roles {
        check_roles(&mut v, roles);
    }
    v.finish()?;

    let actor = principal.actor();
    let user = db::run_write(&state.pool, move |conn| {
        let row = repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let before = User::from(&row);
        let roles = input.roles.map(Roles::new).unwrap_or_else(|| Roles::from_stored(&row.roles));
        let changes = UserChanges {
            name: name.unwrap_or_else(|| row.name.clone()),
            roles: roles.to_stored(),
            active: input.active.unwrap_or(row.active),
        };
        if changes.name == row.name && changes.roles == row.roles && changes.active == row.active {
            return Ok(before);
        }
        let was_admin = row.active && Roles::from_stored(&row.roles).contains(Role::Admin);
        guard_admin_lockout(conn, &principal, id, was_admin, changes.active && roles.contains(Role::Admin))?;
        if !repo::update(conn, id, row.version, &changes)? {
            return Err(ApiError::changed_concurrently("user"));
        }
        if !changes.active {
            session_store::revoke_all_for_user(conn, id)?;
        }
        let after = User::from(&repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?);
        audit::record(conn, &actor, "user.updated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(&req, StatusCode::OK, &user, user.version))
}

/// Deactivates a user: they can no longer sign in, their sessions and tokens stop working at
/// once, and their API keys stop with them. The account and its history stay. Honors If-Match.
#[utoipa::path(
    operation_id = "deactivate_user",
    tag = "users",
    params(
        ("id" = i64, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 if the user changed since."),
    ),
    responses(
        (status = 204, description = "Deactivated (or already inactive)"),
        (status = 409, description = "The change would lock the admins out", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/deactivation")]
pub async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::MANAGE_USERS)?;
    let id = id.into_inner();
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        if !row.active {
            return Ok(Reply::no_content());
        }
        let before = User::from(&row);
        guard_admin_lockout(conn, &principal, id, Roles::from_stored(&row.roles).contains(Role::Admin), false)?;
        let changes = UserChanges { name: row.name.clone(), roles: row.roles.clone(), active: false };
        if !repo::update(conn, id, row.version, &changes)? {
            return Err(ApiError::changed_concurrently("user"));
        }
        session_store::revoke_all_for_user(conn, id)?;
        let after = User::from(&repo::find_optional(conn, id)?.ok_or(ApiError::NotFound)?);
        audit::record(conn, &actor, "user.deactivated", ENTITY, id, Some(&before), Some(&after))?;
        Ok(Reply::no_content())
    })
    .await
}

/// The user's change history, oldest first (admin, auditor).
#[utoipa::path(
    operation_id = "get_user_history",
    tag = "users",
    params(("id" = i64, Path, description = "User id"), PageQuery),
    responses((status = 200, description = "Audit events of this user", body = Page<crate::audit::api::AuditEvent>))
)]
#[get("/users/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    listing: Listing,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_USERS)?;
    let id = id.into_inner();
    db::run(&state.pool, move |conn| repo::find_optional(conn, id)?.map(|_| ()).ok_or(ApiError::NotFound)).await?;
    audit::api::history(&state, ENTITY, id, listing).await
}
