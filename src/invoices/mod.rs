//! Finance: customers and vendors, invoices receivable and payable, credit notes, payments,
//! billing the job desk's time, aging and customer profitability. finance and admin write;
//! auditor reads; others nothing.

pub mod api;
pub mod billing;
pub mod lifecycle;
pub mod lines;
pub mod model;
pub mod parties;
pub mod party_views;
pub mod payments;
pub mod permissions;
pub mod purchasing;
pub mod repo;
pub mod reports;
pub mod stock;
pub mod views;

pub use repo::parties::party;
/// Other modules read documents (invoices, bills, credit notes) and parties through these,
/// never through `repo`.
pub use repo::{cite_order_line, invoice, line as invoice_line, lines_of as invoice_lines, set_match_override};

/// Books the documents older than the cost book (once, at the first start after the upgrade).
/// Bulk import (`crate::imports`) records and changes customers and vendors through the
/// endpoints' own code.
pub use parties::{by_external_ref as party_by_external_ref, change as change_party, create as create_party};
pub use repo::{book_existing, post_existing_documents, post_existing_payments, reconcile};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // Fixed paths before the `{id}` ones that would otherwise take them.
    cfg.service(parties::put_customer_by_ref)
        .service(parties::create_customer)
        .service(parties::list_customers)
        .service(parties::get_customer)
        .service(parties::update_customer)
        .service(parties::put_vendor_by_ref)
        .service(parties::create_vendor)
        .service(parties::list_vendors)
        .service(parties::get_vendor)
        .service(parties::update_vendor)
        .service(billing::bill_time)
        .service(api::create)
        .service(api::list)
        .service(api::get)
        .service(api::update)
        .service(lifecycle::delete)
        .service(lifecycle::issue)
        .service(lifecycle::void)
        .service(payments::create)
        .service(payments::list)
        .service(payments::delete)
        .service(reports::receivables_aging)
        .service(reports::payables_aging)
        .service(reports::customer_profitability);
}
