// Integration tests run on PostgreSQL too when TEST_DATABASE_URL is set; otherwise those tests
// are compiled as ignored, so `cargo test` reports them as skipped rather than silently passing.
//
// The migrations are embedded in the binary (`db::migrations`): a new migration folder must
// rebuild it, which the macro alone does not notice.
fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
