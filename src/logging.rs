//! Log lines: text for a person at a terminal, or JSON lines (`OPSDESK_LOG_FORMAT=json`) for a
//! collector, one object per line with the time, level, target, message, the request id when the
//! line belongs to a request, and the record's key-value fields (the access log's method, route,
//! status, duration…).

use std::io::Write;

use log::kv::{Key, Value, VisitSource};

use crate::config::LogFormat;

/// Installs the process's logger. Call once, before anything logs.
pub fn init(filter: &str, format: LogFormat) {
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filter);
    match format {
        LogFormat::Text => {
            builder.format_timestamp_millis();
        }
        LogFormat::Json => {
            builder.format(|out, record| writeln!(out, "{}", json_line(record, chrono::Utc::now())));
        }
    }
    builder.init();
}

/// One record as a JSON object on one line.
fn json_line(record: &log::Record, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut line = serde_json::Map::new();
    line.insert("ts".into(), at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true).into());
    line.insert("level".into(), record.level().as_str().into());
    line.insert("target".into(), record.target().into());
    line.insert("msg".into(), record.args().to_string().into());
    if let Some(id) = crate::log_context::current() {
        line.insert("request_id".into(), id.as_ref().into());
    }
    let mut fields = Fields(&mut line);
    // A field that cannot be read is left out; the line itself is still written.
    let _ = record.key_values().visit(&mut fields);
    serde_json::Value::Object(line).to_string()
}

struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let value = if let Some(n) = value.to_u64() {
            n.into()
        } else if let Some(n) = value.to_i64() {
            n.into()
        } else if let Some(n) = value.to_f64() {
            serde_json::Number::from_f64(n).map(serde_json::Value::Number).unwrap_or_else(|| n.to_string().into())
        } else if let Some(b) = value.to_bool() {
            b.into()
        } else {
            value.to_string().into()
        };
        self.0.insert(key.as_str().to_string(), value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_becomes_one_json_object_with_its_fields() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00.123Z").unwrap().to_utc();
        let fields: &[(&str, Value)] = &[("status", Value::from(503u16)), ("route", Value::from("/api/v1/x/{id}"))];
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("opsdesk::access")
                .args(format_args!("a \"quoted\"\nline"))
                .key_values(&fields)
                .build(),
            at,
        );
        assert!(!line.contains('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["ts"], "2026-12-07T10:00:00.123Z");
        assert_eq!(parsed["level"], "WARN");
        assert_eq!(parsed["target"], "opsdesk::access");
        assert_eq!(parsed["msg"], "a \"quoted\"\nline");
        assert_eq!(parsed["status"], 503);
        assert_eq!(parsed["route"], "/api/v1/x/{id}");
    }
}
