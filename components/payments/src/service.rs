//! The payment flows: each export of the WIT, in terms of the store, the providers and the
//! webhook checks.
//!
//! The rule that makes retries and crashes safe: a payment or refund row is written
//! *before* the provider is asked to act (with an idempotency key derived from the
//! caller's), the provider's answer is recorded afterwards with [`merge`] (which only moves
//! a payment forward), and no transaction is held while the provider is called. A crash
//! between the two leaves a row the next call with the same key finishes: the provider
//! replays its first answer for the same `Idempotency-Key`.

use capability_kit::{clock, cursor, ids};

use crate::exports::commerce::payments::payments::{
    Decline, DeclineCode, Error, NewPayment, Payment, PaymentEvent, PaymentEventKind,
    PaymentStatus, Provider, Refund, RefundStatus,
};
use crate::exports::commerce::payments::payments_admin::{
    NewRefund, PaymentFilter, PaymentPage, RefundPage,
};
use crate::providers::{EventSubject, Merge, Outcome, ProviderError, for_payments_of, merge};
use crate::store::{Store, StoredPayment, StoredRefund};
use crate::{invalid, validate, webhook};
use commerce_types::types::{Money, PageInfo, PageRequest};

pub const PAYMENT_PREFIX: &str = "pay";
pub const REFUND_PREFIX: &str = "ref";
const PAYMENTS_CURSOR: &str = "payments.payments.v1";
const REFUNDS_CURSOR: &str = "payments.refunds.v1";

/// The Spin variable holding the test provider's webhook signing secret.
pub const TEST_WEBHOOK_SECRET: &str = "payments_test_webhook_secret";
/// The Spin variable holding Stripe's webhook signing secret (`whsec_…`).
pub const STRIPE_WEBHOOK_SECRET: &str = "stripe_webhook_secret";

fn provider_error(e: ProviderError) -> Error {
    match e {
        ProviderError::Declined(d) => Error::Declined(d.0),
        ProviderError::State(o) => Error::InvalidState(o.status),
        ProviderError::Invalid(errors) => invalid(errors),
        ProviderError::Conflict => Error::IdempotencyConflict,
        ProviderError::Unavailable(m) => Error::ProviderUnavailable(m),
        ProviderError::Stored(m) => Error::Storage(m),
    }
}

fn load(store: &Store, id: &str) -> Result<StoredPayment, Error> {
    if !ids::is_id_of(id, PAYMENT_PREFIX) {
        return Err(Error::NotFound);
    }
    store.payment(id)?.ok_or(Error::NotFound)
}

/// Records `o` on payment `id`, forward only, and returns the payment as stored after.
fn record(store: &Store, id: &str, o: &Outcome) -> Result<Payment, Error> {
    store.tx(|s| {
        let current = s.payment(id)?.ok_or(Error::NotFound)?;
        match merge(&current.payment, o, clock::now_ms()) {
            Merge::Changed(p) => {
                s.save_payment(&p)?;
                Ok(*p)
            }
            Merge::Same | Merge::Superseded => Ok(current.payment),
        }
    })
}

/// The payment, or its decline when it has failed.
fn settled(p: Payment) -> Result<Payment, Error> {
    if p.status == PaymentStatus::Failed {
        return Err(Error::Declined(p.last_decline.unwrap_or_else(|| Decline {
            code: DeclineCode::Other,
            message: "The payment was declined.".into(),
            provider_code: None,
        })));
    }
    Ok(p)
}

/// Makes sure the payment's provider knows `s` ([`PaymentProvider::create`] when it has no
/// provider reference yet); the payment with its reference.
///
/// [`PaymentProvider::create`]: crate::providers::PaymentProvider::create
fn register(store: &Store, s: &StoredPayment) -> Result<Payment, Error> {
    if s.payment.provider_reference.is_some() {
        return Ok(s.payment.clone());
    }
    let p = &s.payment;
    match for_payments_of(p.provider).create(s) {
        Ok(Some(o)) => record(store, &p.id, &o),
        Ok(None) => Ok(p.clone()),
        Err(e @ (ProviderError::Invalid(_) | ProviderError::Conflict)) => {
            // The provider refused it outright: the payment never existed.
            store.delete_unregistered(&p.id)?;
            Err(provider_error(e))
        }
        Err(e) => Err(provider_error(e)),
    }
}

