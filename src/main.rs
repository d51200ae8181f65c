//! The `opsdesk` command line: serve, migrate, openapi, roles, users, demo, ledger verify.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use opsdesk::audit::Actor;
use opsdesk::auth::bootstrap;
use opsdesk::auth::roles::{Role, Roles};
use opsdesk::config::Config;
use opsdesk::db;

/// mimalloc instead of glibc malloc: under load glibc kept hundreds of MiB in per-thread arenas
/// after the load had gone, and malloc was a tenth of a request's CPU time (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "opsdesk", version, about = "One JSON/REST API for a company's back office", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (settings from the environment; see README).
    Serve,
    /// Apply pending migrations, or revert the latest with --down.
    Migrate {
        #[arg(long)]
        down: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print who may do what: the role matrix, as a Markdown table.
    Roles,
    /// Manage user accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Load a small sample company (idempotent: existing records are kept).
    Demo,
    /// The cost book.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Recompute every monthly rollup from the lines and report the differences (exit 1 if any).
    Verify,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        /// Repeat for several roles: admin, finance, hr, ops, agent, employee, auditor.
        #[arg(long = "role", required = true, value_parser = clap::value_parser!(RoleArg))]
        roles: Vec<RoleArg>,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Clone)]
struct RoleArg(Role);

impl std::str::FromStr for RoleArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse().map(RoleArg)
    }
}

fn init_logging(config: &Config) {
    opsdesk::logging::init(&config.log_filter, config.log_format);
}

fn open_migrated(config: &Config) -> Result<db::DbConn, String> {
    let mut conn = db::establish(&config.database_url).map_err(|e| format!("cannot open the database: {e}"))?;
    db::migrations::run_pending(&mut conn)?;
    Ok(conn)
}

/// The first admin's generated password, shown once by whichever command created the account.
fn tell_first_admin(first_admin: Option<(String, String)>) {
    if let Some((email, password)) = first_admin {
        println!("Created the first admin: {email} with password {password}");
        println!("This password is shown only once. Sign in and change it with POST /api/v1/auth/password.");
    }
}

/// Start-up (migrations, opening the books, SQLite's work behind them) allocates memory that the
/// service never needs again; both allocators keep freed memory for later unless told otherwise.
/// Handing it back to the operating system here keeps an idle node small.
fn release_start_up_memory() {
    // SAFETY: both calls only return free memory to the OS; neither touches live allocations.
    unsafe {
        libmimalloc_sys::mi_collect(true);
        libc::malloc_trim(0);
    }
}

fn serve(config: Config) -> Result<(), String> {
    init_logging(&config);
    let listener = TcpListener::bind(&config.bind).map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
    let (service, first_admin) = opsdesk::prepare(config)?;
    tell_first_admin(first_admin);
    release_start_up_memory();
    log::info!(
        "opsdesk listening on http://{} (docs at /docs)",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    actix_web::rt::System::new().block_on(async move {
        let server = opsdesk::start(service, listener)?;
        server.await.map_err(|e| format!("server stopped: {e}"))
    })
}

fn migrate(config: Config, down: bool) -> Result<(), String> {
    let mut conn = db::establish(&config.database_url).map_err(|e| format!("cannot open the database: {e}"))?;
    if down {
        let reverted = db::migrations::revert_last(&mut conn)?;
        println!("reverted {reverted}");
    } else {
        let applied = db::migrations::run_pending(&mut conn)?;
        if applied.is_empty() {
            println!("the database is up to date");
        }
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

fn create_user(config: Config, email: String, roles: Vec<RoleArg>, name: Option<String>) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    let mut conn = open_migrated(&config)?;
    let roles = Roles::new(roles.into_iter().map(|r| r.0).collect());
    let user = bootstrap::create_user(&mut conn, &email, &name, roles, password, &Actor::system("cli"))?;
    println!("created user {} ({})", user.id, user.email);
    Ok(())
}

fn demo(config: Config) -> Result<(), String> {
    let report = opsdesk::demo::run(config)?;
    tell_first_admin(report.first_admin.clone());
    if report.accounts.is_empty() {
        println!("This database holds the demo company already: nothing was added.");
        return Ok(());
    }
    for (email, role) in &report.accounts {
        println!("created {role:<8} {email}");
    }
    println!(
        "The demo company's year is written: {} API requests, {} tickets, {} invoices and bills.",
        report.requests, report.tickets, report.invoices
    );
    println!("Demo users sign in with the password {:?}.", opsdesk::demo::PASSWORD);
    Ok(())
}

fn verify_ledger(config: Config) -> Result<(), String> {
    let mut conn = open_migrated(&config)?;
    opsdesk::ledger::open_books(
        &mut conn,
        config.base_currency.code(),
        opsdesk::backfill::book_older_data,
        opsdesk::backfill::post_older_data,
    )
    .map_err(|e| e.to_string())?;
    let mut report = opsdesk::ledger::verify::run(&mut conn).map_err(|e| e.to_string())?;
    // The receivables and payables control accounts against the documents (aging's figures).
    report.differences.extend(opsdesk::invoices::reconcile(&mut conn).map_err(|e| e.to_string())?);
    // The stock ledger's monthly rollup (what the stock valuation reads) against its movements.
    let (stock_months, stock_differences) =
        opsdesk::inventory::verify::month_totals(&mut conn).map_err(|e| e.to_string())?;
    report.differences.extend(stock_differences);
    println!(
        "{} cost lines, {} rollup rows, {} lines without a base amount; general ledger: {} balance rows, \
         debits {} = credits {} (minor units); {} stock month rows",
        report.lines,
        report.rollup_rows,
        report.without_base,
        report.balance_rows,
        report.total_debit,
        report.total_credit,
        stock_months
    );
    if report.differences.is_empty() {
        println!("the rollups equal the lines, and the general ledger balances");
        return Ok(());
    }
    for difference in &report.differences {
        println!("{difference}");
    }
    Err(format!("{} differences found in the books", report.differences.len()))
}

/// Prints `text`; a closed pipe (`opsdesk openapi | head`) is the reader's choice, not an error.
fn print(text: &str) -> Result<(), String> {
    match writeln!(std::io::stdout(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Openapi => return print(&opsdesk::openapi_document().to_pretty_json().map_err(|e| e.to_string())?),
        Command::Roles => return print(opsdesk::role_matrix().trim_end()),
        _ => {}
    }
    let config = Config::from_env().map_err(|e| format!("configuration error: {e}"))?;
    match cli.command {
        Command::Serve => serve(config),
        Command::Migrate { down } => migrate(config, down),
        Command::Users { command: UsersCommand::Create { email, roles, name } } => {
            create_user(config, email, roles, name)
        }
        Command::Demo => demo(config),
        Command::Ledger { command: LedgerCommand::Verify } => verify_ledger(config),
        Command::Openapi | Command::Roles => Ok(()),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("opsdesk: {message}");
            ExitCode::FAILURE
        }
    }
}
