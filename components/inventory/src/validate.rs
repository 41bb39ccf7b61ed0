//! The inventory's input rules. Each returns every broken rule as (path, message), the path
//! a JSON pointer into the input using the snake_case JSON names of its fields, e.g.
//! `/lines/2/quantity`. Query-like inputs use their parameter names: `/limit`, `/after`.

use std::collections::HashSet;

use capability_kit::cursor;
use capability_kit::ids;
use capability_kit::validate::FieldErrors;

use crate::VARIANT_PREFIX;
use crate::exports::commerce::inventory::inventory::{NewReservation, StockStatus};
use crate::exports::commerce::inventory::inventory_admin::{
    MovementReason, NewAdjustment, NewCount,
};
use commerce_types::types::PageRequest;

/// The most variant ids `availability` takes at once.
pub const MAX_AVAILABILITY_BATCH: u32 = 250;
/// The most lines of one reservation.
pub const MAX_LINES: usize = 100;
/// The shortest time-to-live of a reservation, in seconds.
pub const MIN_TTL_SECONDS: u32 = 60;
/// The longest time-to-live of a reservation, in seconds (two hours).
pub const MAX_TTL_SECONDS: u32 = 7200;
/// The longest idempotency key, in characters.
pub const MAX_KEY: usize = 200;
/// The longest note of a movement, in characters.
pub const MAX_NOTE: usize = 500;
/// The longest actor name, in characters.
pub const MAX_ACTOR: usize = 200;
/// The largest change one adjustment makes, either way.
pub const MAX_DELTA: i32 = 1_000_000;
/// The most units a variant may have on hand: 2^31 - 1, so that every change of it, a
/// count's difference or a sale included, fits a movement's s32 `delta`.
pub const MAX_ON_HAND: u32 = i32::MAX as u32;
/// The largest page an admin listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The most expired reservations one `reclaim-expired` call reclaims.
pub const MAX_RECLAIM: u32 = 10_000;

/// Whether `id` may name a variant whose stock is written: a `var_…` id as the catalog
/// makes them. Stock is only ever written for such ids, so listings and cursors can rely on
/// their shape; a read of any other id simply finds nothing.
pub fn is_variant_id(id: &str) -> bool {
    ids::is_id_of(id, VARIANT_PREFIX)
}

fn variant_id(e: &mut FieldErrors, path: &str, id: &str) {
    if !is_variant_id(id) {
        e.push(
            path,
            "must be a variant id: \"var_\" followed by 1 to 64 ASCII letters or digits",
        );
    }
}

fn key(e: &mut FieldErrors, path: &str, key: &str) {
    let n = key.chars().count();
    if n == 0 || n > MAX_KEY {
        e.push(path, format!("must be 1 to {MAX_KEY} characters"));
    }
}

/// The rules of `availability`.
pub fn availability(variant_ids: &[String]) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    if variant_ids.len() > MAX_AVAILABILITY_BATCH as usize {
        e.push(
            "/variant_ids",
            format!("must have at most {MAX_AVAILABILITY_BATCH} ids"),
        );
    }
    for (i, id) in variant_ids.iter().enumerate() {
        if id.is_empty() {
            e.push(format!("/variant_ids/{i}"), "must not be empty");
        }
    }
    e.into_vec()
}

/// The rules of `reserve`.
pub fn new_reservation(r: &NewReservation) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    key(&mut e, "/idempotency_key", &r.idempotency_key);
    if r.lines.is_empty() {
        e.push("/lines", "must have at least one line");
    } else if r.lines.len() > MAX_LINES {
        e.push("/lines", format!("must have at most {MAX_LINES} lines"));
    }
    let mut seen = HashSet::new();
    for (i, line) in r.lines.iter().enumerate() {
        variant_id(&mut e, &format!("/lines/{i}/variant_id"), &line.variant_id);
        if !seen.insert(line.variant_id.as_str()) {
            e.push(
                format!("/lines/{i}/variant_id"),
                "is given twice: each variant at most once per reservation",
            );
        }
        if line.quantity == 0 {
            e.push(format!("/lines/{i}/quantity"), "must be at least 1");
        }
    }
    if !(MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(&r.ttl_seconds) {
        e.push(
            "/ttl_seconds",
            format!("must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}"),
        );
    }
    e.into_vec()
}

