//! `/api/v1/customers` and `/api/v1/vendors`: the parties invoices are for. finance and admin
//! write; auditor reads; others nothing. A CRM keeps customers in sync with
//! `PUT /customers/by-external-ref/{ref}` (create or update) and `updated_since`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{PartyKind, PartyRow, PERCENT_SCALE};
use super::permissions;
use super::repo::parties::{self as repo, PartyFields, PartyFilter};
use crate::audit;
use crate::auth::principal::Principal;
use crate::auth::users::model::{normalize_email, normalize_name};
use crate::db;
use crate::error::{ApiError, Validator};
use crate::http::etag::{created_response, entity_response, IfMatch};
use crate::http::json::{nullable, ValidJson};
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::{self, format_scaled, parse_scaled, Currency, Money};
use crate::state::AppState;

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

fn text(v: &mut Validator, pointer: &str, value: Option<String>, max: usize) -> Option<String> {
    v.optional_text(pointer, value, max)
}

fn email(v: &mut Validator, value: Option<String>) -> Option<String> {
    let raw = value.filter(|e| !e.trim().is_empty())?;
    normalize_email(&raw).map_err(|e| v.error("/email", e)).ok()
}

fn external_ref(v: &mut Validator, value: Option<String>) -> Option<String> {
    let raw = value?;
    v.check((1..=100).contains(&raw.chars().count()), "/external_ref", "must be 1 to 100 characters long");
    v.check(!raw.chars().any(char::is_control), "/external_ref", "must not contain control characters");
    Some(raw)
}

fn rate(v: &mut Validator, kind: PartyKind, raw: Option<&str>, currency: Currency) -> Option<i64> {
    let raw = raw?;
    if kind == PartyKind::Vendor {
        v.error("/hourly_billing_rate", "only customers have a billing rate");
        return None;
    }
    money::parse_non_negative(raw, currency).map_err(|e| v.error("/hourly_billing_rate", e)).ok()
}

fn markup(v: &mut Validator, kind: PartyKind, raw: Option<&str>) -> Option<i32> {
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

fn terms(v: &mut Validator, days: Option<i32>) -> Option<i32> {
    let days = days?;
    v.check((0..=365).contains(&days), "/payment_terms_days", "must be 0 to 365");
    Some(days)
}

/// The fields of a whole party, checked.
fn fields_of(v: &mut Validator, kind: PartyKind, input: PartyInput, path_ref: Option<String>) -> PartyFields {
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

fn conflict_on_ref(kind: PartyKind, fields: &PartyFields) -> ApiError {
    ApiError::Conflict(format!(
        "a {} with external_ref {:?} exists",
        kind.as_str(),
        fields.external_ref.as_deref().unwrap_or_default()
    ))
}

fn entity(kind: PartyKind) -> &'static str {
    kind.as_str()
}

fn location(kind: PartyKind, id: i64) -> String {
    format!("/api/v1/{}s/{id}", kind.as_str())
}

async fn create_party(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    input: PartyInput,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let mut v = Validator::new();
    let fields = fields_of(&mut v, kind, input, None);
    v.finish()?;
    let actor = principal.actor();
    reply::commit(req, &state.pool, move |conn| {
        if let Some(reference) = &fields.external_ref {
            if repo::by_external_ref(conn, kind, reference)?.is_some() {
                return Err(conflict_on_ref(kind, &fields));
            }
        }
        let row = repo::insert(conn, kind, &fields)?;
        let party = Party::from_row(&row);
        audit::record(conn, &actor, &format!("{}.created", kind.as_str()), entity(kind), row.id, None, Some(&party))?;
        Reply::created(&party, party.version, &location(kind, party.id))
    })
    .await
}

async fn list_parties(
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    page: &PageQuery,
    query: PartyListQuery,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let page = page.parse()?;
    let mut v = Validator::new();
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        v.query_error("q", "must be at most 200 characters long");
    }
    v.finish()?;
    let q = query.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    if q.as_deref().is_some_and(|q| db::searchable(q).is_none()) {
        return Ok(HttpResponse::Ok().json(Page::<Party> { items: Vec::new(), next_cursor: None }));
    }
    let filter = PartyFilter { active: query.active, q, updated_since: page.updated_since };
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| Ok(repo::list(conn, kind, &filter, page.after, limit)?)).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, limit, |r| r.id, |r| Party::from_row(&r))))
}

async fn get_party(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let row = db::run(&state.pool, move |conn| repo::party(conn, kind, id)?.ok_or(ApiError::NotFound)).await?;
    Ok(entity_response(req, StatusCode::OK, &Party::from_row(&row), row.version))
}

