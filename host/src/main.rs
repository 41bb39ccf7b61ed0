//! `commerce-host`: run spin-commerce locally without Spin.
//!
//! `commerce-host up` runs the build commands of `spin.toml`, then serves the app on
//! 127.0.0.1:3000; `commerce-host build` only builds.

#![forbid(unsafe_code)]

use anyhow::Result;
use clap::{Parser, Subcommand};
use commerce_host::{App, AppOptions, builder, manifest::Manifest, server};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    version,
    about = "Runs a Spin application (spin.toml) on wasmtime, the way `spin up` does"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the components, then serve the application.
    Up {
        /// The manifest to run.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        manifest: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// Serve the .wasm files as they are, without running the build commands.
        #[arg(long)]
        no_build: bool,
        /// Where key-value and SQLite data live (default: .spin/ beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
    /// Run the build commands of every component.
    Build {
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        manifest: PathBuf,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wasmtime=warn,cranelift=warn".into()),
        )
        .with_target(false)
        .init();
    match Cli::parse().command {
        Command::Build { manifest } => builder::build_all(&Manifest::from_file(&manifest)?),
        Command::Up {
            manifest,
            listen,
            no_build,
            state_dir,
        } => {
            if !no_build {
                builder::build_all(&Manifest::from_file(&manifest)?)?;
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut options = AppOptions::new(&manifest);
                options.state_dir = state_dir;
                let app = App::load(options)?;
                let listener = server::bind(listen).await?;
                tracing::info!(
                    "serving {} on http://{listen}",
                    app.manifest().application.name
                );
                for (route, component) in app.router().routes() {
                    tracing::info!("  http://{listen}{route} -> {component}");
                }
                server::serve(app, listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
            })
        }
    }
}
