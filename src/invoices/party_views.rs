//! Request and response types of customers and vendors (the OpenAPI schemas), and the checks of
//! what a client sends for one. The handlers are in `parties.rs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{PartyKind, PartyRow, PERCENT_SCALE};
use super::repo::parties::PartyFields;
use crate::auth::users::model::{normalize_email, normalize_name};
use crate::error::Validator;
use crate::http::json::nullable;
use crate::money::{self, format_scaled, parse_scaled, Currency, Money};

/// A customer or a vendor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Party {
    pub id: i64,
    pub kind: PartyKind,
    #[schema(example = "Northwind Traders")]
    pub name: String,
    pub email: Option<String>,
    pub tax_id: Option<String>,
    pub billing_address: Option<String>,
    /// The currency the party is invoiced (or bills) in.
    #[schema(example = "EUR")]
    pub currency: String,
    /// Days from issue to due date when an invoice gives none.
    pub payment_terms_days: i32,
    /// Customers only: billed per hour of desk work instead of the desk's rate.
    pub hourly_billing_rate: Option<Money>,
    /// Customers only: parts without a sale price are billed at cost plus this percentage.
    #[schema(example = "15.00")]
    pub parts_markup_percent: Option<String>,
    pub active: bool,
    /// The record's id in a CRM.
    pub external_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Party {
    pub fn from_row(row: &PartyRow) -> Party {
        Party {
            id: row.id,
            kind: PartyKind::from_stored(&row.kind).unwrap_or(PartyKind::Customer),
            name: row.name.clone(),
            email: row.email.clone(),
            tax_id: row.tax_id.clone(),
            billing_address: row.billing_address.clone(),
            currency: row.currency.clone(),
            payment_terms_days: row.payment_terms_days,
            hourly_billing_rate: row.hourly_billing_rate.map(|rate| Money::new(rate, &row.currency)),
            parts_markup_percent: row.parts_markup.map(|m| format_scaled(i64::from(m), PERCENT_SCALE)),
            active: row.active,
            external_ref: row.external_ref.clone(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// A whole party: for `POST` and `PUT …/by-external-ref/{ref}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    #[schema(
        example = "Northwind Traders",
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[schema(max_length = 50, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub tax_id: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub billing_address: Option<String>,
    pub currency: Currency,
    /// Default 30.
    #[schema(minimum = 0, maximum = 365)]
    pub payment_terms_days: Option<i32>,
    /// Customers only; a decimal string in `currency`.
    #[schema(example = "120.00")]
    pub hourly_billing_rate: Option<String>,
    /// Customers only: parts without a sale price are billed at cost plus this percentage (0 to
    /// 1000, up to 2 decimals; none: at cost).
    #[schema(example = "15")]
    pub parts_markup_percent: Option<String>,
    /// Default true.
    pub active: Option<bool>,
    /// With `PUT …/by-external-ref/{ref}`: left out, or the path's.
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]+$")]
    pub external_ref: Option<String>,
}

/// Only the fields sent change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateParty {
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub tax_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub billing_address: Option<Option<String>>,
    /// Send the billing rate with it (it is in the currency).
    pub currency: Option<Currency>,
    #[schema(minimum = 0, maximum = 365)]
    pub payment_terms_days: Option<i32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub hourly_billing_rate: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub parts_markup_percent: Option<Option<String>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]+$")]
    pub external_ref: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyListQuery {
    pub active: Option<bool>,
    /// Part of the name, case-insensitive.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

pub(super) fn text(v: &mut Validator, pointer: &str, value: Option<String>, max: usize) -> Option<String> {
    v.optional_text(pointer, value, max)
}

pub(super) fn email(v: &mut Validator, value: Option<String>) -> Option<String> {
    let raw = value.filter(|e| !e.trim().is_empty())?;
    normalize_email(&raw).map_err(|e| v.error("/email", e)).ok()
}

pub(super) fn external_ref(v: &mut Validator, value: Option<String>) -> Option<String> {
    let raw = value?;
    v.check((1..=100).contains(&raw.chars().count()), "/external_ref", "must be 1 to 100 characters long");
    v.check(!raw.chars().any(char::is_control), "/external_ref", "must not contain control characters");
    Some(raw)
}

pub(super) fn rate(v: &mut Validator, kind: PartyKind, raw: Option<&str>, currency: Currency) -> Option<i64> {
    let raw = raw?;
    if kind == PartyKind::Vendor {
        v.error("/hourly_billing_rate", "only customers have a billing rate");
        return None;
    }
    money::parse_non_negative(raw, currency).map_err(|e| v.error("/hourly_billing_rate", e)).ok()
}

pub(super) fn markup(v: &mut Validator, kind: PartyKind, raw: Option<&str>) -> Option<i32> {
    let raw = raw?;
    if kind == PartyKind::Vendor {
        v.error("/parts_markup_percent", "only customers have a parts markup");
        return None;
    }
    match parse_scaled(raw, PERCENT_SCALE) {
        Ok(hundredths) if (0..=100_000).contains(&hundredths) => i32::try_from(hundredths).ok(),
        Ok(_) => {
            v.error("/parts_markup_percent", "must be 0 to 1000");
            None
        }
        Err(e) => {
            v.error("/parts_markup_percent", e);
            None
        }
    }
}

pub(super) fn terms(v: &mut Validator, days: Option<i32>) -> Option<i32> {
    let days = days?;
    v.check((0..=365).contains(&days), "/payment_terms_days", "must be 0 to 365");
    Some(days)
}

/// The fields of a whole party, checked.
pub(super) fn fields_of(
    v: &mut Validator,
    kind: PartyKind,
    input: PartyInput,
    path_ref: Option<String>,
) -> PartyFields {
    PartyFields {
        name: normalize_name(&input.name).map_err(|e| v.error("/name", e)).unwrap_or_default(),
        email: email(v, input.email),
        tax_id: text(v, "/tax_id", input.tax_id, 50),
        billing_address: text(v, "/billing_address", input.billing_address, 500),
        currency: input.currency.code().to_string(),
        payment_terms_days: terms(v, input.payment_terms_days).unwrap_or(30),
        hourly_billing_rate: rate(v, kind, input.hourly_billing_rate.as_deref(), input.currency),
        parts_markup: markup(v, kind, input.parts_markup_percent.as_deref()),
        active: input.active.unwrap_or(true),
        external_ref: {
            let in_body = external_ref(v, input.external_ref);
            if path_ref.is_some() && in_body.is_some() && in_body != path_ref {
                v.error("/external_ref", "must be the one in the path (or left out)");
            }
            path_ref.or(in_body)
        },
    }
}