fn note_actor_key(
    e: &mut FieldErrors,
    note: Option<&str>,
    actor: &str,
    idempotency_key: Option<&str>,
) {
    if let Some(note) = note {
        e.max_chars("/note", note, MAX_NOTE);
    }
    e.required_text("/actor", actor, MAX_ACTOR);
    if let Some(k) = idempotency_key {
        key(e, "/idempotency_key", k);
    }
}

/// The rules of `adjust`.
pub fn new_adjustment(a: &NewAdjustment) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    variant_id(&mut e, "/variant_id", &a.variant_id);
    if a.delta == 0 {
        e.push("/delta", "must not be zero");
    } else if !(-MAX_DELTA..=MAX_DELTA).contains(&a.delta) {
        e.push(
            "/delta",
            format!("must be between -{MAX_DELTA} and {MAX_DELTA}"),
        );
    }
    match a.reason {
        MovementReason::Sale => e.push(
            "/reason",
            "must not be sale: sales are written by committing a reservation",
        ),
        MovementReason::Recount => e.push(
            "/reason",
            "must not be recount: counts are written by set-on-hand",
        ),
        _ => {}
    }
    note_actor_key(
        &mut e,
        a.note.as_deref(),
        &a.actor,
        a.idempotency_key.as_deref(),
    );
    e.into_vec()
}

/// The rules of `set-on-hand`.
pub fn new_count(c: &NewCount) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    variant_id(&mut e, "/variant_id", &c.variant_id);
    if c.on_hand > MAX_ON_HAND {
        e.push("/on_hand", format!("must be at most {MAX_ON_HAND}"));
    }
    note_actor_key(
        &mut e,
        c.note.as_deref(),
        &c.actor,
        c.idempotency_key.as_deref(),
    );
    e.into_vec()
}

/// A checked page request: where to start and how many.
pub use capability_kit::cursor::Page;

/// The rules of a listing's page request, whose cursors carry the tag `tag`.
pub fn page(page: &PageRequest, tag: &str) -> Result<Page, Vec<(String, String)>> {
    cursor::check_page(
        page.limit,
        page.after.as_deref(),
        tag,
        MAX_PAGE_SIZE,
        DEFAULT_PAGE_SIZE,
    )
}

/// The rules of `reclaim-expired`.
pub fn reclaim_limit(limit: u32) -> Vec<(String, String)> {
    let mut e = FieldErrors::new();
    if !(1..=MAX_RECLAIM).contains(&limit) {
        e.push("/limit", format!("must be between 1 and {MAX_RECLAIM}"));
    }
    e.into_vec()
}

/// The Spin variable holding the low-stock threshold (see `stock-status` in inventory.wit).
pub const THRESHOLD_VARIABLE: &str = "low_stock_threshold";
/// The threshold when the component is given no such variable.
pub const DEFAULT_THRESHOLD: u32 = 5;
/// The largest threshold accepted.
pub const MAX_THRESHOLD: u32 = 1_000_000;

/// The threshold from the variable's value (`None`: the component has no such variable).
pub fn low_stock_threshold(value: Option<&str>) -> Result<u32, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_THRESHOLD);
    };
    let raw = value.trim();
    match raw.parse::<u32>() {
        Ok(n) if n <= MAX_THRESHOLD && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "the Spin variable {THRESHOLD_VARIABLE} must be a whole number from 0 to \
             {MAX_THRESHOLD}, not {value:?}"
        )),
    }
}

/// How a shopper is told `available` units stand, given the threshold.
pub fn stock_status(available: u32, threshold: u32) -> StockStatus {
    match available {
        0 => StockStatus::OutOfStock,
        n if n <= threshold => StockStatus::LowStock,
        _ => StockStatus::InStock,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_a_whole_number_up_to_a_million() {
        assert_eq!(low_stock_threshold(None), Ok(DEFAULT_THRESHOLD));
        assert_eq!(low_stock_threshold(Some(" 20 ")), Ok(20));
        assert_eq!(low_stock_threshold(Some("0")), Ok(0));
        for bad in ["", "a few", "-1", "+3", "1000001", "2.5"] {
            assert!(low_stock_threshold(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn zero_is_out_of_stock_and_the_threshold_is_low() {
        assert_eq!(stock_status(0, 5), StockStatus::OutOfStock);
        assert_eq!(stock_status(5, 5), StockStatus::LowStock);
        assert_eq!(stock_status(6, 5), StockStatus::InStock);
        assert_eq!(stock_status(1, 0), StockStatus::InStock);
        assert_eq!(stock_status(0, 0), StockStatus::OutOfStock);
    }
}
