//! `ValidJson<T>`: the JSON body extractor used by every handler. Unlike actix's `Json` it tells
//! the client exactly what is wrong, as problem+json: 415 for another content type, 413 past the
//! body limit, 400 for malformed JSON, 422 with a JSON pointer for a wrong, missing or unknown
//! field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::{ApiError, FieldError};

pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the whole body, refusing to buffer more than `limit` bytes.
pub async fn read_body(req: &HttpRequest, payload: &mut Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Turns serde's path into a JSON pointer (RFC 6901).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        let token = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        pointer.push('/');
        pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
    }
    pointer
}

/// serde reports a missing field at the path of the object that should hold it; point at the
/// field itself. (An unknown field's path already ends with it.)
fn missing_field_in(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// JSON Schema counts 308.0 as an integer, so a client may send one where an integer is
/// expected; turn whole, in-range floats into integers before typed parsing.
fn normalize_whole_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *value = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(normalize_whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(normalize_whole_numbers),
        _ => {}
    }
}

/// A JSON value read with one rule more than serde_json's own: an object may not name a key
/// twice. (`{"amount":"1.00","amount":"60.00"}` would otherwise silently mean the last one, and a
/// proxy or a validator in front of us may have read the first.)
struct StrictValue(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!("the key {key:?} appears twice in one object")));
            }
            let StrictValue(value) = map.next_value()?;
            fields.insert(key, value);
        }
        Ok(serde_json::Value::Object(fields))
    }
}

/// Parses `bytes` as `T`, mapping each kind of failure to its problem. Every body of this API is
/// a JSON object: an array is refused here, since serde would otherwise read `[a, b]` as a
/// struct's fields in order and accept a body no schema allows.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let StrictValue(mut value) = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))?;
    if value.is_array() {
        return Err(ApiError::Invalid(vec![FieldError::body("", "must be a JSON object, not an array")]));
    }
    normalize_whole_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = pointer_of(error.path());
        let message = error.inner().to_string();
        if let Some(field) = missing_field_in(&message) {
            pointer.push('/');
            pointer.push_str(field);
        }
        ApiError::Invalid(vec![FieldError::body(pointer, message)])
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json_content_type(&req) {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON, sent with Content-Type: application/json".into(),
                ));
            }
            let limit = req.app_data::<web::Data<Config>>().map(|config| config.body_limit).unwrap_or(1024 * 1024);
            let bytes = read_body(&req, &mut payload, limit).await?;
            parse_json(&bytes).map(ValidJson)
        })
    }
}

/// A JSON body that may be left out: no body at all (or `null`) is `None`; a body must be valid
/// JSON of `T` (sent as application/json), as with [`ValidJson`].
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = req.app_data::<web::Data<Config>>().map(|config| config.body_limit).unwrap_or(1024 * 1024);
            let bytes = read_body(&req, &mut payload, limit).await?;
            if bytes.is_empty() {
                return Ok(OptionalJson(None));
            }
            if !is_json_content_type(&req) {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON, sent with Content-Type: application/json".into(),
                ));
            }
            // JSON `null` is no body too.
            parse_json::<Option<T>>(&bytes).map(OptionalJson)
        })
    }
}

/// For PATCH fields that can be cleared: absent → None (unchanged), null → Some(None) (clear).
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        email: String,
        lines: Vec<Line>,
    }

    fn pointer(result: Result<Input, ApiError>) -> String {
        match result {
            Err(ApiError::Invalid(errors)) => errors[0].pointer.clone().unwrap_or_default(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_type_points_at_the_nested_field() {
        let result = parse_json::<Input>(br#"{"email":"a@b.c","lines":[{"quantity":1},{"quantity":"x"}]}"#);
        assert_eq!(pointer(result), "/lines/1/quantity");
    }

    #[test]
    fn missing_and_unknown_fields_point_at_the_field() {
        assert_eq!(pointer(parse_json::<Input>(br#"{"lines":[]}"#)), "/email");
        assert_eq!(pointer(parse_json::<Input>(br#"{"email":"x","lines":[],"id":4}"#)), "/id");
    }

    #[test]
    fn whole_floats_count_as_integers() {
        let parsed = parse_json::<Input>(br#"{"email":"x","lines":[{"quantity":3.0}]}"#).unwrap();
        assert_eq!(parsed.lines[0].quantity, 3);
        assert_eq!(pointer(parse_json::<Input>(br#"{"email":"x","lines":[{"quantity":3.5}]}"#)), "/lines/0/quantity");
    }

    #[test]
    fn a_key_named_twice_is_a_bad_request() {
        let twice = parse_json::<Input>(br#"{"email":"a@b.c","lines":[{"quantity":1,"quantity":60}]}"#);
        assert!(
            matches!(&twice, Err(ApiError::BadRequest(m)) if m.contains("\"quantity\" appears twice")),
            "{twice:?}"
        );
        assert!(matches!(
            parse_json::<Input>(br#"{"email":"a","email":"b","lines":[]}"#),
            Err(ApiError::BadRequest(_))
        ));
        let nested_apart = parse_json::<Input>(br#"{"email":"x","lines":[{"quantity":1},{"quantity":2}]}"#);
        assert_eq!(nested_apart.map(|i| i.lines.len()).ok(), Some(2), "the same key in two objects is fine");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse_json::<Input>(b"{\"email\": "), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse_json::<Input>(br#"{"email":"x","lines":[]} trailing"#), Err(ApiError::BadRequest(_))));
    }
}
