//! A read-through cache of hot shopper reads in Spin key-value store `default`.
//!
//! What is cached: the first page of a listing and a search's total and facets, reads of
//! several statements over many rows that few distinct requests share. Reads of one thing
//! (a product by id or slug, the categories, a category, the collections, a collection) go
//! uncached (issue 11): on Spin each cache miss *writes* a slot, and Spin's key-value file is
//! a rollback-journal SQLite database with `synchronous = FULL` that no component can tune,
//! so a miss costs several `fsync`s on the read path; with many products the 256 slots
//! thrash, and even a hit (a key-value open and get, and the generation `SELECT`) costs as
//! many host calls as the one or two statements it saves. Measured on the Spin-faithful host
//! (BENCHMARKS.md, "Fast on Spin's cost model"): a product page went from 77 to 590 req/s.
//!
//! Correctness: every catalog write bumps a generation counter in `catalog_cache_state`
//! in the write's own SQLite transaction. A cached entry records the generation it was
//! computed at and is used only while the generation is unchanged, so the first read after
//! any write computes afresh. The generation is read *before* the value is computed, so an
//! entry is never labelled with a generation newer than its data.
//!
//! Bound: entries live in a fixed set of [`SLOTS`] keys, `catalog-cache/000` …
//! `catalog-cache/255`, chosen by a hash of the request; a slot holds one entry and a new
//! one overwrites it (a direct-mapped cache). The catalog therefore never holds more than
//! 256 keys of the store (Fermyon Cloud allows 1,024 per store), needs no clean-up pass,
//! and never writes a value over [`MAX_VALUE_BYTES`] (the limit is 1 MB).
//!
//! Switch: the Spin variable `catalog_cache` set to `off` (or `false`, `0`) disables it;
//! when the variable is not granted or the store cannot be opened, reads go uncached.

use serde::{Serialize, de::DeserializeOwned};
use spin_sdk::key_value::Store as KeyValue;

use crate::exports::commerce::catalog::catalog::Error;
use crate::store::Store;

/// How many keys the cache may use.
pub const SLOTS: u64 = 256;
/// The largest value written: half the platform's 1 MB limit.
pub const MAX_VALUE_BYTES: usize = 512 * 1024;
/// The longest request key cached; longer requests (long search texts) go uncached.
const MAX_KEY_BYTES: usize = 2048;
const KEY_PREFIX: &str = "catalog-cache/";

/// Whether the cache is on for this instance.
fn enabled() -> bool {
    match spin_sdk::variables::get("catalog_cache") {
        Ok(value) => !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "off" | "false" | "0" | "no"
        ),
        Err(_) => true,
    }
}

/// FNV-1a, 64 bits: a fast, stable hash (not for secrets).
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The key-value key of the slot for `request`.
pub fn slot_key(request: &str) -> String {
    format!("{KEY_PREFIX}{:03}", fnv1a(request.as_bytes()) % SLOTS)
}

/// `compute(store)`, served from the cache when an entry for `request` at the current
/// generation exists, and stored there otherwise. Errors are never cached.
pub fn read_through<T: Serialize + DeserializeOwned>(
    store: &Store,
    request: String,
    compute: impl FnOnce(&Store) -> Result<T, Error>,
) -> Result<T, Error> {
    if request.len() > MAX_KEY_BYTES || request.contains('\n') || !enabled() {
        return compute(store);
    }
    let Ok(kv) = KeyValue::open_default() else {
        return compute(store);
    };
    let generation = store.generation()?;
    let key = slot_key(&request);
    let header = format!("{generation}\n{request}\n");
    if let Ok(Some(bytes)) = kv.get(&key)
        && let Some(body) = bytes.strip_prefix(header.as_bytes())
        && let Ok(value) = serde_json::from_slice::<T>(body)
    {
        return Ok(value);
    }
    let value = compute(store)?;
    if let Ok(body) = serde_json::to_vec(&value)
        && header.len() + body.len() <= MAX_VALUE_BYTES
    {
        let mut entry = header.into_bytes();
        entry.extend_from_slice(&body);
        // A failed write only costs the next reader a recomputation.
        let _ = kv.set(&key, &entry);
    }
    Ok(value)
}
