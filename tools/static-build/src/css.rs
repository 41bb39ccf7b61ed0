//! The references a stylesheet makes: `url(...)` values and `@import "..."` strings.

use std::ops::Range;

/// The byte ranges of every URL in `css`, outside comments: the inside of `url(...)` (without
/// quotes or surrounding blanks) and the string of `@import "..."`.
pub fn references(css: &str) -> Vec<Range<usize>> {
    let b = css.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
            }
            b'"' | b'\'' => i = string_end(b, i),
            b'@' if starts_with_ci(b, i + 1, b"import") => {
                let mut j = skip_blanks(b, i + 7);
                if matches!(b.get(j), Some(b'"' | b'\'')) {
                    let end = string_end(b, j);
                    out.push(j + 1..end.saturating_sub(1).max(j + 1));
                    j = end;
                }
                i = j.max(i + 7);
            }
            b'u' | b'U' if starts_with_ci(b, i, b"url(") && (i == 0 || !is_name_byte(b[i - 1])) => {
                let start = skip_blanks(b, i + 4);
                match b.get(start) {
                    Some(b'"' | b'\'') => {
                        let end = string_end(b, start);
                        out.push(start + 1..end.saturating_sub(1).max(start + 1));
                        i = end;
                    }
                    _ => {
                        let close = find(b, start, b")").unwrap_or(b.len());
                        let mut end = close;
                        while end > start && b[end - 1].is_ascii_whitespace() {
                            end -= 1;
                        }
                        out.push(start..end);
                        i = close;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The index just past the string starting with the quote at `start` (escapes honoured).
fn string_end(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

pub(crate) fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

pub(crate) fn starts_with_ci(b: &[u8], at: usize, word: &[u8]) -> bool {
    b.len() >= at + word.len() && b[at..at + word.len()].eq_ignore_ascii_case(word)
}

#[cfg(test)]
mod tests {
    use super::references;

    fn refs(css: &str) -> Vec<&str> {
        references(css).into_iter().map(|r| &css[r]).collect()
    }

    #[test]
    fn finds_urls_in_every_quoting_and_imports() {
        let css = r#"@import "base.css";
@IMPORT 'print.css' print;
/* url(commented.png) */
.a { background: url(../img/a.png) no-repeat; }
.b { background: URL( "../img/b.svg#icon" ); }
.c { background-image: url('c.webp'); content: "url(not-a-url.png)"; }
.d { mask: image-url(x.png); }"#;
        assert_eq!(
            refs(css),
            [
                "base.css",
                "print.css",
                "../img/a.png",
                "../img/b.svg#icon",
                "c.webp"
            ]
        );
    }
}
