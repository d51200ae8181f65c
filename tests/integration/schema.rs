//! The database's shape: the two migration folders (one per backend) hold the same versions, and
//! `src/db/schema.rs`, which is maintained by hand for both backends (diesel.toml), says what the
//! migrated database holds: every table it declares, with the same columns, the same nullability
//! and the same primary key. Tables that only the database has (Diesel's list of migrations,
//! SQLite's full-text indexes, which opsdesk queries with SQL) are not compared.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use diesel::sql_types::{Integer, Text};
use diesel::RunQueryDsl;
use opsdesk::db::DbConn;

use crate::common::{connect, Backend, FreshDatabase};

/// The names of the folders in `migrations/{backend}`, each checked to hold up.sql and down.sql.
fn migration_versions(backend: &str) -> BTreeSet<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let mut versions = BTreeSet::new();
    for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let path = entry.expect("directory entry").path();
        assert!(path.is_dir(), "{}: a migration folder holds only folders", path.display());
        for script in ["up.sql", "down.sql"] {
            assert!(path.join(script).is_file(), "{} has no {script}", path.display());
        }
        versions.insert(path.file_name().expect("folder name").to_string_lossy().to_string());
    }
    versions
}

#[test]
fn both_migration_folders_hold_the_same_versions() {
    let sqlite = migration_versions("sqlite");
    let postgres = migration_versions("postgres");
    assert!(!sqlite.is_empty(), "migrations/sqlite holds migrations");
    assert_eq!(
        sqlite.difference(&postgres).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "versions in migrations/sqlite only"
    );
    assert_eq!(
        postgres.difference(&sqlite).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "versions in migrations/postgres only"
    );
}

/// A column as schema.rs or the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    nullable: bool,
    primary_key: bool,
}

type Tables = BTreeMap<String, BTreeMap<String, Column>>;

/// The tables that src/db/schema.rs declares, read line by line from its `diesel::table!` blocks:
///
/// ```text
/// diesel::table! {
///     name (key, other_key) {
///         column -> Nullable<Text>,
///     }
/// }
/// ```
fn declared_tables() -> Tables {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut tables = Tables::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let head = lines.next().expect("a table! block names its table");
        let (name, keys) = head
            .strip_suffix('{')
            .and_then(|h| h.trim().strip_suffix(')'))
            .and_then(|h| h.split_once('('))
            .unwrap_or_else(|| panic!("schema.rs: expected `name (key) {{`, found `{head}`"));
        let keys: BTreeSet<&str> = keys.split(',').map(str::trim).collect();
        let mut columns = BTreeMap::new();
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            if line.starts_with("//") {
                continue;
            }
            let (column, sql_type) = line
                .strip_suffix(',')
                .and_then(|l| l.split_once("->"))
                .unwrap_or_else(|| panic!("schema.rs, table {name}: expected `column -> Type,`, found `{line}`"));
            let column = column.trim();
            let sql_type = sql_type.trim();
            columns.insert(
                column.to_string(),
                Column { nullable: sql_type.starts_with("Nullable<"), primary_key: keys.contains(column) },
            );
        }
        assert!(!columns.is_empty(), "schema.rs, table {name}: no columns read");
        tables.insert(name.trim().to_string(), columns);
    }
    tables
}

#[derive(diesel::QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    primary_key: i32,
}

/// SQLite: a primary key column counts as NOT NULL (an INTEGER PRIMARY KEY is the row id, which is
/// never NULL, although pragma_table_info does not say NOT NULL for it). Generated columns are
/// listed only by pragma_table_xinfo (hidden 2 or 3; 1 marks a virtual table's hidden column).
const SQLITE_CATALOG: &str = r#"
    SELECT m.name AS table_name, p.name AS column_name, p."notnull" AS not_null,
           CASE WHEN p.pk > 0 THEN 1 ELSE 0 END AS primary_key
    FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
    WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' AND p.hidden <> 1"#;

const POSTGRES_CATALOG: &str = "
    SELECT c.table_name::text AS table_name, c.column_name::text AS column_name,
           CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null,
           CASE WHEN EXISTS (
               SELECT 1 FROM information_schema.table_constraints t
               JOIN information_schema.key_column_usage k
                 ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
               WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema
                 AND t.table_name = c.table_name AND k.column_name = c.column_name
           ) THEN 1 ELSE 0 END AS primary_key
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema()";

/// The tables of a database migrated from scratch by opsdesk's own migrations.
fn migrated_tables(backend: Backend) -> Tables {
    let database = FreshDatabase::new(backend);
    let mut conn = connect(&database.url);
    opsdesk::db::migrations::run_pending(&mut conn).expect("migrate a fresh database");
    let rows: Vec<CatalogRow> = match &mut conn {
        DbConn::Sqlite(c) => diesel::sql_query(SQLITE_CATALOG).load(c),
        DbConn::Pg(c) => diesel::sql_query(POSTGRES_CATALOG).load(c),
    }
    .expect("read the catalog");
    let mut tables = Tables::new();
    for row in rows {
        let column = Column { nullable: row.not_null == 0 && row.primary_key == 0, primary_key: row.primary_key != 0 };
        tables.entry(row.table_name).or_default().insert(row.column_name, column);
    }
    tables
}

/// What differs between schema.rs and the database, one line each (empty when they agree).
fn differences(declared: &Tables, migrated: &Tables) -> Vec<String> {
    let mut found = Vec::new();
    for (table, columns) in declared {
        let Some(actual) = migrated.get(table) else {
            found.push(format!("table {table} is in schema.rs but not in the database"));
            continue;
        };
        for (column, declared_column) in columns {
            match actual.get(column) {
                None => found.push(format!("{table}.{column} is in schema.rs but not in the database")),
                Some(actual_column) if actual_column != declared_column => {
                    found.push(format!("{table}.{column}: schema.rs {declared_column:?}, database {actual_column:?}"))
                }
                Some(_) => {}
            }
        }
        for column in actual.keys().filter(|c| !columns.contains_key(*c)) {
            found.push(format!("{table}.{column} is in the database but not in schema.rs"));
        }
    }
    found
}

fn schema_rs_matches(backend: Backend) {
    let declared = declared_tables();
    assert!(declared.len() >= 10, "schema.rs: only {} tables read", declared.len());
    let found = differences(&declared, &migrated_tables(backend));
    assert!(found.is_empty(), "src/db/schema.rs and the {backend:?} database differ:\n{}", found.join("\n"));
}

#[test]
fn schema_rs_matches_the_migrated_database_sqlite() {
    schema_rs_matches(Backend::Sqlite);
}

#[test]
#[cfg_attr(not(pg_tests), ignore = "PostgreSQL: set TEST_DATABASE_URL to run")]
fn schema_rs_matches_the_migrated_database_postgres() {
    schema_rs_matches(Backend::Postgres);
}
