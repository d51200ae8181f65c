//! The cost book's rows and pure rules: kinds of cost, dimensions, sources, and the conversion of
//! an amount to the base currency.

use chrono::NaiveDate;
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::db::schema::cost_lines;
use crate::money::{self, Currency};

/// What a line of the book is.
/// - labour: time at the dated rate (an allocation: what work cost where);
/// - materials: stock issued at moving average (spend);
/// - expense: issued vendors' bills less the stock received against them, and vendors' credit
///   notes taken back (spend);
/// - commitment: draft bills and what sent purchase orders still promise (money promised, not
///   yet spent);
/// - revenue: issued invoices less customer credit notes, before tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Labour,
    Materials,
    Expense,
    Commitment,
    Revenue,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Labour, Kind::Materials, Kind::Expense, Kind::Commitment, Kind::Revenue];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Labour => "labour",
            Kind::Materials => "materials",
            Kind::Expense => "expense",
            Kind::Commitment => "commitment",
            Kind::Revenue => "revenue",
        }
    }

    pub fn from_stored(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Money spent or allocated (counts as cost), as opposed to promised or earned.
    pub fn is_cost(self) -> bool {
        matches!(self, Kind::Labour | Kind::Materials | Kind::Expense)
    }
}

/// The document a line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    TimeEntry,
    StockMovement,
    Invoice,
    /// A purchase order's open commitment.
    PurchaseOrder,
}

impl SourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::TimeEntry => "time_entry",
            SourceType::StockMovement => "stock_movement",
            SourceType::Invoice => "invoice",
            SourceType::PurchaseOrder => "purchase_order",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceType,
    pub id: i64,
}

impl Source {
    pub fn time_entry(id: i64) -> Source {
        Source { kind: SourceType::TimeEntry, id }
    }
    pub fn stock_movement(id: i64) -> Source {
        Source { kind: SourceType::StockMovement, id }
    }
    pub fn invoice(id: i64) -> Source {
        Source { kind: SourceType::Invoice, id }
    }
    pub fn purchase_order(id: i64) -> Source {
        Source { kind: SourceType::PurchaseOrder, id }
    }
}

/// Where a line's money belongs. Any may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dimensions {
    pub department_id: Option<i64>,
    /// The job desk whose work it is (labour).
    pub desk_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
}

/// The dimensions the book keeps monthly rollups for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// Everything, under id 0.
    Company,
    Department,
    Customer,
    Vendor,
    Employee,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Company => "company",
            Dimension::Department => "department",
            Dimension::Customer => "customer",
            Dimension::Vendor => "vendor",
            Dimension::Employee => "employee",
        }
    }

    /// The column of `cost_lines` that holds this dimension's id.
    pub fn column(self) -> Option<&'static str> {
        match self {
            Dimension::Company => None,
            Dimension::Department => Some("department_id"),
            Dimension::Customer => Some("customer_id"),
            Dimension::Vendor => Some("vendor_id"),
            Dimension::Employee => Some("employee_id"),
        }
    }

    /// This dimension's id on a line with `dims`, if the line has it.
    pub fn of(self, dims: &Dimensions) -> Option<i64> {
        match self {
            Dimension::Company => Some(0),
            Dimension::Department => dims.department_id,
            Dimension::Customer => dims.customer_id,
            Dimension::Vendor => dims.vendor_id,
            Dimension::Employee => dims.employee_id,
        }
    }

    pub const ROLLED: [Dimension; 5] =
        [Dimension::Company, Dimension::Department, Dimension::Customer, Dimension::Vendor, Dimension::Employee];
}

/// What a producer books: one line, before conversion.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    pub occurred_on: NaiveDate,
    pub kind: Kind,
    pub category: String,
    pub currency: String,
    /// Minor units of `currency`; negative takes back.
    pub amount: i64,
    /// What was counted: minutes of labour, thousandths of the item's unit of materials; else 0.
    pub quantity: i64,
    pub dims: Dimensions,
    /// The line of the source document, where it has lines.
    pub source_line_id: Option<i64>,
}

/// A line as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cost_lines)]
pub struct LineRow {
    pub id: i64,
    pub occurred_on: NaiveDate,
    pub kind: String,
    pub category: String,
    pub currency: String,
    pub amount: i64,
    pub quantity: i64,
    pub rate: Option<String>,
    pub base_amount: Option<i64>,
    pub department_id: Option<i64>,
    pub desk_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub vendor_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub item_id: Option<i64>,
    pub source_type: String,
    pub source_id: i64,
    pub source_line_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

impl LineRow {
    pub fn dims(&self) -> Dimensions {
        Dimensions {
            department_id: self.department_id,
            desk_id: self.desk_id,
            ticket_id: self.ticket_id,
            customer_id: self.customer_id,
            vendor_id: self.vendor_id,
            employee_id: self.employee_id,
            item_id: self.item_id,
        }
    }

    /// The producer's entry this line books.
    pub fn entry(&self) -> Option<Entry> {
        Some(Entry {
            occurred_on: self.occurred_on,
            kind: Kind::from_stored(&self.kind)?,
            category: self.category.clone(),
            currency: self.currency.clone(),
            amount: self.amount,
            quantity: self.quantity,
            dims: self.dims(),
            source_line_id: self.source_line_id,
        })
    }
}

/// `amount` (minor units of `from`) in minor units of `to` at `rate` (units of `to` for one of
/// `from`), rounded half-up once; None past the limits of an amount.
pub fn convert(amount: i64, from: Currency, to: Currency, rate: Decimal) -> Option<i64> {
    let value = money::to_decimal(amount, from).checked_mul(rate)?;
    money::round_to_minor(value, to).filter(|minor| money::within_limit(*minor, to))
}

/// A rate as given: more than 0, at most 10 decimals and 8 digits before the point.
pub fn parse_rate(raw: &str) -> Result<Decimal, String> {
    let rate = money::parse_decimal(raw, 10)?;
    if rate <= Decimal::ZERO {
        return Err("must be more than 0".into());
    }
    if rate >= Decimal::from(100_000_000) {
        return Err("must be below 100000000".into());
    }
    Ok(rate.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        code.parse().expect("currency")
    }

    #[test]
    fn conversion_rounds_half_up_once_across_exponents() {
        let rate: Decimal = "0.9".parse().expect("rate");
        // 10.05 USD × 0.9 = 9.045 EUR → 9.05
        assert_eq!(convert(1005, currency("USD"), currency("EUR"), rate), Some(905));
        assert_eq!(convert(-1005, currency("USD"), currency("EUR"), rate), Some(-905));
        // 1000 JPY × 0.0061 = 6.10 EUR
        assert_eq!(convert(1000, currency("JPY"), currency("EUR"), "0.0061".parse().expect("rate")), Some(610));
        // 1.00 EUR × 161.255 = 161.255 JPY → 161
        assert_eq!(convert(100, currency("EUR"), currency("JPY"), "161.255".parse().expect("rate")), Some(161));
    }

    #[test]
    fn rates_are_positive_and_bounded() {
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-1.2").is_err());
        assert!(parse_rate("1.12345678901").is_err());
        assert!(parse_rate("100000000").is_err());
        assert_eq!(parse_rate("1.0850").map(|r| r.to_string()), Ok("1.085".to_string()));
    }

    #[test]
    fn kinds_round_trip_and_costs_are_the_spent_kinds() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_stored(kind.as_str()), Some(kind));
        }
        assert!(Kind::Labour.is_cost() && Kind::Materials.is_cost() && Kind::Expense.is_cost());
        assert!(!Kind::Commitment.is_cost() && !Kind::Revenue.is_cost());
    }
}
