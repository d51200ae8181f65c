//! SQL of the finance reports: aging and customer profitability. Aggregated in the database;
//! the day arithmetic is spelled per backend.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::sql::{load, Bind};
use crate::db::{self, DbConn};

/// Whole days from the date column `column` to the bound date (`?`).
fn days_until_bound(backend: db::Backend, column: &str) -> String {
    match backend {
        db::Backend::Postgres => format!("(CAST(? AS DATE) - {column})"),
        db::Backend::Sqlite => format!("CAST(julianday(?) - julianday({column}) AS INTEGER)"),
    }
}

/// The date of the timestamp column `column`.
fn day_of(backend: db::Backend, column: &str) -> String {
    match backend {
        db::Backend::Postgres => format!("CAST({column} AS DATE)"),
        db::Backend::Sqlite => format!("date({column})"),
    }
}

#[derive(QueryableByName, Debug)]
pub struct AgingRow {
    #[diesel(sql_type = BigInt)]
    pub party_id: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    /// 0 current, 1: 1–30, 2: 31–60, 3: 61–90, 4: over 90 days past due.
    #[diesel(sql_type = BigInt)]
    pub bucket: i64,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
    #[diesel(sql_type = BigInt)]
    pub invoices: i64,
}

/// What was owed on `as_of` per party, currency and days past due, for invoices of `kind`
/// (receivable or payable): issued by then and not void by then, less the payments made and the
/// credit notes issued by then. Invoices settled in full before then are skipped by index.
pub fn aging(conn: &mut DbConn, kind: &str, as_of: NaiveDate) -> QueryResult<Vec<AgingRow>> {
    let party = if kind == "payable" { "i.vendor_id" } else { "i.customer_id" };
    let days = days_until_bound(conn.backend(), "i.due_date");
    let credit_voided = day_of(conn.backend(), "c.voided_at");
    let voided = day_of(conn.backend(), "i.voided_at");
    // Binds, in order: as_of four times for the days past due, then for the payments, the credits
    // and their void, the issue date, the settlement and the void; then the kind.
    let sql = format!(
        "SELECT party_id, currency, bucket, CAST(SUM(balance) AS BIGINT) AS amount, COUNT(*) AS invoices FROM ( \
           SELECT {party} AS party_id, i.currency, \
             CAST(CASE WHEN {days} <= 0 THEN 0 WHEN {days} <= 30 THEN 1 WHEN {days} <= 60 THEN 2 \
                       WHEN {days} <= 90 THEN 3 ELSE 4 END AS BIGINT) AS bucket, \
             i.total \
               - COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.invoice_id = i.id AND p.paid_on <= ?), 0) \
               - COALESCE((SELECT SUM(c.total) FROM invoices c WHERE c.credited_invoice_id = i.id \
                             AND c.status <> 'draft' AND c.issue_date <= ? \
                             AND (c.voided_at IS NULL OR {credit_voided} > ?)), 0) AS balance \
           FROM invoices i \
           WHERE i.issue_date <= ? AND i.status <> 'draft' \
             AND (i.paid_on IS NULL OR i.paid_on > ?) \
             AND (i.voided_at IS NULL OR {voided} > ?) \
             AND i.kind = ? \
         ) owed WHERE balance > 0 GROUP BY party_id, currency, bucket ORDER BY party_id, currency, bucket"
    );
    let mut binds = vec![Bind::Day(as_of); 10];
    binds.push(Bind::Text(kind.to_string()));
    load(conn, &sql, &binds)
}

#[derive(QueryableByName, Debug)]
pub struct AmountRow {
    #[diesel(sql_type = BigInt)]
    pub party_id: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
}

