//! The orders' tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants the store keeps in every transaction (and the CHECKs and UNIQUEs guard):
//!
//! - `orders_sequence.last_number` is the number of the newest order; a new order takes
//!   `last_number + 1` in the transaction that inserts it, so numbers are never shared,
//!   never reused, and a rolled-back creation gives its number back (no gaps);
//! - `orders_orders.snapshot` is written once, at creation, and never updated;
//! - `orders_orders.reservation_id` is NULL while the order stands on its snapshot's
//!   reservation, and is only set by `replace-reservation` on an order not cancelled;
//! - `orders_orders.refunded_total` = the sum of the `amount` of the order's
//!   `orders_refunds` rows whose status is `succeeded`, `refund_pending_total` the same of
//!   the `pending` ones, and `0 <= refunded_total + refund_pending_total <= grand_total`;
//! - `orders_events` is only ever inserted into; `orders_refunds` rows are inserted, and
//!   then only their `status` moves forward (pending → succeeded or failed, succeeded →
//!   failed), with `settled_at`.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "orders_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "orders with their snapshot, number sequence, line index, refunds, events",
        statements: &[
            "CREATE TABLE IF NOT EXISTS orders_sequence (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            last_number INTEGER NOT NULL CHECK (last_number >= 1000)
        )",
            // The first order is 1001.
            "INSERT OR IGNORE INTO orders_sequence (id, last_number) VALUES (1, 1000)",
            "CREATE TABLE IF NOT EXISTS orders_orders (
            id              TEXT PRIMARY KEY,
            number          INTEGER NOT NULL UNIQUE CHECK (number > 1000),
            -- SHA-256 (hex) of the create-order idempotency key; the key itself is not kept.
            key_hash        TEXT NOT NULL UNIQUE,
            -- Random salt (hex) the guest token is derived from, and the token's SHA-256.
            token_salt      TEXT NOT NULL,
            token_hash      TEXT NOT NULL,
            status          TEXT NOT NULL CHECK (status IN ('pending_payment', 'paid',
                            'fulfilled', 'shipped', 'delivered', 'cancelled', 'refunded',
                            'partially_refunded')),
            -- The order-snapshot, as JSON; changed only to erase personal data.
            snapshot        TEXT NOT NULL,
            -- Copied from the snapshot for listings, filters and search.
            currency        TEXT NOT NULL,
            grand_total     INTEGER NOT NULL CHECK (grand_total >= 0),
            email           TEXT NOT NULL,
            email_lc        TEXT NOT NULL,
            name            TEXT NOT NULL,
            name_lc         TEXT NOT NULL,
            customer_id     TEXT,
            item_count      INTEGER NOT NULL CHECK (item_count >= 1),
            payment_id      TEXT,
            tracking_carrier TEXT,
            tracking_number TEXT,
            tracking_url    TEXT,
            refunded_total  INTEGER NOT NULL DEFAULT 0
                            CHECK (refunded_total >= 0 AND refunded_total <= grand_total),
            created_at      INTEGER NOT NULL,
            paid_at         INTEGER,
            fulfilled_at    INTEGER,
            shipped_at      INTEGER,
            delivered_at    INTEGER,
            cancelled_at    INTEGER,
            cancel_reason   TEXT,
            updated_at      INTEGER NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS orders_orders_by_customer
            ON orders_orders (customer_id, number)",
            "CREATE INDEX IF NOT EXISTS orders_orders_by_status
            ON orders_orders (status, number)",
            "CREATE INDEX IF NOT EXISTS orders_orders_by_created
            ON orders_orders (created_at, number)",
            // One row per line, for SKU search; the snapshot stays the source of truth.
            "CREATE TABLE IF NOT EXISTS orders_lines (
            order_id    TEXT NOT NULL REFERENCES orders_orders (id),
            position    INTEGER NOT NULL,
            sku_lc      TEXT NOT NULL,
            PRIMARY KEY (order_id, position)
        )",
            "CREATE TABLE IF NOT EXISTS orders_refunds (
            seq         INTEGER NOT NULL UNIQUE,
            order_id    TEXT NOT NULL REFERENCES orders_orders (id),
            amount      INTEGER NOT NULL CHECK (amount > 0),
            refund_id   TEXT,
            -- 'ref:<refund id>' or 'key:<idempotency key>': a repeat finds the first record.
            dedupe_key  TEXT NOT NULL UNIQUE,
            reason      TEXT,
            actor       TEXT NOT NULL,
            created_at  INTEGER NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS orders_refunds_by_order ON orders_refunds (order_id, seq)",
            "CREATE TABLE IF NOT EXISTS orders_events (
            seq         INTEGER NOT NULL UNIQUE,
            order_id    TEXT NOT NULL REFERENCES orders_orders (id),
            kind        TEXT NOT NULL
                        CHECK (kind IN ('created', 'status_changed', 'refund_recorded', 'note')),
            status      TEXT,
            amount      INTEGER,
            actor       TEXT NOT NULL,
            note        TEXT,
            created_at  INTEGER NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS orders_events_by_order ON orders_events (order_id, seq)",
        ],
    },
    Migration {
        version: 2,
        description: "the reservation an order stands on when it replaced the snapshot's",
        statements: &[
            // NULL: the snapshot's reservation. Runs once: migrate re-reads the version in
            // the transaction that applies it.
            "ALTER TABLE orders_orders ADD COLUMN reservation_id TEXT",
        ],
    },
    Migration {
        version: 3,
        description: "refunds with a status: pending ones are shown and bounded, not counted",
        statements: &[
            // Every refund recorded before had been counted as money given back.
            "ALTER TABLE orders_refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded'
            CHECK (status IN ('pending', 'succeeded', 'failed'))",
            "ALTER TABLE orders_refunds ADD COLUMN settled_at INTEGER",
            "UPDATE orders_refunds SET settled_at = created_at WHERE settled_at IS NULL",
            "ALTER TABLE orders_orders ADD COLUMN refund_pending_total INTEGER NOT NULL DEFAULT 0
            CHECK (refund_pending_total >= 0
                   AND refunded_total + refund_pending_total <= grand_total)",
            // The history gains two kinds; SQLite cannot change a CHECK in place, so the
            // table is rebuilt with the same rows.
            "CREATE TABLE orders_events_v3 (
            seq         INTEGER NOT NULL UNIQUE,
            order_id    TEXT NOT NULL REFERENCES orders_orders (id),
            kind        TEXT NOT NULL
                        CHECK (kind IN ('created', 'status_changed', 'refund_recorded',
                               'refund_requested', 'refund_failed', 'note')),
            status      TEXT,
            amount      INTEGER,
            actor       TEXT NOT NULL,
            note        TEXT,
            created_at  INTEGER NOT NULL
        )",
            "INSERT INTO orders_events_v3 (seq, order_id, kind, status, amount, actor, note,
            created_at) SELECT seq, order_id, kind, status, amount, actor, note, created_at
            FROM orders_events",
            "DROP TABLE orders_events",
            "ALTER TABLE orders_events_v3 RENAME TO orders_events",
            "CREATE INDEX IF NOT EXISTS orders_events_by_order ON orders_events (order_id, seq)",
        ],
    },
];
