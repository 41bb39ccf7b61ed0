//! Reading the source tree and bringing the output directory to the planned contents,
//! touching only files whose bytes change.
//!
//! The output is served while it is rebuilt (tests in other processes mount it), so it is
//! never deleted wholesale: a changed file is written beside its final name and renamed over
//! it (readers see the old or the new bytes, never a mix), files that are no longer produced
//! are removed, and an unchanged build writes nothing.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `root`, by `/`-separated relative path, in name order. Hidden files and
/// directories (`.DS_Store`, `.gitkeep`) are left out. A missing `root` is an empty tree.
pub fn read_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    if root.exists() {
        read_dir_into(root, "", &mut files)?;
    }
    Ok(files)
}

fn read_dir_into(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            bail!("{}: file names must be UTF-8", path.display());
        };
        if name.starts_with('.') {
            continue;
        }
        let rel = format!("{prefix}{name}");
        if path.is_dir() {
            read_dir_into(&path, &format!("{rel}/"), files)?;
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

/// What `sync` did.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub written: usize,
    pub removed: usize,
}

/// Makes `out` hold exactly `files`. Refuses a non-empty `out` that has no `marker` file (a
/// directory static-build did not make), so a wrong argument cannot empty it.
pub fn sync(out: &Path, files: &BTreeMap<String, Vec<u8>>, marker: &str) -> Result<Changes> {
    if out.is_dir() && std::fs::read_dir(out)?.next().is_some() && !out.join(marker).is_file() {
        bail!(
            "{} is not empty and has no {marker}: it was not made by static-build, so it is left alone",
            out.display()
        );
    }
    let mut changes = Changes::default();
    for (rel, bytes) in files {
        let path = out.join(rel);
        if std::fs::read(&path).is_ok_and(|old| &old == bytes) {
            continue;
        }
        let dir = path.parent().expect("a file under out");
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let name = path.file_name().unwrap().to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        changes.written += 1;
    }
    remove_others(out, "", files, &mut changes)?;
    Ok(changes)
}

/// Removes files under `dir` that are not in `keep` (temporary files of a concurrent build
/// included only once they are stale: they are hidden and never served), then empty folders.
fn remove_others(
    dir: &Path,
    prefix: &str,
    keep: &BTreeMap<String, Vec<u8>>,
    changes: &mut Changes,
) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if path.is_dir() {
            remove_others(&path, &format!("{rel}/"), keep, changes)?;
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        } else if !keep.contains_key(&rel) && !name.ends_with(".tmp") {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            changes.removed += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_writes_only_changes_and_removes_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut files = BTreeMap::from([
            ("m.json".to_string(), b"{}".to_vec()),
            ("a/b.txt".to_string(), b"b".to_vec()),
        ]);
        assert_eq!(sync(&out, &files, "m.json").unwrap().written, 2);
        assert_eq!(sync(&out, &files, "m.json").unwrap(), Changes::default());
        files.remove("a/b.txt");
        files.insert("c.txt".into(), b"c".to_vec());
        let changes = sync(&out, &files, "m.json").unwrap();
        assert_eq!(
            changes,
            Changes {
                written: 1,
                removed: 1
            }
        );
        assert!(!out.join("a").exists(), "the emptied folder is removed");
        assert_eq!(std::fs::read(out.join("c.txt")).unwrap(), b"c");
    }

    #[test]
    fn sync_leaves_a_foreign_directory_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), "keep").unwrap();
        let err = sync(dir.path(), &BTreeMap::new(), "m.json").unwrap_err();
        assert!(
            err.to_string().contains("not made by static-build"),
            "{err}"
        );
        assert!(dir.path().join("precious.txt").is_file());
    }
}
