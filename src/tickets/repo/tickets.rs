//! SQL of tickets, their tags, links and comments. The list's filters and sorts are in
//! `ticket_list.rs`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{ticket_comments, ticket_links, ticket_tags, tickets};
use crate::db::{self, DbConn};
use crate::tickets::model::{CommentRow, LinkKind, TicketRow};
use crate::tickets::workflow::{Clocks, Status};

pub fn ticket(conn: &mut DbConn, id: i64) -> QueryResult<Option<TicketRow>> {
    tickets::table.find(id).select(TicketRow::as_select()).first(conn).optional()
}

pub struct NewTicket {
    pub desk_id: i64,
    pub number: i64,
    pub reference: String,
    pub subject: String,
    pub description: String,
    pub kind: &'static str,
    pub priority: &'static str,
    pub priority_rank: i32,
    pub requester_employee_id: Option<i64>,
    pub requester_customer_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub created_by: Option<i64>,
    pub clocks: Clocks,
}

pub fn insert_ticket(conn: &mut DbConn, new: &NewTicket) -> QueryResult<TicketRow> {
    let id: i64 = diesel::insert_into(tickets::table)
        .values((
            (
                tickets::desk_id.eq(new.desk_id),
                tickets::number.eq(new.number),
                tickets::reference.eq(&new.reference),
                tickets::subject.eq(&new.subject),
                tickets::description.eq(&new.description),
                tickets::kind.eq(new.kind),
                tickets::priority.eq(new.priority),
                tickets::priority_rank.eq(new.priority_rank),
                tickets::status.eq(Status::New.as_str()),
                tickets::requester_employee_id.eq(new.requester_employee_id),
                tickets::requester_name.eq(&new.requester_name),
                tickets::requester_email.eq(&new.requester_email),
            ),
            (
                tickets::assignee_id.eq(new.assignee_id),
                tickets::due_date.eq(new.due_date),
                tickets::requester_customer_id.eq(new.requester_customer_id),
                tickets::created_by.eq(new.created_by),
                tickets::created_at.eq(new.clocks.created_at),
                tickets::updated_at.eq(new.clocks.created_at),
                tickets::first_response_due_at.eq(new.clocks.first_response_due_at),
                tickets::resolution_due_at.eq(new.clocks.resolution_due_at),
                tickets::paused_micros.eq(0i64),
                tickets::time_spent_minutes.eq(0i64),
                tickets::version.eq(1i64),
            ),
        ))
        .returning(tickets::id)
        .get_result(conn)?;
    tickets::table.find(id).select(TicketRow::as_select()).first(conn)
}

/// The fields a PATCH may change, with the due times that follow from the priority.
pub struct TicketEdit {
    pub subject: String,
    pub description: String,
    pub kind: &'static str,
    pub priority: &'static str,
    pub priority_rank: i32,
    pub assignee_id: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub first_response_due_at: NaiveDateTime,
    pub resolution_due_at: NaiveDateTime,
}

