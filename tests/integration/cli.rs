//! The command line: version, configuration errors, migrations up and down, user creation.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{connect, Backend, FreshDatabase};
use opsdesk::db::DbConn;

fn opsdesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_opsdesk"));
    command.env_remove("DATABASE_URL").env_remove("OPSDESK_BIND").env_remove("OPSDESK_JWT_SECRET");
    command
}

#[test]
fn version_and_help() {
    let version = opsdesk().arg("--version").output().unwrap();
    assert!(version.status.success());
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("opsdesk {}", env!("CARGO_PKG_VERSION")));
    let help = opsdesk().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for command in ["serve", "migrate", "openapi", "users", "demo", "ledger"] {
        assert!(help.contains(command), "--help lists {command}");
    }
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    for (name, value) in [
        ("OPSDESK_BIND", "not-an-address"),
        ("OPSDESK_POOL_SIZE", "0"),
        ("OPSDESK_JWT_SECRET", "short"),
        ("OPSDESK_ACCESS_TOKEN_TTL_SECS", "soon"),
    ] {
        let output = opsdesk().arg("serve").env(name, value).output().unwrap();
        assert!(!output.status.success(), "{name}={value} must stop start-up");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "one line, no backtrace: {stderr}");
        assert!(stderr.contains(name), "the line names {name}: {stderr}");
    }
}

#[test]
fn migrations_go_down_and_up_again() {
    let db = FreshDatabase::new(Backend::Sqlite);
    let up = opsdesk().args(["migrate"]).env("DATABASE_URL", &db.url).output().unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    assert!(String::from_utf8_lossy(&up.stdout).contains("applied"));
    let down = opsdesk().args(["migrate", "--down"]).env("DATABASE_URL", &db.url).output().unwrap();
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    assert!(String::from_utf8_lossy(&down.stdout).contains("reverted"));
    let again = opsdesk().args(["migrate"]).env("DATABASE_URL", &db.url).output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied"), "up again after down");
}

