//! The module specifiers an ES module names: `import … from "x"`, `import "x"`,
//! `export … from "x"` and `import("x")` with a string literal.
//!
//! A small lexer skips comments, strings, template literals (with nested `${…}`) and regular
//! expression literals, so an `import` inside any of them is not taken for a statement.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Range<usize>),
    Str(Range<usize>),
    Punct(u8),
    /// A number, template literal or regular expression literal: a value.
    Value,
}

/// Keywords after which a `/` starts a regular expression, not a division.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

fn tokens(js: &str) -> Vec<Tok> {
    let b = js.as_bytes();
    let mut out: Vec<Tok> = Vec::new();
    // Brace depths at which an open template literal's `${` started.
    let mut templates: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            _ if c.is_ascii_whitespace() => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = crate::css::find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
            }
            b'/' if regex_allowed(js, out.last()) => {
                i = regex_end(b, i);
                out.push(Tok::Value);
            }
            b'"' | b'\'' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                out.push(Tok::Str(start..i.min(b.len())));
                i += 1;
            }
            b'`' => {
                i = template_end(b, i + 1, &mut templates, depth);
                out.push(Tok::Value);
            }
            b'{' => {
                depth += 1;
                out.push(Tok::Punct(c));
                i += 1;
            }
            b'}' if templates.last() == Some(&depth) => {
                templates.pop();
                i = template_end(b, i + 1, &mut templates, depth);
                out.push(Tok::Value);
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                out.push(Tok::Punct(c));
                i += 1;
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    i += 1;
                }
                out.push(Tok::Value);
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push(Tok::Word(start..i));
            }
            _ => {
                out.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    out
}

/// Whether a `/` after `prev` starts a regular expression literal.
fn regex_allowed(js: &str, prev: Option<&Tok>) -> bool {
    match prev {
        None => true,
        Some(Tok::Word(r)) => BEFORE_REGEX.contains(&&js[r.clone()]),
        Some(Tok::Punct(p)) => !matches!(p, b')' | b']' | b'}'),
        Some(Tok::Str(_) | Tok::Value) => false,
    }
}

/// The index past the regular expression literal starting at `start` (its flags included).
fn regex_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut class = false;
    while i < b.len() && b[i] != b'\n' {
        match b[i] {
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return i;
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Scans template text from `i` to its closing backtick, or to a `${`, after which the lexer
/// goes on with code and comes back at the matching `}`.
fn template_end(b: &[u8], mut i: usize, templates: &mut Vec<usize>, depth: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                templates.push(depth);
                return i + 2;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// The byte ranges of the module specifiers `js` imports or re-exports (the inside of the
/// string literals).
pub fn references(js: &str) -> Vec<Range<usize>> {
    let toks = tokens(js);
    let word = |k: usize| match toks.get(k) {
        Some(Tok::Word(r)) => Some(&js[r.clone()]),
        _ => None,
    };
    let mut out = Vec::new();
    // Inside an import or export declaration, waiting for its `from "…"`.
    let mut in_clause = false;
    for k in 0..toks.len() {
        let after_dot = k > 0 && toks[k - 1] == Tok::Punct(b'.');
        match (word(k), toks.get(k + 1)) {
            (Some("import"), Some(Tok::Str(r))) if !after_dot => out.push(r.clone()),
            (Some("import"), Some(Tok::Punct(b'('))) if !after_dot => {
                if let Some(Tok::Str(r)) = toks.get(k + 2) {
                    out.push(r.clone());
                }
            }
            (Some("import"), Some(Tok::Word(_) | Tok::Punct(b'{' | b'*'))) if !after_dot => {
                in_clause = true;
            }
            (Some("export"), _) if !after_dot => in_clause = true,
            (Some("from"), Some(Tok::Str(r))) if in_clause => {
                out.push(r.clone());
                in_clause = false;
            }
            _ if toks[k] == Tok::Punct(b';') => in_clause = false,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::references;

    fn refs(js: &str) -> Vec<&str> {
        references(js).into_iter().map(|r| &js[r]).collect()
    }

    #[test]
    fn finds_static_and_literal_dynamic_specifiers() {
        let js = r#"import { a, b as c } from "./a.js";
import d, * as e from '../lib/d.js'
import './side-effect.js';
export * from "./re.js";
export { x } from './x.mjs';
export const y = 1;
const lazy = () => import("./lazy.js");
const meta = import.meta.url;
import {
  multi,
  line,
} from "./multi.js";
"#;
        assert_eq!(
            refs(js),
            [
                "./a.js",
                "../lib/d.js",
                "./side-effect.js",
                "./re.js",
                "./x.mjs",
                "./lazy.js",
                "./multi.js"
            ]
        );
    }

    #[test]
    fn ignores_imports_in_comments_strings_templates_and_regexes() {
        let js = r#"// import "./line-comment.js";
/* import "./block-comment.js"; */
const s = 'import "./string.js"';
const t = `import "./template.js" ${ { k: `nested ${"import './deep.js'"}` }.k } from "./not.js"`;
const r = /import "\.\/regex.js"/g;
const half = 10 / 2; const other = 3 / 1; // division, not a regex
if (x) { /import "\.\/after-brace.js"/.test(s) }
const from = "./not-a-specifier.js";
export default function f() { return typeof from === "string" ? 1 / 2 : 0 }
import { real } from "./real.js";
"#;
        assert_eq!(refs(js), ["./real.js"]);
    }
}
