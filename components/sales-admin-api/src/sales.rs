//! Cancelling and refunding orders: the owner's actions that move stock and money as well
//! as the order. Orders only keeps the books (`orders-admin`), so this component calls
//! inventory and payments and then records the outcome, in an order that makes every step
//! safe to repeat:
//!
//! ```text
//! cancel, unpaid   orders-admin.cancel → inventory.release(reservation)
//!                  → payments-admin.cancel (payments not yet final)
//!                  → refund a payment that went through anyway + record-refund
//! cancel, paid     orders-admin.cancel (409 once shipped: nothing moves)
//!                  → inventory.release(the order's reservation): a hold not yet committed
//!                    goes back; one committed (sold) is answered as such, and then
//!                  → inventory-admin.adjust +quantity, reason cancellation, per line
//!                  → payments-admin.create-refund (all that is left) → record-refund
//! refund           checks (status, currency, what is left) → payments-admin.create-refund
//!                  (key from the client's Idempotency-Key) → orders-admin.record-refund
//! ```
//!
//! A refund is booked with the status the provider answered: a `pending` one (Stripe's
//! usual answer) is shown on the order and holds its share of what is left to refund, but
//! is not money given back until the provider's webhook settles it (checkout-api's webhook
//! handler calls `orders-admin.settle-refund`). A repeat finding it settled brings the
//! order's books up to date the same way.
//!
//! The order is changed first, in one transaction that checks its status, so a refused
//! move (a shipped order) changes nothing anywhere. Each following step is idempotent by a
//! key derived from the order (`cancel:<order>:<line>`, `admin-cancel:<payment>`,
//! `admin-refund:<order>:<Idempotency-Key>`) and an order cancelled already is cancelled
//! "again" without error, so when a step fails (a 503: the provider or a database was
//! unavailable), the same request again finishes the work without restocking or refunding
//! twice. Payments checks and takes the room left to refund in one transaction, so no
//! sequence of requests gives back more than was captured.
//!
//! The reservation acted on is the one the cancelled order names (`order.reservation-id`,
//! which a checkout moves onto a reservation taken again after the first lapsed, and can no
//! longer move once the order is cancelled). Whether its units were sold is decided by one
//! atomic inventory call, `release`, so a checkout committing the same reservation at the
//! same moment either loses (its commit fails, and it sells nothing for a cancelled order)
//! or wins (`release` answers `committed`, and the units are put back here).

use crate::fail::{self, Fail};
use crate::orders::{find, payments_of, refunds_of};
use crate::{actor, json, opt_body, output};
use api_kit::{At, FieldError, JsonChecker, Problem};
use commerce_bindings::inventory::inventory::{self, ReservationStatus};
use commerce_bindings::inventory::inventory_admin::{self, MovementReason, NewAdjustment};
use commerce_bindings::orders::orders::{Order, OrderStatus};
use commerce_bindings::orders::orders_admin as admin;
use commerce_bindings::payments::payments::{self, PaymentStatus, Refund};
use commerce_bindings::payments::payments_admin::{self, NewRefund};
use commerce_types::types::Money;
use sales_kit::{Booked, RefundError, Released};
use serde_json::json;
use spin_sdk::http::{Request, Response};

/// The reason recorded when the owner gives none.
const DEFAULT_REASON: &str = "cancelled by the shop";
/// The longest `Idempotency-Key`: the payments key derived from it
/// (`admin-refund:<order id>:<key>`) stays within payments' 200 characters.
pub const MAX_KEY_CHARS: usize = 100;
/// The largest amount of money a body may name: 10^15 minor units.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// What a cancellation did besides cancelling.
#[derive(Default)]
struct Followups {
    reservation: Option<inventory::Reservation>,
    movements: Vec<inventory_admin::StockMovement>,
    refund: Option<Refund>,
}

