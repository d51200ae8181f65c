//! The OpenAPI 3.1 document. Paths come from the `#[utoipa::path]` attributes on the handlers
//! (collected by utoipa-actix-web as the routes are registered); [`finish`] then adds, in one
//! place, what every operation shares: the problem+json error responses, the bearer security,
//! and the `Idempotency-Key` and `If-Match` headers.

use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Required, Type};
use utoipa::OpenApi as _;

use crate::error::PROBLEM_JSON;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "opsdesk",
        description = "One JSON/REST API for a company's back office: job desks, people, money and stock.\n\n\
            Conventions: JSON in snake_case; money as decimal strings beside a currency; lists page with \
            `limit`, `cursor` and `updated_since` and answer `{items, next_cursor}`; every versioned \
            resource answers with a strong `ETag` and honors `If-Match` (412 on mismatch); every \
            authenticated POST accepts an `Idempotency-Key`; every error is RFC 9457 \
            `application/problem+json`.\n\n\
            Limits: amounts and quantities are below 10^13 in major units (at most 13 digits before \
            the point), and so is every amount the server computes from them; dates lie in \
            1900-01-01..9999-12-31 and times in 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z. Anything \
            outside is 422 naming the field. A JSON object that names a key twice is 400.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers(
        (url = "/", description = "The server that serves this document"),
        (url = "http://127.0.0.1:8080", description = "`opsdesk serve` on its default address"),
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Signing in, tokens and the caller's own account"),
        (name = "users", description = "User accounts and their roles (admin)"),
        (name = "api-keys", description = "API keys for integrations and scripts"),
        (name = "audit", description = "The change feed and the audit log"),
        (name = "employees", description = "People: records, status lifecycle, reporting lines and dated pay"),
        (name = "departments", description = "Departments (cost centres) and the headcount and labour-rate report"),
        (name = "desks", description = "Job desks: where work arrives, their SLA policies and members"),
        (name = "tickets", description = "Tickets: the workflow, comments, SLA clocks and the desk report"),
        (name = "time-entries", description = "Time worked on tickets, costed at the employee's rate on the work date"),
        (name = "customers", description = "Customers: who is invoiced; kept in sync with a CRM by external reference"),
        (name = "vendors", description = "Vendors: who sends bills"),
        (name = "budgets", description = "Budgets: plan vs actual per department, revisions, forecast"),
        (name = "inventory", description = "Items, locations, the stock ledger, valuation and reorder"),
        (name = "invoices", description = "Invoices receivable and payable, credit notes, payments, billing desk time, aging and profitability"),
        (name = "procurement", description = "Purchase requests and orders, receipts against them and the three-way match of bills"),
    )
)]
struct ApiDoc;

pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

/// Shared responses, referenced by name from each operation.
const SHARED_RESPONSES: [(&str, &str); 10] = [
    ("BadRequest", "Malformed request: the body is not JSON, or a query parameter does not parse"),
    ("Unauthorized", "No credentials, or invalid, expired or revoked ones"),
    ("Forbidden", "The caller's roles do not allow this operation"),
    ("NotFound", "No such resource, or not one the caller may see"),
    ("Conflict", "The request conflicts with the current state (or an Idempotency-Key is in use)"),
    ("PreconditionFailed", "If-Match does not name the current version"),
    ("PayloadTooLarge", "The body is larger than the configured limit"),
    ("UnsupportedMediaType", "The body is not sent as application/json"),
    ("Unprocessable", "Invalid input; `errors` lists each field with a JSON pointer"),
    ("Unavailable", "Temporarily unavailable (database unreachable or busy, or overloaded); see Retry-After"),
];

const IF_MATCH: &str = "If-Match";
const IF_MATCH_DESCRIPTION: &str = "The ETag last read; the change is refused with 412 if the resource changed since.";

fn is_public(operation: &Operation) -> bool {
    operation
        .security
        .as_ref()
        .is_some_and(|requirements| requirements.iter().all(|r| *r == SecurityRequirement::default()))
}

fn add(operation: &mut Operation, status: &str, shared: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{shared}"))));
}

fn header_parameter(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
        .build()
}

