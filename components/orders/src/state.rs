//! The order state machine, as a pure function: given where an order is and what a caller
//! asks, it says what the order becomes, that nothing changes (a safe retry), or that the
//! move is illegal. No SQL and no clock: [`crate::store`] applies the answer in one
//! transaction that re-checks the stored status.
//!
//! ```text
//! pending-payment ──> paid ──> fulfilled ──> shipped ──> delivered
//!       │              │           │
//!       └──────────────┴───────────┴──> cancelled
//! ```
//!
//! Refunds move any paid-or-later order to `partially-refunded` or `refunded`. A
//! partially-refunded order keeps that status while it moves on through fulfilment; how far
//! it got is told by its `fulfilled-at`, `shipped-at` and `delivered-at` ([`Progress`]).

use crate::exports::commerce::orders::orders::{OrderStatus, Transition};

/// What a caller asks of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `mark-paid`.
    MarkPaid,
    /// `orders-admin.fulfil`.
    Fulfil,
    /// `orders-admin.ship`.
    Ship,
    /// `orders-admin.deliver`.
    Deliver,
    /// `orders-admin.cancel`: anything not yet shipped.
    Cancel,
    /// `cancel-unpaid`: pending-payment only.
    CancelUnpaid,
    /// `orders-admin.record-refund`; `full` when the refunds then add up to the grand total.
    Refund { full: bool },
}

/// How far an order got through fulfilment, from its timestamps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub fulfilled: bool,
    pub shipped: bool,
    pub delivered: bool,
}

/// A timestamp column a move sets to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Paid,
    Fulfilled,
    Shipped,
    Delivered,
    Cancelled,
}

/// A move to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The status after the move (may equal the current one: a fulfilment step of a
    /// partially-refunded order, a refund of a cancelled one).
    pub to: OrderStatus,
    /// The timestamp the move sets, if any.
    pub stamp: Option<Stamp>,
    /// The `status-changed` event the history records, if any: the new status, or the
    /// fulfilment step a partially-refunded order reached.
    pub event: Option<OrderStatus>,
}

/// What the state machine answers to a legal request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Make this move.
    Move(Move),
    /// The order already is where the call asks it to be: succeed without writing.
    Unchanged,
}

/// The status `action` asks for, as an `illegal-transition` reports it.
pub fn requested(action: Action) -> OrderStatus {
    match action {
        Action::MarkPaid => OrderStatus::Paid,
        Action::Fulfil => OrderStatus::Fulfilled,
        Action::Ship => OrderStatus::Shipped,
        Action::Deliver => OrderStatus::Delivered,
        Action::Cancel | Action::CancelUnpaid => OrderStatus::Cancelled,
        Action::Refund { full: true } => OrderStatus::Refunded,
        Action::Refund { full: false } => OrderStatus::PartiallyRefunded,
    }
}

/// The fulfilment step a partially-refunded order has reached, as a status.
fn stage(progress: Progress) -> OrderStatus {
    if progress.delivered {
        OrderStatus::Delivered
    } else if progress.shipped {
        OrderStatus::Shipped
    } else if progress.fulfilled {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::Paid
    }
}

fn to(status: OrderStatus, stamp: Stamp) -> Outcome {
    Outcome::Move(Move {
        to: status,
        stamp: Some(stamp),
        event: Some(status),
    })
}

/// One fulfilment step (`from` → `step`), for an order in `current` with `progress`.
fn fulfilment(
    current: OrderStatus,
    progress: Progress,
    from: OrderStatus,
    step: OrderStatus,
    stamp: Stamp,
) -> Option<Outcome> {
    let at = if current == OrderStatus::PartiallyRefunded {
        stage(progress)
    } else {
        current
    };
    if at == step {
        return Some(Outcome::Unchanged);
    }
    if at != from {
        return None;
    }
    Some(if current == OrderStatus::PartiallyRefunded {
        Outcome::Move(Move {
            to: OrderStatus::PartiallyRefunded,
            stamp: Some(stamp),
            event: Some(step),
        })
    } else {
        to(step, stamp)
    })
}

/// The status an order in `current` that got as far as `progress` has once its succeeded
/// refunds add up to `refunded` of `grand_total`: refunded, partially refunded, or (none
/// left, after a refund failed) the fulfilment step it reached. A cancelled order stays
/// cancelled; an unpaid one has no refunds.
pub fn after_refunds(
    current: OrderStatus,
    progress: Progress,
    refunded: i64,
    grand_total: i64,
) -> OrderStatus {
    match current {
        OrderStatus::Cancelled | OrderStatus::PendingPayment => current,
        _ if refunded <= 0 => stage(progress),
        _ if refunded >= grand_total => OrderStatus::Refunded,
        _ => OrderStatus::PartiallyRefunded,
    }
}

/// The move from `current` to `to` that refunds make (see [`after_refunds`]): no stamp, a
/// `status-changed` event when the status changes.
pub fn refund_move(current: OrderStatus, to: OrderStatus) -> Option<Move> {
    (to != current).then_some(Move {
        to,
        stamp: None,
        event: Some(to),
    })
}

