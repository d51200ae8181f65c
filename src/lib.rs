//! opsdesk: one JSON/REST API for a company's back office. This crate root holds the module tree
//! and the application factory used by `main` and by the tests.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backfill;
pub mod budgets;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod demo;
pub mod employees;
pub mod error;
pub mod http;
pub mod imports;
pub mod inventory;
pub mod invoices;
pub mod ledger;
pub mod log_context;
pub mod logging;
pub mod money;
pub mod procurement;
pub mod reports;
pub mod state;
pub mod tickets;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::Hasher;
use crate::auth::tokens::{load_or_create_secret, TokenKeys};
use crate::config::Config;
use crate::http::fallback::RouteTable;
use crate::state::AppState;

/// Every route of the service. A module plugs in with one `.configure(...)` line here.
fn configure_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // Registered before the /api/v1 scope, which would otherwise take the path.
    cfg.map(|cfg| cfg.route("/api/v1/openapi.json", web::get().to(http::openapi::serve)));
    cfg.service(scope::scope("/health").configure(http::health::configure));
    cfg.configure(http::metrics::configure);
    cfg.service(
        scope::scope("/api/v1")
            .configure(auth::configure)
            .configure(webhooks::configure)
            .configure(employees::configure)
            .configure(tickets::configure)
            .configure(invoices::configure)
            .configure(inventory::configure)
            .configure(procurement::configure)
            .configure(budgets::configure)
            .configure(ledger::configure)
            .configure(reports::configure)
            .configure(attachments::configure)
            .configure(imports::configure)
            .wrap(from_fn(http::idempotency::middleware))
            .wrap(from_fn(auth::principal::middleware)),
    );
}

/// Who may do what, module by module, in the order the routes are registered: every
/// `permissions.rs`. The README's role matrix is this, rendered by `opsdesk roles`.
pub fn permissions() -> Vec<(&'static str, &'static [&'static auth::roles::Permission])> {
    vec![
        ("auth", auth::permissions::ALL),
        ("webhooks", webhooks::permissions::ALL),
        ("employees", employees::permissions::ALL),
        ("tickets", tickets::permissions::ALL),
        ("invoices", invoices::permissions::ALL),
        ("inventory", inventory::permissions::ALL),
        ("procurement", procurement::permissions::ALL),
        ("budgets", budgets::permissions::ALL),
        ("ledger", ledger::permissions::ALL),
        ("reports", reports::permissions::ALL),
        ("attachments", attachments::permissions::ALL),
        ("imports", imports::permissions::ALL),
    ]
}

/// The role matrix as a Markdown table (the README's "Who may do what").
pub fn role_matrix() -> String {
    auth::roles::matrix(&permissions())
}

fn routes_and_document() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    OpenApi,
) {
    let (app, mut doc) =
        App::new().into_utoipa_app().openapi(http::openapi::base()).configure(configure_routes).split_for_parts();
    http::openapi::finish(&mut doc);
    (app, doc)
}

/// The OpenAPI document, exactly as served at `/api/v1/openapi.json`.
pub fn openapi_document() -> OpenApi {
    routes_and_document().1
}

fn cors(config: &Config) -> Cors {
    let exposed =
        [header::ETAG, header::LOCATION, header::RETRY_AFTER, http::request_id::HEADER, http::idempotency::REPLAYED];
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            http::idempotency::HEADER,
            http::request_id::HEADER,
        ])
        .expose_headers(exposed)
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    cors
}

/// A prepared service: what its handlers reach (`AppState`) and identity's keys.
#[derive(Clone)]
pub struct Service {
    pub state: AppState,
    pub keys: auth::Keys,
}

/// The application: routes, documentation, fallbacks and middleware.
pub fn app(
    service: Service,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = routes_and_document();
    let route_table = RouteTable::from_openapi(&doc);
    let Service { state, keys } = service;
    let config = state.config.clone();
    // The foundation (`http`) reads the settings and the pool on their own; handlers take the state.
    let (settings, pool) = (web::Data::from(state.config.clone()), web::Data::new(state.pool.clone()));
    let metrics = web::Data::from(state.metrics.clone());
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(keys))
        .app_data(settings)
        .app_data(pool)
        .app_data(metrics)
        .app_data(web::Data::new(route_table))
        .app_data(web::Data::new(http::openapi::Document::new(&doc)))
        .app_data(web::QueryConfig::default().error_handler(http::fallback::query_error))
        .app_data(web::PathConfig::default().error_handler(http::fallback::path_error))
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
            }),
        )
        .default_service(web::to(http::fallback::not_found_or_method_not_allowed))
        .wrap(from_fn(http::timeout::middleware))
        .wrap(cors(&config))
        .wrap(from_fn(http::request_id::middleware))
        .wrap(from_fn(http::access::middleware))
}

