//! The catalog's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Foreign keys are declared for readers; the catalog checks them itself (SQLite enforces
//! them only per connection, on request).

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "catalog_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
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
},
    Migration {
        version: 2,
        description: "collections, category closure, search index, filter and facet tables, cache generation",
        statements: &[
            // Every (ancestor, descendant) pair of the category tree, a category being its own
            // ancestor: category filters and facets join on it instead of comparing paths.
            "CREATE TABLE IF NOT EXISTS catalog_category_tree (
                ancestor_id   TEXT NOT NULL,
                descendant_id TEXT NOT NULL,
                PRIMARY KEY (ancestor_id, descendant_id)
            ) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS catalog_category_tree_by_descendant
                ON catalog_category_tree (descendant_id, ancestor_id)",
            "INSERT OR IGNORE INTO catalog_category_tree (ancestor_id, descendant_id)
                SELECT a.id, d.id FROM catalog_categories a JOIN catalog_categories d
                ON d.path = a.path OR substr(d.path, 1, length(a.path) + 1) = a.path || '/'",
            // The lowest variant price of each product per currency: price-from, price
            // filters, price orders and price buckets.
            "CREATE TABLE IF NOT EXISTS catalog_product_prices (
                product_id TEXT NOT NULL,
                currency   TEXT NOT NULL,
                min_amount INTEGER NOT NULL,
                PRIMARY KEY (product_id, currency)
            ) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS catalog_product_prices_by_amount
                ON catalog_product_prices (currency, min_amount)",
            "INSERT OR IGNORE INTO catalog_product_prices (product_id, currency, min_amount)
                SELECT v.product_id, vp.currency, MIN(vp.amount)
                FROM catalog_variant_prices vp JOIN catalog_variants v ON v.id = vp.variant_id
                GROUP BY v.product_id, vp.currency",
            // A variant's option values, one row each: option filters and facets.
            "CREATE TABLE IF NOT EXISTS catalog_variant_options (
                variant_id TEXT NOT NULL,
                product_id TEXT NOT NULL,
                option     TEXT NOT NULL COLLATE NOCASE,
                value      TEXT NOT NULL COLLATE NOCASE,
                PRIMARY KEY (variant_id, option)
            ) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS catalog_variant_options_by_value
                ON catalog_variant_options (option, value, product_id)",
            "CREATE INDEX IF NOT EXISTS catalog_variant_options_by_product
                ON catalog_variant_options (product_id)",
            "INSERT OR IGNORE INTO catalog_variant_options (variant_id, product_id, option, value)
                SELECT v.id, v.product_id, json_extract(o.value, '$.option'),
                json_extract(o.value, '$.value') FROM catalog_variants v, json_each(v.options) o",
            // A product's attributes, one row each: attribute (brand) filters and facets.
            "CREATE TABLE IF NOT EXISTS catalog_product_attributes (
                product_id TEXT NOT NULL,
                name       TEXT NOT NULL COLLATE NOCASE,
                value      TEXT NOT NULL COLLATE NOCASE,
                PRIMARY KEY (product_id, name)
            ) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS catalog_product_attributes_by_value
                ON catalog_product_attributes (name, value, product_id)",
            "INSERT OR IGNORE INTO catalog_product_attributes (product_id, name, value)
                SELECT p.id, json_extract(a.value, '$.name'), json_extract(a.value, '$.value')
                FROM catalog_products p, json_each(p.attributes) a",
            "CREATE TABLE IF NOT EXISTS catalog_collections (
                id          TEXT PRIMARY KEY,
                slug        TEXT NOT NULL UNIQUE,
                title       TEXT NOT NULL,
                description TEXT NOT NULL,
                created_at  INTEGER NOT NULL,
                updated_at  INTEGER NOT NULL
            )",
            "CREATE TABLE IF NOT EXISTS catalog_collection_products (
                collection_id TEXT NOT NULL REFERENCES catalog_collections (id),
                product_id    TEXT NOT NULL REFERENCES catalog_products (id),
                position      INTEGER NOT NULL,
                PRIMARY KEY (collection_id, product_id)
            ) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS catalog_collection_products_by_product
                ON catalog_collection_products (product_id)",
            // Full-text search: one row per product, rowid = the product's seq. Column
            // `attributes` holds its attribute values and its variants' option values.
            "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search USING fts5 (
                title, attributes, description,
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
            )",
            // The indexed words, for typo tolerance.
            "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_terms
                USING fts5vocab (catalog_search, row)",
            "INSERT INTO catalog_search (rowid, title, attributes, description)
                SELECT p.seq, p.title,
                trim(COALESCE((SELECT group_concat(json_extract(a.value, '$.value'), ' ')
                    FROM json_each(p.attributes) a), '') || ' ' ||
                COALESCE((SELECT group_concat(o.value, ' ') FROM catalog_variant_options o
                    WHERE o.product_id = p.id), '')),
                p.description
                FROM catalog_products p WHERE p.seq NOT IN (SELECT rowid FROM catalog_search)",
            "CREATE INDEX IF NOT EXISTS catalog_products_by_title
                ON catalog_products (status, title COLLATE NOCASE, seq)",
            // Bumped by every write; the key-value cache keys its entries by it.
            "CREATE TABLE IF NOT EXISTS catalog_cache_state (
                id         INTEGER PRIMARY KEY CHECK (id = 1),
                generation INTEGER NOT NULL
            )",
            "INSERT OR IGNORE INTO catalog_cache_state (id, generation) VALUES (1, 0)",
        ],
    },
];
