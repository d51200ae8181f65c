//! SQL of customers and vendors (one table, `parties`, told apart by kind).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::parties;
use crate::db::{self, lower, DbConn};
use crate::invoices::model::{PartyKind, PartyRow};

pub fn party(conn: &mut DbConn, kind: PartyKind, id: i64) -> QueryResult<Option<PartyRow>> {
    parties::table.find(id).filter(parties::kind.eq(kind.as_str())).select(PartyRow::as_select()).first(conn).optional()
}

pub fn by_external_ref(conn: &mut DbConn, kind: PartyKind, external_ref: &str) -> QueryResult<Option<PartyRow>> {
    parties::table
        .filter(parties::kind.eq(kind.as_str()))
        .filter(parties::external_ref.eq(external_ref))
        .select(PartyRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyFields {
    pub name: String,
    pub email: Option<String>,
    pub tax_id: Option<String>,
    pub billing_address: Option<String>,
    pub currency: String,
    pub payment_terms_days: i32,
    pub hourly_billing_rate: Option<i64>,
    pub parts_markup: Option<i32>,
    pub active: bool,
    pub external_ref: Option<String>,
}

impl PartyFields {
    pub fn of(row: &PartyRow) -> PartyFields {
        PartyFields {
            name: row.name.clone(),
            email: row.email.clone(),
            tax_id: row.tax_id.clone(),
            billing_address: row.billing_address.clone(),
            currency: row.currency.clone(),
            payment_terms_days: row.payment_terms_days,
            hourly_billing_rate: row.hourly_billing_rate,
            parts_markup: row.parts_markup,
            active: row.active,
            external_ref: row.external_ref.clone(),
        }
    }
}

pub fn insert(conn: &mut DbConn, kind: PartyKind, fields: &PartyFields) -> QueryResult<PartyRow> {
    let now = db::now();
    let id: i64 = diesel::insert_into(parties::table)
        .values((
            parties::kind.eq(kind.as_str()),
            parties::name.eq(&fields.name),
            parties::email.eq(&fields.email),
            parties::tax_id.eq(&fields.tax_id),
            parties::billing_address.eq(&fields.billing_address),
            parties::currency.eq(&fields.currency),
            parties::payment_terms_days.eq(fields.payment_terms_days),
            parties::hourly_billing_rate.eq(fields.hourly_billing_rate),
            parties::parts_markup.eq(fields.parts_markup),
            parties::active.eq(fields.active),
            parties::external_ref.eq(&fields.external_ref),
            parties::created_at.eq(now),
            parties::updated_at.eq(now),
            parties::version.eq(1i64),
        ))
        .returning(parties::id)
        .get_result(conn)?;
    parties::table.find(id).select(PartyRow::as_select()).first(conn)
}

/// Writes `fields` if the party is still at `expected_version`; false when another request won.
pub fn update(conn: &mut DbConn, id: i64, expected_version: i64, fields: &PartyFields) -> QueryResult<bool> {
    diesel::update(parties::table.find(id).filter(parties::version.eq(expected_version)))
        .set((
            parties::name.eq(&fields.name),
            parties::email.eq(&fields.email),
            parties::tax_id.eq(&fields.tax_id),
            parties::billing_address.eq(&fields.billing_address),
            parties::currency.eq(&fields.currency),
            parties::payment_terms_days.eq(fields.payment_terms_days),
            parties::hourly_billing_rate.eq(fields.hourly_billing_rate),
            parties::parts_markup.eq(fields.parts_markup),
            parties::active.eq(fields.active),
            parties::external_ref.eq(&fields.external_ref),
            parties::updated_at.eq(db::now()),
            parties::version.eq(parties::version + 1),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

#[derive(Debug, Default)]
pub struct PartyFilter {
    pub active: Option<bool>,
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

/// A page of parties of `kind`: in id order, or with `updated_since` in (updated_at, id) order
/// so that a sync sees every change once.
pub fn list(
    conn: &mut DbConn,
    kind: PartyKind,
    filter: &PartyFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PartyRow>> {
    let mut query = parties::table.filter(parties::kind.eq(kind.as_str())).select(PartyRow::as_select()).into_boxed();
    if let Some(active) = filter.active {
        query = query.filter(parties::active.eq(active));
    }
    if let Some(q) = &filter.q {
        query = query.filter(lower(parties::name).like(db::contains_pattern(q)).escape('\\'));
    }
    match filter.updated_since {
        Some(since) => {
            query = query.filter(parties::updated_at.ge(since));
            if let Some(after) = after {
                let last: Option<NaiveDateTime> =
                    parties::table.find(after).select(parties::updated_at).first(conn).optional()?;
                if let Some(last) = last {
                    query = query.filter(
                        parties::updated_at.gt(last).or(parties::updated_at.eq(last).and(parties::id.gt(after))),
                    );
                }
            }
            query.order((parties::updated_at.asc(), parties::id.asc())).limit(limit + 1).load(conn)
        }
        None => {
            if let Some(after) = after {
                query = query.filter(parties::id.gt(after));
            }
            query.order(parties::id.asc()).limit(limit + 1).load(conn)
        }
    }
}

/// A party's payment terms in days.
pub fn terms_of(conn: &mut DbConn, id: i64) -> QueryResult<i32> {
    parties::table.find(id).select(parties::payment_terms_days).first(conn)
}

/// The names of parties, in one query (for reports).
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> =
        parties::table.filter(parties::id.eq_any(ids)).select((parties::id, parties::name)).load(conn)?;
    Ok(rows.into_iter().collect())
}
