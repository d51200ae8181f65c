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
    /// How log lines are written: text for a person at a terminal, JSON lines for a collector.
    pub log_format: LogFormat,
    /// Queries slower than this are logged with their SQL (never their parameters) and counted
    /// in `/metrics`. None: off.
    pub slow_query: Option<Duration>,
    /// The bearer token `GET /metrics` asks for; unset, `/metrics` answers 404.
    pub metrics_token: Option<String>,
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
    pub webhooks: WebhookSettings,
    pub attachments: AttachmentSettings,
    pub imports: ImportSettings,
    pub procurement: ProcurementSettings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The tolerances of procurement's checks (src/procurement/), in hundredths of a percent.
#[derive(Clone, Copy, Debug)]
pub struct ProcurementSettings {
    /// How much more than ordered may be received (OPSDESK_PO_RECEIPT_TOLERANCE_PERCENT, default 5).
    pub receipt_tolerance: i32,
    /// How far a bill's unit price may be from the order's (OPSDESK_PO_PRICE_TOLERANCE_PERCENT,
    /// default 2).
    pub price_tolerance: i32,
}

impl ProcurementSettings {
    fn from_env() -> Result<ProcurementSettings, ConfigError> {
        let percent = |name: &'static str, default: &str| -> Result<i32, ConfigError> {
            let raw = std::env::var(name).unwrap_or_else(|_| default.to_string());
            match crate::money::parse_scaled(raw.trim(), 2) {
                Ok(v) if (0..=10_000).contains(&v) => Ok(v as i32),
                _ => Err(ConfigError { name, problem: format!("must be a percentage from 0 to 100, not {raw:?}") }),
            }
        };
        Ok(ProcurementSettings {
            receipt_tolerance: percent("OPSDESK_PO_RECEIPT_TOLERANCE_PERCENT", "5")?,
            price_tolerance: percent("OPSDESK_PO_PRICE_TOLERANCE_PERCENT", "2")?,
        })
    }
}

/// How large files may be (src/attachments/).
#[derive(Clone, Debug)]
pub struct AttachmentSettings {
    /// The largest file one upload may hold, in bytes.
    pub max_bytes: u64,
    /// The most all the files of one record (a ticket, an invoice…) may hold together, in bytes.
    pub max_bytes_per_record: u64,
}

impl AttachmentSettings {
    fn from_env() -> Result<AttachmentSettings, ConfigError> {
        const MIB: u64 = 1024 * 1024;
        let settings = AttachmentSettings {
            max_bytes: positive("OPSDESK_ATTACHMENT_MAX_BYTES", 25 * MIB)?,
            max_bytes_per_record: positive("OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD", 100 * MIB)?,
        };
        // Sizes are stored as BIGINT: keep every sum of them far from its end.
        if settings.max_bytes_per_record > i64::MAX as u64 / 4 {
            return Err(ConfigError {
                name: "OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD",
                problem: "is too large".into(),
            });
        }
        if settings.max_bytes > settings.max_bytes_per_record {
            return Err(ConfigError {
                name: "OPSDESK_ATTACHMENT_MAX_BYTES",
                problem: "must not be above OPSDESK_ATTACHMENT_MAX_BYTES_PER_RECORD".into(),
            });
        }
        Ok(settings)
    }
}

/// Bulk import (src/imports/).
#[derive(Clone, Debug)]
pub struct ImportSettings {
    /// The largest file `POST /imports` takes (413 beyond); it replaces `body_limit` there.
    pub max_bytes: usize,
    /// The most data rows one file may hold (413 beyond).
    pub max_rows: usize,
    /// How often an idle node looks for queued import jobs.
    pub poll: Duration,
    /// How long a node holds a job it runs before another may take it (a node that died); a
    /// running job renews it as it commits rows. It must outlast one whole-file transaction.
    pub lease: Duration,
}

impl ImportSettings {
    fn from_env() -> Result<ImportSettings, ConfigError> {
        Ok(ImportSettings {
            max_bytes: positive("OPSDESK_IMPORT_MAX_BYTES", 20 * 1024 * 1024)?,
            max_rows: positive("OPSDESK_IMPORT_MAX_ROWS", 100_000)?,
            poll: Duration::from_millis(positive("OPSDESK_IMPORT_POLL_MS", 500u64)?),
            lease: seconds("OPSDESK_IMPORT_LEASE_SECS", 600)?,
        })
    }
}

