//! A whole list as CSV: every page from the first asked for to the last, read one page per
//! database trip and written as the client takes it, so memory stays that of one page however
//! long the list (measured in bench/RESULTS.md, "CSV export"). The pages are the list's own:
//! the same filters, the same order, the same code; a page is read only when the previous one
//! has been sent.
//!
//! Each page is its own short read, like a client paging with cursors: no transaction is held
//! open for the length of a download (on PostgreSQL that would hold back the change feed and
//! vacuum on every node). A row changed during the download is seen as paging would see it.

use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::HttpResponse;
use futures_util::{stream, StreamExt};
use serde::Serialize;
use utoipa::ToSchema;

use super::cells::write_line;
use super::rows::Columns;
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;
use crate::http::pagination::Page;

/// Rows per database trip while exporting: larger than an API page (fewer trips), small enough
/// that a page in memory stays well under a megabyte.
pub const EXPORT_PAGE: i64 = 500;

/// Reads one page of a list: the list's own query, from the start asked for (`None`) or from a
/// page's `next_cursor`.
pub type FetchPage<T> = dyn Fn(&mut DbConn, Option<&str>) -> Result<Page<T>, ApiError> + Send + Sync;

struct Progress<T> {
    pool: DbPool,
    fetch: Arc<FetchPage<T>>,
    columns: Columns,
    /// Where the next page starts; none once the last page is sent.
    cursor: Option<String>,
    /// The page read before the answer started (its errors are the answer's), then none.
    first: Option<Page<T>>,
    done: bool,
}

/// 200 with every row of the list as `text/csv`, offered as `filename`, under the columns of
/// `T`. The first page is read before answering, so a bad filter is a problem response, not a
/// cut download; a failure later ends the body early (the client sees an incomplete transfer,
/// never a partial file presented as whole: the chunked body is not terminated).
pub async fn stream_pages<T>(pool: &DbPool, filename: &str, fetch: Arc<FetchPage<T>>) -> Result<HttpResponse, ApiError>
where
    T: Serialize + ToSchema + Send + 'static,
{
    let first = {
        let fetch = fetch.clone();
        db::run_heavy(pool, move |conn| fetch(conn, None)).await?
    };
    let mut columns = Columns::of::<T>();
    if let Some(item) = first.items.first() {
        columns.align_to(item)?;
    }
    let mut head = String::new();
    write_line(&mut head, &columns.names);
    let progress = Progress { pool: pool.clone(), fetch, columns, cursor: None, first: Some(first), done: false };
    let body = stream::once(std::future::ready(Ok::<Bytes, ApiError>(Bytes::from(head))))
        .chain(stream::unfold(progress, next_chunk))
        .map(|chunk| chunk.map_err(actix_web::Error::from));
    Ok(super::download(filename).streaming(body))
}

async fn next_chunk<T>(mut progress: Progress<T>) -> Option<(Result<Bytes, ApiError>, Progress<T>)>
where
    T: Serialize + Send + 'static,
{
    if progress.done {
        return None;
    }
    let page = match progress.first.take() {
        Some(page) => page,
        None => {
            let fetch = progress.fetch.clone();
            let cursor = progress.cursor.take();
            match db::run_heavy(&progress.pool, move |conn| fetch(conn, cursor.as_deref())).await {
                Ok(page) => page,
                Err(error) => {
                    progress.done = true;
                    return Some((Err(error), progress));
                }
            }
        }
    };
    let mut text = String::with_capacity(page.items.len() * 160);
    for item in &page.items {
        match progress.columns.cells(item) {
            Ok(cells) => write_line(&mut text, &cells),
            Err(error) => {
                progress.done = true;
                return Some((Err(error), progress));
            }
        }
    }
    progress.done = page.next_cursor.is_none();
    progress.cursor = page.next_cursor;
    Some((Ok(Bytes::from(text)), progress))
}
