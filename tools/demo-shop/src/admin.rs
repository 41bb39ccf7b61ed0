//! The store's admin HTTP API as the setup uses it: JSON requests with the bearer token,
//! whole listings walked page by page, and failures said in the owner's terms.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::time::Duration;
use ureq::Agent;

/// The quick start's command that runs the store, for messages.
pub const RUN_HINT: &str =
    "SPIN_VARIABLE_ADMIN_TOKEN=local-dev-admin-token cargo run -p commerce-host -- up";

/// A store's admin API.
pub struct Admin {
    agent: Agent,
    base: String,
    token: String,
    /// Where the token came from, for messages ("--token", "$SPIN_VARIABLE_ADMIN_TOKEN"…).
    token_source: String,
}

/// A status and a body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// Nothing listens there (connection refused): the store is not running (yet).
    Refused,
    /// The host name does not resolve.
    UnknownHost,
    /// The store took too long.
    Timeout,
    /// Anything else (TLS, a broken connection…).
    Other,
}

impl Admin {
    /// `base` is the store's URL (`http://127.0.0.1:3000`, `https://shop.example`).
    pub fn new(base: &str, token: &str, token_source: &str) -> Result<Admin> {
        let base = normalise_base(base)?;
        let agent: Agent = Agent::config_builder()
            // Statuses are the setup's to judge, with the problem's detail in hand.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            // An import of 500 products is the slowest request; Fermyon Cloud stops a
            // request after 30 s, so this only bounds a store that hangs.
            .timeout_global(Some(Duration::from_secs(120)))
            .user_agent("spin-commerce demo-shop")
            .build()
            .into();
        Ok(Admin {
            agent,
            base,
            token: token.to_owned(),
            token_source: token_source.to_owned(),
        })
    }

    /// The store's URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request; `Err` only when no answer came, with the reason.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, (Unreachable, anyhow::Error)> {
        let mut response = self.start(method, path, body)?;
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| unreachable(e, method, path))?;
        Ok(Answer {
            status: response.status().as_u16(),
            body,
        })
    }

    fn start(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<ureq::http::Response<ureq::Body>, (Unreachable, anyhow::Error)> {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Accept", "application/json, application/problem+json");
        if path.starts_with("/admin/") {
            request = request.header("Authorization", format!("Bearer {}", self.token));
        }
        let (content_type, bytes) = body.unwrap_or(("", Vec::new()));
        if !content_type.is_empty() {
            request = request.header("Content-Type", content_type);
        }
        let request = request
            .body(bytes)
            .map_err(|e| (Unreachable::Other, anyhow!("{method} {path}: {e}")))?;
        self.agent
            .run(request)
            .map_err(|e| unreachable(e, method, path))
    }

    /// A request whose answer must have one of the `ok` statuses; its JSON body (`Null`
    /// when empty).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        json: Option<&Value>,
        ok: &[u16],
    ) -> Result<Value> {
        let body = json.map(|v| ("application/json", v.to_string().into_bytes()));
        let answer = self.send(method, path, body).map_err(|(_, e)| e)?;
        self.expect(method, path, &answer, ok)?;
        if answer.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer.body)
            .with_context(|| format!("{method} {path}: the answer is not JSON"))
    }

    /// Fails with the owner's explanation unless `answer` has one of the `ok` statuses.
    pub fn expect(&self, method: &str, path: &str, answer: &Answer, ok: &[u16]) -> Result<()> {
        if ok.contains(&answer.status) {
            return Ok(());
        }
        bail!(
            "{}",
            failure(
                method,
                path,
                answer.status,
                &answer.body,
                &self.base,
                &self.token_source
            )
        )
    }

    /// Every item of an admin listing (`{items, next}`), walked 100 at a time.
    pub fn all(&self, path: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let url = match &after {
                Some(cursor) => format!("{path}?limit=100&after={}", percent_encode(cursor)),
                None => format!("{path}?limit=100"),
            };
            let mut page = self.call("GET", &url, None, &[200])?;
            let Some(batch) = page.get_mut("items").and_then(Value::as_array_mut) else {
                bail!("GET {path}: the answer has no \"items\"");
            };
            items.append(batch);
            match page.get("next").and_then(Value::as_str) {
                Some(next) => after = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// Calls `each` with every line of a JSON Lines answer, as it streams in.
    pub fn lines(&self, path: &str, mut each: impl FnMut(&str) -> Result<()>) -> Result<()> {
        let mut response = self.start("GET", path, None).map_err(|(_, e)| e)?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response
                .body_mut()
                .read_to_vec()
                .map_err(|e| unreachable(e, "GET", path).1)?;
            self.expect("GET", path, &Answer { status, body }, &[200])?;
        }
        let reader = BufReader::new(response.body_mut().as_reader());
        for line in reader.lines() {
            let line = line.with_context(|| format!("GET {path}: reading the answer"))?;
            each(&line)?;
        }
        Ok(())
    }
}

