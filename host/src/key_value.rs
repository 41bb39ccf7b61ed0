//! `fermyon:spin/key-value@2.0.0`, backed by one SQLite file as under `spin up`.
//!
//! All stores live in `.spin/sqlite_key_value.db`, table `spin_key_value(store, key, value)`,
//! the layout Spin itself uses, so a state directory moves between this host and `spin up`.
//! The store labelled `default` always exists. A component opens only the stores its manifest
//! lists in `key_value_stores` (`access-denied` otherwise, whether or not the store exists);
//! at most 256 stores may be open at once in one instance (`store-table-full`).

use crate::bindings::fermyon::spin2_0_0::key_value::{self, Error};
use crate::sqlite::Database;
use crate::state::HostState;
use anyhow::Result;
use std::collections::BTreeSet;
use std::sync::Arc;
use wasmtime::component::Resource;

/// Open stores allowed per instance, as in Spin.
const STORE_TABLE_CAPACITY: usize = 256;

/// The key-value backend of an application: one database and the labels it serves.
#[derive(Clone)]
pub struct KeyValue {
    db: Arc<Database>,
    labels: BTreeSet<String>,
}

impl KeyValue {
    /// Opens the backing file, creating the table, serving the given store labels.
    pub fn open(db: Arc<Database>, labels: BTreeSet<String>) -> Result<Self> {
        let conn = db.take()?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
        )?;
        db.put_back(conn);
        Ok(Self { db, labels })
    }

    /// Whether the app has a store with this label.
    pub fn has_store(&self, label: &str) -> bool {
        self.labels.contains(label)
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        let conn = self.db.take().map_err(|e| Error::Other(format!("{e:#}")))?;
        let result = f(&conn).map_err(|e| Error::Other(e.to_string()));
        self.db.put_back(conn);
        result
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
        if self.open_stores >= STORE_TABLE_CAPACITY {
            return Ok(Err(Error::StoreTableFull));
        }
        self.open_stores += 1;
        Ok(Ok(self.table.push(OpenStore { label })?))
    }

    fn get(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let label = self.kv_label(&store)?;
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
        Ok(self.backends.key_value.with_conn(|c| {
            c.prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?
                .exists((label, key))
        }))
    }

    fn get_keys(
        &mut self,
        store: Resource<OpenStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let label = self.kv_label(&store)?;
        Ok(self.backends.key_value.with_conn(|c| {
            let mut stmt =
                c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key")?;
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
