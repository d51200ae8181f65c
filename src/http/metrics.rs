//! `GET /metrics`: the node's counters in Prometheus' text format, for the operator on call.
//!
//! - requests by method, route template and status, and their latency as a histogram (the route
//!   is the template, `/api/v1/tickets/{id}`, so the series stay few whatever ids are asked for);
//! - the database pool: connections in use, requests waiting for one, time spent waiting, waits
//!   that ran out (answered 503); on SQLite the write lane's queue; slow queries;
//! - sign-ins by outcome (throttled ones included), webhook deliveries by outcome, and gauges read
//!   from the database when scraped (the webhook queue's depth), registered by their modules.
//!
//! It answers only a bearer token equal to `OPSDESK_METRICS_TOKEN`; without that setting the
//! endpoint does not exist (404), so nothing about the node is public by default.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::config::Config;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Methods outside this list are counted as `OTHER`, so a client cannot grow the series.
const KNOWN_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// A number read from the database when the metrics are scraped.
pub struct DbGauge {
    pub name: &'static str,
    pub help: &'static str,
    pub read: fn(&mut DbConn) -> diesel::QueryResult<i64>,
}

#[derive(Default)]
struct RouteStats {
    by_status: HashMap<u16, u64>,
    /// Counts per bucket (not cumulative; summed when rendered), the last for +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

/// Sign-in outcomes, as counted.
#[derive(Clone, Copy)]
pub enum Login {
    SignedIn,
    WrongCredentials,
    Throttled,
    Busy,
}

pub struct Metrics {
    routes: Mutex<HashMap<(&'static str, String), RouteStats>>,
    logins: [AtomicU64; 4],
    webhook_delivered: AtomicU64,
    webhook_failed: AtomicU64,
    db_gauges: Vec<DbGauge>,
}

impl Metrics {
    pub fn new(db_gauges: Vec<DbGauge>) -> Metrics {
        Metrics {
            routes: Mutex::default(),
            logins: Default::default(),
            webhook_delivered: AtomicU64::new(0),
            webhook_failed: AtomicU64::new(0),
            db_gauges,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: String, status: u16, took: Duration) {
        let method = KNOWN_METHODS.into_iter().find(|known| *known == method).unwrap_or("OTHER");
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|bound| seconds <= *bound).unwrap_or(BUCKETS.len());
        // A poisoned lock only means a panic elsewhere while counting: the counts are still usable.
        let mut routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = routes.entry((method, route)).or_default();
        *stats.by_status.entry(status).or_default() += 1;
        stats.buckets[bucket] += 1;
        stats.sum_seconds += seconds;
        stats.count += 1;
    }

    pub fn login(&self, outcome: Login) {
        self.logins[outcome as usize].fetch_add(1, Relaxed);
    }

    pub fn webhook_delivery(&self, delivered: bool) {
        if delivered { &self.webhook_delivered } else { &self.webhook_failed }.fetch_add(1, Relaxed);
    }

