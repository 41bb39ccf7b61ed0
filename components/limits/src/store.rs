//! The limits' SQL. Every value reaches SQLite as a parameter; every statement is a
//! constant.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so the
//! decision is SQLite's. [`Store::take`] reads every bucket it names and writes them back in
//! one `BEGIN IMMEDIATE` transaction: takers queue on the write lock, and each decides on
//! the buckets as the previous one left them. Each write is a compare-and-set (`… WHERE
//! level = <the level read>`, checked with `RETURNING`), so a write that would build on a
//! stale read changes nothing and fails the call rather than letting a unit through twice.
//! A refusal writes nothing: a burst past a limit costs reads only.
//!
//! Bounded size: a take that inserts a row then deletes up to [`PRUNE_BATCH`] rows that are
//! full again (`full_at <= now`, by the index on `full_at`). Only inserts grow the table,
//! and an insert finding none to delete means every row is live, so the table never holds
//! more rows than the most subjects active within one window at once.

use capability_kit::db::{self, i, int, t};
use spin_sdk::sqlite::Connection;

use crate::exports::commerce::limits::limits::Error;
use crate::gcra::{Outcome, Rate};
use crate::schema;

/// How many rows that are full again one insert deletes at most.
const PRUNE_BATCH: i64 = 16;

/// One unit to take, checked and hashed.
pub struct Unit {
    pub name: String,
    pub subject_hash: String,
    pub rate: Rate,
}

/// The first refusal of a call: the limit's name and milliseconds until it has a unit.
pub struct Refused {
    pub name: String,
    pub retry_after_ms: i64,
}

/// An open limits database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

/// A bucket as stored.
struct Row {
    capacity: i64,
    window_ms: i64,
    level: i64,
    full_at: i64,
}

/// What a take will write for one unit: the level it read (none: no row) and the new one.
struct Write<'a> {
    unit: &'a Unit,
    old_level: Option<i64>,
    level: i64,
    full_at: i64,
}

impl Store {
    /// The instance's connection, the schema migrated on first use.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Takes one unit of each of `units` at `now` (ms), all or nothing.
    pub fn take(&self, units: &[Unit], now: i64) -> Result<Option<Refused>, Error> {
        db::transaction(&self.conn, |conn| {
            let mut writes = Vec::with_capacity(units.len());
            for unit in units {
                let row = read(conn, unit)?;
                match unit
                    .rate
                    .take(live_level(row.as_ref(), unit.rate, now), now)
                {
                    Outcome::Allowed { level, full_at_ms } => writes.push(Write {
                        unit,
                        old_level: row.map(|r| r.level),
                        level,
                        full_at: full_at_ms,
                    }),
                    Outcome::Refused { retry_after_ms } => {
                        return Ok(Some(Refused {
                            name: unit.name.clone(),
                            retry_after_ms,
                        }));
                    }
                }
            }
            let mut inserted = false;
            for w in &writes {
                write(conn, w)?;
                inserted |= w.old_level.is_none();
            }
            if inserted {
                conn.execute(
                    "DELETE FROM limits_buckets WHERE rowid IN \
                     (SELECT rowid FROM limits_buckets WHERE full_at <= ? ORDER BY full_at LIMIT ?)",
                    &[i(now), i(PRUNE_BATCH)],
                )?;
            }
            Ok(None)
        })
    }

    /// The first of `units` that has no unit at `now`, reading only.
    pub fn peek(&self, units: &[Unit], now: i64) -> Result<Option<Refused>, Error> {
        for unit in units {
            let row = read(&self.conn, unit)?;
            if let Outcome::Refused { retry_after_ms } = unit
                .rate
                .take(live_level(row.as_ref(), unit.rate, now), now)
            {
                return Ok(Some(Refused {
                    name: unit.name.clone(),
                    retry_after_ms,
                }));
            }
        }
        Ok(None)
    }
}

/// The level a row gives the bucket now: none (a full bucket) when there is no row, when
/// it is full again, or when it was made under another capacity or window.
fn live_level(row: Option<&Row>, rate: Rate, now: i64) -> Option<i64> {
    row.filter(|r| r.capacity == rate.capacity && r.window_ms == rate.window_ms && r.full_at > now)
        .map(|r| r.level)
}

fn read(conn: &Connection, unit: &Unit) -> Result<Option<Row>, Error> {
    let result = conn.execute(
        "SELECT capacity, window_ms, level, full_at FROM limits_buckets \
         WHERE limit_name = ? AND subject_hash = ?",
        &[t(unit.name.as_str()), t(unit.subject_hash.as_str())],
    )?;
    result
        .rows
        .first()
        .map(|row| {
            Ok(Row {
                capacity: int(row, 0)?,
                window_ms: int(row, 1)?,
                level: int(row, 2)?,
                full_at: int(row, 3)?,
            })
        })
        .transpose()
}

fn write(conn: &Connection, w: &Write<'_>) -> Result<(), Error> {
    let unit = w.unit;
    match w.old_level {
        None => {
            conn.execute(
                "INSERT INTO limits_buckets \
                 (limit_name, subject_hash, capacity, window_ms, level, full_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    t(unit.name.as_str()),
                    t(unit.subject_hash.as_str()),
                    i(unit.rate.capacity),
                    i(unit.rate.window_ms),
                    i(w.level),
                    i(w.full_at),
                ],
            )?;
        }
        Some(old) => {
            let result = conn.execute(
                "UPDATE limits_buckets SET capacity = ?, window_ms = ?, level = ?, full_at = ? \
                 WHERE limit_name = ? AND subject_hash = ? AND level = ? RETURNING level",
                &[
                    i(unit.rate.capacity),
                    i(unit.rate.window_ms),
                    i(w.level),
                    i(w.full_at),
                    t(unit.name.as_str()),
                    t(unit.subject_hash.as_str()),
                    i(old),
                ],
            )?;
            if result.rows.is_empty() {
                return Err(Error::Storage(format!(
                    "the bucket of limit {} changed inside its transaction",
                    unit.name
                )));
            }
        }
    }
    Ok(())
}
