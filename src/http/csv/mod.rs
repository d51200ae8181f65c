//! CSV out: every list and every report answers `Accept: text/csv` or `?format=csv` with the same
//! figures as a `text/csv` table (RFC 4180: comma separated, CRLF line ends, fields quoted when
//! they hold a comma, a quote or a line break), for spreadsheets and accountants' tools.
//!
//! - [`cells`]: how one value becomes one cell (and why formulas are defused).
//! - [`rows`]: how a JSON view becomes a row: its field names are the header, nested objects
//!   become dotted columns (`total.amount`), lists stay JSON text in one cell.
//! - [`export`]: a whole list, every page, streamed with constant memory.
//! - here: choosing the format, and answering a report or a hand-made table.

pub mod cells;
pub mod export;
pub mod rows;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
pub use cells::{render, Table};

/// How a list or a report is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// The `format` query parameter, for the OpenAPI document of a report (lists have it in
/// `PageQuery`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` for a `text/csv` table instead of JSON (as `Accept: text/csv` does).
    #[param(inline)]
    pub format: Option<Format>,
}

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// The format asked for: `?format=` when given, else CSV when the `Accept` header prefers
/// `text/csv` to JSON (by q-value, then by order), else JSON.
pub fn wanted(format: Option<Format>, headers: &HeaderMap) -> Format {
    if let Some(format) = format {
        return format;
    }
    let accept = headers.get_all(header::ACCEPT).filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    preferred(&accept)
}

/// Reads an Accept header. Only `text/csv` and JSON are told apart; anything else (`*/*`,
/// `text/*`, absent) keeps the JSON default.
fn preferred(accept: &str) -> Format {
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            "text/csv" => Format::Csv,
            "application/json" | "application/problem+json" | "*/*" | "application/*" => Format::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, format));
        }
    }
    best.map(|(_, format)| format).unwrap_or_default()
}

/// The format a report is asked for, from `?format=` and `Accept` (see [`wanted`]). An unknown
/// `format` is a 400 naming the parameter.
#[derive(Debug, Clone, Copy)]
pub struct Negotiated(pub Format);

impl FromRequest for Negotiated {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Negotiated, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(negotiate(req))
    }
}

fn negotiate(req: &HttpRequest) -> Result<Negotiated, ApiError> {
    #[derive(Deserialize)]
    struct OnlyFormat {
        format: Option<String>,
    }
    // A query string that does not parse (`format` twice) is refused, not read as no format.
    let format = actix_web::web::Query::<OnlyFormat>::from_query(req.query_string())
        .map_err(|_| ApiError::invalid_parameter("format", "must be given at most once, as json or csv"))?
        .into_inner()
        .format
        .map(|raw| parse_format(&raw))
        .transpose()?;
    Ok(Negotiated(wanted(format, req.headers())))
}

pub fn parse_format(raw: &str) -> Result<Format, ApiError> {
    match raw {
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        _ => Err(ApiError::invalid_parameter("format", "must be one of: json, csv")),
    }
}

/// 200 with the table as `text/csv`, offered for download as `filename`.
pub fn response(filename: &str, table: &Table) -> HttpResponse {
    download(filename).body(render(table))
}

/// The head of a CSV answer: type and download name.
pub fn download(filename: &str) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::CONTENT_TYPE, CSV_TYPE))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")));
    builder
}

/// A report as JSON, or as CSV with one row per element of the array at `rows` (a JSON pointer
/// into the report, e.g. `/parties`; `""` when the report is the array). The report's top-level
/// single values (its day, year, currency) lead every row, so the file says what it is.
/// The rows are of type `R`, whose schema gives the columns.
pub fn report<R: ToSchema, T: Serialize>(
    format: Format,
    filename: &str,
    report: &T,
    rows: &str,
) -> Result<HttpResponse, ApiError> {
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(report)),
        Format::Csv => Ok(response(filename, &rows::report_table::<R, T>(report, rows)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_prefers_by_quality_then_order() {
        assert_eq!(preferred("text/csv"), Format::Csv);
        assert_eq!(preferred("text/csv;q=0.9, application/json"), Format::Json);
        assert_eq!(preferred("application/json;q=0.5, text/csv"), Format::Csv);
        assert_eq!(preferred("text/csv, application/json"), Format::Csv);
        assert_eq!(preferred("application/json, text/csv"), Format::Json);
        assert_eq!(preferred("*/*"), Format::Json);
        assert_eq!(preferred(""), Format::Json);
        assert_eq!(preferred("text/csv;q=0"), Format::Json);
        assert_eq!(preferred("TEXT/CSV; charset=utf-8"), Format::Csv);
    }
}
