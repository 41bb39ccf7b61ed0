//! The gateway's abuse limits, in the request path of the HTTP components that need them.
//!
//! A [`Limit`] is a named bucket per subject (a client address, an account), configured by
//! one Spin variable: `"<capacity>/<window seconds>"` (e.g. `"10/600"`: 10 at once, then one
//! more every 60 s, all 10 again after 600 s without use), or `"off"` (or `"0"`) to disable
//! it. The buckets live in the limits capability (`components/limits`, `commerce:limits`,
//! GCRA in SQLite; see `wit/deps/limits/limits.wit` for the algorithm): a component that
//! calls this module composes it (`"commerce:limits"` in its `spin.toml` dependencies).
//!
//! - [`take`]: one unit of each limit, all or nothing; over any of them, a 429
//!   `rate-limited` problem with `Retry-After` and nothing taken, so the caller changes
//!   nothing either (call it before any other work).
//! - [`counting_failures`]: a limit that counts authentication failures only (a 401, or a
//!   403 asking for other credentials): refused before the attempt while the subject is
//!   over it (a read), and a failure takes a unit (a write only then). [`admin_attempt`]
//!   runs any admin credential check under [`ADMIN_AUTH_FAILURES`]; [`authorize_admin`] is
//!   `admin::authorize` under it.
//! - [`client`], [`incoming_client`]: the subject of the client that sent a request; where
//!   its address comes from is the variable `client_address_source` (see [`Source`]).
//! - [`Subject::account`]: the subject of an account, by its normalised email.
//!
//! The ready-made limits ([`CHECKOUT`], [`API_WRITES`], [`ADMIN_AUTH_FAILURES`],
//! [`SIGN_IN_ACCOUNT`], [`SIGN_IN_CLIENT`], [`PASSWORD_RESET_ACCOUNT`],
//! [`PASSWORD_RESET_CLIENT`], [`REGISTRATION_CLIENT`]) each name their variable, declared
//! in `spin.toml` with the same default; a component reads only the variables it is granted,
//! and a limit whose variable it was not granted has that default.

use crate::Problem;
use spin_sdk::http::{IncomingRequest, Method, Request};
use std::net::IpAddr;

/// The generated import glue of `commerce:limits/limits` (world `limits-imports`). An HTTP
/// component whose world imports the interface remaps it here (`with:
/// { "commerce:limits/limits@0.1.0": api_kit::limits::wit }`), so it is generated once.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "limits-imports",
        generate_all,
    });
}

pub use bindings::commerce::limits::limits as wit;

/// One abuse limit: its bucket name, the Spin variable that configures it and that
/// variable's default (the same as in `spin.toml`), and what it counts, for the 429's
/// detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The bucket's name in the limits capability (`a`-`z`, `0`-`9`, `-`).
    pub name: &'static str,
    /// The Spin variable holding `"<capacity>/<window seconds>"` or `"off"`.
    pub variable: &'static str,
    /// The value when the component has no such variable.
    pub default: &'static str,
    /// What is counted, as the 429 says it: "Too many {what}".
    pub what: &'static str,
}

/// `POST /api/checkout` attempts, per client address (checkout-api).
pub const CHECKOUT: Limit = Limit {
    name: "checkout-client",
    variable: "limit_checkout_per_client",
    default: "10/600",
    what: "checkout attempts from this client",
};

/// The global ceiling on the API's writes (cart-api's every method but GET, HEAD and
/// OPTIONS, and `POST /api/checkout`; not the payment webhooks), per client address. Reads
/// are not counted: see "Abuse limits" in ARCHITECTURE.md.
pub const API_WRITES: Limit = Limit {
    name: "api-writes-client",
    variable: "limit_api_writes_per_client",
    default: "120/60",
    what: "API requests from this client",
};

