//! Spin's `files = [...]` glob patterns: which files a component gets.
//!
//! A pattern is relative to the manifest's directory; `*` matches within one path segment,
//! `**` any number of segments, `?` one character. Matching files keep their relative path
//! when mounted at `/`. `exclude_files` patterns remove files again. A placement
//! (`{ source, destination }`) puts a directory's tree at `destination`; all of a component's
//! entries share one tree.

use anyhow::{Context, Result, ensure};
use std::path::Path;

/// Whether `path` (relative, `/`-separated) matches `pattern`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => {
                match_segment(p.as_bytes(), s.as_bytes()) && match_segments(rest, srest)
            }
            None => false,
        },
    }
}

fn match_segment(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| match_segment(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && match_segment(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_segment(rest, &s[1..]),
    }
}

/// Copies the files under `root` matching any of `patterns` (and none of `exclude`) into
/// `target`, keeping relative paths. Only the literal directory prefix of each pattern is
/// walked, so `static/**` never scans `target/`.
pub fn copy_matching(
    root: &Path,
    patterns: &[String],
    exclude: &[String],
    target: &Path,
) -> Result<()> {
    for pattern in patterns {
        ensure!(
            !pattern.starts_with('/') && !pattern.split('/').any(|s| s == ".."),
            "pattern {pattern:?} must stay inside the app directory"
        );
        let literal: Vec<&str> = pattern
            .split('/')
            .take_while(|s| !s.contains(['*', '?', '[']))
            .collect();
        let start = root.join(literal.join("/"));
        if start.is_file() {
            copy_one(root, &start, target)?;
            continue;
        }
        walk(&start, &mut |file| {
            let rel = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if glob_match(pattern, &rel) && !exclude.iter().any(|e| glob_match(e, &rel)) {
                copy_one(root, file, target)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Copies every file under `source` to the same relative path under `target`.
pub fn copy_tree(source: &Path, target: &Path) -> Result<()> {
    std::fs::create_dir_all(target)?;
    walk(source, &mut |file| copy_one(source, file, target))
}

fn copy_one(root: &Path, file: &Path, target: &Path) -> Result<()> {
    let dest = target.join(file.strip_prefix(root).unwrap());
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(file, &dest).with_context(|| format!("copying {}", file.display()))?;
    Ok(())
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, f)?;
        } else {
            f(&path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_like_spins() {
        let table = [
            ("static/**/*", "static/a/b.css", true),
            ("static/**/*", "static/index.html", true),
            ("static/*", "static/a/b.css", false),
            ("static/*.html", "static/index.html", true),
            ("static/*.html", "static/index.css", false),
            ("**/*.txt", "a/b/c.txt", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
        ];
        for (p, path, want) in table {
            assert_eq!(glob_match(p, path), want, "{p} vs {path}");
        }
    }
}
