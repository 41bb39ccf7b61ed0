//! Identity's tables, as an ordered list of migrations. They run on first use, from
//! whichever instance gets there first; see `capability_kit::db::migrate`.
//!
//! Invariants the store keeps in every transaction (and the CHECKs and keys guard):
//!
//! - an account is found by its `email_key` (trimmed, ASCII lower case), unique;
//! - no table holds a session or API token, only its SHA-256 (`token_hash`); a one-time
//!   token (reset, verification) is kept as its hash in `identity_tokens` and, while it
//!   is usable, in clear in the one outbox message that carries it (`identity_mail`);
//! - `identity_tokens` holds only usable tokens: using one deletes it, and so does a newer
//!   token of the same kind for the same customer; its message goes with it;
//! - a session works while `revoked_at` is null and `expires_at` is in the future; a
//!   password change, reset or "sign out everywhere" revokes, never deletes, so the
//!   sessions of an account can be listed with when they ended;
//! - every API token has a role of the five, and a name unique among unrevoked tokens;
//! - a staff member (`identity_staff`) is an account with one role of the five, given only
//!   while its email was confirmed; deleting the account deletes the row.

use capability_kit::db::Migration;

/// Holds the schema version (one row).
pub const VERSION_TABLE: &str = "identity_schema_version";

/// Every migration, oldest first. Never edit a released one: append a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "customers, sessions, one-time tokens, the mail outbox and API tokens",
        statements: &[
            "CREATE TABLE IF NOT EXISTS identity_customers (
            id                TEXT PRIMARY KEY,
            -- As the customer gave it (trimmed).
            email             TEXT NOT NULL,
            -- What accounts are found by: trimmed, ASCII lower case.
            email_key         TEXT NOT NULL UNIQUE,
            name              TEXT,
            marketing_consent INTEGER NOT NULL CHECK (marketing_consent IN (0, 1)),
            verified_at       INTEGER,
            -- Argon2id, PHC string format.
            password_hash     TEXT NOT NULL,
            created_at        INTEGER NOT NULL,
            updated_at        INTEGER NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS identity_customers_by_age \
         ON identity_customers (created_at, id)",
            "CREATE TABLE IF NOT EXISTS identity_sessions (
            id          TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            token_hash  TEXT NOT NULL UNIQUE,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL,
            revoked_at  INTEGER
        )",
            "CREATE INDEX IF NOT EXISTS identity_sessions_by_customer \
         ON identity_sessions (customer_id, created_at)",
            "CREATE TABLE IF NOT EXISTS identity_tokens (
            token_hash  TEXT PRIMARY KEY,
            kind        TEXT NOT NULL CHECK (kind IN ('verify-email', 'password-reset')),
            customer_id TEXT NOT NULL,
            -- The email the token was made for: a verification proves that address only.
            email_key   TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS identity_tokens_by_customer \
         ON identity_tokens (customer_id, kind)",
            "CREATE INDEX IF NOT EXISTS identity_tokens_by_expiry ON identity_tokens (expires_at)",
            "CREATE TABLE IF NOT EXISTS identity_mail (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL
                        CHECK (kind IN ('verify-email', 'password-reset', 'account-exists')),
            to_email    TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            -- The token it carries and its hash (its row in identity_tokens), or both null.
            token       TEXT,
            token_hash  TEXT,
            expires_at  INTEGER,
            created_at  INTEGER NOT NULL,
            CHECK ((token IS NULL) = (token_hash IS NULL)),
            CHECK ((token IS NULL) = (expires_at IS NULL))
        )",
            "CREATE INDEX IF NOT EXISTS identity_mail_by_age ON identity_mail (created_at, id)",
            "CREATE INDEX IF NOT EXISTS identity_mail_by_token ON identity_mail (token_hash)",
            "CREATE TABLE IF NOT EXISTS identity_api_tokens (
            id           TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            role         TEXT NOT NULL CHECK (role IN
                         ('owner', 'catalog-manager', 'fulfilment', 'support', 'read-only')),
            token_hash   TEXT NOT NULL UNIQUE,
            hint         TEXT NOT NULL,
            created_at   INTEGER NOT NULL,
            created_by   TEXT NOT NULL,
            expires_at   INTEGER,
            last_used_at INTEGER,
            revoked_at   INTEGER
        )",
            "CREATE UNIQUE INDEX IF NOT EXISTS identity_api_tokens_live_name \
         ON identity_api_tokens (name) WHERE revoked_at IS NULL",
            "CREATE INDEX IF NOT EXISTS identity_api_tokens_by_age \
         ON identity_api_tokens (created_at, id)",
        ],
    },
    Migration {
        version: 2,
        description: "staff members: accounts the owner gave a role",
        statements: &[
            "CREATE TABLE IF NOT EXISTS identity_staff (
            customer_id TEXT PRIMARY KEY,
            role        TEXT NOT NULL CHECK (role IN
                        ('owner', 'catalog-manager', 'fulfilment', 'support', 'read-only')),
            granted_at  INTEGER NOT NULL,
            -- The actor who gave or last changed the role.
            granted_by  TEXT NOT NULL
        )",
            "CREATE INDEX IF NOT EXISTS identity_staff_by_grant \
             ON identity_staff (granted_at, customer_id)",
        ],
    },
];
