//! SQL of the finance reports: aging and customer profitability. Aggregated in the database;
//! the day arithmetic is spelled per backend.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::sql::{load, Bind};
use crate::db::{dialect, DbConn};

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

/// 0 current, 1: 1–30, 2: 31–60, 3: 61–90, 4: over 90 days past due, of the due date in column
/// `due` on the day bound four times.
fn bucket(conn: &DbConn, due: &str) -> String {
    let days = dialect::days_between(conn.backend(), due, "?");
    format!(
        "CAST(CASE WHEN {days} <= 0 THEN 0 WHEN {days} <= 30 THEN 1 WHEN {days} <= 60 THEN 2 \
              WHEN {days} <= 90 THEN 3 ELSE 4 END AS BIGINT)"
    )
}

/// What was owed on `as_of` per party, currency and days past due, for invoices of `kind`
/// (receivable or payable). From today on, unless a document is dated after `as_of`, that is
/// what is open now: read from `open_balances`, one row per party and due date. Otherwise from
/// the invoices, payments and credit notes, dated.
pub fn aging(conn: &mut DbConn, kind: &str, as_of: NaiveDate) -> QueryResult<Vec<AgingRow>> {
    if as_of >= crate::clock::today() && !dated_after(conn, kind, as_of)? {
        open_aging(conn, kind, as_of)
    } else {
        dated_aging(conn, kind, as_of)
    }
}

/// Whether an issued invoice of `kind` or a credit note is dated after `as_of` (issued today
/// with a later date): it is open now but was not owed on `as_of`.
fn dated_after(conn: &mut DbConn, kind: &str, as_of: NaiveDate) -> QueryResult<bool> {
    use crate::db::schema::invoices;
    let later: Option<i64> = invoices::table
        .filter(invoices::kind.eq_any([kind, "credit_note"]))
        .filter(invoices::issue_date.gt(as_of))
        .filter(invoices::status.ne("draft"))
        .select(invoices::id)
        .first(conn)
        .optional()?;
    Ok(later.is_some())
}

fn open_aging(conn: &mut DbConn, kind: &str, as_of: NaiveDate) -> QueryResult<Vec<AgingRow>> {
    let bucket = bucket(conn, "due_date");
    let sql = format!(
        "SELECT party_id, currency, {bucket} AS bucket, CAST(SUM(amount) AS BIGINT) AS amount, \
           CAST(SUM(invoices) AS BIGINT) AS invoices \
         FROM open_balances WHERE kind = ? \
         GROUP BY party_id, currency, bucket ORDER BY party_id, currency, bucket"
    );
    let mut binds = vec![Bind::Day(as_of); 4];
    binds.push(Bind::Text(kind.to_string()));
    load(conn, &sql, &binds)
}

/// As [`aging`], from the documents: issued by `as_of` and not void by then, less the payments
/// made and the credit notes issued by then. Invoices settled in full before then are skipped
/// by index.
fn dated_aging(conn: &mut DbConn, kind: &str, as_of: NaiveDate) -> QueryResult<Vec<AgingRow>> {
    let party = if kind == "payable" { "i.vendor_id" } else { "i.customer_id" };
    let bucket = bucket(conn, "i.due_date");
    let credit_voided = dialect::day_of(conn.backend(), "c.voided_at");
    let voided = dialect::day_of(conn.backend(), "i.voided_at");
    // Binds, in order: as_of four times for the days past due, then for the payments, the credits
    // and their void, the issue date, the settlement and the void; then the kind.
    let sql = format!(
        "SELECT party_id, currency, bucket, CAST(SUM(balance) AS BIGINT) AS amount, COUNT(*) AS invoices FROM ( \
           SELECT {party} AS party_id, i.currency, {bucket} AS bucket, \
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
    let days = dialect::days_between(conn.backend(), "issue_date", "paid_on");
    let sql = format!(
        "SELECT customer_id AS party_id, COUNT(*) AS invoices, CAST(SUM({days}) AS BIGINT) AS total_days \
         FROM invoices WHERE kind = 'receivable' AND status = 'paid' AND paid_on >= ? AND paid_on <= ? \
         GROUP BY customer_id"
    );
    load(conn, &sql, &[Bind::Day(from), Bind::Day(to)])
}
