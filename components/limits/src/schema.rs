//! The limits' tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants every take keeps (in one `BEGIN IMMEDIATE` transaction):
//!
//! - one row per (limit name, SHA-256 of the subject); no subject is stored in clear;
//! - a row's `level` is GCRA's theoretical arrival time scaled by the row's `capacity`
//!   (see `gcra.rs`), valid only for the `capacity` and `window_ms` stored beside it;
//! - `full_at` (milliseconds) is when the bucket is full again: from then on the row means
//!   the same as no row, and may be deleted (index `limits_buckets_by_full_at`).

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "limits_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "the buckets of the abuse limits",
    statements: &[
        "CREATE TABLE IF NOT EXISTS limits_buckets (
            limit_name   TEXT NOT NULL,
            -- Lower-case hex SHA-256 of the subject (a client address, an account).
            subject_hash TEXT NOT NULL,
            capacity     INTEGER NOT NULL CHECK (capacity >= 1),
            window_ms    INTEGER NOT NULL CHECK (window_ms >= 1),
            level        INTEGER NOT NULL,
            full_at      INTEGER NOT NULL,
            PRIMARY KEY (limit_name, subject_hash)
        )",
        "CREATE INDEX IF NOT EXISTS limits_buckets_by_full_at ON limits_buckets (full_at)",
    ],
}];
