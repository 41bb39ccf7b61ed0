//! Reading the request: the path as a safe list of file-name segments, and the
//! `Accept-Encoding` and `If-None-Match` headers.

/// Why a path is refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// 400: not a path any page links to (`..`, encoded `/` or `\`, NUL, bad escapes).
    BadRequest,
    /// 404: a well-formed path that names nothing servable (hidden files, variants).
    NotFound,
}

/// A request path checked for serving.
#[derive(Debug, PartialEq)]
pub struct SafePath {
    /// Decoded segments; none is empty, `.`, `..` or holds `/`, `\`, NUL or a control character.
    pub segments: Vec<String>,
    /// The path ended with `/` (a directory's index is asked for).
    pub trailing_slash: bool,
}

impl SafePath {
    /// The segments joined with `/`: a path relative to the mount.
    pub fn relative(&self) -> String {
        self.segments.join("/")
    }
}

/// Checks a raw (still percent-encoded) request path. Every segment is decoded on its own, so
/// an encoded `/` (`%2f`) or `\` (`%5c`) is refused rather than read as a separator, and so is
/// a segment that decodes to `.` or `..` (`%2e%2e`). An empty segment (`//etc/passwd`) is
/// refused too. Names starting with `.` and the `.br`/`.gz` variants are never served by name.
pub fn parse(raw: &str) -> Result<SafePath, Refusal> {
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(Refusal::BadRequest);
    };
    let trailing_slash = rest.ends_with('/') || rest.is_empty();
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segments = Vec::new();
    if !rest.is_empty() {
        for raw_segment in rest.split('/') {
            let segment = web_kit::percent_decode(raw_segment).ok_or(Refusal::BadRequest)?;
            let bad_char = |c: char| c == '/' || c == '\\' || c.is_control();
            if segment.is_empty() || segment == "." || segment == ".." || segment.contains(bad_char)
            {
                return Err(Refusal::BadRequest);
            }
            if segment.starts_with('.') {
                return Err(Refusal::NotFound);
            }
            segments.push(segment);
        }
    }
    if let Some(last) = segments.last()
        && (last.ends_with(".br") || last.ends_with(".gz"))
    {
        return Err(Refusal::NotFound);
    }
    Ok(SafePath {
        segments,
        trailing_slash,
    })
}

/// A content coding the build precompresses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coding {
    Br,
    Gzip,
}

impl Coding {
    /// The variant file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gz",
        }
    }
    /// The `Content-Encoding` value.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The codings `Accept-Encoding` allows, most preferred first: by quality, brotli before gzip
/// at equal quality. A coding with `q=0` is refused, also when `*` would allow it; `*` stands
/// for codings the header does not name. No header means identity only.
pub fn accepted_codings(header: Option<&str>) -> Vec<Coding> {
    let Some(header) = header else {
        return Vec::new();
    };
    let (mut br, mut gzip, mut star) = (None, None, None);
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = Some(1.0f32);
        for param in parts {
            if let Some((k, v)) = param.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = parse_q(v.trim());
            }
        }
        let Some(q) = q else {
            continue; // A malformed weight: the item is ignored.
        };
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let mut out: Vec<(Coding, f32)> = [(Coding::Br, br.or(star)), (Coding::Gzip, gzip.or(star))]
        .into_iter()
        .filter_map(|(c, q)| q.filter(|q| *q > 0.0).map(|q| (c, q)))
        .collect();
    // A stable sort keeps brotli first among equals.
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.into_iter().map(|(c, _)| c).collect()
}

/// A `qvalue` (RFC 9110 §12.4.2): `0` or `1` with up to three decimals.
fn parse_q(v: &str) -> Option<f32> {
    let ok = match v.split_once('.') {
        None => v == "0" || v == "1",
        Some((int, frac)) => {
            (int == "0" || int == "1")
                && frac.len() <= 3
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (int == "0" || frac.bytes().all(|b| b == b'0'))
        }
    };
    if ok { v.parse().ok() } else { None }
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 §13.1.2 asks) or is `*`.
pub fn none_match(header: &str, etag: &str) -> bool {
    let header = header.trim();
    header == "*"
        || header
            .split(',')
            .map(|t| t.trim())
            .any(|t| t.strip_prefix("W/").unwrap_or(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_decoded_per_segment_and_traversal_is_refused() {
        let ok = parse("/assets/css/site%20x.css").unwrap();
        assert_eq!(ok.segments, ["assets", "css", "site x.css"]);
        assert!(!ok.trailing_slash);
        assert_eq!(parse("/").unwrap().segments, Vec::<String>::new());
        assert!(parse("/").unwrap().trailing_slash);
        assert!(parse("/guide/").unwrap().trailing_slash);
        for bad in [
            "/../etc/passwd",
            "/assets/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/.%2e/x",
            "/assets/%2fetc%2fpasswd",
            "/assets%2F..%2F..%2Fetc",
            "/..%5c..%5cwindows",
            "/a\\b",
            "/x%00.html",
            "//etc/passwd",
            "/a//b",
            "/./a",
            "/%zz",
            "/%e9",
            "relative",
            "",
        ] {
            assert_eq!(parse(bad), Err(Refusal::BadRequest), "{bad}");
        }
        for hidden in [
            "/.env",
            "/assets/.git/config",
            "/site.css.br",
            "/cart.html.gz",
        ] {
            assert_eq!(parse(hidden), Err(Refusal::NotFound), "{hidden}");
        }
    }

    #[test]
    fn accept_encoding_honours_weights_and_refusals() {
        use Coding::*;
        let cases: &[(Option<&str>, &[Coding])] = &[
            (None, &[]),
            (Some(""), &[]),
            (Some("gzip, deflate, br, zstd"), &[Br, Gzip]),
            (Some("gzip"), &[Gzip]),
            (Some("br;q=0, gzip"), &[Gzip]),
            (Some("br;q=0.5, gzip;q=0.8"), &[Gzip, Br]),
            (Some("BR;Q=1.0, GZIP;q=1"), &[Br, Gzip]),
            (Some("*"), &[Br, Gzip]),
            (Some("*;q=0, gzip"), &[Gzip]),
            (Some("gzip;q=0, *"), &[Br]),
            (Some("identity"), &[]),
            (Some("br;q=0.000"), &[]),
            (Some("br;q=2, gzip;q=abc"), &[]),
            (Some("x-gzip"), &[Gzip]),
        ];
        for (header, want) in cases {
            assert_eq!(accepted_codings(*header), *want, "{header:?}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        assert!(none_match(r#""abc""#, r#""abc""#));
        assert!(none_match(r#""x", W/"abc""#, r#""abc""#));
        assert!(none_match("*", r#""abc""#));
        assert!(!none_match(r#""abcd""#, r#""abc""#));
        assert!(!none_match("abc", r#""abc""#));
    }
}
