//! `GET /api/v1/reports/desks`: per desk and per agent over a period — the backlog now by status
//! and age, tickets created and resolved per week, median and 90th-percentile first-response and
//! resolution times, SLA compliance, time logged and its labour cost, cost per resolved ticket.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::TicketAccess;
use super::permissions;
use super::repo::{self, reports as sql};
use crate::auth::principal::Principal;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::csv::{self, FormatQuery, Negotiated};
use crate::money::{self, Currency, Money};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeskReportQuery {
    /// First day of the period (default: 27 days before `to`).
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub from: Option<NaiveDate>,
    /// Last day of the period, included (default: today, UTC). At most 366 days after `from`.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub to: Option<NaiveDate>,
    /// Only this desk.
    pub desk_id: Option<i64>,
}

/// Open tickets by age (time since creation).
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct AgeBuckets {
    pub under_1_day: i64,
    pub days_1_to_3: i64,
    pub days_3_to_7: i64,
    pub days_7_to_30: i64,
    pub over_30_days: i64,
}

/// Tickets in new, open or pending now.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct Backlog {
    pub new: i64,
    pub open: i64,
    pub pending: i64,
    pub total: i64,
    pub by_age: AgeBuckets,
}

/// Nearest-rank percentiles of durations in whole minutes; null without data.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct Percentiles {
    /// Tickets measured.
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Week {
    /// The Monday the week starts on (weeks run Monday to Sunday, UTC).
    pub week_start: NaiveDate,
    pub created: i64,
    pub resolved: i64,
}

/// The figures of one desk or one agent over the period.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct Figures {
    pub backlog: Backlog,
    /// Tickets created in the period.
    pub created: i64,
    /// Tickets resolved in the period (latest resolution).
    pub resolved: i64,
    /// Creation to first public reply by a desk member, for tickets first answered in the period.
    pub first_response_minutes: Percentiles,
    /// Creation to resolution (wall-clock time), for tickets resolved in the period.
    pub resolution_minutes: Percentiles,
    /// Share of the tickets resolved in the period that met both their first-response and
    /// resolution targets, one decimal, half-up; null when none was resolved.
    #[schema(example = "92.5")]
    pub sla_compliance_percent: Option<String>,
    /// Minutes of time entries with work dates in the period.
    pub time_logged_minutes: i64,
    /// Cost of that time per currency. Only for finance, admin and auditor; null for others.
    pub labour_cost: Option<Vec<Money>>,
    /// labour_cost / resolved, half-up per currency. Only for finance, admin and auditor.
    pub cost_per_resolved_ticket: Option<Vec<Money>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentFigures {
    /// The assignee (backlog, created, resolved, durations) and the person who logged the time.
    pub employee_id: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskFigures {
    pub desk_id: i64,
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub weeks: Vec<Week>,
    /// Per assignee; tickets nobody holds count for the desk only.
    pub agents: Vec<AgentFigures>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub desks: Vec<DeskFigures>,
}

/// Nearest rank: the smallest value with at least p% of the values at or below it.
fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn percentiles(mut seconds: Vec<i64>) -> Percentiles {
    seconds.sort_unstable();
    let minutes: Vec<i64> = seconds.iter().map(|s| s.div_euclid(60)).collect();
    Percentiles { count: minutes.len() as i64, median: nearest_rank(&minutes, 50), p90: nearest_rank(&minutes, 90) }
}

/// `part` of `whole` in percent, one decimal, half-up.
fn percent(part: i64, whole: i64) -> Option<String> {
    money::percent_one_decimal(Decimal::from(part), Decimal::from(whole))
}

/// Durations and SLA outcomes gathered for one desk or agent.
#[derive(Default)]
struct Gathered {
    figures: Figures,
    first_responses: Vec<i64>,
    resolutions: Vec<i64>,
    met: i64,
    cost: BTreeMap<String, i64>,
}

impl Gathered {
    fn finish(mut self, sees_costs: bool) -> Figures {
        self.figures.first_response_minutes = percentiles(self.first_responses);
        self.figures.resolution_minutes = percentiles(self.resolutions);
        self.figures.sla_compliance_percent = percent(self.met, self.figures.resolved);
        if sees_costs {
            let money = |(code, minor): (&String, i64)| Money::new(minor, code);
            self.figures.labour_cost = Some(self.cost.iter().map(|(c, m)| money((c, *m))).collect());
            self.figures.cost_per_resolved_ticket = Some(if self.figures.resolved == 0 {
                Vec::new()
            } else {
                self.cost
                    .iter()
                    .filter_map(|(code, total)| {
                        let currency: Currency = code.parse().ok()?;
                        let exact = money::to_decimal(*total, currency) / Decimal::from(self.figures.resolved);
                        money::round_to_minor(exact, currency).map(|minor| money((code, minor)))
                    })
                    .collect()
            });
        }
        self.figures
    }
}

fn add_backlog(backlog: &mut Backlog, status: &str, bucket: i64, tickets: i64) {
    match status {
        "new" => backlog.new += tickets,
        "open" => backlog.open += tickets,
        _ => backlog.pending += tickets,
    }
    backlog.total += tickets;
    let ages = &mut backlog.by_age;
    match bucket {
        0 => ages.under_1_day += tickets,
        1 => ages.days_1_to_3 += tickets,
        2 => ages.days_3_to_7 += tickets,
        3 => ages.days_7_to_30 += tickets,
        _ => ages.over_30_days += tickets,
    }
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN)
}

