//! `POST /api/payments/webhooks/{provider}`: a provider's report of what happened to a
//! payment, verified and recorded by `payments.handle-webhook`, then carried over to the
//! order and its stock:
//!
//! - `succeeded`: the order is marked paid and its reservation committed (a lapsed
//!   reservation is taken again; if the stock is gone, the order is cancelled and refunded);
//!   a payment for an order cancelled meanwhile is refunded;
//! - `failed` / `cancelled`: the unpaid order is cancelled and its reservation released;
//! - refund events: the refund is settled on the order (`orders-admin.settle-refund` through
//!   [`flow::record_refund`]): a succeeded one becomes money given back (recorded now if
//!   the order never saw it pending), a failed one leaves the books (and a refunded order
//!   moves back). A repeated or second event about the same outcome changes nothing.
//!
//! Every follow-up call is idempotent, so an event that arrives before, after or instead of
//! the storefront's own confirmation ends in the same state. A replay (an event payments
//! has already applied) moves no money and no payment state, but its follow-ups run again
//! from the payment as it now stands: when the first delivery failed at the order (a 503,
//! so the provider redelivers), the redelivery finishes it; otherwise they change nothing.
//! Answers: 200 (processed, or a replay; `events` counts the events followed up), 400
//! (missing, forged or stale signature; a body that is not an event), 503 (a follow-up
//! failed: the provider's redelivery finishes it).

use crate::flow;
use crate::stock;
use api_kit::{FieldError, Problem};
use commerce_bindings::orders::orders;
use commerce_bindings::orders::orders_admin;
use commerce_bindings::payments::payments;
use serde_json::json;
use spin_sdk::http::{Request, Response};

/// The header carrying each provider's signature. The test provider signs like Stripe.
const SIGNATURE_HEADER: &str = "stripe-signature";

/// Handles a delivery for `provider` ("test" or "stripe").
pub fn handle(req: &Request, provider: &str) -> Result<Response, Problem> {
    let provider = match provider {
        "test" => payments::Provider::Test,
        "stripe" => payments::Provider::Stripe,
        other => {
            return Err(Problem::not_found(format!(
                "There is no payment provider {other}."
            )));
        }
    };
    let signature = req
        .header(SIGNATURE_HEADER)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let (events, replayed) = match payments::handle_webhook(provider, req.body(), &signature) {
        Ok(events) => (events, false),
        // Processed before, payment side and all; the order side is applied again (every
        // follow-up is idempotent), which finishes it when the first delivery's failed.
        Err(payments::Error::Replayed(events)) => (events, true),
        Err(payments::Error::BadSignature) => {
            return Err(Problem::invalid_input(vec![FieldError::new(
                "/headers/stripe-signature",
                "the signature is missing, malformed, wrong or too old",
            )]));
        }
        Err(payments::Error::InvalidInput(errors)) => {
            return Err(Problem::invalid_input(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(e.path, e.message))
                    .collect(),
            ));
        }
        Err(payments::Error::Storage(m)) => {
            return Err(Problem::unavailable(format!("payments: {m}")));
        }
        Err(e) => return Err(Problem::internal(format!("payments: {e:?}"))),
    };
    let count = events.len();
    for event in events {
        follow_up(event)?;
    }
    api_kit::json(
        200,
        &json!({"received": true, "replayed": replayed, "events": count}),
    )
}

fn stop(e: impl std::fmt::Debug) -> Problem {
    // 503 makes the provider deliver again; the event id was recorded, so payments answers
    // the retry as a replay carrying the event's payment as it stands, and the follow-up
    // runs again. Every follow-up is idempotent, and a storefront retry of the checkout
    // converges on the same state.
    Problem::unavailable(format!("webhook follow-up: {e:?}"))
}

/// Moves the order and stock of one event's payment on.
fn follow_up(event: payments::PaymentEvent) -> Result<(), Problem> {
    let payment = event.payment;
    let Some(order_id) = payment.order_id.clone() else {
        return Ok(());
    };
    let order = match orders_admin::get_order(&order_id) {
        Ok(o) => o,
        // A payment for an order this shop does not know: nothing to move.
        Err(orders::Error::NotFound) => return Ok(()),
        Err(e) => return Err(stop(e)),
    };
    let reservation = order.reservation_id.clone();
    match event.kind {
        payments::PaymentEventKind::Succeeded => {
            match orders::mark_paid(&order.id, &payment.id, &payment.amount) {
                Ok(paid) => commit(paid, &payment)?,
                Err(orders::Error::IllegalTransition(_)) => {
                    // Cancelled before the money came in: give it back.
                    refund(&order, &payment)?;
                }
                Err(e) => return Err(stop(e)),
            }
        }
        payments::PaymentEventKind::Failed(_) | payments::PaymentEventKind::Cancelled => {
            match orders::cancel_unpaid(&order.id, "the payment failed") {
                // Already paid by another payment, or further on: nothing to undo.
                Ok(_) | Err(orders::Error::IllegalTransition(_)) => {}
                Err(e) => return Err(stop(e)),
            }
            let unpaid = matches!(
                order.status,
                orders::OrderStatus::PendingPayment | orders::OrderStatus::Cancelled
            );
            if unpaid && let Some(res) = &reservation {
                sales_kit::release(res).map_err(stop)?;
            }
        }
        payments::PaymentEventKind::RefundSucceeded(refund)
        | payments::PaymentEventKind::RefundFailed(refund) => {
            flow::record_refund(&order.id, &refund).map_err(stop)?;
        }
        payments::PaymentEventKind::RequiresCapture
        | payments::PaymentEventKind::RequiresAction => {}
    }
    Ok(())
}

/// Commits a paid order's stock (see [`stock::commit`]); a paid order whose stock ran out
/// meanwhile is cancelled and refunded.
fn commit(order: orders::Order, payment: &payments::Payment) -> Result<(), Problem> {
    match stock::commit(order).map_err(stop)? {
        stock::Outcome::Committed(_) | stock::Outcome::Cancelled(_) => Ok(()),
        stock::Outcome::SoldOut(order, _) => {
            match orders_admin::cancel(&order.id, "out of stock after payment", "webhook") {
                Ok(_) => {}
                Err(e) => return Err(stop(e)),
            }
            refund(&order, payment)
        }
    }
}

fn refund(order: &orders::Order, payment: &payments::Payment) -> Result<(), Problem> {
    flow::refund_payment(
        order,
        payment,
        "the order was cancelled before the payment came in",
    )
    .map_err(stop)
}
