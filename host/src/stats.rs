//! Counts of what the guests ask of storage: connections made, statements run, write
//! transactions begun, key-value reads and writes. Instrumentation only (a relaxed atomic
//! add per event): nothing here changes what a call does, so the host stays as Spin is.
//!
//! Each event is counted twice: for the process ([`StorageCounts::now`], which the load
//! generator reads before and after a measured window to report what one request costs,
//! `commerce-bench`) and for the application it happened in ([`Counters`], read with
//! `App::storage_counts`), so a test can assert what its own requests cost while other tests
//! run in the same process.

use std::sync::atomic::{AtomicU64, Ordering};

/// One set of counters: the process's ([`PROCESS`]) or one application's.
#[derive(Debug)]
pub struct Counters {
    sqlite_opens: AtomicU64,
    sqlite_connections: AtomicU64,
    sqlite_statements: AtomicU64,
    sqlite_write_transactions: AtomicU64,
    kv_opens: AtomicU64,
    kv_reads: AtomicU64,
    kv_writes: AtomicU64,
}

/// The whole process's counts.
static PROCESS: Counters = Counters::new();

impl Default for Counters {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts read from one set of [`Counters`]: since the process started, or since the app was
/// loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageCounts {
    /// `sqlite::Connection::open` calls that succeeded.
    pub sqlite_opens: u64,
    /// SQLite connections actually made (an `open` followed by a statement).
    pub sqlite_connections: u64,
    /// `execute` calls, each one statement.
    pub sqlite_statements: u64,
    /// Statements that begin a write transaction (`BEGIN IMMEDIATE` / `BEGIN EXCLUSIVE`).
    pub sqlite_write_transactions: u64,
    /// Key-value `open` calls that succeeded.
    pub kv_opens: u64,
    /// Key-value `get`, `exists` and `get-keys`.
    pub kv_reads: u64,
    /// Key-value `set` and `delete`: each a commit of the key-value file.
    pub kv_writes: u64,
}

impl StorageCounts {
    /// The process's counts now.
    pub fn now() -> Self {
        PROCESS.read()
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            sqlite_opens: self.sqlite_opens - earlier.sqlite_opens,
            sqlite_connections: self.sqlite_connections - earlier.sqlite_connections,
            sqlite_statements: self.sqlite_statements - earlier.sqlite_statements,
            sqlite_write_transactions: self.sqlite_write_transactions
                - earlier.sqlite_write_transactions,
            kv_opens: self.kv_opens - earlier.kv_opens,
            kv_reads: self.kv_reads - earlier.kv_reads,
            kv_writes: self.kv_writes - earlier.kv_writes,
        }
    }
}

fn bump(a: &AtomicU64) {
    a.fetch_add(1, Ordering::Relaxed);
}

/// Whether `statement` begins a write transaction.
fn begins_write(statement: &str) -> bool {
    let head = statement.trim_start();
    head.len() >= 15
        && head.is_char_boundary(15)
        && (head[..15].eq_ignore_ascii_case("BEGIN IMMEDIATE")
            || head[..15].eq_ignore_ascii_case("BEGIN EXCLUSIVE"))
}

impl Counters {
    /// Every count at zero.
    pub const fn new() -> Self {
        Self {
            sqlite_opens: AtomicU64::new(0),
            sqlite_connections: AtomicU64::new(0),
            sqlite_statements: AtomicU64::new(0),
            sqlite_write_transactions: AtomicU64::new(0),
            kv_opens: AtomicU64::new(0),
            kv_reads: AtomicU64::new(0),
            kv_writes: AtomicU64::new(0),
        }
    }

    /// This set's counts now.
    pub fn read(&self) -> StorageCounts {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StorageCounts {
            sqlite_opens: l(&self.sqlite_opens),
            sqlite_connections: l(&self.sqlite_connections),
            sqlite_statements: l(&self.sqlite_statements),
            sqlite_write_transactions: l(&self.sqlite_write_transactions),
            kv_opens: l(&self.kv_opens),
            kv_reads: l(&self.kv_reads),
            kv_writes: l(&self.kv_writes),
        }
    }

    /// Counts an event in this set and in the process's.
    fn count(&self, field: impl Fn(&Counters) -> &AtomicU64) {
        bump(field(self));
        bump(field(&PROCESS));
    }

    pub(crate) fn sqlite_open(&self) {
        self.count(|c| &c.sqlite_opens);
    }
    pub(crate) fn sqlite_connection(&self) {
        self.count(|c| &c.sqlite_connections);
    }
    pub(crate) fn sqlite_statement(&self, statement: &str) {
        self.count(|c| &c.sqlite_statements);
        if begins_write(statement) {
            self.count(|c| &c.sqlite_write_transactions);
        }
    }
    pub(crate) fn kv_open(&self) {
        self.count(|c| &c.kv_opens);
    }
    pub(crate) fn kv_read(&self) {
        self.count(|c| &c.kv_reads);
    }
    pub(crate) fn kv_write(&self) {
        self.count(|c| &c.kv_writes);
    }
}
