//! SQL of the ticket list: the filters, the caller's scope, the SLA conditions (breached, due
//! soon), text search, and the sorts with their cursor.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Timestamp};

use crate::db::schema::{ticket_tags, tickets};
use crate::db::{dialect, DbConn, MultiBackend};
use crate::tickets::model::TicketRow;
use crate::tickets::views::TicketSort;

/// Which tickets a caller who does not see all of them sees.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub requester_employee_id: Option<i64>,
    pub desks: Vec<i64>,
}

#[derive(Debug, Default, Clone)]
pub struct TicketFilter {
    /// None: every ticket.
    pub scope: Option<Scope>,
    pub desk_id: Option<i64>,
    pub status: Option<&'static str>,
    pub active: Option<bool>,
    pub priority: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub assignee_id: Option<i64>,
    pub unassigned: Option<bool>,
    pub requester_employee_id: Option<i64>,
    pub requester_customer_id: Option<i64>,
    pub requester_email: Option<String>,
    pub tag: Option<String>,
    pub breached: Option<bool>,
    pub due_within_minutes: Option<i64>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub updated_since: Option<NaiveDateTime>,
    pub updated_to: Option<NaiveDateTime>,
    pub words: Vec<String>,
}

type TicketCondition = Box<dyn BoxableExpression<tickets::table, MultiBackend, SqlType = Bool>>;

/// A first-response or resolution target missed by `now` (the same rule as `workflow::Clocks`).
fn breached(now: NaiveDateTime) -> TicketCondition {
    Box::new(
        sql::<Bool>("(tickets.resolution_due_at < COALESCE(tickets.clock_stopped_at, ")
            .bind::<Timestamp, _>(now)
            .sql(") OR tickets.first_response_due_at < COALESCE(tickets.first_response_at, CASE WHEN tickets.active THEN ")
            .bind::<Timestamp, _>(now)
            .sql(" ELSE COALESCE(tickets.clock_stopped_at, ")
            .bind::<Timestamp, _>(now)
            .sql(") END))"),
    )
}

/// The next target (first response until answered, then resolution while its clock runs) falls
/// due between `now` and `horizon`.
fn due_between(now: NaiveDateTime, horizon: NaiveDateTime) -> TicketCondition {
    let first_response = tickets::first_response_at
        .is_null()
        .and(tickets::first_response_due_at.ge(now))
        .and(tickets::first_response_due_at.le(horizon));
    let resolution = tickets::first_response_at
        .is_not_null()
        .and(tickets::clock_stopped_at.is_null())
        .and(tickets::resolution_due_at.ge(now))
        .and(tickets::resolution_due_at.le(horizon));
    Box::new(tickets::active.eq(true).and(first_response.or(resolution)))
}

/// Subject or description: the text a ticket search looks in.
const SEARCH_TEXT: dialect::SearchText = dialect::SearchText {
    expression: "lower(tickets.subject || ' ' || tickets.description)",
    key: "tickets.id",
    fts_table: "tickets_search",
};

fn in_scope(scope: &Scope) -> TicketCondition {
    let desks = tickets::desk_id.eq_any(scope.desks.clone());
    match scope.requester_employee_id {
        Some(me) => Box::new(desks.or(tickets::requester_employee_id.eq(me).assume_not_null())),
        None => Box::new(desks),
    }
}