/// Opens the database, applies migrations, loads the shared JWT key, creates the first admin on
/// an empty database and opens the books (booking data older than the cost book once). Returns the state and, when a password was generated, the admin's
/// email and password (to be printed once).
pub fn prepare(config: Config) -> Result<(Service, Option<(String, String)>), String> {
    // Budgets answer the cost book's question "does this spend break a budget?".
    ledger::guard::register(Box::new(budgets::exceed::BudgetGuard));
    // Finance answers inventory's questions about the bills stock is received against.
    inventory::bills::register(Box::new(invoices::stock::BillsForStock));
    // Procurement answers finance's questions about bills citing purchase orders.
    invoices::purchasing::register(Box::new(procurement::MatchForBills {
        price_tolerance: config.procurement.price_tolerance,
    }));
    // Procurement raises a draft purchase request when stock crosses an item's reorder point.
    inventory::reorder::register(Box::new(procurement::requests::low_stock::RaiseOnLowStock));
    // Finance answers the job desk's question about the customer a ticket names.
    tickets::customers::register(Box::new(invoices::parties::CustomersForTickets));
    let pool = db::connect_pool(&config.database_url, config.pool_size, config.pool_timeout, config.slow_query)?;
    let (secret, first_admin) = pool
        .with_connection(|conn| {
            db::migrations::run_pending(conn).map_err(error::ApiError::Internal)?;
            let secret =
                load_or_create_secret(conn, config.jwt_secret.as_deref()).map_err(error::ApiError::Internal)?;
            let first_admin = auth::bootstrap::ensure_first_admin(conn, &config).map_err(error::ApiError::Internal)?;
            ledger::open_books(
                conn,
                config.base_currency.code(),
                backfill::book_older_data,
                backfill::post_older_data,
            )?;
            Ok((secret, first_admin))
        })
        .map_err(|e| match e {
            error::ApiError::Internal(message) => message,
            other => other.to_string(),
        })?;
    let tokens = Arc::new(TokenKeys::new(&secret, &config));
    let hasher = Hasher::new(config.hash_concurrency, config.hash_queue_wait);
    let metrics = Arc::new(http::metrics::Metrics::new(vec![webhooks::queue_depth_gauge()]));
    let service =
        Service { state: AppState { config: Arc::new(config), pool, metrics }, keys: auth::Keys { tokens, hasher } };
    Ok((service, first_admin))
}

/// Starts serving on `listener` (bound by the caller, so tests can use port 0), and this node's
/// webhook dispatcher and import runner. Call it inside the actix system that runs the server:
/// they stop with it.
pub fn start(service: Service, listener: TcpListener) -> Result<Server, String> {
    webhooks::start(
        service.state.pool.clone(),
        service.state.config.webhooks.clone(),
        Arc::new(event_readers()),
        service.state.metrics.clone(),
    );
    imports::start(service.state.pool.clone(), service.state.config.imports.clone());
    http::server::serve(service.state.config.workers, listener, move || app(service.clone()))
}

/// Who may receive each entity's events by webhook: the permission that reads the entity in its
/// module (events of other entities need the audit log's). `attachment` is left out on purpose:
/// a file is as visible as its parent record, which no single permission describes (a ticket's
/// file for the ticket's readers, a person's for who sees their pay), so its events go only to
/// the audit log's readers rather than leak a file's name to someone who may not see its record.
pub fn event_readers() -> webhooks::Visibility {
    use auth::permissions as identity;
    webhooks::Visibility::new(
        &[
            ("user", &identity::READ_USERS),
            ("api_key", &identity::READ_EVERY_API_KEY),
            ("webhook", &webhooks::permissions::MANAGE_WEBHOOKS),
            ("department", &employees::permissions::READ_DIRECTORY),
            ("employee", &employees::permissions::SEE_EVERY_RECORD),
            ("compensation", &employees::permissions::SEE_EVERY_RECORD),
            ("desk", &tickets::permissions::SEE_EVERY_TICKET),
            ("ticket", &tickets::permissions::SEE_EVERY_TICKET),
            ("time_entry", &tickets::permissions::SEE_EVERY_COST),
            ("invoice", &invoices::permissions::READ_FINANCE),
            ("customer", &invoices::permissions::READ_FINANCE),
            ("vendor", &invoices::permissions::READ_FINANCE),
            ("payment", &invoices::permissions::READ_FINANCE),
            ("item", &inventory::permissions::READ_STOCK),
            ("location", &inventory::permissions::READ_STOCK),
            ("stock_movement", &inventory::permissions::READ_STOCK),
            ("purchase_request", &procurement::permissions::READ_PURCHASING),
            ("purchase_order", &procurement::permissions::READ_PURCHASING),
            ("budget", &budgets::permissions::READ_EVERY_BUDGET),
            ("exchange_rate", &ledger::permissions::READ_RATES),
            ("account", &ledger::permissions::READ_BOOKS),
            ("posting_map", &ledger::permissions::READ_BOOKS),
            ("journal_entry", &ledger::permissions::READ_BOOKS),
            ("books", &ledger::permissions::READ_BOOKS),
        ],
        &identity::READ_AUDIT_LOG,
    )
}