    /// The text exposition of everything counted, with the pool's figures and the database gauges.
    pub fn render(&self, pool: &DbPool, gauges: &[i64]) -> String {
        let mut out = String::with_capacity(16 * 1024);
        self.render_requests(&mut out);
        let stats = &pool.stats;
        let (size, in_use) = pool.usage();
        let micros = |v: &AtomicU64| v.load(Relaxed) as f64 / 1e6;
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(&str, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        family(
            "opsdesk_db_pool_connections",
            "gauge",
            "Database connections: the pool's maximum and those in use.",
            &[("{state=\"max\"}", size.to_string()), ("{state=\"in_use\"}", in_use.to_string())],
        );
        family(
            "opsdesk_db_pool_waiting",
            "gauge",
            "Requests waiting for a database connection now.",
            &[("", stats.waiting.load(Relaxed).to_string())],
        );
        family(
            "opsdesk_db_pool_wait_seconds_total",
            "counter",
            "Time requests spent waiting for a database connection.",
            &[("", micros(&stats.wait_micros).to_string())],
        );
        family(
            "opsdesk_db_pool_waits_total",
            "counter",
            "Requests that had to wait for a database connection.",
            &[("", stats.waits.load(Relaxed).to_string())],
        );
        family(
            "opsdesk_db_pool_timeouts_total",
            "counter",
            "Waits for a connection or the write lane that ran past the pool timeout (answered 503).",
            &[("", stats.timeouts.load(Relaxed).to_string())],
        );
        family(
            "opsdesk_sqlite_write_lane_waiting",
            "gauge",
            "Writes queued for SQLite's write lock now (0 on PostgreSQL).",
            &[("", stats.lane_waiting.load(Relaxed).to_string())],
        );
        family(
            "opsdesk_sqlite_write_lane_wait_seconds_total",
            "counter",
            "Time writes spent queued for SQLite's write lock.",
            &[("", micros(&stats.lane_wait_micros).to_string())],
        );
        family(
            "opsdesk_sqlite_write_lane_waits_total",
            "counter",
            "Writes that had to queue for SQLite's write lock.",
            &[("", stats.lane_waits.load(Relaxed).to_string())],
        );
        family(
            "opsdesk_slow_queries_total",
            "counter",
            "Statements slower than OPSDESK_SLOW_QUERY_MS.",
            &[("", stats.slow_queries.count.load(Relaxed).to_string())],
        );
        let logins = |i: usize| self.logins[i].load(Relaxed).to_string();
        family(
            "opsdesk_logins_total",
            "counter",
            "Sign-ins by outcome: throttled ones were answered 429, busy ones 503.",
            &[
                ("{outcome=\"signed_in\"}", logins(Login::SignedIn as usize)),
                ("{outcome=\"wrong_credentials\"}", logins(Login::WrongCredentials as usize)),
                ("{outcome=\"throttled\"}", logins(Login::Throttled as usize)),
                ("{outcome=\"busy\"}", logins(Login::Busy as usize)),
            ],
        );
        family(
            "opsdesk_webhook_deliveries_total",
            "counter",
            "Webhook delivery attempts made by this node, by outcome.",
            &[
                ("{outcome=\"delivered\"}", self.webhook_delivered.load(Relaxed).to_string()),
                ("{outcome=\"failed\"}", self.webhook_failed.load(Relaxed).to_string()),
            ],
        );
        for (gauge, value) in self.db_gauges.iter().zip(gauges) {
            family(gauge.name, "gauge", gauge.help, &[("", value.to_string())]);
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut keys: Vec<_> = routes.keys().collect();
        keys.sort();
        let _ = writeln!(
            out,
            "# HELP opsdesk_http_requests_total Requests answered, by method, route template and status.\n\
             # TYPE opsdesk_http_requests_total counter"
        );
        for key in &keys {
            let (method, route) = key;
            let mut statuses: Vec<_> = routes[*key].by_status.iter().collect();
            statuses.sort();
            for (status, count) in statuses {
                let _ = writeln!(
                    out,
                    "opsdesk_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP opsdesk_http_request_duration_seconds Time to the response head, by method and route template.\n\
             # TYPE opsdesk_http_request_duration_seconds histogram"
        );
        for key in &keys {
            let (method, route) = key;
            let stats = &routes[*key];
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (i, count) in stats.buckets.iter().enumerate() {
                cumulative += count;
                let bound = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    out,
                    "opsdesk_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(out, "opsdesk_http_request_duration_seconds_sum{{{labels}}} {}", stats.sum_seconds);
            let _ = writeln!(out, "opsdesk_http_request_duration_seconds_count{{{labels}}} {}", stats.count);
        }
    }
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Equal-time comparison, so the answer's timing tells nothing about how much of a guess matched.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The node's metrics in Prometheus' text format.
#[utoipa::path(
    operation_id = "metrics",
    tag = "health",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 401, description = "Missing or wrong metrics token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are off (OPSDESK_METRICS_TOKEN is not set)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn serve(
    req: HttpRequest,
    config: web::Data<Config>,
    metrics: web::Data<Metrics>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Credentials first, as everywhere: a request without any is 401 whether metrics are on or off.
    let Some(expected) = config.metrics_token.as_deref() else {
        return Err(if given.trim().is_empty() {
            ApiError::Unauthorized("the metrics token is missing".into())
        } else {
            ApiError::NotFound
        });
    };
    if !same_secret(given.trim().as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Unauthorized("the metrics token is missing or wrong".into()));
    }
    let readers: Vec<_> = metrics.db_gauges.iter().map(|gauge| gauge.read).collect();
    let gauges =
        db::run(&pool, move |conn| Ok(readers.iter().map(|read| read(conn)).collect::<Result<Vec<_>, _>>()?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(metrics.render(&pool, &gauges)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(serve);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_bucket_and_every_larger_one() {
        let metrics = Metrics::new(Vec::new());
        metrics.observe("GET", "/api/v1/users/{id}".into(), 200, Duration::from_micros(1500));
        metrics.observe("GET", "/api/v1/users/{id}".into(), 404, Duration::from_millis(30));
        metrics.observe("BREW", "unmatched".into(), 404, Duration::from_millis(1));
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(
            out.contains("opsdesk_http_requests_total{method=\"GET\",route=\"/api/v1/users/{id}\",status=\"200\"} 1\n")
        );
        assert!(
            out.contains("opsdesk_http_requests_total{method=\"GET\",route=\"/api/v1/users/{id}\",status=\"404\"} 1\n")
        );
        assert!(out.contains("opsdesk_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} 1\n"));
        let bucket = |le: &str| {
            format!("opsdesk_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/users/{{id}}\",le=\"{le}\"}}")
        };
        assert!(out.contains(&format!("{} 0\n", bucket("0.001"))));
        assert!(out.contains(&format!("{} 1\n", bucket("0.0025"))));
        assert!(out.contains(&format!("{} 1\n", bucket("0.025"))));
        assert!(out.contains(&format!("{} 2\n", bucket("0.05"))));
        assert!(out.contains(&format!("{} 2\n", bucket("+Inf"))));
        assert!(out
            .contains("opsdesk_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/users/{id}\"} 2\n"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdeX", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcde", b"0123456789abcdef"));
        assert!(!same_secret(b"", b"0123456789abcdef"));
    }
}
