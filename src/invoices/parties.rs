//! `/api/v1/customers` and `/api/v1/vendors`: the parties invoices are for. finance and admin
//! write; auditor reads; others nothing. A CRM keeps customers in sync with
//! `PUT /customers/by-external-ref/{ref}` (create or update) and `updated_since`. One set of
//! handlers serves both kinds (`party_routes!`); their request and response types and the checks
//! of what is sent are in `party_views.rs`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};

use super::model::PartyKind;
use super::party_views::{email, external_ref, fields_of, markup, rate, terms, text};
use super::permissions;
use super::repo::parties::{self as repo, PartyFields, PartyFilter};
use crate::audit::{self, Actor};
use crate::auth::principal::Principal;
use crate::auth::users::model::normalize_name;
use crate::db::{self, DbConn};
use crate::error::{ApiError, Validator};
use crate::http::etag::{created_response, entity_response, IfMatch};
use crate::http::json::ValidJson;
use crate::http::listing::Listing;
use crate::http::pagination::{Page, PageQuery};
use crate::http::reply::{self, Reply};
use crate::money::Currency;
use crate::state::AppState;

pub use super::party_views::{Party, PartyInput, PartyListQuery, UpdateParty};

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

/// The party of `kind` with this external reference, if any.
pub fn by_external_ref(conn: &mut DbConn, kind: PartyKind, reference: &str) -> Result<Option<Party>, ApiError> {
    Ok(repo::by_external_ref(conn, kind, reference)?.map(|row| Party::from_row(&row)))
}

/// Records a party: the checks and the write behind `POST /customers` and `POST /vendors`, also
/// used by bulk import (`crate::imports`) so an imported row meets the same rules and writes the
/// same audit event. Run it in a write transaction.
pub fn create(conn: &mut DbConn, actor: &Actor, kind: PartyKind, input: PartyInput) -> Result<Party, ApiError> {
    let mut v = Validator::new();
    let fields = fields_of(&mut v, kind, input, None);
    v.finish()?;
    if let Some(reference) = &fields.external_ref {
        if repo::by_external_ref(conn, kind, reference)?.is_some() {
            return Err(conflict_on_ref(kind, &fields));
        }
    }
    let row = repo::insert(conn, kind, &fields)?;
    let party = Party::from_row(&row);
    audit::record(conn, actor, &format!("{}.created", kind.as_str()), entity(kind), row.id, None, Some(&party))?;
    Ok(party)
}

async fn create_party(
    req: &HttpRequest,
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    input: PartyInput,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::WRITE_FINANCE)?;
    let actor = principal.actor();
    reply::commit(req, &state.pool, move |conn| {
        let party = create(conn, &actor, kind, input)?;
        Reply::created(&party, party.version, &location(kind, party.id))
    })
    .await
}

async fn list_parties(
    state: &AppState,
    principal: &Principal,
    kind: PartyKind,
    listing: Listing,
    query: PartyListQuery,
) -> Result<HttpResponse, ApiError> {
    principal.require(&permissions::READ_FINANCE)?;
    let mut v = Validator::new();
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        v.query_error("q", "must be at most 200 characters long");
    }
    v.finish()?;
    let q = query.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    // A search with nothing to search for finds nothing (one empty page, or a header-only CSV).
    let nothing = q.as_deref().is_some_and(|q| db::searchable(q).is_none());
    let filter = PartyFilter { active: query.active, q, updated_since: listing.page.updated_since };
    listing
        .answer(&state.pool, &format!("{}s", kind.as_str()), move |conn, page| {
            if nothing {
                return Ok(Page::<Party> { items: Vec::new(), next_cursor: None });
            }
            let rows = repo::list(conn, kind, &filter, page.after, page.limit)?;
            Ok(Page::from_rows(rows, page.limit, |r| r.id, |r| Party::from_row(&r)))
        })
        .await
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

/// Changes a party: the checks and the write behind `PATCH /customers/{id}` and
/// `PATCH /vendors/{id}` (only the fields sent change), also used by bulk import. Run it in a
/// write transaction.
pub fn change(
    conn: &mut DbConn,
    actor: &Actor,
    kind: PartyKind,
    id: i64,
    if_match: &IfMatch,
    input: UpdateParty,
) -> Result<Party, ApiError> {
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
    audit::record(conn, actor, &format!("{}.updated", kind.as_str()), entity(kind), id, Some(&before), Some(&after))?;
    Ok(after)
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
    let actor = principal.actor();
    let party = db::run_write(&state.pool, move |conn| change(conn, &actor, kind, id, &if_match, input)).await?;
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
            listing: Listing,
            query: web::Query<PartyListQuery>,
        ) -> Result<HttpResponse, ApiError> {
            list_parties(&state, &principal, $kind, listing, query.into_inner()).await
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
