//! `demo-shop`: makes a running store ready to sell, through its admin API.
//!
//! ```text
//! cargo run -p demo-shop
//! cargo run -p demo-shop -- --url https://shop.example --token "$ADMIN_TOKEN"
//! ```

use anyhow::{Context, Result};
use clap::Parser;
use demo_shop::{LOCAL_DEV_TOKEN, Options};
use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    version,
    about = "Makes a running spin-commerce store ready to sell, through its admin API: imports \
             the demo catalog, stocks its variants, creates shipping methods and tax rates. \
             Adds only what is missing, so running it again changes nothing."
)]
struct Cli {
    /// The store's URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// The admin token [default: $SPIN_VARIABLE_ADMIN_TOKEN, else the quick start's
    /// local-dev-admin-token].
    #[arg(long)]
    token: Option<String>,
    /// How long to wait for the store to answer /api/health, in seconds (on a first
    /// `commerce-host up` it builds the components first).
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    wait: u64,
    /// Import this JSON Lines catalog (the import's format) instead of the demo catalog
    /// (data/demo-catalog.jsonl, built into the tool).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
}

fn main() -> ExitCode {
    match setup(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-shop: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn setup(cli: Cli) -> Result<()> {
    let from_env = std::env::var("SPIN_VARIABLE_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let (token, token_source) = match (cli.token, from_env) {
        (Some(token), _) => (token, "--token"),
        (None, Some(token)) => (token, "$SPIN_VARIABLE_ADMIN_TOKEN"),
        (None, None) => (
            LOCAL_DEV_TOKEN.to_owned(),
            "the default (local-dev-admin-token)",
        ),
    };
    let catalog = match &cli.catalog {
        Some(path) => Cow::Owned(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => Cow::Borrowed(demo_shop::plan::DEMO_CATALOG),
    };
    let options = Options {
        url: cli.url,
        token,
        token_source: token_source.to_owned(),
        wait: Duration::from_secs(cli.wait),
        catalog,
    };
    let summary = demo_shop::run(&options, &mut |message| eprintln!("{message}"))?;
    println!("{summary}");
    Ok(())
}
