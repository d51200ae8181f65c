//! Rows and rules of the job desks: priorities and the SLA policy.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::desks;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn from_stored(s: &str) -> Priority {
        Priority::ALL.into_iter().find(|p| p.as_str() == s).unwrap_or(Priority::Normal)
    }
}

/// Targets for one priority, in minutes from the ticket's creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// Minutes until the first public reply by a desk member is due.
    #[schema(minimum = 1, maximum = 525600, example = 60)]
    pub first_response_minutes: i32,
    /// Minutes until resolution is due (time spent pending does not count).
    #[schema(minimum = 1, maximum = 525600, example = 480)]
    pub resolution_minutes: i32,
}

/// A desk's SLA policy: targets per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub low: SlaTarget,
    pub normal: SlaTarget,
    pub high: SlaTarget,
    pub urgent: SlaTarget,
}

impl Default for SlaPolicy {
    /// A working week for low, a day for normal, a working day for high, four hours for urgent.
    fn default() -> SlaPolicy {
        let target =
            |first_response_minutes, resolution_minutes| SlaTarget { first_response_minutes, resolution_minutes };
        SlaPolicy { low: target(480, 4320), normal: target(240, 1440), high: target(60, 480), urgent: target(15, 240) }
    }
}

impl SlaPolicy {
    pub fn target(&self, priority: Priority) -> SlaTarget {
        match priority {
            Priority::Low => self.low,
            Priority::Normal => self.normal,
            Priority::High => self.high,
            Priority::Urgent => self.urgent,
        }
    }

    pub fn with(mut self, priority: Priority, target: SlaTarget) -> SlaPolicy {
        match priority {
            Priority::Low => self.low = target,
            Priority::Normal => self.normal = target,
            Priority::High => self.high = target,
            Priority::Urgent => self.urgent = target,
        }
        self
    }

    /// The problems of a policy, as (JSON pointer, detail): every target positive and at most a
    /// year, a first response never due after the resolution.
    pub fn problems(&self, prefix: &str) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for priority in Priority::ALL {
            let t = self.target(priority);
            let at = |field: &str| format!("{prefix}/{}/{field}", priority.as_str());
            for (field, minutes) in
                [("first_response_minutes", t.first_response_minutes), ("resolution_minutes", t.resolution_minutes)]
            {
                if !(1..=525_600).contains(&minutes) {
                    problems.push((at(field), "must be 1 to 525600 minutes".to_string()));
                }
            }
            if t.first_response_minutes > t.resolution_minutes {
                problems
                    .push((at("first_response_minutes"), "must not be later than the resolution target".to_string()));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
