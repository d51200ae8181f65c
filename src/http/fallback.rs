//! Answers for requests no handler takes, and for extractor failures, as problem+json:
//! 404 for an unknown path, 405 with `Allow` for a known path with another method, 400 for a
//! query string that does not parse.

use actix_web::http::{Method, StatusCode};
use actix_web::{error, web, HttpRequest, HttpResponse, ResponseError};

use crate::error::{problem_response, ApiError, FieldError};

/// The API's path templates and their methods, taken from the OpenAPI document, so that the 405
/// answer can never disagree with the documented routes.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').map(str::to_string).collect()
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (method, operation) in [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ] {
                    if operation.is_some() {
                        methods.push(method);
                    }
                }
                (segments(path), methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods allowed on `path`, or None when no documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let wanted = segments(path);
        let mut allowed: Vec<Method> = Vec::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == wanted.len()
                && template
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w);
            if matches {
                allowed.extend(methods.iter().filter(|m| !allowed.contains(m)).cloned().collect::<Vec<_>>());
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

pub async fn not_found_or_method_not_allowed(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(allowed) if req.method() == Method::OPTIONS => {
            let allow: Vec<String> = allowed.iter().map(|m| m.to_string()).collect();
            HttpResponse::NoContent().insert_header(("Allow", allow.join(", "))).finish()
        }
        Some(allowed) => {
            ApiError::MethodNotAllowed { allow: allowed.iter().map(|m| m.to_string()).collect() }.error_response()
        }
        None => ApiError::NotFound.error_response(),
    }
}

pub fn query_error(err: error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        error::QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let parameter = detail.split('`').nth(1).map(str::to_string).unwrap_or_else(|| "query".to_string());
    let response = problem_response(
        StatusCode::BAD_REQUEST,
        "bad-request",
        "Bad request",
        format!("the query string is invalid: {detail}"),
        Some(vec![FieldError::parameter(parameter, detail)]),
    );
    error::InternalError::from_response(err, response).into()
}

pub fn path_error(err: error::PathError, _: &HttpRequest) -> actix_web::Error {
    // A path that names no resource of the right shape (say /users/abc) names no resource at all.
    error::InternalError::from_response(err, ApiError::NotFound.error_response()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_segment_by_segment() {
        let table = RouteTable {
            routes: vec![
                (segments("/api/v1/users/{id}"), vec![Method::GET, Method::PATCH]),
                (segments("/api/v1/users"), vec![Method::GET, Method::POST]),
            ],
        };
        assert_eq!(table.allowed("/api/v1/users/7"), Some(vec![Method::GET, Method::PATCH]));
        assert_eq!(table.allowed("/api/v1/users"), Some(vec![Method::GET, Method::POST]));
        assert_eq!(table.allowed("/api/v1/users/"), None);
        assert_eq!(table.allowed("/api/v1/users/7/x"), None);
        assert_eq!(table.allowed("/api/v1/nothing"), None);
    }
}