/// Revenue per customer and currency: the subtotals (before tax) of receivable invoices issued
/// in [from, to], less those of credit notes to customers issued then; void ones count for nothing.
pub fn revenue(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<AmountRow>> {
    let sql = "SELECT customer_id AS party_id, currency, \
                 CAST(SUM(CASE WHEN kind = 'credit_note' THEN -subtotal ELSE subtotal END) AS BIGINT) AS amount \
               FROM invoices \
               WHERE kind IN ('receivable', 'credit_note') AND customer_id IS NOT NULL \
                 AND status NOT IN ('draft', 'void') \
                 AND issue_date >= ? AND issue_date <= ? \
               GROUP BY customer_id, currency";
    load(conn, sql, &[Bind::Day(from), Bind::Day(to)])
}

#[derive(QueryableByName, Debug)]
pub struct DaysToPayRow {
    #[diesel(sql_type = BigInt)]
    pub party_id: i64,
    #[diesel(sql_type = BigInt)]
    pub invoices: i64,
    #[diesel(sql_type = BigInt)]
    pub total_days: i64,
}

/// Per customer, the receivable invoices settled in [from, to] and their days from issue to
/// settlement, summed (the caller divides, exactly).
pub fn days_to_pay(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<DaysToPayRow>> {
    let days = match conn.backend() {
        db::Backend::Postgres => "(paid_on - issue_date)",
        db::Backend::Sqlite => "CAST(julianday(paid_on) - julianday(issue_date) AS INTEGER)",
    };
    let sql = format!(
        "SELECT customer_id AS party_id, COUNT(*) AS invoices, CAST(SUM({days}) AS BIGINT) AS total_days \
         FROM invoices WHERE kind = 'receivable' AND status = 'paid' AND paid_on >= ? AND paid_on <= ? \
         GROUP BY customer_id"
    );
    load(conn, &sql, &[Bind::Day(from), Bind::Day(to)])
}

#[derive(QueryableByName, Debug)]
pub struct PayableSpendRow {
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub month: i64,
    /// 1: issued (actual); 0: draft (committed).
    #[diesel(sql_type = BigInt)]
    pub issued: i64,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
}

/// Lines of vendors' documents charged to departments, in `currency`, by department, category
/// and month of the issue date (drafts: of their issue date, else of their creation) in
/// [from, to), before tax: issued bills are actual, draft bills committed; issued credit notes
/// from vendors take their lines back from the actual (drafts of them count for nothing yet);
/// void documents count for nothing; a bill line counts less the stock received against it.
/// With `department`, that department's only.
pub fn payables_by_department(
    conn: &mut DbConn,
    currency: &str,
    from: NaiveDate,
    to: NaiveDate,
    department: Option<i64>,
) -> QueryResult<Vec<PayableSpendRow>> {
    let day = match conn.backend() {
        db::Backend::Postgres => "COALESCE(i.issue_date, CAST(i.created_at AS DATE))",
        db::Backend::Sqlite => "COALESCE(i.issue_date, date(i.created_at))",
    };
    let greatest = match conn.backend() {
        db::Backend::Postgres => "GREATEST",
        db::Backend::Sqlite => "MAX",
    };
    let month = crate::tickets::actuals::month_of(conn.backend(), day);
    let one_department = if department.is_some() { "AND l.department_id = ?" } else { "" };
    // Stock received against a bill's line is inventory, not spend (see repo::budget_changes).
    let received = "(SELECT COALESCE(SUM(m.value_delta), 0) FROM stock_movements m JOIN items it ON it.id = m.item_id \
                     WHERE m.invoice_line_id = l.id AND it.currency = i.currency)";
    let sql = format!(
        "SELECT l.department_id AS department_id, l.budget_category AS category, {month} AS month, \
           CAST(CASE WHEN i.status = 'draft' THEN 0 ELSE 1 END AS BIGINT) AS issued, \
           CAST(SUM(CASE WHEN i.kind = 'credit_note' THEN -l.net ELSE {greatest}(0, l.net - {received}) END) AS BIGINT) \
             AS amount \
         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE i.vendor_id IS NOT NULL AND i.status <> 'void' AND (i.kind = 'payable' OR i.status <> 'draft') \
           AND l.department_id IS NOT NULL {one_department} \
           AND {day} >= ? AND {day} < ? AND i.currency = ? \
         GROUP BY l.department_id, l.budget_category, month, issued"
    );
    let mut binds: Vec<Bind> = department.map(Bind::BigInt).into_iter().collect();
    binds.extend([Bind::Day(from), Bind::Day(to), Bind::Text(currency.to_string())]);
    load(conn, &sql, &binds)
}
