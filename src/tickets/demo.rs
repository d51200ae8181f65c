//! The job-desk part of `opsdesk demo`: three desks with members and SLA policies, and a few
//! hundred tickets over the last 90 days in every state, with comments and costed time entries.
//! Deterministic (a fixed pseudo-random sequence) and idempotent: nothing is added when the demo
//! desks exist already. Runs after the people demo, whose employees it uses.

use chrono::{Duration, NaiveDateTime};

use super::model::{Kind, Priority, SlaPolicy};
use super::repo::tickets::{self as ticket_repo, NewComment, NewTicket};
use super::repo::time_entries::{self as time_repo, NewTimeEntry};
use super::repo::{self, DeskFields};
use super::workflow::{priority_rank, Clocks, Status};
use crate::audit::{self, Actor};
use crate::db::{self, counters, DbConn};
use crate::employees;
use crate::error::{ApiError, Validator};

/// (key, name, department code, billing rate in cents, members by work email)
const DESKS: [(&str, &str, &str, i64, &[&str]); 3] = [
    (
        "IT",
        "IT Service Desk",
        "IT",
        9500,
        &[
            "ada.gent@demo.opsdesk.local",
            "grace.lin@demo.opsdesk.local",
            "tomas.novak@demo.opsdesk.local",
            "priya.raman@demo.opsdesk.local",
            "lucas.moreau@demo.opsdesk.local",
        ],
    ),
    (
        "FAC",
        "Facilities",
        "FAC",
        6500,
        &["marco.silva@demo.opsdesk.local", "omar.farouk@demo.opsdesk.local", "nina.kowalski@demo.opsdesk.local"],
    ),
    (
        "WO",
        "Production Work Orders",
        "OPS",
        0,
        &["jonas.berg@demo.opsdesk.local", "leila.haddad@demo.opsdesk.local", "amara.okafor@demo.opsdesk.local"],
    ),
];

const SUBJECTS: [(&str, &str); 12] = [
    ("VPN drops every hour", "Since the update the VPN disconnects about every hour."),
    ("Laptop will not boot", "Black screen after the logo; tried a hard reset."),
    ("New starter needs accounts", "Email, HR system and the shared drive for a new colleague."),
    ("Printer on floor 2 jams", "Paper jams on every second page in tray 2."),
    ("Heating off in meeting room B", "The radiator stays cold all day."),
    ("Leaking tap in the kitchen", "Drips constantly, the sink stains."),
    ("Replace light in the car park", "Two lamps out near the exit."),
    ("Line 3 conveyor belt slips", "Belt slips under load; check tension and rollers."),
    ("Calibrate filler on line 1", "Fill weights drift by 2 g over a shift."),
    ("Password reset for the ERP", "Locked out after the holidays."),
    ("Monitor flickers", "Second screen flickers when the laptop is docked."),
    ("Door badge reader broken", "The reader at the side entrance does not respond."),
];

/// A small fixed pseudo-random sequence (64-bit LCG), so every demo database is the same.
struct Sequence(u64);

