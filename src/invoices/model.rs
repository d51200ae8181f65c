//! Rows and rules of finance: invoice kinds and statuses, and the one rounding policy.
//!
//! Rounding, the only place amounts are rounded:
//! 1. a line's net = quantity × unit price ÷ price per × (1 − discount %), half-up to the
//!    currency's minor unit, once (`price_per` is how many units the unit price is for: 1 for
//!    most lines, 60 for minutes billed at an hourly rate);
//! 2. tax per rate = (the sum of the nets of the lines at that rate) × rate %, half-up to the minor
//!    unit;
//! 3. subtotal = Σ nets, tax total = Σ taxes, total = subtotal + tax total.
//!
//! The API, the reports and a printed invoice use these numbers, so they agree to the cent.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{invoice_lines, invoices, parties, payments};
use crate::money::{self, Currency};

/// Quantities carry up to 3 decimals, unit prices up to 4, percentages up to 2.
pub const QUANTITY_SCALE: u32 = 3;
pub const PRICE_SCALE: u32 = 4;
pub const PERCENT_SCALE: u32 = 2;

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The stored text back as the enum (the database CHECK admits nothing else).
            pub fn from_stored(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

stored_enum!(
    /// receivable: to a customer; payable: a vendor's bill; credit_note: against an issued
    /// receivable invoice (to its customer) or an issued bill (from its vendor).
    InvoiceKind { Receivable => "receivable", Payable => "payable", CreditNote => "credit_note" }
);

stored_enum!(
    /// draft (editable, no number) → issued → partially_paid → paid; void (issued and unpaid).
    /// `paid` means nothing is left to pay, by payments and credit notes together.
    InvoiceStatus { Draft => "draft", Issued => "issued", PartiallyPaid => "partially_paid", Paid => "paid", Void => "void" }
);

stored_enum!(
    /// Where a payable line's cost goes in the department's budget.
    BudgetCategory {
        Labour => "labour", Materials => "materials", Services => "services", Software => "software",
        Travel => "travel", Facilities => "facilities", Other => "other"
    }
);

stored_enum!(
    /// Customers are invoiced; vendors send bills.
    PartyKind { Customer => "customer", Vendor => "vendor" }
);

stored_enum!(
    PaymentMethod {
        BankTransfer => "bank_transfer", Card => "card", Cash => "cash", Cheque => "cheque",
        DirectDebit => "direct_debit", Other => "other"
    }
);

/// The number series of an invoice: `INV-2026-000123` to customers, `CN-…` credit notes to
/// customers, `BILL-…` vendors' bills, `VCN-…` vendors' credit notes. Credit notes from vendors
/// have a series of their own so that the series of what this company issues stays gapless.
pub fn series(kind: InvoiceKind, from_vendor: bool) -> &'static str {
    match (kind, from_vendor) {
        (InvoiceKind::Receivable, _) => "INV",
        (InvoiceKind::Payable, _) => "BILL",
        (InvoiceKind::CreditNote, false) => "CN",
        (InvoiceKind::CreditNote, true) => "VCN",
    }
}

/// The human number of the `n`th invoice of a series in a year.
pub fn invoice_number(series: &str, year: i32, n: i64) -> String {
    format!("{series}-{year}-{n:06}")
}

/// The status that follows from what is settled of `total`.
pub fn settled_status(total: i64, paid: i64, credited: i64) -> InvoiceStatus {
    match paid + credited {
        settled if settled >= total && total > 0 => InvoiceStatus::Paid,
        0 => InvoiceStatus::Issued,
        _ => InvoiceStatus::PartiallyPaid,
    }
}

pub use crate::money::{format_scaled, parse_scaled};

/// The largest `price_per`: a unit price may be given for up to this many units.
pub const MAX_PRICE_PER: i32 = 10_000;

/// A line's net in minor units: quantity (thousandths) × unit price (ten-thousandths) ÷ price
/// per (units the price is for) × (1 − discount (hundredths of a percent)), rounded half-up once.
/// None when it is not within the limit.
pub fn line_net(quantity: i64, unit_price: i64, price_per: i32, discount: i32, currency: Currency) -> Option<i64> {
    let gross = Decimal::new(quantity, QUANTITY_SCALE).checked_mul(Decimal::new(unit_price, PRICE_SCALE))?;
    let kept = Decimal::new(10_000 - i64::from(discount), 4);
    let exact = gross.checked_mul(kept)?.checked_div(Decimal::from(price_per.max(1)))?;
    money::round_to_minor(exact, currency)
}

