//! Outbound HTTP, allowed only to the hosts a component's `allowed_outbound_hosts` lists.
//!
//! Entries follow Spin's syntax: `scheme://host[:port]`, where the scheme may be `*`, the host
//! `*` or `*.example.com`, and the port a number, a range `8000..8010` or `*`; without a port
//! the scheme's default applies. A request to any other destination fails with
//! `wasi:http` error `HTTP-request-denied`, as under Spin. Service chaining (`self`,
//! `*.spin.internal`) is refused at load time: Fermyon Cloud rejects it.

use anyhow::{Context, Result, bail, ensure};
use std::sync::Arc;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks};

/// One parsed `allowed_outbound_hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.com`: any subdomain of the suffix (not the suffix itself).
    Subdomain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// The default port of the request's scheme.
    Default,
    Range(u16, u16),
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedHost {
    /// Parses an entry such as `https://api.stripe.com` or `http://127.0.0.1:*`.
    pub fn parse(entry: &str) -> Result<Self> {
        ensure!(
            !entry.contains("{{"),
            "templated hosts are not supported by this host"
        );
        let (scheme, rest) = entry
            .split_once("://")
            .context("expected scheme://host[:port], e.g. https://api.example.com")?;
        ensure!(!rest.contains('/'), "a host entry has no path");
        let scheme = match scheme {
            "*" => None,
            s if s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !s.is_empty() =>
            {
                Some(s.to_ascii_lowercase())
            }
            s => bail!("invalid scheme {s:?}"),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        ensure!(!host.is_empty(), "empty host");
        if host == "self" || host.ends_with(".spin.internal") {
            bail!(
                "service chaining is not portable (Fermyon Cloud rejects it); call the capability through its WIT interface"
            );
        }
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            ensure!(
                !suffix.contains('*'),
                "only a leading '*.' wildcard is allowed"
            );
            HostPattern::Subdomain(suffix.to_string())
        } else {
            ensure!(
                !host.contains('*'),
                "only a leading '*.' wildcard is allowed"
            );
            HostPattern::Exact(host)
        };
        let port = match port {
            None => {
                ensure!(
                    scheme.as_deref().is_some_and(|s| default_port(s).is_some()),
                    "give a port: the scheme has no default port"
                );
                PortPattern::Default
            }
            Some("*") => PortPattern::Any,
            Some(p) => match p.split_once("..") {
                Some((lo, hi)) => {
                    let (lo, hi): (u16, u16) = (lo.parse()?, hi.parse()?);
                    ensure!(lo < hi, "empty port range {p}");
                    PortPattern::Range(lo, hi - 1)
                }
                None => {
                    let n: u16 = p.parse().with_context(|| format!("invalid port {p:?}"))?;
                    PortPattern::Range(n, n)
                }
            },
        };
        Ok(Self { scheme, host, port })
    }

    /// Whether a request to `scheme://host:port` is allowed by this entry.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        if self.scheme.as_deref().is_some_and(|s| s != scheme) {
            return false;
        }
        let host = host.to_ascii_lowercase();
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => *h == host,
            HostPattern::Subdomain(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1),
        };
        let Some(port) = port.or_else(|| default_port(scheme)) else {
            return false;
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Default => default_port(scheme) == Some(port),
            PortPattern::Range(lo, hi) => (lo..=hi).contains(&port),
        };
        host_ok && port_ok
    }
}

/// The `allowed_outbound_hosts` of one component.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Vec<AllowedHost>);

impl AllowedHosts {
    pub fn parse(entries: &[String]) -> Result<Self> {
        entries
            .iter()
            .map(|e| AllowedHost::parse(e).with_context(|| format!("allowed_outbound_hosts {e:?}")))
            .collect::<Result<_>>()
            .map(Self)
    }

    /// Whether any entry allows the URL's destination.
    pub fn allows_uri(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.0
            .iter()
            .any(|a| a.allows(scheme, host, uri.port_u16()))
    }
}

/// `wasi:http` hooks that enforce a component's allow-list before any connection is made.
pub struct OutboundHooks {
    pub allowed: Arc<AllowedHosts>,
    pub component_id: Arc<str>,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        if !self.allowed.allows_uri(request.uri()) {
            tracing::warn!(
                component = %self.component_id,
                uri = %request.uri(),
                "outbound request denied: destination not in allowed_outbound_hosts"
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entry: &str, url: &str) -> bool {
        AllowedHosts::parse(&[entry.to_string()])
            .unwrap()
            .allows_uri(&url.parse().unwrap())
    }

    #[test]
    fn entries_match_scheme_host_and_port() {
        let table = [
            (
                "https://api.stripe.com",
                "https://api.stripe.com/v1/x",
                true,
            ),
            (
                "https://api.stripe.com",
                "https://api.stripe.com:443/v1",
                true,
            ),
            ("https://api.stripe.com", "http://api.stripe.com/v1", false),
            (
                "https://api.stripe.com",
                "https://api.stripe.com:8443/",
                false,
            ),
            ("https://api.stripe.com", "https://evil.com/", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:4242/", true),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3001/", false),
            (
                "http://localhost:3000..3002",
                "http://localhost:3001/",
                true,
            ),
            (
                "http://localhost:3000..3002",
                "http://localhost:3002/",
                false,
            ),
            ("*://example.com:*", "http://example.com:81/", true),
            ("https://*.example.com", "https://a.example.com/", true),
            ("https://*.example.com", "https://example.com/", false),
            ("https://*.example.com", "https://aexample.com/", false),
        ];
        for (entry, url, expected) in table {
            assert_eq!(allows(entry, url), expected, "{entry} vs {url}");
        }
    }

    #[test]
    fn service_chaining_and_malformed_entries_are_rejected() {
        for bad in [
            "http://self",
            "http://products.spin.internal",
            "example.com",
            "*://x.com",
            "https://a*b.com",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        assert!(!AllowedHosts::default().allows_uri(&"https://a.com/".parse().unwrap()));
    }
}
