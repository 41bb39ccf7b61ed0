//! What every capability component (catalog, inventory, cart, pricing, payments, orders,
//! identity) shares. Nothing here knows a capability's WIT types: each component converts
//! these plain values into its own generated bindings.
//!
//! - [`ids`]: opaque prefixed ids (`prod_…`, `cart_…`).
//! - [`clock`]: timestamps in milliseconds since the Unix epoch.
//! - [`config`]: the Spin variables a capability reads for its own rules.
//! - [`cursor`]: opaque, tagged keyset cursors for listings.
//! - [`currency`]: the active ISO 4217 currencies and their minor units.
//! - [`country`]: the assigned ISO 3166-1 alpha-2 country codes.
//! - [`secret`]: bearer tokens and the SHA-256 hashes the tables keep of them.
//! - [`validate`]: a collector of field errors with JSON-pointer paths, and common rules.
//! - [`db`]: SQLite migrations, transactions and row decoding over Spin's SQLite API.

pub mod clock;
pub mod config;
pub mod country;
pub mod currency;
pub mod cursor;
pub mod db;
pub mod ids;
pub mod secret;
pub mod validate;