/// `POST /admin/orders/{key}/cancel` with `{"reason": "…"}` or no body.
pub fn cancel(req: &Request, key: &str) -> Result<Response, Fail> {
    let reason = opt_body(req, |c, at| {
        let o = c.object(at, &["reason"]);
        c.opt_string(&o.field("reason"))
    })?
    .flatten()
    .unwrap_or_else(|| DEFAULT_REASON.to_owned());
    let order = find(key)?;
    let order = admin::cancel(&order.id, &reason, &actor())?;
    let mut done = Followups::default();
    let order = if order.paid_at.is_none() {
        after_unpaid_cancel(order, &mut done)?
    } else {
        after_paid_cancel(order, &mut done)?
    };
    json(
        200,
        &json!({
            "order": output::order(&order),
            "reservation": done.reservation.as_ref().map(output::reservation),
            "movements": done.movements.iter().map(output::movement).collect::<Vec<_>>(),
            "refund": done.refund.as_ref().map(output::refund),
        }),
    )
}

/// An unpaid order was cancelled: its stock goes back and its payments stop. A payment
/// that succeeded although the order was never marked paid (a checkout interrupted after
/// the charge) is refunded.
fn after_unpaid_cancel(mut order: Order, done: &mut Followups) -> Result<Order, Fail> {
    if let Some(id) = &order.reservation_id {
        done.reservation = release(id)?;
    }
    for p in payments_of(&order.id)? {
        let p = match p.status {
            PaymentStatus::RequiresConfirmation
            | PaymentStatus::RequiresAction
            | PaymentStatus::RequiresCapture => match payments_admin::cancel(&p.id) {
                Ok(p) => p,
                // It moved on meanwhile: look at where it is now.
                Err(payments::Error::InvalidState(_)) => payments::get_payment(&p.id)?,
                Err(e) => return Err(e.into()),
            },
            _ => p,
        };
        if p.status == PaymentStatus::Succeeded
            && let Some((refund, booked)) = refund_rest(&order, &p.id)?
        {
            done.refund = Some(refund);
            order = booked;
        }
    }
    Ok(order)
}

/// A paid order was cancelled before it shipped: its units go back on hand and what is
/// left of its payment is refunded.
fn after_paid_cancel(mut order: Order, done: &mut Followups) -> Result<Order, Fail> {
    if let Some(id) = &order.reservation_id {
        // Gives back a hold not yet committed (a checkout still finishing: the units never
        // left on-hand), or tells that the units were sold; one atomic decision.
        let reservation = release(id)?;
        match reservation.as_ref().map(|r| r.status) {
            Some(ReservationStatus::Committed) => {
                for (i, line) in order.snapshot.lines.iter().enumerate() {
                    let delta = i32::try_from(line.quantity)
                        .map_err(|_| Problem::internal("an order line's quantity overflows"))?;
                    done.movements.push(inventory_admin::adjust(&NewAdjustment {
                        variant_id: line.variant_id.clone(),
                        delta,
                        reason: MovementReason::Cancellation,
                        note: Some(format!("order #{} cancelled", order.number)),
                        actor: actor(),
                        idempotency_key: Some(format!("cancel:{}:{i}", order.id)),
                    })?);
                }
                done.reservation = reservation;
            }
            // Released now, or before, or lapsed: nothing of it is held or sold.
            _ => done.reservation = reservation,
        }
    }
    if let Some(payment_id) = output::payment_id(&order).cloned()
        && let Some((refund, booked)) = refund_rest(&order, &payment_id)?
    {
        done.refund = Some(refund);
        order = booked;
    }
    Ok(order)
}