/// Failed admin authentications (401, 403), per client address (every `/admin/`
/// component, through [`authorize_admin`]).
pub const ADMIN_AUTH_FAILURES: Limit = Limit {
    name: "admin-auth-failures-client",
    variable: "limit_admin_auth_failures_per_client",
    default: "10/900",
    what: "failed authentications from this client",
};

/// Sign-in attempts per account ([`Subject::account`] of the email given), for the
/// accounts API: take it with [`SIGN_IN_CLIENT`] before the password is checked.
pub const SIGN_IN_ACCOUNT: Limit = Limit {
    name: "sign-in-account",
    variable: "limit_sign_in_per_account",
    default: "10/900",
    what: "sign-in attempts for this account",
};

/// Sign-in attempts per client address, for the accounts API.
pub const SIGN_IN_CLIENT: Limit = Limit {
    name: "sign-in-client",
    variable: "limit_sign_in_per_client",
    default: "30/900",
    what: "sign-in attempts from this client",
};

/// Password reset requests per account, for the accounts API.
pub const PASSWORD_RESET_ACCOUNT: Limit = Limit {
    name: "password-reset-account",
    variable: "limit_password_reset_per_account",
    default: "3/3600",
    what: "password reset requests for this account",
};

/// Password reset requests per client address, for the accounts API.
pub const PASSWORD_RESET_CLIENT: Limit = Limit {
    name: "password-reset-client",
    variable: "limit_password_reset_per_client",
    default: "10/3600",
    what: "password reset requests from this client",
};

/// Registrations per client address, for the accounts API.
pub const REGISTRATION_CLIENT: Limit = Limit {
    name: "registration-client",
    variable: "limit_registration_per_client",
    default: "5/3600",
    what: "registrations from this client",
};

/// A limit's configuration: its capacity and window, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Not applied: nothing is counted or refused.
    Off,
    /// `capacity` units at once, all back after `window_seconds`.
    Rate { capacity: u32, window_seconds: u32 },
}

/// The largest capacity the limits capability takes.
const MAX_CAPACITY: u32 = 1_000_000;
/// The longest window it takes: 30 days.
const MAX_WINDOW_SECONDS: u32 = 30 * 24 * 3600;

/// Reads a limit's variable value: `"off"` or `"0"` (or a capacity of 0), else
/// `"<capacity>/<window seconds>"` with a capacity of 1 to 1000000 and a window of 1 to
/// 2592000 seconds (30 days).
pub fn parse_setting(value: &str) -> Result<Setting, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("off") || value == "0" {
        return Ok(Setting::Off);
    }
    let expected = || {
        format!(
            "{value:?} is not \"off\" nor \"<capacity>/<window seconds>\" (capacity 0 to {MAX_CAPACITY}, window 1 to {MAX_WINDOW_SECONDS})"
        )
    };
    let (capacity, window) = value.split_once('/').ok_or_else(expected)?;
    let capacity: u32 = capacity.trim().parse().map_err(|_| expected())?;
    let window_seconds: u32 = window.trim().parse().map_err(|_| expected())?;
    if capacity > MAX_CAPACITY || !(1..=MAX_WINDOW_SECONDS).contains(&window_seconds) {
        return Err(expected());
    }
    if capacity == 0 {
        return Ok(Setting::Off);
    }
    Ok(Setting::Rate {
        capacity,
        window_seconds,
    })
}

/// A Spin variable, or `default` when the component has none.
fn variable(name: &str, default: &str) -> Result<String, Problem> {
    match spin_sdk::variables::get(name) {
        Ok(value) => Ok(value),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(default.to_owned()),
        Err(e) => Err(Problem::unavailable(format!(
            "reading the variable {name}: {e}"
        ))),
    }
}

/// A deployment mistake in a variable of this module: a 503 whose log names the variable.
fn misconfigured(name: &str, why: &str) -> Problem {
    Problem::unavailable(format!("the variable {name}: {why}"))
}

