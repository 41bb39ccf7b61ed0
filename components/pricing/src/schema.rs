//! Pricing's tables, as an ordered list of migrations. They run on first use, from whichever
//! instance gets there first; see `capability_kit::db::migrate`.
//!
//! A shipping method is one row of `pricing_shipping_methods` plus its rates (one per
//! currency) and its countries (none means every country the shop sells to); the store
//! writes the three together in one transaction and deletes the children explicitly (no
//! reliance on SQLite's foreign-key enforcement, which is off by default).

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "pricing_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "shipping methods, their rates and countries; tax rates per country",
    statements: &[
        "CREATE TABLE IF NOT EXISTS pricing_shipping_methods (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            active      INTEGER NOT NULL CHECK (active IN (0, 1)),
            position    INTEGER NOT NULL CHECK (position >= 0 AND position <= 4294967295),
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL
        )",
        // Listings go by (position, id), with keyset cursors on the pair.
        "CREATE INDEX IF NOT EXISTS pricing_shipping_methods_by_position
            ON pricing_shipping_methods (position, id)",
        "CREATE TABLE IF NOT EXISTS pricing_shipping_rates (
            method_id   TEXT NOT NULL,
            currency    TEXT NOT NULL,
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            -- The rate's place in the list the admin gave, so it reads back in that order.
            idx         INTEGER NOT NULL,
            PRIMARY KEY (method_id, currency)
        )",
        "CREATE TABLE IF NOT EXISTS pricing_shipping_countries (
            method_id   TEXT NOT NULL,
            country     TEXT NOT NULL,
            idx         INTEGER NOT NULL,
            PRIMARY KEY (method_id, country)
        )",
        "CREATE TABLE IF NOT EXISTS pricing_tax_rates (
            country             TEXT PRIMARY KEY,
            rate_ppm            INTEGER NOT NULL CHECK (rate_ppm >= 0 AND rate_ppm <= 1000000),
            mode                TEXT NOT NULL CHECK (mode IN ('inclusive', 'exclusive')),
            applies_to_shipping INTEGER NOT NULL CHECK (applies_to_shipping IN (0, 1)),
            label               TEXT NOT NULL,
            created_at          INTEGER NOT NULL,
            updated_at          INTEGER NOT NULL
        )",
    ],
}];
