//! The demo company's last year, told through the API in the order it happened: the clock is set
//! to each moment before the request that happened then (`crate::clock`), so that creation times,
//! SLA clocks, the audit log and the books read like a year of real work.
//!
//! The story: five departments and 25 people hired over the years, with a raise eight months
//! ago; three desks (IT for staff and for customers on a support contract, facilities, production
//! work orders for customers); customers and vendors; approved budgets this year; a stock room
//! bought from a parts vendor four months ago; 300 tickets over the last 90 days in every state,
//! answered, worked, costed, some with parts; monthly service invoices and vendors' bills for a
//! year, desk time billed to customers monthly, payments early, late and missing.

use std::collections::HashMap;

use actix_web::http::Method;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{json, Value};

use super::client::{Client, Refused};
use super::data::{self, Sequence};
use crate::clock;

/// The demo users' access tokens, by email.
pub type Tokens = HashMap<String, String>;

/// What happens at a moment.
enum Act {
    Hire,
    Raise,
    Desks,
    Parties,
    Budgets,
    BuyStock,
    ServiceInvoice { customer: usize, month: i64 },
    VendorBill { vendor: usize, month: i64 },
    VendorCredit { vendor: usize },
    BillTime { customer: usize, desk: &'static str, from: NaiveDate, to: NaiveDate },
    Pay { invoice: String },
    OpenTicket { ticket: usize },
    Reply { ticket: usize },
    Move { ticket: usize, to: &'static str },
    LogTime { ticket: usize, minutes: i32 },
    IssuePart { ticket: usize },
}

/// Who asked for a ticket.
#[derive(Clone, Copy)]
enum Requester {
    Customer(usize),
    /// An employee, by index in `data::PEOPLE`.
    Employee(usize),
}

struct TicketPlan {
    desk: &'static str,
    subject: usize,
    requester: Requester,
    /// Index in `data::PEOPLE` of the member who works it.
    worker: usize,
    assigned: bool,
    priority: &'static str,
}

/// What the story has made so far, by name.
#[derive(Default)]
struct Made {
    departments: HashMap<&'static str, i64>,
    /// Employee ids by index in `data::PEOPLE`.
    people: HashMap<usize, i64>,
    desks: HashMap<&'static str, i64>,
    customers: Vec<i64>,
    vendors: Vec<i64>,
    parts_vendor: i64,
    /// (item id, bin id) by SKU.
    items: HashMap<&'static str, (i64, i64)>,
    tickets: HashMap<usize, i64>,
    /// (invoice id, its total) by the story's name for it.
    invoices: HashMap<String, (i64, String)>,
    bills: HashMap<(usize, i64), i64>,
}

pub struct Summary {
    pub requests: usize,
    pub tickets: usize,
    pub invoices: usize,
}

struct Teller<'a> {
    client: &'a Client,
    tokens: &'a Tokens,
    made: Made,
    plans: Vec<TicketPlan>,
    requests: usize,
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
}

fn email_of(person: &data::Person) -> String {
    format!("{}.{}@demo.opsdesk.local", person.first.to_lowercase(), person.last.to_lowercase())
}

/// The email a person signs in with, if they have an account.
pub fn account_of(person: &data::Person) -> Option<String> {
    match person.account {
        Some((_, "")) => Some(email_of(person)),
        Some((_, email)) => Some(email.to_string()),
        None => None,
    }
}

fn index_of(first: &str) -> usize {
    data::PEOPLE.iter().position(|p| p.first == first).unwrap_or(0)
}

impl Teller<'_> {
    fn token(&self, email: &str) -> Result<&str, Refused> {
        self.tokens.get(email).map(String::as_str).ok_or_else(|| Refused {
            request: format!("the token of {email}"),
            status: actix_web::http::StatusCode::UNAUTHORIZED,
            body: "not signed in".into(),
        })
    }

    fn person_token(&self, person: usize) -> Result<&str, Refused> {
        let email = account_of(&data::PEOPLE[person]).unwrap_or_default();
        self.token(&email)
    }

    async fn call(&mut self, method: Method, path: &str, as_user: &str, body: Option<Value>) -> Result<Value, Refused> {
        self.requests += 1;
        let token = self.token(as_user)?.to_string();
        self.client.send(method, path, &token, body.as_ref()).await
    }

    async fn post(&mut self, path: &str, as_user: &str, body: Value) -> Result<Value, Refused> {
        self.call(Method::POST, path, as_user, Some(body)).await
    }

    async fn post_as(&mut self, path: &str, token: &str, body: Value) -> Result<Value, Refused> {
        self.requests += 1;
        self.client.send(Method::POST, path, token, Some(&body)).await
    }

