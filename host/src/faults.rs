//! Fault injection, for crash-safety tests: the host can be told to fail a chosen host call.
//!
//! A fault is armed for one SQLite database file (so tests running side by side, each over
//! its own state directory, never see each other's faults) and names which call fails: the
//! `nth` call of `fermyon:spin/sqlite` `execute`, counted from the arming, whose statement
//! contains `matching` (ASCII case-insensitive). That call does not run; instead
//!
//! - [`FaultAction::Error`] answers it with the interface's `io` error, as a failing disk
//!   would, and the guest carries on with the error;
//! - [`FaultAction::Trap`] traps the guest: the whole request's instance dies on the spot,
//!   as if the process had been killed between two statements. Whatever it had committed
//!   stays; an open transaction is rolled back when its connection goes back to the pool.
//!
//! A fault fires once and is then spent; [`fired`] tells whether it did. Nothing is armed
//! unless a test arms it, and the check costs one atomic load then.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the failing call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// The call answers the interface's error (`sqlite` `io("injected fault")`).
    Error,
    /// The guest traps: the request's instance is gone, as after a crash.
    Trap,
}

/// Which SQLite call fails and how.
#[derive(Debug, Clone)]
pub struct SqliteFault {
    /// A piece of the statement, e.g. `"INSERT INTO orders_orders"` or `"COMMIT"`; empty
    /// matches every statement.
    pub matching: String,
    /// Which matching call fails: 1 is the first after arming.
    pub nth: u32,
    pub action: FaultAction,
}

struct Armed {
    database: PathBuf,
    fault: SqliteFault,
    /// Matching calls seen so far.
    seen: u32,
    fired: bool,
}

/// How many faults are armed (fired or not): the fast path skips the lock at zero.
static ARMED_COUNT: AtomicUsize = AtomicUsize::new(0);
static ARMED: Mutex<Vec<Armed>> = Mutex::new(Vec::new());

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
}

/// Arms `fault` for the SQLite database in the file `database`, replacing any fault armed
/// for it before.
pub fn arm_sqlite(database: &Path, fault: SqliteFault) {
    let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    armed.retain(|a| !same_file(&a.database, database));
    armed.push(Armed {
        database: database.to_path_buf(),
        fault,
        seen: 0,
        fired: false,
    });
    ARMED_COUNT.store(armed.len(), Ordering::SeqCst);
}

/// Disarms the fault of `database`; returns whether it had fired.
pub fn disarm(database: &Path) -> bool {
    let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    let fired = armed
        .iter()
        .any(|a| same_file(&a.database, database) && a.fired);
    armed.retain(|a| !same_file(&a.database, database));
    ARMED_COUNT.store(armed.len(), Ordering::SeqCst);
    fired
}

/// Whether the fault armed for `database` has fired.
pub fn fired(database: &Path) -> bool {
    let armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    armed
        .iter()
        .any(|a| same_file(&a.database, database) && a.fired)
}

/// Called by the SQLite host before it runs `statement` on `database`: the action to take
/// instead, when this is the call a fault names.
pub(crate) fn on_sqlite_execute(database: &Path, statement: &str) -> Option<FaultAction> {
    if ARMED_COUNT.load(Ordering::SeqCst) == 0 {
        return None;
    }
    let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    let a = armed
        .iter_mut()
        .find(|a| !a.fired && same_file(&a.database, database))?;
    let matches = a.fault.matching.is_empty()
        || statement
            .to_ascii_lowercase()
            .contains(&a.fault.matching.to_ascii_lowercase());
    if !matches {
        return None;
    }
    a.seen += 1;
    if a.seen == a.fault.nth {
        a.fired = true;
        return Some(a.fault.action);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_matching_call_fails_once() {
        let db = Path::new("/nonexistent/faults-test.db");
        arm_sqlite(
            db,
            SqliteFault {
                matching: "insert into t".into(),
                nth: 2,
                action: FaultAction::Trap,
            },
        );
        let other = Path::new("/nonexistent/other.db");
        assert_eq!(on_sqlite_execute(other, "INSERT INTO t VALUES (1)"), None);
        assert_eq!(on_sqlite_execute(db, "SELECT 1"), None);
        assert_eq!(on_sqlite_execute(db, "INSERT INTO t VALUES (1)"), None);
        assert!(!fired(db));
        assert_eq!(
            on_sqlite_execute(db, "INSERT INTO t VALUES (2)"),
            Some(FaultAction::Trap)
        );
        assert!(fired(db));
        assert_eq!(on_sqlite_execute(db, "INSERT INTO t VALUES (3)"), None);
        assert!(disarm(db));
        assert!(!fired(db));
    }
}