/// Gives a reservation's stock back ([`sales_kit::release`]); idempotent. The reservation
/// as it now is (`committed` when its units were sold, which `release` never undoes).
fn release(id: &str) -> Result<Option<inventory::Reservation>, Fail> {
    match sales_kit::release(id) {
        Ok(Released::Now(r)) => Ok(Some(r)),
        Ok(Released::NotActive(_)) => Ok(Some(inventory::get_reservation(id)?)),
        Err(inventory::Error::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Refunds everything not yet refunded of payment `payment_id` (key
/// `admin-cancel:<payment>`, reason the order's cancel reason, so a repeat is the same
/// request) and books it on `order` ([`sales_kit::refund_and_book`]). `None` when nothing
/// is left to refund.
fn refund_rest(order: &Order, payment_id: &str) -> Result<Option<(Refund, Order)>, Fail> {
    let reason = order
        .cancel_reason
        .clone()
        .unwrap_or_else(|| DEFAULT_REASON.to_owned());
    let key = format!("admin-cancel:{payment_id}");
    match sales_kit::refund_and_book(&order.id, payment_id, key, reason, &actor()) {
        Ok(None) => Ok(None),
        Ok(Some((refund, booked))) => {
            let order = booked_order(&refund, booked)?;
            Ok(Some((refund, order)))
        }
        Err(RefundError::Payments(e)) => Err(e.into()),
        Err(RefundError::Orders(e)) => Err(e.into()),
    }
}

/// Records a payments refund on its order with the status the provider gave it
/// ([`sales_kit::book_refund`]): pending (shown, holding its share of what is left, not yet
/// money given back) or succeeded. A failed one is settled as failed if it was recorded
/// pending before, and answered as failed (its amount is refundable again). Idempotent by
/// the refund id.
fn book(order: &Order, refund: &Refund) -> Result<Order, Fail> {
    let booked = sales_kit::book_refund(&order.id, refund, &actor())?;
    booked_order(refund, booked)
}

/// The order a booked refund left, or the 402 of a refund the provider failed.
fn booked_order(refund: &Refund, booked: Booked) -> Result<Order, Fail> {
    match booked {
        Booked::Recorded(order) => Ok(*order),
        Booked::Failed => Err(fail::refund_failed(&refund.id)),
    }
}

/// The `Idempotency-Key` header of a request: `None` when absent; 1 to
/// [`MAX_KEY_CHARS`] visible ASCII characters.
pub fn idempotency_key(req: &Request) -> Result<Option<String>, Fail> {
    Ok(api_kit::idempotency_key(req, MAX_KEY_CHARS)?)
}

/// A refund body: `{"amount": {"amount", "currency"}?, "reason"?}`; no amount (or no body)
/// refunds everything left.
fn refund_body(c: &mut JsonChecker, at: &At) -> (Option<Money>, Option<String>) {
    let o = c.object(at, &["amount", "reason"]);
    let amount = if o.has("amount") {
        let m = c.object(&o.field("amount"), &["amount", "currency"]);
        Some(Money {
            amount: c.integer(&m.field("amount"), 1, MAX_AMOUNT),
            currency: c.string(&m.field("currency")),
        })
    } else {
        None
    };
    (amount, c.opt_string(&o.field("reason")))
}

/// `POST /admin/orders/{key}/refunds` with an `Idempotency-Key` header: gives money back
/// through the payment provider and books it on the order. 201 `{order, refund}`; the same
/// key and body again answer the same refund and move no more money.
pub fn refund(req: &Request, key: &str) -> Result<Response, Fail> {
    let idempotency_key = api_kit::required_idempotency_key(req, MAX_KEY_CHARS, "refund")?;
    let (amount, reason) = opt_body(req, refund_body)?.unwrap_or((None, None));
    let order = find(key)?;
    let Some(payment_id) = output::payment_id(&order).cloned() else {
        return Err(fail::illegal_transition(
            order.status,
            OrderStatus::Refunded,
        ));
    };
    let payment_key = format!("admin-refund:{}:{idempotency_key}", order.id);
    // A repeat of a refund already asked for skips the checks (the order has moved on since)
    // and gets the first refund back from payments.
    let repeat = refunds_of(&payment_id)?
        .iter()
        .any(|r| r.idempotency_key == payment_key);
    if !repeat {
        if matches!(
            order.status,
            OrderStatus::PendingPayment | OrderStatus::Refunded
        ) {
            return Err(fail::illegal_transition(
                order.status,
                OrderStatus::Refunded,
            ));
        }
        let left = output::refundable(&order);
        if let Some(m) = &amount {
            if m.currency != left.currency {
                return Err(Problem::invalid_input(vec![FieldError::new(
                    "/amount/currency",
                    format!("must be the order's currency, {}", left.currency),
                )])
                .into());
            }
            if m.amount > left.amount {
                return Err(fail::refund_exceeds(&left));
            }
        } else if left.amount <= 0 {
            return Err(fail::refund_exceeds(&left));
        }
    }
    let refund = payments_admin::create_refund(&NewRefund {
        payment_id,
        amount,
        reason,
        idempotency_key: payment_key,
    })?;
    let order = book(&order, &refund)?;
    json(
        201,
        &json!({"order": output::order(&order), "refund": output::refund(&refund)}),
    )
}
