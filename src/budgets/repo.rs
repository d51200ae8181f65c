//! All SQL of budgets (their actuals come from the modules that own the spending).

use diesel::prelude::*;

use super::model::{BudgetRow, BudgetStatus};
use crate::db::schema::{budget_lines, budgets};
use crate::db::{self, DbConn};

pub fn budget(conn: &mut DbConn, id: i64) -> QueryResult<Option<BudgetRow>> {
    budgets::table.find(id).select(BudgetRow::as_select()).first(conn).optional()
}

/// The revisions of a department's budget for a year, newest first.
pub fn revisions(conn: &mut DbConn, department_id: i64, year: i32) -> QueryResult<Vec<BudgetRow>> {
    budgets::table
        .filter(budgets::department_id.eq(department_id))
        .filter(budgets::fiscal_year.eq(year))
        .select(BudgetRow::as_select())
        .order(budgets::revision.desc())
        .load(conn)
}

pub struct NewBudget<'a> {
    pub department_id: i64,
    pub fiscal_year: i32,
    pub revision: i32,
    pub currency: &'a str,
    pub exceed_policy: &'static str,
    pub notes: Option<&'a str>,
    pub created_by: Option<i64>,
}

pub fn insert(conn: &mut DbConn, new: &NewBudget) -> QueryResult<BudgetRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(budgets::table)
        .values((
            budgets::department_id.eq(new.department_id),
            budgets::fiscal_year.eq(new.fiscal_year),
            budgets::revision.eq(new.revision),
            budgets::currency.eq(new.currency),
            budgets::status.eq(BudgetStatus::Draft.as_str()),
            budgets::exceed_policy.eq(new.exceed_policy),
            budgets::notes.eq(new.notes),
            budgets::created_by.eq(new.created_by),
            budgets::created_at.eq(now),
            budgets::updated_at.eq(now),
            budgets::version.eq(1i64),
        ))
        .returning(budgets::id)
        .get_result(conn)?;
    budgets::table.find(id).select(BudgetRow::as_select()).first(conn)
}

/// Changes a draft's policy and notes at `expected_version`.
pub fn update_draft(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    exceed_policy: &str,
    notes: Option<&str>,
) -> QueryResult<bool> {
    diesel::update(
        budgets::table
            .find(id)
            .filter(budgets::version.eq(expected_version))
            .filter(budgets::status.eq(BudgetStatus::Draft.as_str())),
    )
    .set((
        budgets::exceed_policy.eq(exceed_policy),
        budgets::notes.eq(notes),
        budgets::updated_at.eq(db::now()),
        budgets::version.eq(budgets::version + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Moves a budget from `from` to `to` at `expected_version`, stamping who submitted or approved.
pub fn move_status(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    from: BudgetStatus,
    to: BudgetStatus,
    by: Option<i64>,
) -> QueryResult<bool> {
    let now = db::now();
    let target =
        budgets::table.find(id).filter(budgets::version.eq(expected_version)).filter(budgets::status.eq(from.as_str()));
    let changed = diesel::update(target)
        .set((budgets::status.eq(to.as_str()), budgets::updated_at.eq(now), budgets::version.eq(budgets::version + 1)))
        .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    match to {
        BudgetStatus::Submitted => {
            diesel::update(budgets::table.find(id))
                .set((budgets::submitted_by.eq(by), budgets::submitted_at.eq(Some(now))))
                .execute(conn)?;
        }
        BudgetStatus::Approved => {
            diesel::update(budgets::table.find(id))
                .set((budgets::approved_by.eq(by), budgets::approved_at.eq(Some(now))))
                .execute(conn)?;
        }
        BudgetStatus::Draft | BudgetStatus::Superseded => {}
    }
    Ok(true)
}

/// Marks the approved revisions of a department and year, other than `keep`, superseded.
pub fn supersede_others(conn: &mut DbConn, department_id: i64, year: i32, keep: i64) -> QueryResult<usize> {
    diesel::update(
        budgets::table
            .filter(budgets::department_id.eq(department_id))
            .filter(budgets::fiscal_year.eq(year))
            .filter(budgets::status.eq(BudgetStatus::Approved.as_str()))
            .filter(budgets::id.ne(keep)),
    )
    .set((budgets::status.eq(BudgetStatus::Superseded.as_str()), budgets::version.eq(budgets::version + 1)))
    .execute(conn)
}

/// (category, month, planned) of a budget.
/// The planned amounts of several budgets in one query: (budget, category, month, planned).
pub fn lines_of(conn: &mut DbConn, budget_ids: &[i64]) -> QueryResult<Vec<(i64, String, i32, i64)>> {
    budget_lines::table
        .filter(budget_lines::budget_id.eq_any(budget_ids))
        .select((budget_lines::budget_id, budget_lines::category, budget_lines::month, budget_lines::planned))
        .order((budget_lines::budget_id.asc(), budget_lines::category.asc(), budget_lines::month.asc()))
        .load(conn)
}

pub fn set_lines(conn: &mut DbConn, budget_id: i64, lines: &[(String, [i64; 12])]) -> QueryResult<()> {
    diesel::delete(budget_lines::table.filter(budget_lines::budget_id.eq(budget_id))).execute(conn)?;
    for (category, months) in lines {
        for (i, planned) in months.iter().enumerate() {
            diesel::insert_into(budget_lines::table)
                .values((
                    budget_lines::budget_id.eq(budget_id),
                    budget_lines::category.eq(category),
                    budget_lines::month.eq(i as i32 + 1),
                    budget_lines::planned.eq(planned),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
pub struct BudgetFilter {
    pub department_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    pub status: Option<&'static str>,
    /// Only these departments (a manager's); None: all.
    pub departments: Option<Vec<i64>>,
}

pub fn list(conn: &mut DbConn, filter: &BudgetFilter, after: Option<i64>, limit: i64) -> QueryResult<Vec<BudgetRow>> {
    let mut query = budgets::table.select(BudgetRow::as_select()).into_boxed();
    if let Some(department) = filter.department_id {
        query = query.filter(budgets::department_id.eq(department));
    }
    if let Some(year) = filter.fiscal_year {
        query = query.filter(budgets::fiscal_year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(budgets::status.eq(status));
    }
    if let Some(departments) = &filter.departments {
        query = query.filter(budgets::department_id.eq_any(departments.clone()));
    }
    if let Some(after) = after {
        query = query.filter(budgets::id.gt(after));
    }
    query.order(budgets::id.asc()).limit(limit + 1).load(conn)
}
