//! Reports as CSV: `?format=csv` answers the same figures as a `text/csv` table (RFC 4180: comma
//! separated, CRLF line ends, fields quoted when they hold a comma, a quote or a line break), for
//! spreadsheets and accountants' tools. A cell that would start a formula (`=`, `+`, `-`, `@`) and
//! is not a number gets a leading `'`, so opening the file never runs what a user typed.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::ToSchema;

/// How a report is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// A table: its header and rows, each row as many cells as the header.
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn cell(raw: &str) -> String {
    let guarded = match raw.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_number(raw) => format!("'{raw}"),
        _ => raw.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The table as CSV text.
pub fn render(table: &Table) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(table.header.iter().map(|h| cell(h)).collect()));
    for row in &table.rows {
        out.push_str(&line(row.iter().map(|c| cell(c)).collect()));
    }
    out
}

/// 200 with the table as `text/csv`, offered for download as `filename`.
pub fn response(filename: &str, table: &Table) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .body(render(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let table = Table {
            header: vec!["code", "name", "amount"],
            rows: vec![
                vec!["1000".into(), "Bank, main".into(), "-12.50".into()],
                vec!["4000".into(), "=HYPERLINK(\"x\")".into(), "0.00".into()],
            ],
        };
        assert_eq!(
            render(&table),
            "code,name,amount\r\n1000,\"Bank, main\",-12.50\r\n4000,\"'=HYPERLINK(\"\"x\"\")\",0.00\r\n"
        );
    }
}
