//! All SQL of the job desks: desks here, tickets (and the ticket list), time entries and the desk
//! report in the submodules.

pub mod reports;
pub mod ticket_list;
pub mod tickets;
pub mod time_entries;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{self, schema::desk_members, schema::desk_sla_targets, schema::desks, DbConn};
use crate::tickets::model::{DeskRow, Priority, SlaPolicy, SlaTarget};

pub fn desk(conn: &mut DbConn, id: i64) -> QueryResult<Option<DeskRow>> {
    desks::table.find(id).select(DeskRow::as_select()).first(conn).optional()
}

pub fn desk_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<DeskRow>> {
    desks::table.filter(desks::key.eq(key)).select(DeskRow::as_select()).first(conn).optional()
}

pub struct DeskFields {
    pub name: String,
    pub department_id: i64,
    pub billing_rate: i64,
    pub currency: String,
    pub active: bool,
}

pub fn insert_desk(conn: &mut DbConn, key: &str, fields: &DeskFields) -> QueryResult<DeskRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(desks::table)
        .values((
            desks::key.eq(key),
            desks::name.eq(&fields.name),
            desks::department_id.eq(fields.department_id),
            desks::billing_rate.eq(fields.billing_rate),
            desks::currency.eq(&fields.currency),
            desks::active.eq(fields.active),
            desks::created_at.eq(now),
            desks::updated_at.eq(now),
            desks::version.eq(1i64),
        ))
        .returning(desks::id)
        .get_result(conn)?;
    desks::table.find(id).select(DeskRow::as_select()).first(conn)
}

/// Writes `fields` if the desk is still at `expected_version`; false when another request won.
pub fn update_desk(conn: &mut DbConn, id: i64, expected_version: i64, fields: &DeskFields) -> QueryResult<bool> {
    diesel::update(desks::table.find(id).filter(desks::version.eq(expected_version)))
        .set((
            desks::name.eq(&fields.name),
            desks::department_id.eq(fields.department_id),
            desks::billing_rate.eq(fields.billing_rate),
            desks::currency.eq(&fields.currency),
            desks::active.eq(fields.active),
            desks::updated_at.eq(db::now()),
            desks::version.eq(desks::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// A membership change counts as a change of the desk: its version moves, so ETags stay true.
pub fn touch_desk(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(desks::table.find(id))
        .set((desks::updated_at.eq(db::now()), desks::version.eq(desks::version + 1)))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct DeskFilter {
    pub department_id: Option<i64>,
    pub active: Option<bool>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list_desks(conn: &mut DbConn, filter: &DeskFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<DeskRow>> {
    let mut query = desks::table.select(DeskRow::as_select()).into_boxed();
    if let Some(department) = filter.department_id {
        query = query.filter(desks::department_id.eq(department));
    }
    if let Some(active) = filter.active {
        query = query.filter(desks::active.eq(active));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(desks::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(desks::id.gt(after));
    }
    query.order(desks::id.asc()).limit(limit + 1).load(conn)
}

/// The SLA policies of `desk_ids` (the default for any priority without a stored target).
pub fn sla_policies(conn: &mut DbConn, desk_ids: &[i64]) -> QueryResult<std::collections::HashMap<i64, SlaPolicy>> {
    let rows: Vec<(i64, String, i32, i32)> = desk_sla_targets::table
        .filter(desk_sla_targets::desk_id.eq_any(desk_ids))
        .select((
            desk_sla_targets::desk_id,
            desk_sla_targets::priority,
            desk_sla_targets::first_response_minutes,
            desk_sla_targets::resolution_minutes,
        ))
        .load(conn)?;
    let mut policies: std::collections::HashMap<i64, SlaPolicy> =
        desk_ids.iter().map(|id| (*id, SlaPolicy::default())).collect();
    for (desk_id, priority, first_response_minutes, resolution_minutes) in rows {
        if let Some(policy) = policies.get_mut(&desk_id) {
            *policy =
                policy.with(Priority::from_stored(&priority), SlaTarget { first_response_minutes, resolution_minutes });
        }
    }
    Ok(policies)
}

pub fn set_sla_policy(conn: &mut DbConn, desk_id: i64, policy: &SlaPolicy) -> QueryResult<()> {
    diesel::delete(desk_sla_targets::table.filter(desk_sla_targets::desk_id.eq(desk_id))).execute(conn)?;
    for priority in Priority::ALL {
        let target = policy.target(priority);
        diesel::insert_into(desk_sla_targets::table)
            .values((
                desk_sla_targets::desk_id.eq(desk_id),
                desk_sla_targets::priority.eq(priority.as_str()),
                desk_sla_targets::first_response_minutes.eq(target.first_response_minutes),
                desk_sla_targets::resolution_minutes.eq(target.resolution_minutes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn member_ids(conn: &mut DbConn, desk_id: i64) -> QueryResult<Vec<i64>> {
    desk_members::table
        .filter(desk_members::desk_id.eq(desk_id))
        .select(desk_members::employee_id)
        .order(desk_members::employee_id.asc())
        .load(conn)
}

/// Members of each of `desk_ids`, in one query (a page of desks).
pub fn members_of(conn: &mut DbConn, desk_ids: &[i64]) -> QueryResult<std::collections::HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = desk_members::table
        .filter(desk_members::desk_id.eq_any(desk_ids))
        .select((desk_members::desk_id, desk_members::employee_id))
        .order((desk_members::desk_id.asc(), desk_members::employee_id.asc()))
        .load(conn)?;
    let mut members: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (desk_id, employee_id) in rows {
        members.entry(desk_id).or_default().push(employee_id);
    }
    Ok(members)
}

pub fn is_member(conn: &mut DbConn, desk_id: i64, employee_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(desk_members::table.find((desk_id, employee_id)))).get_result(conn)
}

pub fn add_member(conn: &mut DbConn, desk_id: i64, employee_id: i64) -> QueryResult<()> {
    diesel::insert_into(desk_members::table)
        .values((
            desk_members::desk_id.eq(desk_id),
            desk_members::employee_id.eq(employee_id),
            desk_members::added_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn remove_member(conn: &mut DbConn, desk_id: i64, employee_id: i64) -> QueryResult<bool> {
    diesel::delete(desk_members::table.find((desk_id, employee_id))).execute(conn).map(|n| n == 1)
}

/// Desks whose members include `employee_id`.
pub fn desks_of_member(conn: &mut DbConn, employee_id: i64) -> QueryResult<Vec<i64>> {
    desk_members::table
        .filter(desk_members::employee_id.eq(employee_id))
        .select(desk_members::desk_id)
        .order(desk_members::desk_id.asc())
        .load(conn)
}
