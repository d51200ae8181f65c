//! The general ledger (see "The books" in DESIGN.md): a chart of accounts, a posting map from
//! each kind of event to its accounts, and balanced double-entry journal entries, posted by the
//! events themselves in their transactions ([`restate`]) and by finance (manual entries with an
//! approval step). Posted entries never change; a lock date closes periods. The statements
//! (`crate::reports`) read [`balances`].

pub mod chart;
pub mod entries;
pub mod model;
pub mod periods;
mod post;
mod read;
mod repo;

pub use model::{AccountRow, AccountType, LineDimensions, PostingLine};
pub use post::{
    account_for, check_open, control_amounts, event_line, history_batch_done, open_day, restate, skip_unpostable,
    standing_rate, EventSource, HISTORY_BATCH,
};
pub use read::{balances, beginning};
pub use repo::{all_accounts, all_balances, recomputed_balances, MonthBalance};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(chart::create)
        .service(chart::list)
        .service(chart::get)
        .service(chart::update)
        .service(chart::delete)
        .service(periods::account_ledger)
        .service(chart::posting_map)
        .service(chart::set_mapping)
        .service(entries::create)
        .service(entries::list)
        .service(entries::get)
        .service(entries::approve)
        .service(entries::reverse)
        .service(entries::delete)
        .service(periods::get_lock)
        .service(periods::set_lock);
}
