//! The built-in test provider: no money moves, and a payment behaves by its card number,
//! with Stripe's well-known test numbers (see `test-card` in wit/deps/payments/payments.wit). It answers
//! at once, so its payments never stay `processing` and its refunds succeed immediately.

use capability_kit::ids;

use crate::exports::commerce::payments::payments::RefundStatus;
use crate::exports::commerce::payments::payments::{
    CardSummary, Decline, DeclineCode, NextAction, Payment, PaymentStatus, TestCard,
};
use crate::providers::{EventSubject, Outcome, PaymentProvider, ProviderError, RefundOutcome};
use crate::store::{StoredPayment, StoredRefund};
use crate::webhook::Event;

/// The test provider: it sees a payment when it is created (its reference is made then),
/// answers every call at once from the payment's stored scenario, and signs and shapes its
/// webhook events as Stripe does (with its own secret).
pub struct TestProvider;

/// The scenario a test payment was stored with.
fn stored_scenario(s: &StoredPayment) -> Result<Scenario, ProviderError> {
    Scenario::from_text(&s.method_ref)
        .ok_or_else(|| ProviderError::Stored(format!("unknown test scenario {:?}", s.method_ref)))
}

impl PaymentProvider for TestProvider {
    fn reference_at_creation(&self) -> Option<String> {
        Some(new_reference())
    }

    fn create(&self, _: &StoredPayment) -> Result<Option<Outcome>, ProviderError> {
        Ok(None)
    }

    fn confirm(&self, s: &StoredPayment, _: &Payment) -> Result<Outcome, ProviderError> {
        Ok(confirm(&s.payment, stored_scenario(s)?))
    }

    fn complete_action(&self, s: &StoredPayment) -> Result<Outcome, ProviderError> {
        Ok(complete_action(&s.payment, stored_scenario(s)?))
    }

    fn capture(&self, _: &StoredPayment, amount: i64) -> Result<Outcome, ProviderError> {
        let mut o = Outcome::status(PaymentStatus::Succeeded);
        o.amount_captured = Some(amount);
        Ok(o)
    }

    fn cancel(&self, _: &StoredPayment, _: &Payment) -> Result<Outcome, ProviderError> {
        Ok(Outcome::status(PaymentStatus::Cancelled))
    }

    fn refund(&self, _: &StoredPayment, _: &StoredRefund) -> Result<RefundOutcome, ProviderError> {
        Ok(RefundOutcome {
            reference: Some(new_refund_reference()),
            status: RefundStatus::Succeeded,
        })
    }

    fn webhook_secret_variable(&self) -> &'static str {
        crate::service::TEST_WEBHOOK_SECRET
    }

    fn parse_event(&self, event: &Event) -> Result<Option<EventSubject>, Vec<(String, String)>> {
        super::stripe::parse_event(event)
    }
}

/// How a test card behaves, decided by its number at creation and stored (never the number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Succeed,
    Decline(DeclineCode),
    /// `requires-action`; then `complete-action` succeeds.
    ActionSucceed,
    /// `requires-action`; then `complete-action` declines with `card-declined`.
    ActionDecline,
    /// `requires-action`; then `complete-action` fails with `authentication-failed`.
    ActionAuthFail,
}

impl Scenario {
    /// Whether confirming asks for a challenge.
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            Scenario::ActionSucceed | Scenario::ActionDecline | Scenario::ActionAuthFail
        )
    }

    /// The stored form.
    pub fn as_text(self) -> &'static str {
        match self {
            Scenario::Succeed => "succeed",
            Scenario::Decline(DeclineCode::InsufficientFunds) => "decline:insufficient-funds",
            Scenario::Decline(DeclineCode::ExpiredCard) => "decline:expired-card",
            Scenario::Decline(DeclineCode::IncorrectCvc) => "decline:incorrect-cvc",
            Scenario::Decline(DeclineCode::IncorrectNumber) => "decline:incorrect-number",
            Scenario::Decline(_) => "decline:card-declined",
            Scenario::ActionSucceed => "action:succeed",
            Scenario::ActionDecline => "action:decline",
            Scenario::ActionAuthFail => "action:authentication-failed",
        }
    }

    /// The scenario of its stored form.
    pub fn from_text(text: &str) -> Option<Self> {
        Some(match text {
            "succeed" => Scenario::Succeed,
            "decline:insufficient-funds" => Scenario::Decline(DeclineCode::InsufficientFunds),
            "decline:expired-card" => Scenario::Decline(DeclineCode::ExpiredCard),
            "decline:incorrect-cvc" => Scenario::Decline(DeclineCode::IncorrectCvc),
            "decline:incorrect-number" => Scenario::Decline(DeclineCode::IncorrectNumber),
            "decline:card-declined" => Scenario::Decline(DeclineCode::CardDeclined),
            "action:succeed" => Scenario::ActionSucceed,
            "action:decline" => Scenario::ActionDecline,
            "action:authentication-failed" => Scenario::ActionAuthFail,
            _ => return None,
        })
    }
}