impl Limit {
    /// The limit as configured (its variable, else its default); a 503 when the value is
    /// not one [`parse_setting`] reads, so a typo never silently disables a limit.
    pub fn setting(&self) -> Result<Setting, Problem> {
        let value = variable(self.variable, self.default)?;
        parse_setting(&value).map_err(|why| misconfigured(self.variable, &why))
    }
}

/// Who spends a unit of a limit: a client address or an account. Only its SHA-256 is
/// stored, by the limits capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    /// The account with this email, normalised as identity compares emails (spaces trimmed,
    /// case ignored), so `Ann@Example.com ` and `ann@example.com` share one bucket.
    pub fn account(email: &str) -> Self {
        Self(format!("account:{}", email.trim().to_lowercase()))
    }

    /// The client at `ip`. An IPv6 client is its /64 (one site's or one host's prefix,
    /// which it can vary freely within), an IPv4-mapped IPv6 address its IPv4 address; no
    /// address at all is one shared subject, `client:unknown`.
    pub fn client(ip: Option<IpAddr>) -> Self {
        let ip = match ip {
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Some(IpAddr::V4(v4)),
                None => Some(IpAddr::V6(v6)),
            },
            other => other,
        };
        Self(match ip {
            None => "client:unknown".to_owned(),
            Some(IpAddr::V4(v4)) => format!("client:{v4}"),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("client:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        })
    }

    /// The subject as the limits capability is given it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the client's address comes from: the variable `client_address_source`.
///
/// - `peer` (the default): the `spin-client-addr` header, which Spin sets on every request
///   to the address of the connection's other end (Spin's last value: Spin appends its own
///   after any the client sent). That is the client under `spin up` reached directly, but
///   the nearest proxy behind any ingress or edge.
/// - `x-forwarded-for:N`: `N` (1 to 10) proxies the operator runs in front of Spin each
///   append the address they received from to `X-Forwarded-For`, so the client is the
///   `N`-th entry from the right; what a client put further left is ignored. A header with
///   fewer entries, or an entry that is no address, means a request that did not come
///   through those proxies: the peer is used.
/// - `header:<name>`: a header that a trusted edge sets to the client's address,
///   overwriting any value the client sent (e.g. `true-client-ip` on Fermyon Wasm
///   Functions and Akamai Functions); missing or not an address, the peer is used.
///
/// Any other value is a deployment mistake: a 503 naming the variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Peer,
    ForwardedFor(usize),
    Header(String),
}

/// The variable naming where the client's address comes from (see [`Source`]).
pub const SOURCE_VARIABLE: &str = "client_address_source";

/// Reads `client_address_source`.
pub fn parse_source(value: &str) -> Result<Source, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("peer") {
        return Ok(Source::Peer);
    }
    if let Some(hops) = value.strip_prefix("x-forwarded-for:") {
        return match hops.trim().parse::<usize>() {
            Ok(n @ 1..=10) => Ok(Source::ForwardedFor(n)),
            _ => Err(format!(
                "{value:?}: the hops of x-forwarded-for:N are 1 to 10"
            )),
        };
    }
    if let Some(name) = value.strip_prefix("header:") {
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(Source::Header(name));
        }
    }
    Err(format!(
        "{value:?} is not \"peer\", \"x-forwarded-for:N\" nor \"header:<name>\""
    ))
}

