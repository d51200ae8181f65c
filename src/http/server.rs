//! The HTTP server: actix's HTTP/1 service over our TCP listener, with one thing added below it.
//!
//! A request whose head passes the HTTP layer's own limits (96 headers, or about 32 KiB) never reaches
//! the application: actix answers `431 Request Header Fields Too Large` itself, with an empty body
//! and no way to change it. Every other error of this API is an RFC 9457 problem, so the
//! connection is wrapped ([`ProblemHeads`]) to put a problem body into that one answer as it is
//! written. Heads under those limits but over ours are answered by `http::request_id` as a 431
//! problem with the request id.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::{HttpService, Protocol};
use actix_rt::net::TcpStream;
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::App;
use actix_web::ResponseError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How the HTTP layer's own 431 begins, and what marks it as bare (our own 431 has a body).
const STATUS_431: &[u8] = b"HTTP/1.1 431 ";
const NO_BODY: &[u8] = b"content-length: 0\r\n";

/// True for the HTTP layer's own 431: its status line, a head with no body.
fn is_bare_431(buf: &[u8]) -> bool {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |end| end + 2);
    buf.starts_with(STATUS_431) && buf[..head_end].windows(NO_BODY.len()).any(|w| w.eq_ignore_ascii_case(NO_BODY))
}

/// The 431 problem that replaces actix's empty one: a whole HTTP/1.1 response.
fn problem_431() -> Vec<u8> {
    let body = super::request_id::headers_too_large().error_response().into_body().try_into_bytes().unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n\
         x-content-type-options: nosniff\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// A connection whose writes pass unchanged, but for the HTTP layer's bare 431 (the last answer
/// on its connection), which is written as [`problem_431`] instead.
pub struct ProblemHeads {
    io: TcpStream,
    /// The replacement still being written, how much of it is out, and how many bytes of the
    /// caller's buffer it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl ProblemHeads {
    pub fn new(io: TcpStream) -> ProblemHeads {
        ProblemHeads { io, replacing: None }
    }

    /// Writes what is left of the replacement; Ready(n) with the caller's byte count once done.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, stands_for)) = self.replacing.as_mut() {
            if *written == bytes.len() {
                let done = *stands_for;
                self.replacing = None;
                return Poll::Ready(Ok(done));
            }
            match Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(0))
    }
}

impl AsyncRead for ProblemHeads {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProblemHeads {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() && is_bare_431(buf) {
            // The bare 431 is a head with no body; everything the caller wrote is replaced.
            self.replacing = Some((problem_431(), 0, buf.len()));
        }
        if self.replacing.is_some() {
            return self.drain(cx);
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.replacing.is_some() {
            if let Poll::Ready(Err(e)) = self.drain(cx) {
                return Poll::Ready(Err(e));
            }
            if self.replacing.is_some() {
                return Poll::Pending;
            }
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Starts serving on `listener` with `workers` threads, each running the application that
/// `make_app` makes (the crate root's `app`, which sits above this foundation).
pub fn serve<T, B>(
    workers: usize,
    listener: TcpListener,
    make_app: impl Fn() -> App<T> + Send + Clone + 'static,
) -> Result<Server, String>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let local = listener.local_addr().map_err(|e| format!("cannot listen: {e}"))?;
    let server = Server::build()
        .workers(workers)
        .shutdown_timeout(10)
        .listen("opsdesk", listener, move || {
            let app =
                make_app().into_factory().map_err(|err: actix_web::Error| err.as_response_error().error_response());
            // actix-web's own server settings, but for the request timeout.
            let http = HttpService::build()
                .client_request_timeout(Duration::from_secs(10))
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(local)
                .finish(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| async move {
                let _ = io.set_nodelay(true);
                let peer = io.peer_addr().ok();
                Ok::<_, actix_http::error::DispatchError>((ProblemHeads::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })
        .map_err(|e| format!("cannot listen: {e}"))?
        .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_bare_431_is_replaced() {
        assert!(super::is_bare_431(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n"
        ));
        let ours = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 178\r\n\r\n{\"status\":431}";
        assert!(!super::is_bare_431(ours), "our own 431 problem goes out as it is");
        assert!(!super::is_bare_431(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
    }
}
