//! How every list answers: one JSON page (`{"items", "next_cursor"}`), or — with
//! `Accept: text/csv` or `?format=csv` — every page from the cursor on as one CSV download,
//! streamed (src/http/csv/export.rs). A handler states its page query once, as a closure, and
//! both answers run exactly that query.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, ACCEPT};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use utoipa::ToSchema;

use super::csv::{self, export, Format};
use super::pagination::{decode_cursor, Page, PageQuery, PageRequest};
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// A list request: the page asked for and the format wanted.
#[derive(Debug, Clone, Copy)]
pub struct Listing {
    pub page: PageRequest,
    pub format: Format,
}

impl FromRequest for Listing {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Listing, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let query = web::Query::<PageQuery>::from_request(req, payload);
        let mut accept = HeaderMap::new();
        for value in req.headers().get_all(ACCEPT) {
            accept.append(ACCEPT, value.clone());
        }
        Box::pin(async move {
            let query = query.await?;
            let page = query.parse()?;
            Ok(Listing { page, format: csv::wanted(query.format, &accept) })
        })
    }
}

impl Listing {
    /// Answers the list: `fetch` reads one page (the handler's own query and view); JSON is the
    /// page asked for, CSV every page from there on, offered as `name`.csv.
    pub async fn answer<T, F>(self, pool: &DbPool, name: &str, fetch: F) -> Result<HttpResponse, ApiError>
    where
        T: Serialize + ToSchema + Send + 'static,
        F: Fn(&mut DbConn, &PageRequest) -> Result<Page<T>, ApiError> + Send + Sync + 'static,
    {
        let page = self.page;
        match self.format {
            Format::Json => {
                let body = db::run(pool, move |conn| fetch(conn, &page)).await?;
                Ok(HttpResponse::Ok().json(body))
            }
            Format::Csv => {
                let start = PageRequest { limit: export::EXPORT_PAGE, ..page };
                let pages = move |conn: &mut DbConn, cursor: Option<&str>| {
                    let after = match cursor {
                        Some(cursor) => Some(decode_cursor(cursor, "cursor")?),
                        None => start.after,
                    };
                    fetch(conn, &PageRequest { after, ..start })
                };
                export::stream_pages(pool, &format!("{name}.csv"), Arc::new(pages)).await
            }
        }
    }
}
