//! Request and response types of invoices and payments (the OpenAPI schemas).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    format_scaled, totals, BudgetCategory, InvoiceKind, InvoiceRow, InvoiceStatus, LineRow, PaymentMethod, PaymentRow,
    PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE,
};
use crate::http::json::nullable;
use crate::money::{format_amount, Currency};

/// One line of an invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceLine {
    pub id: i64,
    pub position: i32,
    pub description: String,
    /// Up to 3 decimals.
    #[schema(example = "2.500")]
    pub quantity: String,
    /// Up to 4 decimals, in the invoice's currency.
    #[schema(example = "19.9900")]
    pub unit_price: String,
    #[schema(example = "10.00")]
    pub discount_percent: String,
    #[schema(example = "19.00")]
    pub tax_rate_percent: String,
    /// What the quantity counts, when given ("h", "min", "pcs").
    #[schema(example = "h")]
    pub unit: Option<String>,
    /// How many units `unit_price` is for: 1, or e.g. 60 when minutes are billed at an hourly
    /// rate (quantity "20.000" min, unit_price "100.0000", price_per 60: net 33.33).
    #[schema(example = 1)]
    pub price_per: i32,
    /// quantity × unit_price ÷ price_per × (1 − discount), half-up to the minor unit, once.
    #[schema(example = "44.98")]
    pub net: String,
    /// The ticket whose time the line bills.
    pub ticket_id: Option<i64>,
    /// The time entries the line bills (each is billed once).
    pub time_entry_ids: Vec<i64>,
    /// An inventory item.
    pub item_id: Option<i64>,
    /// Payable lines: the department whose budget bears the cost, with its category.
    pub department_id: Option<i64>,
    pub budget_category: Option<BudgetCategory>,
    /// Bills: the purchase order line the line bills (three-way matched when the bill is issued).
    pub purchase_order_line_id: Option<i64>,
}

/// The tax at one rate: on the sum of the nets of the lines at that rate, half-up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaxLine {
    #[schema(example = "19.00")]
    pub rate_percent: String,
    pub base: String,
    pub tax: String,
}

/// An invoice receivable, a vendor's bill (payable) or a credit note.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invoice {
    pub id: i64,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    /// Assigned when issued, gapless per series and year (`INV-2026-000123`, `CN-…` credit notes
    /// to customers, `BILL-…` bills, `VCN-…` vendors' credit notes); kept when voided.
    pub number: Option<String>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    /// Credit notes: the invoice or bill they reduce (a vendor's credit note has `vendor_id`).
    pub credited_invoice_id: Option<i64>,
    /// Bills and vendors' credit notes: the vendor's own number.
    pub vendor_reference: Option<String>,
    #[schema(example = "EUR")]
    pub currency: String,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub taxes: Vec<TaxLine>,
    pub subtotal: String,
    pub tax_total: String,
    pub total: String,
    pub paid_total: String,
    /// Issued credit notes against this invoice.
    pub credited_total: String,
    /// total − paid − credited; 0 for drafts and void invoices.
    pub balance: String,
    /// Past the due date with a balance (today, UTC).
    pub overdue: bool,
    /// The date of the payment that settled it.
    pub paid_on: Option<NaiveDate>,
    pub void_reason: Option<String>,
    /// Bills issued although a line did not match its purchase order or receipts: finance's reason.
    pub match_override_reason: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Only in the answer to issuing a bill: the budget lines it takes over their plan to date
    /// (exceed policy warn, or a stop overridden).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budget_warnings: Vec<crate::ledger::guard::BudgetWarning>,
}

