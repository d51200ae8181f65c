//! One value, one cell. A cell that would start a formula (`=`, `+`, `-`, `@`, a tab or a carriage
//! return) and is not a number gets a leading `'`, so opening the file never runs what a user
//! typed; negative amounts stay numbers.

/// A table: its header and rows, each row as many cells as the header.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str], rows: Vec<Vec<String>>) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows }
    }
}

fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// One cell as it is written: defused, then quoted if it must be.
pub fn cell(raw: &str) -> String {
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

/// Appends one line of cells, CRLF ended.
pub fn write_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, raw) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(raw.as_ref()));
    }
    out.push_str("\r\n");
}

/// The table as CSV text.
pub fn render(table: &Table) -> String {
    let mut out = String::new();
    write_line(&mut out, &table.header);
    for row in &table.rows {
        write_line(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let table = Table::new(
            &["code", "name", "amount"],
            vec![
                vec!["1000".into(), "Bank, main".into(), "-12.50".into()],
                vec!["4000".into(), "=HYPERLINK(\"x\")".into(), "0.00".into()],
            ],
        );
        assert_eq!(
            render(&table),
            "code,name,amount\r\n1000,\"Bank, main\",-12.50\r\n4000,\"'=HYPERLINK(\"\"x\"\")\",0.00\r\n"
        );
    }
}
