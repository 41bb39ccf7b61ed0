//! The cart's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants the store keeps in every transaction (and the CHECKs and keys guard):
//!
//! - a guest cart is found only by the SHA-256 of its token (`token_hash`, unique); a
//!   customer's cart (`customer_id` set) has the hash of a token nobody was given, so only
//!   its customer's id finds it;
//! - a customer has at most one current cart: one with `customer_id` set and `order_ref`
//!   null (a partial unique index);
//! - a cart has at most one line per variant, every line's quantity is at least 1;
//! - a cart is live while `used_at` + the idle time (read from the Spin variable on every
//!   call) is in the future; an expired cart's rows are deleted lazily;
//! - a cart is open (`checkout_holder` null), held by one checkout (`checkout_holder` and
//!   `checkout_at` set) or ordered (`order_ref` set too); only an open cart's lines change,
//!   and only a conditional `UPDATE` naming the state it expects moves a cart between them.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "cart_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
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
    },
    Migration {
        version: 2,
        description: "a cart's checkout claim: held by one checkout, then ordered",
        statements: &[
            // The caller's opaque name for the checkout that claimed the cart.
            "ALTER TABLE cart_carts ADD COLUMN checkout_holder TEXT",
            // When it claimed it.
            "ALTER TABLE cart_carts ADD COLUMN checkout_at INTEGER \
             CHECK ((checkout_at IS NULL) = (checkout_holder IS NULL))",
            // The order the cart became: set once, by the holder.
            "ALTER TABLE cart_carts ADD COLUMN order_ref TEXT \
             CHECK (order_ref IS NULL OR checkout_holder IS NOT NULL)",
        ],
    },
    Migration {
        version: 3,
        description: "a signed-in customer's cart",
        statements: &[
            // The customer (`cus_…`) whose cart it is; null for a guest cart.
            "ALTER TABLE cart_carts ADD COLUMN customer_id TEXT",
            // A customer's current cart: at most one that is not ordered.
            "CREATE UNIQUE INDEX IF NOT EXISTS cart_carts_current_by_customer \
             ON cart_carts (customer_id) WHERE customer_id IS NOT NULL AND order_ref IS NULL",
            // A checkout finds the customer's cart it holds, current or ordered.
            "CREATE INDEX IF NOT EXISTS cart_carts_by_customer_holder \
             ON cart_carts (customer_id, checkout_holder) WHERE customer_id IS NOT NULL",
        ],
    },
];
