//! Rows and rules of the job desks: priorities, the SLA policy, ticket kinds and links, and the
//! cost of time. The workflow and the SLA clocks are in `workflow.rs`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{desks, ticket_comments, tickets, time_entries};
use crate::money::{self, Currency};

// The priorities and SLA targets belong to the workflow and its clocks; rows name them here.
pub use super::workflow::{Priority, SlaPolicy, SlaTarget};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = desks, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeskRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub department_id: i64,
    pub billing_rate: i64,
    pub currency: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = tickets, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TicketRow {
    pub id: i64,
    pub desk_id: i64,
    pub number: i64,
    pub reference: String,
    pub subject: String,
    pub description: String,
    pub kind: String,
    pub priority: String,
    pub priority_rank: i32,
    pub status: String,
    pub requester_employee_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub first_response_due_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub resolution_due_at: NaiveDateTime,
    pub paused_micros: i64,
    pub clock_stopped_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub time_spent_minutes: i64,
    pub version: i64,
    pub requester_customer_id: Option<i64>,
}

impl TicketRow {
    pub fn status(&self) -> super::workflow::Status {
        super::workflow::Status::from_stored(&self.status)
    }

    pub fn clocks(&self) -> super::workflow::Clocks {
        super::workflow::Clocks {
            created_at: self.created_at,
            first_response_due_at: self.first_response_due_at,
            first_response_at: self.first_response_at,
            resolution_due_at: self.resolution_due_at,
            paused_micros: self.paused_micros,
            stopped_at: self.clock_stopped_at,
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = ticket_comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CommentRow {
    pub id: i64,
    pub ticket_id: i64,
    pub author_user_id: Option<i64>,
    pub author_employee_id: Option<i64>,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = time_entries, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TimeEntryRow {
    pub id: i64,
    pub ticket_id: i64,
    pub desk_id: i64,
    pub department_id: i64,
    pub employee_id: i64,
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub billable: bool,
    pub note: Option<String>,
    pub hourly_cost_rate: i64,
    pub cost: i64,
    pub cost_currency: String,
    pub billing_rate: Option<i64>,
    pub billing_currency: Option<String>,
    pub billable_amount: Option<i64>,
    pub invoice_id: Option<i64>,
    pub invoiced_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Inquiry,
    Incident,
    Request,
    Task,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Inquiry, Kind::Incident, Kind::Request, Kind::Task];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Inquiry => "inquiry",
            Kind::Incident => "incident",
            Kind::Request => "request",
            Kind::Task => "task",
        }
    }

    pub fn from_stored(s: &str) -> Kind {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).unwrap_or(Kind::Request)
    }
}

/// A link from one ticket to another, as stored (from the ticket that names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Duplicates,
    RelatesTo,
    Blocks,
}

/// A link as seen from either end: the target of `blocks` sees `blocked_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkRelation {
    Duplicates,
    DuplicatedBy,
    RelatesTo,
    Blocks,
    BlockedBy,
}

impl LinkKind {
    pub const ALL: [LinkKind; 3] = [LinkKind::Duplicates, LinkKind::RelatesTo, LinkKind::Blocks];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Duplicates => "duplicates",
            LinkKind::RelatesTo => "relates_to",
            LinkKind::Blocks => "blocks",
        }
    }

    pub fn from_stored(s: &str) -> LinkKind {
        LinkKind::ALL.into_iter().find(|k| k.as_str() == s).unwrap_or(LinkKind::RelatesTo)
    }

    /// The relation as seen from the ticket that names the link, or from the other end.
    pub fn relation(self, seen_from_target: bool) -> LinkRelation {
        match (self, seen_from_target) {
            (LinkKind::Duplicates, false) => LinkRelation::Duplicates,
            (LinkKind::Duplicates, true) => LinkRelation::DuplicatedBy,
            (LinkKind::RelatesTo, _) => LinkRelation::RelatesTo,
            (LinkKind::Blocks, false) => LinkRelation::Blocks,
            (LinkKind::Blocks, true) => LinkRelation::BlockedBy,
        }
    }
}

/// Tags are lower-case words: a letter or digit, then up to 39 of letters, digits, `-` and `_`.
pub fn normalize_tag(raw: &str) -> Result<String, &'static str> {
    let tag = raw.to_ascii_lowercase();
    let mut chars = tag.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && tag.len() <= 40 && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(tag)
    } else {
        Err("must be 1 to 40 characters of a-z, 0-9, '-' and '_', starting with a letter or digit")
    }
}

/// The amount for `minutes` of work at `hourly_rate` (minor units of `currency`), half-up to the
/// minor unit: cost at the employee's cost rate, or the billable amount at the billing rate.
pub fn amount_for_minutes(minutes: i32, hourly_rate: i64, currency: Currency) -> Option<i64> {
    let exact = money::to_decimal(hourly_rate, currency).checked_mul(Decimal::from(minutes))? / Decimal::from(60);
    money::round_to_minor(exact, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_costed_half_up_to_the_minor_unit() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let jpy: Currency = "JPY".parse().expect("JPY");
        let bhd: Currency = "BHD".parse().expect("BHD");
        assert_eq!(amount_for_minutes(90, 4_550, eur), Some(6_825), "1.5 h at 45.50");
        assert_eq!(amount_for_minutes(1, 4_550, eur), Some(76), "0.758333 rounds up");
        assert_eq!(amount_for_minutes(1, 30, eur), Some(1), "0.005 rounds half-up");
        assert_eq!(amount_for_minutes(1, 29, eur), Some(0), "0.00483 rounds down");
        assert_eq!(amount_for_minutes(7, 5_000, jpy), Some(583), "583.33 yen");
        assert_eq!(amount_for_minutes(20, 12_345, bhd), Some(4_115), "4.115 dinar");
    }

    #[test]
    fn tags_are_lower_case_words() {
        assert_eq!(normalize_tag("VPN-2fa").as_deref(), Ok("vpn-2fa"));
        assert!(normalize_tag(" vpn").is_err());
        assert!(normalize_tag("-lead").is_err());
        assert!(normalize_tag("two words").is_err());
        assert!(normalize_tag("").is_err());
        assert!(normalize_tag(&"x".repeat(41)).is_err());
    }

    #[test]
    fn the_default_policy_is_valid_and_tightens_with_priority() {
        let policy = SlaPolicy::default();
        assert!(policy.problems("/sla").is_empty());
        assert!(policy.target(Priority::Urgent).resolution_minutes < policy.target(Priority::Low).resolution_minutes);
    }

    #[test]
    fn problems_point_at_the_target() {
        let bad =
            SlaPolicy::default().with(Priority::High, SlaTarget { first_response_minutes: 600, resolution_minutes: 0 });
        let pointers: Vec<String> = bad.problems("/sla").into_iter().map(|(p, _)| p).collect();
        assert_eq!(pointers, vec!["/sla/high/resolution_minutes", "/sla/high/first_response_minutes"]);
    }
}
