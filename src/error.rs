//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.
//!
//! Handlers and repositories return `ApiError`; nothing else turns into an HTTP error body. A 500
//! carries a generic detail only; the cause is logged with the request id by the request-id
//! middleware (`http::request_id`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input: where it is (a JSON pointer into the body, or a query/header parameter
/// name) and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) into the request body, e.g. `/lines/0/quantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/email")]
    pub pointer: Option<String>,
    /// Name of the query, path or header parameter, when the problem is not in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[schema(example = "must be a valid email address")]
    pub detail: String,
}

impl FieldError {
    pub fn body(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { pointer: Some(pointer.into()), parameter: None, detail: detail.into() }
    }
    pub fn parameter(name: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { pointer: None, parameter: Some(name.into()), detail: detail.into() }
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Invalid input",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"pointer": "/email", "detail": "must be a valid email address"}]
}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An import file with more rows than the service takes at once (413, like a body too large).
    #[error("the file has more than {limit} rows; split it into files of at most {limit}")]
    TooManyRows { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    HeadersTooLarge(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_secs: u64 },
    #[error("{detail}")]
    Unavailable { detail: String, retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
}

/// The safety net under the repositories' own checks: a constraint that fires under concurrency
/// is a conflict with another request, never a 500.
impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::Conflict("the change conflicts with an existing record".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::Conflict("the change refers to, or is referred to by, another record".into())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => ApiError::Unavailable {
                detail: "the database was busy with a conflicting change; retry the request".into(),
                retry_after_secs: 1,
            },
            // PostgreSQL chose this transaction to break a deadlock with another: nothing was
            // written, and the same request succeeds when retried.
            Error::DatabaseError(_, ref info) if info.message().contains("deadlock detected") => ApiError::Unavailable {
                detail: "the database was busy with a conflicting change; retry the request".into(),
                retry_after_secs: 1,
            },
            // The input limits keep every number and date inside what both databases store; should
            // a value still pass them (a sum of many large amounts), the answer names the limit
            // instead of a 500.
            Error::DatabaseError(_, ref info) if is_out_of_range(info.message()) => ApiError::Invalid(vec![
                FieldError::body("", "a number or date is beyond what this service stores (amounts and quantities below 10^13, dates 1900-01-01 to 9999-12-31)"),
            ]),
            // The books' own rules, raised by the database (a posted entry changed, a lock date
            // moved under a posting): the code checks first, so this is another request's change.
            Error::DatabaseError(_, ref info) if info.message().starts_with("books: ") => {
                ApiError::Conflict(info.message().trim_start_matches("books: ").to_string())
            }
            Error::DatabaseError(_, ref info) if info.message().contains("database is locked") => {
                ApiError::Unavailable { detail: "the database is busy; retry the request".into(), retry_after_secs: 1 }
            }
            other => ApiError::Database(other),
        }
    }
}

/// PostgreSQL's "bigint out of range", "date out of range", "numeric field overflow" and
/// SQLite's "integer overflow".
fn is_out_of_range(message: &str) -> bool {
    message.contains("out of range") || message.contains("integer overflow") || message.contains("field overflow")
}

impl ApiError {
    pub fn invalid(pointer: &str, detail: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::body(pointer, detail)])
    }
    pub fn invalid_parameter(name: &str, detail: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::parameter(name, detail)])
    }
    /// A conditional update found the row at another version: another request changed it between
    /// our read and our write.
    pub fn changed_concurrently(what: &str) -> Self {
        ApiError::PreconditionFailed(format!("the {what} was changed by another request; read it again"))
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError::Internal(detail.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Invalid(_) => ("validation", "Invalid input"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge { .. } | ApiError::TooManyRows { .. } => {
                ("payload-too-large", "Request body too large")
            }
            ApiError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            ApiError::HeadersTooLarge(_) => ("headers-too-large", "Request headers too large"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable { .. } => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) | ApiError::Database(_) => ("internal", "Internal server error"),
        }
    }

    fn public_detail(&self) -> String {
        match self {
            ApiError::Internal(_) | ApiError::Database(_) => {
                "the server failed to handle this request; it has been logged with the request id".into()
            }
            ApiError::NotFound => "no such resource".into(),
            ApiError::Invalid(errors) if errors.len() == 1 => "1 field is invalid".into(),
            ApiError::Invalid(errors) => format!("{} fields are invalid", errors.len()),
            ApiError::MethodNotAllowed { allow } => {
                format!("this resource supports {}", allow.join(", "))
            }
            other => other.to_string(),
        }
    }
}

/// A problem response for a status that has no `ApiError` (used by the 404/405 fallbacks and the
/// extractor error handlers).
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    errors: Option<Vec<FieldError>>,
) -> HttpResponse {
    let body = Problem {
        problem_type: format!("/problems/{slug}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail,
        errors,
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(serde_json::to_string(&body).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } | ApiError::TooManyRows { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) | ApiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (slug, title) = self.slug_and_title();
        let errors = match self {
            ApiError::Invalid(errors) => Some(errors.clone()),
            _ => None,
        };
        let mut response = problem_response(self.status_code(), slug, title, self.public_detail(), errors);
        let headers = response.headers_mut();
        match self {
            ApiError::TooManyRequests { retry_after_secs, .. } | ApiError::Unavailable { retry_after_secs, .. } => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after_secs));
            }
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(value) = header::HeaderValue::from_str(&allow.join(", ")) {
                    headers.insert(header::ALLOW, value);
                }
            }
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// Collects every invalid field of an input before answering, so that a client sees all of its
/// mistakes in one 422 instead of one per round trip.
#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn error(&mut self, pointer: &str, detail: impl Into<String>) {
        self.errors.push(FieldError::body(pointer, detail));
    }
    /// A bad query parameter (reported by name rather than by JSON pointer).
    pub fn query_error(&mut self, name: &str, detail: impl Into<String>) {
        self.errors.push(FieldError::parameter(name, detail));
    }
    pub fn check(&mut self, ok: bool, pointer: &str, detail: impl Into<String>) {
        if !ok {
            self.error(pointer, detail);
        }
    }
    /// Free text that may be left out: at most `max` characters, no control characters but line
    /// breaks; trimmed, and empty means none.
    pub fn optional_text(&mut self, pointer: &str, value: Option<String>, max: usize) -> Option<String> {
        let raw = value?;
        // Measured as sent, as the schema's maxLength is.
        self.check(raw.chars().count() <= max, pointer, format!("must be at most {max} characters long"));
        let value = Some(raw.trim().to_string()).filter(|s| !s.is_empty())?;
        self.check(!value.chars().any(|c| c.is_control() && c != '\n'), pointer, "must not contain control characters");
        Some(value)
    }
    /// Text that must be there and may span lines (a reason, a comment): as
    /// [`Validator::optional_text`], and not blank; trimmed.
    pub fn required_lines(&mut self, pointer: &str, raw: String, max: usize) -> String {
        let text = self.optional_text(pointer, Some(raw), max);
        if text.is_none() {
            self.error(pointer, "must not be empty");
        }
        text.unwrap_or_default()
    }
    /// Text that must be there: at most `max` characters as sent, no control characters, not
    /// blank; trimmed.
    pub fn required_text(&mut self, pointer: &str, raw: &str, max: usize) -> String {
        if raw.chars().count() > max {
            self.error(pointer, format!("must be at most {max} characters long"));
        } else if raw.chars().any(char::is_control) {
            self.error(pointer, "must not contain control characters");
        } else if raw.trim().is_empty() {
            self.error(pointer, "must not be empty");
        }
        raw.trim().to_string()
    }
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
