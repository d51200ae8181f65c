//! The people chapter: departments and everyone hired over the years, then a raise for all.

use actix_web::http::Method;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::{account_of, email_of, refused, Teller, HR};
use crate::demo::client::Refused;
use crate::demo::data;

impl Teller<'_> {
    /// hr sets up the departments and hires everyone, heads first.
    pub(super) async fn hire(&mut self, day: NaiveDate) -> Result<(), Refused> {
        for (code, name) in data::DEPARTMENTS {
            let department = self.post("/api/v1/departments", HR, json!({"code": code, "name": name})).await?;
            self.made.departments.insert(code, department["id"].as_i64().unwrap_or(0));
        }
        // Heads first, so that everyone else has a manager to report to.
        let order = (0..data::PEOPLE.len())
            .filter(|i| data::PEOPLE[*i].head)
            .chain((0..data::PEOPLE.len()).filter(|i| !data::PEOPLE[*i].head));
        for (n, i) in order.enumerate() {
            let p = &data::PEOPLE[i];
            let manager = if p.head {
                (p.department != "OPS").then(|| self.made.people.get(&0).copied()).flatten()
            } else {
                data::PEOPLE
                    .iter()
                    .position(|h| h.head && h.department == p.department)
                    .and_then(|h| self.made.people.get(&h).copied())
            };
            let user_id = match account_of(p) {
                Some(email) => {
                    let token = self.token(&email)?.to_string();
                    self.requests += 1;
                    let me = self.client.send(Method::GET, "/api/v1/auth/me", &token, None).await?;
                    me["user"]["id"].as_i64()
                }
                None => None,
            };
            let start = day - Duration::days(120 + 97 * n as i64 % 1400);
            let rate = crate::money::format_amount(p.cents, "EUR".parse().map_err(|_| refused("EUR"))?);
            let body = json!({
                "first_name": p.first, "last_name": p.last, "work_email": email_of(p),
                "job_title": p.title, "department_id": self.made.departments[p.department],
                "manager_id": manager, "employment_type": p.kind, "status": "active",
                "start_date": start.to_string(), "user_id": user_id,
                "phone": format!("+1 555 01{i:02}"),
                "compensation": {"hourly_cost_rate": rate, "currency": "EUR"}
            });
            let employee = self.post("/api/v1/employees", HR, body).await?;
            self.made.people.insert(i, employee["id"].as_i64().unwrap_or(0));
            if p.head {
                let path = format!("/api/v1/departments/{}", self.made.departments[p.department]);
                self.call(Method::PATCH, &path, HR, Some(json!({"manager_id": employee["id"]}))).await?;
            }
        }
        Ok(())
    }

    /// hr records a raise of 4% for everyone, effective `day`.
    pub(super) async fn raise(&mut self, day: NaiveDate) -> Result<(), Refused> {
        for (i, p) in data::PEOPLE.iter().enumerate() {
            let raised = p.cents * 104 / 100;
            let rate = crate::money::format_amount(raised, "EUR".parse().map_err(|_| refused("EUR"))?);
            let path = format!("/api/v1/employees/{}/compensation", self.made.people[&i]);
            let body = json!({"effective_from": day.to_string(), "hourly_cost_rate": rate, "currency": "EUR"});
            self.post(&path, HR, body).await?;
        }
        Ok(())
    }
}
