//! The desks chapter: ops sets up the desks and their members; tickets are opened, answered,
//! moved along the workflow and worked (time logged).

use actix_web::http::Method;
use chrono::NaiveDate;
use serde_json::json;

use super::{index_of, Requester, Teller, OPS};
use crate::demo::client::Refused;
use crate::demo::data;

impl Teller<'_> {
    /// ops makes the desks and adds their members.
    pub(super) async fn set_up_desks(&mut self) -> Result<(), Refused> {
        for (key, name, department, rate, _) in data::DESKS {
            let body = json!({"key": key, "name": name, "department_id": self.made.departments[department],
                              "default_billing_rate": rate, "currency": "EUR"});
            let desk = self.post("/api/v1/desks", OPS, body).await?;
            let id = desk["id"].as_i64().unwrap_or(0);
            self.made.desks.insert(key, id);
            for (i, p) in data::PEOPLE.iter().enumerate() {
                if p.desk == Some(key) {
                    let path = format!("/api/v1/desks/{id}/members/{}", self.made.people[&i]);
                    self.call(Method::PUT, &path, OPS, None).await?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn open_ticket(&mut self, ticket: usize) -> Result<(), Refused> {
        let plan = &self.plans[ticket];
        let (_, subject, description, tag, _) = data::SUBJECTS[plan.subject];
        let mut body = json!({"desk_id": self.made.desks[plan.desk], "subject": subject, "description": description,
                              "kind": if plan.desk == "WO" { "task" } else { "incident" },
                              "priority": plan.priority, "tags": [tag]});
        if plan.assigned {
            body["assignee_id"] = json!(self.made.people[&plan.worker]);
        }
        // Staff open their own tickets; the desk opens those of customers and colleagues.
        let token = match plan.requester {
            Requester::Customer(c) => {
                body["requester_customer_id"] = json!(self.made.customers[c]);
                self.person_token(plan.worker)?.to_string()
            }
            // The demo employee opens their own tickets.
            Requester::Employee(person) if person == index_of("Emil") && !plan.assigned => {
                self.person_token(person)?.to_string()
            }
            Requester::Employee(person) => {
                body["requester_employee_id"] = json!(self.made.people[&person]);
                self.person_token(plan.worker)?.to_string()
            }
        };
        let created = self.post_as("/api/v1/tickets", &token, body).await?;
        self.made.tickets.insert(ticket, created["id"].as_i64().unwrap_or(0));
        Ok(())
    }

    /// The worker answers the ticket.
    pub(super) async fn reply(&mut self, ticket: usize) -> Result<(), Refused> {
        let plan = &self.plans[ticket];
        let (worker, id) = (plan.worker, self.made.tickets[&ticket]);
        let token = self.person_token(worker)?.to_string();
        let body = json!({"body": "Thanks for reporting this; we are on it."});
        self.post_as(&format!("/api/v1/tickets/{id}/comments"), &token, body).await?;
        Ok(())
    }

    /// The worker moves the ticket, with a comment where one is due.
    pub(super) async fn move_ticket(&mut self, ticket: usize, to: &str) -> Result<(), Refused> {
        let plan = &self.plans[ticket];
        let (worker, id) = (plan.worker, self.made.tickets[&ticket]);
        let token = self.person_token(worker)?.to_string();
        let comment = match to {
            "pending" => Some("Waiting for you to confirm a time we can come by."),
            "resolved" => Some("Fixed; tell us if it comes back."),
            _ => None,
        };
        let mut body = json!({"to": to});
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        self.post_as(&format!("/api/v1/tickets/{id}/transitions"), &token, body).await?;
        Ok(())
    }

    /// The worker logs time on the ticket (and an employee who asked, their help).
    pub(super) async fn log_time(&mut self, day: NaiveDate, ticket: usize, minutes: i32) -> Result<(), Refused> {
        let (requester, worker) = (self.plans[ticket].requester, self.plans[ticket].worker);
        let billable = matches!(requester, Requester::Customer(_));
        let id = self.made.tickets[&ticket];
        let token = self.person_token(worker)?.to_string();
        let body = json!({"work_date": day.to_string(), "minutes": minutes, "billable": billable,
                          "note": "On site"});
        self.post_as(&format!("/api/v1/tickets/{id}/time-entries"), &token, body.clone()).await?;
        // The employee who asked helped on their own ticket, and logged it too.
        if let Requester::Employee(person) = requester {
            if data::PEOPLE[person].account.is_some_and(|(role, _)| role == "employee") {
                let own = self.person_token(person)?.to_string();
                let helped = json!({"work_date": day.to_string(), "minutes": 15, "note": "Showed the problem"});
                self.post_as(&format!("/api/v1/tickets/{id}/time-entries"), &own, helped).await?;
            }
        }
        Ok(())
    }
}
