//! SQLite over Spin's `fermyon:spin/sqlite@2.0.0`: migrations, transactions, row decoding.
//!
//! Every statement is parameterised; the only SQL text built at run time is a list of `?`
//! placeholders ([`placeholders`]) and the name of a capability's own version table.
//!
//! # What a connection asks of SQLite
//!
//! Spin sets nothing on a connection: every `Connection::open` is a new connection with
//! SQLite's defaults (a new database in rollback-journal `DELETE` mode, `synchronous =
//! FULL`, a 5 s busy timeout; foreign keys on in Spin's build of SQLite). So the
//! components ask for what they need, and ignore a refusal: on libSQL (Fermyon Cloud,
//! SpinKube with a libSQL database) the server decides, and a pragma it refuses or ignores
//! must not fail a request.
//!
//! - **WAL**, by [`migrate`] when it migrates (before its transaction: the journal mode
//!   cannot change inside one). The mode is stored in the database file, so once is enough;
//!   readers then no longer block the writer nor the writer the readers. (A database that
//!   Spin created before the components asked, and whose schema is up to date, stays in
//!   its journal mode until its next migration.)
//! - **`synchronous = NORMAL`**, by [`transaction`] before the first write transaction of a
//!   connection: it is a setting of the connection, and every `open` is a new connection
//!   (the instance's own connection, [`instance_connection`], is set once). In WAL mode a commit
//!   then appends to the WAL without syncing it (the WAL is synced at checkpoints); the
//!   database never corrupts, and a power loss (not a crash of the process) may lose the
//!   last commits. It saves an `fsync` per commit (milliseconds on a virtual disk, see
//!   BENCHMARKS.md) for one statement that costs microseconds; read paths issue nothing.
//! - The busy timeout stays at 5 s, and writers take the lock up front (`BEGIN
//!   IMMEDIATE`), so they queue for it rather than fail on upgrading a read lock.

use spin_sdk::sqlite::{Connection, Error, RowResult, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

thread_local! {
    /// The instance's connection to `default`, once made (see [`instance_connection`]).
    static INSTANCE_CONNECTION: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
    /// Whether [`transaction`] has set `synchronous = NORMAL` on the instance's connection:
    /// a setting of the connection, so once for its life.
    static INSTANCE_SYNCHRONOUS_SET: Cell<bool> = const { Cell::new(false) };
}

/// Whether `conn` is the instance's connection (see [`instance_connection`]).
fn is_instance_connection(conn: &Connection) -> bool {
    INSTANCE_CONNECTION.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|own| std::ptr::eq(Rc::as_ptr(own), conn))
    })
}

/// The connection of this component instance to the database `default`: opened at the
/// first call and kept for the instance's life, with `migrations` applied (see [`migrate`])
/// when it is made.
///
/// On Spin every `Connection::open` is a new SQLite connection, and a new connection pays
/// at its first statement for opening the file (and, in WAL mode, the `-wal` and `-shm`
/// files with a map of the index) and for parsing the schema of the whole shared database:
/// far more than a statement. A component instance lives for one request (Spin makes a
/// fresh one per request, and the instances of a request's dependencies with it), so this
/// is one connection per capability per request, instead of one per WIT call; a long-lived
/// instance (a test's) keeps its connection, which holds no lock between statements.
///
/// Every caller must leave the connection in autocommit mode when it returns
/// ([`transaction`] and [`snapshot`] do, on success and on error), since the next call of
/// the instance gets the same connection. A trap ends the instance and so the connection.
pub fn instance_connection(
    version_table: &'static str,
    migrations: &[Migration],
) -> Result<Rc<Connection>, Error> {
    if let Some(conn) = INSTANCE_CONNECTION.with(|c| c.borrow().clone()) {
        return Ok(conn);
    }
    let conn = Connection::open_default()?;
    migrate(&conn, version_table, migrations)?;
    let conn = Rc::new(conn);
    INSTANCE_CONNECTION.with(|c| *c.borrow_mut() = Some(conn.clone()));
    Ok(conn)
}

/// One step of a capability's schema. Versions start at 1 and increase by one; a
/// migration, once released, never changes: a change is a new migration.
pub struct Migration {
    /// The schema version this migration produces.
    pub version: i64,
    /// What it does, for people.
    pub description: &'static str,
    /// The statements, run in order, one `execute` each.
    pub statements: &'static [&'static str],
}

