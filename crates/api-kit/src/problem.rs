//! RFC 9457 problem details.

use serde::Serialize;
use spin_sdk::http::{Method, Response};

/// Where the problem type URIs live. Each type's URI is this plus its slug and never
/// changes, so clients may switch on it.
pub const TYPE_BASE: &str = "https://spin-commerce.dev/problems/";

/// The kinds of problem an API reports: each has a stable type URI, a title and a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    /// 400: the request's parameters or body are invalid; `errors` says which and why.
    InvalidInput,
    /// 401: the request carries no credentials (or malformed ones); `WWW-Authenticate`
    /// says which scheme to use.
    Unauthorized,
    /// 401: the email and password (or the current password) do not match an account.
    InvalidCredentials,
    /// 400: a one-time token (password reset, email verification) is unknown, expired,
    /// replaced or already used: one answer for all.
    InvalidToken,
    /// 403: the request's credentials are not good for this resource.
    Forbidden,
    /// 404: nothing at this URL (unknown route, id or slug).
    NotFound,
    /// 405: the URL exists but not with this method; `Allow` lists the methods.
    MethodNotAllowed,
    /// 409: the request clashes with the current state (e.g. a taken slug).
    Conflict,
    /// 413: the body is larger than the resource accepts.
    PayloadTooLarge,
    /// 415: the body is not in a supported media type.
    UnsupportedMediaType,
    /// 429: the client (or the account) is over one of the abuse limits; `Retry-After`
    /// says in how many seconds to try again. Nothing was changed.
    RateLimited,
    /// 500: the server failed; details are in its logs, not in the response.
    Internal,
    /// 503: a dependency (database, store) is unavailable.
    Unavailable,
}

impl ProblemType {
    /// The slug of the type URI, e.g. `not-found`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid-input",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::InvalidCredentials => "invalid-credentials",
            Self::InvalidToken => "invalid-token",
            Self::PayloadTooLarge => "payload-too-large",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::RateLimited => "rate-limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The short, fixed summary of the type.
    pub fn title(self) -> &'static str {
        match self {
            Self::InvalidInput => "Invalid input",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::InvalidCredentials => "Invalid credentials",
            Self::InvalidToken => "Invalid token",
            Self::PayloadTooLarge => "Payload too large",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::RateLimited => "Too many requests",
            Self::Internal => "Internal error",
            Self::Unavailable => "Service unavailable",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidInput => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::InvalidCredentials => 401,
            Self::InvalidToken => 400,
            Self::PayloadTooLarge => 413,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// One bad field of the input: a JSON pointer (`/variants/0/sku`, or `/limit` for a query
/// parameter) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The JSON pointer to the field.
    pub path: String,
    /// What is wrong, for people.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem. Rendered as `application/problem+json` with `type`, `title`,
/// `status`, `detail`, `instance` and, for invalid input, `errors`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    detail: String,
    instance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError>>,
    /// Response headers the problem calls for (`Allow`, `WWW-Authenticate`).
    #[serde(skip)]
    headers: Vec<(&'static str, String)>,
    #[serde(skip)]
    kind: ProblemType,
}

impl Problem {
    /// A problem of `kind` with a human explanation of this occurrence.
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("{TYPE_BASE}{}", kind.slug()),
            title: kind.title(),
            status: kind.status(),
            detail: detail.into(),
            instance: String::new(),
            errors: None,
            headers: Vec::new(),
            kind,
        }
    }

    /// 400 listing every bad field.
    pub fn invalid_input(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field of the request is invalid.".to_owned(),
            n => format!("{n} fields of the request are invalid."),
        };
        Self {
            errors: Some(errors),
            ..Self::new(ProblemType::InvalidInput, detail)
        }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::NotFound, detail)
    }

    /// 405 for `method`, allowing `allowed`.
    pub fn method_not_allowed(method: &Method, allowed: &[Method]) -> Self {
        let allow = allowed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let detail = format!("{method} is not allowed here; allowed: {allow}.");
        Self::new(ProblemType::MethodNotAllowed, detail).with_header("allow", allow)
    }

    /// 401 asking for a bearer token (`WWW-Authenticate: Bearer`, RFC 6750).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::Unauthorized, detail).with_header("www-authenticate", "Bearer")
    }

    /// 403 for credentials that are not good here. Answered with `WWW-Authenticate:
    /// Bearer error="invalid_token"` (RFC 6750) so clients know to fetch another token.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::Forbidden, detail)
            .with_header("www-authenticate", r#"Bearer error="invalid_token""#)
    }

    /// 413 for a body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            ProblemType::PayloadTooLarge,
            format!("The body is larger than this resource accepts ({limit} bytes at most)."),
        )
    }

    /// 429 for `what` (e.g. "checkout attempts from this client"), with `Retry-After:
    /// retry_after_seconds` (RFC 9110 § 10.2.3).
    pub fn rate_limited(what: &str, retry_after_seconds: u32) -> Self {
        let seconds = retry_after_seconds.max(1);
        Self::new(
            ProblemType::RateLimited,
            format!("Too many {what}; try again in {seconds} s. Nothing was changed."),
        )
        .with_header("retry-after", seconds.to_string())
    }

    /// Adds a response header to the problem's response.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 409 naming what clashed, e.g. `"slug"`.
    pub fn conflict(what: &str) -> Self {
        Self::new(
            ProblemType::Conflict,
            format!("The {what} is already taken."),
        )
    }

    /// 500. `log` goes to the component's log (stderr), never to the client.
    pub fn internal(log: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {log}");
        Self::new(
            ProblemType::Internal,
            "The server could not complete the request.",
        )
    }

    /// 503. `log` goes to the component's log, never to the client.
    pub fn unavailable(log: impl std::fmt::Display) -> Self {
        eprintln!("unavailable: {log}");
        Self::new(
            ProblemType::Unavailable,
            "A service the server depends on is unavailable; try again later.",
        )
    }

    /// The kind of problem.
    pub fn kind(&self) -> ProblemType {
        self.kind
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The field errors of an invalid-input problem.
    pub fn errors(&self) -> &[FieldError] {
        self.errors.as_deref().unwrap_or_default()
    }

    /// Sets the URI reference of this occurrence, normally the request path.
    pub fn with_instance(mut self, instance: &str) -> Self {
        instance.clone_into(&mut self.instance);
        self
    }

    /// The response headers the problem adds, e.g. `("allow", "GET")`.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The `application/problem+json` response, with `Allow` for a 405 and
    /// `WWW-Authenticate` for a 401 or 403.
    pub fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| {
            // Serialising plain strings and numbers cannot fail; keep a valid body anyway.
            br#"{"type":"https://spin-commerce.dev/problems/internal","title":"Internal error","status":500,"detail":"","instance":""}"#.to_vec()
        });
        let mut builder = Response::builder();
        builder
            .status(self.status)
            .header("content-type", crate::PROBLEM_JSON);
        for (name, value) in &self.headers {
            builder.header(*name, value.as_str());
        }
        builder.body(body).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rfc9457_fields() {
        let p = Problem::invalid_input(vec![FieldError::new("/limit", "must be at most 100")])
            .with_instance("/api/products");
        let v: serde_json::Value = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["type"],
            "https://spin-commerce.dev/problems/invalid-input"
        );
        assert_eq!(v["title"], "Invalid input");
        assert_eq!(v["status"], 400);
        assert_eq!(v["instance"], "/api/products");
        assert_eq!(v["errors"][0]["path"], "/limit");
        let nf = serde_json::to_value(Problem::not_found("x")).unwrap();
        assert!(nf.get("errors").is_none());
    }
}