/// What `action` does to an order in `current` that got as far as `progress`; an
/// `illegal-transition` when the state machine does not allow it.
pub fn next(
    current: OrderStatus,
    progress: Progress,
    action: Action,
) -> Result<Outcome, Transition> {
    use OrderStatus as S;
    let outcome = match action {
        Action::MarkPaid => match current {
            S::PendingPayment => Some(to(S::Paid, Stamp::Paid)),
            S::Paid
            | S::Fulfilled
            | S::Shipped
            | S::Delivered
            | S::PartiallyRefunded
            | S::Refunded => Some(Outcome::Unchanged),
            S::Cancelled => None,
        },
        Action::Fulfil => fulfilment(current, progress, S::Paid, S::Fulfilled, Stamp::Fulfilled),
        Action::Ship => fulfilment(current, progress, S::Fulfilled, S::Shipped, Stamp::Shipped),
        Action::Deliver => fulfilment(
            current,
            progress,
            S::Shipped,
            S::Delivered,
            Stamp::Delivered,
        ),
        Action::Cancel => match current {
            S::PendingPayment | S::Paid | S::Fulfilled => Some(to(S::Cancelled, Stamp::Cancelled)),
            S::PartiallyRefunded if !progress.shipped => Some(to(S::Cancelled, Stamp::Cancelled)),
            S::Cancelled => Some(Outcome::Unchanged),
            S::PartiallyRefunded | S::Shipped | S::Delivered | S::Refunded => None,
        },
        Action::CancelUnpaid => match current {
            S::PendingPayment => Some(to(S::Cancelled, Stamp::Cancelled)),
            S::Cancelled => Some(Outcome::Unchanged),
            _ => None,
        },
        Action::Refund { full } => match current {
            S::Paid | S::Fulfilled | S::Shipped | S::Delivered | S::PartiallyRefunded => {
                let status = if full {
                    S::Refunded
                } else {
                    S::PartiallyRefunded
                };
                Some(Outcome::Move(Move {
                    to: status,
                    stamp: None,
                    event: (status != current).then_some(status),
                }))
            }
            // A cancelled order keeps its status; the refund only goes into the books.
            S::Cancelled => Some(Outcome::Move(Move {
                to: S::Cancelled,
                stamp: None,
                event: None,
            })),
            S::PendingPayment | S::Refunded => None,
        },
    };
    outcome.ok_or(Transition {
        current,
        requested: requested(action),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path() {
        let p = Progress::default();
        let steps = [
            (
                OrderStatus::PendingPayment,
                Action::MarkPaid,
                OrderStatus::Paid,
            ),
            (OrderStatus::Paid, Action::Fulfil, OrderStatus::Fulfilled),
            (OrderStatus::Fulfilled, Action::Ship, OrderStatus::Shipped),
            (
                OrderStatus::Shipped,
                Action::Deliver,
                OrderStatus::Delivered,
            ),
        ];
        for (from, action, want) in steps {
            match next(from, p, action) {
                Ok(Outcome::Move(m)) => assert_eq!(m.to, want),
                other => panic!("{from:?} {action:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn partially_refunded_orders_move_on_by_their_timestamps() {
        let s = OrderStatus::PartiallyRefunded;
        let p = Progress::default();
        assert!(matches!(
            next(s, p, Action::Fulfil),
            Ok(Outcome::Move(Move {
                to: OrderStatus::PartiallyRefunded,
                event: Some(OrderStatus::Fulfilled),
                ..
            }))
        ));
        assert!(next(s, p, Action::Ship).is_err());
        let shipped = Progress {
            fulfilled: true,
            shipped: true,
            delivered: false,
        };
        assert_eq!(next(s, shipped, Action::Ship), Ok(Outcome::Unchanged));
        assert!(next(s, shipped, Action::Cancel).is_err());
    }

    #[test]
    fn refunds_that_fail_move_an_order_back_to_where_it_got() {
        let shipped = Progress {
            fulfilled: true,
            shipped: true,
            delivered: false,
        };
        let at = |current, refunded| after_refunds(current, shipped, refunded, 1000);
        assert_eq!(
            at(OrderStatus::Shipped, 400),
            OrderStatus::PartiallyRefunded
        );
        assert_eq!(
            at(OrderStatus::PartiallyRefunded, 1000),
            OrderStatus::Refunded
        );
        assert_eq!(
            at(OrderStatus::Refunded, 400),
            OrderStatus::PartiallyRefunded
        );
        assert_eq!(at(OrderStatus::Refunded, 0), OrderStatus::Shipped);
        assert_eq!(
            after_refunds(OrderStatus::PartiallyRefunded, Progress::default(), 0, 1000),
            OrderStatus::Paid
        );
        assert_eq!(at(OrderStatus::Cancelled, 0), OrderStatus::Cancelled);
        assert_eq!(refund_move(OrderStatus::Paid, OrderStatus::Paid), None);
    }
}
