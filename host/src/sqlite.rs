//! `fermyon:spin/sqlite@2.0.0`, backed by SQLite files under the state directory.
//!
//! As under `spin up`, the database labelled `default` lives in `.spin/sqlite_db.db`. A
//! component may open only the databases its manifest lists in `sqlite_databases`
//! (`access-denied` otherwise, whether or not the database exists); a listed label the host
//! has no database for is refused when the app loads.
//!
//! Connections are pooled per database and opened in WAL mode with a busy timeout, so
//! concurrent requests read in parallel and writers queue instead of failing. A connection
//! stays with its guest resource for the resource's lifetime, so `BEGIN` ... `COMMIT` across
//! several `execute` calls works; a transaction a guest leaves open is rolled back when the
//! connection returns to the pool.
//!
//! Durability: `synchronous = NORMAL`, the usual setting with WAL. A commit appends its pages
//! to the WAL without waiting for the disk; the WAL is synced when it is checkpointed into the
//! database file. The database never corrupts; a crash of this process loses nothing that
//! was committed, and a power loss may lose the last commits before the latest checkpoint
//! (`FULL` would sync the WAL on every commit, about ten syncs per checkout).
//!
//! Checkpoints run in the background. By default SQLite checkpoints inside the commit that
//! takes the WAL past 1,000 pages, so every few dozen checkouts one request paid for copying
//! the WAL into the database and two syncs, and stalled its worker thread meanwhile. Here
//! every connection counts its commits, and after [`CHECKPOINT_AFTER_COMMITS`] of them a
//! `PASSIVE` checkpoint (which never waits for readers or writers) runs on tokio's blocking
//! pool, one at a time per database. SQLite's own automatic checkpoint stays on at
//! [`AUTOCHECKPOINT_PAGES`], as a bound should the background ones fall behind or there
//! be no runtime to run them.

use crate::bindings::fermyon::spin2_0_0::sqlite::{self, Error, QueryResult, RowResult, Value};
use crate::state::HostState;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Resource;

/// Idle connections kept per database.
const POOL_SIZE: usize = 8;

/// Commits (by any connection of the process) after which a background checkpoint starts.
/// A checkout commits about a dozen times, a few pages each.
pub const CHECKPOINT_AFTER_COMMITS: u32 = 256;

/// WAL pages after which a committing connection checkpoints by itself (SQLite's
/// `wal_autocheckpoint`; its default is 1,000).
pub const AUTOCHECKPOINT_PAGES: u32 = 20_000;

/// One SQLite database file and its idle connections.
pub struct Database {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    checkpoints: Arc<Checkpoints>,
}

/// The background checkpoints of one database file.
struct Checkpoints {
    path: PathBuf,
    /// Commits since the last checkpoint started, counted by every connection's commit hook.
    commits: AtomicU32,
    /// Whether a checkpoint is running.
    running: AtomicBool,
}

impl Checkpoints {
    /// Called by SQLite inside every commit: starts a checkpoint on tokio's blocking pool
    /// once enough commits have accumulated and none is running.
    fn committed(self: &Arc<Self>) {
        if self.commits.fetch_add(1, Ordering::Relaxed) + 1 < CHECKPOINT_AFTER_COMMITS {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // SQLite's automatic checkpoint takes over.
        };
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.commits.store(0, Ordering::Relaxed);
        let this = Arc::clone(self);
        runtime.spawn_blocking(move || {
            this.run();
            this.running.store(false, Ordering::Release);
        });
    }

