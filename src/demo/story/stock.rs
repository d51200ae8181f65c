//! The stock chapter: ops sets up the stock room, bought on one vendor's bill; parts are issued
//! to tickets.

use actix_web::http::Method;
use chrono::NaiveDate;
use serde_json::json;

use super::{Teller, FINANCE, OPS};
use crate::demo::client::Refused;
use crate::demo::data;

impl Teller<'_> {
    /// ops sets up the stock room and its items, bought on one bill from the parts vendor and
    /// received against its lines.
    pub(super) async fn buy_stock(&mut self, day: NaiveDate) -> Result<(), Refused> {
        let room = self.post("/api/v1/inventory/locations", OPS, json!({"code": "WH", "name": "Stock room"})).await?;
        let mut bins = Vec::new();
        for bin in ["A", "B", "C"] {
            let body =
                json!({"code": format!("WH-{bin}"), "name": format!("Stock room, bin {bin}"), "parent_id": room["id"]});
            bins.push(self.post("/api/v1/inventory/locations", OPS, body).await?["id"].as_i64().unwrap_or(0));
        }
        let mut lines = Vec::new();
        for (i, it) in data::ITEMS.iter().enumerate() {
            let body = json!({"sku": it.sku, "name": it.name, "unit": it.unit, "category": it.category,
                              "reorder_point": it.reorder_point, "reorder_quantity": it.reorder_quantity});
            let item = self.post("/api/v1/inventory/items", OPS, body).await?;
            self.made.items.insert(it.sku, (item["id"].as_i64().unwrap_or(0), bins[i % bins.len()]));
            lines.push(json!({"description": it.name, "quantity": it.bought, "unit_price": it.unit_cost,
                              "item_id": item["id"], "tax_rate_percent": "19",
                              "department_id": self.made.departments["OPS"], "budget_category": "materials"}));
        }
        // Bought on one bill charged to operations' materials, and received against its lines:
        // stock bought is inventory, so the budget counts the parts when they are issued.
        let body = json!({"kind": "payable", "vendor_id": self.made.parts_vendor,
                          "vendor_reference": format!("PD-{}", day.format("%Y%m%d")), "lines": lines});
        let (bill, total) = self.issue(FINANCE, body).await?;
        self.made.invoices.insert("stock".into(), (bill, total));
        let bill = self.call(Method::GET, &format!("/api/v1/invoices/{bill}"), FINANCE, None).await?;
        let bought = bill["lines"].as_array().cloned().unwrap_or_default();
        for (line, it) in bought.iter().zip(data::ITEMS.iter()) {
            let (item, bin) = self.made.items[it.sku];
            let body = json!({"kind": "receipt", "item_id": item, "location_id": bin, "quantity": it.bought,
                              "unit_cost": it.unit_cost, "invoice_line_id": line["id"]});
            self.post("/api/v1/inventory/movements", OPS, body).await?;
        }
        Ok(())
    }

    /// The worker issues the part the ticket's subject needs.
    pub(super) async fn issue_part(&mut self, ticket: usize) -> Result<(), Refused> {
        let plan = &self.plans[ticket];
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
                          "ticket_id": self.made.tickets[&ticket]});
        self.post_as("/api/v1/inventory/movements", &token, body).await?;
        Ok(())
    }
}
