//! The payment providers behind one vocabulary: what a provider says about a payment
//! ([`Outcome`]) or a refund ([`RefundOutcome`]), and how a call to it can fail
//! ([`ProviderError`]). The flows in `service` record outcomes with [`merge`], which only
//! ever moves a payment forward, so answers and webhooks may arrive in any order.

pub mod stripe;
pub mod test;

use crate::exports::commerce::payments::payments::{
    CardSummary, Decline, NextAction, Payment, PaymentStatus, RefundStatus,
};

/// What the provider says about a payment.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The provider's id for it.
    pub reference: Option<String>,
    pub status: PaymentStatus,
    /// What was taken, when `status` is `succeeded` (`None`: the whole amount).
    pub amount_captured: Option<i64>,
    /// Set when `status` is `requires-action`.
    pub next_action: Option<NextAction>,
    pub card: Option<CardSummary>,
    /// Set when `status` is `failed`.
    pub decline: Option<Decline>,
}

impl Outcome {
    /// A bare outcome with `status`.
    pub fn status(status: PaymentStatus) -> Self {
        Outcome {
            reference: None,
            status,
            amount_captured: None,
            next_action: None,
            card: None,
            decline: None,
        }
    }
}

/// What the provider says about a refund.
#[derive(Clone, Debug)]
pub struct RefundOutcome {
    pub reference: Option<String>,
    pub status: RefundStatus,
}

/// How a provider call fails.
#[derive(Debug)]
pub enum ProviderError {
    /// The provider refused; for a payment, what it now says about it.
    Declined(Box<(Decline, Option<Outcome>)>),
    /// The payment is not in a state the call applies to; what the provider says about it.
    State(Box<Outcome>),
    /// The provider refused the input (path, message).
    Invalid(Vec<(String, String)>),
    /// The provider saw the idempotency key with other parameters.
    Conflict,
    /// Not configured, not reachable, or an unexpected answer: whether it acted is unknown.
    Unavailable(String),
}

/// How far along its life a status is; a payment only moves to a later rank.
fn rank(status: PaymentStatus) -> u8 {
    match status {
        PaymentStatus::RequiresConfirmation => 0,
        PaymentStatus::RequiresAction => 1,
        PaymentStatus::Processing => 2,
        PaymentStatus::RequiresCapture => 3,
        PaymentStatus::Succeeded | PaymentStatus::Failed | PaymentStatus::Cancelled => 4,
    }
}

/// Whether `status` is final.
pub fn is_final(status: PaymentStatus) -> bool {
    rank(status) == 4
}

/// What recording an outcome does to a stored payment.
pub enum Merge {
    /// The payment moves on to this.
    Changed(Box<Payment>),
    /// The payment already is where the outcome says.
    Same,
    /// The payment is already past what the outcome says (an answer or event that arrived
    /// late); nothing changes.
    Superseded,
}

/// `current` with `o` applied, when `o` moves it forward. A final status never changes; a
/// non-final one moves to a later rank, or stays (e.g. another challenge) at its own.
pub fn merge(current: &Payment, o: &Outcome, now: i64) -> Merge {
    if current.status == o.status
        && (is_final(o.status) || o.status != PaymentStatus::RequiresAction)
    {
        // Nothing but the reference or the card can be news here.
        let news = (current.provider_reference.is_none() && o.reference.is_some())
            || (current.card.is_none() && o.card.is_some());
        if !news {
            return Merge::Same;
        }
        let mut p = current.clone();
        p.provider_reference = p.provider_reference.or_else(|| o.reference.clone());
        p.card = p.card.or_else(|| o.card.clone());
        p.updated_at = now;
        return Merge::Changed(Box::new(p));
    }
    if is_final(current.status) || rank(o.status) < rank(current.status) {
        return Merge::Superseded;
    }
    let mut p = current.clone();
    p.status = o.status;
    p.provider_reference = p.provider_reference.or_else(|| o.reference.clone());
    p.card = o.card.clone().or(p.card);
    p.next_action = if o.status == PaymentStatus::RequiresAction {
        o.next_action.clone()
    } else {
        None
    };
    if o.status == PaymentStatus::Succeeded {
        p.amount_captured.amount = o
            .amount_captured
            .unwrap_or(p.amount.amount)
            .clamp(0, p.amount.amount);
    }
    if o.status == PaymentStatus::Failed {
        p.last_decline = o.decline.clone();
    }
    p.updated_at = now;
    Merge::Changed(Box::new(p))
}
