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

    /// The methods allowed on `path`, or None when no documented route matches it. The most
    /// specific templates win: `/employees/me` is not `/employees/{id}`.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let wanted = segments(path);
        let is_parameter = |t: &String| t.starts_with('{') && t.ends_with('}');
        let matching = self.routes.iter().filter(|(template, _)| {
            template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(t, w)| (is_parameter(t) && !w.is_empty()) || t == w)
        });
        let parameters = |template: &Vec<String>| template.iter().filter(|t| is_parameter(t)).count();
        let matching: Vec<_> = matching.collect();
        let fewest = matching.iter().map(|(template, _)| parameters(template)).min()?;
        let mut allowed: Vec<Method> = Vec::new();
        for (_, methods) in matching.into_iter().filter(|(template, _)| parameters(template) == fewest) {
            for method in methods {
                if !allowed.contains(method) {
                    allowed.push(method.clone());
                }
            }
        }
        Some(allowed)
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

pub fn query_error(err: error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        error::QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    // A well-formed query with a date or time outside the calendar this service keeps is invalid
    // input (422), named by its parameter: the message quotes the value, so find who sent it.
    if crate::dates::is_range_error(&detail) {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).map(|q| q.into_inner());
        let named = pairs.unwrap_or_default().into_iter().find(|(_, value)| detail.contains(&format!("{value:?}")));
        if let Some((parameter, _)) = named {
            let response = ApiError::invalid_parameter(&parameter, detail).error_response();
            return error::InternalError::from_response(err, response).into();
        }
    }
    // "unknown variant `xml`, expected …" quotes the value, "missing field `x`" the name.
    let quoted = detail.split('`').nth(1).map(str::to_string);
    let parameter = match quoted {
        Some(value) if detail.starts_with("unknown variant") => {
            web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                .map(|q| q.into_inner())
                .unwrap_or_default()
                .into_iter()
                .find(|(_, sent)| *sent == value)
                .map_or(value, |(name, _)| name)
        }
        Some(name) => name,
        None => "query".to_string(),
    };
    let response = problem_response(
        StatusCode::BAD_REQUEST,
        "bad-request",
        "Bad request",
        format!("the query string is invalid: {detail}"),
        Some(vec![FieldError::parameter(parameter, detail)]),
    );
    error::InternalError::from_response(err, response).into()
}

pub fn path_error(err: error::PathError, req: &HttpRequest) -> actix_web::Error {
    // A path that names no resource of the right shape (say /users/abc) names no resource at all,
    // unless a more specific route owns it (PATCH /employees/me reached /employees/{id}).
    let allowed = req.app_data::<web::Data<RouteTable>>().and_then(|routes| routes.allowed(req.path()));
    let response = match allowed {
        Some(allowed) if !allowed.contains(req.method()) => {
            ApiError::MethodNotAllowed { allow: allowed.iter().map(|m| m.to_string()).collect() }.error_response()
        }
        _ => ApiError::NotFound.error_response(),
    };
    error::InternalError::from_response(err, response).into()
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
        let with_me = RouteTable {
            routes: vec![
                (segments("/api/v1/users/{id}"), vec![Method::GET, Method::PATCH]),
                (segments("/api/v1/users/me"), vec![Method::GET]),
            ],
        };
        assert_eq!(with_me.allowed("/api/v1/users/me"), Some(vec![Method::GET]), "the literal route wins");
        assert_eq!(with_me.allowed("/api/v1/users/7"), Some(vec![Method::GET, Method::PATCH]));
    }
}
