//! Cursor pagination, the one way every list pages: `limit` (default 50, at most 200; larger
//! values are clamped), an opaque `cursor`, `updated_since` for incremental sync, and a response
//! `{"items": [...], "next_cursor": "..." | null}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size: default 50, at most 200 (larger values are clamped to 200).
    #[param(minimum = 1, example = 50)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only rows changed at or after this instant (RFC 3339), for incremental sync.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-01-31T00:00:00Z")]
    pub updated_since: Option<DateTime<Utc>>,
}

/// A validated page request. `K` is the list's sort key (for most lists the row id).
#[derive(Debug)]
pub struct PageRequest<K> {
    pub limit: i64,
    pub after: Option<K>,
    pub updated_since: Option<NaiveDateTime>,
}

impl PageQuery {
    pub fn parse<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if n < 1 => return Err(ApiError::invalid_parameter("limit", "must be at least 1")),
            Some(n) => n.min(MAX_LIMIT),
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(PageRequest { limit, after, updated_since: self.updated_since.map(|t| t.naive_utc()) })
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::invalid_parameter("cursor", "is not a cursor returned by this list"))
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
    pub fn from_rows<R, K: Serialize>(
        mut rows: Vec<R>,
        limit: i64,
        key_of: impl Fn(&R) -> K,
        view: impl Fn(R) -> T,
    ) -> Page<T> {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if has_more { rows.last().map(|row| encode_cursor(&key_of(row))) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: Option<i64>, cursor: Option<&str>) -> PageQuery {
        PageQuery { limit, cursor: cursor.map(String::from), updated_since: None }
    }

    #[test]
    fn limit_defaults_clamps_and_rejects_zero() {
        assert_eq!(query(None, None).parse::<i64>().map(|p| p.limit).ok(), Some(50));
        assert_eq!(query(Some(1_000_000), None).parse::<i64>().map(|p| p.limit).ok(), Some(200));
        assert!(query(Some(0), None).parse::<i64>().is_err());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = encode_cursor(&42i64);
        assert_eq!(query(None, Some(&cursor)).parse::<i64>().ok().and_then(|p| p.after), Some(42));
        assert!(query(None, Some("%%%")).parse::<i64>().is_err());
    }

    #[test]
    fn page_knows_whether_more_rows_exist() {
        let page = Page::from_rows(vec![1i64, 2, 3], 2, |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(&2i64)));
        let last = Page::from_rows(vec![1i64, 2], 2, |r| *r, |r| r);
        assert_eq!(last.next_cursor, None);
    }
}