fn complete_operation(path: &str, method: HttpMethod, operation: &mut Operation) {
    let secured = !is_public(operation);
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if has_body || has_parameters {
        add(operation, "400", "BadRequest");
        add(operation, "422", "Unprocessable");
    }
    if secured {
        add(operation, "401", "Unauthorized");
        add(operation, "403", "Forbidden");
    }
    if path.contains('{') {
        add(operation, "404", "NotFound");
    }
    if has_body {
        add(operation, "413", "PayloadTooLarge");
        add(operation, "415", "UnsupportedMediaType");
    }
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    match method {
        HttpMethod::Post if secured => {
            parameters.push(header_parameter(
                "Idempotency-Key",
                "Makes a retry safe: the first response is kept for 24 hours and replayed (with \
                 Idempotent-Replayed: true) to a request with the same key and body.",
            ));
            add(operation, "409", "Conflict");
            add(operation, "422", "Unprocessable");
        }
        HttpMethod::Patch | HttpMethod::Put | HttpMethod::Delete => {
            parameters.push(header_parameter(IF_MATCH, IF_MATCH_DESCRIPTION));
            add(operation, "400", "BadRequest");
            add(operation, "422", "Unprocessable");
        }
        _ => {}
    }
    // Actions on a state machine (POST …/transitions and the like) declare If-Match themselves;
    // every If-Match is documented the same way.
    if let Some(parameters) = operation.parameters.as_mut() {
        if let Some(declared) = parameters.iter_mut().find(|p| p.name == IF_MATCH) {
            *declared = header_parameter(IF_MATCH, IF_MATCH_DESCRIPTION);
            add(operation, "412", "PreconditionFailed");
            add(operation, "422", "Unprocessable");
        }
    }
    if operation.parameters.as_ref().is_some_and(Vec::is_empty) {
        operation.parameters = None;
    }
    add(operation, "503", "Unavailable");
}

/// Completes the generated document: shared responses, security, common headers.
pub fn finish(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, description) in SHARED_RESPONSES {
        components.responses.insert(name.to_string(), RefOr::T(problem(description)));
    }
    components.security_schemes.insert(
        "bearer".to_string(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT access token or opsdesk API key")
                .description(Some("An access token from POST /api/v1/auth/login, or an API key (odk_…)."))
                .build(),
        ),
    );
    components.security_schemes.insert(
        "metrics_token".to_string(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The node's OPSDESK_METRICS_TOKEN (GET /metrics only)."))
                .build(),
        ),
    );
    doc.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ] {
            if let Some(operation) = operation {
                complete_operation(path, method, operation);
            }
        }
    }
    refine(doc);
}

/// What the generated schemas cannot say by themselves, added to the whole document in one pass:
/// - every `date` and `date-time` carries the calendar the server accepts (`crate::dates`) as a
///   pattern, so generated clients and fuzzers know that 1899 or year +262142 is refused;
/// - a page of `T` (`Page_T`) refers to `T`'s schema instead of a copy of it, so a generated
///   client has one `Ticket` type for a ticket read alone and in a list.
fn refine(doc: &mut OpenApi) {
    fn add_calendar(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                let pattern = match map.get("format").and_then(|f| f.as_str()) {
                    Some("date") => Some(crate::dates::DATE_PATTERN),
                    Some("date-time") => Some(crate::dates::TIMESTAMP_PATTERN),
                    _ => None,
                };
                if let Some(pattern) = pattern {
                    map.entry("pattern").or_insert_with(|| pattern.into());
                }
                map.values_mut().for_each(add_calendar);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(add_calendar),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(&*doc) else { return };
    add_calendar(&mut value);
    if let Some(schemas) = value.pointer_mut("/components/schemas").and_then(|s| s.as_object_mut()) {
        let pages: Vec<String> = schemas.keys().filter(|k| k.starts_with("Page_")).cloned().collect();
        for page in pages {
            let item = page.trim_start_matches("Page_").to_string();
            let Some(item_schema) = schemas.get(&item).cloned() else { continue };
            if let Some(items) = schemas.get_mut(&page).and_then(|p| p.pointer_mut("/properties/items/items")) {
                if *items == item_schema {
                    *items = serde_json::json!({"$ref": format!("#/components/schemas/{item}")});
                }
            }
        }
    }
    offer_csv(&mut value);
    match serde_json::from_value(value) {
        Ok(refined) => *doc = refined,
        Err(e) => log::error!("the OpenAPI document could not be refined: {e}"),
    }
}

/// Every operation with a `format` query parameter (each list through `PageQuery`, each report
/// through `FormatQuery`) answers its 200 as `text/csv` too: say so, so that generated clients
/// and fuzzers know the second media type.
fn offer_csv(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    for operation in paths.values_mut().filter_map(|item| item.get_mut("get")) {
        let has_format = operation
            .get("parameters")
            .and_then(|p| p.as_array())
            .is_some_and(|params| params.iter().any(|p| p["name"] == "format" && p["in"] == "query"));
        if !has_format {
            continue;
        }
        if let Some(content) = operation.pointer_mut("/responses/200/content").and_then(|c| c.as_object_mut()) {
            content
                .entry("text/csv")
                .or_insert_with(|| serde_json::json!({"schema": {"type": "string", "description": "RFC 4180 CSV: a header row of the JSON field names (nested objects as dotted names), then every row"}}));
        }
    }
}

/// The document as served, rendered once at start-up.
pub struct Document(String);

impl Document {
    pub fn new(doc: &OpenApi) -> Document {
        Document(doc.to_pretty_json().unwrap_or_default())
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn serve(document: actix_web::web::Data<Document>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("application/json").body(document.0.clone())
}
