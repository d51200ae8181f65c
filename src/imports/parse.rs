//! Reading an uploaded file into rows: CSV (a header row of field names, then one record per
//! row) or JSON lines (one object per line). Each row becomes the JSON object the module's own
//! endpoint takes, so it is then read by the same types with the same rules.
//!
//! CSV is read by a small RFC 4180 reader here rather than the `csv` crate: that crate takes an
//! unbalanced quote silently (the field runs on to the end of the file) and a quote inside an
//! unquoted field as text, where an import must say which row and column is broken.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::model::{ImportFormat, RowError};
use crate::error::ApiError;

/// How a CSV cell becomes a JSON value: as the create request's schema types the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Integer,
    Number,
    Boolean,
    /// An object or list (e.g. an employee's `compensation`): written as JSON in the cell.
    Json,
    /// A named schema (an enum such as a currency, or an object): JSON when it looks like an
    /// object, text otherwise.
    Named,
}

/// The columns a file of one kind may have, with how each cell is read.
pub struct Columns(pub Vec<(String, Cell)>);

impl Columns {
    /// The properties of `T`'s OpenAPI schema (the create request), plus `extra` columns.
    pub fn of<T: utoipa::PartialSchema>(extra: &[(&str, Cell)]) -> Columns {
        let schema = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
        let mut columns: Vec<(String, Cell)> = extra.iter().map(|(n, c)| (n.to_string(), *c)).collect();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if !columns.iter().any(|(n, _)| n == name) {
                    columns.push((name.clone(), cell_of(property)));
                }
            }
        }
        Columns(columns)
    }

    fn get(&self, name: &str) -> Option<Cell> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
    }

    pub fn names(&self) -> String {
        self.0.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn cell_of(property: &Value) -> Cell {
    if property.get("$ref").is_some() {
        return Cell::Named;
    }
    if let Some(choices) = property.get("oneOf").and_then(Value::as_array) {
        // `Option<Named>`: a null and the named schema.
        return choices
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) != Some("null"))
            .map(cell_of)
            .unwrap_or(Cell::Text);
    }
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"integer") {
        Cell::Integer
    } else if types.contains(&"number") {
        Cell::Number
    } else if types.contains(&"boolean") {
        Cell::Boolean
    } else if types.contains(&"object") || types.contains(&"array") {
        Cell::Json
    } else {
        Cell::Text
    }
}

/// A data row: its number in the file and its fields, or what is wrong with it.
pub struct Row {
    pub number: i64,
    pub fields: Result<Map<String, Value>, Vec<RowError>>,
}

/// The data rows of a file; `header` holds problems with the file as a whole (reported as row 1
/// of a CSV), in which case no row is read.
pub struct Parsed {
    pub header: Vec<RowError>,
    pub rows: Vec<Row>,
}

/// The number of data rows, for the limit checked on upload (cheap: no cell is typed).
pub fn count_rows(format: ImportFormat, text: &str) -> usize {
    match format {
        ImportFormat::Ndjson => text.lines().filter(|l| !l.trim().is_empty()).count(),
        ImportFormat::Csv => csv_records(text).len().saturating_sub(1),
    }
}

pub fn parse(format: ImportFormat, text: &str, columns: &Columns) -> Parsed {
    match format {
        ImportFormat::Ndjson => parse_ndjson(text),
        ImportFormat::Csv => parse_csv(text, columns),
    }
}

fn parse_ndjson(text: &str) -> Parsed {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index as i64 + 1;
        let fields = match crate::http::json::parse_json::<Map<String, Value>>(line.as_bytes()) {
            Ok(object) => Ok(object),
            Err(ApiError::Invalid(_)) => Err(vec![RowError::new(number, None, "the line must be one JSON object")]),
            Err(e) => Err(vec![RowError::new(number, None, e.to_string().replace("request body", "line"))]),
        };
        rows.push(Row { number, fields });
    }
    Parsed { header: Vec::new(), rows }
}

