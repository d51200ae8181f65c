//! Request and response types of tickets and comments (the OpenAPI schemas).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{CommentRow, Kind, LinkKind, LinkRelation, Priority, TicketRow};
use super::workflow::{Status, Transition};
use crate::http::json::nullable;

/// Who asked for the work: an employee, a customer record (its name and email as they were when
/// the ticket was opened), or someone named by name and email.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requester {
    pub employee_id: Option<i64>,
    pub customer_id: Option<i64>,
    #[schema(example = "Grace Customer")]
    pub name: Option<String>,
    #[schema(example = "grace@customer.example")]
    pub email: Option<String>,
}

/// A link to another ticket, as seen from this one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketLink {
    pub relation: LinkRelation,
    pub ticket_id: i64,
    #[schema(example = "IT-17")]
    pub number: String,
}

/// The ticket's service-level clocks. `*_breached` and `*_minutes_left` are computed when the
/// response is made; the due times change only with the priority and with time spent pending or
/// resolved (the resolution clock stands still then).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketSla {
    pub first_response_due_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_response_breached: bool,
    /// Whole minutes until the first response is due, negative once late; null once answered or
    /// ended.
    pub first_response_minutes_left: Option<i64>,
    pub resolution_due_at: DateTime<Utc>,
    pub resolution_breached: bool,
    /// Whole minutes until resolution is due, negative once late, frozen while the clock stands
    /// still; null once resolved or ended.
    pub resolution_minutes_left: Option<i64>,
    /// True while the resolution clock stands still (pending, resolved).
    pub clock_paused: bool,
}

/// A ticket: one piece of work on a desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ticket {
    pub id: i64,
    /// The desk's key and a number counted per desk without gaps.
    #[schema(example = "IT-42")]
    pub number: String,
    pub desk_id: i64,
    #[schema(example = "VPN drops every hour")]
    pub subject: String,
    pub description: String,
    pub kind: Kind,
    pub priority: Priority,
    pub status: Status,
    /// The moves the caller may make now, for `POST /tickets/{id}/transitions`.
    pub allowed_transitions: Vec<Status>,
    pub requester: Requester,
    /// An active member of the desk, or null when unassigned.
    pub assignee_id: Option<i64>,
    #[schema(example = json!(["vpn", "network"]))]
    pub tags: Vec<String>,
    pub due_date: Option<NaiveDate>,
    pub links: Vec<TicketLink>,
    pub sla: TicketSla,
    /// Minutes of time entries on this ticket.
    pub time_spent_minutes: i64,
    /// The latest resolution; cleared when the ticket is reopened.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the ticket was closed or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Ticket {
    pub fn new(
        row: &TicketRow,
        tags: Vec<String>,
        links: Vec<TicketLink>,
        allowed_transitions: Vec<Status>,
        now: NaiveDateTime,
    ) -> Ticket {
        let status = row.status();
        let clocks = row.clocks();
        Ticket {
            id: row.id,
            number: row.reference.clone(),
            desk_id: row.desk_id,
            subject: row.subject.clone(),
            description: row.description.clone(),
            kind: Kind::from_stored(&row.kind),
            priority: Priority::from_stored(&row.priority),
            status,
            allowed_transitions,
            requester: Requester {
                employee_id: row.requester_employee_id,
                customer_id: row.requester_customer_id,
                name: row.requester_name.clone(),
                email: row.requester_email.clone(),
            },
            assignee_id: row.assignee_id,
            tags,
            due_date: row.due_date,
            links,
            sla: TicketSla {
                first_response_due_at: row.first_response_due_at.and_utc(),
                first_response_at: row.first_response_at.map(|t| t.and_utc()),
                first_response_breached: clocks.first_response_breached(status, now),
                first_response_minutes_left: clocks.first_response_minutes_left(status, now),
                resolution_due_at: row.resolution_due_at.and_utc(),
                resolution_breached: clocks.resolution_breached(now),
                resolution_minutes_left: clocks.resolution_minutes_left(status, now),
                clock_paused: row.clock_stopped_at.is_some(),
            },
            time_spent_minutes: row.time_spent_minutes,
            resolved_at: row.resolved_at.map(|t| t.and_utc()),
            closed_at: row.closed_at.map(|t| t.and_utc()),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// A label: a letter or digit, then up to 39 of letters, digits, `-` and `_`; stored lower-case.
#[derive(ToSchema)]
#[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", example = "vpn")]
pub struct Tag(#[allow(dead_code)] String);

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub kind: LinkKind,
    /// A ticket you can see; not this one.
    pub ticket_id: i64,
}

/// A new ticket. Employees open tickets for themselves (the requester is their own record and
/// they cannot assign); the desk's agents and admins open them for anyone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    /// An active desk.
    pub desk_id: i64,
    #[schema(
        example = "VPN drops every hour",
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub subject: String,
    /// Up to 20000 characters; line breaks allowed.
    #[schema(max_length = 20000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub description: Option<String>,
    /// Default `request`.
    pub kind: Option<Kind>,
    /// Default `normal`.
    pub priority: Option<Priority>,
    /// The employee who asks; defaults to the caller's own employee record.
    pub requester_employee_id: Option<i64>,
    /// An active customer who asks (the desk's agents and admins only); the ticket keeps the
    /// customer's name and email, and its billable time can be invoiced to them.
    pub requester_customer_id: Option<i64>,
    /// A customer who asks, with `requester_email` (instead of an employee).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub requester_name: Option<String>,
    #[schema(max_length = 254)]
    pub requester_email: Option<String>,
    /// An active member of the desk.
    pub assignee_id: Option<i64>,
    /// Up to 20 tags of a-z, 0-9, `-` and `_` (stored lower-case).
    #[schema(max_items = 20, value_type = Option<Vec<Tag>>)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub due_date: Option<NaiveDate>,
    #[schema(max_items = 50)]
    pub links: Option<Vec<LinkInput>>,
}

/// Only the fields sent change; `null` clears `assignee_id` and `due_date`. `tags` and `links`
/// replace the whole list. Status changes go through `POST /tickets/{id}/transitions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicket {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub subject: Option<String>,
    #[schema(max_length = 20000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub description: Option<String>,
    pub kind: Option<Kind>,
    /// A new priority moves the SLA due times (measured from creation, paused time added).
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    #[schema(max_items = 20, value_type = Option<Vec<Tag>>)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::dates::nullable_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
    #[schema(max_items = 50)]
    pub links: Option<Vec<LinkInput>>,
}

