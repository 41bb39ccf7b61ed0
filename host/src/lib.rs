//! A wasmtime host that runs a Spin application (`spin.toml`, manifest v2) with Spin's
//! semantics: the test harness and the local runner of spin-commerce.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use commerce_host::{App, AppOptions};
//! let app = App::load(AppOptions::new("spin.toml"))?;
//! let response = app
//!     .send(http::Request::get("/api/health").body(bytes::Bytes::new())?)
//!     .await?;
//! assert_eq!(response.status(), 200);
//! # Ok(()) }
//! ```
//!
//! One module per concern, in the manner of Spin's factor crates: [`key_value`], [`sqlite`]
//! and [`variables`] implement the Spin interfaces; [`outbound`] the allow-list of outbound
//! HTTP; [`compose`] component dependencies; [`routes`] route matching; [`app`] loading and
//! serving; [`server`] the TCP side.

#![forbid(unsafe_code)]

pub mod app;
pub mod builder;
pub mod compose;
mod deny;
mod engine;
pub mod faults;
pub mod files;
pub mod key_value;
pub mod manifest;
pub mod outbound;
pub mod routes;
pub mod server;
pub mod sqlite;
pub mod state;
pub mod stats;
pub mod variables;
mod wasi_children;

/// Host bindings generated from the WIT inside the spin-sdk crate (see `build.rs`).
#[allow(missing_docs, clippy::all)]
pub(crate) mod bindings {
    include!(concat!(env!("OUT_DIR"), "/spin_bindings.rs"));
}

pub use app::{App, AppOptions, InstantiationTiming, LibraryInstance};
pub use state::{HostState, Output};
/// The wasmtime this host is built on, for tests that generate typed bindings of their own.
pub use wasmtime;
