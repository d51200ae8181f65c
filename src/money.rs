//! Exact money and quantities. Amounts are integers in the currency's minor unit (ISO 4217
//! exponent: 2 for EUR, 0 for JPY, 3 for BHD) next to the currency code; JSON carries them as
//! decimal strings ("1234.50"). Arithmetic is rust_decimal; rounding is half-up (away from zero)
//! to the minor unit, at the points each module documents. Never binary floating point.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// ISO 4217 codes opsdesk accepts, with their minor-unit exponents.
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PLN", 2),
    ("RON", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u32,
}

impl Currency {
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Digits after the decimal point in this currency.
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

impl FromStr for Currency {
    type Err = String;
    fn from_str(s: &str) -> Result<Currency, String> {
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == s)
            .map(|(code, exponent)| {
                let bytes = code.as_bytes();
                Currency { code: [bytes[0], bytes[1], bytes[2]], exponent: *exponent }
            })
            .ok_or_else(|| format!("{s:?} is not a supported ISO 4217 currency code"))
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Currency, String> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

/// In the OpenAPI document a currency is one of the codes above, so that clients (and contract
/// fuzzers) know which codes are accepted.
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("ISO 4217 currency code"))
            .enum_values(Some(CURRENCIES.iter().map(|(code, _)| *code)))
            .examples([serde_json::json!("EUR")])
            .into()
    }
}

impl ToSchema for Currency {}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Every amount, given or computed (a line, a total, a payment, a stock value, a plan), and every
/// quantity is below 10^13 in major units: at most 13 digits before the point. That leaves the
/// 64-bit minor-unit integers (10^16 at most for a 3-decimal currency) room for the sums that
/// reports make, so no sum or product can wrap around; past it the answer is 422 naming the field.
pub const MAX_INTEGER_DIGITS: usize = 13;

/// How the limit reads in an error message.
pub const LIMIT_TEXT: &str = "must be below 10000000000000 (at most 13 digits before the point)";

/// Parses a decimal string with at most `max_scale` digits after the point and at most
/// [`MAX_INTEGER_DIGITS`] before it. Exponents, spaces, thousands separators and more digits than
/// allowed are refused rather than rounded: a client that sends 1.005 EUR has a bug worth hearing
/// about.
pub fn parse_decimal(raw: &str, max_scale: u32) -> Result<Decimal, String> {
    let valid_shape = !raw.is_empty()
        && raw.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))
        && raw.matches('.').count() <= 1
        && !raw.ends_with('.')
        && !raw.starts_with('.')
        && !raw.starts_with("-.")
        && raw != "-";
    if !valid_shape {
        return Err(format!("must be a decimal number such as \"12.50\", got {:?}", shorten(raw)));
    }
    let (whole, fraction) = raw.trim_start_matches('-').split_once('.').unwrap_or((raw.trim_start_matches('-'), ""));
    if whole.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(LIMIT_TEXT.into());
    }
    if fraction.len() > max_scale as usize {
        return Err(format!("must have at most {max_scale} decimal places"));
    }
    // Without leading zeros, at most 13 + max_scale digits: within what a Decimal holds exactly.
    let sign = if raw.starts_with('-') { "-" } else { "" };
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    let normalized = if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") };
    Decimal::from_str(&normalized).map_err(|_| LIMIT_TEXT.to_string())
}

/// At most 40 characters of a client's value, for an error message.
fn shorten(raw: &str) -> String {
    match raw.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &raw[..end]),
        None => raw.to_string(),
    }
}

/// 10^exponent of the currency, as a Decimal.
fn minor_per_major(currency: Currency) -> Decimal {
    Decimal::from(10i64.pow(currency.exponent()))
}

/// True when an amount in minor units is within the limit ([`MAX_INTEGER_DIGITS`]).
pub fn within_limit(minor: i64, currency: Currency) -> bool {
    let bound = 10i64.pow(MAX_INTEGER_DIGITS as u32 + currency.exponent());
    minor.checked_abs().is_some_and(|m| m < bound)
}

/// Converts an amount given in major units ("12.50") to minor units (1250), refusing more
/// decimals than the currency has.
pub fn parse_amount(raw: &str, currency: Currency) -> Result<i64, String> {
    let value = parse_decimal(raw, currency.exponent())?;
    value.checked_mul(minor_per_major(currency)).and_then(|v| v.to_i64()).ok_or_else(|| LIMIT_TEXT.to_string())
}

/// A price or rate: like [`parse_amount`], and not negative.
pub fn parse_non_negative(raw: &str, currency: Currency) -> Result<i64, String> {
    match parse_amount(raw, currency)? {
        minor if minor >= 0 => Ok(minor),
        _ => Err("must not be negative".into()),
    }
}

/// Rounds an exact amount in major units half-up (away from zero) to the minor unit; None when
/// the result is not within the limit.
pub fn round_to_minor(value: Decimal, currency: Currency) -> Option<i64> {
    let rounded = value.round_dp_with_strategy(currency.exponent(), RoundingStrategy::MidpointAwayFromZero);
    rounded.checked_mul(minor_per_major(currency))?.to_i64().filter(|minor| within_limit(*minor, currency))
}

/// The sum of amounts in minor units; None when it is not within the limit.
pub fn checked_sum(amounts: impl IntoIterator<Item = i64>, currency: Currency) -> Option<i64> {
    amounts.into_iter().try_fold(0i64, |sum, amount| sum.checked_add(amount)).filter(|sum| within_limit(*sum, currency))
}

