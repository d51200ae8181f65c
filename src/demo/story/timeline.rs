//! When everything happens: the plans of the tickets and the moment of every act, in time order.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::{index_of, Act, Requester, TicketPlan};
use crate::demo::data::{self, Sequence};

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
}

/// Priorities as often as tickets have them.
const PRIORITIES: [&str; 5] = ["low", "normal", "normal", "high", "urgent"];

/// The plans of the tickets and the moments of everything, in time order.
pub(super) fn timeline(today: NaiveDate, plans: &mut Vec<TicketPlan>) -> Vec<(NaiveDateTime, Act)> {
    let now = crate::clock::now();
    let mut events: Vec<(NaiveDateTime, Act)> = Vec::new();
    let start = today - Duration::days(400);
    events.push((at(start, 9, 0), Act::Hire));
    events.push((at(start, 10, 0), Act::Desks));
    events.push((at(start, 11, 0), Act::Parties));
    events.push((at(today - Duration::days(240), 9, 0), Act::Raise));
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 2).unwrap_or(today);
    events.push((at(year_start.min(today), 9, 30), Act::Budgets));
    events.push((at(today - Duration::days(120), 8, 0), Act::BuyStock));
    for (order, purchase) in super::purchasing::PURCHASES.iter().enumerate() {
        let sent = today - Duration::days(purchase.sent_days_ago);
        events.push((at(sent, 9, 15), Act::SendOrder { order }));
        for (after, quantity) in purchase.deliveries {
            events.push((at(sent + Duration::days(*after), 10, 45), Act::ReceiveOrder { order, quantity }));
        }
        if let Some(after) = purchase.billed_after {
            events.push((at(sent + Duration::days(after), 11, 15), Act::BillOrder { order }));
        }
    }

    // A year of monthly service invoices, paid as each customer pays; and vendors' bills.
    for (c, (_, _, terms, _, late)) in data::CUSTOMERS.iter().enumerate() {
        for month in 0..12i64 {
            let issued = today - Duration::days(365 - month * 30 - c as i64 * 3);
            events.push((at(issued, 10, 0), Act::ServiceInvoice { customer: c, month }));
            let paid = issued + Duration::days(i64::from(*terms) + late);
            if paid <= today {
                events.push((at(paid, 14, 0), Act::Pay { invoice: format!("service-{c}-{month}") }));
            }
        }
    }
    for v in 0..data::VENDORS.len() {
        for month in 0..12i64 {
            let issued = today - Duration::days(360 - month * 30);
            events.push((at(issued, 11, 0), Act::VendorBill { vendor: v, month }));
            if month < 10 {
                events
                    .push((at(issued + Duration::days(25), 15, 0), Act::Pay { invoice: format!("bill-{v}-{month}") }));
            }
        }
        events.push((at(today - Duration::days(20), 11, 30), Act::VendorCredit { vendor: v }));
    }
    events.push((at(today - Duration::days(95), 9, 0), Act::Pay { invoice: "stock".into() }));

    // Desk time billed to customers on the first of each month, for the month before.
    for months_back in 1..=3 {
        let first = today.with_day(1).unwrap_or(today);
        let this = first.checked_sub_months(chrono::Months::new(months_back - 1)).unwrap_or(first);
        let from = first.checked_sub_months(chrono::Months::new(months_back)).unwrap_or(first);
        let to = this - Duration::days(1);
        for (c, (_, _, terms, _, late)) in data::CUSTOMERS.iter().enumerate() {
            for desk in ["IT", "WO"] {
                events.push((at(this, 7, 0), Act::BillTime { customer: c, desk, from, to }));
                let paid = this + Duration::days(i64::from(*terms) + late);
                if paid <= today {
                    events.push((at(paid, 16, 0), Act::Pay { invoice: format!("time-{c}-{desk}-{from}") }));
                }
            }
        }
    }

    // 100 tickets a desk over the last 90 days: older ones got further.
    let mut seq = Sequence(2026);
    let ada = index_of("Ada");
    let emil = index_of("Emil");
    for (key, _, _, _, customer_share) in data::DESKS {
        let members: Vec<usize> = (0..data::PEOPLE.len()).filter(|i| data::PEOPLE[*i].desk == Some(key)).collect();
        let subjects: Vec<usize> = (0..data::SUBJECTS.len()).filter(|s| data::SUBJECTS[*s].0 == key).collect();
        for _ in 0..100 {
            let created = now - Duration::minutes(seq.below(90 * 24 * 60) as i64);
            let age_days = (now - created).num_days();
            let requester = if seq.below(100) < customer_share {
                Requester::Customer(seq.below(data::CUSTOMERS.len() as u64) as usize)
            } else if key == "IT" && seq.below(5) == 0 {
                Requester::Employee(emil)
            } else {
                Requester::Employee(seq.below(data::PEOPLE.len() as u64) as usize)
            };
            // Ada has the IT desk's recent work.
            let worker = if key == "IT" && age_days <= 6 && seq.below(2) == 0 { ada } else { *seq.pick(&members) };
            let plan = TicketPlan {
                desk: key,
                subject: *seq.pick(&subjects),
                requester,
                worker,
                assigned: seq.below(10) < 8 || worker == ada,
                priority: PRIORITIES[seq.below(PRIORITIES.len() as u64) as usize],
            };
            let path: &[&'static str] = match (age_days, seq.below(10)) {
                (_, 0) => &["cancelled"],
                (0..=2, _) => &[],
                (3..=6, 1..=4) => &["open"],
                (3..=6, _) => &["open", "pending"],
                (_, 1) => &["open", "resolved"],
                _ => &["open", "resolved", "closed"],
            };
            let ticket = plans.len();
            let takes_part = data::SUBJECTS[plan.subject].4.is_some() && seq.below(2) == 0;
            plans.push(plan);
            events.push((created, Act::OpenTicket { ticket }));
            if path.is_empty() || path == ["cancelled"] {
                if path == ["cancelled"] {
                    events.push((created + Duration::minutes(30), Act::Move { ticket, to: "cancelled" }));
                }
                continue;
            }
            let mut when = created + Duration::minutes(5 + seq.below(240) as i64);
            events.push((when.min(now), Act::Reply { ticket }));
            let step = Duration::minutes(20 + seq.below(900) as i64);
            for to in path {
                when = (when + step).min(now);
                if *to == "open" && takes_part {
                    events.push((when, Act::Move { ticket, to }));
                    events.push((when + Duration::minutes(10), Act::IssuePart { ticket }));
                    continue;
                }
                if *to == "resolved" || *to == "pending" {
                    let minutes = 15 * (1 + seq.below(8) as i32);
                    events.push((when - Duration::minutes(1), Act::LogTime { ticket, minutes }));
                }
                events.push((when, Act::Move { ticket, to }));
            }
        }
    }
    // Ada's queue now: work she has in hand (the demo agent has something to do).
    let it_subjects: Vec<usize> = (0..data::SUBJECTS.len()).filter(|s| data::SUBJECTS[*s].0 == "IT").collect();
    for (hours_ago, path) in [(2, &[][..]), (6, &["open"][..]), (27, &["open"][..]), (51, &["open", "pending"][..])] {
        let ticket = plans.len();
        let requester = Requester::Customer(seq.below(data::CUSTOMERS.len() as u64) as usize);
        let subject = *seq.pick(&it_subjects);
        plans.push(TicketPlan { desk: "IT", subject, requester, worker: ada, assigned: true, priority: "high" });
        let created = now - Duration::hours(hours_ago);
        events.push((created, Act::OpenTicket { ticket }));
        let mut when = created + Duration::minutes(12);
        if !path.is_empty() {
            events.push((when, Act::Reply { ticket }));
        }
        for to in path {
            when += Duration::minutes(40);
            events.push((when, Act::Move { ticket, to }));
        }
    }
    events.sort_by_key(|(when, _)| *when);
    events
}
