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
//!   stays; an open transaction is rolled back when its connection closes with the instance.
//!
//! A fault fires once and is then spent; [`fired`] tells whether it did. Nothing is armed
//! unless a test arms it, and the check costs one atomic load then.
//!
//! A *hold* ([`hold_sqlite`]) is armed the same way but fails nothing: the chosen call waits
//! until the test [`disarm`]s it (at most [`MAX_HOLD`]) and then runs as usual, so the test
//! can act while a request stands between two statements and interleave two requests
//! deterministically. The held call blocks its thread (the worker's other tasks move to
//! another thread, as for any SQLite call), so such a test runs on a multi-threaded runtime.
//! A held call keeps whatever locks its connection has: hold a statement that runs outside a
//! transaction unless the test means other writers to wait on it (up to SQLite's busy
//! timeout, then `io("database is locked")`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The longest a hold pauses a call, so a test that fails before it disarms cannot hang
/// the process.
pub const MAX_HOLD: Duration = Duration::from_secs(60);

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
    /// A hold: the call waits instead of failing (`fault.action` is not used).
    hold: bool,
    /// Matching calls seen so far.
    seen: u32,
    fired: bool,
}

/// How many faults are armed (fired or not): the fast path skips the lock at zero.
static ARMED_COUNT: AtomicUsize = AtomicUsize::new(0);
static ARMED: Mutex<Vec<Armed>> = Mutex::new(Vec::new());
/// Signalled whenever a fault is disarmed, for held calls.
static DISARMED: Condvar = Condvar::new();

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
    arm(database, fault, false);
}

/// Arms a hold for the SQLite database in the file `database`, replacing any fault armed
/// for it before: the `nth` `execute` whose statement contains `matching` (as in
/// [`SqliteFault`]) waits until [`disarm`] (or [`MAX_HOLD`]), then runs. [`fired`] tells
/// that a call is being held.
pub fn hold_sqlite(database: &Path, matching: &str, nth: u32) {
    let fault = SqliteFault {
        matching: matching.to_owned(),
        nth,
        action: FaultAction::Error,
    };
    arm(database, fault, true);
}

fn arm(database: &Path, fault: SqliteFault, hold: bool) {
    let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    armed.retain(|a| !same_file(&a.database, database));
    armed.push(Armed {
        database: database.to_path_buf(),
        fault,
        hold,
        seen: 0,
        fired: false,
    });
    ARMED_COUNT.store(armed.len(), Ordering::SeqCst);
    DISARMED.notify_all();
}

/// Disarms the fault of `database`; returns whether it had fired.
pub fn disarm(database: &Path) -> bool {
    let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
    let fired = armed
        .iter()
        .any(|a| same_file(&a.database, database) && a.fired);
    armed.retain(|a| !same_file(&a.database, database));
    ARMED_COUNT.store(armed.len(), Ordering::SeqCst);
    DISARMED.notify_all();
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
/// instead, when this is the call a fault names. A held call returns (with `None`) once its
/// hold is disarmed.
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
    if a.seen != a.fault.nth {
        return None;
    }
    a.fired = true;
    if !a.hold {
        return Some(a.fault.action);
    }
    // Wait while this hold is still armed.
    let deadline = Instant::now() + MAX_HOLD;
    while armed
        .iter()
        .any(|a| same_file(&a.database, database) && a.hold && a.fired)
    {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        armed = DISARMED
            .wait_timeout(armed, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
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

    #[test]
    fn a_held_call_waits_until_disarmed_then_runs() {
        let db = Path::new("/nonexistent/faults-hold.db");
        hold_sqlite(db, "select", 2);
        assert_eq!(on_sqlite_execute(db, "SELECT 1"), None);
        assert!(!fired(db));
        let (tx, rx) = std::sync::mpsc::channel();
        let held = std::thread::spawn(move || {
            tx.send(on_sqlite_execute(db, "SELECT 2")).unwrap();
        });
        while !fired(db) {
            std::thread::yield_now();
        }
        // Held: no answer until the hold is disarmed, then the call runs as usual.
        assert!(rx.try_recv().is_err());
        assert!(disarm(db));
        assert_eq!(rx.recv().unwrap(), None);
        held.join().unwrap();
    }
}