/// A decimal with at most `scale` places (and within the limit) as an integer count of
/// 10^-scale units: quantities in thousandths, unit prices in ten-thousandths, percentages in
/// hundredths.
pub fn parse_scaled(raw: &str, scale: u32) -> Result<i64, String> {
    let value = parse_decimal(raw, scale)?;
    value.checked_mul(Decimal::from(10i64.pow(scale))).and_then(|v| v.to_i64()).ok_or_else(|| LIMIT_TEXT.to_string())
}

/// An integer count of 10^-scale units as a decimal string with exactly `scale` places.
pub fn format_scaled(units: i64, scale: u32) -> String {
    Decimal::new(units, scale).to_string()
}

/// An amount in minor units as a decimal string with exactly the currency's decimals.
pub fn format_amount(minor: i64, currency: Currency) -> String {
    Decimal::new(minor, currency.exponent()).to_string()
}

/// A minor-unit amount as a Decimal in major units, for arithmetic.
pub fn to_decimal(minor: i64, currency: Currency) -> Decimal {
    Decimal::new(minor, currency.exponent())
}

/// An amount of money: a decimal string in the currency's units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Money {
    #[schema(example = "68.25")]
    pub amount: String,
    #[schema(example = "EUR")]
    pub currency: String,
}

impl Money {
    pub fn new(minor: i64, currency: &str) -> Money {
        let amount =
            currency.parse::<Currency>().map(|c| format_amount(minor, c)).unwrap_or_else(|_| minor.to_string());
        Money { amount, currency: currency.to_string() }
    }
}

/// `part` of `whole` in percent with one decimal, half-up ("12.5", "100.0"); None when `whole`
/// is 0. Reports use it for shares (SLA compliance, margin, budget used).
pub fn percent_one_decimal(part: Decimal, whole: Decimal) -> Option<String> {
    if whole.is_zero() {
        return None;
    }
    Some(one_decimal(part * Decimal::from(100) / whole))
}

/// A value with exactly one decimal, half-up.
pub fn one_decimal(value: Decimal) -> String {
    let mut rounded = value.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(1);
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        "EUR".parse().unwrap()
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(eur().exponent(), 2);
        assert_eq!("JPY".parse::<Currency>().unwrap().exponent(), 0);
        assert_eq!("BHD".parse::<Currency>().unwrap().exponent(), 3);
        assert!("eur".parse::<Currency>().is_err());
        assert!("XYZ".parse::<Currency>().is_err());
    }

    #[test]
    fn amounts_parse_exactly_or_not_at_all() {
        assert_eq!(parse_amount("1234.50", eur()), Ok(123450));
        assert_eq!(parse_amount("0.1", eur()), Ok(10));
        assert_eq!(parse_amount("-3", eur()), Ok(-300));
        assert_eq!(parse_amount("1500", "JPY".parse().unwrap()), Ok(1500));
        assert_eq!(parse_amount("1.234", "BHD".parse().unwrap()), Ok(1234));
        for bad in ["1.005", "1e3", " 1", "1,000.00", "", ".5", "5.", "--1", "1.2.3", "NaN"] {
            assert!(parse_amount(bad, eur()).is_err(), "{bad:?} must be refused");
        }
        assert!(parse_amount("1.5", "JPY".parse().unwrap()).is_err());
    }

    #[test]
    fn amounts_stay_below_ten_to_the_thirteen() {
        assert_eq!(parse_amount("9999999999999.99", eur()), Ok(999_999_999_999_999));
        assert_eq!(parse_amount("-9999999999999.99", eur()), Ok(-999_999_999_999_999));
        assert_eq!(parse_amount("0000000000000000000000000000012.50", eur()), Ok(1250), "leading zeros are no digits");
        for too_big in
            ["10000000000000", "99999999999999999999999999999", "92233720368547758.07", "1".repeat(5000).as_str()]
        {
            assert_eq!(parse_amount(too_big, eur()), Err(LIMIT_TEXT.to_string()), "{too_big:?}");
            assert_eq!(parse_decimal(too_big, 4), Err(LIMIT_TEXT.to_string()), "{too_big:?}");
        }
        assert!(parse_decimal("1.00000000000000000000000000000001", 4).is_err());
        assert!(parse_decimal("-", 2).is_err());
        assert!(within_limit(999_999_999_999_999, eur()));
        assert!(!within_limit(1_000_000_000_000_000, eur()));
        assert!(!within_limit(i64::MIN, eur()));
        assert_eq!(checked_sum([999_999_999_999_999, 1], eur()), None);
        assert_eq!(checked_sum([i64::MAX, 1], eur()), None);
        assert_eq!(checked_sum([5, -3], eur()), Some(2));
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round_to_minor(d("10000000000000"), eur()), None);
        assert_eq!(round_to_minor(Decimal::MAX, eur()), None, "no panic on the largest Decimal");
    }

    #[test]
    fn rounding_is_half_up_away_from_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round_to_minor(d("0.005"), eur()), Some(1));
        assert_eq!(round_to_minor(d("0.0049999"), eur()), Some(0));
        assert_eq!(round_to_minor(d("-0.005"), eur()), Some(-1));
        assert_eq!(round_to_minor(d("2.675"), eur()), Some(268), "a binary float would give 2.67");
        assert_eq!(round_to_minor(d("0.5"), "JPY".parse().unwrap()), Some(1));
        assert_eq!(round_to_minor(d("1.0005"), "BHD".parse().unwrap()), Some(1001));
    }

    #[test]
    fn formatting_shows_every_minor_digit() {
        assert_eq!(format_amount(123450, eur()), "1234.50");
        assert_eq!(format_amount(5, eur()), "0.05");
        assert_eq!(format_amount(-5, eur()), "-0.05");
        assert_eq!(format_amount(1500, "JPY".parse().unwrap()), "1500");
        assert_eq!(format_amount(1, "BHD".parse().unwrap()), "0.001");
    }
}
