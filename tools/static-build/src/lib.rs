//! static-build: turns the storefront's source tree (`static/`) into what the file server
//! serves (`target/storefront/`).
//!
//! - Every file is copied; every file under `assets/` gets a fingerprinted name,
//!   `<stem>.<10 hex digits of the SHA-256 of its final content>.<ext>`.
//! - References to assets are rewritten to those names: `src`, `href` and `srcset` in HTML,
//!   `url(...)` and `@import` in CSS, static `import`/`export … from` and literal `import()`
//!   specifiers in JavaScript. A file is rewritten before it is hashed, and files are processed
//!   in dependency order, so a module's name covers the names of everything it imports; a
//!   cycle between assets is an error naming it.
//! - Text formats get `.br` and `.gz` variants when those are smaller.
//! - `asset-manifest.json` maps each asset's logical URL to its fingerprinted URL.
//!
//! The same input always gives the same output bytes.

pub mod compress;
mod css;
mod html;
mod js;
pub mod output;
mod refs;

use anyhow::{Result, bail};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use web_kit::{ASSET_MANIFEST, FINGERPRINT_LEN};

/// The source folder whose files are fingerprinted (served under `/assets/`).
const ASSETS_DIR: &str = "assets/";

/// The planned output: every file by output-relative path, and the manifest's mapping.
#[derive(Debug)]
pub struct Site {
    /// Output files, variants and `asset-manifest.json` included.
    pub files: BTreeMap<String, Vec<u8>>,
    /// `/assets/css/site.css` → `/assets/css/site.<hash>.css`.
    pub manifest: BTreeMap<String, String>,
    /// References to missing files and files that could not be read as text.
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Html,
    Css,
    Js,
    Other,
}

fn kind(path: &str) -> Kind {
    match web_kit::extension(path)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => Kind::Html,
        Some("css") => Kind::Css,
        Some("js" | "mjs") => Kind::Js,
        _ => Kind::Other,
    }
}

/// A reference in a file: where it is, and the file it names.
struct Ref {
    range: Range<usize>,
    target: String,
}

fn is_asset(path: &str) -> bool {
    path.starts_with(ASSETS_DIR) && web_kit::extension(path).is_some()
}

/// The SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Plans the output for the source files `input` (relative path → bytes).
pub fn plan(input: &BTreeMap<String, Vec<u8>>) -> Result<Site> {
    let mut warnings = Vec::new();
    for path in input.keys() {
        if path.ends_with(".br") || path.ends_with(".gz") {
            bail!(
                "{path}: names ending in .br or .gz are reserved for the precompressed variants static-build writes"
            );
        }
        if path == ASSET_MANIFEST {
            bail!("{path}: this name is reserved for the manifest static-build writes");
        }
    }

    // The references of every HTML, CSS and JavaScript file, resolved.
    let mut references: BTreeMap<&str, Vec<Ref>> = BTreeMap::new();
    for (path, bytes) in input {
        let k = kind(path);
        if k == Kind::Other {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            warnings.push(format!("{path}: not UTF-8, copied without rewriting"));
            continue;
        };
        let (ranges, bare_is_relative) = match k {
            Kind::Html => (html::references(text), true),
            Kind::Css => (css::references(text), true),
            _ => (js::references(text), false),
        };
        let mut found = Vec::new();
        for range in ranges {
            let reference = &text[range.clone()];
            let Some(target) = refs::resolve(path, reference, bare_is_relative) else {
                continue;
            };
            if input.contains_key(&target) {
                found.push(Ref { range, target });
            } else if is_asset(&target) || k == Kind::Js {
                warnings.push(format!(
                    "{path}: {reference:?} names {target}, which does not exist"
                ));
            }
        }
        references.insert(path, found);
    }

    // Fingerprint the assets, each after everything it references.
    let mut names: BTreeMap<&str, String> = BTreeMap::new();
    let mut contents: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for path in dependency_order(input, &references)? {
        let bytes = rewrite(&input[path], references.get(path), &names);
        let hash = &sha256_hex(&bytes)[..FINGERPRINT_LEN];
        let (dir, file) = path.rsplit_once('/').expect("assets are in assets/");
        let file = web_kit::fingerprinted_name(file, hash).expect("assets have an extension");
        names.insert(path, format!("{dir}/{file}"));
        contents.insert(path, bytes);
    }
    // Then every other file, rewritten.
    for (path, bytes) in input {
        if !contents.contains_key(path.as_str()) {
            contents.insert(path, rewrite(bytes, references.get(path.as_str()), &names));
        }
    }

    let manifest: BTreeMap<String, String> = names
        .iter()
        .map(|(from, to)| (format!("/{from}"), format!("/{to}")))
        .collect();
    let mut files = BTreeMap::new();
    for (path, bytes) in contents {
        let name = names.get(path).map_or(path, String::as_str).to_string();
        if files.insert(name.clone(), bytes).is_some() {
            bail!(
                "{name} would be written twice (a source file already has a fingerprinted asset's name)"
            );
        }
    }
    let mut json = serde_json::to_string_pretty(&manifest)?;
    json.push('\n');
    files.insert(ASSET_MANIFEST.to_string(), json.into_bytes());

    let mut variants = Vec::new();
    for (path, bytes) in &files {
        if web_kit::is_compressible(path) {
            for (ext, compressed) in [
                ("br", compress::brotli(bytes)),
                ("gz", compress::gzip(bytes)),
            ] {
                if compressed.len() < bytes.len() {
                    variants.push((format!("{path}.{ext}"), compressed));
                }
            }
        }
    }
    files.extend(variants);
    Ok(Site {
        files,
        manifest,
        warnings,
    })
}