pub fn create_payment(request: NewPayment) -> Result<Payment, Error> {
    let now = clock::now_ms();
    let checked = validate::new_payment(&request, now).map_err(invalid)?;
    let store = Store::open()?;
    if let Some(existing) = store.payment_by_key(&request.idempotency_key)? {
        if existing.fingerprint != checked.fingerprint {
            return Err(Error::IdempotencyConflict);
        }
        return register(&store, &existing);
    }
    let zero = Money {
        amount: 0,
        currency: request.amount.currency.clone(),
    };
    let fresh = StoredPayment {
        payment: Payment {
            id: ids::new_id(PAYMENT_PREFIX),
            provider: checked.provider,
            // The test provider sees the payment here and now.
            provider_reference: for_payments_of(checked.provider).reference_at_creation(),
            status: PaymentStatus::RequiresConfirmation,
            amount: request.amount.clone(),
            amount_captured: zero.clone(),
            amount_refunded: zero,
            capture_mode: request.capture_mode,
            order_id: request.order_id.clone(),
            next_action: None,
            card: checked.card,
            last_decline: None,
            return_url: request.return_url.clone(),
            created_at: now,
            updated_at: now,
        },
        method_ref: checked.method_ref,
        idempotency_key: request.idempotency_key.clone(),
        fingerprint: checked.fingerprint.clone(),
        seq: 0,
        statement_descriptor: request.statement_descriptor.clone(),
    };
    let stored = store.insert_payment(&fresh)?;
    if stored.fingerprint != checked.fingerprint {
        // A racing call with the same key and other parameters got there first.
        return Err(Error::IdempotencyConflict);
    }
    register(&store, &stored)
}

pub fn confirm_payment(id: &str) -> Result<Payment, Error> {
    let store = Store::open()?;
    let s = load(&store, id)?;
    match s.payment.status {
        PaymentStatus::Cancelled => return Err(Error::InvalidState(PaymentStatus::Cancelled)),
        PaymentStatus::RequiresConfirmation => {}
        _ => return settled(s.payment),
    }
    let p = register(&store, &s)?;
    let outcome = match for_payments_of(p.provider).confirm(&s, &p) {
        Ok(o) => o,
        Err(ProviderError::Declined(declined)) => {
            let (d, intent) = *declined;
            let mut o = intent.unwrap_or_else(|| Outcome::status(PaymentStatus::Failed));
            o.status = PaymentStatus::Failed;
            o.decline = Some(d);
            o
        }
        Err(ProviderError::State(o)) => *o,
        Err(e) => return Err(provider_error(e)),
    };
    let p = record(&store, id, &outcome)?;
    if p.status == PaymentStatus::Cancelled {
        return Err(Error::InvalidState(PaymentStatus::Cancelled));
    }
    settled(p)
}

pub fn complete_action(id: &str) -> Result<Payment, Error> {
    let store = Store::open()?;
    let s = load(&store, id)?;
    match s.payment.status {
        PaymentStatus::RequiresConfirmation | PaymentStatus::Cancelled => {
            return Err(Error::InvalidState(s.payment.status));
        }
        PaymentStatus::RequiresAction => {}
        _ => return settled(s.payment),
    }
    let outcome = for_payments_of(s.payment.provider)
        .complete_action(&s)
        .map_err(provider_error)?;
    let p = record(&store, id, &outcome)?;
    if p.status == PaymentStatus::Cancelled {
        return Err(Error::InvalidState(PaymentStatus::Cancelled));
    }
    settled(p)
}

pub fn get_payment(id: &str) -> Result<Payment, Error> {
    Ok(load(&Store::open()?, id)?.payment)
}

