//! `fermyon:spin/sqlite@2.0.0`, backed by SQLite files under the state directory, with the
//! semantics of Spin's in-process SQLite (`spin up`, Spin 3.6 and 4.x).
//!
//! As under `spin up`, the database labelled `default` lives in `.spin/sqlite_db.db`. A
//! component may open only the databases its manifest lists in `sqlite_databases`
//! (`access-denied` otherwise, whether or not the database exists); a listed label the host
//! has no database for is refused when the app loads.
//!
//! What Spin does, and so this host:
//!
//! - **A new connection per `open`.** Every `connection::open` of every instance gets a
//!   connection of its own, made with a plain `rusqlite::Connection::open` the first time a
//!   statement runs on it (an `open` never followed by `execute` touches no file). Nothing is
//!   pooled and nothing carries over from one `open` to the next: not a `PRAGMA`, not a
//!   `temp` table, not a prepared statement.
//! - **No settings of its own.** No `PRAGMA` is run, so a connection has SQLite's and
//!   rusqlite's defaults: a new database is in rollback-journal `DELETE` mode, `synchronous`
//!   is `FULL`, the busy timeout is rusqlite's 5 seconds, and foreign keys are *on* (the
//!   `bundled` SQLite of libsqlite3-sys is compiled with `SQLITE_DEFAULT_FOREIGN_KEYS=1`, in
//!   Spin's build as in ours). Whatever else a component wants it asks for itself; see
//!   `capability_kit::db` for what this app's components ask.
//! - **`ATTACH` of a file is refused** (an authorizer denies it; a temporary or `:memory:`
//!   database may be attached), as Spin 4 does for a database without `allow_attach_file`.
//!   Like Spin's, the check sees the file name of the statement's text only: a name bound as
//!   a parameter reaches SQLite's authorizer as no name, and is let through.
//! - **Statements are prepared through rusqlite's statement cache** (`prepare_cached`, at its
//!   default capacity of 16), which lives and dies with the connection.
//! - **Errors:** every SQLite failure is `io` with rusqlite's message, a busy database
//!   included (`io("database is locked")` once the busy timeout has run out) and a full disk
//!   too (`database-full` is never produced). A result larger than 128 MiB is
//!   `io("query result exceeds limit of 134217728 bytes")`. At most 256 connections may be open
//!   at once in one instance; one more is `io("too many connections opened")`.
//! - **An open transaction is rolled back when its connection closes**: when the guest drops
//!   the connection, or when its instance ends (a trap included). SQLite itself rolls back
//!   an unfinished transaction on close.
//!
//! A statement blocks the thread it runs on, up to the busy timeout when another connection
//! holds the lock. Spin runs statements on tokio's blocking pool; this host's bindings are
//! synchronous, so a statement runs in [`blocking`], which hands the worker's other tasks to
//! another thread meanwhile: a writer waiting for the lock never stalls the requests that
//! would release it.

use crate::bindings::fermyon::spin2_0_0::sqlite::{self, Error, QueryResult, RowResult, Value};
use crate::state::HostState;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::Resource;

/// Connections one instance may have open at once, as in Spin.
pub const CONNECTION_TABLE_CAPACITY: usize = 256;

/// The most a query's result may hold, counted as Spin counts it (each value's in-memory
/// size plus its text or bytes).
pub const MAX_RESULT_BYTES: usize = 128 << 20;

/// Runs `f`, which may block its thread (on SQLite's disk I/O or its busy timeout), without
/// blocking the runtime: on tokio's multi-threaded runtime the worker's queued tasks move to
/// another thread first (`block_in_place`). Elsewhere `f` simply runs.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_threaded {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// One SQLite database file.
pub struct Database {
    path: PathBuf,
}

impl Database {
    /// The database at `path`. Creates its directory, as Spin does when it reads its
    /// configuration; the file itself is created by the first connection that runs a
    /// statement.
    pub fn open(path: &Path) -> Result<Arc<Self>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(Arc::new(Self {
            path: path.to_path_buf(),
        }))
    }

    /// A new connection with no settings of its own but the `ATTACH` rule.
    fn connect(&self) -> rusqlite::Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(&self.path)?;
        conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
            use rusqlite::hooks::{AuthAction, Authorization};
            match ctx.action {
                AuthAction::Attach { filename }
                    if !filename.is_empty() && filename != ":memory:" =>
                {
                    Authorization::Deny
                }
                _ => Authorization::Allow,
            }
        }));
        Ok(conn)
    }

    /// The file behind this database.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The databases of an application, by label.