    async fn act(&mut self, act: &Act, when: NaiveDateTime) -> Result<(), Refused> {
        let day = when.date();
        let (hr, ops, finance) = ("hr@demo.opsdesk.local", "ops@demo.opsdesk.local", "finance@demo.opsdesk.local");
        match act {
            Act::Hire => {
                for (code, name) in data::DEPARTMENTS {
                    let department = self.post("/api/v1/departments", hr, json!({"code": code, "name": name})).await?;
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
                    let employee = self.post("/api/v1/employees", hr, body).await?;
                    self.made.people.insert(i, employee["id"].as_i64().unwrap_or(0));
                    if p.head {
                        let path = format!("/api/v1/departments/{}", self.made.departments[p.department]);
                        self.call(Method::PATCH, &path, hr, Some(json!({"manager_id": employee["id"]}))).await?;
                    }
                }
            }
            Act::Raise => {
                for (i, p) in data::PEOPLE.iter().enumerate() {
                    let raised = p.cents * 104 / 100;
                    let rate = crate::money::format_amount(raised, "EUR".parse().map_err(|_| refused("EUR"))?);
                    let path = format!("/api/v1/employees/{}/compensation", self.made.people[&i]);
                    let body = json!({"effective_from": day.to_string(), "hourly_cost_rate": rate, "currency": "EUR"});
                    self.post(&path, hr, body).await?;
                }
            }
            Act::Desks => {
                for (key, name, department, rate, _) in data::DESKS {
                    let body = json!({"key": key, "name": name, "department_id": self.made.departments[department],
                                      "default_billing_rate": rate, "currency": "EUR"});
                    let desk = self.post("/api/v1/desks", ops, body).await?;
                    let id = desk["id"].as_i64().unwrap_or(0);
                    self.made.desks.insert(key, id);
                    for (i, p) in data::PEOPLE.iter().enumerate() {
                        if p.desk == Some(key) {
                            let path = format!("/api/v1/desks/{id}/members/{}", self.made.people[&i]);
                            self.call(Method::PUT, &path, ops, None).await?;
                        }
                    }
                }
            }
            Act::Parties => {
                for (name, reference, terms, rate, _) in data::CUSTOMERS {
                    let email =
                        format!("ap@{}.example", name.split_whitespace().next().unwrap_or("demo").to_lowercase());
                    let mut body =
                        json!({"name": name, "email": email, "currency": "EUR", "payment_terms_days": terms});
                    if let Some(rate) = rate {
                        body["hourly_billing_rate"] = json!(rate);
                    }
                    let path = format!("/api/v1/customers/by-external-ref/{reference}");
                    let customer = self.call(Method::PUT, &path, finance, Some(body)).await?;
                    self.made.customers.push(customer["id"].as_i64().unwrap_or(0));
                }
                let vendors = data::VENDORS.iter().map(|v| (v.0, v.1)).chain([data::PARTS_VENDOR]);
                for (name, reference) in vendors {
                    let body = json!({"name": name, "currency": "EUR", "payment_terms_days": 30});
                    let path = format!("/api/v1/vendors/by-external-ref/{reference}");
                    let vendor = self.call(Method::PUT, &path, finance, Some(body)).await?;
                    if reference == data::PARTS_VENDOR.1 {
                        self.made.parts_vendor = vendor["id"].as_i64().unwrap_or(0);
                    } else {
                        self.made.vendors.push(vendor["id"].as_i64().unwrap_or(0));
                    }
                }
            }
            Act::Budgets => {
                for (code, lines) in data::PLANS {
                    let lines: Vec<Value> = lines
                        .iter()
                        .map(|(category, annual)| json!({"category": category, "annual": annual}))
                        .collect();
                    let body = json!({"department_id": self.made.departments[code], "fiscal_year": day.year(),
                                      "currency": "EUR", "exceed_policy": "warn", "lines": lines,
                                      "notes": "Plan agreed with the department head"});
                    let budget = self.post("/api/v1/budgets", finance, body).await?;
                    let id = budget["id"].as_i64().unwrap_or(0);
                    self.post(&format!("/api/v1/budgets/{id}/submit"), finance, json!({})).await?;
                    self.post(&format!("/api/v1/budgets/{id}/approve"), "controller@demo.opsdesk.local", json!({}))
                        .await?;
                }
            }
            Act::BuyStock => self.buy_stock(day).await?,
            Act::ServiceInvoice { customer, month } => {
                let (service, price) = data::SERVICES[(customer + *month as usize) % data::SERVICES.len()];
                let quantity = 1 + (month + *customer as i64) % 3;
                let body = json!({"kind": "receivable", "customer_id": self.made.customers[*customer],
                    "lines": [{"description": service, "quantity": quantity.to_string(), "unit_price": price,
                               "tax_rate_percent": "19"}]});
                let issued = self.issue(finance, body).await?;
                self.made.invoices.insert(format!("service-{customer}-{month}"), issued);
            }
            Act::VendorBill { vendor, month } => {
                let (name, _, department, category, amount) = data::VENDORS[*vendor];
                let body = json!({"kind": "payable", "vendor_id": self.made.vendors[*vendor],
                    "vendor_reference": format!("{}-{}", &name[..3].to_uppercase(), day.format("%Y%m")),
                    "lines": [{"description": format!("{name}, {}", day.format("%B %Y")), "quantity": "1",
                               "unit_price": amount, "tax_rate_percent": "19",
                               "department_id": self.made.departments[department], "budget_category": category}]});
                let (id, total) = self.issue(finance, body).await?;
                self.made.bills.insert((*vendor, *month), id);
                self.made.invoices.insert(format!("bill-{vendor}-{month}"), (id, total));
            }
            Act::VendorCredit { vendor } => {
                let (name, _, department, category, amount) = data::VENDORS[*vendor];
                let latest = self.made.bills.iter().filter(|((v, _), _)| v == vendor).max_by_key(|((_, m), _)| *m);
                let Some((_, bill)) = latest else { return Ok(()) };
                let tenth = crate::money::parse_amount(amount, "EUR".parse().map_err(|_| refused("EUR"))?)
                    .map_err(|e| refused(&e))?
                    / 10;
                let credit = crate::money::format_amount(tenth, "EUR".parse().map_err(|_| refused("EUR"))?);
                let body = json!({"kind": "credit_note", "credited_invoice_id": bill,
                    "lines": [{"description": format!("{name}: service credit"), "quantity": "1", "unit_price": credit,
                               "tax_rate_percent": "19", "department_id": self.made.departments[department],
                               "budget_category": category}]});
                self.issue(finance, body).await?;
            }
            Act::BillTime { customer, desk, from, to } => {
                let body = json!({"customer_id": self.made.customers[*customer], "desk_id": self.made.desks[desk],
                                  "from": from.to_string(), "to": to.to_string(), "tax_rate_percent": "19"});
                match self.post("/api/v1/invoices/from-time-entries", finance, body).await {
                    Ok(draft) => {
                        let id = draft["id"].as_i64().unwrap_or(0);
                        let issued = self.post(&format!("/api/v1/invoices/{id}/issue"), finance, json!({})).await?;
                        let total = issued["total"].as_str().unwrap_or("0").to_string();
                        self.made.invoices.insert(format!("time-{customer}-{desk}-{from}"), (id, total));
                    }
                    // Nothing billable for that customer and month: nothing to invoice.
                    Err(refusal) if refusal.status == actix_web::http::StatusCode::CONFLICT => {}
                    Err(refusal) => return Err(refusal),
                }
            }
            Act::Pay { invoice } => {
                if let Some((id, total)) = self.made.invoices.get(invoice).cloned() {
                    let body = json!({"amount": total, "paid_on": day.to_string(), "method": "bank_transfer"});
                    self.post(&format!("/api/v1/invoices/{id}/payments"), finance, body).await?;
                }
            }
            Act::OpenTicket { ticket } => self.open_ticket(*ticket).await?,
            Act::Reply { ticket } => {
                let plan = &self.plans[*ticket];
                let (worker, id) = (plan.worker, self.made.tickets[ticket]);
                let token = self.person_token(worker)?.to_string();
                let body = json!({"body": "Thanks for reporting this; we are on it."});
                self.post_as(&format!("/api/v1/tickets/{id}/comments"), &token, body).await?;
            }
            Act::Move { ticket, to } => {
                let plan = &self.plans[*ticket];
                let (worker, id) = (plan.worker, self.made.tickets[ticket]);
                let token = self.person_token(worker)?.to_string();
                let comment = match *to {
                    "pending" => Some("Waiting for you to confirm a time we can come by."),
                    "resolved" => Some("Fixed; tell us if it comes back."),
                    _ => None,
                };
                let mut body = json!({"to": to});
                if let Some(comment) = comment {
                    body["comment"] = json!(comment);
                }
                self.post_as(&format!("/api/v1/tickets/{id}/transitions"), &token, body).await?;
            }
            Act::LogTime { ticket, minutes } => {
                let (requester, worker) = (self.plans[*ticket].requester, self.plans[*ticket].worker);
                let billable = matches!(requester, Requester::Customer(_));
                let id = self.made.tickets[ticket];
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
            }
            Act::IssuePart { ticket } => {
                let plan = &self.plans[*ticket];
                let Some(sku) = data::SUBJECTS[plan.subject].4 else { return Ok(()) };
                let (item, bin) = self.made.items[sku];
                let quantity = match sku {
                    "BLT-M8" => "8",
                    "GRS-EP2" => "0.5",
                    "CBL-CAT6-3M" => "2",
                    _ => "1",
                };
                let token = self.person_token(plan.worker)?.to_string();
                let body = json!({"kind": "issue", "item_id": item, "location_id": bin, "quantity": quantity,
                                  "ticket_id": self.made.tickets[ticket]});
                self.post_as("/api/v1/inventory/movements", &token, body).await?;
            }
        }
        Ok(())
    }

