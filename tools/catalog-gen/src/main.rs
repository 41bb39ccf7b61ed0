//! `catalog-gen`: writes a realistic demo catalog as JSON Lines for
//! `POST /admin/products/import`, or posts it to a running store.
//!
//! ```text
//! cargo run -p catalog-gen -- --products 500 --seed 1 --out data/demo-catalog.jsonl
//! cargo run --release -p catalog-gen -- --products 100000 --post http://127.0.0.1:3000
//! cargo run -p catalog-gen -- --images static/images
//! ```

use anyhow::{Context, Result, bail};
use catalog_gen::{Generator, category_lines, post, write_catalog};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    version,
    about = "Generates a demo catalog as JSON Lines (categories, then products) for POST /admin/products/import"
)]
struct Cli {
    /// How many products.
    #[arg(long, default_value_t = 500)]
    products: usize,
    /// The seed: the same seed and count always give the same catalog.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the catalog to this file ("-" or nothing: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Post the catalog to the store at this base URL (http://host:port) instead of writing
    /// it, in batches the import accepts.
    #[arg(long)]
    post: Option<String>,
    /// The admin token for --post (default: $SPIN_VARIABLE_ADMIN_TOKEN).
    #[arg(long)]
    token: Option<String>,
    /// Write the product pictures the catalog points at (SVG, one per kind and colour) into
    /// DIR/products/ instead of a catalog, replacing the SVG files there.
    #[arg(long, value_name = "DIR")]
    images: Option<PathBuf>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(dir) = &cli.images {
        let n = catalog_gen::art::write_images(dir)
            .with_context(|| format!("writing pictures into {}", dir.display()))?;
        println!("{n} pictures in {}", dir.join("products").display());
        return Ok(());
    }
    if let Some(base) = &cli.post {
        let token = match cli.token.clone() {
            Some(t) => t,
            None => std::env::var("SPIN_VARIABLE_ADMIN_TOKEN")
                .context("--post needs --token or SPIN_VARIABLE_ADMIN_TOKEN")?,
        };
        let mut generator = Generator::new(cli.seed);
        let lines = category_lines()
            .into_iter()
            .map(|l| l.to_string())
            .chain((0..cli.products).map(move |i| generator.product(i).to_string()));
        let summary = post::post_catalog(base, &token, lines)?;
        println!(
            "{} lines in {} requests: {} imported, {} failed",
            summary.lines, summary.requests, summary.succeeded, summary.failed
        );
        for failure in &summary.failures {
            println!("  {failure}");
        }
        if summary.failed > 0 {
            bail!("{} lines failed", summary.failed);
        }
        return Ok(());
    }
    match cli.out.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write_catalog(&mut out, cli.products, cli.seed)?;
            out.flush()?;
        }
        _ => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_catalog(&mut out, cli.products, cli.seed)?;
            out.flush()?;
        }
    }
    Ok(())
}
