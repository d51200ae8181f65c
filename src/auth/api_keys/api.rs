//! `/api/v1/api-keys`: keys for integrations and scripts. Anyone signed in may create keys for
//! themself, with roles no wider than their own; admins see and revoke everyone's keys.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::model::{ApiKey, ApiKeyRow, CreatedApiKey};
use super::repo::{self, NewApiKey};
use crate::audit;
use crate::auth::permissions;
use crate::auth::principal::{Credential, Principal, API_KEY_PREFIX};
use crate::auth::roles::{Role, Roles};
use crate::auth::tokens::{random_token, sha256_hex};
use crate::auth::users::model::normalize_name;
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::etag::{entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::state::AppState;

pub const ENTITY: &str = "api_key";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    #[schema(
        example = "CRM sync",
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// Roles the caller holds (an admin may give any role).
    #[schema(example = json!(["finance"]), min_items = 1)]
    pub roles: Vec<Role>,
    /// Lifetime in days (1 to 3650); without it the key does not expire.
    #[schema(minimum = 1, maximum = 3650, example = 90)]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyListQuery {
    /// Admins and auditors: only this user's keys (default: every user's). Others always see
    /// only their own keys.
    pub user_id: Option<i64>,
}

fn sees_all_keys(principal: &Principal) -> bool {
    principal.may(&permissions::READ_EVERY_API_KEY)
}

/// The key, if the caller may see it; someone else's key is "not found".
fn visible(principal: &Principal, row: Option<ApiKeyRow>) -> Result<ApiKeyRow, ApiError> {
    row.filter(|r| r.user_id == principal.user_id || sees_all_keys(principal)).ok_or(ApiError::NotFound)
}

/// Creates an API key for the caller. The response holds the secret; it is never shown again.
#[utoipa::path(
    operation_id = "create_api_key",
    tag = "api-keys",
    request_body = CreateApiKey,
    responses((status = 201, description = "Created; `secret` is shown only now", body = CreatedApiKey, headers(("ETag" = String), ("Location" = String))))
)]
#[post("/api-keys")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: ValidJson<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::OWN_ACCOUNT)?;
    if principal.credential != Credential::AccessToken {
        return Err(ApiError::Forbidden("API keys are created by a signed-in user, not by another key".into()));
    }
    let input = body.into_inner();
    let now = db::now();
    let mut v = Validator::new();
    let name = normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default();
    v.check(!input.roles.is_empty(), "/roles", "must name at least one role");
    for (i, role) in input.roles.iter().enumerate() {
        v.check(
            principal.roles.grants(*role),
            &format!("/roles/{i}"),
            format!("you do not hold the role {role}, so a key of yours cannot either"),
        );
    }
    let lifetime = input.expires_in_days.filter(|days| (1..=3650).contains(days));
    v.check(lifetime.is_some() == input.expires_in_days.is_some(), "/expires_in_days", "must be 1 to 3650");
    let expires_at = lifetime.map(|days| now + chrono::TimeDelta::days(days));
    v.finish()?;

    let prefix = hex::encode(rand::random::<[u8; 4]>());
    let secret = format!("{API_KEY_PREFIX}{prefix}_{}", random_token(32));
    let secret_hash = sha256_hex(&secret);
    let actor = principal.actor();
    let user_id = principal.user_id;
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::insert(
            conn,
            &NewApiKey {
                user_id,
                name: &name,
                prefix: &prefix,
                secret_hash: &secret_hash,
                roles: Roles::new(input.roles).to_stored(),
                expires_at,
            },
        )?;
        let key = ApiKey::from_row(&row, db::now());
        audit::record(conn, &actor, "api_key.created", ENTITY, key.id, None, Some(&key))?;
        let (version, location) = (key.version, format!("/api/v1/api-keys/{}", key.id));
        // The secret is shown only here: answered, never stored for a replay.
        Ok(Reply::created(&CreatedApiKey { key, secret }, version, &location)?.secret())
    })
    .await
}

/// Lists API keys: the caller's own, or (admin, auditor) everyone's.
#[utoipa::path(
    operation_id = "list_api_keys",
    tag = "api-keys",
    params(PageQuery, ApiKeyListQuery),
    responses((status = 200, description = "A page of API keys", body = Page<ApiKey>))
)]
#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    listing: Listing,
    query: web::Query<ApiKeyListQuery>,
) -> Result<HttpResponse, ApiError> {
    let user_id = if sees_all_keys(&principal) { query.user_id } else { Some(principal.user_id) };
    listing
        .answer(&state.pool, "api-keys", move |conn, page| {
            let rows = repo::list(conn, user_id, page.updated_since, page.after, page.limit)?;
            let now = db::now();
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| ApiKey::from_row(&r, now)))
        })
        .await
}

/// Reads one API key (never its secret).
#[utoipa::path(
    operation_id = "get_api_key",
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    responses((status = 200, description = "The key", body = ApiKey, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)"))
)]
#[get("/api-keys/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| Ok(repo::find_optional(conn, id)?)).await?;
    let row = visible(&principal, row)?;
    Ok(entity_response(&req, StatusCode::OK, &ApiKey::from_row(&row, db::now()), row.version))
}

/// Revokes an API key at once. Honors If-Match.
#[utoipa::path(
    operation_id = "revoke_api_key",
    tag = "api-keys",
    params(
        ("id" = i64, Path, description = "API key id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 if the key changed since."),
    ),
    responses((status = 204, description = "Revoked (or already revoked)"))
)]
#[post("/api-keys/{id}/revocation")]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = principal.actor();
    let may_revoke_others = principal.may(&permissions::REVOKE_ANY_API_KEY);
    reply::commit(&req, &state.pool, move |conn| {
        let row = repo::find_optional(conn, id)?
            .filter(|r| r.user_id == principal.user_id || may_revoke_others)
            .ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        if row.revoked_at.is_some() {
            return Ok(Reply::no_content());
        }
        let before = ApiKey::from_row(&row, db::now());
        if !repo::revoke(conn, id, row.version)? {
            return Err(ApiError::changed_concurrently("key"));
        }
        let after = ApiKey::from_row(&repo::find(conn, id)?, db::now());
        audit::record(conn, &actor, "api_key.revoked", ENTITY, id, Some(&before), Some(&after))?;
        Ok(Reply::no_content())
    })
    .await
}
