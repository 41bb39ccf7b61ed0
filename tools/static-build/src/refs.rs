//! Resolving a reference found in a file against that file's URL, and rewriting it to a
//! fingerprinted name.

/// A reference split into the part naming a file and what follows it (`?query#fragment`).
pub fn split(reference: &str) -> (&str, &str) {
    let at = reference.find(['?', '#']).unwrap_or(reference.len());
    reference.split_at(at)
}

/// The output-relative path (`assets/css/site.css`) a reference made from the file at
/// `from` (output-relative too) points at, or `None` when it names no file of the site: a URL
/// with a scheme (`https:`, `data:`) or a host (`//cdn…`), a bare module name (`lit`), a
/// fragment or query alone, a directory, or a path climbing above the root. Only `/…`,
/// `./…` and `../…` are taken for modules; HTML and CSS also take plain relative names.
pub fn resolve(from: &str, reference: &str, bare_is_relative: bool) -> Option<String> {
    let (path, _) = split(reference);
    if path.is_empty() || path.starts_with("//") || path.contains('\\') || has_scheme(path) {
        return None;
    }
    let relative = path.starts_with("./") || path.starts_with("../");
    if !path.starts_with('/') && !relative && !bare_is_relative {
        return None;
    }
    let mut segments: Vec<&str> = Vec::new();
    if !path.starts_with('/') {
        segments.extend(from.split('/'));
        segments.pop(); // The referring file's own name.
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            s => segments.push(s),
        }
    }
    if path.ends_with('/') || segments.is_empty() {
        return None;
    }
    Some(segments.join("/"))
}

fn has_scheme(path: &str) -> bool {
    match path.find(':') {
        Some(i) => {
            let scheme = &path[..i];
            scheme
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        }
        None => false,
    }
}

/// `reference` with its last path segment replaced by `new_name`, query and fragment kept:
/// `../img/a.png#x` → `../img/a.0123456789.png#x`. Fingerprinting renames only the file, so
/// the reference stays relative or absolute as it was written.
pub fn rename(reference: &str, new_name: &str) -> String {
    let (path, rest) = split(reference);
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}{new_name}{rest}")
}

#[cfg(test)]
mod tests {
    use super::{rename, resolve};

    #[test]
    fn resolves_against_the_referring_file() {
        let from = "assets/css/site.css";
        let cases = [
            ("../img/a.png", Some("assets/img/a.png")),
            ("./base.css", Some("assets/css/base.css")),
            ("base.css?v=1#x", Some("assets/css/base.css")),
            ("/assets/img/a.png", Some("assets/img/a.png")),
            ("../../../../etc/passwd", None),
            ("https://example.com/a.png", None),
            ("data:image/png;base64,AAAA", None),
            ("//cdn.example.com/a.png", None),
            ("#icon", None),
            ("../img/", None),
            ("..\\img\\a.png", None),
        ];
        for (reference, want) in cases {
            assert_eq!(
                resolve(from, reference, true).as_deref(),
                want,
                "{reference}"
            );
        }
        assert_eq!(
            resolve("index.html", "cart.html", true).as_deref(),
            Some("cart.html")
        );
        // Module specifiers: bare names are packages, not files.
        assert_eq!(resolve("assets/js/app.js", "lit", false), None);
        assert_eq!(
            resolve("assets/js/app.js", "./lib/x.js", false).as_deref(),
            Some("assets/js/lib/x.js")
        );
    }

    #[test]
    fn renames_only_the_file() {
        assert_eq!(
            rename("../img/a.png#x", "a.0123456789.png"),
            "../img/a.0123456789.png#x"
        );
        assert_eq!(rename("./a.js", "a.0123456789.js"), "./a.0123456789.js");
        assert_eq!(
            rename("base.css?v=2", "base.0123456789.css"),
            "base.0123456789.css?v=2"
        );
    }
}
