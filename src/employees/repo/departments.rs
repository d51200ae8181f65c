//! SQL of departments: the tree of cost centres, what still refers to one, and the lists.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::MAX_CHAIN;
use crate::db::{
    self, lower,
    schema::{departments, employees},
    DbConn,
};
use crate::employees::model::DepartmentRow;

pub fn department(conn: &mut DbConn, id: i64) -> QueryResult<Option<DepartmentRow>> {
    departments::table.find(id).select(DepartmentRow::as_select()).first(conn).optional()
}

pub fn department_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<DepartmentRow>> {
    departments::table.filter(departments::code.eq(code)).select(DepartmentRow::as_select()).first(conn).optional()
}

pub struct DepartmentFields {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub active: bool,
}

pub fn insert_department(conn: &mut DbConn, fields: &DepartmentFields) -> QueryResult<DepartmentRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(departments::table)
        .values((
            departments::code.eq(&fields.code),
            departments::name.eq(&fields.name),
            departments::parent_id.eq(fields.parent_id),
            departments::manager_id.eq(fields.manager_id),
            departments::active.eq(fields.active),
            departments::created_at.eq(now),
            departments::updated_at.eq(now),
            departments::version.eq(1i64),
        ))
        .returning(departments::id)
        .get_result(conn)?;
    departments::table.find(id).select(DepartmentRow::as_select()).first(conn)
}

/// Writes `fields` if the row is still at `expected_version`; false when another request won.
pub fn update_department(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    fields: &DepartmentFields,
) -> QueryResult<bool> {
    diesel::update(departments::table.find(id).filter(departments::version.eq(expected_version)))
        .set((
            departments::code.eq(&fields.code),
            departments::name.eq(&fields.name),
            departments::parent_id.eq(fields.parent_id),
            departments::manager_id.eq(fields.manager_id),
            departments::active.eq(fields.active),
            departments::updated_at.eq(db::now()),
            departments::version.eq(departments::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn delete_department(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(departments::table.find(id)).execute(conn).map(|_| ())
}

/// Ancestors of a department, nearest first.
pub fn department_ancestors(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i64>> {
    let mut chain = Vec::new();
    let mut current = id;
    while chain.len() < MAX_CHAIN {
        let parent: Option<Option<i64>> =
            departments::table.find(current).select(departments::parent_id).first(conn).optional()?;
        match parent.flatten() {
            Some(parent) if !chain.contains(&parent) => {
                chain.push(parent);
                current = parent;
            }
            _ => break,
        }
    }
    Ok(chain)
}

/// What still refers to a department: (employees, sub-departments).
pub fn department_usage(conn: &mut DbConn, id: i64) -> QueryResult<(i64, i64)> {
    let people = employees::table.filter(employees::department_id.eq(id)).count().get_result(conn)?;
    let children = departments::table.filter(departments::parent_id.eq(id)).count().get_result(conn)?;
    Ok((people, children))
}

#[derive(Debug, Default)]
pub struct DepartmentFilter {
    pub active: Option<bool>,
    pub parent_id: Option<i64>,
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list_departments(
    conn: &mut DbConn,
    filter: &DepartmentFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DepartmentRow>> {
    let mut query = departments::table.select(DepartmentRow::as_select()).into_boxed();
    if let Some(active) = filter.active {
        query = query.filter(departments::active.eq(active));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(departments::parent_id.eq(parent));
    }
    if let Some(q) = &filter.q {
        let Some(q) = db::searchable(q) else { return Ok(Vec::new()) };
        let pattern = db::contains_pattern(q);
        query = query.filter(
            lower(departments::code)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(departments::name).like(pattern).escape('\\')),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(departments::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(departments::id.gt(after));
    }
    query.order(departments::id.asc()).limit(limit + 1).load(conn)
}

pub fn all_departments(conn: &mut DbConn, include_archived: bool) -> QueryResult<Vec<DepartmentRow>> {
    let mut query = departments::table.select(DepartmentRow::as_select()).into_boxed();
    if !include_archived {
        query = query.filter(departments::active.eq(true));
    }
    query.order(departments::code.asc()).load(conn)
}
