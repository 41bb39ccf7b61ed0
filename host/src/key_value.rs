//! `fermyon:spin/key-value@2.0.0`, backed by one SQLite file as under `spin up`.
//!
//! All stores live in `.spin/sqlite_key_value.db`, table `spin_key_value(store, key, value)`
//! with primary key `(store, key)`, the layout Spin itself uses, so a state directory moves
//! between this host and `spin up`. The store labelled `default` always exists. A component
//! opens only the stores its manifest lists in `key_value_stores` (`access-denied`
//! otherwise, whether or not the store exists); at most 256 stores may be open at once in one
//! instance (`store-table-full`).
//!
//! As in Spin, the whole application shares one SQLite connection to that file, behind a
//! mutex: it is made (and the table created if missing) when a store is first opened, with
//! no `PRAGMA` (a new file is in rollback-journal mode, `synchronous = FULL`, rusqlite's 5 s
//! busy timeout), and every operation is one statement through its statement cache, in
//! autocommit. Every SQLite failure is `other` with rusqlite's error in its debug form, as
//! Spin reports it.

use crate::bindings::fermyon::spin2_0_0::key_value::{self, Error};
use crate::sqlite::{Database, blocking};
use crate::state::HostState;
use anyhow::Result;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::component::Resource;

/// Open stores allowed per instance, as in Spin.
const STORE_TABLE_CAPACITY: usize = 256;

/// The key-value backend of an application: its file, the labels it serves and, once a
/// store has been opened, the connection every instance shares.
#[derive(Clone)]
pub struct KeyValue {
    db: Arc<Database>,
    labels: BTreeSet<String>,
    conn: Arc<OnceLock<Mutex<rusqlite::Connection>>>,
}

/// A key-value failure as Spin reports it.
fn other(e: impl std::fmt::Debug) -> Error {
    Error::Other(format!("{e:?}"))
}

impl KeyValue {
    /// The backend in the file of `db`, serving the given store labels. Nothing is opened
    /// until a store is.
    pub fn open(db: Arc<Database>, labels: BTreeSet<String>) -> Result<Self> {
        Ok(Self {
            db,
            labels,
            conn: Arc::new(OnceLock::new()),
        })
    }

    /// Whether the app has a store with this label.
    pub fn has_store(&self, label: &str) -> bool {
        self.labels.contains(label)
    }

    /// The shared connection, made on first use. Two instances racing to make it may both
    /// open the file; one connection is kept.
    fn connection(&self) -> Result<&Mutex<rusqlite::Connection>, Error> {
        if let Some(c) = self.conn.get() {
            return Ok(c);
        }
        let conn = blocking(|| {
            let conn = rusqlite::Connection::open(self.db.path()).map_err(other)?;
            conn.execute(
                "CREATE TABLE IF NOT EXISTS spin_key_value (
                    store TEXT NOT NULL,
                    key   TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (store, key)
                )",
                [],
            )
            .map_err(other)?;
            Ok::<_, Error>(conn)
        })?;
        Ok(self.conn.get_or_init(|| Mutex::new(conn)))
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        let conn = self.connection()?;
        blocking(|| {
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn).map_err(other)
        })
    }
}

/// The host side of a guest's `store` resource: the label it was opened with.
pub struct OpenStore {
    label: String,
}

impl HostState {
    fn kv_label(&self, store: &Resource<OpenStore>) -> wasmtime::Result<String> {
        Ok(self.table.get(store)?.label.clone())
    }
}

impl key_value::HostStore for HostState {
    fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<OpenStore>, Error>> {
        if !self.config.key_value_stores.contains(&label) {
            return Ok(Err(Error::AccessDenied));
        }
        if !self.backends.key_value.has_store(&label) {
            return Ok(Err(Error::NoSuchStore));
        }
        if let Err(e) = self.backends.key_value.connection() {
            return Ok(Err(e));
        }
        if self.open_stores >= STORE_TABLE_CAPACITY {
            return Ok(Err(Error::StoreTableFull));
        }
        self.open_stores += 1;
        self.backends.stats.kv_open();
        Ok(Ok(self.table.push(OpenStore { label })?))
    }

    fn get(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let label = self.kv_label(&store)?;
        self.backends.stats.kv_read();
        Ok(self.backends.key_value.with_conn(|c| {
            let mut stmt =
                c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?;
            let mut rows = stmt.query((label, key))?;
            rows.next()?.map(|r| r.get(0)).transpose()
        }))
    }

    fn set(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let label = self.kv_label(&store)?;
        self.backends.stats.kv_write();
        Ok(self.backends.key_value.with_conn(|c| {
            c.prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
            )?
            .execute((label, key, value))
            .map(drop)
        }))
    }

    fn delete(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let label = self.kv_label(&store)?;
        self.backends.stats.kv_write();
        Ok(self.backends.key_value.with_conn(|c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .execute((label, key))
                .map(drop)
        }))
    }

    fn exists(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let label = self.kv_label(&store)?;
        self.backends.stats.kv_read();
        Ok(self.backends.key_value.with_conn(|c| {
            // Spin answers `exists` by reading the value.
            c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .exists((label, key))
        }))
    }

    fn get_keys(
        &mut self,
        store: Resource<OpenStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let label = self.kv_label(&store)?;
        self.backends.stats.kv_read();
        Ok(self.backends.key_value.with_conn(|c| {
            let mut stmt = c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
            stmt.query_map([label], |r| r.get(0))?.collect()
        }))
    }

    fn drop(&mut self, store: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}

impl key_value::Host for HostState {}