/// The scenario of a card number (digits only).
pub fn scenario(number: &str) -> Scenario {
    match number {
        "4242424242424242" => Scenario::Succeed,
        "4000000000000002" => Scenario::Decline(DeclineCode::CardDeclined),
        "4000000000009995" => Scenario::Decline(DeclineCode::InsufficientFunds),
        "4000000000000069" => Scenario::Decline(DeclineCode::ExpiredCard),
        "4000000000000127" => Scenario::Decline(DeclineCode::IncorrectCvc),
        "4000002500003155" => Scenario::ActionSucceed,
        "4000008400001629" => Scenario::ActionDecline,
        "4000000000003220" => Scenario::ActionAuthFail,
        n if luhn(n) => Scenario::Succeed,
        _ => Scenario::Decline(DeclineCode::IncorrectNumber),
    }
}

/// Whether a digit string passes the Luhn check.
pub fn luhn(number: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in number.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !number.is_empty() && sum.is_multiple_of(10)
}

/// The brand of a card number by its prefix.
fn brand(number: &str) -> &'static str {
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    if number.starts_with('4') {
        "visa"
    } else if prefix(2).is_some_and(|p| (51..=55).contains(&p))
        || prefix(4).is_some_and(|p| (2221..=2720).contains(&p))
    {
        "mastercard"
    } else if number.starts_with("34") || number.starts_with("37") {
        "amex"
    } else if number.starts_with("6011") || number.starts_with("65") {
        "discover"
    } else {
        "unknown"
    }
}

/// What receipts show of a test card.
pub fn card_summary(card: &TestCard) -> CardSummary {
    let n = &card.number;
    CardSummary {
        brand: brand(n).to_owned(),
        last4: n.get(n.len().saturating_sub(4)..).unwrap_or("").to_owned(),
        exp_month: card.exp_month,
        exp_year: card.exp_year,
    }
}

/// A new provider reference for a test payment.
pub fn new_reference() -> String {
    ids::new_id("pi_test")
}

/// A new provider reference for a test refund.
pub fn new_refund_reference() -> String {
    ids::new_id("re_test")
}

fn decline(code: DeclineCode) -> Decline {
    let (message, provider_code) = match code {
        DeclineCode::InsufficientFunds => {
            ("Your card has insufficient funds.", "insufficient_funds")
        }
        DeclineCode::ExpiredCard => ("Your card has expired.", "expired_card"),
        DeclineCode::IncorrectCvc => ("Your card's security code is incorrect.", "incorrect_cvc"),
        DeclineCode::IncorrectNumber => ("Your card number is incorrect.", "incorrect_number"),
        DeclineCode::AuthenticationFailed => (
            "We are unable to authenticate your payment method.",
            "payment_intent_authentication_failure",
        ),
        _ => ("Your card was declined.", "card_declined"),
    };
    Decline {
        code,
        message: message.to_owned(),
        provider_code: Some(provider_code.to_owned()),
    }
}

fn authorised(p: &Payment) -> Outcome {
    match p.capture_mode {
        crate::exports::commerce::payments::payments::CaptureMode::Automatic => {
            let mut o = Outcome::status(PaymentStatus::Succeeded);
            o.amount_captured = Some(p.amount.amount);
            o
        }
        crate::exports::commerce::payments::payments::CaptureMode::Manual => {
            Outcome::status(PaymentStatus::RequiresCapture)
        }
    }
}

fn failed(code: DeclineCode) -> Outcome {
    let mut o = Outcome::status(PaymentStatus::Failed);
    o.decline = Some(decline(code));
    o
}

/// What confirming `p` gives.
pub fn confirm(p: &Payment, scenario: Scenario) -> Outcome {
    match scenario {
        Scenario::Succeed => authorised(p),
        Scenario::Decline(code) => failed(code),
        Scenario::ActionSucceed | Scenario::ActionDecline | Scenario::ActionAuthFail => {
            let mut o = Outcome::status(PaymentStatus::RequiresAction);
            // Validation made the return URL required for these cards.
            o.next_action = Some(NextAction::RedirectToUrl(
                p.return_url.clone().unwrap_or_default(),
            ));
            o
        }
    }
}

/// What completing the challenge of `p` gives.
pub fn complete_action(p: &Payment, scenario: Scenario) -> Outcome {
    match scenario {
        Scenario::ActionDecline => failed(DeclineCode::CardDeclined),
        Scenario::ActionAuthFail => failed(DeclineCode::AuthenticationFailed),
        _ => authorised(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_the_test_numbers_and_refuses_a_typo() {
        assert!(luhn("4242424242424242"));
        assert!(luhn("5555555555554444"));
        assert!(!luhn("4242424242424241"));
    }

    #[test]
    fn scenarios_survive_storage() {
        for n in [
            "4242424242424242",
            "4000000000000002",
            "4000000000009995",
            "4000000000000069",
            "4000000000000127",
            "4000002500003155",
            "4000008400001629",
            "4000000000003220",
            "4242424242424241",
        ] {
            let s = scenario(n);
            assert_eq!(Scenario::from_text(s.as_text()), Some(s), "{n}");
        }
    }
}