async fn update_party(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    id: i64,
    if_match: IfMatch,
    input: UpdateParty,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let mut shape = Validator::new();
    let name =
        input.name.as_deref().map(|n| normalize_name(n).map_err(|e| shape.error("/name", e)).unwrap_or_default());
    let email_change = input.email.map(|e| email(&mut shape, e));
    let tax_id = input.tax_id.map(|t| text(&mut shape, "/tax_id", t, 50));
    let address = input.billing_address.map(|a| text(&mut shape, "/billing_address", a, 500));
    let terms = terms(&mut shape, input.payment_terms_days);
    let reference = input.external_ref.map(|r| external_ref(&mut shape, r));
    if input.currency.is_some() && input.hourly_billing_rate.is_none() {
        shape.error("/hourly_billing_rate", "send the rate with the currency it is in (null for none)");
    }
    shape.finish()?;
    let actor = principal.actor();
    let party = db::run_write(&state.pool, move |conn| {
        let row = repo::party(conn, kind, id)?.ok_or(ApiError::NotFound)?;
        if_match.check(row.version)?;
        let mut v = Validator::new();
        let mut fields = PartyFields::of(&row);
        let currency = match input.currency {
            Some(currency) => currency,
            None => row.currency.parse::<Currency>().map_err(ApiError::internal)?,
        };
        fields.currency = currency.code().to_string();
        if let Some(name) = name {
            fields.name = name;
        }
        if let Some(email) = email_change {
            fields.email = email;
        }
        if let Some(tax_id) = tax_id {
            fields.tax_id = tax_id;
        }
        if let Some(address) = address {
            fields.billing_address = address;
        }
        if let Some(terms) = terms {
            fields.payment_terms_days = terms;
        }
        if let Some(rate_change) = &input.hourly_billing_rate {
            fields.hourly_billing_rate = rate(&mut v, kind, rate_change.as_deref(), currency);
        }
        if let Some(markup_change) = &input.parts_markup_percent {
            fields.parts_markup = markup(&mut v, kind, markup_change.as_deref());
        }
        if let Some(active) = input.active {
            fields.active = active;
        }
        if let Some(reference) = reference {
            fields.external_ref = reference;
        }
        v.finish()?;
        if let Some(reference) = fields.external_ref.as_deref().filter(|r| Some(*r) != row.external_ref.as_deref()) {
            if repo::by_external_ref(conn, kind, reference)?.is_some() {
                return Err(conflict_on_ref(kind, &fields));
            }
        }
        if !repo::update(conn, id, row.version, &fields)? {
            return Err(ApiError::changed_concurrently(kind.as_str()));
        }
        let after = repo::party(conn, kind, id)?.ok_or(ApiError::NotFound)?;
        let (before, after) = (Party::from_row(&row), Party::from_row(&after));
        audit::record(
            conn,
            &actor,
            &format!("{}.updated", kind.as_str()),
            entity(kind),
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
    .await?;
    Ok(entity_response(req, StatusCode::OK, &party, party.version))
}

/// Creates the party with this external reference, or replaces its fields (201 or 200). The
/// same request twice changes nothing the second time.
async fn put_by_external_ref(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    reference: String,
    if_match: IfMatch,
    input: PartyInput,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let mut v = Validator::new();
    let reference = external_ref(&mut v, Some(reference));
    let fields = fields_of(&mut v, kind, input, reference.clone());
    v.finish()?;
    let reference = reference.unwrap_or_default();
    let actor = principal.actor();
    let (party, created) =
        db::run_write(&state.pool, move |conn| match repo::by_external_ref(conn, kind, &reference)? {
            Some(row) => {
                if_match.check(row.version)?;
                if PartyFields::of(&row) == fields {
                    return Ok((Party::from_row(&row), false));
                }
                if !repo::update(conn, row.id, row.version, &fields)? {
                    return Err(ApiError::changed_concurrently(kind.as_str()));
                }
                let after = repo::party(conn, kind, row.id)?.ok_or(ApiError::NotFound)?;
                let (before, after) = (Party::from_row(&row), Party::from_row(&after));
                let action = format!("{}.updated", kind.as_str());
                audit::record(conn, &actor, &action, entity(kind), row.id, Some(&before), Some(&after))?;
                Ok((after, false))
            }
            None => {
                let row = repo::insert(conn, kind, &fields)?;
                let party = Party::from_row(&row);
                let action = format!("{}.created", kind.as_str());
                audit::record(conn, &actor, &action, entity(kind), row.id, None, Some(&party))?;
                Ok((party, true))
            }
        })
        .await?;
    if created {
        Ok(created_response(req, &party, party.version, &location(kind, party.id)))
    } else {
        Ok(entity_response(req, StatusCode::OK, &party, party.version))
    }
}

macro_rules! party_routes {
    ($kind:expr, $tag:literal, $base:literal, $item:literal, $by_ref:literal,
     $create:ident, $list:ident, $get:ident, $update:ident, $put:ident,
     $create_id:literal, $list_id:literal, $get_id:literal, $update_id:literal, $put_id:literal,
     $create_summary:literal, $list_summary:literal, $get_summary:literal, $update_summary:literal,
     $put_summary:literal) => {
        #[utoipa::path(operation_id = $create_id, tag = $tag, request_body = PartyInput, summary = $create_summary,
            description = "Records one (finance, admin).",
            responses(
                (status = 201, description = "Created", body = Party, headers(("ETag" = String), ("Location" = String))),
                (status = 409, description = "The external_ref is taken", body = crate::error::Problem, content_type = "application/problem+json"),
            ))]
        #[post($base)]
        pub async fn $create(
            req: HttpRequest,
            state: web::Data<AppState>,
            principal: Principal,
            body: ValidJson<PartyInput>,
        ) -> Result<HttpResponse, ApiError> {
            create_party(&req, &state, &principal, $kind, body.into_inner()).await
        }

        #[utoipa::path(operation_id = $list_id, tag = $tag, params(PageQuery, PartyListQuery), summary = $list_summary,
            description = "Lists them in id order, or with `updated_since` in the order they changed (finance, admin, auditor).",
            responses((status = 200, description = "A page", body = Page<Party>)))]
        #[get($base)]
        pub async fn $list(
            state: web::Data<AppState>,
            principal: Principal,
            page: web::Query<PageQuery>,
            query: web::Query<PartyListQuery>,
        ) -> Result<HttpResponse, ApiError> {
            list_parties(&state, &principal, $kind, &page, query.into_inner()).await
        }

        #[utoipa::path(operation_id = $get_id, tag = $tag, params(("id" = i64, Path, description = "Id")),
            summary = $get_summary,
            description = "Reads one (finance, admin, auditor).",
            responses((status = 200, description = "Found", body = Party, headers(("ETag" = String))), (status = 304, description = "Not modified (If-None-Match)")))]
        #[get($item)]
        pub async fn $get(
            req: HttpRequest,
            state: web::Data<AppState>,
            principal: Principal,
            id: web::Path<i64>,
        ) -> Result<HttpResponse, ApiError> {
            get_party(&req, &state, &principal, $kind, id.into_inner()).await
        }

        #[utoipa::path(operation_id = $update_id, tag = $tag, params(("id" = i64, Path, description = "Id")),
            summary = $update_summary,
            description = "Changes one; `{\"active\": false}` archives it. Honors If-Match.",
            request_body = UpdateParty,
            responses(
                (status = 200, description = "Updated", body = Party, headers(("ETag" = String))),
                (status = 409, description = "The external_ref is taken", body = crate::error::Problem, content_type = "application/problem+json"),
            ))]
        #[patch($item)]
        pub async fn $update(
            req: HttpRequest,
            state: web::Data<AppState>,
            principal: Principal,
            id: web::Path<i64>,
            if_match: IfMatch,
            body: ValidJson<UpdateParty>,
        ) -> Result<HttpResponse, ApiError> {
            update_party(&req, &state, &principal, $kind, id.into_inner(), if_match, body.into_inner()).await
        }

        #[utoipa::path(operation_id = $put_id, tag = $tag,
            params(("external_ref" = String, Path, description = "The record's id in the CRM")),
            summary = $put_summary,
            description = "Creates (201) or replaces (200) the record with this external reference: how a CRM keeps records in sync. The same request twice changes nothing the second time; honors If-Match.",
            request_body = PartyInput,
            responses(
                (status = 200, description = "Replaced (or unchanged)", body = Party, headers(("ETag" = String))),
                (status = 201, description = "Created", body = Party, headers(("ETag" = String), ("Location" = String))),
                (status = 409, description = "A parallel request created it first; send again", body = crate::error::Problem, content_type = "application/problem+json"),
            ))]
        #[put($by_ref)]
        pub async fn $put(
            req: HttpRequest,
            state: web::Data<AppState>,
            principal: Principal,
            reference: web::Path<String>,
            if_match: IfMatch,
            body: ValidJson<PartyInput>,
        ) -> Result<HttpResponse, ApiError> {
            put_by_external_ref(&req, &state, &principal, $kind, reference.into_inner(), if_match, body.into_inner())
                .await
        }
    };
}