impl Invoice {
    pub fn new(
        row: &InvoiceRow,
        currency: Currency,
        lines: &[LineRow],
        billed: &[(i64, i64)],
        today: NaiveDate,
    ) -> Invoice {
        let amount = |minor: i64| format_amount(minor, currency);
        let nets: Vec<(i64, i32)> = lines.iter().map(|l| (l.net, l.tax_rate)).collect();
        let taxes = totals(&nets, currency)
            .map(|t| {
                t.taxes
                    .into_iter()
                    .map(|tax| TaxLine {
                        rate_percent: format_scaled(i64::from(tax.rate), PERCENT_SCALE),
                        base: amount(tax.base),
                        tax: amount(tax.tax),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Invoice {
            id: row.id,
            kind: row.kind(),
            status: row.status(),
            number: row.number.clone(),
            customer_id: row.customer_id,
            vendor_id: row.vendor_id,
            credited_invoice_id: row.credited_invoice_id,
            vendor_reference: row.vendor_reference.clone(),
            currency: row.currency.clone(),
            issue_date: row.issue_date,
            due_date: row.due_date,
            notes: row.notes.clone(),
            lines: lines
                .iter()
                .map(|l| InvoiceLine {
                    id: l.id,
                    position: l.position,
                    description: l.description.clone(),
                    quantity: format_scaled(l.quantity, QUANTITY_SCALE),
                    unit_price: format_scaled(l.unit_price, PRICE_SCALE),
                    discount_percent: format_scaled(i64::from(l.discount), PERCENT_SCALE),
                    tax_rate_percent: format_scaled(i64::from(l.tax_rate), PERCENT_SCALE),
                    unit: l.unit.clone(),
                    price_per: l.price_per,
                    net: amount(l.net),
                    ticket_id: l.ticket_id,
                    time_entry_ids: billed.iter().filter(|(line, _)| *line == l.id).map(|(_, e)| *e).collect(),
                    item_id: l.item_id,
                    department_id: l.department_id,
                    budget_category: l.budget_category.as_deref().and_then(BudgetCategory::from_stored),
                    purchase_order_line_id: l.purchase_order_line_id,
                })
                .collect(),
            taxes,
            subtotal: amount(row.subtotal),
            tax_total: amount(row.tax_total),
            total: amount(row.total),
            paid_total: amount(row.paid_total),
            credited_total: amount(row.credited_total),
            balance: amount(row.balance()),
            overdue: row.is_overdue(today),
            paid_on: row.paid_on,
            void_reason: row.void_reason.clone(),
            match_override_reason: row.match_override_reason.clone(),
            issued_at: row.issued_at.map(|t| t.and_utc()),
            voided_at: row.voided_at.map(|t| t.and_utc()),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
            budget_warnings: Vec::new(),
        }
    }
}

/// Issuing takes no body, or this one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInvoice {
    /// Issue a bill although it takes a budget line with the stop policy over its plan to date
    /// (finance, admin); the override and its reason are audited.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub budget_override_reason: Option<String>,
    /// Issue a bill although a line citing a purchase order does not match it (billed more than
    /// received, or a price past the tolerance) — finance, admin; the reason is kept and audited.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub match_override_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineInput {
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub description: String,
    /// More than 0, up to 3 decimals.
    #[schema(example = "2.5")]
    pub quantity: String,
    /// Not negative, up to 4 decimals, in the invoice's currency: the price of `price_per` units.
    #[schema(example = "19.99")]
    pub unit_price: String,
    /// How many units `unit_price` is for: 1 to 10000, default 1. Minutes billed at an hourly
    /// rate are quantity = minutes, price_per = 60, so the net is minutes × rate ÷ 60, rounded once.
    #[schema(minimum = 1, maximum = 10000, example = 1)]
    pub price_per: Option<i32>,
    /// What the quantity counts ("h", "min", "pcs"); up to 20 characters.
    #[schema(max_length = 20, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$", example = "h")]
    pub unit: Option<String>,
    /// 0 to 100, up to 2 decimals. Default 0.
    #[schema(example = "10")]
    pub discount_percent: Option<String>,
    /// 0 to 100, up to 2 decimals. Default 0.
    #[schema(example = "19")]
    pub tax_rate_percent: Option<String>,
    pub ticket_id: Option<i64>,
    pub item_id: Option<i64>,
    /// Lines of a bill or of a vendor's credit note: the department whose budget bears the cost
    /// (or gets it back), with `budget_category`.
    pub department_id: Option<i64>,
    pub budget_category: Option<BudgetCategory>,
    /// Bills: a line of a sent purchase order from the bill's vendor, in its currency. The item,
    /// department and category default to the order line's; issuing the bill checks the match.
    pub purchase_order_line_id: Option<i64>,
}

/// A draft invoice. Totals, number and status are the server's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    pub kind: InvoiceKind,
    /// receivable: an active customer.
    pub customer_id: Option<i64>,
    /// payable: an active vendor.
    pub vendor_id: Option<i64>,
    /// credit_note: an issued invoice to a customer, or an issued bill from a vendor; its party and
    /// currency are taken. A vendor's credit note is numbered `VCN-…` and its lines may be charged
    /// back to a department's budget.
    pub credited_invoice_id: Option<i64>,
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub vendor_reference: Option<String>,
    /// Default: the party's currency.
    pub currency: Option<Currency>,
    /// Default: the day it is issued.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub issue_date: Option<NaiveDate>,
    /// Default: issue date + the party's payment terms.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub due_date: Option<NaiveDate>,
    #[schema(max_length = 5000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub notes: Option<String>,
    #[schema(max_items = 500)]
    pub lines: Vec<InvoiceLineInput>,
}

/// Changes a draft; only the fields sent change, `lines` replaces every line (and releases the
/// time entries billed on the old ones). Issued invoices change only through payments, credit
/// notes and void.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInvoice {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub vendor_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dates::nullable_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub issue_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::dates::nullable_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub notes: Option<Option<String>>,
    #[schema(max_items = 500)]
    pub lines: Option<Vec<InvoiceLineInput>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInvoice {
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payment {
    pub id: i64,
    pub invoice_id: i64,
    #[schema(example = "150.00")]
    pub amount: String,
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Payment {
    pub fn new(row: &PaymentRow, currency: Currency) -> Payment {
        Payment {
            id: row.id,
            invoice_id: row.invoice_id,
            amount: format_amount(row.amount, currency),
            paid_on: row.paid_on,
            method: PaymentMethod::from_stored(&row.method).unwrap_or(PaymentMethod::Other),
            reference: row.reference.clone(),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    /// More than 0 and at most the balance, in the invoice's currency.
    #[schema(example = "150.00")]
    pub amount: String,
    /// Not in the future.
    #[serde(deserialize_with = "crate::dates::date")]
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceListQuery {
    pub kind: Option<InvoiceKind>,
    pub status: Option<InvoiceStatus>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    /// `true`: past the due date with a balance, today.
    pub overdue: Option<bool>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub issued_from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    pub issued_to: Option<NaiveDate>,
}

/// A draft receivable invoice from a customer's billable, unbilled time and parts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillTime {
    pub customer_id: i64,
    /// Bill the customer's tickets on this desk (or name the tickets).
    pub desk_id: Option<i64>,
    /// Bill these tickets of the customer (or name a desk).
    #[schema(max_items = 500)]
    pub ticket_ids: Option<Vec<i64>>,
    /// Work dates from (included).
    #[serde(deserialize_with = "crate::dates::date")]
    pub from: NaiveDate,
    /// Work dates to (included).
    #[serde(deserialize_with = "crate::dates::date")]
    pub to: NaiveDate,
    /// 0 to 100, up to 2 decimals. Default 0.
    pub tax_rate_percent: Option<String>,
    /// Bill the parts issued to those tickets in the period too (default true): one line per
    /// ticket and item, at the item's sale price, else at cost plus the customer's parts markup.
    pub include_parts: Option<bool>,
}
