//! The catalog's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Foreign keys are declared for readers; the catalog checks them itself (SQLite enforces
//! them only per connection, on request).

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "catalog_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "categories, products, variants, prices, product categories",
    statements: &[
        "CREATE TABLE IF NOT EXISTS catalog_categories (
            id          TEXT PRIMARY KEY,
            slug        TEXT NOT NULL,
            name        TEXT NOT NULL,
            parent_id   TEXT REFERENCES catalog_categories (id),
            path        TEXT NOT NULL UNIQUE,
            position    INTEGER NOT NULL,
            created_at  INTEGER NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS catalog_categories_by_parent
            ON catalog_categories (parent_id, position)",
        "CREATE TABLE IF NOT EXISTS catalog_products (
            id          TEXT PRIMARY KEY,
            slug        TEXT NOT NULL UNIQUE,
            title       TEXT NOT NULL,
            description TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
            images      TEXT NOT NULL,
            attributes  TEXT NOT NULL,
            options     TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            -- Creation order: 1, 2, 3, ... Listings sort newest first by it, since two
            -- products created in the same millisecond still have an order. Unlike the
            -- implicit rowid it survives VACUUM, so cursors stay valid.
            seq         INTEGER NOT NULL UNIQUE
        )",
        "CREATE INDEX IF NOT EXISTS catalog_products_listing
            ON catalog_products (status, seq DESC)",
        "CREATE TABLE IF NOT EXISTS catalog_variants (
            id           TEXT PRIMARY KEY,
            product_id   TEXT NOT NULL REFERENCES catalog_products (id),
            position     INTEGER NOT NULL,
            sku          TEXT NOT NULL UNIQUE,
            title        TEXT NOT NULL,
            options      TEXT NOT NULL,
            weight_grams INTEGER,
            barcode      TEXT
        )",
        "CREATE INDEX IF NOT EXISTS catalog_variants_by_product
            ON catalog_variants (product_id, position)",
        "CREATE TABLE IF NOT EXISTS catalog_variant_prices (
            variant_id        TEXT NOT NULL REFERENCES catalog_variants (id),
            currency          TEXT NOT NULL,
            position          INTEGER NOT NULL,
            amount            INTEGER NOT NULL CHECK (amount >= 0),
            compare_at_amount INTEGER CHECK (compare_at_amount IS NULL OR compare_at_amount > amount),
            PRIMARY KEY (variant_id, currency)
        )",
        "CREATE TABLE IF NOT EXISTS catalog_product_categories (
            product_id  TEXT NOT NULL REFERENCES catalog_products (id),
            category_id TEXT NOT NULL REFERENCES catalog_categories (id),
            position    INTEGER NOT NULL,
            PRIMARY KEY (product_id, category_id)
        )",
        "CREATE INDEX IF NOT EXISTS catalog_product_categories_by_category
            ON catalog_product_categories (category_id, product_id)",
    ],
}];