pub fn capture(id: &str, amount: Option<Money>) -> Result<Payment, Error> {
    let store = Store::open()?;
    let s = load(&store, id)?;
    match s.payment.status {
        PaymentStatus::Succeeded => return Ok(s.payment),
        PaymentStatus::RequiresCapture => {}
        other => return Err(Error::InvalidState(other)),
    }
    let total = s.payment.amount.amount;
    let take = match &amount {
        None => total,
        Some(m) => {
            let mut e = Vec::new();
            if !validate::same_currency(m, &s.payment.amount.currency) {
                e.push((
                    "/amount/currency".to_owned(),
                    format!(
                        "must be the payment's currency, {}",
                        s.payment.amount.currency
                    ),
                ));
            }
            if m.amount <= 0 || m.amount > total {
                e.push((
                    "/amount/amount".to_owned(),
                    format!("must be positive and at most the authorised {total}"),
                ));
            }
            if !e.is_empty() {
                return Err(invalid(e));
            }
            m.amount
        }
    };
    let outcome = match for_payments_of(s.payment.provider).capture(&s, take) {
        Ok(o) => o,
        Err(ProviderError::State(o)) => *o,
        Err(e) => return Err(provider_error(e)),
    };
    let p = record(&store, id, &outcome)?;
    if p.status != PaymentStatus::Succeeded {
        return Err(Error::InvalidState(p.status));
    }
    Ok(p)
}

pub fn cancel(id: &str) -> Result<Payment, Error> {
    let store = Store::open()?;
    let s = load(&store, id)?;
    match s.payment.status {
        PaymentStatus::Cancelled => return Ok(s.payment),
        PaymentStatus::RequiresConfirmation
        | PaymentStatus::RequiresAction
        | PaymentStatus::RequiresCapture => {}
        other => return Err(Error::InvalidState(other)),
    }
    let p = register(&store, &s)?;
    let outcome = match for_payments_of(p.provider).cancel(&s, &p) {
        Ok(o) => o,
        Err(ProviderError::State(o)) => *o,
        Err(e) => return Err(provider_error(e)),
    };
    let p = record(&store, id, &outcome)?;
    if p.status != PaymentStatus::Cancelled {
        return Err(Error::InvalidState(p.status));
    }
    Ok(p)
}

/// Asks the provider for refund `r` (already stored, pending) and records the answer.
fn send_refund(store: &Store, s: &StoredPayment, r: StoredRefund) -> Result<Refund, Error> {
    let answer = for_payments_of(s.payment.provider).refund(s, &r);
    let now = clock::now_ms();
    match answer {
        Ok(o) => store.tx(|st| {
            let current = st.refund(&r.refund.id)?.ok_or(Error::NotFound)?;
            st.settle_refund(&current.refund, o.status, o.reference.as_deref(), now)?;
            Ok(st.refund(&r.refund.id)?.ok_or(Error::NotFound)?.refund)
        }),
        // A definite refusal (Stripe replays it for the same key): the refund failed and its
        // amount is refundable again.
        Err(
            e @ (ProviderError::Declined(_) | ProviderError::Invalid(_) | ProviderError::Conflict),
        ) => {
            store.tx(|st| {
                let current = st.refund(&r.refund.id)?.ok_or(Error::NotFound)?;
                st.settle_refund(&current.refund, RefundStatus::Failed, None, now)
            })?;
            Err(provider_error(e))
        }
        Err(e) => Err(provider_error(e)),
    }
}