/// One page of tickets in `sort` order after the ticket `after` (the cursor).
pub fn list(
    conn: &mut DbConn,
    filter: &TicketFilter,
    sort: TicketSort,
    after: Option<i64>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<TicketRow>> {
    let mut query = tickets::table.select(TicketRow::as_select()).into_boxed();
    if let Some(scope) = &filter.scope {
        if scope.desks.is_empty() && scope.requester_employee_id.is_none() {
            return Ok(Vec::new());
        }
        query = query.filter(in_scope(scope));
    }
    if let Some(desk) = filter.desk_id {
        query = query.filter(tickets::desk_id.eq(desk));
    }
    if let Some(status) = filter.status {
        query = query.filter(tickets::status.eq(status));
    }
    if let Some(active) = filter.active {
        query = query.filter(tickets::active.eq(active));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tickets::priority.eq(priority));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(tickets::kind.eq(kind));
    }
    if let Some(assignee) = filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(assignee));
    }
    match filter.unassigned {
        Some(true) => query = query.filter(tickets::assignee_id.is_null()),
        Some(false) => query = query.filter(tickets::assignee_id.is_not_null()),
        None => {}
    }
    if let Some(requester) = filter.requester_employee_id {
        query = query.filter(tickets::requester_employee_id.eq(requester));
    }
    if let Some(customer) = filter.requester_customer_id {
        query = query.filter(tickets::requester_customer_id.eq(customer));
    }
    if let Some(email) = &filter.requester_email {
        query = query.filter(tickets::requester_email.eq(email.clone()));
    }
    if let Some(tag) = &filter.tag {
        let tagged = ticket_tags::table.filter(ticket_tags::tag.eq(tag.clone())).select(ticket_tags::ticket_id);
        query = query.filter(tickets::id.eq_any(tagged));
    }
    match filter.breached {
        Some(true) => query = query.filter(breached(now)),
        Some(false) => query = query.filter(diesel::dsl::not(breached(now))),
        None => {}
    }
    if let Some(minutes) = filter.due_within_minutes {
        query = query.filter(due_between(now, now + chrono::Duration::minutes(minutes)));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(tickets::created_at.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(tickets::created_at.lt(to));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(tickets::updated_at.ge(since));
    }
    if let Some(to) = filter.updated_to {
        query = query.filter(tickets::updated_at.lt(to));
    }
    for word in &filter.words {
        query = query.filter(dialect::text_contains(conn.backend(), &SEARCH_TEXT, word));
    }
    // The cursor is the last row's id; its sort key is read back so that the page continues
    // right after it.
    let last = match after {
        Some(id) => tickets::table
            .find(id)
            .select((tickets::updated_at, tickets::priority_rank, tickets::resolution_due_at))
            .first::<(NaiveDateTime, i32, NaiveDateTime)>(conn)
            .optional()?
            .map(|key| (id, key)),
        None => None,
    };
    query = match sort {
        TicketSort::Created => {
            if let Some(id) = after {
                query = query.filter(tickets::id.gt(id));
            }
            query.order(tickets::id.asc())
        }
        TicketSort::CreatedDesc => {
            if let Some(id) = after {
                query = query.filter(tickets::id.lt(id));
            }
            query.order(tickets::id.desc())
        }
        TicketSort::Updated => {
            if let Some((id, (updated, _, _))) = last {
                query = query.filter(
                    tickets::updated_at.gt(updated).or(tickets::updated_at.eq(updated).and(tickets::id.gt(id))),
                );
            }
            query.order((tickets::updated_at.asc(), tickets::id.asc()))
        }
        TicketSort::UpdatedDesc => {
            if let Some((id, (updated, _, _))) = last {
                query = query.filter(
                    tickets::updated_at.lt(updated).or(tickets::updated_at.eq(updated).and(tickets::id.lt(id))),
                );
            }
            query.order((tickets::updated_at.desc(), tickets::id.desc()))
        }
        TicketSort::Priority => {
            if let Some((id, (_, rank, _))) = last {
                query = query.filter(
                    tickets::priority_rank.lt(rank).or(tickets::priority_rank.eq(rank).and(tickets::id.gt(id))),
                );
            }
            query.order((tickets::priority_rank.desc(), tickets::id.asc()))
        }
        TicketSort::Due => {
            if let Some((id, (_, _, due))) = last {
                query = query.filter(
                    tickets::resolution_due_at.gt(due).or(tickets::resolution_due_at.eq(due).and(tickets::id.gt(id))),
                );
            }
            query.order((tickets::resolution_due_at.asc(), tickets::id.asc()))
        }
    };
    query.limit(limit + 1).load(conn)
}