/// How webhooks are delivered (src/webhooks/).
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Networks a webhook may target although they are private, loopback or link-local; a
    /// target in one of them may also use plain http. Empty (the default): HTTPS to public
    /// addresses only.
    pub allowed_networks: Vec<Network>,
    /// How long a receiver has to answer one delivery.
    pub timeout: Duration,
    /// The wait before the first retry; it doubles with each attempt (with jitter) up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Attempts of one delivery before it is given up as failed.
    pub max_attempts: i32,
    /// A subscription is disabled after this many failed attempts in a row, once it has also
    /// been failing for `disable_after`.
    pub disable_after_failures: i32,
    pub disable_after: Duration,
    /// How often each node looks for new events and due deliveries.
    pub poll: Duration,
}

/// An IP network: an address and the number of leading bits that must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    pub address: std::net::IpAddr,
    pub prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let (wanted, given, bits): (u128, u128, u32) = match (self.address, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a).into(), u32::from(b).into(), 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let prefix = u32::from(self.prefix).min(bits);
        if prefix == 0 {
            return true;
        }
        let shift = bits - prefix;
        (wanted >> shift) == (given >> shift)
    }
}

impl FromStr for Network {
    type Err = String;

    /// `10.0.0.0/8`, `127.0.0.1` (one address), `fd00::/8`.
    fn from_str(text: &str) -> Result<Network, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: std::net::IpAddr =
            address.trim().parse().map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Network { address, prefix })
    }
}

fn networks(name: &'static str) -> Result<Vec<Network>, ConfigError> {
    var(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.parse::<Network>().map_err(|problem| ConfigError { name, problem }))
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

fn millis(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    positive::<u64>(name, default).map(Duration::from_millis)
}

impl WebhookSettings {
    fn from_env() -> Result<WebhookSettings, ConfigError> {
        let settings = WebhookSettings {
            allowed_networks: networks("OPSDESK_WEBHOOK_ALLOWED_NETWORKS")?,
            timeout: seconds("OPSDESK_WEBHOOK_TIMEOUT_SECS", 10)?,
            retry_base: millis("OPSDESK_WEBHOOK_RETRY_BASE_MS", 10_000)?,
            retry_max: millis("OPSDESK_WEBHOOK_RETRY_MAX_MS", 3_600_000)?,
            max_attempts: positive("OPSDESK_WEBHOOK_MAX_ATTEMPTS", 12)?,
            disable_after_failures: positive("OPSDESK_WEBHOOK_DISABLE_AFTER_FAILURES", 30)?,
            disable_after: Duration::from_secs(parse("OPSDESK_WEBHOOK_DISABLE_AFTER_SECS", 86_400u64)?),
            poll: millis("OPSDESK_WEBHOOK_POLL_MS", 1000)?,
        };
        if settings.retry_max < settings.retry_base {
            return Err(ConfigError {
                name: "OPSDESK_WEBHOOK_RETRY_MAX_MS",
                problem: "must not be below OPSDESK_WEBHOOK_RETRY_BASE_MS".into(),
            });
        }
        Ok(settings)
    }
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
    /// The largest request body taken on `path`: `body_limit`, but for the two uploads of files
    /// (an attachment, a bulk import), which have limits of their own.
    pub fn body_limit_for(&self, path: &str) -> usize {
        match path {
            "/api/v1/imports" => self.imports.max_bytes.max(self.body_limit),
            "/api/v1/attachments" => {
                usize::try_from(self.attachments.max_bytes).unwrap_or(usize::MAX).max(self.body_limit)
            }
            _ => self.body_limit,
        }
    }

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
            log_format: match var("OPSDESK_LOG_FORMAT").as_deref().map(str::trim) {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError {
                        name: "OPSDESK_LOG_FORMAT",
                        problem: format!("must be text or json, not {other:?}"),
                    })
                }
            },
            slow_query: match parse("OPSDESK_SLOW_QUERY_MS", 250u64)? {
                0 => None,
                ms => Some(Duration::from_millis(ms)),
            },
            metrics_token: match var("OPSDESK_METRICS_TOKEN") {
                Some(token) if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) => {
                    return Err(ConfigError {
                        name: "OPSDESK_METRICS_TOKEN",
                        problem: "must be at least 16 printable characters without spaces".into(),
                    })
                }
                token => token,
            },
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
            webhooks: WebhookSettings::from_env()?,
            attachments: AttachmentSettings::from_env()?,
            procurement: ProcurementSettings::from_env()?,
            imports: ImportSettings::from_env()?,
        })
    }
}
