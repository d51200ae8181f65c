//! The demo's way in: the real application, called in-process (no socket) with actix's request
//! harness. Every demo write is an API request with a demo user's access token, so it passes the
//! same checks, writes the same audit events and change feed, and keeps the same books as work
//! done through the API.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{init_service, try_call_service, TestRequest};

use serde_json::Value;

use crate::Service as Prepared;

type Answer = Pin<Box<dyn Future<Output = (StatusCode, Vec<u8>)>>>;

/// The application behind a function from request to (status, body).
pub struct Client {
    call: Box<dyn Fn(actix_http::Request) -> Answer>,
}

/// An answer the story did not expect.
#[derive(Debug)]
pub struct Refused {
    pub request: String,
    pub status: StatusCode,
    pub body: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered {}: {}", self.request, self.status, self.body)
    }
}

async fn answer<S, B>(service: std::rc::Rc<S>, request: actix_http::Request) -> (StatusCode, Vec<u8>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    match try_call_service(&*service, request).await {
        Ok(response) => {
            let status = response.status();
            let body = actix_web::body::to_bytes(response.into_body()).await.map(|b| b.to_vec()).unwrap_or_default();
            (status, body)
        }
        Err(error) => {
            let response = error.error_response();
            let status = response.status();
            let body = actix_web::body::to_bytes(response.into_body()).await.map(|b| b.to_vec()).unwrap_or_default();
            (status, body)
        }
    }
}

impl Client {
    pub async fn new(service: Prepared) -> Client {
        let service = std::rc::Rc::new(init_service(crate::app(service)).await);
        Client { call: Box::new(move |request| Box::pin(answer(service.clone(), request))) }
    }

    /// Sends a request and returns the JSON answer (Null for none) when its status is a success.
    pub async fn send(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Result<Value, Refused> {
        let mut request = TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}")));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        let (status, bytes) = (self.call)(request.to_request()).await;
        if !status.is_success() {
            return Err(Refused {
                request: format!("{method} {path}"),
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Signs in and returns the access token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, Refused> {
        let request = TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(serde_json::json!({"email": email, "password": password}));
        let (status, bytes) = (self.call)(request.to_request()).await;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match body["access_token"].as_str() {
            Some(token) if status.is_success() => Ok(token.to_string()),
            _ => Err(Refused {
                request: format!("sign-in of {email}"),
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }),
        }
    }
}