/// A move along the workflow (see `GET /tickets/workflow`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketTransition {
    pub to: Status,
    /// Posted as a comment with the move (public unless `internal`); blank means none.
    #[schema(max_length = 20000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub comment: Option<String>,
    /// Post the comment as an internal note (desk staff only). Default false.
    pub internal: Option<bool>,
}

/// A state of the workflow.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowState {
    pub status: Status,
    pub description: &'static str,
    /// No transition leaves it.
    pub is_final: bool,
    /// Whether the resolution clock runs in it.
    pub clock_runs: bool,
}

/// The whole workflow: its states and every legal move.
#[derive(Debug, Serialize, ToSchema)]
pub struct Workflow {
    pub initial: Status,
    pub states: Vec<WorkflowState>,
    pub transitions: Vec<Transition>,
}

/// A reply or an internal note on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub author_user_id: Option<i64>,
    pub author_employee_id: Option<i64>,
    pub body: String,
    /// Internal notes are seen by the desk's staff only, never by the requester.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Comment {
        Comment {
            id: row.id,
            ticket_id: row.ticket_id,
            author_user_id: row.author_user_id,
            author_employee_id: row.author_employee_id,
            body: row.body,
            internal: row.internal,
            created_at: row.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    /// Line breaks allowed.
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub body: String,
    /// An internal note (desk staff only). Default false: a public reply.
    pub internal: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
pub enum TicketSort {
    /// Oldest first.
    #[serde(rename = "created")]
    Created,
    /// Newest first (the default).
    #[serde(rename = "-created")]
    CreatedDesc,
    /// Least recently changed first (for incremental sync with `updated_since`).
    #[serde(rename = "updated")]
    Updated,
    /// Most recently changed first.
    #[serde(rename = "-updated")]
    UpdatedDesc,
    /// Most urgent first, then oldest.
    #[serde(rename = "priority")]
    Priority,
    /// Resolution due soonest first.
    #[serde(rename = "due")]
    Due,
}

/// Filters of `GET /tickets`; all of them combine.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListQuery {
    pub desk_id: Option<i64>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub kind: Option<Kind>,
    pub assignee_id: Option<i64>,
    /// `true`: only tickets nobody is assigned.
    pub unassigned: Option<bool>,
    pub requester_employee_id: Option<i64>,
    pub requester_customer_id: Option<i64>,
    /// Customer requesters by email (case-insensitive, exact).
    pub requester_email: Option<String>,
    #[param(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
    pub tag: Option<String>,
    /// `true`: a first-response or resolution target was missed; `false`: none was (yet).
    pub breached: Option<bool>,
    /// Tickets in new, open or pending whose next target (first response, else resolution) falls
    /// due within this many minutes and is not missed yet.
    #[param(minimum = 1, maximum = 525600)]
    pub due_within: Option<i64>,
    /// Only tickets in new, open or pending.
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub created_from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub created_to: Option<DateTime<Utc>>,
    /// Only tickets last changed before this instant (`updated_since` gives the start).
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub updated_to: Option<DateTime<Utc>>,
    /// Text search: every word must appear in the subject or the description (case-insensitive,
    /// anywhere in a word).
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<TicketSort>,
}
