//! Cursor pagination, the one way every list pages: `limit` (default 50, at most 200; larger
//! values are clamped), an opaque `cursor`, `updated_since` for incremental sync, and a response
//! `{"items": [...], "next_cursor": "..." | null}`.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::csv::Format;
use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size: default 50, at most 200 (larger values are clamped to 200).
    #[param(minimum = 1, example = 50)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; omit (or leave empty) for the first page.
    #[param(pattern = "^([0-9a-f]{16})?$")]
    pub cursor: Option<String>,
    /// Only rows changed at or after this instant (RFC 3339), for incremental sync.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-01-31T00:00:00Z")]
    #[serde(default, deserialize_with = "crate::dates::optional_timestamp")]
    pub updated_since: Option<DateTime<Utc>>,
    /// `csv`: every row from `cursor` on as one `text/csv` download, all pages (as
    /// `Accept: text/csv` does); `limit` does not apply to it.
    #[param(inline)]
    pub format: Option<Format>,
}

/// A validated page request: how many rows, and the id of the last row of the previous page.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<i64>,
    pub updated_since: Option<NaiveDateTime>,
}

/// Clamps a page size: default 50, at most 200; below 1 is refused.
pub fn page_limit(limit: Option<i64>, parameter: &str) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if n < 1 => Err(ApiError::invalid_parameter(parameter, "must be at least 1")),
        Some(n) => Ok(n.min(MAX_LIMIT)),
    }
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = page_limit(self.limit, "limit")?;
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor, "cursor")?),
        };
        Ok(PageRequest { limit, after, updated_since: self.updated_since.map(|t| t.naive_utc()) })
    }
}

/// A cursor is the sort key of the last row seen: one id as 16 lowercase hex digits, or a feed
/// position as 32. Every string of that shape is a valid cursor.
pub fn encode_cursor(keys: &[i64]) -> String {
    keys.iter().map(|k| format!("{:016x}", *k as u64)).collect()
}

/// Decodes a cursor of `N` keys.
pub fn decode_keys<const N: usize>(cursor: &str, parameter: &str) -> Result<[i64; N], ApiError> {
    let invalid = || ApiError::invalid_parameter(parameter, "is not a cursor returned by this list");
    if cursor.len() != 16 * N || !cursor.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(invalid());
    }
    let mut keys = [0i64; N];
    for (i, key) in keys.iter_mut().enumerate() {
        *key = u64::from_str_radix(&cursor[16 * i..16 * (i + 1)], 16).map_err(|_| invalid())? as i64;
    }
    Ok(keys)
}

pub fn decode_cursor(cursor: &str, parameter: &str) -> Result<i64, ApiError> {
    decode_keys::<1>(cursor, parameter).map(|[id]| id)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only says whether
    /// another page exists.
    pub fn from_rows<R>(mut rows: Vec<R>, limit: i64, key_of: impl Fn(&R) -> i64, view: impl Fn(R) -> T) -> Page<T> {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if has_more { rows.last().map(|row| encode_cursor(&[key_of(row)])) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: Option<i64>, cursor: Option<&str>) -> PageQuery {
        PageQuery { limit, cursor: cursor.map(String::from), updated_since: None, format: None }
    }

    #[test]
    fn limit_defaults_clamps_and_rejects_zero() {
        assert_eq!(query(None, None).parse().map(|p| p.limit).ok(), Some(50));
        assert_eq!(query(Some(1_000_000), None).parse().map(|p| p.limit).ok(), Some(200));
        assert!(query(Some(0), None).parse().is_err());
    }

    #[test]
    fn cursors_round_trip_and_every_well_formed_one_decodes() {
        let cursor = encode_cursor(&[42]);
        assert_eq!(cursor, "000000000000002a");
        assert_eq!(query(None, Some(&cursor)).parse().ok().and_then(|p| p.after), Some(42));
        assert_eq!(decode_keys::<2>(&encode_cursor(&[i64::MIN, 7]), "after").ok(), Some([i64::MIN, 7]));
        assert!(query(None, Some("ffffffffffffffff")).parse().is_ok());
        for bad in ["%%%", "2a", "000000000000002A", "000000000000002a0"] {
            assert!(query(None, Some(bad)).parse().is_err(), "{bad}");
        }
    }

    #[test]
    fn page_knows_whether_more_rows_exist() {
        let page = Page::from_rows(vec![1i64, 2, 3], 2, |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(&[2])));
        let last = Page::from_rows(vec![1i64, 2], 2, |r| *r, |r| r);
        assert_eq!(last.next_cursor, None);
    }
}
