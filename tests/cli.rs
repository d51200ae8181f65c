//! The command line: version, configuration errors, migrations up and down, user creation.

use std::io::Write;
use std::process::{Command, Stdio};

fn opsdesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_opsdesk"));
    command.env_remove("DATABASE_URL").env_remove("OPSDESK_BIND").env_remove("OPSDESK_JWT_SECRET");
    command
}

fn temp_db(name: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("opsdesk-cli-{}-{name}-{}.db", std::process::id(), rand::random::<u32>()));
    path.to_string_lossy().to_string()
}

#[test]
fn version_and_help() {
    let version = opsdesk().arg("--version").output().unwrap();
    assert!(version.status.success());
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("opsdesk {}", env!("CARGO_PKG_VERSION")));
    let help = opsdesk().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for command in ["serve", "migrate", "openapi", "users", "demo"] {
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
    let db = temp_db("migrate");
    let up = opsdesk().args(["migrate"]).env("DATABASE_URL", &db).output().unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    assert!(String::from_utf8_lossy(&up.stdout).contains("applied"));
    let down = opsdesk().args(["migrate", "--down"]).env("DATABASE_URL", &db).output().unwrap();
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    assert!(String::from_utf8_lossy(&down.stdout).contains("reverted"));
    let again = opsdesk().args(["migrate"]).env("DATABASE_URL", &db).output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied"), "up again after down");
    let _ = std::fs::remove_file(&db);
}

#[test]
fn users_create_reads_the_password_from_stdin() {
    let db = temp_db("users");
    let create = |email: &str, password: &str| {
        let mut child = opsdesk()
            .args(["users", "create", "--email", email, "--role", "finance", "--role", "auditor"])
            .env("DATABASE_URL", &db)
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
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    let _ = std::fs::remove_file(&db);
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
    use diesel::{Connection, RunQueryDsl};
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let name = format!("opsdesk_cli_{}_{}", std::process::id(), rand::random::<u32>());
    let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    for (args, expected) in
        [(vec!["migrate"], "applied"), (vec!["migrate", "--down"], "reverted"), (vec!["migrate"], "applied")]
    {
        let output = opsdesk().args(&args).env("DATABASE_URL", &url).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains(expected), "{args:?}");
    }
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).unwrap();
}

#[test]
fn demo_is_idempotent_and_the_first_start_still_creates_an_admin() {
    let db = temp_db("demo");
    let first = opsdesk().arg("demo").env("DATABASE_URL", &db).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("5 departments and 25 employees added"));
    let again = opsdesk().arg("demo").env("DATABASE_URL", &db).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 departments and 0 employees added"));

    let mut config = opsdesk::config::Config::from_env().unwrap();
    config.database_url = db.clone();
    config.admin_email = None;
    config.admin_password = None;
    let (_, first_admin) = opsdesk::prepare(config).unwrap();
    let (email, password) = first_admin.expect("an admin is created although demo users exist");
    assert_eq!(email, "admin@opsdesk.local");
    assert!(password.len() >= 20);
    let _ = std::fs::remove_file(&db);
}
