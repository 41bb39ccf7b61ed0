//! Checkout attempts: one row per idempotency key, holding the hash of the request that
//! first used the key, the plan that request decided on (the priced lines, addresses and
//! totals), and, once a refusal is final, that refusal.
//!
//! The row is what makes the checkout resumable without any state in memory: every retry
//! with the key reads the same plan and replays the same capability calls (each idempotent
//! by a key derived from the checkout key), so it picks up wherever the last attempt
//! stopped. It holds no secret: neither the cart token nor card data are stored.
//!
//! The table is this component's own (`checkout_*`); it reads no other capability's.

use capability_kit::db::{self, Migration};
use spin_sdk::sqlite::{Connection, Error, Value};

const VERSION_TABLE: &str = "checkout_schema_version";

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "checkout attempts by idempotency key",
    statements: &["CREATE TABLE IF NOT EXISTS checkout_attempts (
            idempotency_key TEXT PRIMARY KEY,
            request_hash    TEXT NOT NULL,
            plan            TEXT NOT NULL,
            outcome         TEXT,
            created_at      INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL
        )"],
}];

/// A stored attempt.
pub struct Attempt {
    pub request_hash: String,
    /// The plan, as JSON (see `dto::Plan`).
    pub plan: String,
    /// A final refusal (see `flow::Outcome`), as JSON.
    pub outcome: Option<String>,
}

/// The default database, with the checkout's table in place: the instance's one connection
/// (see `capability_kit::db::instance_connection`).
pub fn open() -> Result<std::rc::Rc<Connection>, Error> {
    db::instance_connection(VERSION_TABLE, MIGRATIONS)
}

/// The attempt of `key`, if any.
pub fn get(conn: &Connection, key: &str) -> Result<Option<Attempt>, Error> {
    let result = conn.execute(
        "SELECT request_hash, plan, outcome FROM checkout_attempts WHERE idempotency_key = ?",
        &[Value::Text(key.to_owned())],
    )?;
    let Some(row) = result.rows.first() else {
        return Ok(None);
    };
    Ok(Some(Attempt {
        request_hash: db::text(row, 0)?,
        plan: db::text(row, 1)?,
        outcome: db::opt_text(row, 2)?,
    }))
}

/// Records the attempt of `key` unless one exists, and returns the one that is stored: ours,
/// or that of a concurrent request that got there first.
pub fn claim(conn: &Connection, key: &str, hash: &str, plan: &str) -> Result<Attempt, Error> {
    let now = capability_kit::clock::now_ms();
    conn.execute(
        "INSERT INTO checkout_attempts (idempotency_key, request_hash, plan, outcome, created_at, updated_at) \
         VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
        &[
            Value::Text(key.to_owned()),
            Value::Text(hash.to_owned()),
            Value::Text(plan.to_owned()),
            Value::Integer(now),
            Value::Integer(now),
        ],
    )?;
    get(conn, key)?.ok_or_else(|| Error::Io("the checkout attempt vanished".to_owned()))
}

/// Records a final refusal for `key` (the first one recorded stays).
pub fn finish(conn: &Connection, key: &str, outcome: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE checkout_attempts SET outcome = ?, updated_at = ? \
         WHERE idempotency_key = ? AND outcome IS NULL",
        &[
            Value::Text(outcome.to_owned()),
            Value::Integer(capability_kit::clock::now_ms()),
            Value::Text(key.to_owned()),
        ],
    )?;
    Ok(())
}