party_routes!(
    PartyKind::Customer,
    "customers",
    "/customers",
    "/customers/{id}",
    "/customers/by-external-ref/{external_ref}",
    create_customer,
    list_customers,
    get_customer,
    update_customer,
    put_customer_by_ref,
    "create_customer",
    "list_customers",
    "get_customer",
    "update_customer",
    "put_customer_by_external_ref",
    "Create a customer",
    "List customers",
    "Read a customer",
    "Change a customer",
    "Create or replace a customer by its CRM reference"
);

party_routes!(
    PartyKind::Vendor,
    "vendors",
    "/vendors",
    "/vendors/{id}",
    "/vendors/by-external-ref/{external_ref}",
    create_vendor,
    list_vendors,
    get_vendor,
    update_vendor,
    put_vendor_by_ref,
    "create_vendor",
    "list_vendors",
    "get_vendor",
    "update_vendor",
    "put_vendor_by_external_ref",
    "Create a vendor",
    "List vendors",
    "Read a vendor",
    "Change a vendor",
    "Create or replace a vendor by its CRM reference"
);

/// Finance's answer to the job desk's question about the customer a ticket names.
pub struct CustomersForTickets;

impl crate::tickets::customers::Customers for CustomersForTickets {
    fn active_customer(
        &self,
        conn: &mut crate::db::DbConn,
        id: i64,
    ) -> Result<Option<(String, Option<String>)>, ApiError> {
        Ok(repo::party(conn, PartyKind::Customer, id)?.filter(|c| c.active).map(|c| (c.name, c.email)))
    }
}
