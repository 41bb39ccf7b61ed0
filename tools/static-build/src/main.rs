//! `static-build <source> <output>`: see the crate documentation (`src/lib.rs`) and README.md.

use anyhow::{Result, bail};
use std::path::PathBuf;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: static-build <source dir> <output dir>");
        println!("Copies the source to the output with fingerprinted assets/ names, rewritten");
        println!("references, .br/.gz variants and asset-manifest.json.");
        return Ok(());
    }
    let [src, out] = args.as_slice() else {
        bail!("usage: static-build <source dir> <output dir>");
    };
    let (src, out) = (PathBuf::from(src), PathBuf::from(out));
    if !src.exists() {
        eprintln!(
            "static-build: warning: {} does not exist; building an empty site",
            src.display()
        );
    }
    let report = static_build::build(&src, &out)?;
    for w in &report.warnings {
        eprintln!("static-build: warning: {w}");
    }
    println!(
        "static-build: {} files ({} fingerprinted assets) in {}: {} written, {} removed",
        report.files,
        report.fingerprinted,
        out.display(),
        report.changes.written,
        report.changes.removed
    );
    Ok(())
}
