//! The payments' tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants every write keeps:
//!
//! - `amount_refunded` of a payment = the sum of the `amount` of its refunds whose status is
//!   `pending` or `succeeded`, and `0 <= amount_refunded <= amount_captured <= amount`;
//! - a final status (`succeeded`, `failed`, `cancelled`) never changes;
//! - an event id of a provider is in `payments_webhook_events` exactly when it was processed.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "payments_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "payments, refunds, processed webhook events",
    statements: &[
        "CREATE TABLE IF NOT EXISTS payments_payments (
            id                   TEXT PRIMARY KEY,
            -- Creation order: listings sort newest first by it (stable keyset cursors).
            seq                  INTEGER NOT NULL UNIQUE,
            provider             TEXT NOT NULL CHECK (provider IN ('test', 'stripe')),
            provider_reference   TEXT,
            status               TEXT NOT NULL CHECK (status IN ('requires-confirmation',
                                 'requires-action', 'processing', 'requires-capture',
                                 'succeeded', 'failed', 'cancelled')),
            amount               INTEGER NOT NULL CHECK (amount > 0),
            currency             TEXT NOT NULL,
            amount_captured      INTEGER NOT NULL CHECK (amount_captured >= 0
                                 AND amount_captured <= amount),
            amount_refunded      INTEGER NOT NULL CHECK (amount_refunded >= 0
                                 AND amount_refunded <= amount_captured),
            capture_mode         TEXT NOT NULL CHECK (capture_mode IN ('automatic', 'manual')),
            order_id             TEXT,
            -- 'redirect' or 'sdk' with its value, exactly while requires-action.
            next_action_kind     TEXT,
            next_action_value    TEXT,
            card_brand           TEXT,
            card_last4           TEXT,
            card_exp_month       INTEGER,
            card_exp_year        INTEGER,
            decline_code         TEXT,
            decline_message      TEXT,
            decline_provider_code TEXT,
            return_url           TEXT,
            statement_descriptor TEXT,
            -- The payment method as the provider needs it again: the Stripe PaymentMethod
            -- id, or the test card's scenario. Never a card number.
            method_ref           TEXT NOT NULL,
            idempotency_key      TEXT NOT NULL UNIQUE,
            -- SHA-256 of the create request's parameters: a reused key with other ones is
            -- an idempotency conflict.
            fingerprint          TEXT NOT NULL,
            created_at           INTEGER NOT NULL,
            updated_at           INTEGER NOT NULL
        )",
        "CREATE UNIQUE INDEX IF NOT EXISTS payments_payments_by_reference
            ON payments_payments (provider, provider_reference)
            WHERE provider_reference IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS payments_payments_by_order
            ON payments_payments (order_id, seq)",
        "CREATE INDEX IF NOT EXISTS payments_payments_by_status
            ON payments_payments (status, seq)",
        "CREATE TABLE IF NOT EXISTS payments_refunds (
            id                 TEXT PRIMARY KEY,
            seq                INTEGER NOT NULL UNIQUE,
            payment_id         TEXT NOT NULL REFERENCES payments_payments (id),
            amount             INTEGER NOT NULL CHECK (amount > 0),
            currency           TEXT NOT NULL,
            status             TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
            reason             TEXT,
            idempotency_key    TEXT NOT NULL UNIQUE,
            fingerprint        TEXT NOT NULL,
            provider_reference TEXT,
            created_at         INTEGER NOT NULL,
            updated_at         INTEGER NOT NULL
        )",
        "CREATE INDEX IF NOT EXISTS payments_refunds_by_payment
            ON payments_refunds (payment_id, seq)",
        "CREATE UNIQUE INDEX IF NOT EXISTS payments_refunds_by_reference
            ON payments_refunds (provider_reference) WHERE provider_reference IS NOT NULL",
        "CREATE TABLE IF NOT EXISTS payments_webhook_events (
            provider    TEXT NOT NULL,
            event_id    TEXT NOT NULL,
            event_type  TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (provider, event_id)
        )",
    ],
}];
