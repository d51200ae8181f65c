//! The finance part of `opsdesk demo`: customers and vendors, a year of invoices and payments
//! (some overdue, some paid late), and vendors' bills charged to the demo departments' budgets.
//! Deterministic and idempotent: nothing is added when the demo customers exist already.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{line_net, totals, BudgetCategory, InvoiceKind, PartyKind, PaymentMethod};
use super::parties::Party;
use super::repo::parties::{self as party_repo, PartyFields};
use super::repo::{self, DraftFields, NewLine, NewPayment, TotalsFields};
use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::money::Currency;

/// (name, external ref, payment terms, hourly billing rate in cents, how late they pay in days)
const CUSTOMERS: [(&str, &str, i32, Option<i64>, i64); 5] = [
    ("Northwind Traders", "demo-c1", 30, Some(12_000), 5),
    ("Contoso Ltd", "demo-c2", 14, None, 25),
    ("Fabrikam Inc", "demo-c3", 30, Some(11_000), 70),
    ("Tailspin Toys", "demo-c4", 45, None, 0),
    ("Wide World Importers", "demo-c5", 30, None, 120),
];

/// (name, external ref, department code, budget category, monthly amount in cents)
const VENDORS: [(&str, &str, &str, BudgetCategory, i64); 4] = [
    ("Acme Office Supplies", "demo-v1", "OPS", BudgetCategory::Materials, 85_000),
    ("CloudHost GmbH", "demo-v2", "IT", BudgetCategory::Software, 240_000),
    ("Sparkle Cleaning", "demo-v3", "FAC", BudgetCategory::Services, 150_000),
    ("Rail & Air Travel", "demo-v4", "FIN", BudgetCategory::Travel, 60_000),
];

const SERVICES: [(&str, i64); 4] =
    [("Maintenance contract", 950_000), ("On-site support", 12_000), ("Spare parts", 4_550), ("Training day", 80_000)];

/// Loads the sample parties, invoices and bills; returns (parties, invoices) added.
pub fn load(conn: &mut DbConn, actor: &Actor) -> Result<(usize, usize), ApiError> {
    db::write_tx(conn, |conn| {
        if party_repo::by_external_ref(conn, PartyKind::Customer, CUSTOMERS[0].1)?.is_some() {
            return Ok((0, 0));
        }
        let eur: Currency = "EUR".parse().map_err(ApiError::internal)?;
        let today = chrono::Utc::now().date_naive();
        let mut invoices = 0;
        for (i, (name, reference, terms, rate, lateness)) in CUSTOMERS.iter().enumerate() {
            let customer = party_repo::insert(conn, PartyKind::Customer, &party(name, reference, *terms, *rate))?;
            let view = Party::from_row(&customer);
            audit::record(conn, actor, "customer.created", "customer", customer.id, None, Some(&view))?;
            for month in 0..12i64 {
                let issued = today - Duration::days(365 - month * 30 - i as i64 * 3);
                let (service, price) = SERVICES[(i + month as usize) % SERVICES.len()];
                let quantity = 1_000 * (1 + (month + i as i64) % 3);
                let line = priced(service, quantity, price * 100, 1_900, eur, None)?;
                let id = issue(
                    conn,
                    InvoiceKind::Receivable,
                    Some(customer.id),
                    None,
                    None,
                    issued,
                    *terms,
                    vec![line],
                    eur,
                )?;
                invoices += 1;
                let paid_on = issued + Duration::days(i64::from(*terms) + lateness);
                if paid_on <= today {
                    pay_in_full(conn, id, paid_on)?;
                }
            }
        }
        for (name, reference, department, category, amount) in VENDORS {
            let vendor = party_repo::insert(conn, PartyKind::Vendor, &party(name, reference, 30, None))?;
            let view = Party::from_row(&vendor);
            audit::record(conn, actor, "vendor.created", "vendor", vendor.id, None, Some(&view))?;
            let department = crate::employees::repo::department_by_code(conn, department)?.map(|d| d.id);
            for month in 0..12i64 {
                let issued = today - Duration::days(360 - month * 30);
                let line = priced(
                    &format!("{name}: month {}", month + 1),
                    1_000,
                    amount * 100,
                    1_900,
                    eur,
                    department.map(|d| (d, category)),
                )?;
                let id = issue(conn, InvoiceKind::Payable, None, Some(vendor.id), None, issued, 30, vec![line], eur)?;
                invoices += 1;
                if month < 10 {
                    pay_in_full(conn, id, issued + Duration::days(25))?;
                } else if month == 11 && department.is_some() {
                    // The vendor credits a tenth of the latest bill: it flows back into the budget.
                    let credit = priced(
                        &format!("{name}: credit on month {}", month + 1),
                        100,
                        amount * 100,
                        1_900,
                        eur,
                        department.map(|d| (d, category)),
                    )?;
                    let on = issued + Duration::days(5);
                    issue(conn, InvoiceKind::CreditNote, None, Some(vendor.id), Some(id), on, 0, vec![credit], eur)?;
                    invoices += 1;
                }
            }
        }
        Ok((CUSTOMERS.len() + VENDORS.len(), invoices))
    })
}