/// Writes `edit` if the ticket is still at `expected_version`; false when another request won.
pub fn update_ticket(conn: &mut DbConn, id: i64, expected_version: i64, edit: &TicketEdit) -> QueryResult<bool> {
    diesel::update(tickets::table.find(id).filter(tickets::version.eq(expected_version)))
        .set((
            tickets::subject.eq(&edit.subject),
            tickets::description.eq(&edit.description),
            tickets::kind.eq(edit.kind),
            tickets::priority.eq(edit.priority),
            tickets::priority_rank.eq(edit.priority_rank),
            tickets::assignee_id.eq(edit.assignee_id),
            tickets::due_date.eq(edit.due_date),
            tickets::first_response_due_at.eq(edit.first_response_due_at),
            tickets::resolution_due_at.eq(edit.resolution_due_at),
            tickets::updated_at.eq(db::now()),
            tickets::version.eq(tickets::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Moves the ticket to `status` with its clocks, if it is still at `expected_version`.
pub fn move_ticket(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    status: Status,
    clocks: &Clocks,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = tickets::table.find(id).filter(tickets::version.eq(expected_version));
    let changed = diesel::update(target)
        .set((
            tickets::status.eq(status.as_str()),
            tickets::resolution_due_at.eq(clocks.resolution_due_at),
            tickets::paused_micros.eq(clocks.paused_micros),
            tickets::clock_stopped_at.eq(clocks.stopped_at),
            tickets::updated_at.eq(now),
            tickets::version.eq(tickets::version + 1),
        ))
        .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    // Resolved and closed times: a resolution is the latest one (a reopen clears it); closing
    // keeps the resolution it accepts.
    match status {
        Status::Resolved => {
            diesel::update(tickets::table.find(id)).set(tickets::resolved_at.eq(Some(now))).execute(conn)?;
        }
        Status::Open => {
            diesel::update(tickets::table.find(id))
                .set(tickets::resolved_at.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        Status::Closed | Status::Cancelled => {
            diesel::update(tickets::table.find(id)).set(tickets::closed_at.eq(Some(now))).execute(conn)?;
        }
        Status::New | Status::Pending => {}
    }
    Ok(true)
}

/// Records a change that is not a field edit (a comment, time logged): the version moves so that
/// ETags and `updated_since` stay true.
pub fn touch(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(tickets::table.find(id))
        .set((tickets::updated_at.eq(now), tickets::version.eq(tickets::version + 1)))
        .execute(conn)
        .map(|_| ())
}

/// Stops the first-response clock at `at` unless it already stopped.
pub fn record_first_response(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(tickets::table.find(id).filter(tickets::first_response_at.is_null()))
        .set(tickets::first_response_at.eq(Some(at)))
        .execute(conn)
        .map(|_| ())
}

pub fn add_time_spent(conn: &mut DbConn, id: i64, minutes: i64) -> QueryResult<()> {
    diesel::update(tickets::table.find(id))
        .set(tickets::time_spent_minutes.eq(tickets::time_spent_minutes + minutes))
        .execute(conn)
        .map(|_| ())
}

// ---------------------------------------------------------------- tags and links

pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = ticket_tags::table
        .filter(ticket_tags::ticket_id.eq_any(ids))
        .select((ticket_tags::ticket_id, ticket_tags::tag))
        .order((ticket_tags::ticket_id.asc(), ticket_tags::tag.asc()))
        .load(conn)?;
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in rows {
        tags.entry(id).or_default().push(tag);
    }
    Ok(tags)
}

pub fn set_tags(conn: &mut DbConn, id: i64, tags: &[String]) -> QueryResult<()> {
    diesel::delete(ticket_tags::table.filter(ticket_tags::ticket_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(ticket_tags::table)
            .values((ticket_tags::ticket_id.eq(id), ticket_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

/// A stored link seen from one of its ends.
pub struct LinkEnd {
    pub kind: LinkKind,
    pub other_id: i64,
    pub seen_from_target: bool,
}

/// The links of each of `ids`, both those they name and those naming them.
pub fn links_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<LinkEnd>>> {
    let named: Vec<(i64, i64, String)> = ticket_links::table
        .filter(ticket_links::ticket_id.eq_any(ids))
        .select((ticket_links::ticket_id, ticket_links::target_id, ticket_links::kind))
        .load(conn)?;
    let naming: Vec<(i64, i64, String)> = ticket_links::table
        .filter(ticket_links::target_id.eq_any(ids))
        .select((ticket_links::target_id, ticket_links::ticket_id, ticket_links::kind))
        .load(conn)?;
    let mut links: HashMap<i64, Vec<LinkEnd>> = HashMap::new();
    for (rows, seen_from_target) in [(named, false), (naming, true)] {
        for (id, other_id, kind) in rows {
            links.entry(id).or_default().push(LinkEnd {
                kind: LinkKind::from_stored(&kind),
                other_id,
                seen_from_target,
            });
        }
    }
    for ends in links.values_mut() {
        ends.sort_by_key(|end| end.other_id);
    }
    Ok(links)
}

/// The links `id` names, replaced by `links`.
pub fn set_links(conn: &mut DbConn, id: i64, links: &[(LinkKind, i64)]) -> QueryResult<()> {
    diesel::delete(ticket_links::table.filter(ticket_links::ticket_id.eq(id))).execute(conn)?;
    for (kind, target) in links {
        diesel::insert_into(ticket_links::table)
            .values((
                ticket_links::ticket_id.eq(id),
                ticket_links::target_id.eq(target),
                ticket_links::kind.eq(kind.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What is needed to decide whether a caller sees a ticket: (id, number, desk, requester).
pub type TicketHeader = (i64, String, i64, Option<i64>);

pub fn headers(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<TicketHeader>> {
    tickets::table
        .filter(tickets::id.eq_any(ids))
        .select((tickets::id, tickets::reference, tickets::desk_id, tickets::requester_employee_id))
        .load(conn)
}

// ---------------------------------------------------------------- comments

pub struct NewComment<'a> {
    pub ticket_id: i64,
    pub author_user_id: Option<i64>,
    pub author_employee_id: Option<i64>,
    pub body: &'a str,
    pub internal: bool,
    pub at: NaiveDateTime,
}

pub fn insert_comment(conn: &mut DbConn, new: &NewComment) -> QueryResult<CommentRow> {
    let id: i64 = diesel::insert_into(ticket_comments::table)
        .values((
            ticket_comments::ticket_id.eq(new.ticket_id),
            ticket_comments::author_user_id.eq(new.author_user_id),
            ticket_comments::author_employee_id.eq(new.author_employee_id),
            ticket_comments::body.eq(new.body),
            ticket_comments::internal.eq(new.internal),
            ticket_comments::created_at.eq(new.at),
        ))
        .returning(ticket_comments::id)
        .get_result(conn)?;
    ticket_comments::table.find(id).select(CommentRow::as_select()).first(conn)
}

/// One comment (attachments check who sees the file of a comment).
pub fn comment(conn: &mut DbConn, id: i64) -> QueryResult<Option<CommentRow>> {
    ticket_comments::table.find(id).select(CommentRow::as_select()).first(conn).optional()
}

/// A ticket's comments, oldest first; internal notes only when `include_internal`.
pub fn comments(
    conn: &mut DbConn,
    ticket_id: i64,
    include_internal: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CommentRow>> {
    let mut query = ticket_comments::table
        .filter(ticket_comments::ticket_id.eq(ticket_id))
        .select(CommentRow::as_select())
        .into_boxed();
    if !include_internal {
        query = query.filter(ticket_comments::internal.eq(false));
    }
    if let Some(after) = after {
        query = query.filter(ticket_comments::id.gt(after));
    }
    query.order(ticket_comments::id.asc()).limit(limit + 1).load(conn)
}

/// Tickets a customer requested, on one desk or among `ids` (for billing their time).
pub fn tickets_of_customer(
    conn: &mut DbConn,
    customer_id: i64,
    desk_id: Option<i64>,
    ids: Option<&[i64]>,
) -> QueryResult<Vec<TicketRow>> {
    let mut query = tickets::table
        .filter(tickets::requester_customer_id.eq(customer_id))
        .select(TicketRow::as_select())
        .into_boxed();
    if let Some(desk) = desk_id {
        query = query.filter(tickets::desk_id.eq(desk));
    }
    if let Some(ids) = ids {
        query = query.filter(tickets::id.eq_any(ids.to_vec()));
    }
    query.order(tickets::id.asc()).load(conn)
}

/// The customer who requested each of `ids` (tickets requested by a customer only).
pub fn customers_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, Option<i64>)> = tickets::table
        .filter(tickets::id.eq_any(ids))
        .filter(tickets::requester_customer_id.is_not_null())
        .select((tickets::id, tickets::requester_customer_id))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(ticket, customer)| customer.map(|c| (ticket, c))).collect())
}
