//! `POST /auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/password` and `GET /auth/me`.
//!
//! Sign-in is throttled without handing anyone a lock on someone else's account. Every attempt is
//! counted before its password is checked, by one statement per counter in the database (so
//! parallel guesses on any number of nodes get no more checks than the limit):
//! - per account and client address (`OPSDESK_LOGIN_MAX_FAILURES`, 5 in 15 minutes): a guesser is
//!   stopped, while the right password from any other address still works;
//! - per client address over all accounts (`…_PER_ADDRESS`, 50): password spraying is stopped;
//! - per account from anywhere (`OPSDESK_LOGIN_SLOWDOWN_AFTER`, 20 failures): many addresses
//!   guessing one account slow it down to one check a second for addresses it never signed in
//!   from; the addresses it signed in from in the last 30 days are not slowed. A slow-down, never
//!   a lock.
//!
//! A successful sign-in gives back what it was counted. An unknown email and a wrong password get
//! the same answer after the same work (an argon2 verification either way).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo;
use crate::audit;
use crate::auth::password;
use crate::auth::principal::{Credential, Principal};
use crate::auth::roles::Role;
use crate::auth::tokens::{random_token, sha256_hex};
use crate::auth::users::model::{self as user_model, User, UserRow};
use crate::auth::users::repo as user_store;
use crate::auth::Keys;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::json::ValidJson;
use crate::http::metrics::Login;
use crate::http::reply::{self, Reply};
use crate::http::throttle;
use crate::state::AppState;

pub const REFRESH_TOKEN_PREFIX: &str = "odr_";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin@example.com")]
    pub email: String,
    #[schema(example = "a long passphrase", format = Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Single use: exchange it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    /// At least 12 characters, and not the email.
    #[schema(format = Password, min_length = 12, max_length = 256)]
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    /// The roles in force for this request (an API key may carry fewer than its user).
    pub effective_roles: Vec<Role>,
    /// `access_token` or `api_key`.
    #[schema(example = "access_token")]
    pub credential: &'static str,
    /// The API key in use, when the credential is one.
    pub api_key_id: Option<i64>,
}

/// The client's address for throttling. Behind a trusted proxy (OPSDESK_TRUST_FORWARDED_FOR) it is
/// the right-most X-Forwarded-For entry: the address the proxy itself saw. Entries to its left
/// are whatever the client chose to send.
fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    forwarded.or_else(|| req.peer_addr().map(|a| a.ip().to_string())).unwrap_or_else(|| "unknown".into())
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("the email or password is incorrect".into())
}

/// Issues a new refresh token in `family` and an access token for `user_id`.
fn issue_pair(
    conn: &mut DbConn,
    state: &AppState,
    keys: &Keys,
    user: &UserRow,
    family: &str,
) -> Result<TokenResponse, ApiError> {
    let refresh_token = format!("{REFRESH_TOKEN_PREFIX}{}", random_token(32));
    let ttl = chrono::TimeDelta::from_std(state.config.refresh_token_ttl).map_err(ApiError::internal)?;
    repo::insert(conn, user.id, family, &sha256_hex(&refresh_token), db::now() + ttl)?;
    let access_token =
        keys.tokens.issue_access(user.id, &user.email, &user.roles, family).map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: keys.tokens.access_ttl_secs(),
        refresh_token,
        refresh_expires_in: ttl.num_seconds(),
    })
}

