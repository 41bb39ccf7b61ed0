//! The saga steps that checkout-api and sales-admin-api both run, written once, each with
//! the rule that makes it safe to repeat (a retry, a concurrent caller, a webhook about the
//! same payment), in the way Medusa's `core-flows` steps are shared by its workflows:
//!
//! | Step | Compensates | Safe to repeat because |
//! |---|---|---|
//! | [`release`] | a reservation (`inventory.reserve`) | a reservation no longer active is already free (or sold: see [`Released`]) |
//! | [`refund_rest`] | a charge (`payments.confirm-payment`) | the refund's key; nothing left to refund is `None` |
//! | [`book_refund`] | — (the books of [`refund_rest`]'s refund) | orders records and settles a refund once, by its id |
//! | [`refund_and_book`] | both of the above | both of the above |
//!
//! The steps take and return the capability types of [`commerce_bindings`], which both
//! components remap their imports to, and answer the capabilities' own errors: each caller
//! turns them into its answers (a problem, a 503 for the provider to deliver again).

use commerce_bindings::inventory::inventory;
use commerce_bindings::orders::{orders, orders_admin};
use commerce_bindings::payments::{payments, payments_admin};

/// What [`release`] found.
#[derive(Debug)]
pub enum Released {
    /// Given back now: the reservation as it now is.
    Now(inventory::Reservation),
    /// It was no longer held: released before, lapsed, or committed (its units were sold;
    /// `release` never undoes a sale, which only an admin adjustment puts back).
    NotActive(inventory::ReservationStatus),
}

/// Gives a reservation's stock back (`inventory.release`). Idempotent: a reservation that
/// is not active any more is answered as [`Released::NotActive`], not as an error. An
/// unknown reservation is `inventory::Error::NotFound`.
pub fn release(reservation_id: &str) -> Result<Released, inventory::Error> {
    match inventory::release(reservation_id) {
        Ok(r) => Ok(Released::Now(r)),
        Err(inventory::Error::ReservationNotActive(status)) => Ok(Released::NotActive(status)),
        Err(e) => Err(e),
    }
}

/// The key of the refund that gives back a payment a checkout could not complete:
/// `refund:<payment id>`. It names the payment alone, so the checkout, its retries and the
/// webhook handler never refund one payment twice.
pub fn refund_key(payment_id: &str) -> String {
    format!("refund:{payment_id}")
}

/// Refunds everything not yet refunded of payment `payment_id`
/// (`payments-admin.create-refund` with no amount) under `idempotency_key`. `None` when
/// nothing is left to refund (an earlier attempt gave it all back). The same key and reason
/// again answer the first refund and move no more money.
pub fn refund_rest(
    payment_id: &str,
    idempotency_key: String,
    reason: String,
) -> Result<Option<payments::Refund>, payments::Error> {
    match payments_admin::create_refund(&payments_admin::NewRefund {
        payment_id: payment_id.to_owned(),
        amount: None,
        reason: Some(reason),
        idempotency_key,
    }) {
        Ok(refund) => Ok(Some(refund)),
        Err(payments::Error::RefundExceeds(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What [`book_refund`] did to the order's books.
#[derive(Debug)]
pub enum Booked {
    /// Recorded as pending or succeeded (a pending one recorded before and succeeded now is
    /// settled): the order as it now is.
    Recorded(Box<orders::Order>),
    /// The provider says the refund failed: taken out of the books if it was recorded (a
    /// refunded order moves back); its amount is refundable again.
    Failed,
}

/// Books a payments refund on order `order_id` as the provider now has it, naming `actor`
/// in the order's history: recorded `pending` (shown, holding its share of what is left,
/// not yet money given back) or `succeeded` (`orders-admin.record-refund`), or, failed,
/// settled as failed (`orders-admin.settle-refund`; a refund never recorded has nothing to
/// take back). Idempotent by the refund id, so any caller may book it in any order, any
/// number of times.
pub fn book_refund(
    order_id: &str,
    refund: &payments::Refund,
    actor: &str,
) -> Result<Booked, orders::Error> {
    let status = match refund.status {
        payments::RefundStatus::Pending => orders::OrderRefundStatus::Pending,
        payments::RefundStatus::Succeeded => orders::OrderRefundStatus::Succeeded,
        payments::RefundStatus::Failed => {
            return match orders_admin::settle_refund(
                order_id,
                &refund.id,
                orders::OrderRefundStatus::Failed,
                actor,
            ) {
                Ok(_) | Err(orders::Error::NotFound) => Ok(Booked::Failed),
                Err(e) => Err(e),
            };
        }
    };
    orders_admin::record_refund(
        order_id,
        &orders_admin::NewOrderRefund {
            amount: refund.amount.clone(),
            refund_id: Some(refund.id.clone()),
            idempotency_key: refund.idempotency_key.clone(),
            status,
            reason: refund.reason.clone(),
            actor: actor.to_owned(),
        },
    )
    .map(|order| Booked::Recorded(Box::new(order)))
}

/// Why [`refund_and_book`] stopped. Repeating the step with the same arguments is safe.
#[derive(Debug)]
pub enum RefundError {
    /// The refund could not be made (or whether it was is unknown).
    Payments(payments::Error),
    /// The refund was made but not booked on the order.
    Orders(orders::Error),
}

/// [`refund_rest`], then [`book_refund`] on `order_id`: the compensation of a charge. `None`
/// when nothing was left to refund.
pub fn refund_and_book(
    order_id: &str,
    payment_id: &str,
    idempotency_key: String,
    reason: String,
    actor: &str,
) -> Result<Option<(payments::Refund, Booked)>, RefundError> {
    let Some(refund) =
        refund_rest(payment_id, idempotency_key, reason).map_err(RefundError::Payments)?
    else {
        return Ok(None);
    };
    let booked = book_refund(order_id, &refund, actor).map_err(RefundError::Orders)?;
    Ok(Some((refund, booked)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_has_one_compensating_refund_key() {
        assert_eq!(refund_key("pay_1"), "refund:pay_1");
    }
}