/// Brings the schema up to the last of `migrations`, idempotently.
///
/// `version_table` (e.g. `catalog_schema_version`) holds one row with the current version.
/// The common case costs one `SELECT`. Otherwise the migrations run in one `BEGIN
/// IMMEDIATE` transaction that re-reads the version first, so instances racing on a fresh
/// database apply each migration exactly once.
pub fn migrate(
    conn: &Connection,
    version_table: &'static str,
    migrations: &[Migration],
) -> Result<(), Error> {
    debug_assert!(
        version_table
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
    );
    debug_assert!(
        migrations
            .iter()
            .enumerate()
            .all(|(i, m)| m.version == i as i64 + 1)
    );
    let target = migrations.last().map_or(0, |m| m.version);
    let select = format!("SELECT version FROM {version_table} WHERE id = 1");
    if let Ok(result) = conn.execute(&select, &[])
        && let Some(version) = result.rows.first().and_then(|r| r.get::<i64>(0))
        && version >= target
    {
        return Ok(());
    }

    // Before the transaction; refused (libSQL) or impossible just now (another connection
    // holds a lock) it is left to the next migration: WAL is a matter of speed only.
    let _ = conn.execute("PRAGMA journal_mode = WAL", &[]);
    transaction(conn, |conn| {
        conn.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {version_table} (\
                 id INTEGER PRIMARY KEY CHECK (id = 1), \
                 version INTEGER NOT NULL, \
                 migrated_at INTEGER NOT NULL)"
            ),
            &[],
        )?;
        let result = conn.execute(&select, &[])?;
        let current = result
            .rows
            .first()
            .and_then(|r| r.get::<i64>(0))
            .unwrap_or(0);
        if current >= target {
            return Ok(());
        }
        for migration in migrations.iter().filter(|m| m.version > current) {
            for statement in migration.statements {
                conn.execute(statement, &[])?;
            }
        }
        conn.execute(
            &format!(
                "INSERT INTO {version_table} (id, version, migrated_at) VALUES (1, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                 migrated_at = excluded.migrated_at"
            ),
            &[
                Value::Integer(target),
                Value::Integer(crate::clock::now_ms()),
            ],
        )?;
        Ok(())
    })
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction: commits when it returns `Ok`, rolls back
/// when it returns `Err` or the commit fails, so nothing is half written. The connection
/// is first set to `synchronous = NORMAL` (see the module's documentation), which cannot
/// change inside a transaction; a refusal is ignored. The instance's connection
/// ([`instance_connection`]) is set once for its life; any other, before each transaction.
pub fn transaction<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    // Once per connection: the instance's connection keeps the setting for its life.
    let own = is_instance_connection(conn);
    if !(own && INSTANCE_SYNCHRONOUS_SET.with(Cell::get)) {
        let _ = conn.execute("PRAGMA synchronous = NORMAL", &[]);
        if own {
            INSTANCE_SYNCHRONOUS_SET.with(|c| c.set(true));
        }
    }
    conn.execute("BEGIN IMMEDIATE", &[])?;
    let outcome = f(conn).and_then(|value| {
        conn.execute("COMMIT", &[])?;
        Ok(value)
    });
    if outcome.is_err() {
        // Nothing useful to do if the rollback fails too: the original error matters, and
        // the host rolls back an unfinished transaction when the connection closes.
        let _ = conn.execute("ROLLBACK", &[]);
    }
    outcome
}

/// Runs the reads of `f` in one deferred (`BEGIN`) transaction, so that they all see one
/// snapshot of the database without taking the write lock. `f` must not write: a deferred
/// transaction that starts writing after others have committed fails with `SQLITE_BUSY`
/// rather than waiting. Nothing was written, so the end only releases the snapshot.
pub fn snapshot<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    conn.execute("BEGIN", &[])?;
    let outcome = f(conn);
    let end = conn.execute(
        if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        },
        &[],
    );
    let value = outcome?;
    end?;
    Ok(value)
}

/// Whether `error` is a UNIQUE constraint failure on `table.column` (e.g.
/// `"catalog_products.slug"`). Spin reports constraint failures as `io` errors carrying
/// SQLite's message.
pub fn is_unique_violation(error: &Error, table_column: &str) -> bool {
    match error {
        Error::Io(message) => {
            message.contains("UNIQUE constraint failed") && message.contains(table_column)
        }
        _ => false,
    }
}

/// `n` comma-separated `?` placeholders, for `IN (…)` lists.
pub fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

fn decode_error(column: usize, expected: &str) -> Error {
    Error::Io(format!("column {column}: expected {expected}"))
}

/// The text in column `i`.
pub fn text(row: &RowResult, i: usize) -> Result<String, Error> {
    match row.values.get(i) {
        Some(Value::Text(s)) => Ok(s.clone()),
        _ => Err(decode_error(i, "text")),
    }
}

/// The text in column `i`, or `None` for NULL.
pub fn opt_text(row: &RowResult, i: usize) -> Result<Option<String>, Error> {
    match row.values.get(i) {
        Some(Value::Null) => Ok(None),
        Some(Value::Text(s)) => Ok(Some(s.clone())),
        _ => Err(decode_error(i, "text or null")),
    }
}

/// The integer in column `i`.
pub fn int(row: &RowResult, i: usize) -> Result<i64, Error> {
    match row.values.get(i) {
        Some(Value::Integer(n)) => Ok(*n),
        _ => Err(decode_error(i, "integer")),
    }
}

/// The integer in column `i`, or `None` for NULL.
pub fn opt_int(row: &RowResult, i: usize) -> Result<Option<i64>, Error> {
    match row.values.get(i) {
        Some(Value::Null) => Ok(None),
        Some(Value::Integer(n)) => Ok(Some(*n)),
        _ => Err(decode_error(i, "integer or null")),
    }
}

/// A text parameter.
pub fn t(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// An integer parameter.
pub fn i(n: impl Into<i64>) -> Value {
    Value::Integer(n.into())
}

/// A nullable text parameter.
pub fn opt_t(s: Option<impl Into<String>>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.into()))
}

/// A nullable integer parameter.
pub fn opt_i(n: Option<impl Into<i64>>) -> Value {
    n.map_or(Value::Null, |n| Value::Integer(n.into()))
}