/// Signs in with email and password.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many sign-ins in progress; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<Keys>,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let email = input.email.trim().to_lowercase();
    let config = &state.config;
    // Hashed: the bucket names stay short and hold only what the database can store.
    let account = sha256_hex(&email);
    let address = client_address(&req, config.trust_forwarded_for);
    let buckets = SignInBuckets {
        pair: format!("login:pair:{account}:{}", sha256_hex(&address)),
        address: format!("login:address:{}", sha256_hex(&address)),
        failures: format!("login:account:{account}"),
        turn: format!("login:turn:{account}"),
        known: format!("login:known:{account}:{}", sha256_hex(&address)),
    };
    let limits =
        (config.login_max_failures_per_account, config.login_max_failures_per_address, config.login_slowdown_after);
    let window = config.login_window;

    // The attempt is counted before the password is checked, in one statement per counter, so
    // that parallel guesses on any number of nodes get no more checks than the limit.
    let (lookup_email, counted) = (email.clone(), buckets.clone());
    let user = db::run_write(&state.pool, move |conn| {
        let (max_pair, max_address, slowdown_after) = limits;
        let now = db::now();
        let throttled = |conn: &mut DbConn, bucket: &str| -> Result<ApiError, ApiError> {
            let retry_after_secs = throttle::current(conn, bucket, window)?.map_or(1, |c| c.retry_after_secs(now));
            Ok(ApiError::TooManyRequests {
                detail: "too many sign-ins; wait before trying again".into(),
                retry_after_secs,
            })
        };
        if throttle::hit(conn, &counted.pair, window)? > max_pair {
            return Err(throttled(conn, &counted.pair)?);
        }
        if throttle::hit(conn, &counted.address, window)? > max_address {
            return Err(throttled(conn, &counted.address)?);
        }
        // Many failures from anywhere slow the account down, never lock it: one check a second
        // from addresses it never signed in from; its known addresses go straight through.
        let failures = throttle::current(conn, &counted.failures, window)?.map_or(0, |c| c.hits);
        let known = throttle::current(conn, &counted.known, KNOWN_ADDRESS_FOR)?.is_some();
        if failures >= slowdown_after && !known && !throttle::take_turn(conn, &counted.turn, SLOWED_DOWN_TURN)? {
            return Err(ApiError::TooManyRequests {
                detail: "this account is slowed down after many failed sign-ins; retry in a second".into(),
                retry_after_secs: 1,
            });
        }
        Ok(user_store::find_by_email(conn, &lookup_email)?)
    })
    .await
    .inspect_err(|e| {
        if matches!(e, ApiError::TooManyRequests { .. }) {
            state.metrics.login(Login::Throttled);
        }
    })?;

    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = match keys.hasher.verify(stored_hash, input.password).await {
        Ok(ok) => ok,
        Err(busy) => {
            // No password was checked (every hashing slot was taken): the attempt is given back.
            let uncounted = buckets.clone();
            db::run_write(&state.pool, move |conn| {
                throttle::give_back(conn, &uncounted.pair)?;
                Ok(throttle::give_back(conn, &uncounted.address)?)
            })
            .await?;
            state.metrics.login(Login::Busy);
            return Err(busy);
        }
    };
    let user = match user {
        Some(user) if password_ok && user.active => user,
        _ => {
            db::run_write(&state.pool, move |conn| Ok(throttle::hit(conn, &buckets.failures, window).map(|_| ())?))
                .await?;
            state.metrics.login(Login::WrongCredentials);
            return Err(wrong_credentials());
        }
    };

    let (state_for_tx, keys_for_tx) = (state.clone(), keys.clone());
    let tokens = db::run_write(&state.pool, move |conn| {
        // A success gives back what it was counted, and makes the address a known one.
        throttle::clear(conn, &buckets.pair)?;
        throttle::give_back(conn, &buckets.address)?;
        throttle::mark(conn, &buckets.known)?;
        issue_pair(conn, &state_for_tx, &keys_for_tx, &user, &random_token(16))
    })
    .await?;
    state.metrics.login(Login::SignedIn);
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(tokens))
}

/// The counters a sign-in touches (see `login`).
#[derive(Clone)]
struct SignInBuckets {
    /// Attempts on this account from this address.
    pair: String,
    /// Attempts from this address on any account.
    address: String,
    /// Failures on this account from anywhere.
    failures: String,
    /// The account's turns while it is slowed down.
    turn: String,
    /// Set by a successful sign-in from this address.
    known: String,
}

/// How long an address an account signed in from stays a known one.
const KNOWN_ADDRESS_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);
/// While an account is slowed down, one password check per this long (from unknown addresses).
const SLOWED_DOWN_TURN: std::time::Duration = std::time::Duration::from_secs(1);

enum RefreshOutcome {
    Issued(TokenResponse),
    Rejected,
}

