//! Strict query-string parsing: every parameter must be known and given at most once, and
//! every value must parse. All problems are collected and reported together.

use crate::{FieldError, Problem};

/// A parsed query string. Read the parameters, then call [`Query::finish`], which fails
/// with a 400 problem listing every bad parameter (as `/name` paths).
#[derive(Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl Query {
    /// Parses `raw` (without the `?`), accepting only the parameters in `known`.
    pub fn parse(raw: &str, known: &[&str]) -> Self {
        Self::parse_with_prefixes(raw, known, &[])
    }

    /// Like [`Query::parse`], also accepting every parameter whose name is one of
    /// `prefixes` followed by a non-empty suffix (e.g. `option.size` for the prefix
    /// `option.`); read them with [`Query::prefixed`].
    pub fn parse_with_prefixes(raw: &str, known: &[&str], prefixes: &[&str]) -> Self {
        let mut query = Self {
            pairs: Vec::new(),
            errors: Vec::new(),
        };
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = part.split_once('=').unwrap_or((part, ""));
            let (Some(name), Some(value)) = (
                web_kit::form_decode(raw_name),
                web_kit::form_decode(raw_value),
            ) else {
                query.error(raw_name, "is not valid percent-encoded UTF-8");
                continue;
            };
            let prefixed = prefixes
                .iter()
                .any(|p| name.len() > p.len() && name.starts_with(p));
            if !known.contains(&name.as_str()) && !prefixed {
                let message = if known.is_empty() {
                    "is not a parameter of this resource, which takes none".to_owned()
                } else {
                    let mut names = known.join(", ");
                    for p in prefixes {
                        names.push_str(&format!(", {p}<name>"));
                    }
                    format!("is not a parameter of this resource; known: {names}")
                };
                query.error(&name, message);
            } else if query.pairs.iter().any(|(n, _)| *n == name) {
                query.error(&name, "is given more than once");
            } else {
                query.pairs.push((name, value));
            }
        }
        query
    }

    fn error(&mut self, name: &str, message: impl Into<String>) {
        let path = format!("/{name}");
        // One error per parameter is enough.
        if !self.errors.iter().any(|e| e.path == path) {
            self.errors.push(FieldError::new(path, message));
        }
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters named `prefix` + suffix, as (suffix, value) in the order given; an
    /// empty value is an error.
    pub fn prefixed(&mut self, prefix: &str) -> Vec<(String, String)> {
        let found: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(n, _)| n.len() > prefix.len() && n.starts_with(prefix))
            .map(|(n, v)| (n[prefix.len()..].to_owned(), v.clone()))
            .collect();
        for (suffix, value) in &found {
            if value.is_empty() {
                self.error(&format!("{prefix}{suffix}"), "must not be empty");
            }
        }
        found.into_iter().filter(|(_, v)| !v.is_empty()).collect()
    }

    /// A text parameter; an empty value is an error.
    pub fn text(&mut self, name: &str) -> Option<String> {
        let value = self.raw(name)?.to_owned();
        if value.is_empty() {
            self.error(name, "must not be empty");
            return None;
        }
        Some(value)
    }

    /// A non-negative whole number that fits in 32 bits.
    pub fn u32(&mut self, name: &str) -> Option<u32> {
        let value = self.raw(name)?;
        let parsed = if value.bytes().all(|b| b.is_ascii_digit()) {
            value.parse::<u32>().ok()
        } else {
            None
        };
        if parsed.is_none() {
            self.error(name, "must be a whole number from 0 to 4294967295");
        }
        parsed
    }

    /// Adds an error found while checking a parameter's value.
    pub fn reject(&mut self, name: &str, message: impl Into<String>) {
        self.error(name, message);
    }

    /// The errors found so far, for a caller that adds errors found further on (e.g. by a
    /// capability) before answering.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok` when every parameter was fine, else the 400 problem listing the bad ones.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::invalid_input(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_parameters() {
        let mut q = Query::parse(
            "limit=5&after=abc%3D&currency=EUR",
            &["limit", "after", "currency"],
        );
        assert_eq!(q.u32("limit"), Some(5));
        assert_eq!(q.text("after").as_deref(), Some("abc="));
        assert_eq!(q.text("currency").as_deref(), Some("EUR"));
        assert_eq!(q.text("missing"), None);
        assert!(q.finish().is_ok());
    }

    #[test]
    fn rejects_everything_wrong_at_once() {
        let mut q = Query::parse("limit=-1&foo=1&after=&after=x&bad=%zz", &["limit", "after"]);
        assert_eq!(q.u32("limit"), None);
        let _ = q.text("after");
        let problem = q.finish().unwrap_err();
        let paths: Vec<_> = problem.errors().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/foo", "/after", "/bad", "/limit"]);
    }

    #[test]
    fn accepts_prefixed_parameters() {
        let mut q = Query::parse_with_prefixes(
            "option.size=M&option.colour=&brand=x&option.=1",
            &["brand"],
            &["option."],
        );
        assert_eq!(q.prefixed("option."), [("size".to_owned(), "M".to_owned())]);
        let problem = q.finish().unwrap_err();
        let paths: Vec<_> = problem.errors().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/option.", "/option.colour"]);
    }

    #[test]
    fn rejects_big_and_signed_numbers() {
        for raw in ["limit=4294967296", "limit=%2B1", "limit=1.0", "limit="] {
            let mut q = Query::parse(raw, &["limit"]);
            assert_eq!(q.u32("limit"), None, "{raw}");
            assert!(q.finish().is_err(), "{raw}");
        }
    }
}
