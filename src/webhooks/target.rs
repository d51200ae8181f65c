//! Where a webhook may point (server-side request forgery): HTTPS to public addresses only,
//! unless the operator allows networks (`OPSDESK_WEBHOOK_ALLOWED_NETWORKS`), whose addresses may
//! also be reached over plain http. The name is resolved and checked at subscription time and
//! again at every delivery, and the delivery connects to the very addresses checked, so a name
//! that resolves elsewhere later (DNS rebinding) cannot lead a delivery inside the network.

use std::net::{IpAddr, SocketAddr};

use crate::config::Network;

/// How long a name may take to resolve (a subscription request waits for it).
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A subscription's URL, parsed.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: reqwest::Url,
    pub host: String,
    pub port: u16,
    pub https: bool,
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The name did not resolve (perhaps for a moment): worth trying again later.
    Unresolved(String),
    /// The target is not allowed: not tried again.
    Forbidden(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Unresolved(m) | Refusal::Forbidden(m) => m,
        }
    }
}

/// Parses a webhook URL: http or https, a host, no user name or password, no fragment.
pub fn parse(url: &str) -> Result<Target, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| format!("is not a URL ({e})"))?;
    let https = match parsed.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(format!("must be an https URL, not {other}:")),
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not hold a user name or password (the signature authenticates us)".into());
    }
    if parsed.fragment().is_some() {
        return Err("must not have a #fragment".into());
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) => name.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("must name a host".into()),
    };
    let port = parsed.port_or_known_default().ok_or("must have a port")?;
    Ok(Target { url: parsed, host, port, https })
}

/// Networks no webhook reaches unless allowed: private, loopback, link-local, shared (CGNAT),
/// multicast, reserved, documentation and benchmarking ranges, and their IPv6 counterparts.
const BLOCKED: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "64:ff9b::/96",
    "100::/64",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Whether `ip` is an ordinary public address.
pub fn is_public(ip: IpAddr) -> bool {
    !BLOCKED.iter().filter_map(|n| n.parse::<Network>().ok()).any(|n| n.contains(ip))
}

/// Whether a delivery may connect to `ip` over this target's scheme.
fn allowed(ip: IpAddr, https: bool, networks: &[Network]) -> bool {
    networks.iter().any(|n| n.contains(ip)) || (https && is_public(ip))
}

/// The addresses a delivery to `target` connects to: every address the name resolves to must be
/// allowed (one bad address refuses the target, so that no resolver order can slip one in).
pub async fn resolve(target: &Target, networks: &[Network]) -> Result<Vec<SocketAddr>, Refusal> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
                Ok(Ok(addresses)) => addresses.collect(),
                Ok(Err(e)) => return Err(Refusal::Unresolved(format!("{} does not resolve: {e}", target.host))),
                Err(_) => return Err(Refusal::Unresolved(format!("{} did not resolve within 5 s", target.host))),
            }
        }
    };
    if addresses.is_empty() {
        return Err(Refusal::Unresolved(format!("{} resolves to no address", target.host)));
    }
    for address in &addresses {
        if !allowed(address.ip(), target.https, networks) {
            let why = if target.https || !is_public(address.ip()) {
                "a private, loopback or reserved address"
            } else {
                "a public address over plain http (https is required)"
            };
            return Err(Refusal::Forbidden(format!(
                "{} resolves to {}, {why}; an operator may allow its network with OPSDESK_WEBHOOK_ALLOWED_NETWORKS",
                target.host,
                address.ip()
            )));
        }
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_strictly() {
        let t = parse("https://hooks.example.com/opsdesk?x=1").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.https), ("hooks.example.com", 443, true));
        assert_eq!(parse("http://127.0.0.1:9000/in").unwrap().port, 9000);
        assert!(parse("ftp://example.com/").is_err());
        assert!(parse("https://user:pw@example.com/").is_err());
        assert!(parse("https://example.com/#frag").is_err());
        assert!(parse("not a url").is_err());
        assert!(parse("file:///etc/passwd").is_err());
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for blocked in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(blocked.parse().unwrap()), "{blocked}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn delivery_addresses_are_checked() {
        let loopback = parse("http://127.0.0.1:9000/").unwrap();
        let refused = resolve(&loopback, &[]).await.unwrap_err();
        assert!(matches!(refused, Refusal::Forbidden(_)), "{refused:?}");
        let allowed: Network = "127.0.0.0/8".parse().unwrap();
        assert_eq!(resolve(&loopback, &[allowed]).await.unwrap(), vec!["127.0.0.1:9000".parse().unwrap()]);
        // Plain http to a public address is refused even though the address is public.
        let public_http = parse("http://93.184.216.34/").unwrap();
        assert!(matches!(resolve(&public_http, &[]).await, Err(Refusal::Forbidden(_))));
        assert!(resolve(&parse("https://93.184.216.34/").unwrap(), &[]).await.is_ok());
        // A name that resolves to loopback is refused like the address itself.
        let named = parse("https://localhost:8443/").unwrap();
        assert!(matches!(resolve(&named, &[]).await, Err(Refusal::Forbidden(_))));
    }
}