/// The tax at one rate on the sum of the nets at that rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxAtRate {
    /// Hundredths of a percent.
    pub rate: i32,
    pub base: i64,
    pub tax: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub taxes: Vec<TaxAtRate>,
}

/// Totals of lines given as (net, tax rate), by the policy at the top of this file.
pub fn totals(lines: &[(i64, i32)], currency: Currency) -> Option<Totals> {
    let mut bases: BTreeMap<i32, i64> = BTreeMap::new();
    for (net, rate) in lines {
        let base = bases.entry(*rate).or_default();
        *base = base.checked_add(*net)?;
    }
    let mut totals = Totals::default();
    for (rate, base) in bases {
        let exact = money::to_decimal(base, currency).checked_mul(Decimal::new(i64::from(rate), 4))?;
        let tax = money::round_to_minor(exact, currency)?;
        totals.subtotal = totals.subtotal.checked_add(base)?;
        totals.tax_total = totals.tax_total.checked_add(tax)?;
        totals.taxes.push(TaxAtRate { rate, base, tax });
    }
    totals.total = totals.subtotal.checked_add(totals.tax_total)?;
    let all_within =
        [totals.subtotal, totals.tax_total, totals.total].iter().all(|a| money::within_limit(*a, currency));
    all_within.then_some(totals)
}

