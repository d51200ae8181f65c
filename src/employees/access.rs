//! Who sees a person's full record (pay, history): hr, finance, admin, auditor and the person
//! themself (`model::visibility`). Used by the handlers of records and of compensation alike.

use super::model::{self, EmployeeRow, Visibility};
use super::repo;
use crate::auth::principal::Principal;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Fails with 403 unless the caller sees this person's full record.
pub async fn require_full_view(state: &AppState, principal: &Principal, id: i64) -> Result<EmployeeRow, ApiError> {
    let row = db::run(&state.pool, move |conn| repo::employee(conn, id)?.ok_or(ApiError::NotFound)).await?;
    if model::visibility(principal, row.user_id) != Visibility::Full {
        return Err(ApiError::Forbidden("only hr, finance, admin, auditor and the person themself see this".into()));
    }
    Ok(row)
}
