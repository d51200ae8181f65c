//! The inventory part of `opsdesk demo`: a stock room with bins and items, receipts, and parts
//! issued to demo IT tickets and to departments. Idempotent: nothing is added when the stock room
//! exists already. Runs after the job-desk demo, whose tickets it uses.

use super::model::{value_of, MovementKind};
use super::movements::{post, Posting};
use super::repo::{self, ItemFields, LocationFields};
use crate::audit::Actor;
use crate::db::{self, DbConn};
use crate::error::ApiError;

/// (sku, name, unit, category, reorder point, reorder quantity, unit cost in ten-thousandths)
const ITEMS: [(&str, &str, &str, &str, i64, i64, i64); 8] = [
    ("CBL-CAT6-3M", "Network cable Cat6, 3 m", "pcs", "network", 20, 50, 45_000),
    ("SSD-1TB", "SSD 1 TB", "pcs", "hardware", 5, 10, 899_000),
    ("RAM-16G", "Memory 16 GB", "pcs", "hardware", 4, 10, 529_000),
    ("TNR-HP26X", "Toner HP 26X", "pcs", "printing", 3, 6, 1_250_000),
    ("FLT-HVAC-M", "HVAC filter M5", "pcs", "facilities", 10, 24, 189_500),
    ("LMP-LED-T8", "LED tube T8", "pcs", "facilities", 12, 30, 62_500),
    ("BLT-M8", "Bolt M8 × 40", "pcs", "line", 200, 500, 1_200),
    ("GRS-EP2", "Grease EP2", "kg", "line", 5, 10, 148_000),
];

pub fn load(conn: &mut DbConn, actor: &Actor) -> Result<(usize, usize), ApiError> {
    db::write_tx(conn, |conn| {
        if repo::location_by_code(conn, "DEMO-WH")?.is_some() {
            return Ok((0, 0));
        }
        let warehouse = repo::insert_location(
            conn,
            &LocationFields { code: "DEMO-WH".into(), name: "Stock room".into(), parent_id: None, active: true },
        )?;
        let mut bins = Vec::new();
        for bin in ["A", "B", "C"] {
            let fields = LocationFields {
                code: format!("DEMO-WH-{bin}"),
                name: format!("Stock room, bin {bin}"),
                parent_id: Some(warehouse.id),
                active: true,
            };
            bins.push(repo::insert_location(conn, &fields)?.id);
        }
        let tickets = crate::tickets::billing::demo_tickets(conn, "IT", 12)?;
        let department = crate::employees::repo::department_by_code(conn, "OPS")?.map(|d| d.id);
        let eur = "EUR".parse().map_err(ApiError::internal)?;
        let mut movements = 0;
        for (i, (sku, name, unit, category, point, reorder, cost)) in ITEMS.iter().enumerate() {
            let item = repo::insert_item(
                conn,
                &ItemFields {
                    sku: sku.to_string(),
                    name: name.to_string(),
                    unit: unit.to_string(),
                    category: Some(category.to_string()),
                    reorder_point: point * 1000,
                    reorder_quantity: reorder * 1000,
                    currency: "EUR".into(),
                    active: true,
                },
            )?;
            let bin = bins[i % bins.len()];
            for (quantity, unit_cost) in [(reorder * 1000, *cost), (reorder * 500, cost + cost / 10)] {
                let value = value_of(quantity, unit_cost, eur);
                post(
                    conn,
                    actor,
                    item.id,
                    posting(MovementKind::Receipt, quantity, None, Some(bin), value, Some(unit_cost)),
                )?;
                movements += 1;
            }
            let out = reorder * 1000 + point * 500;
            let mut issue = posting(MovementKind::Issue, out, Some(bin), None, None, None);
            match tickets.get(i) {
                Some(ticket) => {
                    issue.ticket_id = Some(ticket.0);
                    issue.department_id = Some(ticket.1);
                }
                None => issue.department_id = department,
            }
            post(conn, actor, item.id, issue)?;
            movements += 1;
        }
        Ok((ITEMS.len(), movements))
    })
}

fn posting(
    kind: MovementKind,
    quantity: i64,
    from: Option<i64>,
    to: Option<i64>,
    value: Option<i64>,
    unit_cost: Option<i64>,
) -> Posting<'static> {
    Posting {
        kind,
        quantity,
        from,
        to,
        value,
        unit_cost,
        ticket_id: None,
        department_id: None,
        invoice_line_id: None,
        reason: None,
        reverses_id: None,
        budget_override: None,
    }
}