/// What is wrong with a CSV file's header row (none: it names known columns, each once). Checked
/// on upload too, so that a file whose columns are wrong is refused at once (422), not queued.
pub fn header_problems(text: &str, columns: &Columns) -> Vec<RowError> {
    let mut records = csv_records(text).into_iter();
    match records.next() {
        None => vec![RowError::new(1, None, "the file is empty: a header row is required")],
        Some(header) => match header.cells {
            Ok(names) => name_problems(&names, columns),
            Err(e) => vec![e.at(1, None)],
        },
    }
}

fn name_problems(names: &[String], columns: &Columns) -> Vec<RowError> {
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.trim();
        if columns.get(name).is_none() {
            problems.push(RowError::new(
                1,
                Some(name),
                format!("unknown column (column {}); the columns are: {}", i + 1, columns.names()),
            ));
        } else if seen.insert(name.to_string(), i).is_some() {
            problems.push(RowError::new(1, Some(name), "the column appears twice"));
        }
    }
    problems
}

fn parse_csv(text: &str, columns: &Columns) -> Parsed {
    let mut records = csv_records(text).into_iter();
    let names = match records.next().map(|header| header.cells) {
        Some(Ok(cells)) => cells,
        Some(Err(e)) => return Parsed { header: vec![e.at(1, None)], rows: Vec::new() },
        None => return Parsed { header: header_problems(text, columns), rows: Vec::new() },
    };
    let problems = name_problems(&names, columns);
    if !problems.is_empty() {
        return Parsed { header: problems, rows: Vec::new() };
    }

    let names: Vec<String> = names.iter().map(|n| n.trim().to_string()).collect();
    let rows = records
        .enumerate()
        .map(|(i, record)| {
            let number = i as i64 + 2;
            let fields = match record.cells {
                Err(e) => {
                    let column = e.column.and_then(|c| names.get(c)).map(String::as_str);
                    Err(vec![e.at(number, column)])
                }
                Ok(cells) if cells.len() != names.len() => Err(vec![RowError::new(
                    number,
                    None,
                    format!("the row has {} cells where the header has {} columns", cells.len(), names.len()),
                )]),
                Ok(cells) => Ok(object_of(&names, cells, columns)),
            };
            Row { number, fields }
        })
        .collect();
    Parsed { header: Vec::new(), rows }
}

/// The JSON object of a CSV row: an empty cell is a field left out, the others typed as the
/// create request types them (a cell that does not read as its type stays text, and the
/// request's own parsing names the problem).
fn object_of(names: &[String], cells: Vec<String>, columns: &Columns) -> Map<String, Value> {
    let mut object = Map::new();
    for (name, raw) in names.iter().zip(cells) {
        if raw.is_empty() {
            continue;
        }
        let trimmed = raw.trim();
        let value = match columns.get(name).unwrap_or(Cell::Text) {
            Cell::Text => None,
            Cell::Integer => trimmed.parse::<i64>().ok().map(Value::from),
            Cell::Number => serde_json::from_str::<serde_json::Number>(trimmed).ok().map(Value::Number),
            Cell::Boolean => match trimmed.to_ascii_lowercase().as_str() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            Cell::Json => serde_json::from_str(trimmed).ok(),
            Cell::Named if trimmed.starts_with('{') => serde_json::from_str(trimmed).ok(),
            Cell::Named => None,
        };
        object.insert(name.clone(), value.unwrap_or(Value::String(raw)));
    }
    object
}

/// What is wrong with a CSV record, and in which cell (0-based) when one is to blame.
struct CsvError {
    column: Option<usize>,
    message: String,
}

impl CsvError {
    fn at(self, row: i64, column: Option<&str>) -> RowError {
        let message = match (column, self.column) {
            (None, Some(c)) => format!("{} (cell {})", self.message, c + 1),
            _ => self.message,
        };
        RowError::new(row, column, message)
    }
}

struct Record {
    cells: Result<Vec<String>, CsvError>,
}