/// An address as a proxy or Spin writes it: `ip`, `ip:port`, `[ipv6]:port`.
fn parse_addr(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')
        .and_then(|t| t.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

/// The client's address from `source`, given `values(name)`: a header's values in the
/// order received (lower-case name).
pub fn client_address(source: &Source, values: &dyn Fn(&str) -> Vec<String>) -> Option<IpAddr> {
    let last = |name: &str| values(name).pop();
    let peer = || last("spin-client-addr").and_then(|v| parse_addr(&v));
    match source {
        Source::Peer => peer(),
        Source::ForwardedFor(hops) => {
            let joined = values("x-forwarded-for").join(",");
            let entries: Vec<&str> = joined.split(',').map(str::trim).collect();
            entries
                .len()
                .checked_sub(*hops)
                .and_then(|i| parse_addr(entries[i]))
                .or_else(peer)
        }
        Source::Header(name) => last(name).and_then(|v| parse_addr(&v)).or_else(peer),
    }
}

fn source() -> Result<Source, Problem> {
    let value = variable(SOURCE_VARIABLE, "peer")?;
    parse_source(&value).map_err(|why| misconfigured(SOURCE_VARIABLE, &why))
}

/// The subject of the client that sent `req`, by `client_address_source`. (spin-sdk's
/// `Request` keeps one value per header, the last, so `X-Forwarded-For` is read from its
/// last line; proxies append to one line.)
pub fn client(req: &Request) -> Result<Subject, Problem> {
    let source = source()?;
    let values = |name: &str| {
        req.header(name)
            .and_then(|v| v.as_str())
            .map(|v| vec![v.to_owned()])
            .unwrap_or_default()
    };
    Ok(Subject::client(client_address(&source, &values)))
}

/// The subject of the client that sent `req` (every value of every header is read).
pub fn incoming_client(req: &IncomingRequest) -> Result<Subject, Problem> {
    let source = source()?;
    let headers = req.headers();
    let values = |name: &str| {
        headers
            .get(name)
            .into_iter()
            .filter_map(|v| String::from_utf8(v).ok())
            .collect()
    };
    Ok(Subject::client(client_address(&source, &values)))
}

/// The units of the limits that are on, with their limit.
fn units<'a>(
    limits: &[(&'a Limit, &Subject)],
) -> Result<(Vec<wit::Unit>, Vec<&'a Limit>), Problem> {
    let mut units = Vec::with_capacity(limits.len());
    let mut on = Vec::with_capacity(limits.len());
    for (limit, subject) in limits {
        if let Setting::Rate {
            capacity,
            window_seconds,
        } = limit.setting()?
        {
            units.push(wit::Unit {
                limit: wit::Limit {
                    name: limit.name.to_owned(),
                    capacity,
                    window_seconds,
                },
                subject: subject.as_str().to_owned(),
            });
            on.push(*limit);
        }
    }
    Ok((units, on))
}

/// The answer of the limits capability as a problem: a refusal is a 429.
fn answer(on: &[&Limit], answer: Result<Option<wit::Refusal>, wit::Error>) -> Result<(), Problem> {
    match answer {
        Ok(None) => Ok(()),
        Ok(Some(refusal)) => {
            let what = on
                .iter()
                .find(|l| l.name == refusal.limit)
                .map_or("requests", |l| l.what);
            Err(Problem::rate_limited(what, refusal.retry_after_seconds))
        }
        Err(wit::Error::Storage(e)) => Err(Problem::unavailable(format!("limits: {e}"))),
        Err(wit::Error::InvalidInput(e)) | Err(wit::Error::Other(e)) => {
            Err(Problem::internal(format!("limits: {e}")))
        }
    }
}

/// Takes one unit of each limit for its subject, all or nothing: `Ok` when every limit
/// that is on had one, else a 429 `rate-limited` problem with `Retry-After` for the first
/// that had none, and nothing was taken. Limits that are off are skipped; when all are,
/// nothing is called.
pub fn take(limits: &[(&Limit, &Subject)]) -> Result<(), Problem> {
    let (units, on) = units(limits)?;
    if units.is_empty() {
        return Ok(());
    }
    answer(&on, wit::take(&units))
}

/// Like [`take`], but only looks: `Ok` when each limit that is on has a unit now.
pub fn peek(limits: &[(&Limit, &Subject)]) -> Result<(), Problem> {
    let (units, on) = units(limits)?;
    if units.is_empty() {
        return Ok(());
    }
    answer(&on, wit::peek(&units))
}

/// Whether `problem` is an authentication failure: a 401 or 403 that asks for other
/// credentials (`WWW-Authenticate`: none given, or `error="invalid_token"`). A 403 without
/// it (a valid token whose role lacks a permission) is not: its sender is authenticated.
pub fn is_authentication_failure(problem: &Problem) -> bool {
    matches!(problem.status(), 401 | 403)
        && problem
            .headers()
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
}

/// Runs `attempt` under a limit that counts its authentication failures only
/// ([`is_authentication_failure`]): each takes a unit of `limit` for `subject`; a success
/// or any other answer takes none.
///
/// While the subject is over the limit, the attempt is not even made: a 429 (a read, no
/// write). A failure that finds the bucket empty (concurrent failures crossing the limit)
/// is answered 429 instead of its 401 or 403, so of any burst of failures exactly the
/// limit's capacity are told why they failed. Attempts racing in at the moment the limit is
/// crossed are each made once, so a burst may try a few more than the capacity; limits on
/// guessable secrets (passwords) should [`take`] for every attempt instead.
pub fn counting_failures<T>(
    limit: &Limit,
    subject: &Subject,
    attempt: impl FnOnce() -> Result<T, Problem>,
) -> Result<T, Problem> {
    peek(&[(limit, subject)])?;
    match attempt() {
        Err(failure) if is_authentication_failure(&failure) => {
            take(&[(limit, subject)])?;
            Err(failure)
        }
        outcome => outcome,
    }
}

/// `authorize` (an admin credential check of `req`, e.g. [`crate::admin::authorize`]) under
/// [`ADMIN_AUTH_FAILURES`] for the client's address.
pub fn admin_attempt<T>(
    req: &IncomingRequest,
    authorize: impl FnOnce() -> Result<T, Problem>,
) -> Result<T, Problem> {
    counting_failures(&ADMIN_AUTH_FAILURES, &incoming_client(req)?, authorize)
}

/// [`crate::admin::authorize_staff`] for `permission` under [`ADMIN_AUTH_FAILURES`]:
/// every `/admin/` component calls this first.
pub fn authorize_admin(
    req: &IncomingRequest,
    permission: commerce_bindings::identity::identity::Permission,
) -> Result<crate::admin::Actor, Problem> {
    admin_attempt(req, || crate::admin::authorize_staff(req, permission))
}

/// [`API_WRITES`] for a request that writes (any method but GET, HEAD and OPTIONS);
/// nothing for a read.
pub fn api_write(req: &Request) -> Result<(), Problem> {
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return Ok(());
    }
    take(&[(&API_WRITES, &client(req)?)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read() {
        assert_eq!(
            parse_setting("10/600"),
            Ok(Setting::Rate {
                capacity: 10,
                window_seconds: 600
            })
        );
        assert_eq!(
            parse_setting(" 3 / 1 "),
            Ok(Setting::Rate {
                capacity: 3,
                window_seconds: 1
            })
        );
        assert_eq!(parse_setting("off"), Ok(Setting::Off));
        assert_eq!(parse_setting("OFF"), Ok(Setting::Off));
        assert_eq!(parse_setting("0"), Ok(Setting::Off));
        assert_eq!(parse_setting("0/60"), Ok(Setting::Off));
        for bad in [
            "",
            "10",
            "10/0",
            "ten/60",
            "10/60s",
            "-1/60",
            "1000001/60",
            "1/2592001",
        ] {
            assert!(parse_setting(bad).is_err(), "{bad:?}");
        }
        // Every ready-made default is a valid, enabled setting.
        for limit in [
            CHECKOUT,
            API_WRITES,
            ADMIN_AUTH_FAILURES,
            SIGN_IN_ACCOUNT,
            SIGN_IN_CLIENT,
            PASSWORD_RESET_ACCOUNT,
            PASSWORD_RESET_CLIENT,
            REGISTRATION_CLIENT,
        ] {
            assert!(
                matches!(parse_setting(limit.default), Ok(Setting::Rate { .. })),
                "{limit:?}"
            );
        }
    }

    fn headers(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Vec<String> {
        move |name: &str| {
            pairs
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
                .collect()
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_peer_is_spins_last_spin_client_addr() {
        let h = headers(&[
            ("spin-client-addr", "198.51.100.1:1"),
            ("spin-client-addr", "203.0.113.9:50000"),
        ]);
        assert_eq!(client_address(&Source::Peer, &h), ip("203.0.113.9"));
        let v6 = headers(&[("spin-client-addr", "[2001:db8::1]:443")]);
        assert_eq!(client_address(&Source::Peer, &v6), ip("2001:db8::1"));
        assert_eq!(client_address(&Source::Peer, &headers(&[])), None);
    }

    #[test]
    fn forwarded_for_trusts_only_the_configured_hops() {
        let h = headers(&[
            ("spin-client-addr", "10.0.0.2:1234"),
            ("x-forwarded-for", "1.1.1.1, 198.51.100.7"),
            ("x-forwarded-for", "10.0.0.1"),
        ]);
        // One proxy (the ingress) appended its peer: the last entry.
        assert_eq!(client_address(&Source::ForwardedFor(1), &h), ip("10.0.0.1"));
        assert_eq!(
            client_address(&Source::ForwardedFor(2), &h),
            ip("198.51.100.7")
        );
        // Fewer entries than hops: not through the proxies; the peer.
        assert_eq!(client_address(&Source::ForwardedFor(4), &h), ip("10.0.0.2"));
        let junk = headers(&[
            ("spin-client-addr", "10.0.0.2:1234"),
            ("x-forwarded-for", "not-an-ip"),
        ]);
        assert_eq!(
            client_address(&Source::ForwardedFor(1), &junk),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn a_trusted_header_names_the_client() {
        let h = headers(&[
            ("spin-client-addr", "10.0.0.2:1234"),
            ("true-client-ip", "151.49.93.60"),
        ]);
        let source = parse_source("header:True-Client-IP").unwrap();
        assert_eq!(client_address(&source, &h), ip("151.49.93.60"));
        let none = headers(&[("spin-client-addr", "10.0.0.2:1234")]);
        assert_eq!(client_address(&source, &none), ip("10.0.0.2"));
    }

    #[test]
    fn sources_are_read() {
        assert_eq!(parse_source("peer"), Ok(Source::Peer));
        assert_eq!(
            parse_source("x-forwarded-for:2"),
            Ok(Source::ForwardedFor(2))
        );
        for bad in [
            "",
            "xff",
            "x-forwarded-for:0",
            "x-forwarded-for:11",
            "header:",
            "header:a b",
        ] {
            assert!(parse_source(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_failed_credentials_count_as_authentication_failures() {
        assert!(is_authentication_failure(&Problem::unauthorized("none")));
        assert!(is_authentication_failure(&Problem::forbidden("wrong")));
        let role_lacks = Problem::new(crate::ProblemType::Forbidden, "role");
        assert!(!is_authentication_failure(&role_lacks));
        assert!(!is_authentication_failure(&Problem::not_found("x")));
        assert!(!is_authentication_failure(&Problem::unavailable("x")));
    }

    #[test]
    fn subjects_group_what_one_client_controls() {
        assert_eq!(
            Subject::client(ip("2001:db8:1:2:aaaa::1")),
            Subject::client(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            Subject::client(ip("2001:db8:1:2::1")),
            Subject::client(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            Subject::client(ip("::ffff:203.0.113.9")),
            Subject::client(ip("203.0.113.9"))
        );
        assert_eq!(Subject::client(None).as_str(), "client:unknown");
        assert_eq!(
            Subject::account(" Ann@Example.com "),
            Subject::account("ann@example.com")
        );
        assert_ne!(
            Subject::account("ann@example.com").as_str(),
            Subject::client(None).as_str()
        );
    }
}
