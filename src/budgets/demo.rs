//! The budgets part of `opsdesk demo`: an approved budget this year for each demo department,
//! planned so that the variance tells a story (facilities' cleaning and IT's software run over
//! their plan; the rest stay within). Idempotent: departments with a budget this year are skipped.

use chrono::Datelike;

use super::model::{spread_evenly, BudgetStatus, ExceedPolicy};
use super::repo::{self, NewBudget};
use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::ApiError;

/// (department code, [(category, annual plan in cents)])
const PLANS: [(&str, &[(&str, i64)]); 5] = [
    ("OPS", &[("labour", 38_000_000), ("materials", 1_200_000), ("services", 500_000), ("travel", 300_000)]),
    ("IT", &[("labour", 30_000_000), ("materials", 900_000), ("software", 2_400_000)]),
    ("FAC", &[("labour", 22_000_000), ("materials", 400_000), ("services", 1_200_000), ("facilities", 800_000)]),
    ("FIN", &[("labour", 18_000_000), ("travel", 600_000), ("software", 300_000)]),
    ("HR", &[("labour", 12_000_000), ("other", 500_000)]),
];

pub fn load(conn: &mut DbConn, actor: &Actor) -> Result<usize, ApiError> {
    db::write_tx(conn, |conn| {
        let year = chrono::Utc::now().year();
        let submitter = crate::auth::users::repo::find_by_email(conn, "finance@demo.opsdesk.local")?.map(|u| u.id);
        let mut added = 0;
        for (code, lines) in PLANS {
            let Some(department) = crate::employees::repo::department_by_code(conn, code)? else { continue };
            if !repo::revisions(conn, department.id, year)?.is_empty() {
                continue;
            }
            let row = repo::insert(
                conn,
                &NewBudget {
                    department_id: department.id,
                    fiscal_year: year,
                    revision: 1,
                    currency: "EUR",
                    exceed_policy: ExceedPolicy::Warn.as_str(),
                    notes: Some("Demo plan"),
                    created_by: submitter,
                },
            )?;
            let planned: Vec<(String, [i64; 12])> =
                lines.iter().map(|(category, annual)| (category.to_string(), spread_evenly(*annual))).collect();
            repo::set_lines(conn, row.id, &planned)?;
            repo::move_status(conn, row.id, row.version, BudgetStatus::Draft, BudgetStatus::Submitted, submitter)?;
            repo::move_status(conn, row.id, row.version + 1, BudgetStatus::Submitted, BudgetStatus::Approved, None)?;
            let approved = repo::budget(conn, row.id)?.ok_or(ApiError::NotFound)?;
            let view = super::api::view(conn, &approved)?;
            audit::record(conn, actor, "budget.approved", super::api::ENTITY, row.id, None, Some(&view))?;
            added += 1;
        }
        Ok(added)
    })
}
