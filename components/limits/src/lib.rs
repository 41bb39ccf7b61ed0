//! The limits capability component: the glue between the WIT export
//! `commerce:limits/limits` and the limits' algorithm ([`gcra`]), rules ([`validate`]) and
//! table ([`store`], [`schema`]).
//!
//! It imports nothing but Spin (SQLite) and WASI, and reads no variables: each HTTP
//! component passes the limits it applies (from its own variables, through
//! `api_kit::limits`). Every Spin request gets a fresh instance and the database is shared,
//! so nothing here keeps state between calls.

mod gcra;
mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "limits-component",
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::clock;
use exports::commerce::limits::limits::{Error, Guest, Refusal, Unit};

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("limits sqlite: {e}"))
    }
}

/// The units checked (every rule of `limits.wit`) and hashed for the store.
fn units(units: Vec<Unit>) -> Result<Vec<store::Unit>, Error> {
    if units.len() > validate::MAX_UNITS {
        return Err(Error::InvalidInput(format!(
            "at most {} units per call",
            validate::MAX_UNITS
        )));
    }
    let mut checked: Vec<store::Unit> = Vec::with_capacity(units.len());
    for unit in units {
        let l = &unit.limit;
        if let Some(problem) = validate::limit(&l.name, l.capacity, l.window_seconds)
            .or_else(|| validate::subject(&unit.subject))
        {
            return Err(Error::InvalidInput(problem));
        }
        let subject_hash = validate::subject_hash(&unit.subject);
        if checked
            .iter()
            .any(|c| c.name == l.name && c.subject_hash == subject_hash)
        {
            return Err(Error::InvalidInput(format!(
                "limit {} names one subject twice",
                l.name
            )));
        }
        checked.push(store::Unit {
            rate: gcra::Rate {
                capacity: i64::from(l.capacity),
                window_ms: i64::from(l.window_seconds) * 1000,
            },
            name: unit.limit.name,
            subject_hash,
        });
    }
    Ok(checked)
}

fn refusal(refused: Option<store::Refused>) -> Option<Refusal> {
    refused.map(|r| Refusal {
        limit: r.name,
        retry_after_seconds: gcra::retry_after_seconds(r.retry_after_ms),
    })
}

/// Checks `units` and answers `call` on them now; an empty list without opening the store.
fn answer(
    units: Vec<Unit>,
    call: impl FnOnce(&store::Store, &[store::Unit], i64) -> Result<Option<store::Refused>, Error>,
) -> Result<Option<Refusal>, Error> {
    let units = self::units(units)?;
    if units.is_empty() {
        return Ok(None);
    }
    Ok(refusal(call(
        &store::Store::open()?,
        &units,
        clock::now_ms(),
    )?))
}

impl Guest for Component {
    fn take(units: Vec<Unit>) -> Result<Option<Refusal>, Error> {
        answer(units, |store, units, now| store.take(units, now))
    }

    fn peek(units: Vec<Unit>) -> Result<Option<Refusal>, Error> {
        answer(units, |store, units, now| store.peek(units, now))
    }
}
