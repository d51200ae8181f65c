//! The finance chapter: customers and vendors, approved budgets, a year of service invoices and
//! vendors' bills (and a credit), desk time billed to customers, and payments.

use actix_web::http::Method;
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use super::{refused, Teller, FINANCE};
use crate::demo::client::Refused;
use crate::demo::data;

impl Teller<'_> {
    /// finance records the customers and the vendors.
    pub(super) async fn parties(&mut self) -> Result<(), Refused> {
        for (name, reference, terms, rate, _) in data::CUSTOMERS {
            let email = format!("ap@{}.example", name.split_whitespace().next().unwrap_or("demo").to_lowercase());
            let mut body = json!({"name": name, "email": email, "currency": "EUR", "payment_terms_days": terms});
            if let Some(rate) = rate {
                body["hourly_billing_rate"] = json!(rate);
            }
            let path = format!("/api/v1/customers/by-external-ref/{reference}");
            let customer = self.call(Method::PUT, &path, FINANCE, Some(body)).await?;
            self.made.customers.push(customer["id"].as_i64().unwrap_or(0));
        }
        let vendors = data::VENDORS.iter().map(|v| (v.0, v.1)).chain([data::PARTS_VENDOR]);
        for (name, reference) in vendors {
            let body = json!({"name": name, "currency": "EUR", "payment_terms_days": 30});
            let path = format!("/api/v1/vendors/by-external-ref/{reference}");
            let vendor = self.call(Method::PUT, &path, FINANCE, Some(body)).await?;
            if reference == data::PARTS_VENDOR.1 {
                self.made.parts_vendor = vendor["id"].as_i64().unwrap_or(0);
            } else {
                self.made.vendors.push(vendor["id"].as_i64().unwrap_or(0));
            }
        }
        Ok(())
    }

    /// finance plans each department's year; the controller approves.
    pub(super) async fn budgets(&mut self, day: NaiveDate) -> Result<(), Refused> {
        for (code, lines) in data::PLANS {
            let lines: Vec<Value> =
                lines.iter().map(|(category, annual)| json!({"category": category, "annual": annual})).collect();
            let body = json!({"department_id": self.made.departments[code], "fiscal_year": day.year(),
                              "currency": "EUR", "exceed_policy": "warn", "lines": lines,
                              "notes": "Plan agreed with the department head"});
            let budget = self.post("/api/v1/budgets", FINANCE, body).await?;
            let id = budget["id"].as_i64().unwrap_or(0);
            self.post(&format!("/api/v1/budgets/{id}/submit"), FINANCE, json!({})).await?;
            self.post(&format!("/api/v1/budgets/{id}/approve"), "controller@demo.opsdesk.local", json!({})).await?;
        }
        Ok(())
    }

    /// A month's service invoice to a customer.
    pub(super) async fn service_invoice(&mut self, customer: usize, month: i64) -> Result<(), Refused> {
        let (service, price) = data::SERVICES[(customer + month as usize) % data::SERVICES.len()];
        let quantity = 1 + (month + customer as i64) % 3;
        let body = json!({"kind": "receivable", "customer_id": self.made.customers[customer],
            "lines": [{"description": service, "quantity": quantity.to_string(), "unit_price": price,
                       "tax_rate_percent": "19"}]});
        let issued = self.issue(FINANCE, body).await?;
        self.made.invoices.insert(format!("service-{customer}-{month}"), issued);
        Ok(())
    }

    /// A vendor's monthly bill.
    pub(super) async fn vendor_bill(&mut self, day: NaiveDate, vendor: usize, month: i64) -> Result<(), Refused> {
        let (name, _, department, category, amount) = data::VENDORS[vendor];
        let body = json!({"kind": "payable", "vendor_id": self.made.vendors[vendor],
            "vendor_reference": format!("{}-{}", &name[..3].to_uppercase(), day.format("%Y%m")),
            "lines": [{"description": format!("{name}, {}", day.format("%B %Y")), "quantity": "1",
                       "unit_price": amount, "tax_rate_percent": "19",
                       "department_id": self.made.departments[department], "budget_category": category}]});
        let (id, total) = self.issue(FINANCE, body).await?;
        self.made.bills.insert((vendor, month), id);
        self.made.invoices.insert(format!("bill-{vendor}-{month}"), (id, total));
        Ok(())
    }

    /// A vendor's credit note: a tenth of their latest bill.
    pub(super) async fn vendor_credit(&mut self, vendor: usize) -> Result<(), Refused> {
        let (name, _, department, category, amount) = data::VENDORS[vendor];
        let latest = self.made.bills.iter().filter(|((v, _), _)| *v == vendor).max_by_key(|((_, m), _)| *m);
        let Some((_, bill)) = latest else { return Ok(()) };
        let tenth = crate::money::parse_amount(amount, "EUR".parse().map_err(|_| refused("EUR"))?)
            .map_err(|e| refused(&e))?
            / 10;
        let credit = crate::money::format_amount(tenth, "EUR".parse().map_err(|_| refused("EUR"))?);
        let body = json!({"kind": "credit_note", "credited_invoice_id": bill,
            "lines": [{"description": format!("{name}: service credit"), "quantity": "1", "unit_price": credit,
                       "tax_rate_percent": "19", "department_id": self.made.departments[department],
                       "budget_category": category}]});
        self.issue(FINANCE, body).await?;
        Ok(())
    }

    /// A customer's billable time on a desk, invoiced.
    pub(super) async fn bill_time(
        &mut self,
        customer: usize,
        desk: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(), Refused> {
        let body = json!({"customer_id": self.made.customers[customer], "desk_id": self.made.desks[desk],
                          "from": from.to_string(), "to": to.to_string(), "tax_rate_percent": "19"});
        match self.post("/api/v1/invoices/from-time-entries", FINANCE, body).await {
            Ok(draft) => {
                let id = draft["id"].as_i64().unwrap_or(0);
                let issued = self.post(&format!("/api/v1/invoices/{id}/issue"), FINANCE, json!({})).await?;
                let total = issued["total"].as_str().unwrap_or("0").to_string();
                self.made.invoices.insert(format!("time-{customer}-{desk}-{from}"), (id, total));
            }
            // Nothing billable for that customer and month: nothing to invoice.
            Err(refusal) if refusal.status == actix_web::http::StatusCode::CONFLICT => {}
            Err(refusal) => return Err(refusal),
        }
        Ok(())
    }

    /// An invoice paid in full on `day`.
    pub(super) async fn pay(&mut self, day: NaiveDate, invoice: &str) -> Result<(), Refused> {
        if let Some((id, total)) = self.made.invoices.get(invoice).cloned() {
            let body = json!({"amount": total, "paid_on": day.to_string(), "method": "bank_transfer"});
            self.post(&format!("/api/v1/invoices/{id}/payments"), FINANCE, body).await?;
        }
        Ok(())
    }

    /// Creates a draft and issues it; returns its id and total.
    pub(super) async fn issue(&mut self, as_user: &str, body: Value) -> Result<(i64, String), Refused> {
        let draft = self.post("/api/v1/invoices", as_user, body).await?;
        let id = draft["id"].as_i64().unwrap_or(0);
        let issued = self.post(&format!("/api/v1/invoices/{id}/issue"), as_user, json!({})).await?;
        Ok((id, issued["total"].as_str().unwrap_or("0").to_string()))
    }
}
