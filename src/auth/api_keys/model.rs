//! API key rows and their API views.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::roles::{Role, Roles};
use crate::db::schema::api_keys;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_keys, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ApiKeyRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub roles: String,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// An API key for an integration or script. The secret is shown once, at creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: i64,
    /// The user the key acts for; it never has roles that user does not hold.
    pub user_id: i64,
    #[schema(example = "CRM sync")]
    pub name: String,
    /// The key's public first characters (`odk_<prefix>_…`), to tell keys apart.
    #[schema(example = "3f9a1c02")]
    pub prefix: String,
    pub roles: Vec<Role>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Not revoked and not expired.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ApiKey {
    pub fn from_row(row: &ApiKeyRow, now: NaiveDateTime) -> ApiKey {
        ApiKey {
            id: row.id,
            user_id: row.user_id,
            name: row.name.clone(),
            prefix: row.prefix.clone(),
            roles: Roles::from_stored(&row.roles).to_vec(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            active: row.revoked_at.is_none() && row.expires_at.is_none_or(|t| t > now),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// The answer to a creation: the key, and its secret, which is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`. Shown only in this response; opsdesk keeps
    /// only its hash.
    #[schema(example = "odk_3f9a1c02_Jk2…")]
    pub secret: String,
}
