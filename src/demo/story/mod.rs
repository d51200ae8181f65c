//! The demo company's last year, told through the API in the order it happened: the clock is set
//! to each moment before the request that happened then (`crate::clock`), so that creation times,
//! SLA clocks, the audit log and the books read like a year of real work.
//!
//! The story: five departments and 25 people hired over the years, with a raise eight months
//! ago; three desks (IT for staff and for customers on a support contract, facilities, production
//! work orders for customers); customers and vendors; approved budgets this year; a stock room
//! bought from a parts vendor four months ago, and a quarter of purchase orders since; 300 tickets over the last 90 days in every state,
//! answered, worked, costed, some with parts; monthly service invoices and vendors' bills for a
//! year, desk time billed to customers monthly, payments early, late and missing.
//!
//! The chapters: `people.rs` (departments, hires, the raise), `desks.rs` (desks and the work on
//! tickets), `stock.rs` (the stock room and parts issued), `purchasing.rs` (a
//! quarter of purchase orders, receipts and matched bills), `finance.rs` (customers, vendors,
//! budgets, invoices, bills and payments); `timeline.rs` says when each act happens.

mod desks;
mod finance;
mod people;
mod purchasing;
mod stock;
mod timeline;

use std::collections::HashMap;

use actix_web::http::Method;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::client::{Client, Refused};
use super::data;
use crate::clock;

// The accounts of the staff who set the company up and run its books.
const HR: &str = "hr@demo.opsdesk.local";
const OPS: &str = "ops@demo.opsdesk.local";
const FINANCE: &str = "finance@demo.opsdesk.local";

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
    SendOrder { order: usize },
    ReceiveOrder { order: usize, quantity: &'static str },
    BillOrder { order: usize },
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
    orders: purchasing::Orders,
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
        match act {
            Act::Hire => self.hire(day).await,
            Act::Raise => self.raise(day).await,
            Act::Desks => self.set_up_desks().await,
            Act::Parties => self.parties().await,
            Act::Budgets => self.budgets(day).await,
            Act::BuyStock => self.buy_stock(day).await,
            Act::ServiceInvoice { customer, month } => self.service_invoice(*customer, *month).await,
            Act::VendorBill { vendor, month } => self.vendor_bill(day, *vendor, *month).await,
            Act::VendorCredit { vendor } => self.vendor_credit(*vendor).await,
            Act::BillTime { customer, desk, from, to } => self.bill_time(*customer, desk, *from, *to).await,
            Act::Pay { invoice } => self.pay(day, invoice).await,
            Act::OpenTicket { ticket } => self.open_ticket(*ticket).await,
            Act::Reply { ticket } => self.reply(*ticket).await,
            Act::Move { ticket, to } => self.move_ticket(*ticket, to).await,
            Act::LogTime { ticket, minutes } => self.log_time(day, *ticket, *minutes).await,
            Act::IssuePart { ticket } => self.issue_part(*ticket).await,
            Act::SendOrder { order } => self.send_order(*order, day).await,
            Act::ReceiveOrder { order, quantity } => self.receive_order(*order, quantity).await,
            Act::BillOrder { order } => self.bill_order(*order).await,
        }
    }
}

fn refused(what: &str) -> Refused {
    Refused { request: what.into(), status: actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, body: String::new() }
}

/// Tells the story; returns how much it made.
pub async fn tell(client: &Client, tokens: &Tokens) -> Result<Summary, Refused> {
    clock::reset();
    let today = clock::today();
    let mut plans = Vec::new();
    let events = timeline::timeline(today, &mut plans);
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
