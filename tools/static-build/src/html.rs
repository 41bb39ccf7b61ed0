//! The references an HTML document makes: `src`, `href` and `srcset` attribute values.

use crate::css::{find, starts_with_ci};
use std::ops::Range;

/// Elements whose content is raw text: nothing inside them is markup.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// The byte ranges of the URLs in `src`, `href` and `srcset` attributes of every tag, outside
/// comments and raw-text elements (`<script>`, `<style>`, …). A `srcset` gives one range per
/// candidate. Character references in values are not decoded: asset names are URL-safe.
pub fn references(html: &str) -> Vec<Range<usize>> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
        } else if b[i..].starts_with(b"<!--") {
            i = find(b, i + 4, b"-->").map_or(b.len(), |e| e + 3);
        } else if b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            let (end, name) = tag(html, i + 1, &mut out);
            i = end;
            if RAW_TEXT.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                // Skip to the matching end tag.
                let mut j = i;
                i = b.len();
                while let Some(k) = find(b, j, b"</") {
                    if starts_with_ci(b, k + 2, name.as_bytes()) {
                        i = k;
                        break;
                    }
                    j = k + 2;
                }
            }
        } else if matches!(b.get(i + 1), Some(b'!' | b'?' | b'/')) {
            i = find(b, i, b">").map_or(b.len(), |e| e + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Parses the tag whose name starts at `start`, collecting URL attribute ranges; returns the
/// index past its `>` and its name.
fn tag(html: &str, start: usize, out: &mut Vec<Range<usize>>) -> (usize, String) {
    let b = html.as_bytes();
    let mut i = start;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = html[start..i].to_ascii_lowercase();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (i, name);
        }
        if b[i] == b'>' {
            return (i + 1, name);
        }
        let attr_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = html[attr_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue; // An attribute without a value.
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = b[i + 1..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| i + 1 + p);
                let v = i + 1..end;
                i = (end + 1).min(b.len());
                v
            }
            _ => {
                let s = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                s..i
            }
        };
        match attr.as_str() {
            "src" | "href" => out.push(trim(b, value)),
            "srcset" | "imagesrcset" => srcset(b, value, out),
            _ => {}
        }
    }
}

/// One range per candidate URL of a `srcset` value (`a.png 1x, b.png 2x`).
fn srcset(b: &[u8], value: Range<usize>, out: &mut Vec<Range<usize>>) {
    let mut i = value.start;
    while i < value.end {
        while i < value.end && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        let s = i;
        while i < value.end && !b[i].is_ascii_whitespace() && b[i] != b',' {
            i += 1;
        }
        if s < i {
            out.push(s..i);
        }
        // Skip the descriptor up to the next comma.
        while i < value.end && b[i] != b',' {
            i += 1;
        }
    }
}

fn trim(b: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && b[r.start].is_ascii_whitespace() {
        r.start += 1;
    }
    while r.end > r.start && b[r.end - 1].is_ascii_whitespace() {
        r.end -= 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::references;

    fn refs(html: &str) -> Vec<&str> {
        references(html).into_iter().map(|r| &html[r]).collect()
    }

    #[test]
    fn finds_src_href_and_srcset_outside_comments_and_scripts() {
        let html = r#"<!doctype html>
<html lang="en"><head>
<link rel="stylesheet" href="/assets/css/site.css">
<LINK REL=icon HREF=/favicon.svg>
<script type="module" src='assets/js/app.js'></script>
<script type="application/ld+json">{"image": "<img src=\"x.png\">"}</script>
<!-- <img src="commented.png"> -->
<title>a <img src="t.png"></title>
</head><body data-src="no.png">
<img alt="a > b" src = " /assets/img/a.png " srcset="/assets/img/a.png 1x, /assets/img/a2.png 2x" disabled>
<a href="/cart">Cart</a><a href>empty</a>
</body></html>"#;
        assert_eq!(
            refs(html),
            [
                "/assets/css/site.css",
                "/favicon.svg",
                "assets/js/app.js",
                "/assets/img/a.png",
                "/assets/img/a.png",
                "/assets/img/a2.png",
                "/cart"
            ]
        );
    }
}
