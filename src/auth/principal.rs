//! Who is calling. Resolved once per request from `Authorization: Bearer …` (an access JWT or an
//! API key) against the database, so that a deactivated user or a changed role takes effect on
//! the very next request, on every node. Handlers take `Principal` as an argument.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::ResponseError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::api_keys::repo as api_key_store;
use super::roles::{Permission, Role, Roles};
use super::tokens::{sha256_hex, TokenRejection};
use super::users::repo as user_store;
use super::Keys;
use crate::audit::Actor;
use crate::db::{self, FirstTrip};
use crate::error::ApiError;
use crate::http::idempotency;
use crate::http::request_id::RequestId;
use crate::state::AppState;

pub const API_KEY_PREFIX: &str = "odk_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    AccessToken,
    ApiKey { id: i64 },
}

#[derive(Clone)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub roles: Roles,
    pub credential: Credential,
    pub request_id: Option<String>,
    /// For access tokens: the check that the user is still active, still has the roles the token
    /// names and has not revoked the token, run on the request's first database trip (API keys
    /// are looked up in the database, so they need none).
    standing: Option<FirstTrip>,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("user_id", &self.user_id)
            .field("roles", &self.roles)
            .field("credential", &self.credential)
            .finish()
    }
}

impl Principal {
    /// The caller a background job acts as, on behalf of the user who queued it (bulk import,
    /// `crate::imports`): there is no request, so there is no first-trip check; the job re-reads
    /// the user (active, current roles) before it builds this.
    pub fn for_job(
        user_id: i64,
        email: String,
        roles: Roles,
        credential: Credential,
        request_id: Option<String>,
    ) -> Principal {
        Principal { user_id, email, roles, credential, request_id, standing: None }
    }

    pub fn is(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    /// True when the caller holds `permission` (see `roles::Permission`).
    pub fn may(&self, permission: &Permission) -> bool {
        permission.granted_to(&self.roles)
    }

    /// Passes when the caller holds `permission`; 403 naming it otherwise.
    pub fn require(&self, permission: &Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("your roles do not allow you to {}", permission.action)))
        }
    }

    /// The audit log's record of who did something.
    pub fn actor(&self) -> Actor {
        let label = match self.credential {
            Credential::AccessToken => format!("user:{} {}", self.user_id, self.email),
            Credential::ApiKey { id } => format!("api_key:{id} of user:{} {}", self.user_id, self.email),
        };
        Actor { user_id: Some(self.user_id), label, request_id: self.request_id.clone() }
    }

    /// The scope in which an `Idempotency-Key` is unique.
    pub fn idempotency_scope(&self) -> String {
        match self.credential {
            Credential::AccessToken => format!("user:{}", self.user_id),
            Credential::ApiKey { id } => format!("api_key:{id}"),
        }
    }
}

/// The resolved principal, cached in the request extensions (the idempotency middleware and the
/// handler share one lookup).
#[derive(Clone)]
struct Resolved(Option<Principal>);

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("use Authorization: Bearer <access token or API key>".into()));
    }
    Ok(Some(token.trim().to_string()))
}

fn invalid() -> ApiError {
    ApiError::Unauthorized("the credentials are invalid, revoked or expired".into())
}

