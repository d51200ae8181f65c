//! Who sees and acts on which purchase request: the permissions of `procurement::permissions`
//! applied to one caller (their employee record, the departments they manage) and one request.
//!
//! - holders of `READ_PURCHASING` (ops, finance, auditor, admin) see every request; others see
//!   the requests they raised and those of the departments they manage; an invisible request is
//!   answered 404, as if it did not exist;
//! - the requester, and ops and admin, change a draft, submit, withdraw and delete it;
//! - the department's manager, and ops and admin (`APPROVE_PURCHASE_REQUESTS`), decide it —
//!   never the person who asked.

use super::super::permissions;
use super::repo::RequestRow;
use crate::auth::principal::Principal;
use crate::db::DbConn;
use crate::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub user_id: i64,
    /// The caller's own employee record and its department, if their account is linked to one.
    pub employee_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Departments the caller's employee record manages.
    pub manages: Vec<i64>,
    pub reads_all: bool,
    /// ops and admin: decide any request, and raise, change and withdraw any too.
    pub ops: bool,
    /// Holds `REQUEST_PURCHASES`: every role that writes (a pure auditor acts on nothing).
    pub writes: bool,
}

impl Caller {
    /// What `principal` may do with purchase requests (at most three small indexed queries).
    pub fn load(conn: &mut DbConn, principal: &Principal) -> Result<Caller, ApiError> {
        let employee_id = crate::employees::employee_id_of_user(conn, principal.user_id)?;
        let (department_id, manages) = match employee_id {
            Some(me) => (
                crate::employees::employee(conn, me)?.map(|e| e.department_id),
                crate::employees::departments_managed_by(conn, me)?,
            ),
            None => (None, Vec::new()),
        };
        Ok(Caller {
            user_id: principal.user_id,
            employee_id,
            department_id,
            manages,
            reads_all: principal.may(&permissions::READ_PURCHASING),
            ops: principal.may(&permissions::APPROVE_PURCHASE_REQUESTS),
            writes: principal.may(&permissions::REQUEST_PURCHASES),
        })
    }

    /// The person who asked: their employee record, or — for a request made by someone without
    /// one — the user who made it.
    pub fn is_requester(&self, row: &RequestRow) -> bool {
        match (row.requested_by, self.employee_id) {
            (Some(asker), Some(me)) => asker == me,
            (Some(_), None) => false,
            (None, _) => row.created_by == Some(self.user_id),
        }
    }

    pub fn can_see(&self, row: &RequestRow) -> bool {
        self.reads_all || self.is_requester(row) || self.manages.contains(&row.department_id)
    }

    /// Changing, submitting, withdrawing and deleting: the requester, ops and admin.
    pub fn may_handle(&self, row: &RequestRow) -> Result<(), ApiError> {
        if self.writes && (self.ops || self.is_requester(row)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only the person who asked, ops and admin act on a purchase request".into()))
        }
    }

    /// Approving and rejecting: the department's manager, ops and admin; never the requester.
    pub fn may_decide(&self, row: &RequestRow) -> Result<(), ApiError> {
        if self.is_requester(row) {
            return Err(ApiError::Forbidden("nobody decides a purchase request they asked for".into()));
        }
        if self.writes && (self.ops || self.manages.contains(&row.department_id)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your roles do not allow you to {}",
                permissions::APPROVE_PURCHASE_REQUESTS.action
            )))
        }
    }

    /// The department a new request (or a draft moved) is for: the caller's own unless they
    /// are ops or admin, who name any. Err(403) for another department; Ok(None) when none is
    /// named and the caller has none (the caller reports that as a missing field).
    pub fn department_for(&self, named: Option<i64>) -> Result<Option<i64>, ApiError> {
        match named {
            Some(department) if self.ops || self.department_id == Some(department) => Ok(Some(department)),
            Some(_) => Err(ApiError::Forbidden("you raise purchase requests for your own department".into())),
            None => Ok(self.department_id),
        }
    }
}

/// The request `id` if `caller` may see it; 404 otherwise, as if it did not exist.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<RequestRow, ApiError> {
    match super::repo::request(conn, id)? {
        Some(row) if caller.can_see(&row) => Ok(row),
        _ => Err(ApiError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(department_id: i64, requested_by: Option<i64>, created_by: Option<i64>) -> RequestRow {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("time");
        RequestRow {
            id: 1,
            department_id,
            requested_by,
            status: "submitted".into(),
            currency: "EUR".into(),
            needed_by: None,
            note: None,
            low_stock_item_id: None,
            decided_by: None,
            decided_at: None,
            rejection_reason: None,
            created_by,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn employee(id: i64, department: i64, manages: Vec<i64>) -> Caller {
        Caller {
            user_id: 100 + id,
            employee_id: Some(id),
            department_id: Some(department),
            manages,
            writes: true,
            ..Caller::default()
        }
    }

    #[test]
    fn the_requester_never_decides_and_the_manager_decides_their_departments() {
        let asked = request(7, Some(1), Some(101));
        let requester = employee(1, 7, vec![7]);
        assert!(requester.can_see(&asked));
        assert!(requester.may_handle(&asked).is_ok());
        assert!(matches!(requester.may_decide(&asked), Err(ApiError::Forbidden(_))));
        let manager = employee(2, 3, vec![7]);
        assert!(manager.can_see(&asked) && manager.may_decide(&asked).is_ok());
        assert!(manager.may_handle(&asked).is_err());
        let colleague = employee(3, 7, vec![]);
        assert!(!colleague.can_see(&asked));
        assert!(colleague.may_decide(&asked).is_err());
        let ops = Caller { user_id: 9, ops: true, reads_all: true, writes: true, ..Caller::default() };
        assert!(ops.may_decide(&asked).is_ok() && ops.may_handle(&asked).is_ok());
        // A request made by an account without an employee record belongs to that user.
        let made = request(7, None, Some(9));
        assert!(ops.is_requester(&made) && ops.may_decide(&made).is_err());
        // Low stock's requests (no requester, no creator) are nobody's own.
        let raised = request(7, None, None);
        assert!(!ops.is_requester(&raised) && ops.may_decide(&raised).is_ok());
    }

    #[test]
    fn an_employee_asks_for_their_own_department_and_ops_for_any() {
        let me = employee(1, 7, vec![]);
        assert_eq!(me.department_for(None).ok(), Some(Some(7)));
        assert_eq!(me.department_for(Some(7)).ok(), Some(Some(7)));
        assert!(matches!(me.department_for(Some(8)), Err(ApiError::Forbidden(_))));
        let ops = Caller { ops: true, writes: true, ..Caller::default() };
        assert_eq!(ops.department_for(Some(8)).ok(), Some(Some(8)));
        assert_eq!(ops.department_for(None).ok(), Some(None));
    }
}
