//! What every HTTP API component of spin-commerce shares.
//!
//! - [`Problem`]: RFC 9457 `application/problem+json` errors with stable type URIs;
//!   [`TypedProblem`]: a problem of a type of one API, with members of its own.
//! - [`json`]: `application/json` responses.
//! - [`Query`]: strict query-string parsing (unknown or repeated parameters and bad numbers
//!   are a 400 problem listing every bad parameter).
//! - [`serve`], [`allow`], [`request_path`]: the request path whatever the host, 405 with
//!   `Allow`, and turning a handler's `Result` into a response.
//! - [`check_bearer`]: `Authorization: Bearer` against a secret, compared in constant time
//!   (401 with `WWW-Authenticate` without a token, 403 with a wrong one); [`admin`]: the
//!   `admin_token` check and the `no-store` answers every `/admin/` component shares.
//! - [`session`]: a signed-in customer's session token (bearer or `__Host-session` cookie,
//!   with the same-origin rule for changes made with the cookie).
//! - [`read_limited`]: a request body read with a size limit (413 over it), for handlers
//!   that take the raw `IncomingRequest`; [`require_media_type`] (415).
//! - [`idempotency_key`], [`required_idempotency_key`]: the `Idempotency-Key` header,
//!   1 to `max` visible ASCII characters.
//! - [`JsonChecker`]: strict JSON bodies, every bad field (unknown, missing, wrong type, out
//!   of range) reported by JSON pointer in one 400 problem.
//! - [`limits`]: the abuse limits (429 `rate-limited` with `Retry-After`), configured by
//!   Spin variables, counted by the limits capability.
//!
//! A handler is a function `fn(&Request, &str) -> Result<Response, Problem>` that gets the
//! full request path; [`serve`] calls it and renders its problem, if any, with the path as
//! the problem's `instance`.

pub mod admin;
pub mod auth;
mod body;
mod check;
mod idempotency;
pub mod limits;
mod problem;
mod query;
pub mod session;
mod typed;

pub use auth::{check_bearer, constant_time_eq};
pub use body::{
    incoming_header, incoming_path, json_value_body, media_type, parse_json, read_limited,
    require_media_type,
};
pub use check::{At, JsonChecker, Object};
pub use idempotency::{idempotency_key, required_idempotency_key};
pub use problem::{FieldError, Problem, ProblemType};
pub use query::Query;
pub use typed::TypedProblem;

use serde::{Serialize, de::DeserializeOwned};
use spin_sdk::http::{Method, Request, Response};

/// The content type of JSON responses.
pub const JSON: &str = "application/json";
/// The content type of problem responses (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A response with `body` serialised as JSON.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, Problem> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Problem::internal(format!("serialising a response: {e}")))?;
    Ok(Response::builder()
        .status(status)
        .header("content-type", JSON)
        .body(bytes)
        .build())
}

/// A response with a JSON text that is already serialised (e.g. a bundled document).
pub fn json_text(status: u16, body: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", JSON)
        .body(body)
        .build()
}

/// The request body parsed as JSON: 415 unless the content type is JSON, 400 (with one
/// error at path `""`) when the body is not valid JSON of the expected shape.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(JSON) {
        return Err(Problem::new(
            ProblemType::UnsupportedMediaType,
            "The body must be application/json.",
        ));
    }
    serde_json::from_slice(req.body())
        .map_err(|e| Problem::invalid_input(vec![FieldError::new("", format!("body: {e}"))]))
}

/// Calls `handler` with the request and its full path, and renders its `Err` as a problem
/// whose `instance` is that path.
pub fn serve(
    req: &Request,
    handler: impl FnOnce(&Request, &str) -> Result<Response, Problem>,
) -> Response {
    let path = request_path(req);
    match handler(req, &path) {
        Ok(response) => response,
        Err(problem) => problem.with_instance(&path).into_response(),
    }
}

/// `Ok` when the request's method is one of `methods`, else a 405 problem whose `Allow`
/// header lists them.
pub fn allow(req: &Request, methods: &[Method]) -> Result<(), Problem> {
    if methods.contains(req.method()) {
        Ok(())
    } else {
        Err(Problem::method_not_allowed(req.method(), methods))
    }
}

/// The request's full path (no query), e.g. `/api/products/t-shirt`, percent-encoded as
/// received.
///
/// Spin passes the full path in the request URI and in the `spin-full-url` header; this
/// prefers the header, falls back on the URI, and as a last resort rebuilds the path from
/// the matched route's base (`spin-component-route`) and `spin-path-info`.
pub fn request_path(req: &Request) -> String {
    let header = |name: &str| {
        req.header(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if let Some(path) = header("spin-full-url").and_then(path_of_url) {
        return path.to_owned();
    }
    let uri_path = req.path();
    if uri_path.starts_with('/') {
        return uri_path.to_owned();
    }
    let base = header("spin-component-route").unwrap_or("");
    let info = header("spin-path-info").unwrap_or("");
    let path = format!("{}{info}", base.trim_end_matches("/..."));
    if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    }
}

/// The path of an absolute URL or of an origin-form target (`/a/b?c`), without query or
/// fragment.
fn path_of_url(url: &str) -> Option<&str> {
    let after_authority = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            &rest[rest.find('/')?..]
        }
        None if url.starts_with('/') => url,
        None => return None,
    };
    let end = after_authority
        .find(['?', '#'])
        .unwrap_or(after_authority.len());
    Some(&after_authority[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_urls() {
        assert_eq!(
            path_of_url("http://localhost:3000/api/products?limit=2"),
            Some("/api/products")
        );
        assert_eq!(path_of_url("https://shop.example/api/x#y"), Some("/api/x"));
        assert_eq!(path_of_url("https://shop.example"), None);
        assert_eq!(path_of_url("/api/health"), Some("/api/health"));
        assert_eq!(path_of_url("api"), None);
    }
}
