//! Audit events: every change writes one, in the same transaction as the change, naming the
//! actor, the action, the entity and the fields before and after. They feed the change feed
//! (`GET /api/v1/events`) and the audit log (`GET /api/v1/audit-events`), both served by
//! `auth::audit_log`, and each resource's `…/{id}/history`.

pub mod api;
pub mod repo;

pub use repo::{feed, feed_end, list, EventFilter, FeedPosition};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::DbConn;

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// A change made by opsdesk itself (start-up bootstrap, the command line).
    pub fn system(label: &str) -> Actor {
        Actor { user_id: None, label: format!("system:{label}"), request_id: None }
    }
}

/// Fields that change on every write and would only add noise to every event.
const UNTRACKED_FIELDS: [&str; 1] = ["updated_at"];

/// `{"field": {"before": …, "after": …}}` for each top-level field that differs.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let empty = Map::new();
    let before = before.and_then(Value::as_object).unwrap_or(&empty);
    let after = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut changes = Map::new();
    for key in before.keys().chain(after.keys()) {
        if changes.contains_key(key) || UNTRACKED_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let (old, new) = (before.get(key), after.get(key));
        if old != new {
            let mut change = Map::new();
            change.insert("before".into(), old.cloned().unwrap_or(Value::Null));
            change.insert("after".into(), new.cloned().unwrap_or(Value::Null));
            changes.insert(key.clone(), Value::Object(change));
        }
    }
    Value::Object(changes)
}

/// Records one change. Call it inside the write transaction that makes the change; pass the
/// entity's API view (never a row with secrets) before and after.
pub fn record<T: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: i64,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), crate::error::ApiError> {
    let to_value = |v: &T| serde_json::to_value(v).map_err(crate::error::ApiError::internal);
    let before = before.map(to_value).transpose()?;
    let after = after.map(to_value).transpose()?;
    let changes = diff(before.as_ref(), after.as_ref());
    repo::insert(conn, actor, action, entity_type, entity_id, &changes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_only_changed_fields() {
        let before = json!({"name": "Ann", "active": true, "updated_at": "x", "version": 1});
        let after = json!({"name": "Ann", "active": false, "updated_at": "y", "version": 2});
        assert_eq!(
            diff(Some(&before), Some(&after)),
            json!({"active": {"before": true, "after": false}, "version": {"before": 1, "after": 2}})
        );
    }

    #[test]
    fn creation_has_only_after_values() {
        let after = json!({"name": "Ann"});
        assert_eq!(diff(None, Some(&after)), json!({"name": {"before": null, "after": "Ann"}}));
    }
}