impl Sequence {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Loads the sample desks and tickets; returns how many desks and tickets were added.
pub fn load(conn: &mut DbConn, actor: &Actor) -> Result<(usize, usize), ApiError> {
    db::write_tx(conn, |conn| {
        if repo::desk_by_key(conn, DESKS[0].0)?.is_some() {
            return Ok((0, 0));
        }
        let mut seq = Sequence(2026);
        let requesters: Vec<i64> = employees::repo::list_employees(
            conn,
            &employees::repo::EmployeeFilter::default(),
            employees::views::EmployeeSort::Number,
            None,
            100,
        )?
        .into_iter()
        .map(|e| e.id)
        .collect();
        if requesters.is_empty() {
            return Err(ApiError::Conflict("load the people demo first".into()));
        }
        let now = db::now();
        let mut tickets = 0;
        for (key, name, department, rate, members) in DESKS {
            let department = employees::repo::department_by_code(conn, department)?.ok_or(ApiError::NotFound)?;
            let fields = DeskFields {
                name: name.into(),
                department_id: department.id,
                billing_rate: rate,
                currency: "EUR".into(),
                active: true,
            };
            let desk = repo::insert_desk(conn, key, &fields)?;
            repo::set_sla_policy(conn, desk.id, &SlaPolicy::default())?;
            let mut member_ids = Vec::new();
            for email in members {
                if let Some(member) = employees::repo::employee_by_email(conn, email)? {
                    repo::add_member(conn, desk.id, member.id)?;
                    member_ids.push(member.id);
                }
            }
            let view = super::desks::Desk::new(&desk, SlaPolicy::default(), member_ids.clone());
            audit::record(conn, actor, "desk.created", super::desks::ENTITY, desk.id, None, Some(&view))?;
            for _ in 0..100 {
                let created = now - Duration::minutes(seq.below(90 * 24 * 60) as i64);
                demo_ticket(conn, &mut seq, &desk, &member_ids, &requesters, created, now)?;
                tickets += 1;
            }
        }
        Ok((DESKS.len(), tickets))
    })
}

fn demo_ticket(
    conn: &mut DbConn,
    seq: &mut Sequence,
    desk: &super::model::DeskRow,
    members: &[i64],
    requesters: &[i64],
    created: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let priority = *seq.pick(&[Priority::Low, Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent]);
    let (subject, description) = *seq.pick(&SUBJECTS);
    let assignee = (seq.below(10) < 8).then(|| *seq.pick(members));
    let number = counters::next(conn, &format!("ticket:{}", desk.key))?;
    let policy = repo::sla_policies(conn, &[desk.id])?.remove(&desk.id).unwrap_or_default();
    let row = ticket_repo::insert_ticket(
        conn,
        &NewTicket {
            desk_id: desk.id,
            number,
            reference: format!("{}-{number}", desk.key),
            subject: subject.into(),
            description: description.into(),
            kind: seq.pick(&Kind::ALL).as_str(),
            priority: priority.as_str(),
            priority_rank: priority_rank(priority),
            requester_employee_id: Some(*seq.pick(requesters)),
            requester_customer_id: None,
            requester_name: None,
            requester_email: None,
            assignee_id: assignee,
            due_date: None,
            created_by: None,
            clocks: Clocks::start(created, policy.target(priority)),
        },
    )?;
    ticket_repo::set_tags(
        conn,
        row.id,
        &[seq.pick(&["hardware", "access", "network", "building", "line"]).to_string()],
    )?;
    // Older tickets got further: most of them are closed; the last days hold the backlog.
    let age_days = (now - created).num_days();
    let path: &[Status] = match (age_days, seq.below(10)) {
        (_, 0) => &[Status::Cancelled],
        (0..=2, _) => &[],
        (3..=6, 1..=4) => &[Status::Open],
        (3..=6, _) => &[Status::Open, Status::Pending],
        (_, 1) => &[Status::Open, Status::Resolved],
        _ => &[Status::Open, Status::Resolved, Status::Closed],
    };
    let step = Duration::minutes(20 + seq.below(600) as i64);
    let mut at = created;
    let mut status = Status::New;
    let mut clocks = row.clocks();
    let responder = assignee.unwrap_or(members[0]);
    if !path.is_empty() && *path != [Status::Cancelled] {
        at += Duration::minutes(5 + seq.below(300) as i64);
        let reply = NewComment {
            ticket_id: row.id,
            author_user_id: None,
            author_employee_id: Some(responder),
            body: "Thanks, we are on it.",
            internal: false,
            at,
        };
        ticket_repo::insert_comment(conn, &reply)?;
        ticket_repo::record_first_response(conn, row.id, at)?;
    }
    for (version, next) in (row.version..).zip(path) {
        at = (at + step).min(now);
        clocks = clocks.after_transition(status, *next, at);
        ticket_repo::move_ticket(conn, row.id, version, *next, &clocks, at)?;
        status = *next;
        if matches!(next, Status::Resolved | Status::Pending) {
            log_time(conn, seq, &row, responder, at)?;
        }
    }
    Ok(())
}

fn log_time(
    conn: &mut DbConn,
    seq: &mut Sequence,
    ticket: &super::model::TicketRow,
    employee_id: i64,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let minutes = 15 * (1 + seq.below(8) as i32);
    let billable = ticket.desk_id % 2 == 1 && seq.below(2) == 0;
    let desk = repo::desk(conn, ticket.desk_id)?.ok_or(ApiError::NotFound)?;
    let billing = billable.then(|| (desk.billing_rate, desk.currency.clone()));
    let mut ignored = Validator::new();
    let Some(valuation) =
        super::time_entries::value(conn, &mut ignored, employee_id, at.date(), minutes, billable, None, billing)?
    else {
        return Ok(()); // no rate on that day: the demo simply logs nothing
    };
    let new = NewTimeEntry {
        ticket_id: ticket.id,
        desk_id: ticket.desk_id,
        department_id: desk.department_id,
        employee_id,
        created_by: None,
        valuation,
    };
    // A day that is full already simply gets no more demo time.
    if let Ok(entry) = time_repo::insert(conn, &new)? {
        ticket_repo::add_time_spent(conn, ticket.id, i64::from(entry.minutes))?;
    }
    Ok(())
}