/// Splits CSV text into records (RFC 4180: `,` between cells, `"` around a cell that holds `,`,
/// `"` (doubled) or a line break; CRLF or LF line ends). Blank lines are skipped. A broken
/// record is reported and reading goes on at the next line; an unterminated quote ends the file.
fn csv_records(text: &str) -> Vec<Record> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut error: Option<CsvError> = None;
        let mut quoted_cell = false;
        loop {
            let Some(c) = chars.next() else {
                cells.push(std::mem::take(&mut cell));
                break;
            };
            match c {
                '"' if cell.is_empty() && !quoted_cell => {
                    quoted_cell = true;
                    let mut closed = false;
                    while let Some(q) = chars.next() {
                        if q == '"' {
                            if chars.peek() == Some(&'"') {
                                chars.next();
                                cell.push('"');
                            } else {
                                closed = true;
                                break;
                            }
                        } else {
                            cell.push(q);
                        }
                    }
                    if !closed {
                        error = Some(CsvError {
                            column: Some(cells.len()),
                            message: "unbalanced quote: the quoted cell is never closed".into(),
                        });
                        break;
                    }
                    match chars.peek() {
                        None | Some(',') | Some('\n') | Some('\r') => {}
                        Some(_) => {
                            error = Some(CsvError {
                                column: Some(cells.len()),
                                message:
                                    "a closing quote must end the cell (write a quote inside a quoted cell as \"\")"
                                        .into(),
                            });
                            skip_line(&mut chars);
                            break;
                        }
                    }
                }
                '"' => {
                    error = Some(CsvError {
                        column: Some(cells.len()),
                        message: "a quote inside an unquoted cell: quote the whole cell and double the quote".into(),
                    });
                    skip_line(&mut chars);
                    break;
                }
                ',' => {
                    cells.push(std::mem::take(&mut cell));
                    quoted_cell = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => {
                    cells.push(std::mem::take(&mut cell));
                    break;
                }
                other => cell.push(other),
            }
        }
        let blank = error.is_none() && cells.len() == 1 && cells[0].is_empty() && !quoted_cell;
        if !blank {
            records.push(Record { cells: error.map_or(Ok(cells), Err) });
        }
    }
    records
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars>) {
    for c in chars.by_ref() {
        if c == '\n' {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Result<Vec<String>, String>> {
        csv_records(text).into_iter().map(|r| r.cells.map_err(|e| e.message)).collect()
    }

    #[test]
    fn reads_quotes_line_breaks_and_blank_lines() {
        let got = cells("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n\"two\nlines\",\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].as_ref().unwrap(), &vec!["x, y".to_string(), "say \"hi\"".to_string()]);
        assert_eq!(got[2].as_ref().unwrap(), &vec!["two\nlines".to_string(), String::new()]);
    }

    #[test]
    fn reports_broken_quotes_and_goes_on() {
        let got = cells("a,b\nx\"y,z\n\"q\"r,s\nok,fine\n\"open,never");
        assert!(got[1].as_ref().unwrap_err().contains("unquoted"));
        assert!(got[2].as_ref().unwrap_err().contains("closing quote"));
        assert_eq!(got[3].as_ref().unwrap(), &vec!["ok".to_string(), "fine".to_string()]);
        assert!(got[4].as_ref().unwrap_err().contains("unbalanced"));
        assert_eq!(count_rows(ImportFormat::Csv, "a\n1\n\n2\n"), 2);
    }

    #[test]
    fn types_cells_by_column() {
        let columns = Columns(vec![("n".into(), Cell::Integer), ("b".into(), Cell::Boolean), ("t".into(), Cell::Text)]);
        let names = vec!["n".to_string(), "b".to_string(), "t".to_string()];
        let object = object_of(&names, vec!["12".into(), "TRUE".into(), "007".into()], &columns);
        assert_eq!(Value::Object(object), serde_json::json!({"n": 12, "b": true, "t": "007"}));
        let object = object_of(&names, vec!["x".into(), String::new(), String::new()], &columns);
        assert_eq!(Value::Object(object), serde_json::json!({"n": "x"}));
    }
}
