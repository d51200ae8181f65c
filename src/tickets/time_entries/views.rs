//! What the time-entry API shows and takes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::json::nullable;
use crate::money::Money;
use crate::tickets::access::TicketAccess;
use crate::tickets::model::TimeEntryRow;

/// Time worked on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeEntry {
    pub id: i64,
    pub ticket_id: i64,
    pub desk_id: i64,
    /// The department whose budget bears this labour (the desk's owner when it was logged).
    pub department_id: i64,
    pub employee_id: i64,
    pub work_date: NaiveDate,
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i32,
    pub billable: bool,
    pub note: Option<String>,
    /// The employee's hourly cost rate on the work date. Only for hr, finance, admin, auditor
    /// and the employee themself; absent for others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_cost_rate: Option<Money>,
    /// minutes / 60 × hourly_cost_rate, half-up to the minor unit, fixed when written. Shown to
    /// the same callers as the rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    /// The hourly billing rate of billable work; null when not billable.
    pub billing_rate: Option<Money>,
    /// minutes / 60 × billing_rate, half-up; null when not billable.
    pub billable_amount: Option<Money>,
    /// Set by the finance module when the entry is billed; an invoiced entry cannot change.
    pub invoiced: bool,
    pub invoice_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TimeEntry {
    pub(super) fn new(row: &TimeEntryRow, shows_cost: bool) -> TimeEntry {
        let billing = |amount: Option<i64>| match (amount, &row.billing_currency) {
            (Some(amount), Some(currency)) => Some(Money::new(amount, currency)),
            _ => None,
        };
        TimeEntry {
            id: row.id,
            ticket_id: row.ticket_id,
            desk_id: row.desk_id,
            department_id: row.department_id,
            employee_id: row.employee_id,
            work_date: row.work_date,
            minutes: row.minutes,
            billable: row.billable,
            note: row.note.clone(),
            hourly_cost_rate: shows_cost.then(|| Money::new(row.hourly_cost_rate, &row.cost_currency)),
            cost: shows_cost.then(|| Money::new(row.cost, &row.cost_currency)),
            billing_rate: billing(row.billing_rate),
            billable_amount: billing(row.billable_amount),
            invoiced: row.invoice_id.is_some(),
            invoice_id: row.invoice_id,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }

    pub(super) fn for_viewer(row: &TimeEntryRow, access: &TicketAccess) -> TimeEntry {
        TimeEntry::new(row, access.sees_cost_of(row.employee_id))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeEntry {
    /// Whose time; defaults to the caller's own employee record. Logging for someone else takes
    /// an agent of the desk, ops or admin.
    pub employee_id: Option<i64>,
    /// Not in the future.
    #[serde(deserialize_with = "crate::dates::date")]
    pub work_date: NaiveDate,
    /// At most 1440 minutes a day per person, over all their entries.
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i32,
    /// Billed to the customer at the desk's rate. Default false.
    pub billable: Option<bool>,
    #[schema(max_length = 1000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<String>,
}

/// Only the fields sent change; the entry is valued again (cost rate on the work date). An
/// invoiced entry cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTimeEntry {
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub work_date: Option<NaiveDate>,
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: Option<i32>,
    pub billable: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub note: Option<Option<String>>,
}

/// Filters of `GET /time-entries`; all of them combine. Dates are work dates, both ends included.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeEntryListQuery {
    pub ticket_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub desk_id: Option<i64>,
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
}
