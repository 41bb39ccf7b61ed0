//! JSON shapes: the checkout plan stored per idempotency key, and the order and payment
//! as the API shows them.

use commerce_bindings::orders::orders;
use commerce_bindings::payments::payments;
use commerce_types::types;
use serde::{Deserialize, Serialize};

/// An amount in minor units with its ISO 4217 code; its JSON form (in answers and in the
/// stored plan) is `commerce-types`'.
pub use types::Money;

pub use commerce_bindings::orders_json::{Address, Line, Order, Shipping, Tax};

/// What a checkout decided on its first run, stored with its idempotency key so that every
/// retry creates exactly the same reservation and order, even after the cart was deleted
/// or a price changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub currency: String,
    pub lines: Vec<Line>,
    pub shipping: Option<Shipping>,
    pub taxes: Vec<Tax>,
    /// "inclusive" or "exclusive".
    pub tax_mode: String,
    pub subtotal: Money,
    pub discount_total: Money,
    pub shipping_total: Money,
    pub tax_total: Money,
    pub grand_total: Money,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub email: String,
    /// The signed-in customer the order is placed for; `None` for a guest (and in plans
    /// stored before accounts existed).
    #[serde(default)]
    pub customer_id: Option<String>,
}

impl Plan {
    /// The order snapshot of this plan, holding `reservation_id`.
    pub fn snapshot(&self, reservation_id: &str) -> orders::OrderSnapshot {
        let money = Money::clone;
        orders::OrderSnapshot {
            currency: self.currency.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| orders::OrderLine {
                    product_id: l.product_id.clone(),
                    variant_id: l.variant_id.clone(),
                    sku: l.sku.clone(),
                    product_title: l.product_title.clone(),
                    variant_title: l.variant_title.clone(),
                    quantity: l.quantity,
                    unit_price: money(&l.unit_price),
                    subtotal: money(&l.subtotal),
                    discount: money(&l.discount),
                    tax: money(&l.tax),
                })
                .collect(),
            discounts: Vec::new(),
            shipping: self.shipping.as_ref().map(|s| orders::ShippingLine {
                method_id: s.method_id.clone(),
                name: s.name.clone(),
                amount: money(&s.amount),
                tax: money(&s.tax),
            }),
            taxes: self
                .taxes
                .iter()
                .map(|t| types::TaxLine {
                    label: t.label.clone(),
                    country: t.country.clone(),
                    rate_ppm: t.rate_ppm,
                    taxable_amount: money(&t.taxable_amount),
                    amount: money(&t.amount),
                })
                .collect(),
            tax_mode: if self.tax_mode == "inclusive" {
                types::TaxMode::Inclusive
            } else {
                types::TaxMode::Exclusive
            },
            subtotal: money(&self.subtotal),
            discount_total: money(&self.discount_total),
            shipping_total: money(&self.shipping_total),
            tax_total: money(&self.tax_total),
            grand_total: money(&self.grand_total),
            shipping_address: (&self.shipping_address).into(),
            billing_address: self.billing_address.as_ref().map(Into::into),
            email: self.email.clone(),
            customer_id: self.customer_id.clone(),
            reservation_id: Some(reservation_id.to_owned()),
            payment_id: None,
        }
    }
}

/// The status of a payment as the API names it.
pub fn payment_status(s: payments::PaymentStatus) -> &'static str {
    use payments::PaymentStatus as S;
    match s {
        S::RequiresConfirmation => "requires_confirmation",
        S::RequiresAction => "requires_action",
        S::Processing => "processing",
        S::RequiresCapture => "requires_capture",
        S::Succeeded => "succeeded",
        S::Failed => "failed",
        S::Cancelled => "cancelled",
    }
}

/// A decline code as the API names it.
pub fn decline_code(c: payments::DeclineCode) -> &'static str {
    use payments::DeclineCode as C;
    match c {
        C::CardDeclined => "card_declined",
        C::InsufficientFunds => "insufficient_funds",
        C::ExpiredCard => "expired_card",
        C::IncorrectCvc => "incorrect_cvc",
        C::IncorrectNumber => "incorrect_number",
        C::AuthenticationFailed => "authentication_failed",
        C::Fraudulent => "fraudulent",
        C::ProcessingError => "processing_error",
        C::Other => "other",
    }
}

/// What the shopper's browser must do for a payment that requires action.
#[derive(Debug, Serialize)]
pub struct NextAction {
    /// "redirect_to_url" or "provider_sdk".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The URL to send the shopper to, or the value for the provider's script.
    pub value: String,
}

/// A card as receipts show it.
#[derive(Debug, Serialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
}

/// A payment as the shopper sees it.
#[derive(Debug, Serialize)]
pub struct Payment {
    pub id: String,
    pub status: &'static str,
    pub amount: Money,
    pub next_action: Option<NextAction>,
    pub card: Option<Card>,
}

impl From<payments::Payment> for Payment {
    fn from(p: payments::Payment) -> Self {
        Self {
            id: p.id,
            status: payment_status(p.status),
            amount: p.amount,
            next_action: p.next_action.map(|a| match a {
                payments::NextAction::RedirectToUrl(url) => NextAction {
                    kind: "redirect_to_url",
                    value: url,
                },
                payments::NextAction::ProviderSdk(v) => NextAction {
                    kind: "provider_sdk",
                    value: v,
                },
            }),
            card: p.card.map(|c| Card {
                brand: c.brand,
                last4: c.last4,
            }),
        }
    }
}
