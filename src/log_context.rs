//! Which request a log line belongs to. The request-id middleware runs each request inside
//! [`scope`]; `db::run` carries the id to the blocking thread that runs the request's queries
//! ([`on_this_thread`]), so that a slow-query line names the request that ran it.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

thread_local! {
    static THREAD_REQUEST_ID: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// Runs `future` as the request `id`.
pub async fn scope<F: Future>(id: Arc<str>, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

/// The request id of the code running now, if it runs for a request.
pub fn current() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok().or_else(|| THREAD_REQUEST_ID.with(|id| id.borrow().clone()))
}

/// Runs `f` on this thread as the request `id` (the thread's previous id is restored after, even
/// when `f` panics).
pub fn on_this_thread<T>(id: Option<Arc<str>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<str>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            THREAD_REQUEST_ID.with(|id| *id.borrow_mut() = previous);
        }
    }
    let _restore = Restore(THREAD_REQUEST_ID.with(|current| current.replace(id)));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_keeps_its_request_id_only_for_the_call() {
        assert_eq!(current(), None);
        let seen = on_this_thread(Some(Arc::from("abc")), current);
        assert_eq!(seen.as_deref(), Some("abc"));
        assert_eq!(current(), None);
    }

    #[tokio::test]
    async fn a_task_sees_its_request_id() {
        let seen = scope(Arc::from("req-1"), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
    }
}
