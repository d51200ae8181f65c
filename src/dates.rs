//! Dates and timestamps a client may send. chrono reads years from −262143 to +262142 and
//! PostgreSQL stores none before 4713 BC, so every date that comes in is held to one calendar both
//! databases keep: dates 1900-01-01..=9999-12-31, timestamps 1970-01-01T00:00:00Z..=9999-12-31T23:59:59Z.
//! Anything else is 422 naming the field (or the query parameter), never a 500 or a panic.
//!
//! Input types use these with serde: `#[serde(deserialize_with = "crate::dates::date")]`, and for
//! optional fields `#[serde(default, deserialize_with = "crate::dates::optional_date")]`. The OpenAPI
//! document states the same range as a pattern on every `date` and `date-time` (`http::openapi`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Deserializer};

/// The first and last day a client may name.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a date"),
};
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(date) => date,
    None => panic!("9999-12-31 is a date"),
};

/// What an out-of-range value is told; `http::fallback` recognises it to name the query parameter.
pub const DATE_RANGE: &str = "must be a date from 1900-01-01 to 9999-12-31";
pub const TIMESTAMP_RANGE: &str = "must be a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

/// JSON Schema patterns of the same ranges (4-digit years, no sign), for the OpenAPI document.
pub const DATE_PATTERN: &str = r"^(19|[2-9][0-9])[0-9]{2}-";
pub const TIMESTAMP_PATTERN: &str = r"^(19[7-9][0-9]|[2-9][0-9]{3})-";

fn check_date(raw: &str) -> Result<NaiveDate, String> {
    // chrono also reads "+262142-12-31" and "-0001-01-01"; only plain four-digit years come in.
    let shaped = raw.len() == 10 && raw.as_bytes()[0].is_ascii_digit();
    let date = raw.parse::<NaiveDate>().ok().filter(|_| shaped);
    match date {
        Some(date) if (EARLIEST_DATE..=LATEST_DATE).contains(&date) => Ok(date),
        Some(_) => Err(format!("{raw:?} {DATE_RANGE}")),
        None => Err(format!("{:?} is not a date (YYYY-MM-DD); {DATE_RANGE}", shorten(raw))),
    }
}

fn check_timestamp(raw: &str) -> Result<DateTime<Utc>, String> {
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = LATEST_DATE.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
    let shaped = raw.as_bytes().first().is_some_and(u8::is_ascii_digit) && raw.as_bytes().get(4) == Some(&b'-');
    let time = DateTime::parse_from_rfc3339(raw).ok().filter(|_| shaped).map(|t| t.with_timezone(&Utc));
    match (time, latest) {
        (Some(time), Some(latest)) if time >= earliest && time <= latest => Ok(time),
        (Some(_), _) => Err(format!("{raw:?} {TIMESTAMP_RANGE}")),
        (None, _) => Err(format!("{:?} is not an RFC 3339 time such as 2026-11-25T09:30:00Z", shorten(raw))),
    }
}

fn shorten(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// A required date.
pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let raw = String::deserialize(deserializer)?;
    check_date(&raw).map_err(serde::de::Error::custom)
}

/// A date that may be left out.
pub fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(raw) => check_date(&raw).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// A PATCH date that may be cleared: absent → None, null → Some(None) (with `#[serde(default)]`).
pub fn nullable_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    optional_date(deserializer).map(Some)
}

/// A timestamp that may be left out (RFC 3339).
pub fn optional_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(raw) => check_timestamp(&raw).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// The exclusive end of `date` as a time: the next midnight, but never past the last instant of
/// 9999-12-31. (SQLite keeps times as text, where "10000-01-01" sorts before "2026-01-01".)
pub fn end_of_day(date: NaiveDate) -> NaiveDateTime {
    let last =
        NaiveDateTime::new(LATEST_DATE, NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN));
    date.succ_opt().map(|next| next.and_time(NaiveTime::MIN)).filter(|next| *next <= last).unwrap_or(last)
}

/// The longest period a report covers, in days (a leap year and a day's slack).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A report's period [from, to], both included: `to` defaults to today, `from` to
/// `default_from(to)`. From after to, or a period past [`MAX_PERIOD_DAYS`], is 422 naming the
/// query parameter.
pub fn report_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    default_from: impl FnOnce(NaiveDate) -> NaiveDate,
) -> Result<(NaiveDate, NaiveDate), crate::error::ApiError> {
    let to = to.unwrap_or_else(crate::clock::today);
    let from = from.unwrap_or_else(|| default_from(to));
    if from > to {
        return Err(crate::error::ApiError::invalid_parameter("from", "must not be after to"));
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(crate::error::ApiError::invalid_parameter(
            "to",
            format!("the period is at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// Whether a deserialisation message is one of the range errors above.
pub fn is_range_error(message: &str) -> bool {
    message.contains(DATE_RANGE) || message.contains(TIMESTAMP_RANGE) || message.contains("is not an RFC 3339 time")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_lie_in_the_calendar_both_databases_keep() {
        assert_eq!(check_date("2026-11-25"), NaiveDate::from_ymd_opt(2026, 11, 25).ok_or(String::new()));
        assert!(check_date("1900-01-01").is_ok());
        assert!(check_date("9999-12-31").is_ok());
        for bad in
            ["1899-12-31", "+262142-12-31", "-262143-01-01", "0001-01-01", "-4714-11-24", "2026-02-30", "2026-1-5", ""]
        {
            assert!(check_date(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn a_day_ends_at_the_next_midnight_but_never_after_9999() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(EARLIEST_DATE);
        assert_eq!(end_of_day(day(2026, 2, 28)), day(2026, 3, 1).and_time(NaiveTime::MIN));
        assert_eq!(end_of_day(LATEST_DATE).to_string(), "9999-12-31 23:59:59.999999");
    }

    #[test]
    fn timestamps_lie_between_1970_and_9999() {
        assert!(check_timestamp("1970-01-01T00:00:00Z").is_ok());
        assert!(check_timestamp("2026-11-25T09:30:00+02:00").is_ok());
        assert!(check_timestamp("9999-12-31T23:59:59Z").is_ok());
        for bad in ["1969-12-31T23:59:59Z", "+262142-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "2026-11-25", "x"] {
            assert!(check_timestamp(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