fn party(name: &str, reference: &str, terms: i32, rate: Option<i64>) -> PartyFields {
    PartyFields {
        name: name.into(),
        email: Some(format!("accounts@{}.example", name.split_whitespace().next().unwrap_or("demo").to_lowercase())),
        tax_id: None,
        billing_address: None,
        currency: "EUR".into(),
        payment_terms_days: terms,
        hourly_billing_rate: rate,
        active: true,
        external_ref: Some(reference.into()),
    }
}

fn priced(
    description: &str,
    quantity: i64,
    unit_price: i64,
    tax_rate: i32,
    currency: Currency,
    budget: Option<(i64, BudgetCategory)>,
) -> Result<NewLine, ApiError> {
    Ok(NewLine {
        description: description.into(),
        quantity,
        unit_price,
        discount: 0,
        tax_rate,
        net: line_net(quantity, unit_price, 1, 0, currency).ok_or_else(|| ApiError::internal("demo line"))?,
        ticket_id: None,
        item_id: None,
        department_id: budget.map(|b| b.0),
        budget_category: budget.map(|b| b.1.as_str()),
        unit: None,
        price_per: 1,
    })
}

#[allow(clippy::too_many_arguments)]
fn issue(
    conn: &mut DbConn,
    kind: InvoiceKind,
    customer_id: Option<i64>,
    vendor_id: Option<i64>,
    credited_invoice_id: Option<i64>,
    issued: NaiveDate,
    terms: i32,
    lines: Vec<NewLine>,
    currency: Currency,
) -> Result<i64, ApiError> {
    let nets: Vec<(i64, i32)> = lines.iter().map(|l| (l.net, l.tax_rate)).collect();
    let t = totals(&nets, currency).ok_or_else(|| ApiError::internal("demo totals"))?;
    let fields = DraftFields {
        kind: kind.as_str(),
        customer_id,
        vendor_id,
        credited_invoice_id,
        vendor_reference: vendor_id.map(|_| format!("V-{}", issued.format("%Y%m%d"))),
        currency: currency.code().to_string(),
        issue_date: Some(issued),
        due_date: None,
        notes: None,
    };
    let row = repo::insert_draft(
        conn,
        &fields,
        TotalsFields { subtotal: t.subtotal, tax_total: t.tax_total, total: t.total },
        None,
    )?;
    repo::set_lines(conn, row.id, &lines)?;
    let number = repo::next_number(conn, &row, issued.year())?;
    let due = issued + Duration::days(i64::from(terms));
    repo::issue(conn, row.id, row.version, &number, issued, due)?;
    if let Some(target) = credited_invoice_id {
        if !repo::settle(conn, target, 0, t.total, Some(issued))? {
            return Err(ApiError::internal("demo credit note"));
        }
    }
    Ok(row.id)
}

fn pay_in_full(conn: &mut DbConn, id: i64, on: NaiveDate) -> Result<(), ApiError> {
    let row = repo::invoice(conn, id)?.ok_or(ApiError::NotFound)?;
    repo::insert_payment(
        conn,
        &NewPayment {
            invoice_id: id,
            amount: row.balance(),
            paid_on: on,
            method: PaymentMethod::BankTransfer.as_str(),
            reference: Some("demo"),
            created_by: None,
        },
    )?;
    repo::settle(conn, id, row.balance(), 0, Some(on))?;
    Ok(())
}
