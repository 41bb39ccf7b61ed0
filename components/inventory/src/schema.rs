//! The inventory's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants the store keeps in every transaction (and the CHECKs guard):
//!
//! - `inventory_stock.reserved` = the sum of the `quantity` of the variant's
//!   `inventory_reservation_lines` with `held = 1`;
//! - a line has `held = 1` exactly while its reservation's stored `status` is `active`;
//! - `0 <= reserved <= on_hand`.
//!
//! A held line whose `expires_at` has passed still counts in the stored `reserved` until it is
//! reclaimed; every read subtracts such lines (see `store::LAPSED`), so an expired
//! reservation is never counted as reserved, reclaimed or not.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "inventory_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "stock levels, reservations and their lines, stock movements",
    statements: &[
        "CREATE TABLE IF NOT EXISTS inventory_stock (
            variant_id  TEXT PRIMARY KEY,
            -- At most 2^31 - 1, so that every change fits a movement's s32 delta.
            on_hand     INTEGER NOT NULL CHECK (on_hand >= 0 AND on_hand <= 2147483647),
            reserved    INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS inventory_reservations (
            id              TEXT PRIMARY KEY,
            -- Creation order: listings sort newest first by it (stable keyset cursors).
            seq             INTEGER NOT NULL UNIQUE,
            idempotency_key TEXT NOT NULL UNIQUE,
            status          TEXT NOT NULL
                            CHECK (status IN ('active', 'committed', 'released', 'expired')),
            created_at      INTEGER NOT NULL,
            expires_at      INTEGER NOT NULL,
            closed_at       INTEGER
        )",
        "CREATE INDEX IF NOT EXISTS inventory_reservations_open
            ON inventory_reservations (expires_at, id) WHERE status = 'active'",
        "CREATE INDEX IF NOT EXISTS inventory_reservations_by_status
            ON inventory_reservations (status, seq)",
        "CREATE TABLE IF NOT EXISTS inventory_reservation_lines (
            reservation_id TEXT NOT NULL REFERENCES inventory_reservations (id),
            variant_id     TEXT NOT NULL,
            position       INTEGER NOT NULL,
            quantity       INTEGER NOT NULL CHECK (quantity >= 1),
            -- 1 while the reservation is active in storage: the line's quantity is part of
            -- its variant's inventory_stock.reserved.
            held           INTEGER NOT NULL CHECK (held IN (0, 1)),
            -- The reservation's, copied so that lapsed holds of a variant are found by index.
            expires_at     INTEGER NOT NULL,
            PRIMARY KEY (reservation_id, variant_id)
        )",
        "CREATE INDEX IF NOT EXISTS inventory_reservation_lines_by_variant
            ON inventory_reservation_lines (variant_id, reservation_id)",
        "CREATE INDEX IF NOT EXISTS inventory_reservation_lines_held
            ON inventory_reservation_lines (variant_id, expires_at) WHERE held = 1",
        "CREATE TABLE IF NOT EXISTS inventory_movements (
            id              TEXT PRIMARY KEY,
            -- Creation order: the audit trail lists newest first by it.
            seq             INTEGER NOT NULL UNIQUE,
            variant_id      TEXT NOT NULL,
            delta           INTEGER NOT NULL,
            on_hand_after   INTEGER NOT NULL CHECK (on_hand_after >= 0),
            reason          TEXT NOT NULL CHECK (reason IN ('received', 'recount', 'damaged',
                            'lost', 'returned', 'cancellation', 'correction', 'sale')),
            note            TEXT,
            actor           TEXT NOT NULL,
            reservation_id  TEXT,
            -- Set when the caller gave one; a repeated call finds the first movement by it.
            idempotency_key TEXT UNIQUE,
            created_at      INTEGER NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS inventory_movements_by_variant
            ON inventory_movements (variant_id, seq)",
        "CREATE INDEX IF NOT EXISTS inventory_movements_by_reason
            ON inventory_movements (reason, seq)",
    ],
}];
