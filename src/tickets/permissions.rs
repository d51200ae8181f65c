//! Who may do what on the job desks (see `auth::roles::Permission`). `access::TicketAccess`
//! applies these to one caller and one ticket.

use crate::auth::roles::{Permission, Role, EVERYONE_WHO_WRITES};

pub const OPEN_TICKETS: Permission = Permission {
    action: "open tickets, reply, cancel or reopen the tickets they requested, log their own time",
    roles: EVERYONE_WHO_WRITES,
    limit: "for someone else, with an assignee or as an internal note only on desks they work",
};

pub const SEE_EVERY_TICKET: Permission = Permission {
    action: "read every ticket",
    roles: &[Role::Ops, Role::Finance, Role::Auditor],
    limit: "others read the tickets they requested and those of the desks they work",
};

pub const WORK_DESK_TICKETS: Permission = Permission {
    action: "work tickets: assign, move through the workflow, internal notes, log anyone's time",
    roles: &[Role::Agent],
    limit: "on the desks they are members of (admin: every desk)",
};

pub const LOG_TIME_FOR_ANYONE: Permission =
    Permission { action: "log time for anyone on any ticket", roles: &[Role::Ops], limit: "" };

pub const SEE_EVERY_COST: Permission = Permission {
    action: "read the cost of everyone's time",
    roles: &[Role::Hr, Role::Finance, Role::Auditor],
    limit: "others see the cost of their own time only",
};

pub const MANAGE_DESKS: Permission =
    Permission { action: "create and change desks, their SLA policy and members", roles: &[Role::Ops], limit: "" };

pub const READ_DESK_REPORTS: Permission = Permission {
    action: "read the desk report (volumes, SLA, time and labour cost)",
    roles: &[Role::Ops, Role::Finance, Role::Auditor],
    limit: "",
};

pub const ALL: &[&Permission] = &[
    &OPEN_TICKETS,
    &SEE_EVERY_TICKET,
    &WORK_DESK_TICKETS,
    &LOG_TIME_FOR_ANYONE,
    &SEE_EVERY_COST,
    &MANAGE_DESKS,
    &READ_DESK_REPORTS,
];