/// `http://host:port/` → `http://host:port`; refuses what is not an http(s) URL.
pub fn normalise_base(base: &str) -> Result<String> {
    let base = base.trim().trim_end_matches('/');
    let rest = base
        .strip_prefix("http://")
        .or_else(|| base.strip_prefix("https://"))
        .with_context(|| format!("--url {base:?}: give the store's http:// or https:// URL"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        bail!("--url {base:?}: give the store's URL, e.g. http://127.0.0.1:3000");
    }
    Ok(base.to_owned())
}

/// Why no answer came, in the owner's terms.
fn unreachable(error: ureq::Error, method: &str, path: &str) -> (Unreachable, anyhow::Error) {
    let kind = match &error {
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Unreachable::Refused
        }
        ureq::Error::ConnectionFailed => Unreachable::Refused,
        ureq::Error::HostNotFound => Unreachable::UnknownHost,
        ureq::Error::Timeout(_) => Unreachable::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Unreachable::Timeout,
        _ => Unreachable::Other,
    };
    (kind, anyhow!("{method} {path}: {error}"))
}

/// What a failed answer means for the owner: the token, the configuration, or the request
/// (with the problem's detail and every field error).
pub fn failure(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
    base: &str,
    token_source: &str,
) -> String {
    let problem: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let detail = problem.get("detail").and_then(Value::as_str).unwrap_or("");
    match status {
        401 => format!(
            "the store at {base} wants the admin token (401): give it with --token or \
             SPIN_VARIABLE_ADMIN_TOKEN"
        ),
        403 => format!(
            "the store at {base} refused the admin token from {token_source} (403 wrong \
             token): give the token the store runs with (its SPIN_VARIABLE_ADMIN_TOKEN) with \
             --token or SPIN_VARIABLE_ADMIN_TOKEN"
        ),
        503 if path.starts_with("/admin/") && detail.contains("admin_token") => format!(
            "the store's admin API is not configured (503): {detail}; start the store with \
             the variable set, e.g. `{RUN_HINT}`"
        ),
        404 if detail.is_empty() || problem.get("type").is_none() => {
            format!("{method} {path}: {base} answered 404: is this a spin-commerce store?")
        }
        _ => {
            let title = problem.get("title").and_then(Value::as_str);
            let mut text = match title {
                Some(title) => format!("{method} {path}: the store answered {status} {title}"),
                None => format!("{method} {path}: the store answered {status}"),
            };
            if !detail.is_empty() {
                text.push_str(": ");
                text.push_str(detail);
            } else if problem.is_null() && !body.is_empty() {
                text.push_str(": ");
                text.push_str(&String::from_utf8_lossy(&body[..body.len().min(500)]));
            }
            for error in problem
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                text.push_str(&format!("\n  {}", field_error(error)));
            }
            text
        }
    }
}

/// `{pointer, detail}` → "/name: must not be blank".
pub fn field_error(error: &Value) -> String {
    let pointer = error.get("pointer").and_then(Value::as_str).unwrap_or("");
    let detail = error.get("detail").and_then(Value::as_str).unwrap_or("");
    match (pointer, detail) {
        ("", "") => error.to_string(),
        ("", d) => d.to_owned(),
        (p, d) => format!("{p}: {d}"),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters (for a cursor in a query).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_and_checked() {
        assert_eq!(
            normalise_base("http://127.0.0.1:3000/").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            normalise_base(" https://shop.example ").unwrap(),
            "https://shop.example"
        );
        assert!(normalise_base("127.0.0.1:3000").is_err());
        assert!(normalise_base("ftp://x").is_err());
        assert!(normalise_base("http://").is_err());
        assert!(normalise_base("http://x/?a=1").is_err());
    }

    #[test]
    fn token_failures_say_what_to_do() {
        let base = "http://127.0.0.1:3000";
        let forbidden = failure("GET", "/admin/tax-rates", 403, b"{}", base, "--token");
        assert!(
            forbidden.contains("refused the admin token from --token"),
            "{forbidden}"
        );
        assert!(forbidden.contains("wrong token"), "{forbidden}");
        let missing = failure("GET", "/admin/tax-rates", 401, b"", base, "--token");
        assert!(
            missing.contains("--token or SPIN_VARIABLE_ADMIN_TOKEN"),
            "{missing}"
        );
        let unset = failure(
            "GET",
            "/admin/tax-rates",
            503,
            br#"{"type":"https://spin-commerce.dev/problems/unavailable","detail":"The admin_token variable is not set."}"#,
            base,
            "--token",
        );
        assert!(unset.contains("not configured"), "{unset}");
        assert!(unset.contains(RUN_HINT), "{unset}");
    }

    #[test]
    fn other_failures_carry_the_problem_and_its_field_errors() {
        let body = br#"{"type":"https://spin-commerce.dev/problems/invalid-input","title":"Invalid input","status":400,"detail":"2 fields are invalid.","errors":[{"pointer":"/name","detail":"must not be blank"},{"pointer":"/rates/0/currency","detail":"not a currency"}]}"#;
        let text = failure(
            "POST",
            "/admin/shipping-methods",
            400,
            body,
            "http://x",
            "t",
        );
        assert_eq!(
            text,
            "POST /admin/shipping-methods: the store answered 400 Invalid input: 2 fields are \
             invalid.\n  /name: must not be blank\n  /rates/0/currency: not a currency"
        );
        let plain = failure("GET", "/admin/x", 500, b"boom", "http://x", "t");
        assert_eq!(plain, "GET /admin/x: the store answered 500: boom");
        let elsewhere = failure("GET", "/api/health", 404, b"<html>", "http://x", "t");
        assert!(
            elsewhere.contains("is this a spin-commerce store?"),
            "{elsewhere}"
        );
    }

    #[test]
    fn cursors_are_percent_encoded() {
        assert_eq!(percent_encode("abc-_.~09"), "abc-_.~09");
        assert_eq!(percent_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
