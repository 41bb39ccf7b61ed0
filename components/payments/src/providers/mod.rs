//! The payment providers behind one trait, [`PaymentProvider`], and one vocabulary: what a
//! provider says about a payment ([`Outcome`]) or a refund ([`RefundOutcome`]), and how a
//! call to it can fail ([`ProviderError`]). The flows in `service` choose the provider of a
//! payment once ([`for_payments_of`]) and record its outcomes with [`merge`], which only
//! ever moves a payment forward, so answers and webhooks may arrive in any order.
//!
//! A provider only talks to its service: it never reads or writes the store. The flows
//! write a payment's row before asking it to act and record its answer after, whichever
//! provider it is.

pub mod stripe;
pub mod test;

use crate::exports::commerce::payments::payments::{
    CardSummary, Decline, NextAction, Payment, PaymentStatus, Provider, RefundStatus,
};
use crate::store::{StoredPayment, StoredRefund};
use crate::webhook::Event;

/// What a payment provider does for the flows. Every method acts on a payment whose row is
/// stored (and a refund's, for [`PaymentProvider::refund`]); calls that move money carry
/// the stored idempotency key, so repeating one after a lost answer is replayed by the
/// provider, not done twice.
pub trait PaymentProvider {
    /// The provider's reference of a payment it sees the moment it is created (the test
    /// provider's); `None` when the payment is only registered by [`PaymentProvider::create`].
    fn reference_at_creation(&self) -> Option<String>;

    /// Registers payment `s` (which has no provider reference yet) with the provider:
    /// what it now says about it, or `None` when the provider needs no call.
    fn create(&self, s: &StoredPayment) -> Result<Option<Outcome>, ProviderError>;

    /// Confirms registered payment `p` (stored as `s`). A refusal is `Declined`, with what
    /// the provider now says about the payment.
    fn confirm(&self, s: &StoredPayment, p: &Payment) -> Result<Outcome, ProviderError>;

    /// Where payment `s` stands after the shopper did the action it asked for (3-D Secure).
    fn complete_action(&self, s: &StoredPayment) -> Result<Outcome, ProviderError>;

    /// Captures `amount` minor units of authorised payment `s`.
    fn capture(&self, s: &StoredPayment, amount: i64) -> Result<Outcome, ProviderError>;

    /// Cancels registered payment `p` (stored as `s`), not yet final.
    fn cancel(&self, s: &StoredPayment, p: &Payment) -> Result<Outcome, ProviderError>;

    /// Asks for refund `r` (stored, pending) of payment `s`.
    fn refund(&self, s: &StoredPayment, r: &StoredRefund) -> Result<RefundOutcome, ProviderError>;

    /// The Spin variable holding the secret its webhook deliveries are signed with.
    fn webhook_secret_variable(&self) -> &'static str;

    /// What a verified webhook `event` says, when it is about a payment or a refund the
    /// shop acts on (`None`: acknowledged only); the field errors of one it cannot read.
    fn parse_event(&self, event: &Event) -> Result<Option<EventSubject>, Vec<(String, String)>>;
}

/// What a webhook event says.
pub enum EventSubject {
    /// About a payment, by the provider's reference (or its `payment_id` metadata).
    Payment(Outcome),
    /// About a refund, by the provider's reference (or its `refund_id` metadata).
    Refund(RefundOutcome),
}

/// The provider of the payments of `kind`: the one place that chooses it.
pub fn for_payments_of(kind: Provider) -> &'static dyn PaymentProvider {
    match kind {
        Provider::Test => &test::TestProvider,
        Provider::Stripe => &stripe::Stripe,
    }
}

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
    /// The stored payment cannot be read by its provider (e.g. an unknown test scenario).
    Stored(String),
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
