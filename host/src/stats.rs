//! Process-wide counts of what the guests ask of storage: connections made, statements run,
//! write transactions begun, key-value reads and writes. Instrumentation only (a relaxed
//! atomic add per event): nothing here changes what a call does, so the host stays as Spin
//! is. The load generator reads them before and after a measured window to report what one
//! request costs (`commerce-bench`), and tests may assert counts.

use std::sync::atomic::{AtomicU64, Ordering};

static SQLITE_OPENS: AtomicU64 = AtomicU64::new(0);
static SQLITE_CONNECTIONS: AtomicU64 = AtomicU64::new(0);
static SQLITE_STATEMENTS: AtomicU64 = AtomicU64::new(0);
static SQLITE_WRITE_TRANSACTIONS: AtomicU64 = AtomicU64::new(0);
static KV_OPENS: AtomicU64 = AtomicU64::new(0);
static KV_READS: AtomicU64 = AtomicU64::new(0);
static KV_WRITES: AtomicU64 = AtomicU64::new(0);

/// The counts since the process started.
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
    /// The counts now.
    pub fn now() -> Self {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Self {
            sqlite_opens: l(&SQLITE_OPENS),
            sqlite_connections: l(&SQLITE_CONNECTIONS),
            sqlite_statements: l(&SQLITE_STATEMENTS),
            sqlite_write_transactions: l(&SQLITE_WRITE_TRANSACTIONS),
            kv_opens: l(&KV_OPENS),
            kv_reads: l(&KV_READS),
            kv_writes: l(&KV_WRITES),
        }
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

pub(crate) fn sqlite_open() {
    bump(&SQLITE_OPENS);
}
pub(crate) fn sqlite_connection() {
    bump(&SQLITE_CONNECTIONS);
}
pub(crate) fn sqlite_statement(statement: &str) {
    bump(&SQLITE_STATEMENTS);
    let head = statement.trim_start();
    let begins_write = head.len() >= 15
        && head.is_char_boundary(15)
        && (head[..15].eq_ignore_ascii_case("BEGIN IMMEDIATE")
            || head[..15].eq_ignore_ascii_case("BEGIN EXCLUSIVE"));
    if begins_write {
        bump(&SQLITE_WRITE_TRANSACTIONS);
    }
}
pub(crate) fn kv_open() {
    bump(&KV_OPENS);
}
pub(crate) fn kv_read() {
    bump(&KV_READS);
}
pub(crate) fn kv_write() {
    bump(&KV_WRITES);
}
