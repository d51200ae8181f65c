//! The purchasing chapter: a quarter of purchase orders to two vendors, told so that vendor
//! performance has something to say — Parts Direct delivers on time (one order in two parts) and
//! bills the order's price; Acme Office Supplies delivers late and bills 1 % over it (inside the
//! match's tolerance); the last order is still on its way, so its money is committed, not spent.

use std::collections::HashMap;

use actix_web::http::Method;
use serde_json::json;

use super::{Teller, FINANCE, OPS};
use crate::demo::client::Refused;

/// One purchase: who from, what, when it was sent, when it was expected, when and how much
/// arrived, and what the vendor billed (days count from the day it was sent).
pub(super) struct Purchase {
    pub from_parts_vendor: bool,
    pub sku: &'static str,
    pub quantity: &'static str,
    pub price: &'static str,
    pub sent_days_ago: i64,
    pub expected_after: i64,
    pub deliveries: &'static [(i64, &'static str)],
    pub billed_after: Option<i64>,
    pub billed_price: &'static str,
}

pub(super) const PURCHASES: [Purchase; 6] = [
    Purchase {
        from_parts_vendor: true,
        sku: "CBL-CAT6-3M",
        quantity: "100",
        price: "4.50",
        sent_days_ago: 85,
        expected_after: 7,
        deliveries: &[(5, "100")],
        billed_after: Some(8),
        billed_price: "4.50",
    },
    Purchase {
        from_parts_vendor: false,
        sku: "LMP-LED-T8",
        quantity: "24",
        price: "6.25",
        sent_days_ago: 75,
        expected_after: 5,
        deliveries: &[(9, "24")],
        billed_after: Some(10),
        billed_price: "6.31",
    },
    Purchase {
        from_parts_vendor: true,
        sku: "SSD-1TB",
        quantity: "10",
        price: "89.90",
        sent_days_ago: 60,
        expected_after: 7,
        deliveries: &[(4, "6"), (6, "4")],
        billed_after: Some(10),
        billed_price: "89.90",
    },
    Purchase {
        from_parts_vendor: false,
        sku: "FLT-HVAC-M",
        quantity: "20",
        price: "18.95",
        sent_days_ago: 45,
        expected_after: 5,
        deliveries: &[(12, "20")],
        billed_after: Some(14),
        billed_price: "19.14",
    },
    Purchase {
        from_parts_vendor: true,
        sku: "RAM-16G",
        quantity: "10",
        price: "52.90",
        sent_days_ago: 30,
        expected_after: 7,
        deliveries: &[(6, "10")],
        billed_after: Some(9),
        billed_price: "52.90",
    },
    Purchase {
        from_parts_vendor: true,
        sku: "CBL-CAT6-3M",
        quantity: "50",
        price: "4.50",
        sent_days_ago: 5,
        expected_after: 7,
        deliveries: &[],
        billed_after: None,
        billed_price: "4.50",
    },
];

/// Orders the story has sent: (order id, its line id) by index in [`PURCHASES`].
pub(super) type Orders = HashMap<usize, (i64, i64)>;

impl Teller<'_> {
    fn vendor_of(&self, purchase: &Purchase) -> i64 {
        if purchase.from_parts_vendor {
            self.made.parts_vendor
        } else {
            self.made.vendors.first().copied().unwrap_or(self.made.parts_vendor)
        }
    }

    /// ops writes the order, charged to operations' materials, and sends it.
    pub(super) async fn send_order(&mut self, order: usize, day: chrono::NaiveDate) -> Result<(), Refused> {
        let purchase = &PURCHASES[order];
        let (item, _) = self.made.items[purchase.sku];
        let expected = day + chrono::Duration::days(purchase.expected_after);
        let body = json!({"vendor_id": self.vendor_of(purchase), "department_id": self.made.departments["OPS"],
                          "expected_on": expected,
                          "lines": [{"item_id": item, "quantity": purchase.quantity, "unit_price": purchase.price,
                                     "tax_rate_percent": "19"}]});
        let draft = self.post("/api/v1/purchase-orders", OPS, body).await?;
        let id = draft["id"].as_i64().unwrap_or(0);
        let line = draft["lines"][0]["id"].as_i64().unwrap_or(0);
        self.post(&format!("/api/v1/purchase-orders/{id}/sending"), OPS, json!({})).await?;
        self.made.orders.insert(order, (id, line));
        Ok(())
    }

    /// ops receives a delivery into the item's bin.
    pub(super) async fn receive_order(&mut self, order: usize, quantity: &str) -> Result<(), Refused> {
        let (id, line) = self.made.orders[&order];
        let (_, bin) = self.made.items[PURCHASES[order].sku];
        let body = json!({"location_id": bin, "lines": [{"order_line_id": line, "quantity": quantity}]});
        self.post(&format!("/api/v1/purchase-orders/{id}/receipts"), OPS, body).await?;
        Ok(())
    }

    /// finance books the vendor's bill citing the order line (the three-way match passes).
    pub(super) async fn bill_order(&mut self, order: usize) -> Result<(), Refused> {
        let purchase = &PURCHASES[order];
        let (id, line) = self.made.orders[&order];
        let po = self.call(Method::GET, &format!("/api/v1/purchase-orders/{id}"), FINANCE, None).await?;
        let body = json!({"kind": "payable", "vendor_id": self.vendor_of(purchase),
                          "vendor_reference": format!("INV-{}", po["number"].as_str().unwrap_or("PO")),
                          "lines": [{"description": po["lines"][0]["description"], "quantity": purchase.quantity,
                                     "unit_price": purchase.billed_price, "tax_rate_percent": "19",
                                     "purchase_order_line_id": line}]});
        let (bill, total) = self.issue(FINANCE, body).await?;
        self.made.invoices.insert(format!("order-{order}"), (bill, total));
        Ok(())
    }
}
