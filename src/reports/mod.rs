//! Reports that read the books across the pillars. Each report is one file with its handler.

pub mod balance_sheet;
mod books;
pub mod department_costs;
pub mod permissions;
pub mod profit_and_loss;
pub mod trial_balance;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(department_costs::department_costs)
        .service(trial_balance::trial_balance)
        .service(profit_and_loss::profit_and_loss)
        .service(balance_sheet::balance_sheet);
}
