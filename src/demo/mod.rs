//! `opsdesk demo`: a small sample company with a year of history, made through the API.
//!
//! The demo's accounts are created the way `opsdesk users create` makes accounts (validated,
//! audited as `system:demo`); everything else is a request to the real application, in-process,
//! signed in as the person who would do it: hr hires, ops sets up the desks and the stock room,
//! agents open and work tickets, finance invoices and pays. The clock is set back to each moment
//! of the story (`crate::clock`), so the audit log, the change feed, SLA clocks and the books
//! hold a believable year. Nothing is added to a database that holds the demo company already.

mod client;
mod data;
mod story;

use crate::audit::Actor;
use crate::auth::bootstrap;
use crate::auth::roles::{Role, Roles};
use crate::config::Config;

/// The password of every demo account.
pub const PASSWORD: &str = "demo-password-2026";

/// What the demo made, to be told to whoever ran it.
pub struct Report {
    /// The first admin, when the database had none (as `serve` creates it) and its password was
    /// generated: to be shown once.
    pub first_admin: Option<(String, String)>,
    pub accounts: Vec<(String, String)>,
    pub requests: usize,
    pub tickets: usize,
    pub invoices: usize,
}

fn role_of(name: &str) -> Result<Role, String> {
    name.parse().map_err(|_| format!("the demo names an unknown role {name:?}"))
}

/// Makes the demo company in the database `config` names (migrating it first).
pub fn run(config: Config) -> Result<Report, String> {
    let (service, first_admin) = crate::prepare(config)?;
    let actor = Actor::system("demo");
    let mut accounts: Vec<(String, String, Role)> = data::PEOPLE
        .iter()
        .filter_map(|p| {
            let email = story::account_of(p)?;
            let role = p.account.map(|(role, _)| role).unwrap_or("employee");
            Some((email, format!("{} {}", p.first, p.last), role))
        })
        .map(|(email, name, role)| role_of(role).map(|role| (email, name, role)))
        .collect::<Result<_, _>>()?;
    accounts.push((data::AUDITOR.0.to_string(), data::AUDITOR.1.to_string(), Role::Auditor));
    let exists = service
        .state
        .pool
        .with_connection(|conn| Ok(crate::auth::users::find_by_email(conn, &accounts[0].0)?.is_some()))
        .map_err(|e| e.to_string())?;
    if exists {
        return Ok(Report { first_admin, accounts: Vec::new(), requests: 0, tickets: 0, invoices: 0 });
    }
    service
        .state
        .pool
        .with_connection(|conn| {
            for (email, name, role) in &accounts {
                bootstrap::create_user(conn, email, name, Roles::new(vec![*role]), PASSWORD, &actor)
                    .map_err(crate::error::ApiError::Internal)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;

    let told = actix_web::rt::System::new().block_on(async {
        let client = client::Client::new(service.clone()).await;
        let mut tokens = story::Tokens::new();
        for (email, _, _) in &accounts {
            tokens.insert(email.clone(), client.sign_in(email, PASSWORD).await?);
        }
        story::tell(&client, &tokens).await
    });
    crate::clock::reset();
    let summary = told.map_err(|refusal| format!("the demo stopped: {refusal}"))?;
    Ok(Report {
        first_admin,
        accounts: accounts.into_iter().map(|(email, _, role)| (email, role.to_string())).collect(),
        requests: summary.requests,
        tickets: summary.tickets,
        invoices: summary.invoices,
    })
}
