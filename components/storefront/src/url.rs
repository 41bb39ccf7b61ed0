//! Query strings of pages: read leniently (a page ignores parameters it does not know, such
//! as `utm_source`, and keeps repeated ones, as HTML forms send checkboxes), and written
//! with every value percent-encoded.

/// The `name=value` pairs of a query string (without `?`), percent- and `+`-decoded, in
/// order; pairs that do not decode to UTF-8 are left out.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Some((web_kit::form_decode(name)?, web_kit::form_decode(value)?))
        })
        .collect()
}

/// The first value of `name`, trimmed, if not empty.
pub fn first<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Every non-empty value of `name`, trimmed, in order, each once.
pub fn all<'a>(query: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    let mut values: Vec<&str> = Vec::new();
    for (n, v) in query {
        let v = v.trim();
        if n == name && !v.is_empty() && !values.contains(&v) {
            values.push(v);
        }
    }
    values
}

/// Percent-encodes `s` for a query component: everything but ASCII letters, digits and
/// `-._~` is escaped (a space as `%20`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path` with the query `pairs` (encoded; none: no `?`).
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = path.to_owned();
    for (k, (name, value)) in pairs.iter().enumerate() {
        url.push(if k == 0 { '?' } else { '&' });
        url.push_str(&encode(name));
        url.push('=');
        url.push_str(&encode(value));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_forms() {
        let q = parse_query("q=linen+shirt&brand=Lumen%20%26%20Co&brand=X&brand=X&empty=&bad=%zz");
        assert_eq!(first(&q, "q"), Some("linen shirt"));
        assert_eq!(all(&q, "brand"), vec!["Lumen & Co", "X"]);
        assert_eq!(first(&q, "empty"), None);
        assert_eq!(first(&q, "bad"), None);
    }

    #[test]
    fn queries_encode_every_special_character() {
        assert_eq!(
            with_query("/search", &[("q", "a&b c"), ("option.size", "M/L")]),
            "/search?q=a%26b%20c&option.size=M%2FL"
        );
        assert_eq!(with_query("/products", &[]), "/products");
        assert_eq!(first(&parse_query("x=%E2%82%AC"), "x"), Some("€"));
    }
}
