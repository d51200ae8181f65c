//! Purchase orders: drafts (`draft.rs`), sending, closing and cancelling with the budget
//! commitment (`lifecycle.rs`), goods received against them (`receipts.rs`), bills citing their
//! lines and the three-way match (`matching.rs`), and vendor performance (`vendors.rs`).

pub mod draft;
pub mod lifecycle;
pub mod matching;
pub mod receipts;
pub mod repo;
pub mod vendors;
pub mod views;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(draft::create)
        .service(draft::list)
        .service(draft::get)
        .service(draft::update)
        .service(draft::remove)
        .service(lifecycle::send)
        .service(lifecycle::cancel)
        .service(lifecycle::close)
        .service(receipts::receive)
        .service(receipts::return_goods)
        .service(receipts::list)
        .service(matching::link_bill)
        .service(vendors::report);
}
