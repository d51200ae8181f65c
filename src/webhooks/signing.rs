//! How a receiver knows a delivery came from us: `Opsdesk-Signature` holds `v1=` and the
//! lowercase hex HMAC-SHA256 of `{Opsdesk-Timestamp}.{body}` keyed with the subscription's secret
//! (its UTF-8 bytes, `whsec_` included). During a rotation's grace period the header holds one
//! signature per secret, comma-separated: a receiver accepts the delivery when any matches and
//! the timestamp is recent (docs/integrations.md shows it in Python and with openssl).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "Opsdesk-Signature";
pub const TIMESTAMP_HEADER: &str = "Opsdesk-Timestamp";
pub const EVENT_ID_HEADER: &str = "Opsdesk-Event-Id";
pub const EVENT_TYPE_HEADER: &str = "Opsdesk-Event-Type";
pub const ATTEMPT_HEADER: &str = "Opsdesk-Delivery-Attempt";

/// A new signing secret: `whsec_` and 32 random bytes in URL-safe base64.
pub fn new_secret() -> String {
    use base64::Engine;
    format!("whsec_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
}

/// The hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; new_from_slice cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Opsdesk-Signature` value: `v1=<hex>` for each secret, comma-separated.
pub fn signature_header(secrets: &[String], timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| format!("v1={}", sign(s, timestamp, body))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231, test case 2: the primitive the signature is made with.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signs_timestamp_dot_body_with_each_secret() {
        let body = br#"{"id":"x"}"#;
        let one = sign("whsec_a", 1_700_000_000, body);
        assert_eq!(one.len(), 64);
        assert_ne!(one, sign("whsec_a", 1_700_000_001, body));
        assert_ne!(one, sign("whsec_b", 1_700_000_000, body));
        // The same as signing the joined message.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"whsec_a").unwrap();
        mac.update(br#"1700000000.{"id":"x"}"#);
        assert_eq!(one, hex::encode(mac.finalize().into_bytes()));
        let both = signature_header(&["whsec_a".into(), "whsec_b".into()], 1_700_000_000, body);
        assert_eq!(both, format!("v1={one}, v1={}", sign("whsec_b", 1_700_000_000, body)));
        assert!(new_secret().starts_with("whsec_") && new_secret().len() > 40);
    }
}