/// The assets in an order where each comes after every asset it references (ties in name
/// order), or an error naming a cycle.
fn dependency_order<'a>(
    input: &'a BTreeMap<String, Vec<u8>>,
    references: &BTreeMap<&str, Vec<Ref>>,
) -> Result<Vec<&'a str>> {
    fn visit<'a>(
        path: &'a str,
        input: &'a BTreeMap<String, Vec<u8>>,
        references: &BTreeMap<&str, Vec<Ref>>,
        done: &mut BTreeSet<&'a str>,
        stack: &mut Vec<&'a str>,
        order: &mut Vec<&'a str>,
    ) -> Result<()> {
        if done.contains(path) {
            return Ok(());
        }
        if let Some(at) = stack.iter().position(|p| *p == path) {
            let cycle: Vec<&str> = stack[at..].iter().copied().chain([path]).collect();
            bail!(
                "reference cycle between assets: {}. A fingerprinted name is the hash of the file's content, which contains the names it references, so assets cannot reference each other in a cycle; break it (e.g. move what both need into a third module)",
                cycle.join(" → ")
            );
        }
        stack.push(path);
        let targets: BTreeSet<&str> = references
            .get(path)
            .into_iter()
            .flatten()
            .map(|r| r.target.as_str())
            .filter(|t| is_asset(t))
            .collect();
        for target in targets {
            let (key, _) = input.get_key_value(target).expect("targets exist");
            visit(key, input, references, done, stack, order)?;
        }
        stack.pop();
        done.insert(path);
        order.push(path);
        Ok(())
    }
    let mut done = BTreeSet::new();
    let mut order = Vec::new();
    for path in input.keys().filter(|p| is_asset(p)) {
        visit(
            path,
            input,
            references,
            &mut done,
            &mut Vec::new(),
            &mut order,
        )?;
    }
    Ok(order)
}

/// `bytes` with every reference to a renamed file pointing at its new name.
fn rewrite(bytes: &[u8], references: Option<&Vec<Ref>>, names: &BTreeMap<&str, String>) -> Vec<u8> {
    let Some(references) = references.filter(|r| !r.is_empty()) else {
        return bytes.to_vec();
    };
    let text = std::str::from_utf8(bytes).expect("references come from UTF-8 files");
    let mut out = String::with_capacity(text.len() + 16 * references.len());
    let mut at = 0;
    for r in references {
        let Some(new) = names.get(r.target.as_str()) else {
            continue;
        };
        let new_file = new.rsplit('/').next().unwrap_or(new);
        out.push_str(&text[at..r.range.start]);
        out.push_str(&refs::rename(&text[r.range.clone()], new_file));
        at = r.range.end;
    }
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// What a build did.
#[derive(Debug)]
pub struct Report {
    pub files: usize,
    pub fingerprinted: usize,
    pub changes: output::Changes,
    pub warnings: Vec<String>,
}

/// Builds `src` into `out` (created if missing; only files whose bytes change are written).
/// Refuses an `out` that is `src`, inside it, or contains it.
pub fn build(src: &std::path::Path, out: &std::path::Path) -> Result<Report> {
    let absolute = |p: &std::path::Path| -> Result<std::path::PathBuf> {
        Ok(std::path::absolute(p)?.components().collect())
    };
    let (a, b) = (absolute(src)?, absolute(out)?);
    if a.starts_with(&b) || b.starts_with(&a) {
        bail!(
            "the output {} and the source {} must not contain each other",
            out.display(),
            src.display()
        );
    }
    let site = plan(&output::read_tree(src)?)?;
    let changes = output::sync(out, &site.files, ASSET_MANIFEST)?;
    Ok(Report {
        files: site.files.len(),
        fingerprinted: site.manifest.len(),
        changes,
        warnings: site.warnings,
    })
}

#[cfg(test)]
mod tests;
