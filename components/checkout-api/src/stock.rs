//! The stock of a paid order: the saga's commit step, shared by the checkout and the payment
//! webhook handler.
//!
//! The order names the reservation it stands on (`order.reservation-id`). Committing it
//! sells the units. When it is no longer active (it lapsed during a long 3-D Secure
//! challenge, or was released by a canceller or by the failure webhook of an earlier
//! payment), the stock is taken again under a key derived from the lapsed reservation,
//! the order is moved onto the new reservation (`orders.replace-reservation`) and only then
//! is that one committed, so the order always names the reservation that was sold and a
//! later cancellation restocks exactly that.
//!
//! A cancellation (sales-admin-api) racing this step cannot leave units sold for a
//! cancelled order, because both sides meet on atomic decisions:
//!
//! - inventory: `commit` and `release` of one reservation exclude each other, and the
//!   canceller either releases the order's reservation or, when `release` answers that it
//!   was committed, puts its units back;
//! - orders: a new reservation is committed only after `replace-reservation` moved the order
//!   onto it, which fails once the order is cancelled; the canceller acts on the
//!   reservation the cancelled order names, so it always sees the one that could be sold;
//! - this step checks the order again whenever the reservation is not active, and takes no
//!   stock for a cancelled order.

use commerce_bindings::inventory::inventory;
use commerce_bindings::orders::orders;
use commerce_bindings::orders::orders_admin;

/// The Spin variable holding how long a checkout's stock is held, in seconds.
pub const TTL_VARIABLE: &str = "checkout_reservation_ttl_seconds";
/// The hold when the variable is not set: 30 minutes, long enough for a 3-D Secure challenge.
const DEFAULT_TTL_SECONDS: u32 = 1800;
/// The range the inventory accepts.
const TTL_RANGE: std::ops::RangeInclusive<u32> = 60..=7200;
/// How many lapsed reservations one call replaces before it gives up (a retry goes on).
const MAX_ROUNDS: usize = 4;

/// How long a checkout holds stock, from the Spin variable (the default when unset).
pub fn reservation_ttl() -> Result<u32, String> {
    let value = match spin_sdk::variables::get(TTL_VARIABLE) {
        Ok(value) => value,
        Err(spin_sdk::variables::Error::Undefined(_)) => return Ok(DEFAULT_TTL_SECONDS),
        Err(e) => return Err(format!("reading {TTL_VARIABLE}: {e}")),
    };
    ttl_from(&value)
}

fn ttl_from(value: &str) -> Result<u32, String> {
    let trimmed = value.trim();
    match trimmed.parse::<u32>() {
        Ok(n) if TTL_RANGE.contains(&n) && trimmed.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "the Spin variable {TTL_VARIABLE} must be a whole number of seconds from {} to {}, \
             not {value:?}",
            TTL_RANGE.start(),
            TTL_RANGE.end()
        )),
    }
}

/// Where a paid order's stock ended up.
pub enum Outcome {
    /// Its reservation is committed (or it holds none): the order as it now is.
    Committed(orders::Order),
    /// The order was cancelled before its stock was sold; the canceller gave the stock back.
    Cancelled(orders::Order),
    /// Its reservation lapsed and the stock is gone meanwhile: the caller cancels the order
    /// and refunds it.
    SoldOut(orders::Order, Vec<inventory::Shortage>),
}

/// Why the step could not finish; nothing was sold for a cancelled order. Retrying is safe.
#[derive(Debug)]
pub enum Error {
    Inventory(inventory::Error),
    Orders(orders::Error),
    /// The order's reservation kept lapsing while this call replaced it.
    Unsettled(String),
}

impl From<inventory::Error> for Error {
    fn from(e: inventory::Error) -> Self {
        Error::Inventory(e)
    }
}

impl From<orders::Error> for Error {
    fn from(e: orders::Error) -> Self {
        Error::Orders(e)
    }
}

/// Commits the stock of paid `order` (see the module docs). Idempotent: every reservation
/// is taken under a key derived from the one it replaces, and committing a committed
/// reservation changes nothing.
pub fn commit(order: orders::Order) -> Result<Outcome, Error> {
    let mut order = order;
    for _ in 0..MAX_ROUNDS {
        let Some(held) = order.reservation_id.clone() else {
            return Ok(Outcome::Committed(order));
        };
        match inventory::commit(&held) {
            Ok(_) => return Ok(Outcome::Committed(order)),
            Err(inventory::Error::ReservationNotActive(_)) => {}
            Err(e) => return Err(e.into()),
        }
        // Not active any more: look at the order as it is now before taking stock again.
        order = orders_admin::get_order(&order.id)?;
        if order.status == orders::OrderStatus::Cancelled {
            return Ok(Outcome::Cancelled(order));
        }
        if order.reservation_id.as_deref() != Some(held.as_str()) {
            // Another caller (the webhook, a concurrent retry) moved it on: commit that one.
            continue;
        }
        let lines = inventory::get_reservation(&held)?.lines;
        let again = match inventory::reserve(&inventory::NewReservation {
            idempotency_key: format!("reserve-after:{held}"),
            lines,
            ttl_seconds: reservation_ttl().map_err(inventory::Error::Other)?,
        }) {
            Ok(r) => r,
            Err(inventory::Error::InsufficientStock(shortages)) => {
                return Ok(Outcome::SoldOut(order, shortages));
            }
            Err(e) => return Err(e.into()),
        };
        match orders::replace_reservation(&order.id, &held, &again.id) {
            Ok(moved) => order = moved,
            Err(orders::Error::Conflict(_)) => {
                // Cancelled (or moved on) meanwhile: the new hold is nobody's; give it back.
                sales_kit::release(&again.id)?;
                order = orders_admin::get_order(&order.id)?;
                if order.status == orders::OrderStatus::Cancelled {
                    return Ok(Outcome::Cancelled(order));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Unsettled(format!(
        "the reservation of order {} kept lapsing; retry",
        order.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ttl_variable_is_checked() {
        assert_eq!(ttl_from("60"), Ok(60));
        assert_eq!(ttl_from(" 7200 "), Ok(7200));
        for bad in ["59", "7201", "", "+90", "1e3", "-60"] {
            assert!(ttl_from(bad).is_err(), "{bad:?}");
        }
    }
}
