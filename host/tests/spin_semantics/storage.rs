//! Storage as Spin's in-process SQLite and key-value store have it: the files, the
//! defaults of a new database, a connection per `open`, locking between writers, and state
//! directories that move between Spin and this host.
//!
//! "As Spin writes it" below means what Spin's code does with rusqlite (Spin 3.6 and 4.x):
//! a plain `Connection::open` of `.spin/sqlite_db.db` for the database, and for key-value a
//! plain open of `.spin/sqlite_key_value.db` followed by `CREATE TABLE IF NOT EXISTS
//! spin_key_value` with the columns below, no `PRAGMA` on either.

use super::*;
use commerce_host::faults;
use std::time::Duration;

/// The key-value table, as Spin creates it.
const SPIN_KEY_VALUE_TABLE: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (store, key)
)";

fn db_file(state: &Path) -> PathBuf {
    state.join("sqlite_db.db")
}

fn kv_file(state: &Path) -> PathBuf {
    state.join("sqlite_key_value.db")
}

/// A plain connection to `path`, as Spin makes one.
fn spin_connection(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn journal_mode(path: &Path) -> String {
    spin_connection(path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// The files SQLite leaves beside a database in WAL mode; a rollback-journal database
/// leaves none once its connections are closed.
fn wal_files(state: &Path) -> Vec<String> {
    std::fs::read_dir(state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-wal") || n.ends_with("-shm"))
        .collect()
}

#[tokio::test]
async fn a_new_database_has_sqlites_defaults_and_no_pragma_of_the_hosts() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-pragma/journal_mode").await, "delete");
    assert_eq!(app.body("/probe/sql-pragma/synchronous").await, "2"); // FULL
    assert_eq!(app.body("/probe/sql-pragma/busy_timeout").await, "5000");
    // libsqlite3-sys's bundled SQLite, Spin's and ours, turns foreign keys on by default.
    assert_eq!(app.body("/probe/sql-pragma/foreign_keys").await, "1");
    assert_eq!(app.body("/probe/sql-write/x").await, "ok");
    assert_eq!(app.body("/probe/kv-set/k/v").await, "ok");
    drop(app.app);
    let state = app.state.path();
    assert_eq!(journal_mode(&db_file(state)), "delete");
    assert_eq!(journal_mode(&kv_file(state)), "delete");
    assert_eq!(wal_files(state), Vec::<String>::new());
}

#[tokio::test]
async fn every_open_is_a_connection_of_its_own() {
    let app = spawn_app();
    // A setting and a temp table made on one connection are not on the next `open`, even
    // in the same instance while the first is still open.
    let expected = "first: synchronous=0 temp=present\n\
                    second: synchronous=2 temp=io no such table: probe_scratch";
    assert_eq!(app.body("/probe/sql-fresh").await, expected);
    // Nor in the next request (the temp table is made again without IF NOT EXISTS).
    assert_eq!(app.body("/probe/sql-fresh").await, expected);
}

#[tokio::test]
async fn a_transaction_left_open_is_rolled_back_when_its_connection_closes() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-leave-open/lost").await, "ok");
    // The next writer finds no lock held (it would wait out the busy timeout and fail).
    assert_eq!(app.body("/probe/sql-tx/kept").await, "ok");
    assert_eq!(app.body("/probe/sql-all").await, "kept");
}

#[tokio::test]
async fn attaching_a_file_is_refused_and_a_memory_database_is_not() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-attach/memory").await, "ok");
    assert_eq!(
        app.body("/probe/sql-attach/elsewhere.db").await,
        "io not authorized"
    );
    assert!(!app.state.path().join("elsewhere.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_waits_out_the_busy_timeout_then_gets_io_database_is_locked() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-write/seed").await, "ok");
    let holder = spin_connection(&db_file(app.state.path()));
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO probe_values (v) VALUES ('held')")
        .unwrap();
    // SQLITE_BUSY after rusqlite's busy timeout, reported as Spin reports it: `io` with
    // SQLite's message.
    assert_eq!(
        app.body("/probe/sql-write/blocked").await,
        "io database is locked"
    );
    assert_eq!(
        app.body("/probe/sql-tx/blocked").await,
        "io database is locked"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(app.body("/probe/sql-write/after").await, "ok");
    assert_eq!(app.body("/probe/sql-all").await, "seed\nafter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_writer_goes_ahead_once_the_lock_is_released() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-write/seed").await, "ok");
    let holder = spin_connection(&db_file(app.state.path()));
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO probe_values (v) VALUES ('first')")
        .unwrap();
    let waiting = {
        let app = app.app.clone();
        tokio::spawn(async move {
            let req = http::Request::get("/probe/sql-write/second")
                .body(Bytes::new())
                .unwrap();
            app.send(req).await.unwrap()
        })
    };
    // Give the request time to reach its INSERT (were it late, it would simply find the lock
    // free: the assertions hold either way).
    tokio::time::sleep(Duration::from_millis(300)).await;
    holder.execute_batch("COMMIT").unwrap();
    let res = waiting.await.unwrap();
    assert_eq!(res.body().as_ref(), b"ok");
    assert_eq!(app.body("/probe/sql-all").await, "seed\nfirst\nsecond");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_guest_writers_the_second_waits_for_the_first() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/sql-write/seed").await, "ok");
    let db = db_file(app.state.path());
    // The first writer stops at its COMMIT, holding the write lock.
    faults::hold_sqlite(&db, "COMMIT", 1);
    let first = {
        let app = app.app.clone();
        tokio::spawn(async move {
            let req = http::Request::get("/probe/sql-tx/first")
                .body(Bytes::new())
                .unwrap();
            app.send(req).await.unwrap()
        })
    };
    while !faults::fired(&db) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The second writer waits for the lock as long as the busy timeout allows, then fails.
    assert_eq!(
        app.body("/probe/sql-tx/second").await,
        "io database is locked"
    );
    assert!(faults::disarm(&db));
    assert_eq!(first.await.unwrap().body().as_ref(), b"ok");
    assert_eq!(app.body("/probe/sql-tx/third").await, "ok");
    assert_eq!(app.body("/probe/sql-all").await, "seed\nfirst\nthird");
}

#[tokio::test]
async fn a_state_directory_spin_wrote_runs_here() {
    built();
    let state = tempfile::tempdir().unwrap();
    {
        let kv = spin_connection(&kv_file(state.path()));
        kv.execute(SPIN_KEY_VALUE_TABLE, []).unwrap();
        kv.execute(
            "INSERT INTO spin_key_value (store, key, value) VALUES ('default', 'colour', ?1)",
            [b"teal".as_slice()],
        )
        .unwrap();
        let db = spin_connection(&db_file(state.path()));
        db.execute_batch(
            "CREATE TABLE probe_values (v TEXT NOT NULL);
             INSERT INTO probe_values (v) VALUES ('written by spin');",
        )
        .unwrap();
    }
    let app = TestApp {
        app: App::load(options(state.path())).unwrap(),
        state,
    };
    assert_eq!(app.body("/probe/kv-get/colour").await, "teal");
    assert_eq!(app.body("/probe/sql-all").await, "written by spin");
    assert_eq!(app.body("/probe/kv-set/size/large").await, "ok");
    assert_eq!(app.body("/probe/sql-put/written-here").await, "ok");
    drop(app.app);
    let state = app.state.path();
    assert_eq!(journal_mode(&db_file(state)), "delete");
    assert_eq!(journal_mode(&kv_file(state)), "delete");
    let kv = spin_connection(&kv_file(state));
    let size: Vec<u8> = kv
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = 'default' AND key = 'size'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(size, b"large");
}

#[tokio::test]
async fn a_state_directory_written_here_runs_under_spins_code() {
    let app = spawn_app();
    assert_eq!(app.body("/probe/kv-set/colour/teal").await, "ok");
    assert_eq!(app.body("/probe/sql-put/kept").await, "ok");
    let TestApp { app, state } = app;
    drop(app);
    let state = state.path();
    // Everything is in the two files: no WAL beside them for a copy to forget.
    assert_eq!(wal_files(state), Vec::<String>::new());

    let kv = spin_connection(&kv_file(state));
    kv.execute(SPIN_KEY_VALUE_TABLE, []).unwrap();
    let columns: Vec<(String, String, bool, i64)> = kv
        .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('spin_key_value')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        ("store", "TEXT", 1),
        ("key", "TEXT", 2),
        ("value", "BLOB", 0),
    ]
    .map(|(n, t, pk)| (n.to_string(), t.to_string(), true, pk));
    assert_eq!(columns, expected);
    let colour: Vec<u8> = kv
        .query_row(
            "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
            ["default", "colour"],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(colour, b"teal");

    let db = spin_connection(&db_file(state));
    let kept: String = db
        .query_row("SELECT v FROM probe_values", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, "kept");
}
