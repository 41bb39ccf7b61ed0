//! How a request fails: an api-kit [`Problem`] of the common types, or a problem of a type
//! of this API with members of its own ([`Typed`]): `illegal-transition` (409, `current`
//! and `requested`), `refund-exceeds` (409, `remaining`), `insufficient-stock` (409,
//! `shortages`), `refund-declined` (402, `decline_code`) and `idempotency-key-reused` (422).
//! Capability errors become one of them here, once for every route.

use crate::field_errors;
use crate::output;
use api_kit::Problem;
use commerce_bindings::inventory::inventory;
use commerce_bindings::orders::orders;
use commerce_bindings::payments::payments;
use commerce_bindings::pricing::pricing;
use commerce_types::types;
use serde_json::json;

/// Why a request failed.
pub enum Fail {
    Problem(Problem),
    Typed(Typed),
}

impl From<Typed> for Fail {
    fn from(t: Typed) -> Self {
        Fail::Typed(t)
    }
}

impl From<Problem> for Fail {
    fn from(p: Problem) -> Self {
        Fail::Problem(p)
    }
}

/// A problem of a type of this API, with extra members.
pub type Typed = api_kit::TypedProblem;

/// 409: the order's state machine does not allow the move; nothing was changed.
pub fn illegal_transition(current: orders::OrderStatus, requested: orders::OrderStatus) -> Fail {
    let (current, requested) = (
        output::order_status(current),
        output::order_status(requested),
    );
    Typed::new(
        409,
        "illegal-transition",
        "Illegal transition",
        format!("An order that is {current} cannot become {requested}; nothing was changed."),
    )
    .with("current", json!(current))
    .with("requested", json!(requested))
    .into()
}

/// 409: the refund asks for more than is left; nothing was changed.
pub fn refund_exceeds(remaining: &types::Money) -> Fail {
    Typed::new(
        409,
        "refund-exceeds",
        "Refund exceeds what is left",
        format!(
            "At most {} {} (minor units) is left to refund; nothing was refunded.",
            remaining.amount, remaining.currency
        ),
    )
    .with("remaining", output::money(remaining))
    .into()
}

/// 409: not enough unreserved stock for the change; nothing was changed.
pub fn insufficient_stock(shortages: &[inventory::Shortage]) -> Fail {
    Typed::new(
        409,
        "insufficient-stock",
        "Insufficient stock",
        "The change would take units that are not there or are reserved for checkouts; nothing was changed.",
    )
    .with(
        "shortages",
        shortages
            .iter()
            .map(|s| json!({"variant_id": s.variant_id, "requested": s.requested, "available": s.available}))
            .collect(),
    )
    .into()
}

/// 422: the `Idempotency-Key` was used for another request.
pub fn key_reused() -> Fail {
    Fail::Typed(Typed::new(
        422,
        "idempotency-key-reused",
        "Idempotency key reused",
        "This Idempotency-Key was used for another request; use a new key for a new request.",
    ))
}

/// 402: the payment provider refused to give the money back.
pub fn refund_declined(d: &payments::Decline) -> Fail {
    Typed::new(
        402,
        "refund-declined",
        "Refund declined",
        format!("The payment provider refused the refund: {}", d.message),
    )
    .with("decline_code", json!(output::decline_code(d.code)))
    .into()
}

/// 402: the payment provider answered that the refund failed; nothing was booked on the
/// order, and the amount is refundable again.
pub fn refund_failed(refund_id: &str) -> Fail {
    Typed::new(
        402,
        "refund-declined",
        "Refund declined",
        "The payment provider could not give the money back; nothing was booked on the order.",
    )
    .with("refund_id", json!(refund_id))
    .into()
}

/// A capability error that may be `invalid-input`: its field errors.
pub trait Invalid {
    fn field_errors(&self) -> Option<Vec<api_kit::FieldError>>;
}

macro_rules! invalid_input {
    ($($error:ty),*) => {$(
        impl Invalid for $error {
            fn field_errors(&self) -> Option<Vec<api_kit::FieldError>> {
                match self {
                    Self::InvalidInput(errors) => Some(field_errors(errors.clone())),
                    _ => None,
                }
            }
        }
    )*};
}

invalid_input!(
    orders::Error,
    inventory::Error,
    pricing::Error,
    payments::Error
);

impl From<orders::Error> for Fail {
    fn from(e: orders::Error) -> Self {
        use orders::Error as E;
        match e {
            E::NotFound => Problem::not_found("There is no such order.").into(),
            E::InvalidInput(errors) => Problem::invalid_input(field_errors(errors)).into(),
            E::IllegalTransition(t) => illegal_transition(t.current, t.requested),
            E::RefundExceeds(m) => refund_exceeds(&m),
            E::AmountMismatch(m) => Problem::new(
                api_kit::ProblemType::Conflict,
                format!(
                    "The amount must be the order's total, {} {}.",
                    m.amount, m.currency
                ),
            )
            .into(),
            E::Conflict(what) => Problem::new(api_kit::ProblemType::Conflict, what).into(),
            E::Storage(log) => Problem::unavailable(format!("orders storage: {log}")).into(),
            E::Other(log) => Problem::internal(format!("orders: {log}")).into(),
        }
    }
}

impl From<inventory::Error> for Fail {
    fn from(e: inventory::Error) -> Self {
        use inventory::Error as E;
        match e {
            E::NotFound => Problem::not_found("There is no such reservation.").into(),
            E::InvalidInput(errors) => Problem::invalid_input(field_errors(errors)).into(),
            E::InsufficientStock(shortages) => insufficient_stock(&shortages),
            E::ReservationNotActive(status) => Problem::new(
                api_kit::ProblemType::Conflict,
                format!(
                    "The reservation is {}, not active.",
                    output::reservation_status(status)
                ),
            )
            .into(),
            E::Conflict(_) => key_reused(),
            E::Storage(log) => Problem::unavailable(format!("inventory storage: {log}")).into(),
            E::Other(log) => Problem::internal(format!("inventory: {log}")).into(),
        }
    }
}

impl From<pricing::Error> for Fail {
    fn from(e: pricing::Error) -> Self {
        use pricing::Error as E;
        match e {
            E::NotFound => Problem::not_found("There is no such shipping method.").into(),
            E::InvalidInput(errors) => Problem::invalid_input(field_errors(errors)).into(),
            E::Storage(log) => Problem::unavailable(format!("pricing storage: {log}")).into(),
            other => Problem::internal(format!("pricing: {other:?}")).into(),
        }
    }
}

impl From<payments::Error> for Fail {
    fn from(e: payments::Error) -> Self {
        use payments::Error as E;
        match e {
            E::NotFound => Problem::not_found("There is no such payment.").into(),
            E::InvalidInput(errors) => Problem::invalid_input(field_errors(errors)).into(),
            E::Declined(d) => refund_declined(&d),
            E::InvalidState(status) => Problem::new(
                api_kit::ProblemType::Conflict,
                format!(
                    "The payment is {}; only a succeeded payment can be refunded.",
                    output::payment_status(status)
                ),
            )
            .into(),
            E::RefundExceeds(m) => refund_exceeds(&m),
            E::IdempotencyConflict => key_reused(),
            // Whether the provider acted is unknown: the same request with the same
            // Idempotency-Key finishes it without moving money twice.
            E::ProviderUnavailable(log) => {
                Problem::unavailable(format!("payment provider: {log}")).into()
            }
            E::Storage(log) => Problem::unavailable(format!("payments storage: {log}")).into(),
            other => Problem::internal(format!("payments: {other:?}")).into(),
        }
    }
}
