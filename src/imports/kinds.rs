//! One row of each kind, written through its module's own create and update code (the code
//! behind that module's POST and PATCH), so an imported record meets the same rules, shows the
//! same problems and writes the same audit events (the change feed and webhooks see it) as one
//! sent to the endpoint. Here is only what an import adds: finding the record by its natural
//! key and choosing between create and update by the mode.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::model::{ImportKind, ImportMode};
use super::parse::{Cell, Columns};
use crate::auth::principal::Principal;
use crate::auth::roles::Permission;
use crate::db::DbConn;
use crate::error::{ApiError, FieldError};
use crate::http::etag::IfMatch;
use crate::invoices::model::PartyKind;
use crate::{employees, inventory, invoices};

/// A row of opening stock: what a location holds of an item on a day, received at a unit cost
/// (a stock receipt, posted as `POST /inventory/movements` posts one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningStock {
    /// The item's SKU.
    #[schema(example = "FLT-0042")]
    pub sku: String,
    /// The location's code, or its id.
    #[schema(value_type = String, example = "MAIN")]
    pub location: Value,
    /// More than 0, up to 3 decimals.
    #[schema(example = "12")]
    pub quantity: String,
    /// Not negative, up to 4 decimals, in the item's currency.
    #[schema(example = "4.50")]
    pub unit_cost: String,
    /// The day the stock was there; default today.
    #[serde(default, deserialize_with = "crate::dates::optional_date")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^(19|[2-9][0-9])[0-9]{2}-")]
    pub occurred_on: Option<NaiveDate>,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Who may import a kind: exactly who may create it through its endpoint.
pub fn permission(kind: ImportKind) -> &'static Permission {
    match kind {
        ImportKind::Customers | ImportKind::Vendors => &invoices::permissions::WRITE_FINANCE,
        ImportKind::Items | ImportKind::OpeningStock => &inventory::permissions::MANAGE_STOCK,
        ImportKind::Employees => &employees::permissions::MANAGE_PEOPLE,
    }
}