fn build(
    conn: &mut DbConn,
    query: &DeskReportQuery,
    from: NaiveDate,
    to: NaiveDate,
    sees_costs: bool,
) -> Result<DeskReport, ApiError> {
    let desks = match query.desk_id {
        Some(id) => vec![repo::desk(conn, id)?.ok_or(ApiError::NotFound)?],
        None => repo::list_desks(conn, &repo::DeskFilter::default(), None, i64::MAX - 1)?,
    };
    let (start, end) = (midnight(from), crate::dates::end_of_day(to));
    let first_monday = from - Duration::days(i64::from(from.weekday().num_days_from_monday()));
    let now = db::now();
    let bounds = [now - Duration::days(1), now - Duration::days(3), now - Duration::days(7), now - Duration::days(30)];

    let mut desk_data: HashMap<i64, Gathered> = HashMap::new();
    let mut agent_data: HashMap<(i64, i64), Gathered> = HashMap::new();
    let mut weeks: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    // Every fact counts for its desk and, when someone holds the ticket, for that agent.
    macro_rules! each {
        ($desk:expr, $agent:expr, |$g:ident| $body:expr) => {{
            let $g = desk_data.entry($desk).or_default();
            $body;
            if let Some(agent) = $agent {
                let $g = agent_data.entry(($desk, agent)).or_default();
                $body;
            }
        }};
    }
    for row in sql::backlog(conn, query.desk_id, bounds)? {
        each!(row.desk_id, row.assignee_id, |g| add_backlog(
            &mut g.figures.backlog,
            &row.status,
            row.bucket,
            row.tickets
        ));
    }
    for row in sql::per_week(conn, "created_at", query.desk_id, midnight(first_monday), start, end)? {
        each!(row.desk_id, row.assignee_id, |g| g.figures.created += row.tickets);
        weeks.entry((row.desk_id, row.week)).or_default().0 += row.tickets;
    }
    for row in sql::per_week(conn, "resolved_at", query.desk_id, midnight(first_monday), start, end)? {
        each!(row.desk_id, row.assignee_id, |g| g.figures.resolved += row.tickets);
        weeks.entry((row.desk_id, row.week)).or_default().1 += row.tickets;
    }
    for row in sql::first_responses(conn, query.desk_id, start, end)? {
        each!(row.desk_id, row.assignee_id, |g| g.first_responses.push(row.seconds));
    }
    for row in sql::resolutions(conn, query.desk_id, start, end)? {
        each!(row.desk_id, row.assignee_id, |g| {
            g.resolutions.push(row.seconds);
            g.met += row.met;
        });
    }
    // Time logged and what it cost, as booked in the cost book.
    for row in crate::ledger::desk_labour(conn, query.desk_id, from, to)? {
        each!(row.desk_id, Some(row.employee_id), |g| {
            g.figures.time_logged_minutes += row.minutes;
            *g.cost.entry(row.currency.clone()).or_default() += row.cost;
        });
    }

    let week_count = (to - first_monday).num_days() / 7 + 1;
    let mut agents_by_desk: BTreeMap<i64, Vec<AgentFigures>> = BTreeMap::new();
    let mut agent_keys: Vec<(i64, i64)> = agent_data.keys().copied().collect();
    agent_keys.sort_unstable();
    for key in agent_keys {
        if let Some(gathered) = agent_data.remove(&key) {
            let figures = gathered.finish(sees_costs);
            agents_by_desk.entry(key.0).or_default().push(AgentFigures { employee_id: key.1, figures });
        }
    }
    let desks = desks
        .into_iter()
        .map(|desk| DeskFigures {
            desk_id: desk.id,
            key: desk.key.clone(),
            name: desk.name.clone(),
            figures: desk_data.remove(&desk.id).unwrap_or_default().finish(sees_costs),
            weeks: (0..week_count)
                .map(|week| {
                    let (created, resolved) = weeks.get(&(desk.id, week)).copied().unwrap_or_default();
                    Week { week_start: first_monday + Duration::weeks(week), created, resolved }
                })
                .collect(),
            agents: agents_by_desk.remove(&desk.id).unwrap_or_default(),
        })
        .collect();
    Ok(DeskReport { from, to, desks })
}

/// The desk report over a period (ops, finance, admin, auditor; costs for finance, admin and
/// auditor only). Medians and percentiles are nearest-rank over whole minutes.
#[utoipa::path(
    operation_id = "get_desk_report",
    tag = "tickets",
    params(DeskReportQuery, FormatQuery),
    responses(
        (status = 200, description = "Figures per desk and agent", body = DeskReport),
        (status = 404, description = "No such desk", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/desks")]
pub async fn desk_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<DeskReportQuery>,
    Negotiated(format): Negotiated,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_DESK_REPORTS)?;
    let query = query.into_inner();
    let (from, to) = crate::dates::report_period(query.from, query.to, |to| to - Duration::days(27))?;
    let report = db::run_heavy(&state.pool, move |conn| {
        let access = TicketAccess::load(conn, &principal)?;
        build(conn, &query, from, to, access.sees_all_costs)
    })
    .await?;
    csv::report::<DeskFigures, _>(format, &format!("desks-{}-{}.csv", report.from, report.to), &report, "/desks")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(5));
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 50), Some(6));
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
    }

    #[test]
    fn durations_are_whole_minutes_and_percent_rounds_half_up() {
        let p = percentiles(vec![3_599, 59, 61, 120]);
        assert_eq!((p.count, p.median, p.p90), (4, Some(1), Some(59)));
        assert_eq!(percent(1, 8).as_deref(), Some("12.5"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent(1, 3).as_deref(), Some("33.3"));
        assert_eq!(percent(5, 5).as_deref(), Some("100.0"));
        assert_eq!(percent(0, 0), None);
    }
}