#[derive(Clone, Default)]
pub struct Databases(pub BTreeMap<String, Arc<Database>>);

/// The host side of a guest's `connection` resource: its database and, once a statement
/// has run, its own SQLite connection, closed (rolling back what it left open) when the
/// resource is dropped.
pub struct OpenConnection {
    database: Arc<Database>,
    conn: Option<rusqlite::Connection>,
    stats: Arc<crate::stats::Counters>,
}

impl OpenConnection {
    /// The connection, made on first use.
    fn conn(&mut self) -> Result<&rusqlite::Connection, Error> {
        if self.conn.is_none() {
            let conn = self
                .database
                .connect()
                .map_err(|e| Error::Io(e.to_string()))?;
            self.stats.sqlite_connection();
            self.conn = Some(conn);
        }
        Ok(self.conn.as_ref().expect("just made"))
    }
}

fn to_sql(v: Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Integer(i) => V::Integer(i),
        Value::Real(f) => V::Real(f),
        Value::Text(s) => V::Text(s),
        Value::Blob(b) => V::Blob(b),
        Value::Null => V::Null,
    }
}

fn from_sql(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Integer(i) => Value::Integer(i),
        V::Real(f) => Value::Real(f),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Blob(b.to_vec()),
        V::Null => Value::Null,
    }
}

/// What a value weighs against [`MAX_RESULT_BYTES`].
fn weight(v: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match v {
            Value::Text(t) => t.len(),
            Value::Blob(b) => b.len(),
            _ => 0,
        }
}

/// Runs one statement with its parameters and collects the rows.
fn execute(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> Result<QueryResult, Error> {
    let io = |e: rusqlite::Error| Error::Io(e.to_string());
    let mut stmt = conn.prepare_cached(statement).map_err(io)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let params = rusqlite::params_from_iter(parameters.into_iter().map(to_sql));
    let mut rows = stmt.query(params).map_err(io)?;
    let mut out = Vec::new();
    let mut bytes = std::mem::size_of::<QueryResult>();
    while let Some(row) = rows.next().map_err(io)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            let value = from_sql(row.get_ref(i).map_err(io)?);
            bytes += weight(&value);
            values.push(value);
        }
        if bytes > MAX_RESULT_BYTES {
            return Err(Error::Io(format!(
                "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
            )));
        }
        out.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows: out })
}

impl sqlite::HostConnection for HostState {
    fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<OpenConnection>, Error>> {
        if !self.config.sqlite_databases.contains(&database) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(db) = self.backends.databases.0.get(&database).cloned() else {
            return Ok(Err(Error::NoSuchDatabase));
        };
        if self.open_connections >= CONNECTION_TABLE_CAPACITY {
            return Ok(Err(Error::Io("too many connections opened".into())));
        }
        self.open_connections += 1;
        self.backends.stats.sqlite_open();
        let handle = self.table.push(OpenConnection {
            database: db,
            conn: None,
            stats: self.backends.stats.clone(),
        })?;
        Ok(Ok(handle))
    }

    fn execute(
        &mut self,
        connection: Resource<OpenConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let open = self.table.get_mut(&connection)?;
        open.stats.sqlite_statement(&statement);
        let path = open.database.path().to_path_buf();
        blocking(|| {
            // The hook first: a held call may wait here, and a fault fires whether or not the
            // connection could be made.
            match crate::faults::on_sqlite_execute(&path, &statement) {
                None => {}
                Some(crate::faults::FaultAction::Error) => {
                    return Ok(Err(Error::Io("injected fault".into())));
                }
                Some(crate::faults::FaultAction::Trap) => {
                    return Err(wasmtime::Error::msg(
                        "injected fault: the host call trapped",
                    ));
                }
            }
            Ok(open
                .conn()
                .and_then(|conn| execute(conn, &statement, parameters)))
        })
    }

    fn drop(&mut self, connection: Resource<OpenConnection>) -> wasmtime::Result<()> {
        // Closing the connection rolls back whatever transaction it left open.
        self.table.delete(connection)?;
        self.open_connections = self.open_connections.saturating_sub(1);
        Ok(())
    }
}

impl sqlite::Host for HostState {}