/// The columns a CSV of this kind may have: the create request's fields (and the natural key).
pub fn columns(kind: ImportKind) -> Columns {
    match kind {
        ImportKind::Customers | ImportKind::Vendors => Columns::of::<invoices::parties::PartyInput>(&[]),
        ImportKind::Items => Columns::of::<inventory::items::CreateItem>(&[]),
        ImportKind::Employees => Columns::of::<employees::views::CreateEmployee>(&[("employee_number", Cell::Text)]),
        ImportKind::OpeningStock => Columns::of::<OpeningStock>(&[]),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Inserted,
    Updated,
}

/// Writes one row for `principal` (in the caller's transaction or savepoint).
pub fn apply(
    conn: &mut DbConn,
    principal: &Principal,
    kind: ImportKind,
    mode: ImportMode,
    fields: Map<String, Value>,
) -> Result<Applied, ApiError> {
    match kind {
        ImportKind::Customers => party(conn, principal, PartyKind::Customer, mode, fields),
        ImportKind::Vendors => party(conn, principal, PartyKind::Vendor, mode, fields),
        ImportKind::Items => item(conn, principal, mode, fields),
        ImportKind::Employees => employee(conn, principal, mode, fields),
        ImportKind::OpeningStock => opening_stock(conn, principal, fields).map_err(|e| renamed(e, MOVEMENT_FIELDS)),
    }
}

/// The row read as the endpoint reads its body (unknown fields, types, dates: the same rules).
fn typed<T: DeserializeOwned>(fields: Map<String, Value>) -> Result<T, ApiError> {
    let bytes = serde_json::to_vec(&Value::Object(fields)).map_err(ApiError::internal)?;
    crate::http::json::parse_json(&bytes)
}

/// The natural key as sent (None when left out; a key that is not text is left to the
/// request's own parsing to report).
fn key(fields: &Map<String, Value>, name: &str) -> Option<String> {
    fields.get(name).and_then(Value::as_str).map(str::to_string)
}

fn missing_key(name: &str, what: &str) -> ApiError {
    ApiError::invalid(&format!("/{name}"), format!("is required to find the {what} to update (mode update)"))
}

fn key_taken(name: &str, what: &str) -> ApiError {
    ApiError::invalid(
        &format!("/{name}"),
        format!("a {what} with this {name} exists (mode insert; use upsert or update to change it)"),
    )
}

fn key_unknown(name: &str, what: &str) -> ApiError {
    ApiError::invalid(&format!("/{name}"), format!("no {what} has this {name} (mode update)"))
}

/// A field the update does not take: left out when it holds what is stored, else a problem.
fn fixed_field(fields: &mut Map<String, Value>, name: &str, stored: &str, problem: &str) -> Result<(), ApiError> {
    match fields.get(name) {
        None => Ok(()),
        Some(Value::String(sent)) if sent.trim().eq_ignore_ascii_case(stored) => {
            fields.remove(name);
            Ok(())
        }
        Some(_) => Err(ApiError::invalid(&format!("/{name}"), problem)),
    }
}

fn party(
    conn: &mut DbConn,
    principal: &Principal,
    kind: PartyKind,
    mode: ImportMode,
    mut fields: Map<String, Value>,
) -> Result<Applied, ApiError> {
    let what = kind.as_str();
    let reference = key(&fields, "external_ref");
    let existing = match &reference {
        Some(reference) => invoices::party_by_external_ref(conn, kind, reference)?,
        None => None,
    };
    let actor = principal.actor();
    match (mode, existing) {
        (ImportMode::Insert, Some(_)) => Err(key_taken("external_ref", what)),
        (ImportMode::Update, None) if reference.is_none() => Err(missing_key("external_ref", what)),
        (ImportMode::Update, None) => Err(key_unknown("external_ref", what)),
        (_, None) => {
            invoices::create_party(conn, &actor, kind, typed(fields)?)?;
            Ok(Applied::Inserted)
        }
        (_, Some(party)) => {
            // The create request's currency, unchanged, is no change (PATCH would want the
            // billing rate with a new one).
            if fields.get("currency").and_then(Value::as_str) == Some(party.currency.as_str()) {
                fields.remove("currency");
            }
            invoices::change_party(conn, &actor, kind, party.id, &IfMatch::Absent, typed(fields)?)?;
            Ok(Applied::Updated)
        }
    }
}

fn item(
    conn: &mut DbConn,
    principal: &Principal,
    mode: ImportMode,
    mut fields: Map<String, Value>,
) -> Result<Applied, ApiError> {
    // SKUs are stored upper-case and trimmed (`inventory::api::code`).
    let sku = key(&fields, "sku").map(|s| s.trim().to_uppercase());
    let existing = match &sku {
        Some(sku) => inventory::item_by_sku(conn, sku)?,
        None => None,
    };
    let actor = principal.actor();
    match (mode, existing) {
        (ImportMode::Insert, Some(_)) => Err(key_taken("sku", "item")),
        (ImportMode::Update, None) if sku.is_none() => Err(missing_key("sku", "item")),
        (ImportMode::Update, None) => Err(key_unknown("sku", "item")),
        (_, None) => {
            inventory::create_item(conn, &actor, typed(fields)?)?;
            Ok(Applied::Inserted)
        }
        (_, Some(row)) => {
            fields.remove("sku");
            fixed_field(&mut fields, "currency", &row.currency, "an item's currency is fixed once it is created")?;
            inventory::change_item(conn, &actor, row.id, &IfMatch::Absent, typed(fields)?)?;
            Ok(Applied::Updated)
        }
    }
}

fn employee(
    conn: &mut DbConn,
    principal: &Principal,
    mode: ImportMode,
    mut fields: Map<String, Value>,
) -> Result<Applied, ApiError> {
    let number = key(&fields, "employee_number").map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let existing = match &number {
        Some(number) => employees::employee_by_number(conn, number)?,
        None => None,
    };
    let actor = principal.actor();
    match (mode, existing) {
        (ImportMode::Insert, Some(_)) => Err(key_taken("employee_number", "employee")),
        (ImportMode::Update, None) if number.is_none() => Err(missing_key("employee_number", "employee")),
        (ImportMode::Update, None) => Err(key_unknown("employee_number", "employee")),
        // Numbers are given by opsdesk when a person is recorded: one that is not there yet
        // cannot be chosen.
        (_, None) if number.is_some() => Err(ApiError::invalid(
            "/employee_number",
            "no employee has this number; opsdesk numbers new people itself, so leave it empty to insert one",
        )),
        (_, None) => {
            fields.remove("employee_number");
            employees::create_employee(conn, &actor, principal.user_id, typed(fields)?)?;
            Ok(Applied::Inserted)
        }
        (_, Some(row)) => {
            fields.remove("employee_number");
            fixed_field(
                &mut fields,
                "status",
                &row.status,
                &format!("status changes go through POST /api/v1/employees/{}/transitions", row.id),
            )?;
            if fields.contains_key("compensation") {
                return Err(ApiError::invalid(
                    "/compensation",
                    format!("pay changes go through POST /api/v1/employees/{}/compensation", row.id),
                ));
            }
            employees::change_employee(conn, &actor, principal, row.id, &IfMatch::Absent, typed(fields)?)?;
            Ok(Applied::Updated)
        }
    }
}

/// The movement's fields that an opening-stock row names otherwise.
const MOVEMENT_FIELDS: &[(&str, &str)] = &[("/item_id", "/sku"), ("/location_id", "/location")];

fn renamed(error: ApiError, names: &[(&str, &str)]) -> ApiError {
    match error {
        ApiError::Invalid(errors) => ApiError::Invalid(
            errors
                .into_iter()
                .map(|e| match e.pointer.as_deref().and_then(|p| names.iter().find(|(from, _)| *from == p)) {
                    Some((_, to)) => FieldError::body(*to, e.detail),
                    None => e,
                })
                .collect(),
        ),
        other => other,
    }
}

fn opening_stock(conn: &mut DbConn, principal: &Principal, fields: Map<String, Value>) -> Result<Applied, ApiError> {
    let row: OpeningStock = typed(fields)?;
    let item = inventory::item_by_sku(conn, &row.sku.trim().to_uppercase())?;
    let location = match &row.location {
        Value::Number(n) => match n.as_i64() {
            Some(id) => inventory::location(conn, id)?,
            None => None,
        },
        Value::String(code) => match inventory::location_by_code(conn, &code.trim().to_uppercase())? {
            Some(location) => Some(location),
            None => match code.trim().parse::<i64>() {
                Ok(id) => inventory::location(conn, id)?,
                Err(_) => None,
            },
        },
        _ => None,
    };
    let mut problems = Vec::new();
    if item.is_none() {
        problems.push(FieldError::body("/sku", "no item has this SKU"));
    }
    if location.is_none() {
        problems.push(FieldError::body("/location", "no location has this code or id"));
    }
    let (Some(item), Some(location)) = (item, location) else { return Err(ApiError::Invalid(problems)) };
    let receipt = inventory::movements::CreateMovement {
        kind: inventory::model::MovementKind::Receipt,
        item_id: item.id,
        quantity: Some(row.quantity),
        location_id: Some(location.id),
        from_location_id: None,
        to_location_id: None,
        unit_cost: Some(row.unit_cost),
        ticket_id: None,
        department_id: None,
        invoice_line_id: None,
        counted_quantity: None,
        occurred_on: row.occurred_on,
        reason: Some(row.reason.unwrap_or_else(|| "opening stock".into())),
        budget_override_reason: None,
    };
    inventory::record_movement(conn, principal, receipt)?;
    Ok(Applied::Inserted)
}
