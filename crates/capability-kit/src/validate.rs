//! Field validation: every rule that fails adds one error with a JSON-pointer path, so a
//! caller learns about all bad fields at once.

use crate::{country, currency};

/// The longest slug accepted.
pub const MAX_SLUG_CHARS: usize = 100;
/// The longest email address, in characters (RFC 5321's limit on a path, less the brackets).
pub const MAX_EMAIL: usize = 254;

/// Collects field errors as (JSON-pointer path, message) pairs, in the order found.
#[derive(Debug, Default)]
pub struct FieldErrors {
    errors: Vec<(String, String)>,
}

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the field at `path` is wrong.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push((path.into(), message.into()));
    }

    /// Whether no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, as (path, message) pairs.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.errors
    }

    /// Requires text that is not blank and at most `max_chars` characters.
    pub fn required_text(&mut self, path: &str, value: &str, max_chars: usize) {
        if value.trim().is_empty() {
            self.push(path, "must not be empty");
        } else {
            self.max_chars(path, value, max_chars);
        }
    }

    /// Requires text of at most `max_chars` characters (it may be empty).
    pub fn max_chars(&mut self, path: &str, value: &str, max_chars: usize) {
        if value.chars().count() > max_chars {
            self.push(path, format!("must be at most {max_chars} characters"));
        }
    }

    /// Requires a slug: see [`is_slug`].
    pub fn slug(&mut self, path: &str, value: &str) {
        if !is_slug(value) {
            self.push(
                path,
                format!(
                    "must be 1 to {MAX_SLUG_CHARS} lower-case ASCII letters, digits and hyphens, \
                     starting and ending with a letter or digit"
                ),
            );
        }
    }

    /// Requires an active ISO 4217 currency code. Returns whether it is one.
    pub fn currency(&mut self, path: &str, value: &str) -> bool {
        let ok = currency::is_active(value);
        if !ok {
            self.push(
                path,
                "must be an active ISO 4217 currency code such as \"EUR\"",
            );
        }
        ok
    }

    /// Requires an assigned ISO 3166-1 alpha-2 country code. Returns whether it is one.
    pub fn country(&mut self, path: &str, value: &str) -> bool {
        let ok = country::is_assigned(value);
        if !ok {
            self.push(
                path,
                "must be an assigned ISO 3166-1 alpha-2 country code such as \"DE\"",
            );
        }
        ok
    }
}

/// Whether `s` is a syntactically valid email address: a local part of 1 to 64 characters
/// and a domain of at least two dot-separated labels of letters, digits and hyphens, at
/// most [`MAX_EMAIL`] characters in all, no spaces or control characters.
pub fn is_email(s: &str) -> bool {
    if s.chars().count() > MAX_EMAIL || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// Whether `s` is a slug: 1 to 100 lower-case ASCII letters, digits and hyphens, not
/// starting or ending with a hyphen. Slugs never contain `_`, so they never look like ids.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "t-shirt", "2024-collection", "x1"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a b", "é", "a/b"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert!(!is_slug(&"a".repeat(101)));
    }

    #[test]
    fn collects_all_errors() {
        let mut e = FieldErrors::new();
        e.required_text("/title", "  ", 10);
        e.slug("/slug", "Bad Slug");
        e.currency("/currency", "eur");
        e.max_chars("/description", "abc", 2);
        assert!(!e.country("/country", "de"));
        assert!(e.country("/country", "DE"));
        let paths: Vec<_> = e.into_vec().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            ["/title", "/slug", "/currency", "/description", "/country"]
        );
    }
}
