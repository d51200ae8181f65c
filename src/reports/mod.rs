//! Reports that read the books across the pillars. Each report is one file with its handler.

pub mod department_costs;
pub mod permissions;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(department_costs::department_costs);
}