/// Aging buckets by days past due.
pub fn aging_bucket(days_past_due: i64) -> usize {
    match days_past_due {
        i64::MIN..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = parties, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PartyRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub tax_id: Option<String>,
    pub billing_address: Option<String>,
    pub currency: String,
    pub payment_terms_days: i32,
    pub hourly_billing_rate: Option<i64>,
    pub active: bool,
    pub external_ref: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// Customers: parts without a sale price are billed at cost plus this (hundredths of a %).
    pub parts_markup: Option<i32>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = invoices, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct InvoiceRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub credited_invoice_id: Option<i64>,
    pub number: Option<String>,
    pub vendor_reference: Option<String>,
    pub currency: String,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub paid_total: i64,
    pub credited_total: i64,
    pub paid_on: Option<NaiveDate>,
    pub void_reason: Option<String>,
    pub issued_at: Option<NaiveDateTime>,
    pub voided_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub match_override_reason: Option<String>,
}

impl InvoiceRow {
    pub fn kind(&self) -> InvoiceKind {
        InvoiceKind::from_stored(&self.kind).unwrap_or(InvoiceKind::Receivable)
    }

    pub fn status(&self) -> InvoiceStatus {
        InvoiceStatus::from_stored(&self.status).unwrap_or(InvoiceStatus::Draft)
    }

    /// The number series it is issued in.
    pub fn series(&self) -> &'static str {
        series(self.kind(), self.vendor_id.is_some())
    }

    /// What is left to pay (a credit note is applied when issued: nothing to pay).
    pub fn balance(&self) -> i64 {
        match (self.kind(), self.status()) {
            (InvoiceKind::CreditNote, _) | (_, InvoiceStatus::Draft | InvoiceStatus::Void) => 0,
            _ => self.total - self.paid_total - self.credited_total,
        }
    }

    /// Past its due date with a balance, on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.balance() > 0 && self.due_date.is_some_and(|due| due < today)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = invoice_lines, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LineRow {
    pub id: i64,
    pub invoice_id: i64,
    pub position: i32,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i32,
    pub tax_rate: i32,
    pub net: i64,
    pub ticket_id: Option<i64>,
    pub item_id: Option<i64>,
    pub department_id: Option<i64>,
    pub budget_category: Option<String>,
    pub unit: Option<String>,
    pub price_per: i32,
    pub purchase_order_line_id: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = payments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PaymentRow {
    pub id: i64,
    pub invoice_id: i64,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub method: String,
    pub reference: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        code.parse().expect("currency")
    }

    #[test]
    fn a_line_rounds_once_half_up() {
        let eur = currency("EUR");
        // 1 × 0.0050 = 0.005 → 0.01
        assert_eq!(line_net(1_000, 50, 1, 0, eur), Some(1));
        // 3 × 0.3333 = 0.9999 → 1.00
        assert_eq!(line_net(3_000, 3_333, 1, 0, eur), Some(100));
        // 2.5 × 19.99 with 10 % off = 44.9775 → 44.98
        assert_eq!(line_net(2_500, 199_900, 1, 1_000, eur), Some(4_498));
        // 1.234 × 0.0001 = 0.0001234 → 0.00
        assert_eq!(line_net(1_234, 1, 1, 0, eur), Some(0));
        // JPY has no minor unit: 3 × 333.5 = 1000.5 → 1001
        assert_eq!(line_net(3_000, 3_335_000, 1, 0, currency("JPY")), Some(1_001));
        // BHD has 3: 1 × 0.0005 = 0.0005 → 0.001
        assert_eq!(line_net(1_000, 5, 1, 0, currency("BHD")), Some(1));
        assert_eq!(line_net(1_000, 10_000, 1, 10_000, eur), Some(0), "100 % off");
        // Time at an hourly rate: 20 minutes at 100.00 per 60 minutes is 33.33, rounded once
        // (0.333 h × 100.00 would be 33.30).
        assert_eq!(line_net(20_000, 1_000_000, 60, 0, eur), Some(3_333));
        assert_eq!(line_net(1_000, 3_000, 60, 0, eur), Some(1), "1 min at 0.30/h is 0.005: half-up");
        assert_eq!(line_net(1_000, 2_999, 60, 0, eur), Some(0), "1 min at 0.2999/h is 0.00499…");
        assert_eq!(line_net(40_000, 1_000_000, 60, 0, eur), Some(6_667), "66.666… rounds up");
    }

    #[test]
    fn tax_is_per_rate_on_the_sum_of_nets() {
        let eur = currency("EUR");
        // Three lines of 0.05 at 10 %: per line the tax would be 3 × 0.01 (0.005 each, half-up);
        // on the sum it is 0.015 → 0.02.
        let t = totals(&[(5, 1_000), (5, 1_000), (5, 1_000), (1_000, 1_900)], eur).expect("totals");
        assert_eq!(t.subtotal, 1_015);
        assert_eq!(
            t.taxes,
            vec![TaxAtRate { rate: 1_000, base: 15, tax: 2 }, TaxAtRate { rate: 1_900, base: 1_000, tax: 190 }]
        );
        assert_eq!(t.tax_total, 192);
        assert_eq!(t.total, 1_207);
        assert_eq!(totals(&[], eur), Some(Totals::default()));
    }

    #[test]
    fn many_lines_add_up_exactly() {
        let eur = currency("EUR");
        let lines: Vec<(i64, i32)> =
            (0..1_000).map(|i| (line_net(1_000, 3_333 + i, 1, 0, eur).expect("net"), 2_000)).collect();
        let t = totals(&lines, eur).expect("totals");
        assert_eq!(t.subtotal, lines.iter().map(|(n, _)| n).sum::<i64>());
        assert_eq!(t.total, t.subtotal + t.tax_total);
        let exact_tax = money::to_decimal(t.subtotal, eur) * Decimal::new(2_000, 4);
        assert_eq!(Some(t.tax_total), money::round_to_minor(exact_tax, eur));
    }

    #[test]
    fn settlement_sets_the_status() {
        assert_eq!(settled_status(1_000, 0, 0), InvoiceStatus::Issued);
        assert_eq!(settled_status(1_000, 400, 0), InvoiceStatus::PartiallyPaid);
        assert_eq!(settled_status(1_000, 400, 600), InvoiceStatus::Paid);
        assert_eq!(settled_status(0, 0, 0), InvoiceStatus::Issued);
    }

    #[test]
    fn numbers_and_buckets() {
        assert_eq!(invoice_number(series(InvoiceKind::Receivable, false), 2026, 123), "INV-2026-000123");
        assert_eq!(invoice_number(series(InvoiceKind::CreditNote, false), 2026, 1), "CN-2026-000001");
        assert_eq!(invoice_number(series(InvoiceKind::CreditNote, true), 2026, 7), "VCN-2026-000007");
        assert_eq!(invoice_number(series(InvoiceKind::Payable, true), 2026, 2), "BILL-2026-000002");
        assert_eq!([0, 1, 30, 31, 60, 61, 90, 91].map(aging_bucket), [0, 1, 1, 2, 2, 3, 3, 4]);
        assert_eq!(parse_scaled("1.5", 3), Ok(1_500));
        assert!(parse_scaled("1.0005", 3).is_err());
        assert_eq!(format_scaled(1_500, 3), "1.500");
    }
}
