//! The ticket workflow and its SLA clocks: pure rules, no SQL.
//!
//! ```text
//!   new ──► open ◄──► pending
//!            │ ▲          │
//!            ▼ │ reopen   │
//!          resolved ◄─────┘
//!            │
//!            ▼
//!          closed          and cancelled from new, open and pending
//! ```
//!
//! Two clocks run from a ticket's creation. The first-response clock stops at the first public
//! reply by a member of the desk. The resolution clock stands still while the ticket is pending
//! (waiting on the requester) or resolved (the work is believed done); when it is reopened the
//! clock goes on where it stopped, so its due time moves by the time it stood still.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    Pending,
    Resolved,
    Closed,
    Cancelled,
}

/// Who may make a transition besides the desk's staff (its agents and admins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Agents on the ticket's desk and admins.
    Desk,
    /// The desk, and the requester on their own ticket.
    DeskOrRequester,
}

/// One edge of the workflow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    /// What the move means, in a word.
    #[schema(example = "resolve")]
    pub name: &'static str,
    pub allowed_for: Actor,
}

const fn edge(from: Status, to: Status, name: &'static str, allowed_for: Actor) -> Transition {
    Transition { from, to, name, allowed_for }
}

/// Every legal move. Anything not listed is refused with 409.
pub const TRANSITIONS: [Transition; 10] = [
    edge(Status::New, Status::Open, "open", Actor::Desk),
    edge(Status::New, Status::Cancelled, "cancel", Actor::DeskOrRequester),
    edge(Status::Open, Status::Pending, "wait_for_requester", Actor::Desk),
    edge(Status::Open, Status::Resolved, "resolve", Actor::Desk),
    edge(Status::Open, Status::Cancelled, "cancel", Actor::DeskOrRequester),
    edge(Status::Pending, Status::Open, "resume", Actor::DeskOrRequester),
    edge(Status::Pending, Status::Resolved, "resolve", Actor::Desk),
    edge(Status::Pending, Status::Cancelled, "cancel", Actor::DeskOrRequester),
    edge(Status::Resolved, Status::Closed, "close", Actor::DeskOrRequester),
    edge(Status::Resolved, Status::Open, "reopen", Actor::DeskOrRequester),
];

impl Status {
    pub const ALL: [Status; 6] =
        [Status::New, Status::Open, Status::Pending, Status::Resolved, Status::Closed, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn from_stored(s: &str) -> Status {
        Status::ALL.into_iter().find(|x| x.as_str() == s).unwrap_or(Status::New)
    }

    /// Still being worked or waited on: new, open, pending.
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::Pending)
    }

    /// No way out: closed and cancelled.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled)
    }

    /// Whether the resolution clock runs in this status.
    pub fn clock_runs(self) -> bool {
        matches!(self, Status::New | Status::Open)
    }

    /// The legal moves from this status.
    pub fn transitions(self) -> impl Iterator<Item = &'static Transition> {
        TRANSITIONS.iter().filter(move |t| t.from == self)
    }

    pub fn transition_to(self, to: Status) -> Option<&'static Transition> {
        self.transitions().find(|t| t.to == to)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Status::New => "Received, not yet taken up by the desk.",
            Status::Open => "Being worked on by the desk.",
            Status::Pending => "Waiting on the requester; the resolution clock stands still.",
            Status::Resolved => {
                "The desk believes the work is done; the requester may reopen or close it. The resolution clock stands still."
            }
            Status::Closed => "Done and accepted. Final: no more changes, comments or time.",
            Status::Cancelled => "Withdrawn before it was done. Final.",
        }
    }
}

/// The SLA state of one ticket, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub created_at: NaiveDateTime,
    pub first_response_due_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub resolution_due_at: NaiveDateTime,
    /// Time the resolution clock stood still so far (not counting a stop still in progress).
    pub paused_micros: i64,
    /// Set while the resolution clock stands still.
    pub stopped_at: Option<NaiveDateTime>,
}

fn minutes(m: i32) -> Duration {
    Duration::minutes(i64::from(m))
}

impl Clocks {
    /// The clocks of a ticket created at `now` under `target`.
    pub fn start(now: NaiveDateTime, target: SlaTarget) -> Clocks {
        Clocks {
            created_at: now,
            first_response_due_at: now + minutes(target.first_response_minutes),
            first_response_at: None,
            resolution_due_at: now + minutes(target.resolution_minutes),
            paused_micros: 0,
            stopped_at: None,
        }
    }

    /// Due times under a new target (the priority changed): measured from creation as always,
    /// with the time the clock already stood still added.
    pub fn retarget(self, target: SlaTarget) -> Clocks {
        Clocks {
            first_response_due_at: self.created_at + minutes(target.first_response_minutes),
            resolution_due_at: self.created_at
                + minutes(target.resolution_minutes)
                + Duration::microseconds(self.paused_micros),
            ..self
        }
    }

    /// The clocks after moving from `from` to `to` at `now`.
    pub fn after_transition(self, from: Status, to: Status, now: NaiveDateTime) -> Clocks {
        match (from.clock_runs(), to.clock_runs(), self.stopped_at) {
            (true, false, _) => Clocks { stopped_at: Some(now), ..self },
            (false, true, Some(stopped)) => {
                let stood = (now - stopped).num_microseconds().unwrap_or(i64::MAX).max(0);
                Clocks {
                    paused_micros: self.paused_micros.saturating_add(stood),
                    resolution_due_at: self.resolution_due_at + Duration::microseconds(stood),
                    stopped_at: None,
                    ..self
                }
            }
            _ => self,
        }
    }

