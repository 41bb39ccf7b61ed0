//! What every component serving web pages shares, and the build tool that prepares them:
//! the security headers of every response, HTML escaping, the content-type table and the
//! rules of fingerprinted asset names.
//!
//! Plain Rust without dependencies, so it compiles for wasm32-wasip2 components (the file
//! server, the server-rendered storefront) and for native tools (`static-build`) alike.

/// Headers every web response carries, page or asset, 200 or 404.
///
/// The Content-Security-Policy allows scripts, styles, images, fetches, forms and the base URL
/// from the page's own origin only: no inline script or style (`'unsafe-inline'`), no `eval`,
/// no plugins, no framing. JSON-LD in `<script type="application/ld+json">` is data, not
/// script, and needs no exception. Images may also be `data:` URLs (small inline SVGs).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; \
         object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
         microphone=(), payment=(), usb=()",
    ),
];

/// Escapes `text` for HTML text content and for attribute values in double or single quotes:
/// `&`, `<`, `>`, `"` and `'` become character references.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Makes serialised JSON safe inside `<script type="application/ld+json">…</script>`: `<`,
/// `>` and `&` become `\u003c`, `\u003e`, `\u0026` (the same JSON value), so catalog text can
/// never close the script element or open a comment. U+2028 and U+2029 are escaped too.
pub fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-decodes `s` (a path segment or query component, `+` left as is); `None` when an
/// escape is malformed or the bytes are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes `application/x-www-form-urlencoded` text (a query's name or value): `+` is a
/// space, `%XX` a byte; `None` when an escape is malformed or the bytes are not UTF-8. An
/// encoded plus (`%2B`) stays a plus.
pub fn form_decode(s: &str) -> Option<String> {
    if s.contains('+') {
        percent_decode(&s.replace('+', " "))
    } else {
        percent_decode(s)
    }
}

/// The `Content-Type` for a file extension (without the dot, any case), with `charset=utf-8`
/// for text; `None` for an extension not in the table.
pub fn content_type(extension: &str) -> Option<&'static str> {
    let ext = extension.to_ascii_lowercase();
    Some(match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

/// The `Content-Type` for a path or file name by its extension; `application/octet-stream`
/// when the extension is unknown or missing.
pub fn content_type_for_path(path: &str) -> &'static str {
    extension(path)
        .and_then(content_type)
        .unwrap_or("application/octet-stream")
}

/// Extensions whose files are worth precompressing (text formats); images and fonts are
/// compressed already.
pub const COMPRESSIBLE_EXTENSIONS: &[&str] = &[
    "html",
    "css",
    "js",
    "mjs",
    "json",
    "svg",
    "xml",
    "txt",
    "webmanifest",
];

/// Whether a file with this path or name is worth precompressing.
pub fn is_compressible(path: &str) -> bool {
    extension(path).is_some_and(|ext| {
        COMPRESSIBLE_EXTENSIONS
            .iter()
            .any(|c| c.eq_ignore_ascii_case(ext))
    })
}

/// The extension of the last segment of `path` (after its last dot), if it has one and the
/// name is not only a dot-prefixed name like `.env`.
pub fn extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(0) | None => None,
        Some(i) => Some(&name[i + 1..]),
    }
}

/// How many hex digits of the content's SHA-256 a fingerprinted name carries.
pub const FINGERPRINT_LEN: usize = 10;

/// The URL prefix of the files the build fingerprints (`static/assets/` in the source tree).
pub const ASSETS_PREFIX: &str = "/assets/";

/// The file at the root of the build output (`target/storefront/asset-manifest.json`) that maps
/// every asset's logical URL to its fingerprinted URL, as a flat JSON object:
/// `{"/assets/css/site.css": "/assets/css/site.0123456789.css", …}`.
pub const ASSET_MANIFEST: &str = "asset-manifest.json";

/// The file name a fingerprinted asset gets: `site.css` with hash `0123456789` becomes
/// `site.0123456789.css`. `None` for a name without extension, which is never fingerprinted.
pub fn fingerprinted_name(file_name: &str, hash: &str) -> Option<String> {
    let ext = extension(file_name)?;
    let stem = &file_name[..file_name.len() - ext.len() - 1];
    Some(format!("{stem}.{hash}.{ext}"))
}

/// The fingerprint in a fingerprinted file name (`site.0123456789.css` → `0123456789`):
/// the segment before the extension, exactly [`FINGERPRINT_LEN`] lowercase hex digits, after a
/// non-empty stem.
pub fn fingerprint_of(file_name: &str) -> Option<&str> {
    let name = file_name.rsplit('/').next().unwrap_or(file_name);
    let mut parts = name.rsplitn(3, '.');
    let ext = parts.next()?;
    let hash = parts.next()?;
    let stem = parts.next()?;
    let is_hash = |s: &str| {
        s.len() == FINGERPRINT_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !stem.is_empty() && is_hash(hash) && !ext.is_empty() {
        Some(hash)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            escape_html(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape_html("Café – 10 €"), "Café – 10 €");
    }

    #[test]
    fn json_cannot_close_a_script_element() {
        let json = r#"{"name":"</script><!--x","a":"b & c"}"#;
        let safe = escape_json_for_script(json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(
            safe,
            r#"{"name":"\u003c/script\u003e\u003c!--x","a":"b \u0026 c"}"#
        );
    }

    #[test]
    fn percent_decoding_refuses_bad_escapes_and_non_utf8() {
        assert_eq!(
            percent_decode("caf%C3%A9%20au%2flait").as_deref(),
            Some("café au/lait")
        );
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        // A sign is not a hex digit, though `u8::from_str_radix` would take it.
        for bad in ["%", "%4", "%zz", "%+1", "%-1", "%e9", "%C3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn form_decoding_reads_plus_as_a_space() {
        assert_eq!(
            form_decode("linen+shirt%2B%26+co").as_deref(),
            Some("linen shirt+& co")
        );
        assert_eq!(form_decode("caf%C3%A9").as_deref(), Some("café"));
        for bad in ["%", "a+%zz", "%+1", "%e9"] {
            assert_eq!(form_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types_carry_a_charset_for_text() {
        assert_eq!(
            content_type_for_path("/cart.html"),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type_for_path("/assets/js/app.0123456789.JS"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type_for_path("/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type_for_path("/x/.env"), "application/octet-stream");
        assert_eq!(content_type_for_path("/README"), "application/octet-stream");
        assert!(is_compressible("/a/site.css") && !is_compressible("/a/p.png"));
    }

    #[test]
    fn fingerprinted_names_round_trip() {
        assert_eq!(
            fingerprinted_name("site.css", "0123456789").as_deref(),
            Some("site.0123456789.css")
        );
        assert_eq!(
            fingerprinted_name("app.min.js", "abcdefabcd").as_deref(),
            Some("app.min.abcdefabcd.js")
        );
        assert_eq!(fingerprinted_name("LICENSE", "0123456789"), None);
        assert_eq!(
            fingerprint_of("/assets/css/site.0123456789.css"),
            Some("0123456789")
        );
        assert_eq!(fingerprint_of("app.min.abcdefabcd.js"), Some("abcdefabcd"));
        for not in [
            "site.css",
            "site.0123456789",
            ".0123456789.css",
            "site.0123456789a.css",
            "site.ABCDEF0123.css",
            "site.012345678.css",
        ] {
            assert_eq!(fingerprint_of(not), None, "{not}");
        }
    }

    #[test]
    fn security_headers_forbid_inline_code() {
        let csp = SECURITY_HEADERS
            .iter()
            .find(|(n, _)| *n == "content-security-policy")
            .unwrap()
            .1;
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    }
}
