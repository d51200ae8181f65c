//! A JSON view as a CSV row. The columns are the view's JSON field names in the order the JSON
//! has them; a nested object becomes dotted columns (`total.amount`, `total.currency`) so money
//! and parties read as plain cells; a list stays JSON text in one cell. Strings are written as
//! they are (decimals keep every digit: they are strings in the JSON), null is an empty cell.
//!
//! A list's header comes from its item type's schema, not from its first row: a field that is
//! null in the first row but an object later (or left out when empty) still has its columns.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::cells::Table;
use crate::error::ApiError;

/// An object's fields in their order, each still JSON text.
struct OrderedFields(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for OrderedFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = OrderedFields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedFields, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(OrderedFields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// The cells of one JSON value, flattened: `(column, text)` in order. An object is opened into
/// dotted columns where `opens` says so (always at the top); otherwise it is one cell of JSON.
pub fn flatten(
    prefix: &str,
    json: &str,
    opens: &dyn Fn(&str) -> bool,
    out: &mut Vec<(String, String)>,
) -> Result<(), ApiError> {
    let json = json.trim();
    if json.starts_with('{') && (prefix.is_empty() || opens(prefix)) {
        let fields: OrderedFields = serde_json::from_str(json).map_err(ApiError::internal)?;
        for (name, value) in fields.0 {
            let column = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            flatten(&column, value.get(), opens, out)?;
        }
        return Ok(());
    }
    let text = match json.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(json).map_err(ApiError::internal)?,
        _ if json == "null" => String::new(),
        _ => json.to_string(),
    };
    out.push((prefix.to_string(), text));
    Ok(())
}

/// A list's columns: its view type's fields, from the schema.
pub struct Columns {
    pub names: Vec<String>,
    /// The objects opened into dotted columns (`total` for `total.amount`); any other object,
    /// such as an audit event's free-form `after`, stays one cell of JSON.
    opened: HashSet<String>,
}

impl Columns {
    /// The columns of a view type, from its OpenAPI schema: fields in declaration order,
    /// flattened (`#[serde(flatten)]`) and nested objects as dotted names, optional objects too.
    pub fn of<T: ToSchema>() -> Columns {
        let mut components = Vec::new();
        T::schemas(&mut components);
        let mut names = Vec::new();
        collect("", &T::schema(), &components, &mut names, 0);
        let opened = names
            .iter()
            .flat_map(|name| name.match_indices('.').map(|(at, _)| name[..at].to_string()).collect::<Vec<_>>())
            .collect();
        Columns { names, opened }
    }

    /// Puts the columns in the order of a serialized view: the schema lists a flattened
    /// struct's fields first, the JSON where the field stands. A column the view lacks (null,
    /// left out) stays after the column it follows in the schema.
    pub fn align_to<T: Serialize>(&mut self, item: &T) -> Result<(), ApiError> {
        let json = serde_json::to_string(item).map_err(ApiError::internal)?;
        let mut fields = Vec::new();
        flatten("", &json, &|prefix| self.opened.contains(prefix), &mut fields)?;
        // A null object (`parent: null`) stands for its dotted columns.
        let mut ordered: Vec<String> = Vec::with_capacity(self.names.len());
        for (name, _) in fields {
            if self.names.contains(&name) {
                ordered.push(name);
            } else if self.opened.contains(&name) {
                let prefix = format!("{name}.");
                ordered.extend(self.names.iter().filter(|c| c.starts_with(&prefix)).cloned());
            }
        }
        for (i, column) in self.names.iter().enumerate() {
            if ordered.contains(column) {
                continue;
            }
            let after = self.names[..i].iter().rev().find_map(|previous| ordered.iter().position(|c| c == previous));
            ordered.insert(after.map_or(0, |at| at + 1), column.clone());
        }
        self.names = ordered;
        Ok(())
    }

    /// One view as cells under these columns: a column the view lacks is an empty cell.
    pub fn cells<T: Serialize>(&self, item: &T) -> Result<Vec<String>, ApiError> {
        let json = serde_json::to_string(item).map_err(ApiError::internal)?;
        let mut fields = Vec::with_capacity(self.names.len());
        flatten("", &json, &|prefix| self.opened.contains(prefix), &mut fields)?;
        // The fields come in the columns' order almost always: look from where the last one was.
        let mut cells = Vec::with_capacity(self.names.len());
        let mut next = 0;
        for column in &self.names {
            let found = (next..fields.len()).chain(0..next).find(|&i| fields[i].0 == *column);
            match found {
                Some(i) => {
                    cells.push(std::mem::take(&mut fields[i].1));
                    next = i + 1;
                }
                None => cells.push(String::new()),
            }
        }
        Ok(cells)
    }
}

type Components = Vec<(String, RefOr<Schema>)>;

fn collect(prefix: &str, schema: &RefOr<Schema>, components: &Components, out: &mut Vec<String>, depth: usize) {
    // Views nest a few levels at most; a deeper walk can only be a type that refers to itself.
    if depth > 8 {
        out.push(prefix.to_string());
        return;
    }
    match schema {
        RefOr::Ref(reference) => {
            let name = reference.ref_location.rsplit('/').next().unwrap_or_default();
            match components.iter().find(|(n, _)| n == name) {
                Some((_, schema)) => collect(prefix, schema, components, out, depth + 1),
                None => out.push(prefix.to_string()),
            }
        }
        RefOr::T(Schema::Object(object)) if !object.properties.is_empty() => {
            for (name, property) in &object.properties {
                let column = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                collect(&column, property, components, out, depth + 1);
            }
        }
        RefOr::T(Schema::AllOf(all)) => {
            for item in &all.items {
                collect(prefix, item, components, out, depth + 1)
            }
        }
        // `Option<View>` (null or the view), or views of one thing for different readers (an
        // employee's full record or directory entry): every column any of them has.
        RefOr::T(Schema::OneOf(one)) if one.items.iter().any(|item| !is_null(item)) => {
            let mut union = Vec::new();
            for item in one.items.iter().filter(|item| !is_null(item)) {
                let mut columns = Vec::new();
                collect(prefix, item, components, &mut columns, depth + 1);
                for column in columns {
                    if !union.contains(&column) {
                        union.push(column);
                    }
                }
            }
            out.extend(union);
        }
        _ => out.push(prefix.to_string()),
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    use utoipa::openapi::schema::{SchemaType, Type};
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
}

/// A report as a table: one row per element of the array at `pointer` (a row of type `R`),
/// after the report's top-level single values. The row columns come from `R`'s schema, so a
/// report with no rows still has its header.
pub fn report_table<R: ToSchema, T: Serialize>(report: &T, pointer: &str) -> Result<Table, ApiError> {
    let json = serde_json::to_string(report).map_err(ApiError::internal)?;
    let mut leading = Vec::new();
    let mut elements: Vec<Box<RawValue>> = Vec::new();
    let array_at = |json: &str| serde_json::from_str::<Vec<Box<RawValue>>>(json).map_err(ApiError::internal);
    if pointer.is_empty() {
        elements = array_at(&json)?;
    } else {
        let fields: OrderedFields = serde_json::from_str(&json).map_err(ApiError::internal)?;
        let wanted = pointer.trim_start_matches('/');
        for (name, value) in fields.0 {
            let text = value.get().trim_start();
            if name == wanted {
                elements = array_at(text)?;
            } else if !text.starts_with(['[', '{']) {
                flatten(&name, text, &|_| true, &mut leading)?;
            }
        }
    }
    let mut columns = Columns::of::<R>();
    if let Some(first) = elements.first() {
        columns.align_to(first)?;
    }
    let mut header: Vec<String> = leading.iter().map(|(name, _)| name.clone()).collect();
    header.extend(columns.names.iter().cloned());
    let mut rows = Vec::with_capacity(elements.len());
    for element in &elements {
        let mut row: Vec<String> = leading.iter().map(|(_, text)| text.clone()).collect();
        row.extend(columns.cells(element)?);
        rows.push(row);
    }
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    #[derive(Serialize, ToSchema)]
    struct Inner {
        kind: String,
        count: i64,
    }

    #[derive(Serialize, ToSchema)]
    struct View {
        id: i64,
        name: String,
        total: Money,
        #[serde(flatten)]
        inner: Inner,
        parent: Option<Money>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        note: Option<String>,
    }

    fn sample(parent: Option<Money>, tags: Vec<String>) -> View {
        View {
            id: 7,
            name: "Acme, \"Ltd\"".into(),
            total: Money { amount: "1234.50".into(), currency: "EUR".into() },
            inner: Inner { kind: "a".into(), count: 3 },
            parent,
            tags,
            note: None,
        }
    }

    #[test]
    fn columns_follow_the_json_with_nested_and_flattened_fields() {
        let mut columns = Columns::of::<View>();
        assert!(columns.align_to(&sample(None, vec![])).is_ok());
        assert_eq!(
            columns.names,
            [
                "id",
                "name",
                "total.amount",
                "total.currency",
                "kind",
                "count",
                "parent.amount",
                "parent.currency",
                "tags",
                "note"
            ]
        );
    }

    #[test]
    fn rows_fill_every_column_even_when_fields_are_missing() {
        let mut columns = Columns::of::<View>();
        assert!(columns.align_to(&sample(None, vec![])).is_ok());
        assert_eq!(
            columns.cells(&sample(None, vec![])).ok(),
            Some(vec![
                "7".to_string(),
                "Acme, \"Ltd\"".into(),
                "1234.50".into(),
                "EUR".into(),
                "a".into(),
                "3".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into()
            ])
        );
        let with_parent = Money { amount: "-1.00".into(), currency: "USD".into() };
        let cells = columns.cells(&sample(Some(with_parent), vec!["x".into()])).unwrap_or_default();
        assert_eq!(cells[6..9], ["-1.00".to_string(), "USD".into(), "[\"x\"]".into()]);
    }

    #[derive(Serialize, ToSchema)]
    struct Event {
        id: i64,
        #[schema(value_type = Object)]
        changes: serde_json::Value,
    }

    #[test]
    fn a_free_form_object_stays_one_cell_of_json() {
        let columns = Columns::of::<Event>();
        assert_eq!(columns.names, ["id", "changes"]);
        let event = Event { id: 1, changes: serde_json::json!({"name": {"before": "a", "after": "b"}}) };
        assert_eq!(
            columns.cells(&event).ok(),
            Some(vec!["1".to_string(), r#"{"name":{"after":"b","before":"a"}}"#.to_string()])
        );
    }

    #[derive(Serialize)]
    struct Report {
        as_of: &'static str,
        rows: Vec<Inner>,
        totals: Vec<i64>,
    }

    #[test]
    fn a_report_is_its_rows_led_by_its_single_values() {
        let report = Report {
            as_of: "2026-12-31",
            rows: vec![Inner { kind: "a".into(), count: 1 }, Inner { kind: "b".into(), count: 2 }],
            totals: vec![3],
        };
        let table = report_table::<Inner, _>(&report, "/rows").ok();
        let table = table.as_ref().map(|t| (t.header.clone(), t.rows.clone()));
        assert_eq!(
            table,
            Some((
                vec!["as_of".to_string(), "kind".into(), "count".into()],
                vec![
                    vec!["2026-12-31".to_string(), "a".into(), "1".into()],
                    vec!["2026-12-31".to_string(), "b".into(), "2".into()]
                ]
            ))
        );
    }
}
