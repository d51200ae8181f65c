//! Settings from the environment. Every variable is documented in the README with its default;
//! a bad value stops start-up with one line naming the variable.

use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `postgres://…` / `postgresql://…` selects PostgreSQL; anything else is a SQLite file path
    /// (an optional `sqlite://` prefix is stripped).
    pub database_url: String,
    pub bind: String,
    pub workers: usize,
    pub pool_size: u32,
    pub pool_timeout: Duration,
    /// Empty: no cross-origin access. `*`: any origin. Otherwise a comma-separated list.
    pub cors_origins: Vec<String>,
    pub log_filter: String,
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// When unset, a key is generated once and kept in the database so that all nodes share it.
    pub jwt_secret: Option<Vec<u8>>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Concurrent argon2 computations; beyond it, logins wait briefly and then get 503.
    pub hash_concurrency: usize,
    /// How long a sign-in waits for a hashing slot before it is answered 503.
    pub hash_queue_wait: Duration,
    /// Sign-in attempts per account from one client address within the window (429 beyond).
    pub login_max_failures_per_account: i64,
    /// Sign-in attempts from one client address within the window, over all accounts.
    pub login_max_failures_per_address: i64,
    /// Failed sign-ins of an account, from anywhere, after which its password is checked at most
    /// once a second for addresses it never signed in from (a slow-down, never a lock).
    pub login_slowdown_after: i64,
    pub login_window: Duration,
    /// Use the left-most `X-Forwarded-For` address as the client address (only behind a proxy
    /// you control).
    pub trust_forwarded_for: bool,
    /// The currency the books are kept in (fixed at the first start).
    pub base_currency: crate::money::Currency,
    /// Manual journal entries whose debits are above this (in the base currency) wait for a
    /// second person's approval.
    pub journal_approval_above: rust_decimal::Decimal,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => {
            raw.trim().parse::<T>().map_err(|e| ConfigError { name, problem: format!("cannot parse {raw:?}: {e}") })
        }
    }
}

fn non_negative_decimal(
    name: &'static str,
    default: rust_decimal::Decimal,
) -> Result<rust_decimal::Decimal, ConfigError> {
    let value = parse(name, default)?;
    if value.is_sign_negative() {
        return Err(ConfigError { name, problem: "must not be negative".into() });
    }
    Ok(value)
}

fn positive<T: FromStr + PartialOrd + Default>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let value = parse(name, default)?;
    if value <= T::default() {
        return Err(ConfigError { name, problem: "must be greater than zero".into() });
    }
    Ok(value)
}

fn seconds(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    positive::<u64>(name, default).map(Duration::from_secs)
}

fn boolean(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(ConfigError { name, problem: format!("expected true or false, got {v:?}") }),
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let jwt_secret = match var("OPSDESK_JWT_SECRET") {
            None => None,
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError {
                    name: "OPSDESK_JWT_SECRET",
                    problem: "must be at least 32 bytes (256 bits)".into(),
                })
            }
            Some(secret) => Some(secret.into_bytes()),
        };
        let bind = var("OPSDESK_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError {
                name: "OPSDESK_BIND",
                problem: format!("expected host:port such as 127.0.0.1:8080, got {bind:?}"),
            });
        }
        let admin_email = var("OPSDESK_ADMIN_EMAIL");
        let admin_password = var("OPSDESK_ADMIN_PASSWORD");
        if admin_password.is_some() && admin_email.is_none() {
            return Err(ConfigError {
                name: "OPSDESK_ADMIN_EMAIL",
                problem: "must be set when OPSDESK_ADMIN_PASSWORD is set".into(),
            });
        }
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "opsdesk.db".into()),
            bind,
            workers: positive("OPSDESK_WORKERS", cores)?,
            pool_size: positive("OPSDESK_POOL_SIZE", 16)?,
            pool_timeout: seconds("OPSDESK_POOL_TIMEOUT_SECS", 5)?,
            cors_origins: var("OPSDESK_CORS_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            log_filter: var("RUST_LOG").unwrap_or_else(|| "info".into()),
            body_limit: positive("OPSDESK_BODY_LIMIT", 1024 * 1024)?,
            request_timeout: seconds("OPSDESK_REQUEST_TIMEOUT_SECS", 30)?,
            jwt_secret,
            jwt_issuer: var("OPSDESK_JWT_ISSUER").unwrap_or_else(|| "opsdesk".into()),
            jwt_audience: var("OPSDESK_JWT_AUDIENCE").unwrap_or_else(|| "opsdesk-api".into()),
            access_token_ttl: seconds("OPSDESK_ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl: seconds("OPSDESK_REFRESH_TOKEN_TTL_SECS", 14 * 24 * 3600)?,
            admin_email,
            admin_password,
            hash_concurrency: positive("OPSDESK_HASH_CONCURRENCY", (cores / 2).max(1))?,
            hash_queue_wait: Duration::from_millis(parse("OPSDESK_HASH_QUEUE_WAIT_MS", 2000u64)?),
            login_max_failures_per_account: positive("OPSDESK_LOGIN_MAX_FAILURES", 5)?,
            login_max_failures_per_address: positive("OPSDESK_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)?,
            login_slowdown_after: positive("OPSDESK_LOGIN_SLOWDOWN_AFTER", 20)?,
            login_window: seconds("OPSDESK_LOGIN_WINDOW_SECS", 900)?,
            trust_forwarded_for: boolean("OPSDESK_TRUST_FORWARDED_FOR", false)?,
            base_currency: parse(
                "OPSDESK_BASE_CURRENCY",
                "EUR".parse().map_err(|e: String| ConfigError { name: "OPSDESK_BASE_CURRENCY", problem: e })?,
            )?,
            journal_approval_above: non_negative_decimal(
                "OPSDESK_JOURNAL_APPROVAL_ABOVE",
                rust_decimal::Decimal::from(10_000),
            )?,
        })
    }
}