pub fn create_refund(request: NewRefund) -> Result<Refund, Error> {
    let fingerprint = validate::new_refund(&request).map_err(invalid)?;
    let store = Store::open()?;
    let now = clock::now_ms();
    enum Next {
        Done(Refund),
        Send(Box<(StoredPayment, StoredRefund)>),
    }
    let next = store.tx(|st| {
        if let Some(existing) = st.refund_by_key(&request.idempotency_key)? {
            if existing.fingerprint != fingerprint {
                return Err(Error::IdempotencyConflict);
            }
            let payment = st
                .payment(&existing.refund.payment_id)?
                .ok_or(Error::NotFound)?;
            // A pending refund the provider has not acknowledged is asked for again, with
            // the same idempotency key.
            if existing.refund.status == RefundStatus::Pending
                && existing.refund.provider_reference.is_none()
            {
                return Ok(Next::Send(Box::new((payment, existing))));
            }
            return Ok(Next::Done(existing.refund));
        }
        if !ids::is_id_of(&request.payment_id, PAYMENT_PREFIX) {
            return Err(Error::NotFound);
        }
        let payment = st.payment(&request.payment_id)?.ok_or(Error::NotFound)?;
        let p = &payment.payment;
        if p.status != PaymentStatus::Succeeded {
            return Err(Error::InvalidState(p.status));
        }
        let room = p.amount_captured.amount - p.amount_refunded.amount;
        let amount = match &request.amount {
            Some(m) => {
                if !validate::same_currency(m, &p.amount.currency) {
                    return Err(invalid(vec![(
                        "/amount/currency".into(),
                        format!("must be the payment's currency, {}", p.amount.currency),
                    )]));
                }
                m.amount
            }
            None => room,
        };
        if amount > room || room <= 0 {
            return Err(Error::RefundExceeds(Money {
                amount: room,
                currency: p.amount.currency.clone(),
            }));
        }
        let refund = Refund {
            id: ids::new_id(REFUND_PREFIX),
            payment_id: p.id.clone(),
            amount: Money {
                amount,
                currency: p.amount.currency.clone(),
            },
            status: RefundStatus::Pending,
            reason: request.reason.clone(),
            idempotency_key: request.idempotency_key.clone(),
            provider_reference: None,
            created_at: now,
            updated_at: now,
        };
        st.insert_refund(&refund, &fingerprint)?;
        let stored = st.refund(&refund.id)?.ok_or(Error::NotFound)?;
        Ok(Next::Send(Box::new((payment, stored))))
    });
    let next = match next {
        Err(Error::Storage(m)) if m.contains("UNIQUE constraint failed") => {
            // A racing call with the same key inserted first: answer as a retry would.
            return create_refund(request);
        }
        other => other?,
    };
    match next {
        Next::Done(r) => Ok(r),
        Next::Send(b) => {
            let (p, r) = *b;
            send_refund(&store, &p, r)
        }
    }
}

fn page_info(tag: &str, next: Option<(i64, String)>) -> PageInfo {
    PageInfo {
        next: next.map(|(key, id)| cursor::encode(tag, key, &id)),
    }
}

pub fn list_refunds(payment_id: &str, page: &PageRequest) -> Result<RefundPage, Error> {
    let page = validate::page(page, REFUNDS_CURSOR).map_err(invalid)?;
    let store = Store::open()?;
    load(&store, payment_id)?;
    let (items, next) = store.list_refunds(payment_id, &page)?;
    Ok(RefundPage {
        items,
        page: page_info(REFUNDS_CURSOR, next),
    })
}

pub fn list_payments(filter: &PaymentFilter, page: &PageRequest) -> Result<PaymentPage, Error> {
    let page = validate::page(page, PAYMENTS_CURSOR).map_err(invalid)?;
    let (items, next) = Store::open()?.list_payments(filter, &page)?;
    Ok(PaymentPage {
        items,
        page: page_info(PAYMENTS_CURSOR, next),
    })
}

// --- webhooks --------------------------------------------------------------------------

fn secret(provider: Provider) -> String {
    spin_sdk::variables::get(for_payments_of(provider).webhook_secret_variable())
        .unwrap_or_default()
}

/// The event kind a payment's stored status reports, for the statuses callers act on.
fn payment_kind(p: &Payment) -> Option<PaymentEventKind> {
    Some(match p.status {
        PaymentStatus::Succeeded => PaymentEventKind::Succeeded,
        PaymentStatus::RequiresCapture => PaymentEventKind::RequiresCapture,
        PaymentStatus::RequiresAction => PaymentEventKind::RequiresAction,
        PaymentStatus::Cancelled => PaymentEventKind::Cancelled,
        PaymentStatus::Failed => PaymentEventKind::Failed(p.last_decline.clone()?),
        PaymentStatus::RequiresConfirmation | PaymentStatus::Processing => return None,
    })
}

fn metadata<'a>(object: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    object.get("metadata")?.get(key)?.as_str()
}

