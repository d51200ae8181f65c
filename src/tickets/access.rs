//! Who sees and works which tickets: the permissions of `super::permissions` applied to one
//! caller (their desks, their employee record) and one ticket.
//!
//! - holders of `SEE_EVERY_TICKET` see every ticket;
//! - an agent sees the tickets of the desks their employee record is a member of, and works them;
//! - everyone sees the tickets they requested (through their employee record).
//!
//! A ticket the caller may not see is answered 404, as if it did not exist.

use diesel::QueryResult;

use super::model::TicketRow;
use super::permissions;
use super::repo;
use super::workflow::{Actor, Status, Transition};
use crate::auth::principal::Principal;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::employees;

#[derive(Debug, Clone)]
pub struct TicketAccess {
    /// The caller's own employee record, if their account is linked to one.
    pub employee_id: Option<i64>,
    /// Desks the caller works as an agent.
    pub agent_desks: Vec<i64>,
    pub sees_all: bool,
    pub is_admin: bool,
    /// ops and admin: may log time for anyone.
    pub logs_for_anyone: bool,
    /// hr, finance, admin and auditor see every cost; others only their own.
    pub sees_all_costs: bool,
}

impl TicketAccess {
    /// What `principal` may do with tickets (two small indexed queries).
    pub fn load(conn: &mut DbConn, principal: &Principal) -> QueryResult<TicketAccess> {
        let employee_id = employees::employee_id_of_user(conn, principal.user_id)?;
        let agent_desks = match employee_id {
            Some(id) if principal.may(&permissions::WORK_DESK_TICKETS) => repo::desks_of_member(conn, id)?,
            _ => Vec::new(),
        };
        let is_admin = principal.is(Role::Admin);
        Ok(TicketAccess {
            employee_id,
            agent_desks,
            sees_all: principal.may(&permissions::SEE_EVERY_TICKET),
            is_admin,
            logs_for_anyone: principal.may(&permissions::LOG_TIME_FOR_ANYONE),
            sees_all_costs: principal.may(&permissions::SEE_EVERY_COST),
        })
    }

    /// Sees every ticket and works none: how the audit log records a ticket.
    pub fn everything() -> TicketAccess {
        TicketAccess {
            employee_id: None,
            agent_desks: Vec::new(),
            sees_all: true,
            is_admin: false,
            logs_for_anyone: false,
            sees_all_costs: false,
        }
    }

    pub fn is_requester(&self, ticket: &TicketRow) -> bool {
        self.employee_id.is_some() && ticket.requester_employee_id == self.employee_id
    }

    /// Admins, and agents who are members of the desk.
    pub fn works_desk(&self, desk_id: i64) -> bool {
        self.is_admin || self.agent_desks.contains(&desk_id)
    }

    pub fn can_see(&self, ticket: &TicketRow) -> bool {
        self.can_see_parts(ticket.desk_id, ticket.requester_employee_id)
    }

    /// `can_see` from the two columns it depends on (for linked tickets read in bulk).
    pub fn can_see_parts(&self, desk_id: i64, requester_employee_id: Option<i64>) -> bool {
        self.sees_all
            || self.works_desk(desk_id)
            || (self.employee_id.is_some() && requester_employee_id == self.employee_id)
    }

    /// Staff see internal notes and the ticket's history; a requester who is not staff does not.
    pub fn sees_internal(&self, ticket: &TicketRow) -> bool {
        self.sees_all || self.works_desk(ticket.desk_id)
    }

    pub fn may_make(&self, ticket: &TicketRow, transition: &Transition) -> bool {
        self.works_desk(ticket.desk_id)
            || (transition.allowed_for == Actor::DeskOrRequester && self.is_requester(ticket))
    }

    /// The moves this caller may make on the ticket now.
    pub fn allowed_transitions(&self, ticket: &TicketRow) -> Vec<Status> {
        ticket.status().transitions().filter(|t| self.may_make(ticket, t)).map(|t| t.to).collect()
    }

    /// Logging time for `employee_id` on a ticket of `desk_id`: one's own time on a ticket one
    /// sees, or anyone's as an agent of the desk, ops or admin.
    pub fn may_log_for(&self, employee_id: i64, desk_id: i64) -> bool {
        self.employee_id == Some(employee_id) || self.logs_for_anyone || self.works_desk(desk_id)
    }

    /// Whether the cost of `employee_id`'s time is shown to this caller.
    pub fn sees_cost_of(&self, employee_id: i64) -> bool {
        self.sees_all_costs || self.employee_id == Some(employee_id)
    }
}
