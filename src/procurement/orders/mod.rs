//! Purchase orders: drafts, sending (the number and the budget commitment), receipts and returns,
//! closing and cancelling, and the match of the bills that cite their lines.

pub fn configure(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}
