//! Reading the book: sums of a dimension over any span of days, from the monthly rollups for the
//! whole months inside it and from the lines for the days at its ends. A closed month costs the
//! same to read whatever number of lines it holds.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::Dimension;
use super::repo::{self, Measure, MonthSum};
use crate::db::DbConn;
use crate::error::ApiError;

/// Months since year 0 (year × 12 + month − 1) of a day.
fn month_index(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month0())
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `day`'s.
fn next_month(day: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// Days [start, end).
type Days = (NaiveDate, NaiveDate);

/// How [from, to] (days, both included) is read: the whole months from the rollups (first and
/// last month index) and the partial months' days [start, end) from the lines.
pub(crate) fn split(from: NaiveDate, to: NaiveDate) -> (Option<(i64, i64)>, Vec<Days>) {
    let Some(end) = to.checked_add_signed(Duration::days(1)) else { return (None, vec![(from, to)]) };
    if end <= from {
        return (None, Vec::new());
    }
    // The first whole month starts at `from` if it is a first, else the month after.
    let whole_start = if from.day() == 1 { Some(from) } else { next_month(from) };
    let whole_end = first_of_month(end); // exclusive
    match whole_start {
        Some(start) if start < whole_end => {
            let mut edges = Vec::new();
            if from < start {
                edges.push((from, start));
            }
            if whole_end < end {
                edges.push((whole_end, end));
            }
            let last = whole_end.pred_opt().unwrap_or(whole_end);
            (Some((month_index(start), month_index(last))), edges)
        }
        _ => (None, vec![(from, end)]),
    }
}

/// Sums of a dimension (one id, or every id with None) over the days [from, to], by id, month,
/// kind, category and (with [`Measure::Currency`]) currency.
pub fn sums(
    conn: &mut DbConn,
    dimension: Dimension,
    id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    measure: &Measure,
) -> Result<Vec<MonthSum>, ApiError> {
    let (months, edges) = split(from, to);
    let mut rows = Vec::new();
    if let Some(months) = months {
        rows.extend(repo::rollup_months(conn, dimension, id, months, measure)?);
    }
    for days in edges {
        rows.extend(repo::line_months(conn, dimension, id, days, measure)?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_span_reads_whole_months_from_rollups_and_its_ends_from_lines() {
        // Whole year: all months, no edges.
        assert_eq!(split(day(2026, 1, 1), day(2026, 12, 31)), (Some((2026 * 12, 2026 * 12 + 11)), vec![]));
        // January to the 25th of November: ten months and the days of November.
        assert_eq!(
            split(day(2026, 1, 1), day(2026, 11, 25)),
            (Some((2026 * 12, 2026 * 12 + 9)), vec![(day(2026, 11, 1), day(2026, 11, 26))])
        );
        // Within one month: lines only.
        assert_eq!(split(day(2026, 3, 5), day(2026, 3, 20)), (None, vec![(day(2026, 3, 5), day(2026, 3, 21))]));
        // A whole single month.
        assert_eq!(split(day(2026, 2, 1), day(2026, 2, 28)), (Some((2026 * 12 + 1, 2026 * 12 + 1)), vec![]));
        // Both ends partial around whole months.
        assert_eq!(
            split(day(2025, 12, 15), day(2026, 2, 10)),
            (
                Some((2026 * 12, 2026 * 12)),
                vec![(day(2025, 12, 15), day(2026, 1, 1)), (day(2026, 2, 1), day(2026, 2, 11))]
            )
        );
        // An empty span.
        assert_eq!(split(day(2026, 3, 5), day(2026, 3, 4)), (None, vec![]));
    }
}