    /// Creates a draft and issues it; returns its id and total.
    async fn issue(&mut self, as_user: &str, body: Value) -> Result<(i64, String), Refused> {
        let draft = self.post("/api/v1/invoices", as_user, body).await?;
        let id = draft["id"].as_i64().unwrap_or(0);
        let issued = self.post(&format!("/api/v1/invoices/{id}/issue"), as_user, json!({})).await?;
        Ok((id, issued["total"].as_str().unwrap_or("0").to_string()))
    }

    async fn buy_stock(&mut self, day: NaiveDate) -> Result<(), Refused> {
        let (ops, finance) = ("ops@demo.opsdesk.local", "finance@demo.opsdesk.local");
        let room = self.post("/api/v1/inventory/locations", ops, json!({"code": "WH", "name": "Stock room"})).await?;
        let mut bins = Vec::new();
        for bin in ["A", "B", "C"] {
            let body =
                json!({"code": format!("WH-{bin}"), "name": format!("Stock room, bin {bin}"), "parent_id": room["id"]});
            bins.push(self.post("/api/v1/inventory/locations", ops, body).await?["id"].as_i64().unwrap_or(0));
        }
        let mut lines = Vec::new();
        for (i, it) in data::ITEMS.iter().enumerate() {
            let body = json!({"sku": it.sku, "name": it.name, "unit": it.unit, "category": it.category,
                              "reorder_point": it.reorder_point, "reorder_quantity": it.reorder_quantity});
            let item = self.post("/api/v1/inventory/items", ops, body).await?;
            self.made.items.insert(it.sku, (item["id"].as_i64().unwrap_or(0), bins[i % bins.len()]));
            lines.push(json!({"description": it.name, "quantity": it.bought, "unit_price": it.unit_cost,
                              "item_id": item["id"], "tax_rate_percent": "19",
                              "department_id": self.made.departments["OPS"], "budget_category": "materials"}));
        }
        // Bought on one bill charged to operations' materials, and received against its lines:
        // stock bought is inventory, so the budget counts the parts when they are issued.
        let body = json!({"kind": "payable", "vendor_id": self.made.parts_vendor,
                          "vendor_reference": format!("PD-{}", day.format("%Y%m%d")), "lines": lines});
        let (bill, total) = self.issue(finance, body).await?;
        self.made.invoices.insert("stock".into(), (bill, total));
        let bill = self.call(Method::GET, &format!("/api/v1/invoices/{bill}"), finance, None).await?;
        let bought = bill["lines"].as_array().cloned().unwrap_or_default();
        for (line, it) in bought.iter().zip(data::ITEMS.iter()) {
            let (item, bin) = self.made.items[it.sku];
            let body = json!({"kind": "receipt", "item_id": item, "location_id": bin, "quantity": it.bought,
                              "unit_cost": it.unit_cost, "invoice_line_id": line["id"]});
            self.post("/api/v1/inventory/movements", ops, body).await?;
        }
        Ok(())
    }

    async fn open_ticket(&mut self, ticket: usize) -> Result<(), Refused> {
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
}

/// Priorities as often as tickets have them.
const PRIORITIES: [&str; 5] = ["low", "normal", "normal", "high", "urgent"];

fn refused(what: &str) -> Refused {
    Refused { request: what.into(), status: actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, body: String::new() }
}

/// The plans of the tickets and the moments of everything, in time order.
fn timeline(today: NaiveDate, plans: &mut Vec<TicketPlan>) -> Vec<(NaiveDateTime, Act)> {
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

/// Tells the story; returns how much it made.
pub async fn tell(client: &Client, tokens: &Tokens) -> Result<Summary, Refused> {
    clock::reset();
    let today = clock::today();
    let mut plans = Vec::new();
    let events = timeline(today, &mut plans);
    let mut teller = Teller { client, tokens, made: Made::default(), plans, requests: 0 };
    for (when, act) in &events {
        clock::set(*when);
        let told = teller.act(act, *when).await;
        if let Err(refusal) = told {
            clock::reset();
            return Err(refusal);
        }
    }
    clock::reset();
    Ok(Summary { requests: teller.requests, tickets: teller.made.tickets.len(), invoices: teller.made.invoices.len() })
}