pub fn handle_webhook(
    provider: Provider,
    body: &[u8],
    signature: &str,
) -> Result<Vec<PaymentEvent>, Error> {
    let now = clock::now_ms();
    if !webhook::verify(&secret(provider), body, signature, now.div_euclid(1000)) {
        return Err(Error::BadSignature);
    }
    let event = webhook::parse(body).map_err(invalid)?;
    let store = Store::open()?;
    store.tx(|st| {
        let first = st.record_event(provider, &event.id, &event.kind, now)?;
        let events = apply_event(st, provider, &event, now, first)?;
        if first {
            Ok(events)
        } else {
            // Read-only above: the transaction ends with nothing written.
            Err(Error::Replayed(events))
        }
    })
}

/// The events `event` carries for payments of this shop. With `apply`, the payments and
/// refunds it concerns are updated first (its first delivery); without (a replay), nothing
/// is written and the events report the stored records as they are now, so that a caller
/// whose follow-up failed the first time can finish it.
fn apply_event(
    st: &Store,
    provider: Provider,
    event: &webhook::Event,
    now: i64,
    apply: bool,
) -> Result<Vec<PaymentEvent>, Error> {
    let occurred_at = event.created.saturating_mul(1000);
    let mut events = Vec::new();
    let subject = for_payments_of(provider)
        .parse_event(event)
        .map_err(invalid)?;
    match subject {
        Some(EventSubject::Payment(outcome)) => {
            let reference = outcome.reference.clone().unwrap_or_default();
            // By the provider's id; or, when the event beat the answer to our create, by
            // the payment id we put in its metadata.
            let found = match st.payment_by_reference(provider, &reference)? {
                Some(s) => Some(s),
                None => match metadata(&event.object, "payment_id") {
                    Some(pid) if ids::is_id_of(pid, PAYMENT_PREFIX) => {
                        st.payment(pid)?.filter(|s| {
                            s.payment.provider == provider && s.payment.provider_reference.is_none()
                        })
                    }
                    _ => None,
                },
            };
            let Some(stored) = found else {
                return Ok(events);
            };
            let p = match merge(&stored.payment, &outcome, now) {
                Merge::Changed(p) if apply => {
                    st.save_payment(&p)?;
                    *p
                }
                Merge::Changed(_) | Merge::Same => stored.payment,
                // A late event about a state the payment has left: acknowledged only.
                Merge::Superseded => return Ok(events),
            };
            if p.status == outcome.status
                && let Some(kind) = payment_kind(&p)
            {
                events.push(PaymentEvent {
                    provider_event_id: event.id.clone(),
                    kind,
                    payment: p,
                    occurred_at,
                });
            }
        }
        Some(EventSubject::Refund(outcome)) => {
            let reference = outcome.reference.clone().unwrap_or_default();
            let found = match st.refund_by_reference(&reference)? {
                Some(r) => Some(r),
                None => match metadata(&event.object, "refund_id") {
                    Some(rid) if ids::is_id_of(rid, REFUND_PREFIX) => st
                        .refund(rid)?
                        .filter(|r| r.refund.provider_reference.is_none()),
                    _ => None,
                },
            };
            let Some(r) = found else {
                return Ok(events);
            };
            let Some(payment) = st.payment(&r.refund.payment_id)? else {
                return Ok(events);
            };
            if payment.payment.provider != provider {
                return Ok(events);
            }
            let after = if apply {
                st.settle_refund(&r.refund, outcome.status, Some(&reference), now)?;
                st.refund(&r.refund.id)?.ok_or(Error::NotFound)?.refund
            } else {
                r.refund
            };
            let kind = match (outcome.status, after.status) {
                (RefundStatus::Succeeded, RefundStatus::Succeeded) => {
                    PaymentEventKind::RefundSucceeded(after)
                }
                (RefundStatus::Failed, RefundStatus::Failed) => {
                    PaymentEventKind::RefundFailed(after)
                }
                _ => return Ok(events),
            };
            let payment = st
                .payment(&payment.payment.id)?
                .ok_or(Error::NotFound)?
                .payment;
            events.push(PaymentEvent {
                provider_event_id: event.id.clone(),
                kind,
                payment,
                occurred_at,
            });
        }
        // Kinds the shop does not use are acknowledged.
        None => {}
    }
    Ok(events)
}