#[test]
fn users_create_reads_the_password_from_stdin() {
    let db = FreshDatabase::new(Backend::Sqlite);
    let create = |email: &str, password: &str| {
        let mut child = opsdesk()
            .args(["users", "create", "--email", email, "--role", "finance", "--role", "auditor"])
            .env("DATABASE_URL", &db.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = create("Fiona@Example.com", "a long enough password");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("fiona@example.com"));
    let weak = create("gus@example.com", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let bad_role = opsdesk()
        .args(["users", "create", "--email", "x@example.com", "--role", "wizard"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
}

#[test]
fn openapi_prints_the_document() {
    let output = opsdesk().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(doc["paths"]["/api/v1/users"].is_object());
}

#[test]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
fn migrations_go_down_and_up_again_on_postgres() {
    let database = FreshDatabase::new(Backend::Postgres);
    for (args, expected) in
        [(vec!["migrate"], "applied"), (vec!["migrate", "--down"], "reverted"), (vec!["migrate"], "applied")]
    {
        let output = opsdesk().args(&args).env("DATABASE_URL", &database.url).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains(expected), "{args:?}");
    }
}

/// The demo company is made through the API: its history is in the audit log like any work done
/// there (ticket 1's history once was empty); the first admin is created as `serve` would, once;
/// a second run adds nothing.
fn demo_goes_through_the_api(url: &str) {
    use diesel::RunQueryDsl;
    let first = opsdesk().arg("demo").env("DATABASE_URL", url).env_remove("OPSDESK_ADMIN_PASSWORD").output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let said = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(said.contains("Created the first admin: admin@opsdesk.local with password"), "{said}");
    assert!(said.contains("304 tickets"), "{said}");
    let again = opsdesk().arg("demo").env("DATABASE_URL", url).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let again = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(again.contains("nothing was added") && !again.contains("Created the first admin"), "{again}");

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let counts = [
        "SELECT COUNT(*) AS n FROM audit_events",
        "SELECT COUNT(*) AS n FROM audit_events WHERE entity_type = 'ticket' AND entity_id = 1",
        "SELECT COUNT(*) AS n FROM invoice_lines WHERE unit = 'min'",
        "SELECT COUNT(*) AS n FROM time_entries t JOIN employees e ON e.id = t.employee_id JOIN users u ON u.id = e.user_id WHERE u.email = 'employee@demo.opsdesk.local'",
        "SELECT COUNT(*) AS n FROM tickets t JOIN employees e ON e.id = t.assignee_id JOIN users u ON u.id = e.user_id WHERE u.email = 'agent@demo.opsdesk.local' AND t.status IN ('new', 'open', 'pending')",
        "SELECT COUNT(*) AS n FROM items WHERE below_reorder",
        "SELECT COUNT(*) AS n FROM users WHERE roles LIKE '%admin%'",
        "SELECT COUNT(DISTINCT t.id) AS n FROM tickets t JOIN time_entries e ON e.ticket_id = t.id \
         WHERE t.requester_customer_id IS NOT NULL AND e.billable",
        "SELECT COUNT(*) AS n FROM stock_movements m JOIN tickets t ON t.id = m.ticket_id \
         WHERE t.requester_customer_id IS NOT NULL AND m.kind = 'issue'",
        "SELECT COUNT(*) AS n FROM items WHERE unit = 'pcs' AND on_hand % 1000 <> 0",
        "SELECT COUNT(*) AS n FROM purchase_orders WHERE status = 'received' AND received_on > expected_on",
        "SELECT COUNT(*) AS n FROM invoice_lines WHERE purchase_order_line_id IS NOT NULL",
        "SELECT COUNT(*) AS n FROM purchase_orders WHERE status = 'sent'",
        "SELECT COUNT(*) AS n FROM purchase_requests WHERE low_stock_item_id IS NOT NULL AND status = 'draft'",
    ];
    let found: Vec<i64> = counts
        .iter()
        .map(|sql| {
            let rows: Vec<Count> = match &mut connect(url) {
                DbConn::Pg(conn) => diesel::sql_query(*sql).load(conn).unwrap(),
                DbConn::Sqlite(conn) => diesel::sql_query(*sql).load(conn).unwrap(),
            };
            rows[0].n
        })
        .collect();
    assert!(found[0] > 2000, "the audit log holds the demo's year: {found:?}");
    assert!(found[1] >= 2, "ticket 1 has a history: {found:?}");
    assert!(found[2] > 0, "some invoices bill desk time: {found:?}");
    assert!(found[3] > 0, "the demo employee has time entries: {found:?}");
    assert!(found[4] >= 3, "the demo agent has work in hand: {found:?}");
    assert!((1..=2).contains(&found[5]), "a few items below their reorder point, most above: {found:?}");
    assert_eq!(found[6], 1, "one admin, created once: {found:?}");
    assert!(found[7] >= 10, "customers' tickets carry billable time: {found:?}");
    assert!(found[8] > 0, "parts go to customers' tickets (profitability shows them): {found:?}");
    assert_eq!(found[9], 0, "items counted in pieces hold whole pieces: {found:?}");
    assert_eq!(found[10], 2, "a quarter of purchasing: one vendor delivered late twice: {found:?}");
    assert_eq!(found[11], 5, "five orders billed, each bill citing its order: {found:?}");
    assert_eq!(found[12], 1, "the last order is on its way (its money committed): {found:?}");
    assert_eq!(found[13], found[5], "each item below its reorder point has a draft request: {found:?}");

    // The demo's money is in the cost book, and its rollups equal its lines.
    let verify = || opsdesk().args(["ledger", "verify"]).env("DATABASE_URL", url).output().unwrap();
    let checked = verify();
    let said = String::from_utf8_lossy(&checked.stdout).to_string();
    assert!(checked.status.success() && said.contains("the rollups equal the lines"), "{said}");
    let lines: i64 = said.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(lines > 500, "the demo's year booked: {said}");
    // A rollup that no longer equals its lines is named, and the check fails.
    // So is an open balance today's aging reads that no longer equals its invoices.
    for spoil in [
        "UPDATE cost_rollups SET amount = amount + 1 WHERE dimension = 'department' AND kind = 'labour'",
        "UPDATE open_balances SET amount = amount + 1 WHERE kind = 'receivable'",
    ] {
        match &mut connect(url) {
            DbConn::Pg(conn) => assert!(diesel::sql_query(spoil).execute(conn).unwrap() > 0, "{spoil}"),
            DbConn::Sqlite(conn) => assert!(diesel::sql_query(spoil).execute(conn).unwrap() > 0, "{spoil}"),
        };
    }
    let spoiled = verify();
    let said = String::from_utf8_lossy(&spoiled.stdout).to_string();
    assert!(!spoiled.status.success(), "{said}");
    assert!(said.contains("rollup department") && said.contains("labour"), "{said}");
    assert!(said.contains("open receivable balance of party"), "{said}");
    // The base currency is the books' own once amounts are booked in it.
    let other = opsdesk()
        .args(["ledger", "verify"])
        .env("DATABASE_URL", url)
        .env("OPSDESK_BASE_CURRENCY", "USD")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr).to_string();
    assert!(!other.status.success() && stderr.contains("books are kept in EUR"), "{stderr}");
}

#[test]
fn demo_goes_through_the_api_on_sqlite() {
    demo_goes_through_the_api(&FreshDatabase::new(Backend::Sqlite).url);
}

#[test]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
fn demo_goes_through_the_api_on_postgres() {
    demo_goes_through_the_api(&FreshDatabase::new(Backend::Postgres).url);
}