    /// The instant the first-response clock is read at: the reply, or for a ticket that ended
    /// without one the moment it ended, else now.
    fn first_response_reading(&self, status: Status, now: NaiveDateTime) -> NaiveDateTime {
        match (self.first_response_at, status.is_active()) {
            (Some(at), _) => at,
            (None, false) => self.stopped_at.unwrap_or(now),
            (None, true) => now,
        }
    }

    fn resolution_reading(&self, now: NaiveDateTime) -> NaiveDateTime {
        self.stopped_at.unwrap_or(now)
    }

    pub fn first_response_breached(&self, status: Status, now: NaiveDateTime) -> bool {
        self.first_response_reading(status, now) > self.first_response_due_at
    }

    pub fn resolution_breached(&self, now: NaiveDateTime) -> bool {
        self.resolution_reading(now) > self.resolution_due_at
    }

    /// Whole minutes until the first response is due (negative once late); None once it is
    /// answered or the ticket has ended.
    pub fn first_response_minutes_left(&self, status: Status, now: NaiveDateTime) -> Option<i64> {
        (self.first_response_at.is_none() && status.is_active())
            .then(|| minutes_between(now, self.first_response_due_at))
    }

    /// Whole minutes until resolution is due (negative once late), frozen while the clock stands
    /// still; None once the ticket is resolved or has ended.
    pub fn resolution_minutes_left(&self, status: Status, now: NaiveDateTime) -> Option<i64> {
        status.is_active().then(|| minutes_between(self.resolution_reading(now), self.resolution_due_at))
    }
}

/// Whole minutes from `from` to `to`, rounded down (so one second late is -1).
fn minutes_between(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (to - from).num_seconds().div_euclid(60)
}

/// The rank used to sort by priority (urgent first when descending).
pub fn priority_rank(priority: Priority) -> i32 {
    match priority {
        Priority::Low => 1,
        Priority::Normal => 2,
        Priority::High => 3,
        Priority::Urgent => 4,
    }
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
    use chrono::NaiveDate;

    fn at(hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2).and_then(|d| d.and_hms_opt(hour, minute, 0)).expect("valid time")
    }

    const TARGET: SlaTarget = SlaTarget { first_response_minutes: 60, resolution_minutes: 240 };

    #[test]
    fn every_status_pair_is_legal_exactly_when_listed() {
        let legal: Vec<(Status, Status)> = TRANSITIONS.iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(legal.len(), 10);
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(from.transition_to(to).is_some(), legal.contains(&(from, to)), "{from:?} -> {to:?}");
            }
        }
        assert!(Status::Closed.transitions().next().is_none());
        assert!(Status::Cancelled.transitions().next().is_none());
    }

    #[test]
    fn pending_stops_the_resolution_clock_and_resuming_moves_the_due_time() {
        let clocks = Clocks::start(at(9, 0), TARGET);
        assert_eq!(clocks.resolution_due_at, at(13, 0));
        let pending = clocks.after_transition(Status::Open, Status::Pending, at(10, 0));
        assert_eq!(pending.resolution_minutes_left(Status::Pending, at(16, 0)), Some(180), "frozen while pending");
        assert!(!pending.resolution_breached(at(16, 0)));
        let resumed = pending.after_transition(Status::Pending, Status::Open, at(11, 30));
        assert_eq!(resumed.resolution_due_at, at(14, 30));
        assert_eq!(resumed.paused_micros, 90 * 60 * 1_000_000);
        assert_eq!(resumed.resolution_minutes_left(Status::Open, at(14, 0)), Some(30));
        assert!(resumed.resolution_breached(at(14, 31)));
    }

    #[test]
    fn resolving_from_pending_keeps_the_stop_of_the_pending_time() {
        let pending = Clocks::start(at(9, 0), TARGET).after_transition(Status::Open, Status::Pending, at(12, 0));
        let resolved = pending.after_transition(Status::Pending, Status::Resolved, at(15, 0));
        assert_eq!(resolved.stopped_at, Some(at(12, 0)));
        assert!(!resolved.resolution_breached(at(23, 0)), "met: 3 of 4 hours were used");
        assert_eq!(resolved.resolution_minutes_left(Status::Resolved, at(23, 0)), None);
    }

    #[test]
    fn a_priority_change_retargets_from_creation_with_the_paused_time() {
        let resumed = Clocks::start(at(9, 0), TARGET)
            .after_transition(Status::Open, Status::Pending, at(9, 30))
            .after_transition(Status::Pending, Status::Open, at(10, 30));
        let urgent = resumed.retarget(SlaTarget { first_response_minutes: 15, resolution_minutes: 60 });
        assert_eq!(urgent.first_response_due_at, at(9, 15));
        assert_eq!(urgent.resolution_due_at, at(11, 0));
    }

    #[test]
    fn first_response_is_read_at_the_reply_or_when_the_ticket_ended() {
        let mut clocks = Clocks::start(at(9, 0), TARGET);
        assert_eq!(clocks.first_response_minutes_left(Status::New, at(9, 0)), Some(60));
        assert_eq!(clocks.first_response_minutes_left(Status::New, at(10, 0) + Duration::seconds(1)), Some(-1));
        assert!(clocks.first_response_breached(Status::Open, at(10, 1)));
        clocks.first_response_at = Some(at(9, 59));
        assert!(!clocks.first_response_breached(Status::Open, at(23, 0)));
        assert_eq!(clocks.first_response_minutes_left(Status::Open, at(9, 59)), None);
        let silent = Clocks::start(at(9, 0), TARGET).after_transition(Status::New, Status::Cancelled, at(9, 30));
        assert!(!silent.first_response_breached(Status::Cancelled, at(23, 0)));
    }
}
