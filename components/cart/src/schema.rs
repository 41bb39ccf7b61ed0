//! The cart's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants the store keeps in every transaction (and the CHECKs and keys guard):
//!
//! - a cart is found only by the SHA-256 of its token (`token_hash`, unique);
//! - a cart has at most one line per variant, every line's quantity is at least 1;
//! - a cart is live while `used_at` + the idle time (read from the Spin variable on every
//!   call) is in the future; an expired cart's rows are deleted lazily.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "cart_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "carts and their lines",
    statements: &[
        "CREATE TABLE IF NOT EXISTS cart_carts (
            id          TEXT PRIMARY KEY,
            -- Lower-case hex SHA-256 of the token; the token itself is never stored.
            token_hash  TEXT NOT NULL UNIQUE,
            currency    TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            -- The last call that named the token: the idle expiry counts from here.
            used_at     INTEGER NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS cart_carts_by_use ON cart_carts (used_at)",
        "CREATE TABLE IF NOT EXISTS cart_lines (
            id          TEXT PRIMARY KEY,
            cart_id     TEXT NOT NULL REFERENCES cart_carts (id),
            -- Order of addition within the cart (oldest first).
            seq         INTEGER NOT NULL,
            variant_id  TEXT NOT NULL,
            product_id  TEXT NOT NULL,
            quantity    INTEGER NOT NULL CHECK (quantity >= 1),
            added_at    INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            UNIQUE (cart_id, variant_id)
        )",
        "CREATE INDEX IF NOT EXISTS cart_lines_by_cart ON cart_lines (cart_id, seq)",
    ],
}];
