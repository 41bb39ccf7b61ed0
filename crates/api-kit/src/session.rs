//! A signed-in customer's session token, as every shopper-facing component reads it: an
//! `Authorization: Bearer stk_…` header (API clients) or the `__Host-session` cookie (the
//! storefront), with the header winning. What the token is worth is identity's to say
//! (`identity.authenticate`); this only finds it.
//!
//! A change made with the cookie must come from the shop's own pages: the request's
//! `Origin` names the host it was sent to (from Spin's `spin-full-url`, which Spin builds
//! from `Host`), or, without `Origin`, `Sec-Fetch-Site` is `same-origin`. Browsers send
//! `Origin` with every cross-origin `POST`/`PATCH`/`DELETE` and a page cannot forge it;
//! `SameSite=Lax` keeps the cookie off cross-site `POST`s too, and the APIs take only
//! `application/json` bodies, which no HTML form can send. A bearer token carries its own
//! proof and needs none of this.

use crate::{Problem, ProblemType};
use spin_sdk::http::Request;

/// The session cookie. `__Host-` makes browsers refuse it unless it is `Secure`, has
/// `Path=/` and no `Domain`: no other host or path can set or shadow it.
pub const COOKIE: &str = "__Host-session";

/// A header's value as trimmed text, if it is text.
fn header(req: &Request, name: &str) -> Option<String> {
    req.header(name)
        .and_then(|v| v.as_str())
        .map(|s| s.trim().to_owned())
}

/// The request's session token: the bearer token, else the session cookie (which, for a
/// request that `changes` something, must come with a same-origin proof: else 403). `None`
/// without either; 401 for an `Authorization` header of another scheme.
pub fn token(req: &Request, changes: bool) -> Result<Option<String>, Problem> {
    if let Some(authorization) = header(req, "authorization") {
        return match crate::auth::bearer_token(&authorization) {
            Some(token) => Ok(Some(token.to_owned())),
            None => Err(missing()),
        };
    }
    let Some(token) = cookie(req, COOKIE) else {
        return Ok(None);
    };
    if changes && !same_origin(req) {
        return Err(Problem::new(
            ProblemType::Forbidden,
            "A change made with the session cookie must come from the shop's own pages (its \
             Origin must be this site's).",
        ));
    }
    Ok(Some(token))
}

/// The signed-in customer's id (`identity.authenticate` of the request's session token),
/// `None` without a session; 401 for a session identity does not know (clearing the
/// cookie), and the rules of [`token`].
pub fn customer(req: &Request, changes: bool) -> Result<Option<String>, Problem> {
    use commerce_bindings::identity::identity;
    let Some(token) = token(req, changes)? else {
        return Ok(None);
    };
    match identity::authenticate(&token) {
        Ok(session) => Ok(Some(session.customer_id)),
        Err(identity::Error::InvalidToken) => Err(ended()),
        Err(e) => Err(crate::admin::identity_problem(e)),
    }
}

/// The request's session token, or 401.
pub fn required_token(req: &Request, changes: bool) -> Result<String, Problem> {
    token(req, changes)?.ok_or_else(missing)
}

/// 401 asking for a session.
pub fn missing() -> Problem {
    Problem::unauthorized(
        "This resource needs a signed-in customer: an `Authorization: Bearer stk_…` header \
         or the session cookie.",
    )
}

/// 401 for a session identity does not know (unknown, expired or ended), clearing the
/// cookie.
pub fn ended() -> Problem {
    Problem::unauthorized("The session is unknown, expired or ended: sign in again.")
        .with_header("set-cookie", set_cookie(None))
}

/// The `Set-Cookie` value of a session token with its lifetime in seconds, or of the
/// cookie's removal (`None`).
pub fn set_cookie(token: Option<(&str, i64)>) -> String {
    match token {
        Some((token, max_age)) => {
            format!("{COOKIE}={token}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax")
        }
        None => format!("{COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"),
    }
}

/// The value of the cookie `name` in the `Cookie` header.
fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = header(req, "cookie")?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The authority (`host[:port]`) the request was sent to.
fn request_authority(req: &Request) -> String {
    header(req, "spin-full-url")
        .and_then(|url| {
            let rest = url.split_once("://")?.1;
            Some(rest[..rest.find('/').unwrap_or(rest.len())].to_owned())
        })
        .or_else(|| header(req, "host"))
        .unwrap_or_default()
}

/// Whether a browser says the request comes from this site.
fn same_origin(req: &Request) -> bool {
    if let Some(origin) = header(req, "origin") {
        let host = request_authority(req);
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        return !host.is_empty() && authority.is_some_and(|a| a.eq_ignore_ascii_case(&host));
    }
    header(req, "sec-fetch-site").is_some_and(|s| s.eq_ignore_ascii_case("same-origin"))
}