    /// Copies what the WAL holds into the database file, as far as no reader still needs
    /// the old pages, on a connection of its own. Failures are left to the next one.
    fn run(&self) {
        let Ok(conn) = rusqlite::Connection::open(&self.path) else {
            return;
        };
        let _ = conn.busy_timeout(LOCK_TIMEOUT);
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// How long a connection waits for a lock another connection holds.
const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

impl Database {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Arc<Self>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let db = Arc::new(Self {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            checkpoints: Arc::new(Checkpoints {
                path: path.to_path_buf(),
                commits: AtomicU32::new(0),
                running: AtomicBool::new(false),
            }),
        });
        // Open one connection now so a bad path fails at start-up, not on first request.
        let conn = db.connect()?;
        db.put_back(conn);
        Ok(db)
    }

    fn connect(&self) -> Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(&self.path)
            .with_context(|| format!("cannot open SQLite database {}", self.path.display()))?;
        conn.busy_timeout(LOCK_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)?;
        let checkpoints = Arc::clone(&self.checkpoints);
        conn.commit_hook(Some(move || {
            checkpoints.committed();
            false // never turns the commit into a rollback
        }));
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// A connection from the pool, or a new one.
    pub fn take(&self) -> Result<rusqlite::Connection> {
        if let Some(conn) = self.idle.lock().unwrap().pop() {
            return Ok(conn);
        }
        self.connect()
    }

    /// Returns a connection to the pool, rolling back whatever transaction it left open.
    pub fn put_back(&self, conn: rusqlite::Connection) {
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return; // A connection we cannot reset is dropped.
        }
        let mut idle = self.idle.lock().unwrap();
        if idle.len() < POOL_SIZE {
            idle.push(conn);
        }
    }

    /// The file behind this database.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The databases of an application, by label.
#[derive(Clone, Default)]
pub struct Databases(pub BTreeMap<String, Arc<Database>>);

/// The host side of a guest's `connection` resource.
pub struct OpenConnection {
    database: Arc<Database>,
    conn: Option<rusqlite::Connection>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.database.put_back(conn);
        }
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

fn sql_error(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code == rusqlite::ErrorCode::DiskFull
    {
        return Error::DatabaseFull;
    }
    Error::Io(e.to_string())
}

/// Runs one statement with its parameters and collects the rows.
fn execute(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> Result<QueryResult, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(statement)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let params = rusqlite::params_from_iter(parameters.into_iter().map(to_sql));
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(from_sql(row.get_ref(i)?));
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
        let conn = match db.take() {
            Ok(c) => c,
            Err(e) => return Ok(Err(Error::Io(format!("{e:#}")))),
        };
        let handle = self.table.push(OpenConnection {
            database: db,
            conn: Some(conn),
        })?;
        Ok(Ok(handle))
    }

    fn execute(
        &mut self,
        connection: Resource<OpenConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let open = self.table.get(&connection)?;
        let Some(conn) = open.conn.as_ref() else {
            return Ok(Err(Error::InvalidConnection));
        };
        match crate::faults::on_sqlite_execute(open.database.path(), &statement) {
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
        Ok(execute(conn, &statement, parameters).map_err(sql_error))
    }

    fn drop(&mut self, connection: Resource<OpenConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

impl sqlite::Host for HostState {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages in the database file itself (not counting the WAL).
    fn pages_in_file(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len()) / 4096
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_are_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let db = Database::open(&path).unwrap();
        let conn = db.take().unwrap();
        conn.execute_batch("CREATE TABLE t (x TEXT)").unwrap();
        let before = pages_in_file(&path);
        // Far fewer pages than SQLite's own automatic checkpoint waits for, in more commits
        // than a background checkpoint waits for.
        let row = "x".repeat(2000);
        for _ in 0..CHECKPOINT_AFTER_COMMITS + 8 {
            conn.execute("INSERT INTO t (x) VALUES (?)", [&row])
                .unwrap();
        }
        db.put_back(conn);
        // The rows reach the database file without any connection checkpointing inline.
        let mut waited = 0;
        while pages_in_file(&path) <= before + 64 {
            assert!(
                waited < 500,
                "no checkpoint copied the WAL into the database file"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += 1;
        }
        let check = db.take().unwrap();
        let count: i64 = check
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, i64::from(CHECKPOINT_AFTER_COMMITS + 8));
        db.put_back(check);
    }
}
