//! An invoice's lines as sent: parsed, priced in the invoice's currency, and what they refer to
//! checked. Used by creating and changing a draft (`api.rs`).

use super::model::{self, line_net, parse_scaled, PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE};
use super::repo::{NewLine, TotalsFields};
use super::views::InvoiceLineInput;
use crate::db::DbConn;
use crate::error::{ApiError, Validator};
use crate::money::{self, Currency};

fn percent(v: &mut Validator, pointer: &str, raw: Option<&str>) -> i32 {
    let Some(raw) = raw else { return 0 };
    match parse_scaled(raw, PERCENT_SCALE) {
        Ok(units) if (0..=10_000).contains(&units) => units as i32,
        Ok(_) => {
            v.error(pointer, "must be 0 to 100");
            0
        }
        Err(e) => {
            v.error(pointer, e);
            0
        }
    }
}

/// Parses and prices the lines; the lines of a vendor's bill or credit note may carry a
/// department and budget category (both or neither). Returns the lines and the totals.
pub fn price_lines(
    v: &mut Validator,
    lines: &[InvoiceLineInput],
    currency: Currency,
    from_vendor: bool,
) -> (Vec<NewLine>, TotalsFields) {
    let mut priced = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("/lines/{i}/{field}");
        let description = v.required_text(&at("description"), &line.description, 500);
        let quantity = match parse_scaled(&line.quantity, QUANTITY_SCALE) {
            Ok(q) if q > 0 => q,
            Ok(_) => {
                v.error(&at("quantity"), "must be more than 0");
                0
            }
            Err(e) => {
                v.error(&at("quantity"), e);
                0
            }
        };
        let unit_price = match parse_scaled(&line.unit_price, PRICE_SCALE) {
            Ok(p) if p >= 0 => p,
            Ok(_) => {
                v.error(&at("unit_price"), "must not be negative");
                0
            }
            Err(e) => {
                v.error(&at("unit_price"), e);
                0
            }
        };
        let discount = percent(v, &at("discount_percent"), line.discount_percent.as_deref());
        let tax_rate = percent(v, &at("tax_rate_percent"), line.tax_rate_percent.as_deref());
        if line.department_id.is_some() != line.budget_category.is_some() {
            v.error(&at("budget_category"), "give a department and a budget category together");
        }
        if !from_vendor && line.purchase_order_line_id.is_some() {
            v.error(&at("purchase_order_line_id"), "only the lines of bills cite purchase order lines");
        }
        if !from_vendor && line.department_id.is_some() {
            v.error(
                &at("department_id"),
                "only the lines of bills and vendors' credit notes are charged to a department's budget",
            );
        }
        let price_per = line.price_per.unwrap_or(1);
        if !(1..=model::MAX_PRICE_PER).contains(&price_per) {
            v.error(&at("price_per"), format!("must be 1 to {}", model::MAX_PRICE_PER));
        }
        let unit = v.optional_text(&at("unit"), line.unit.clone(), 20);
        let net = line_net(quantity, unit_price, price_per, discount, currency).unwrap_or_else(|| {
            v.error(&at("quantity"), format!("the line's amount (quantity × unit price) {}", money::LIMIT_TEXT));
            0
        });
        priced.push(NewLine {
            description,
            quantity,
            unit_price,
            discount,
            tax_rate,
            net,
            ticket_id: line.ticket_id,
            item_id: line.item_id,
            department_id: line.department_id,
            budget_category: line.budget_category.map(|c| c.as_str()),
            unit,
            price_per,
            purchase_order_line_id: line.purchase_order_line_id,
        });
    }
    let nets: Vec<(i64, i32)> = priced.iter().map(|l| (l.net, l.tax_rate)).collect();
    let totals = model::totals(&nets, currency).unwrap_or_else(|| {
        v.error("/lines", "the invoice's total is out of range");
        Default::default()
    });
    (priced, TotalsFields { subtotal: totals.subtotal, tax_total: totals.tax_total, total: totals.total })
}

/// Checks what lines refer to: departments, items and tickets must exist; a cited purchase
/// order line must be citable by a bill (`bill`: its vendor and currency; None for any other
/// document, which cites none) and gives the line its item, department and category where the
/// line names none.
pub(super) fn check_line_links(
    conn: &mut DbConn,
    v: &mut Validator,
    lines: &mut [NewLine],
    bill: Option<(i64, &str)>,
) -> Result<(), ApiError> {
    for (i, line) in lines.iter_mut().enumerate() {
        if let Some(order_line) = line.purchase_order_line_id {
            let pointer = format!("/lines/{i}/purchase_order_line_id");
            match bill {
                None => v.error(&pointer, "only the lines of bills (not credit notes) cite purchase order lines"),
                Some((vendor, currency)) => match super::purchasing::citable(conn, order_line, vendor, currency)? {
                    Err(why) => v.error(&pointer, why),
                    Ok(cited) => {
                        line.item_id = line.item_id.or(cited.item_id);
                        if line.department_id.is_none() && line.budget_category.is_none() {
                            line.department_id = Some(cited.department_id);
                            line.budget_category = model::BudgetCategory::from_stored(&cited.budget_category)
                                .map(model::BudgetCategory::as_str);
                        }
                    }
                },
            }
        }
        if let Some(department) = line.department_id {
            if crate::employees::department(conn, department)?.is_none() {
                v.error(&format!("/lines/{i}/department_id"), "no such department");
            }
        }
        if let Some(item) = line.item_id {
            if crate::inventory::item(conn, item)?.is_none() {
                v.error(&format!("/lines/{i}/item_id"), "no such item");
            }
        }
        if let Some(ticket) = line.ticket_id {
            if crate::tickets::ticket(conn, ticket)?.is_none() {
                v.error(&format!("/lines/{i}/ticket_id"), "no such ticket");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_priced_and_checked() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let line = |q: &str, p: &str, d: Option<&str>, t: Option<&str>| InvoiceLineInput {
            description: "Work".into(),
            quantity: q.into(),
            unit_price: p.into(),
            discount_percent: d.map(String::from),
            tax_rate_percent: t.map(String::from),
            ticket_id: None,
            item_id: None,
            department_id: None,
            budget_category: None,
            price_per: None,
            unit: None,
            purchase_order_line_id: None,
        };
        let mut v = Validator::new();
        let (lines, totals) = price_lines(
            &mut v,
            &[line("2.5", "19.99", Some("10"), Some("19")), line("1", "0.005", None, None)],
            eur,
            false,
        );
        assert!(v.finish().is_ok());
        assert_eq!(lines.iter().map(|l| l.net).collect::<Vec<_>>(), vec![4_498, 1]);
        assert_eq!((totals.subtotal, totals.tax_total, totals.total), (4_499, 855, 5_354));
        let mut v = Validator::new();
        price_lines(&mut v, &[line("0", "1.00001", Some("101"), Some("x"))], eur, false);
        let problem = format!("{:?}", v.finish());
        for field in ["quantity", "unit_price", "discount_percent", "tax_rate_percent"] {
            assert!(problem.contains(&format!("/lines/0/{field}")), "{field} in {problem}");
        }
    }
}