/// Exchanges a refresh token for a new access token and a new refresh token. Each refresh token
/// works once; presenting a spent one again revokes every token of that sign-in.
#[utoipa::path(
    operation_id = "refresh_token",
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "The refresh token is invalid, spent, revoked or expired", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    keys: web::Data<Keys>,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = sha256_hex(body.into_inner().refresh_token.trim());
    let (state_for_tx, keys_for_tx) = (state.clone(), keys.clone());
    // A reused token's family is revoked and that revocation must commit, so rejection is a
    // successful transaction here and becomes a 401 only afterwards.
    let outcome = db::run_write(&state.pool, move |conn| {
        let Some(row) = repo::find_by_hash(conn, &token_hash)? else {
            return Ok(RefreshOutcome::Rejected);
        };
        if row.revoked_at.is_some() {
            return Ok(RefreshOutcome::Rejected);
        }
        if row.used_at.is_some() || !repo::spend(conn, row.id)? {
            log::warn!("refresh token reuse for user {}: revoking its sign-in", row.user_id);
            repo::revoke_family(conn, &row.family)?;
            return Ok(RefreshOutcome::Rejected);
        }
        let user = user_store::find_optional(conn, row.user_id)?.filter(|u| u.active);
        match user {
            Some(user) if row.expires_at > db::now() => {
                issue_pair(conn, &state_for_tx, &keys_for_tx, &user, &row.family).map(RefreshOutcome::Issued)
            }
            _ => Ok(RefreshOutcome::Rejected),
        }
    })
    .await?;
    match outcome {
        RefreshOutcome::Issued(tokens) => {
            Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(tokens))
        }
        RefreshOutcome::Rejected => {
            Err(ApiError::Unauthorized("the refresh token is invalid, spent, revoked or expired".into()))
        }
    }
}

/// Signs out: revokes the refresh token and every token of the same sign-in. Answers 204 for any
/// token, known or not.
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token_hash = sha256_hex(body.into_inner().refresh_token.trim());
    db::run_write(&state.pool, move |conn| {
        if let Some(row) = repo::find_by_hash(conn, &token_hash)? {
            repo::revoke_family(conn, &row.family)?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user, with the roles in force for this request.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    responses((status = 200, description = "The caller", body = Me))
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, principal: Principal) -> Result<HttpResponse, ApiError> {
    let user_id = principal.user_id;
    let row =
        db::run(&state.pool, move |conn| user_store::find_optional(conn, user_id)?.ok_or(ApiError::NotFound)).await?;
    let (credential, api_key_id) = match principal.credential {
        Credential::AccessToken => ("access_token", None),
        Credential::ApiKey { id } => ("api_key", Some(id)),
    };
    Ok(HttpResponse::Ok().json(Me {
        user: User::from(&row),
        effective_roles: principal.roles.to_vec(),
        credential,
        api_key_id,
    }))
}

/// Changes the caller's password. Every session and access token issued before stops working;
/// sign in again with the new password.
#[utoipa::path(
    operation_id = "change_password",
    tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed"))
)]
#[post("/auth/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<Keys>,
    principal: Principal,
    body: ValidJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    if principal.credential != Credential::AccessToken {
        return Err(ApiError::Forbidden("an API key cannot change its user's password".into()));
    }
    let input = body.into_inner();
    let user_id = principal.user_id;
    let row =
        db::run(&state.pool, move |conn| user_store::find_optional(conn, user_id)?.ok_or(ApiError::NotFound)).await?;
    // The current password first: whoever does not know it learns nothing about the policy.
    if !keys.hasher.verify(Some(row.password_hash.clone()), input.current_password.clone()).await? {
        return Err(ApiError::Forbidden("current_password is not your current password".into()));
    }
    let mut v = Validator::new();
    password::check_policy(&mut v, "/new_password", &input.new_password, &row.email);
    v.check(input.new_password != input.current_password, "/new_password", "must differ from the current password");
    v.finish()?;
    let new_hash = keys.hasher.hash(input.new_password).await?;
    let actor = principal.actor();
    reply::commit(&req, &state.pool, move |conn| {
        user_store::set_password(conn, user_id, &new_hash)?;
        repo::revoke_all_for_user(conn, user_id)?;
        let after = user_store::find_optional(conn, user_id)?.ok_or(ApiError::NotFound)?;
        let (before, after) = (User::from(&row), User::from(&after));
        audit::record(conn, &actor, "user.password_changed", user_model::ENTITY, user_id, Some(&before), Some(&after))?;
        Ok(Reply::no_content())
    })
    .await
}