async fn authenticate(
    state: &AppState,
    keys: &Keys,
    token: String,
    request_id: Option<String>,
) -> Result<Principal, ApiError> {
    if token.starts_with(API_KEY_PREFIX) {
        let hash = sha256_hex(&token);
        let found = db::run(&state.pool, move |conn| api_key_store::authenticate(conn, &hash, db::now())).await?;
        let (key_id, user, key_roles) = found.ok_or_else(invalid)?;
        return Ok(Principal {
            user_id: user.id,
            email: user.email,
            roles: key_roles.limited_to(&Roles::from_stored(&user.roles)),
            credential: Credential::ApiKey { id: key_id },
            request_id,
            standing: None,
        });
    }
    let claims = keys.tokens.verify_access(&token).map_err(|rejection| match rejection {
        TokenRejection::Expired => ApiError::Unauthorized("the access token has expired; refresh it".into()),
        TokenRejection::Invalid => invalid(),
    })?;
    let (user_id, session, roles) = (claims.user_id, claims.session.clone(), claims.roles.clone());
    let standing = FirstTrip::new(move |conn| {
        // One query: the user, and whether the token's sign-in is still open (signing out, a
        // password change and a reused refresh token end it, and every token issued in it).
        let (user, signed_in) = user_store::find_with_session(conn, user_id, &session)?.ok_or_else(invalid)?;
        if !user.active || !signed_in {
            return Err(invalid());
        }
        // A role taken away ends the token at once; a role added needs a refreshed token to be
        // used, so the token never grants more than the account holds now.
        if !Roles::from_stored(&roles).is_subset_of(&Roles::from_stored(&user.roles)) {
            return Err(ApiError::Unauthorized("your roles have changed; refresh your access token".into()));
        }
        Ok(())
    });
    Ok(Principal {
        user_id,
        roles: Roles::from_stored(&claims.roles),
        email: claims.email,
        credential: Credential::AccessToken,
        request_id,
        standing: Some(standing),
    })
}

/// The request's principal: `Ok(None)` when it carries no credentials, an error when it carries
/// bad ones.
pub async fn resolve(req: &HttpRequest) -> Result<Option<Principal>, ApiError> {
    if let Some(Resolved(cached)) = req.extensions().get::<Resolved>() {
        return Ok(cached.clone());
    }
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?.clone();
    let keys = req.app_data::<web::Data<Keys>>().ok_or_else(|| ApiError::internal("identity keys missing"))?.clone();
    let principal = match bearer_token(req)? {
        None => None,
        Some(token) => {
            let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
            Some(authenticate(&state, &keys, token, request_id).await?)
        }
    };
    req.extensions_mut().insert(Resolved(principal.clone()));
    Ok(principal)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("this operation needs Authorization: Bearer <token>".into()))
        })
    }
}

/// Every request under /api/v1: resolves the caller (without a database trip for access tokens)
/// and makes the check of their standing run on the request's first database trip. A request
/// that succeeds without touching the database gets the check afterwards, and a 401 instead of its
/// answer if the check fails, so nothing is ever answered on a revoked token.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let principal = resolve(req.request()).await.ok().flatten();
    if let Some(principal) = &principal {
        req.extensions_mut().insert(idempotency::Scope(principal.idempotency_scope()));
    }
    if principal.as_ref().is_some_and(|p| p.roles.only_reads()) && writes_records(req.method(), req.path()) {
        let refused = ApiError::Forbidden("auditors read; they write nothing".into());
        return Ok(req.into_response(refused.error_response()));
    }
    let standing = principal.and_then(|principal| principal.standing);
    let Some(standing) = standing else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = standing.around(next.call(req)).await?.map_into_boxed_body();
    if standing.is_done() || !(response.status().is_success() || response.status().is_redirection()) {
        return Ok(response);
    }
    let Some(state) = state else { return Ok(response) };
    let check = standing.clone();
    match db::run(&state.pool, move |conn| check.run(conn)).await {
        Ok(()) => Ok(response),
        Err(error) => Ok(response.into_response(error.error_response())),
    }
}

/// Whether a request changes the company's records. An auditor (and a read-only API key) may do
/// only what every account does for itself: change its password and keep its own API keys.
fn writes_records(method: &actix_web::http::Method, path: &str) -> bool {
    let reads = matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
    let own_account = path == "/api/v1/auth/password" || path.starts_with("/api/v1/api-keys");
    !reads && !own_account
}

/// Context a handler needs when it has no principal (login, refresh): the request id for audit.
pub fn request_id_of(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}
